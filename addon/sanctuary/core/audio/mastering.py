"""Mastering and writing the soundtrack: the ITU-R BS.1770-4 loudness meter (K-weighting, gated 400 ms
blocks), gain to a target loudness, a look-ahead peak limiter, the film's audio under its frames, and
PCM WAV bytes."""
from __future__ import annotations

import io
import tempfile
import wave
from functools import lru_cache

import numpy as np

RATE = 48000
CEILING_DB = -1.5  # sample peak after limiting: under the -1 dBFS the film promises, with room for the encoder


def db(value: float) -> float:
    return 10.0 ** (value / 20.0)


SEGMENT = 480_000  # samples (10 s) the mastering works on at a time: memory stays flat in the film's length


def segments(n: int, size: int | None = None):
    """(lo, hi) of each segment of n samples (SEGMENT long), in order."""
    size = size or SEGMENT
    for lo in range(0, n, size):
        yield lo, min(n, lo + size)


def fft_size(n: int) -> int:
    """The smallest 2^a 3^b 5^c >= n: a length numpy's FFT is quick at, nearer n than a power of two."""
    best = 1 << int(np.ceil(np.log2(max(n, 1))))
    p5 = 1
    while p5 < best:
        p35 = p5
        while p35 < best:
            size = p35 << max(0, int(np.ceil(np.log2(n / p35))))
            best = min(best, size)
            p35 *= 3
        p5 *= 5
    return best


def reader(x: np.ndarray):
    """read(lo, hi) -> x[:, lo:hi], for a signal already in memory."""
    return lambda lo, hi: x[:, lo:hi]


def master(raw: np.ndarray, target: float) -> np.ndarray:
    """To the target loudness, then under the ceiling (twice: the limiter takes a little loudness away).
    A signal (2, N) in memory; master_chunks is the same, a segment at a time."""
    parts = list(master_chunks(reader(np.asarray(raw, dtype=np.float64)), raw.shape[-1], target))
    return np.concatenate(parts, axis=1) if parts else np.zeros((2, 0), np.float32)


def master_chunks(read, n: int, target: float):
    """master() a segment at a time: yields the mastered (2, k) float32 pieces of the n samples that
    read(lo, hi) gives (float64, read three times: measured, measured after the first pass, written)."""
    ceiling = db(CEILING_DB)
    meter, peaks = Meter(), Peaks()
    for lo, hi in segments(n):
        x = read(lo, hi)
        meter.feed(x)
        peaks.feed(x)
    level = meter.lufs()
    g1 = db(target - level) if level > -70.0 else 1.0  # silence stays silence
    lim1 = Limiter(peaks.blocks() * g1, ceiling)
    meter, peaks = Meter(), Peaks()
    for lo, hi in segments(n):
        y = read(lo, hi) * g1 * lim1.gain(lo, hi)
        meter.feed(y)
        peaks.feed(y)
    level = meter.lufs()
    g2 = db(target - level) if level > -70.0 else 1.0
    lim2 = Limiter(peaks.blocks() * g2, ceiling)
    for lo, hi in segments(n):
        y = read(lo, hi) * g1 * lim1.gain(lo, hi)
        yield (y * g2 * lim2.gain(lo, hi)).astype(np.float32)


def peak_db(x: np.ndarray) -> float:
    return 20.0 * float(np.log10(max(float(np.max(np.abs(x))) if x.size else 0.0, 1e-12)))


# ITU-R BS.1770-4 K-weighting at 48 kHz: a high shelf, then a high-pass (two biquads).
K_SHELF = ((1.53512485958697, -2.69169618940638, 1.19839281085285), (1.0, -1.69065929318241, 0.73248077421585))
K_HIGHPASS = ((1.0, -2.0, 1.0), (1.0, -1.99004745483398, 0.99007225036621))
K_TAPS = 1 << 14  # the biquads' impulse response, cut where it is under 1e-17 (poles at radius 0.995)
BLOCK, HOP = int(0.4 * RATE), int(0.1 * RATE)  # the meter's gating blocks, 75 % overlapped


@lru_cache(maxsize=1)
def k_response() -> np.ndarray:
    """The K-weighting filter's impulse response (K_TAPS), the two biquads run on a unit impulse."""
    x = np.zeros(K_TAPS)
    x[0] = 1.0
    for b, a in (K_SHELF, K_HIGHPASS):
        y = np.zeros(K_TAPS)
        x1 = x2 = y1 = y2 = 0.0
        for i, xi in enumerate(x.tolist()):
            yi = b[0] * xi + b[1] * x1 + b[2] * x2 - a[1] * y1 - a[2] * y2
            x2, x1, y2, y1 = x1, xi, y1, yi
            y[i] = yi
        x = y
    return x


@lru_cache(maxsize=4)
def k_spectrum(size: int) -> np.ndarray:
    """k_response's spectrum at an FFT size (a few sizes recur: the segments', the last one's)."""
    return np.fft.rfft(k_response(), size)


class Meter:
    """The BS.1770-4 integrated loudness of a stereo signal fed to it in order, piece by piece:
    K-weighting by overlap-save convolution with its impulse response, then the energy of every
    100 ms hop; lufs() gates the 400 ms blocks those make. Memory: one piece and a number a hop."""

    def __init__(self):
        self.tail = np.zeros((2, K_TAPS - 1))  # the input just before the next piece
        self.hops: list[float] = []  # energy (both channels) of each whole hop
        self.rest, self.rest_n, self.total, self.n = 0.0, 0, 0.0, 0

    def feed(self, x: np.ndarray) -> None:
        k = x.shape[-1]
        if k == 0:
            return
        ext = np.concatenate([self.tail, x], axis=1)
        size = fft_size(ext.shape[-1] + K_TAPS)
        y = np.fft.irfft(np.fft.rfft(ext, size) * k_spectrum(size), size)[:, K_TAPS - 1:ext.shape[-1]]
        self.tail = ext[:, -(K_TAPS - 1):]
        e = (y * y).sum(axis=0)
        self.total += float(e.sum())
        self.n += k
        need = HOP - self.rest_n  # finish the hop left open by the last piece
        if k < need:
            self.rest += float(e.sum())
            self.rest_n += k
            return
        self.hops.append(self.rest + float(e[:need].sum()))
        whole = (k - need) // HOP
        self.hops.extend(e[need:need + whole * HOP].reshape(whole, HOP).sum(axis=1).tolist())
        left = e[need + whole * HOP:]
        self.rest, self.rest_n = float(left.sum()), len(left)

    def lufs(self) -> float:
        if self.n == 0:
            return -70.0
        if self.n < BLOCK:  # a film shorter than a block (a still or two): one block of all of it
            z = np.array([self.total / self.n])
        else:
            h = np.asarray(self.hops)
            count = (self.n - BLOCK) // HOP + 1
            z = sum(h[i:i + count] for i in range(BLOCK // HOP)) / BLOCK
        lk = -0.691 + 10 * np.log10(np.maximum(z, 1e-20))
        gated = z[lk > -70.0]
        if not len(gated):
            return -70.0
        relative = -0.691 + 10 * np.log10(gated.mean()) - 10.0
        final = z[(lk > -70.0) & (lk > relative)]
        return float(-0.691 + 10 * np.log10(final.mean()))


def loudness(x: np.ndarray) -> float:
    """Integrated loudness (LUFS) of a stereo signal (2, N): gated 400 ms blocks, 75 % overlap."""
    meter = Meter()
    x = np.asarray(x, dtype=np.float64)
    for lo, hi in segments(x.shape[-1]):
        meter.feed(x[:, lo:hi])
    return meter.lufs()


LIMIT_BLOCK = 240  # 5 ms


class Peaks:
    """The peak (either channel) of every 5 ms block of a signal fed to it in order."""

    def __init__(self):
        self.done: list[np.ndarray] = []
        self.open = np.zeros(0)

    def feed(self, x: np.ndarray) -> None:
        m = np.concatenate([self.open, np.max(np.abs(x), axis=0)]) if x.shape[-1] else self.open
        whole = len(m) // LIMIT_BLOCK * LIMIT_BLOCK
        if whole:
            self.done.append(m[:whole].reshape(-1, LIMIT_BLOCK).max(axis=1))
        self.open = m[whole:]

    def blocks(self) -> np.ndarray:
        last = [self.open.max(keepdims=True)] if len(self.open) else []
        return np.concatenate(self.done + last) if self.done or last else np.zeros(0)


class Limiter:
    """A look-ahead peak limiter: the gain each 5 ms block and its neighbours need, eased between blocks.

    Each block's gain is the least its own and the neighbouring blocks need, so
    easing linearly from one block's gain to the next never lets a sample
    through above the ceiling. peaks: each block's peak (Peaks.blocks) of the signal it limits.
    """

    def __init__(self, peaks: np.ndarray, ceiling: float):
        need = np.minimum(1.0, ceiling / np.maximum(peaks, 1e-12))
        self.held = np.minimum(need, np.minimum(np.concatenate([need[1:], [1.0]]), np.concatenate([[1.0], need[:-1]])))
        self.centres = (np.arange(len(need)) + 0.5) * LIMIT_BLOCK

    def gain(self, lo: int, hi: int) -> np.ndarray:
        return np.interp(np.arange(lo, hi), self.centres, self.held) if len(self.held) else np.ones(hi - lo)


def film_audio(raw, frames: list[int], first: int, fps: int, target: float, fade: float = 0.005) -> np.ndarray:
    """The soundtrack under the film's frames, in order, mastered (film_audio_chunks, in memory)."""
    parts = list(film_audio_chunks(raw, frames, first, fps, target, fade))
    return np.concatenate(parts, axis=1) if parts else np.zeros((2, 0), np.float32)


def film_audio_chunks(raw, frames: list[int], first: int, fps: int, target: float, fade: float = 0.005,
                      spool_dir=None):
    """The soundtrack under the film's frames, in order, mastered, a segment at a time: runs of
    consecutive frames are spliced with 5 ms fades (a trailer jumps); the whole film's is the mix.

    raw: the film's sound before mastering, (2, N) in memory or read(lo, hi) -> (2, <= hi - lo)
    float64 (past its end, silence). The spliced signal waits in a temporary file between the
    mastering's passes (in spool_dir: the output's disk; unnamed, it goes when it closes), so memory
    is a few segments whatever the film's length. Raises OSError where that file cannot be written."""
    read = reader(raw) if isinstance(raw, np.ndarray) else raw
    per = RATE / fps
    runs, start = [], 0
    for i in range(1, len(frames) + 1):
        if i == len(frames) or frames[i] != frames[i - 1] + 1:
            runs.append((frames[start], frames[i - 1]))
            start = i
    spans = [(int(round((a - first) * per)), int(round((b - first + 1) * per))) for a, b in runs]
    total = sum(hi - lo for lo, hi in spans)
    if total == 0:
        return
    with tempfile.TemporaryFile(dir=spool_dir) as spool:
        for lo, hi in spans:
            for a, b in segments(hi - lo):
                piece = read(lo + a, lo + b)
                piece = np.pad(piece, ((0, 0), (0, (b - a) - piece.shape[1])))
                # file.write, not ndarray.tofile: a full disk raises OSError with its errno
                spool.write(np.ascontiguousarray((piece * _ramp(a, b, hi - lo, fade)).T).tobytes())
        spool.flush()
        yield from master_chunks(reader(np.memmap(spool, dtype=np.float64, mode="r", shape=(total, 2)).T),
                                 total, target)


def _ramp(a: int, b: int, length: int, fade: float) -> np.ndarray:
    """Samples a..b of ramp()'s envelope over a piece of the given length."""
    i = np.arange(a, b)
    return np.clip(np.minimum(i, length - 1 - i) / (fade * RATE), 0.0, 1.0)


def ramp(x: np.ndarray, fade: float = 0.005) -> np.ndarray:
    """5 ms in and out: a piece cut from the middle of the sound starts and ends without a click."""
    return x * _ramp(0, x.shape[1], x.shape[1], fade)


def write_wav(f, chunks, bits: int = 24, rate: int = RATE) -> dict:
    """Write (2, k) pieces in -1..1 as one PCM WAV file (16- or 24-bit stereo) to the open, seekable
    binary file f. Returns the written sound's loudness (LUFS) and sample peak (dBFS)."""
    meter, peak = Meter(), 0.0
    try:
        with wave.open(f, "wb") as w:
            w.setnchannels(2)
            w.setsampwidth(bits // 8)
            w.setframerate(rate)
            for x in chunks:
                meter.feed(np.asarray(x, dtype=np.float64))
                peak = max(peak, float(np.max(np.abs(x))) if x.size else 0.0)
                w.writeframes(_pcm(x, bits))
    finally:
        if hasattr(chunks, "close"):  # a generator stopped part way lets its spool file go now
            chunks.close()
    return {"loudness_lufs": meter.lufs(), "peak_dbfs": 20.0 * float(np.log10(max(peak, 1e-12)))}


def _pcm(audio: np.ndarray, bits: int) -> bytes:
    full = 2 ** (bits - 1) - 1
    ints = np.round(np.clip(audio.T, -1.0, 1.0) * full).astype("<i4").ravel()
    return ints.astype("<i2").tobytes() if bits == 16 else ints.view(np.uint8).reshape(-1, 4)[:, :3].tobytes()


def wav_bytes(audio: np.ndarray, bits: int = 24, rate: int = RATE) -> bytes:
    """A PCM WAV file (16- or 24-bit stereo) of a (2, N) signal in -1..1."""
    buf = io.BytesIO()
    write_wav(buf, [audio], bits, rate)
    return buf.getvalue()
