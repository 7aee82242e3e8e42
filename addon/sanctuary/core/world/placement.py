"""Where the trees stand: Poisson-disk spacing around an open clearing.

Dart throwing with a spatial hash: candidates are drawn denser near the
clearing's edge (so the canopy frames it), and a candidate is kept only if no
kept trunk is closer than the minimum spacing. Nothing grows inside the
clearing. Trees near the edge are also taller.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..seeds import stream
from .ground import height


@dataclass(frozen=True)
class Stand:
    xy: np.ndarray  # (N, 2) trunk positions
    ground_z: np.ndarray  # (N,) ground height under each trunk
    species: np.ndarray  # (N,) index into forest.species
    height_scale: np.ndarray  # (N,) multiplier on the species height (edge trees are taller)


def edge_closeness(r: np.ndarray, clearing: float, edge_density: float) -> np.ndarray:
    """1 at the clearing's edge, falling to 0 a few tree-spacings further out."""
    return edge_density * np.exp(-np.maximum(r - clearing, 0.0) / 6.0)


def segment_distance(p: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distance from each 2D point p (N, 2) to the nearest of the segments a-b (S, 2)."""
    ab = b - a
    t = np.einsum("nsk,sk->ns", p[:, None, :] - a[None], ab) / np.maximum(np.einsum("sk,sk->s", ab, ab), 1e-12)
    closest = a[None] + np.clip(t, 0.0, 1.0)[..., None] * ab[None]
    return np.linalg.norm(p[:, None, :] - closest, axis=-1).min(axis=1)


def place_trees(cfg: dict, keep_out: np.ndarray | None = None, clearance: float = 2.6) -> Stand:
    """Trunk positions; `keep_out` (S, 2, 2) are ground-plan segments (camera paths) to leave open."""
    forest, clearing = cfg["forest"], cfg["clearing"]["radius"]
    n_wanted = forest["tree_count"]
    rng = stream(cfg["seed"], "placement")
    inner, outer = clearing + 0.6, forest["radius"]
    spacing = forest["min_spacing"]
    if n_wanted == 0 or outer <= inner:
        return Stand(np.zeros((0, 2)), np.zeros(0), np.zeros(0, int), np.zeros(0))

    # Candidates: area-uniform in the annulus, then thinned by a density that peaks at the edge.
    n_cand = max(n_wanted * 40, 2000)
    r = np.sqrt(rng.uniform(inner**2, outer**2, n_cand))
    theta = rng.uniform(0.0, 2 * np.pi, n_cand)
    keep_p = 0.35 + 0.65 * edge_closeness(r, clearing, forest["edge_density"]) / max(forest["edge_density"], 1e-9)
    keep_p = np.where(forest["edge_density"] > 0, keep_p, 1.0)
    order = np.argsort(rng.uniform(size=n_cand) / np.clip(keep_p, 1e-3, None), kind="stable")
    pts = np.stack([r * np.cos(theta), r * np.sin(theta)], axis=1)[order]
    if keep_out is not None and len(keep_out):
        pts = pts[segment_distance(pts, keep_out[:, 0], keep_out[:, 1]) >= clearance]

    cell = spacing / np.sqrt(2.0)
    grid: dict[tuple[int, int], int] = {}
    kept: list[int] = []
    s2 = spacing * spacing
    for i, (x, y) in enumerate(pts):
        gx, gy = int(np.floor(x / cell)), int(np.floor(y / cell))
        ok = True
        for dx in (-2, -1, 0, 1, 2):
            for dy in (-2, -1, 0, 1, 2):
                j = grid.get((gx + dx, gy + dy))
                if j is not None and (pts[j, 0] - x) ** 2 + (pts[j, 1] - y) ** 2 < s2:
                    ok = False
                    break
            if not ok:
                break
        if ok:
            grid[(gx, gy)] = i
            kept.append(i)
            if len(kept) == n_wanted:
                break
    xy = pts[kept]
    rr = np.hypot(xy[:, 0], xy[:, 1])
    weights = np.array([s["weight"] for s in forest["species"]], dtype=float)
    species = rng.choice(len(weights), size=len(xy), p=weights / weights.sum())
    jitter = np.array([forest["species"][k]["height_jitter"] for k in species])
    height_scale = (1.0 + rng.uniform(-1.0, 1.0, len(xy)) * jitter) * \
        (1.0 + 0.45 * edge_closeness(rr, clearing, forest["edge_density"]))
    return Stand(xy, height(xy[:, 0], xy[:, 1], cfg), species, height_scale)
