"""Seeded value noise in numpy: smooth, tileable-free, deterministic."""
from __future__ import annotations

import numpy as np

from .seeds import stream


def value_noise_2d(x: np.ndarray, y: np.ndarray, seed: int, name: str, octaves: int = 4,
                   lacunarity: float = 2.0, gain: float = 0.5) -> np.ndarray:
    """Fractal value noise in about [-1, 1] at points (x, y), in noise units."""
    total = np.zeros(np.broadcast(x, y).shape, dtype=np.float64)
    amp, freq, norm = 1.0, 1.0, 0.0
    for octave in range(octaves):
        lattice = stream(seed, "noise", name, octave).uniform(-1.0, 1.0, size=(256, 256))
        total += amp * _lattice_sample(lattice, x * freq, y * freq)
        norm += amp
        amp *= gain
        freq *= lacunarity
    return total / norm


def _lattice_sample(lattice: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    x0, y0 = np.floor(x), np.floor(y)
    fx, fy = x - x0, y - y0
    # Smootherstep so the surface has continuous curvature (no creases in the ground).
    sx = fx * fx * fx * (fx * (fx * 6 - 15) + 10)
    sy = fy * fy * fy * (fy * (fy * 6 - 15) + 10)
    n = lattice.shape[0]
    i0, j0 = x0.astype(np.int64) % n, y0.astype(np.int64) % n
    i1, j1 = (i0 + 1) % n, (j0 + 1) % n
    a = lattice[i0, j0] + (lattice[i1, j0] - lattice[i0, j0]) * sx
    b = lattice[i0, j1] + (lattice[i1, j1] - lattice[i0, j1]) * sx
    return a + (b - a) * sy
