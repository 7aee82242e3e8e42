"""Mastering and writing the soundtrack: the ITU-R BS.1770-4 loudness meter (K-weighting, gated 400 ms
blocks), gain to a target loudness, a look-ahead peak limiter, the film's audio under its frames, and
PCM WAV bytes."""
from __future__ import annotations

import io
import wave

import numpy as np

RATE = 48000
CEILING_DB = -1.5  # sample peak after limiting: under the -1 dBFS the film promises, with room for the encoder


def db(value: float) -> float:
    return 10.0 ** (value / 20.0)


def master(raw: np.ndarray, target: float) -> np.ndarray:
    """To the target loudness, then under the ceiling (twice: the limiter takes a little loudness away)."""
    out = np.asarray(raw, dtype=np.float64)
    for _ in range(2):
        level = loudness(out)
        if level > -70.0:  # silence stays silence
            out = out * db(target - level)
        out = limit(out, db(CEILING_DB))
    return out.astype(np.float32)


def peak_db(x: np.ndarray) -> float:
    return 20.0 * float(np.log10(max(float(np.max(np.abs(x))) if x.size else 0.0, 1e-12)))


# ITU-R BS.1770-4 K-weighting at 48 kHz: a high shelf, then a high-pass (two biquads).
K_SHELF = ((1.53512485958697, -2.69169618940638, 1.19839281085285), (1.0, -1.69065929318241, 0.73248077421585))
K_HIGHPASS = ((1.0, -2.0, 1.0), (1.0, -1.99004745483398, 0.99007225036621))


def k_weight(x: np.ndarray) -> np.ndarray:
    """The two biquads applied in the frequency domain (padded, so their tails do not wrap)."""
    n = x.shape[-1]
    size = 1 << int(np.ceil(np.log2(n + RATE)))
    z = np.exp(-1j * np.linspace(0.0, np.pi, size // 2 + 1))
    h = np.ones_like(z)
    for b, a in (K_SHELF, K_HIGHPASS):
        h *= (b[0] + b[1] * z + b[2] * z * z) / (a[0] + a[1] * z + a[2] * z * z)
    return np.fft.irfft(np.fft.rfft(x, size) * h, size)[..., :n]


def loudness(x: np.ndarray) -> float:
    """Integrated loudness (LUFS) of a stereo signal (2, N): gated 400 ms blocks, 75 % overlap."""
    y = k_weight(np.asarray(x, dtype=np.float64))
    block, hop = int(0.4 * RATE), int(0.1 * RATE)
    if y.shape[-1] < block:  # a film shorter than a block (a still or two): one block of all of it
        block = hop = y.shape[-1]
    if block == 0:
        return -70.0
    power = np.cumsum(np.concatenate([np.zeros((y.shape[0], 1)), y * y], axis=1), axis=1)
    starts = np.arange(0, y.shape[-1] - block + 1, hop)
    z = ((power[:, starts + block] - power[:, starts]) / block).sum(axis=0)
    lk = -0.691 + 10 * np.log10(np.maximum(z, 1e-20))
    gated = z[lk > -70.0]
    if not len(gated):
        return -70.0
    relative = -0.691 + 10 * np.log10(gated.mean()) - 10.0
    final = z[(lk > -70.0) & (lk > relative)]
    return float(-0.691 + 10 * np.log10(final.mean()))


def limit(x: np.ndarray, ceiling: float, block: int = 240) -> np.ndarray:
    """A look-ahead peak limiter: the gain each 5 ms block and its neighbours need, eased between blocks.

    Each block's gain is the least its own and the neighbouring blocks need, so
    easing linearly from one block's gain to the next never lets a sample
    through above the ceiling.
    """
    n = x.shape[-1]
    peak = np.max(np.abs(x), axis=0)
    blocks = -(-n // block)
    padded = np.concatenate([peak, np.zeros(blocks * block - n)]).reshape(blocks, block).max(axis=1)
    need = np.minimum(1.0, ceiling / np.maximum(padded, 1e-12))
    held = np.minimum(need, np.minimum(np.concatenate([need[1:], [1.0]]), np.concatenate([[1.0], need[:-1]])))
    centres = (np.arange(blocks) + 0.5) * block
    gain = np.interp(np.arange(n), centres, held)
    return x * gain


def film_audio(raw: np.ndarray, frames: list[int], first: int, fps: int, target: float,
               fade: float = 0.005) -> np.ndarray:
    """The soundtrack under the film's frames, in order, mastered: runs of consecutive frames are
    spliced with 5 ms fades (a trailer jumps); the whole film's is the mix."""
    per = RATE / fps
    runs, start = [], 0
    for i in range(1, len(frames) + 1):
        if i == len(frames) or frames[i] != frames[i - 1] + 1:
            runs.append((frames[start], frames[i - 1]))
            start = i
    pieces = []
    for a, b in runs:
        lo, hi = int(round((a - first) * per)), int(round((b - first + 1) * per))
        piece = np.pad(raw[:, lo:hi], ((0, 0), (0, max(0, (hi - lo) - raw[:, lo:hi].shape[1]))))
        pieces.append(ramp(piece, fade))
    return master(np.concatenate(pieces, axis=1), target) if pieces else np.zeros((2, 0), np.float32)


def ramp(x: np.ndarray, fade: float = 0.005) -> np.ndarray:
    """5 ms in and out: a piece cut from the middle of the sound starts and ends without a click."""
    edge = np.minimum(np.arange(x.shape[1]), np.arange(x.shape[1])[::-1]) / (fade * RATE)
    return x * np.clip(edge, 0.0, 1.0)


def wav_bytes(audio: np.ndarray, bits: int = 24, rate: int = RATE) -> bytes:
    """A PCM WAV file (16- or 24-bit stereo) of a (2, N) signal in -1..1."""
    full = 2 ** (bits - 1) - 1
    ints = np.round(np.clip(audio.T, -1.0, 1.0) * full).astype("<i4").ravel()
    data = ints.astype("<i2").tobytes() if bits == 16 else ints.view(np.uint8).reshape(-1, 4)[:, :3].tobytes()
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(bits // 8)
        w.setframerate(rate)
        w.writeframes(data)
    return buf.getvalue()
