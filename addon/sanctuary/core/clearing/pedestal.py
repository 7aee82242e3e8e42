"""The weathered stone pedestal: carved tiers, chipped and rounded edges, cracks, pits.

The stone is one closed surface of revolution around a squircle plan: a
vertical profile (plinth, shaft, capital) swept around the axis, capped on
top and sunk below the ground at the base. Weathering displaces it along its
normals: broad erosion that rounds the carved edges, chips where the edges
stick out, small pits, and a few cracks running down the sides. Seeded.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..geometry import join_tubes, tube_mesh
from ..noise import value_noise_2d
from ..seeds import stream

SINK = 0.18  # how deep the base is buried
AROUND = 96  # vertices around each ring


@dataclass(frozen=True)
class PedestalMesh:
    vertices: np.ndarray  # (V, 3) float32, base centre at the origin (ground level)
    corners: np.ndarray
    sizes: np.ndarray
    top_z: float  # height of the top face's centre above the ground


def profile(p: dict) -> tuple[np.ndarray, np.ndarray]:
    """(height, half-width) pairs up the side: plinth, shaft and capital, edges rounded."""
    h, w, tiers = p["height"], p["width"] / 2.0, p["tiers"]
    # Tier heights: a squat plinth, a tall shaft, a slab on top; more tiers step the plinth.
    zs, rs = [-SINK], [w]
    step = 0.22 * h / tiers
    r = w
    for i in range(tiers - 1):  # the stepped plinth
        z0 = step * i
        zs += [z0 + step * 0.75, z0 + step]
        rs += [r, r * 0.88]
        r *= 0.88
    shaft_r = w * 0.62
    base_top = step * (tiers - 1)
    cap0 = h * 0.8
    zs += [base_top + 0.02, base_top + 0.06, cap0 - 0.05, cap0, cap0 + 0.03, h - 0.02, h]
    rs += [r * 0.96, shaft_r, shaft_r * 0.96, shaft_r * 1.05, w * 0.86, w * 0.9, w * 0.84]
    zs, rs = np.array(zs), np.array(rs)
    # Resample densely, then round the corners (weather softens every carved edge).
    t = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(zs), np.diff(rs)))])
    ts = np.linspace(0.0, t[-1], 72)
    z, rr = np.interp(ts, t, zs), np.interp(ts, t, rs)
    kernel = np.array([1, 2, 3, 2, 1], float) / 9.0
    zp, rp = np.pad(z, 2, mode="edge"), np.pad(rr, 2, mode="edge")
    return np.convolve(zp, kernel, "valid"), np.convolve(rp, kernel, "valid")


def squircle(theta: np.ndarray, n: float = 4.0) -> np.ndarray:
    """Radius of a superellipse |x|^n + |y|^n = 1 in direction theta: a square worn round."""
    c, s = np.abs(np.cos(theta)), np.abs(np.sin(theta))
    return (c**n + s**n) ** (-1.0 / n)


def pedestal_mesh(cfg: dict) -> PedestalMesh:
    p, seed = cfg["pedestal"], cfg["seed"]
    rng = stream(seed, "pedestal")
    z, r = profile(p)
    theta = np.linspace(0.0, 2 * np.pi, AROUND, endpoint=False) + np.pi / 4
    plan = squircle(theta, 3.2 + 2.0 * (1.0 - p["weathering"]))
    plan = plan / plan.min()  # the sides are `width` across; the worn corners reach further
    x = r[:, None] * plan[None, :] * np.cos(theta)[None, :]
    y = r[:, None] * plan[None, :] * np.sin(theta)[None, :]
    zz = np.repeat(z[:, None], AROUND, 1)

    # Outward normals in plan and, roughly, along the profile.
    nx, ny = np.cos(theta)[None, :], np.sin(theta)[None, :]
    wx = p["weathering"]
    # Noise coordinates on the stone itself (plan position sheared by height): seamless all round.
    u, v = x * 2.0 + zz * 1.7, y * 2.0 - zz * 2.3
    erosion = value_noise_2d(u, v, seed, "pedestal_erosion", octaves=5)
    chips = np.clip(value_noise_2d(u * 2.5, v * 2.5, seed, "pedestal_chips", octaves=3) - 0.25, 0.0, None)
    pits = np.clip(value_noise_2d(u * 9.0, v * 9.0, seed, "pedestal_pits", octaves=2) - 0.45, 0.0, None)
    # Corners stick out of the squircle most and weather most.
    corner = (plan - plan.min()) / max(np.ptp(plan), 1e-9)
    depth = wx * (0.012 * erosion + 0.06 * chips * (0.4 + corner[None, :]) + 0.05 * pits)
    # Cracks: a few seeded lines running down the sides, cut a few millimetres in.
    for _ in range(int(2 + 4 * wx)):
        a0 = rng.uniform(0, 2 * np.pi)
        drift = rng.normal(0.0, 0.25)
        along = np.clip((zz - rng.uniform(0.2, 0.6) * p["height"]) / -0.5, 0.0, 1.0)
        center = a0 + drift * (z[:, None] - z.mean())
        dist = np.abs(np.angle(np.exp(1j * (theta[None, :] - center))))
        depth += wx * 0.025 * np.exp(-(dist / 0.018) ** 2) * (along > 0) * np.sqrt(along)
    below = zz < 0.0  # no weathering underground
    depth = np.where(below, 0.0, depth)
    x = x - depth * nx
    y = y - depth * ny
    verts = np.stack([x, y, zz], -1).reshape(-1, 3)

    rows = len(z)
    top_center = len(verts)
    bottom_center = top_center + 1
    verts = np.concatenate([verts, [[0.0, 0.0, z[-1] - 0.01 * wx]], [[0.0, 0.0, z[0]]]])
    ri, ji = np.meshgrid(np.arange(rows - 1), np.arange(AROUND), indexing="ij")
    a = ri * AROUND + ji
    b = ri * AROUND + (ji + 1) % AROUND
    quads = np.stack([a, b, b + AROUND, a + AROUND], -1).reshape(-1, 4)
    j = np.arange(AROUND)
    top = np.stack([np.full(AROUND, top_center), (rows - 1) * AROUND + j, (rows - 1) * AROUND + (j + 1) % AROUND], 1)
    bottom = np.stack([np.full(AROUND, bottom_center), (j + 1) % AROUND, j], 1)
    corners = np.concatenate([quads.ravel(), top.ravel(), bottom.ravel()]).astype(np.int32)
    sizes = np.concatenate([np.full(len(quads), 4), np.full(2 * AROUND, 3)]).astype(np.int32)
    return PedestalMesh(verts.astype(np.float32), corners, sizes, float(z[-1]))


def pedestal_roots(cfg: dict, count: int = 7) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Old roots crawling out from under the pedestal's base and back into the ground.

    Returns a closed tube mesh (vertices, corners, sizes) relative to the pedestal's base centre.
    """
    rng = stream(cfg["seed"], "pedestal_roots")
    half = cfg["pedestal"]["width"] / 2
    k = 9
    u = np.linspace(0.0, 1.0, k)
    parts, offset = [], 0
    angles = np.linspace(0, 2 * np.pi, count, endpoint=False) + rng.uniform(0, 2 * np.pi)
    for a in angles + rng.normal(0.0, 0.25, count):
        length = rng.uniform(0.8, 1.7)
        bend = rng.normal(0.0, 0.5)
        r = half * 0.8 + length * u
        ang = a + bend * u**2
        # Up out of the soil beside the stone, along the surface, and down again at the end.
        z = 0.02 + 0.05 * np.sin(np.pi * np.clip(u * 1.3, 0, 1)) - 0.12 * u**3
        pos = np.stack([r * np.cos(ang), r * np.sin(ang), z], -1)[None]
        radius = (0.055 * (1.0 - 0.8 * u) * rng.uniform(0.7, 1.2))[None]
        part = tube_mesh(pos, radius, 6, offset)
        parts.append(part)
        offset += len(part[0])
    return join_tubes(parts)
