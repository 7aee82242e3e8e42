#!/usr/bin/env python3
"""Soundscape benchmark: synthesis time, loudness, peak and each stem's level for a preset's film.

No Blender needed (the soundscape is core, numpy only).

    python scripts/bench_sound.py [--preset default] [--seed N] [--set KEY=VALUE] [--wav out.wav]
                                  [--spectrogram out.png] [--json]

Measured: the soundtrack as a render makes it (sound.Score streamed through mastering into a WAV
file, a segment at a time): its time and its peak memory (tracemalloc: numpy's arrays included).

The spectrogram (log frequency 30 Hz - 12 kHz up, time across, 80 dB of range)
is how to look at the soundtrack: the drone's partials beating until the hum
act, the voice's harmonics, the chimes' shimmer up high, the heartbeat's
vertical strokes, the crackle while frost advances.
"""
from __future__ import annotations

import argparse
import json
import struct
import tempfile
import time
import tracemalloc
import zlib
from pathlib import Path

import numpy as np

from sanctuary.config import presets
from sanctuary.core.audio import mastering
from sanctuary.core.audio import soundscape as sound
from sanctuary.core.plan import ScenePlan


def level(x: np.ndarray) -> tuple[float, float]:
    """(RMS dBFS, peak dBFS)."""
    rms = float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))
    return round(20 * np.log10(max(rms, 1e-12)), 1), round(mastering.peak_db(x), 1)


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
    freqs = np.fft.rfftfreq(win, 1.0 / mastering.RATE)
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
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="a preset override, as the CLI's --set (e.g. timeline.beats.tending=28.0)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    cfg = presets.load_scene(args.preset, args.seed, tuple(args.set)).data
    plan = ScenePlan(cfg)
    plan.forest, plan.shots, plan.response  # what the sound reads, made before the clock starts
    first, last = plan.frames
    # Measured: the film's soundtrack as the render makes it, streamed segment by segment into a WAV file.
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(args.wav or Path(tmp) / "film.wav")
        tracemalloc.start()
        t0 = time.perf_counter()
        score = sound.Score(plan)
        track = mastering.film_audio_chunks(score.raw, list(range(first, last + 1)), first,
                                            cfg["timeline"]["fps"], cfg["sound"]["loudness"])
        with open(target, "wb") as f:
            written = mastering.write_wav(f, track, cfg["sound"]["bit_depth"])
        seconds = time.perf_counter() - t0
        peak_mb = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    # Then looked at, the whole film in memory (not measured): true peak, each stem, the spectrogram.
    scape = sound.synthesize(plan)
    result = {
        "preset": args.preset, "seed": cfg["seed"], "film_seconds": scape.mix.shape[1] / mastering.RATE,
        "synthesis_seconds": round(seconds, 2), "synthesis_peak_mb": round(peak_mb, 1),
        "loudness_lufs": round(written["loudness_lufs"], 2), "peak_dbfs": round(written["peak_dbfs"], 2),
        "true_peak_dbfs": true_peak_db(scape.mix), "chimes": len(scape.chimes), "heartbeats": len(scape.beats),
        "stems_rms_peak_dbfs": {name: level(stem) for name, stem in scape.stems.items()},
    }
    if args.spectrogram:
        spectrogram_png(scape.mix, args.spectrogram)
    if args.json:
        print(json.dumps(result))
        return
    print(f"{args.preset} (seed {cfg['seed']}): {result['film_seconds']:.1f} s of sound in {seconds:.2f} s, "
          f"peak memory {peak_mb:.0f} MB (segments of {mastering.SEGMENT / mastering.RATE:.0f} s); "
          f"{result['loudness_lufs']} LUFS, peak {result['peak_dbfs']} dBFS (true peak {result['true_peak_dbfs']}); "
          f"{result['chimes']} chimes, {result['heartbeats']} heartbeats")
    for name, (rms, peak) in result["stems_rms_peak_dbfs"].items():
        print(f"  {name:>9}: RMS {rms:6.1f} dBFS, peak {peak:6.1f} dBFS (before mastering)")


if __name__ == "__main__":
    main()
