#!/usr/bin/env python3
"""Soundscape benchmark: synthesis time, loudness, peak and each stem's level for a preset's film.

No Blender needed (the soundscape is core, numpy only).

    python scripts/bench_sound.py [--preset default] [--seed N] [--wav out.wav] [--spectrogram out.png] [--json]

The spectrogram (log frequency 30 Hz - 12 kHz up, time across, 80 dB of range)
is how to look at the soundtrack: the drone's partials beating until the hum
act, the voice's harmonics, the chimes' shimmer up high, the heartbeat's
vertical strokes, the crackle while frost advances.
"""
from __future__ import annotations

import argparse
import json
import struct
import time
import zlib

import numpy as np

from sanctuary.config import presets
from sanctuary.core.audio import soundscape as sound


def level(x: np.ndarray) -> tuple[float, float]:
    """(RMS dBFS, peak dBFS)."""
    rms = float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))
    return round(20 * np.log10(max(rms, 1e-12)), 1), round(sound.peak_db(x), 1)


def true_peak_db(x: np.ndarray, up: int = 4) -> float:
    """Peak between the samples too: the signal upsampled 4x (band-limited, by FFT), as BS.1770 asks."""
    n = x.shape[1]
    spectrum = np.fft.rfft(x.astype(np.float64), axis=1)
    wide = np.zeros((x.shape[0], n * up // 2 + 1), complex)
    wide[:, :spectrum.shape[1]] = spectrum
    return round(20 * np.log10(max(float(np.abs(np.fft.irfft(wide, n * up, axis=1)).max()) * up, 1e-12)), 2)


def spectrogram_png(mix: np.ndarray, path: str, width: int = 1200, height: int = 300) -> None:
    """A greyscale PNG of the mix's spectrogram (stdlib zlib: no imaging library needed)."""
    x = mix.astype(np.float64).mean(axis=0)
    win = 4096
    hop = max(1, (len(x) - win) // width)
    starts = np.arange(width) * hop
    frames = x[np.minimum(starts[:, None] + np.arange(win)[None, :], len(x) - 1)] * np.hanning(win)
    spec = np.abs(np.fft.rfft(frames, axis=1))
    freqs = np.fft.rfftfreq(win, 1.0 / sound.RATE)
    rows = np.geomspace(30.0, 12000.0, height)[::-1]
    img = np.stack([np.interp(rows, freqs, column) for column in spec], axis=1)
    level = 20 * np.log10(img + 1e-9)
    grey = (np.clip((level - level.max() + 80.0) / 80.0, 0.0, 1.0) * 255).astype(np.uint8)
    raw = b"".join(b"\0" + row.tobytes() for row in grey)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))
    with open(path, "wb") as f:
        f.write(png)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="default")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--wav", default=None, help="also write the film's soundtrack here")
    parser.add_argument("--spectrogram", default=None, help="also draw the soundtrack's spectrogram as a PNG")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    cfg = presets.load_scene(args.preset, args.seed).data
    t0 = time.perf_counter()
    scape = sound.synthesize(cfg)
    seconds = time.perf_counter() - t0
    result = {
        "preset": args.preset, "seed": cfg["seed"], "film_seconds": scape.mix.shape[1] / sound.RATE,
        "synthesis_seconds": round(seconds, 2), "loudness_lufs": round(sound.loudness(scape.mix), 2),
        "peak_dbfs": round(sound.peak_db(scape.mix), 2), "true_peak_dbfs": true_peak_db(scape.mix),
        "chimes": len(scape.chimes), "heartbeats": len(scape.beats),
        "stems_rms_peak_dbfs": {name: level(stem) for name, stem in scape.stems.items()},
    }
    if args.wav:
        with open(args.wav, "wb") as f:
            f.write(sound.wav_bytes(scape.mix, cfg["sound"]["bit_depth"]))
    if args.spectrogram:
        spectrogram_png(scape.mix, args.spectrogram)
    if args.json:
        print(json.dumps(result))
        return
    print(f"{args.preset} (seed {cfg['seed']}): {result['film_seconds']:.1f} s of sound in {seconds:.2f} s; "
          f"{result['loudness_lufs']} LUFS, peak {result['peak_dbfs']} dBFS (true peak {result['true_peak_dbfs']}); "
          f"{result['chimes']} chimes, {result['heartbeats']} heartbeats")
    for name, (rms, peak) in result["stems_rms_peak_dbfs"].items():
        print(f"  {name:>9}: RMS {rms:6.1f} dBFS, peak {peak:6.1f} dBFS (before mastering)")


if __name__ == "__main__":
    main()
