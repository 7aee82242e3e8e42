"""The forest floor: a seeded, gently undulating grid with a raised, open clearing."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..noise import value_noise_2d


@dataclass(frozen=True)
class GridMesh:
    vertices: np.ndarray  # (V, 3) float32
    faces: np.ndarray  # (F, 4) int32, counter-clockwise seen from above


def smoothstep(e0: float, e1: float, x: np.ndarray) -> np.ndarray:
    t = np.clip((x - e0) / (e1 - e0), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def height(x: np.ndarray, y: np.ndarray, cfg: dict) -> np.ndarray:
    """Ground height at (x, y): undulation that fades to a flat, raised clearing, the floor rising
    gently from its edge so the clearing lies in a shallow hollow of the forest."""
    g, c = cfg["ground"], cfg["clearing"]
    r = np.hypot(x, y)
    rolling = g["undulation"] * value_noise_2d(x / 9.0, y / 9.0, cfg["seed"], "ground", octaves=4)
    rolling = rolling + g["rim_rise"] * smoothstep(c["radius"], c["radius"] * 4.0, r)
    # The clearing is a low, flat dais; its rim eases into the forest floor.
    inside = 1.0 - smoothstep(c["radius"] * 0.8, c["radius"] * 1.35, r)
    return rolling * (1.0 - inside) + c["rise"] * inside


def ground_mesh(cfg: dict) -> GridMesh:
    g = cfg["ground"]
    n = g["resolution"]
    half = g["size"] / 2.0
    axis = np.linspace(-half, half, n + 1)
    x, y = np.meshgrid(axis, axis, indexing="xy")
    z = height(x, y, cfg)
    verts = np.stack([x, y, z], axis=-1).reshape(-1, 3).astype(np.float32)
    idx = np.arange((n + 1) * (n + 1), dtype=np.int32).reshape(n + 1, n + 1)
    faces = np.stack([idx[:-1, :-1], idx[:-1, 1:], idx[1:, 1:], idx[1:, :-1]], axis=-1).reshape(-1, 4)
    return GridMesh(verts, faces)
