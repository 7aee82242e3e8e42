"""Leaves gathered into patterns round the pedestal, and the arcs they glide along.

Patterns (preset act `gather_leaves`): a phyllotaxis spiral (the golden angle,
r ~ sqrt(k)), rings with n-fold symmetry, or a rosette of n petals. They fill
the annulus between the pedestal and the moat. Each leaf lifts from the floor
out at the forest's edge, on its own bearing, and glides in along a raised arc
that stays on its side of the clearing, so no path passes through the pedestal.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..seeds import stream

GOLDEN_ANGLE = np.pi * (3.0 - np.sqrt(5.0))
LEAF_SIZE = 0.15  # metres, a gathered leaf's length
FLIGHT = 2.4  # seconds each leaf spends in the air


@dataclass(frozen=True)
class Gathering:
    target: np.ndarray  # (N, 2) where each leaf lands, in order of arrival
    heading: np.ndarray  # (N,) yaw of each leaf as it lies
    sapphire: np.ndarray  # (N,) 1 sapphire, 0 emerald
    start: np.ndarray  # (N, 2) where each leaf lifts from the floor
    lift: np.ndarray  # (N,) seconds each leaf lifts
    land: np.ndarray  # (N,) seconds it is placed


def pattern_points(pattern: str, count: int, symmetry: int, inner: float, outer: float) -> np.ndarray:
    """(count, 2) points of the pattern within inner..outer metres of the centre."""
    if pattern == "phyllotaxis":
        k = np.arange(count)
        r = inner + (outer - inner) * np.sqrt((k + 0.5) / count)
        a = k * GOLDEN_ANGLE
        return np.stack([r * np.cos(a), r * np.sin(a)], 1)
    per_ring = symmetry * np.arange(1, 64)
    rings = int(np.searchsorted(np.cumsum(per_ring), count)) + 1
    pts = []
    if pattern == "rings":
        radii = np.linspace(inner, outer, rings) if rings > 1 else np.array([(inner + outer) / 2])
        left = (count // symmetry) * symmetry
        for j, r in enumerate(radii):
            n = symmetry * (j + 1)
            idx = np.arange(n)
            # A ring that cannot be filled keeps the same first places in every sector: still n-fold.
            idx = idx[idx % (j + 1) < min(j + 1, left // symmetry)]
            left -= len(idx)
            a = (idx + 0.5 * (j % 2)) * 2 * np.pi / n
            pts.append(np.stack([r * np.cos(a), r * np.sin(a)], 1))
    else:  # rosette: n petals, each a loop out from the inner ring to the tip and back
        per_petal = int(np.ceil(count / symmetry))
        t = (np.arange(per_petal) + 0.5) / per_petal
        for p in range(symmetry):
            centre = 2 * np.pi * p / symmetry
            r = inner + (outer - inner) * np.sin(np.pi * t)
            a = centre + 0.33 * (2 * np.pi / symmetry) * np.cos(np.pi * t)
            pts.append(np.stack([r * np.cos(a), r * np.sin(a)], 1))
    pts = np.concatenate(pts)
    # Keep whole symmetric groups, innermost first, so every kept point has its n-fold partners.
    order = np.lexsort((np.arctan2(pts[:, 1], pts[:, 0]), np.round(np.hypot(pts[:, 0], pts[:, 1]), 6)))
    keep = (count // symmetry) * symmetry if pattern != "phyllotaxis" else count
    return pts[order][:max(keep, symmetry)]


SPACING = 1.3 * LEAF_SIZE  # centre to centre: leaves never overlap


def min_distance(pts: np.ndarray) -> float:
    if len(pts) < 2:
        return np.inf
    d = np.linalg.norm(pts[:, None] - pts[None], axis=-1)
    np.fill_diagonal(d, np.inf)
    return float(d.min())


def fitting_pattern(pattern: str, count: int, symmetry: int, inner: float, outer: float) -> np.ndarray:
    """The pattern with as many of `count` leaves as fit without touching (fewer if crowded)."""
    while True:
        pts = pattern_points(pattern, count, symmetry, inner, outer)
        if min_distance(pts) >= SPACING or count <= symmetry:
            return pts
        count = max(int(count * 0.9), symmetry)


def gather(act: dict, index: int, start_s: float, duration: float, cfg: dict) -> Gathering:
    """The leaves the gather_leaves act at `index` of the timeline lays, starting at start_s (film seconds)."""
    rng = stream(cfg["seed"], "gather", index)  # keyed by which act, never by when: retiming re-rolls nothing
    inner = cfg["pedestal"]["width"] * 0.75
    moat = next((a["moat_radius"] for a in cfg["timeline"]["acts"] if a["kind"] == "coax_water"), 2.2)
    outer = max(moat - 0.3, inner + 0.3)
    pts = fitting_pattern(act["pattern"], act["count"], act["symmetry"], inner, outer)
    n = len(pts)
    # Arrival order: inner leaves first for spirals, a seeded round of the groups otherwise.
    r = np.hypot(pts[:, 0], pts[:, 1])
    order = np.argsort(r + rng.uniform(0, 1e-3, n)) if act["pattern"] == "phyllotaxis" else \
        np.lexsort((rng.uniform(size=n), np.round(r, 3)))
    pts = pts[order]
    bearing = np.arctan2(pts[:, 1], pts[:, 0])
    src_r = cfg["clearing"]["radius"] * rng.uniform(0.75, 1.05, n)
    src_a = bearing + rng.normal(0.0, 0.12, n)
    start = np.stack([src_r * np.cos(src_a), src_r * np.sin(src_a)], 1)
    spacing = max(duration - FLIGHT, 0.1) / max(n, 1)
    lift = start_s + np.arange(n) * spacing
    heading = bearing + np.pi / 2 + rng.normal(0.0, 0.1, n)
    sapphire = (np.round(r[order] / max(outer - inner, 1e-6) * 4).astype(int) % 2).astype(np.float32)
    return Gathering(pts, heading, sapphire, start, lift, lift + FLIGHT)


def glide(g: Gathering, i: int, ground_z: float, samples: int = 9) -> tuple[np.ndarray, np.ndarray]:
    """(times, positions (samples, 3)) of leaf i's arc: up from the floor, over, down into place."""
    u = np.linspace(0.0, 1.0, samples)
    e = u * u * (3 - 2 * u)
    a, b = g.start[i], g.target[i]
    plan = a[None, :] + (b - a)[None, :] * e[:, None]
    # Sideways sway, fading in and out, so the arc is a glide and not a throw.
    side = np.array([-(b - a)[1], (b - a)[0]]) / max(np.linalg.norm(b - a), 1e-9)
    plan = plan + side[None, :] * (0.35 * np.sin(np.pi * u) * np.sin(3 * np.pi * u))[:, None]
    z = ground_z + 0.02 + 1.4 * np.sin(np.pi * u) ** 1.2
    return g.lift[i] + u * (g.land[i] - g.lift[i]), np.column_stack([plan, z])
