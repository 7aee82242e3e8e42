"""The weathered stone pedestal: a heavy stepped plinth, a thick shaft, a capital slab.

The stone is one closed surface of revolution around a squircle plan: a
vertical profile swept around the axis, capped on top and sunk below the
ground at the base. It is heavy at the foot (the plinth is `width` across,
the shaft about 0.55 of it, the capital 0.65), so the silhouette steps in
as it rises and never reads as a stool or a mushroom.

Weathering, all scaled by `weathering` and seeded:
- the tiers are eroded unevenly: their edges rise and sag round the stone;
- broad erosion makes the surface lumpy at the scale of a hand;
- chips bite out of the arrises (the tiers' outer edges) and the worn corners;
- deep cracks run down the sides, meandering;
- a few large spalls take whole pieces off the plinth's corners.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..geometry import join_tubes, tube_mesh
from ..noise import value_noise_2d
from ..seeds import stream

SINK = 0.25  # how deep the base is buried (m)
AROUND = 192  # vertices around each ring
ROWS = 120  # rings up the profile
SHAFT = 0.55  # shaft width as a share of the foot's
CAPITAL = 0.66  # capital width as a share of the foot's
PLINTH = 0.34  # share of the height taken by the stepped plinth


@dataclass(frozen=True)
class PedestalMesh:
    vertices: np.ndarray  # (V, 3) float32, base centre at the origin (ground level)
    corners: np.ndarray
    sizes: np.ndarray
    top_z: float  # height of the top face's centre above the ground


def profile_knots(p: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The carved profile before weathering: (heights, half-widths, arris flags), knots bottom-up.

    Arris flags mark the outer edges of tiers and the capital, where weather chips the stone."""
    h, w, tiers = p["height"], p["width"] / 2.0, p["tiers"]
    zs, rs, arris = [-SINK], [w], [0]
    steps = max(tiers - 1, 1)
    step = PLINTH * h / steps
    r = w
    shaft_r = w * SHAFT
    shrink = (shaft_r * 1.25 / w) ** (1.0 / steps) if tiers > 1 else 1.0
    for i in range(steps if tiers > 1 else 0):  # the stepped plinth: battered faces, flat tops
        z0 = step * i
        nxt = r * shrink if i < steps - 1 else shaft_r * 1.12
        zs += [z0 + step * 0.8, z0 + step, z0 + step + 0.004]
        rs += [r * 0.97, r * 0.92, nxt]
        arris += [0, 1, 0]
        r = nxt
    base_top = step * steps if tiers > 1 else 0.0
    cap0 = h * 0.82
    zs += [base_top + 0.06, cap0 - 0.06, cap0 - 0.02, cap0 + 0.01, h - 0.03, h]
    rs += [shaft_r * 1.02, shaft_r * 0.95, w * CAPITAL * 0.96, w * CAPITAL, w * CAPITAL, w * 0.6]
    arris += [0, 0, 1, 0, 1, 1]
    return np.array(zs), np.array(rs), np.array(arris, float)


def profile(p: dict, rows: int = ROWS) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(height, half-width, arris weight) at `rows` points up the side, edges rounded by weather."""
    zs, rs, arris = profile_knots(p)
    t = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(zs), np.diff(rs)))])
    ts = np.linspace(0.0, t[-1], rows)
    z, rr = np.interp(ts, t, zs), np.interp(ts, t, rs)
    # Arris weight: 1 at a carved edge, fading over a few centimetres along the profile.
    edge = np.zeros(rows)
    for tk, a in zip(t, arris):
        if a:
            edge = np.maximum(edge, np.exp(-((ts - tk) / 0.05) ** 2))
    kernel = np.array([1, 2, 3, 2, 1], float) / 9.0
    zp, rp = np.pad(z, 2, mode="edge"), np.pad(rr, 2, mode="edge")
    return np.convolve(zp, kernel, "valid"), np.convolve(rp, kernel, "valid"), edge


def squircle(theta: np.ndarray, n: float = 4.0) -> np.ndarray:
    """Radius of a superellipse |x|^n + |y|^n = 1 in direction theta: a square worn round."""
    c, s = np.abs(np.cos(theta)), np.abs(np.sin(theta))
    return (c**n + s**n) ** (-1.0 / n)


def plan_shape(p: dict, theta: np.ndarray) -> np.ndarray:
    """Plan radius multiplier round the stone: sides at 1, worn corners a little further out."""
    plan = squircle(theta + np.pi / 4, 3.2 + 2.0 * (1.0 - p["weathering"]))
    return plan / plan.min()


def surface_radius(p: dict, z: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """Distance (m) from the axis to the carved (unweathered) surface at heights z, headings theta."""
    zp, rp, _ = profile(p)
    return np.interp(z, zp, rp) * plan_shape(p, theta)


def pedestal_mesh(cfg: dict) -> PedestalMesh:
    """The weathered pedestal as polygons: a closed, manifold surface, base sunk SINK below ground.

    Raises nothing; sizes come from the validated preset (`pedestal.height`, `width`, `tiers`)."""
    p, seed = cfg["pedestal"], cfg["seed"]
    rng = stream(seed, "pedestal")
    z, r, edge = profile(p)
    theta = np.linspace(0.0, 2 * np.pi, AROUND, endpoint=False)
    plan = plan_shape(p, theta)
    ct, st = np.cos(theta)[None, :], np.sin(theta)[None, :]
    zz = np.repeat(z[:, None], AROUND, 1)
    wx = p["weathering"]
    above = np.clip(zz / 0.06, 0.0, 1.0)  # no weathering underground, easing in at the soil line
    height_n = np.clip(zz / p["height"], 0.0, 1.0)

    # Uneven tiers: the carved edges rise and sag round the stone by a few centimetres.
    sag = value_noise_2d(ct * 1.4 + 3.0, st * 1.4 + zz * 2.2, seed, "pedestal_tiers", octaves=2)
    zz = zz + wx * 0.045 * sag * above * (zz < p["height"] - 0.04)

    # Noise coordinates on the stone itself (heading and height): seamless all round.
    u, v = ct * 2.2 + zz * 1.7, st * 2.2 - zz * 2.3
    erosion = value_noise_2d(u, v, seed, "pedestal_erosion", octaves=5)
    lumps = value_noise_2d(u * 0.5 + 7.0, v * 0.5, seed, "pedestal_lumps", octaves=3)
    chips = np.clip(value_noise_2d(u * 3.0, v * 3.0, seed, "pedestal_chips", octaves=3) - 0.1, 0.0, None)
    pits = np.clip(value_noise_2d(u * 10.0, v * 10.0, seed, "pedestal_pits", octaves=2) - 0.35, 0.0, None)
    corner = ((plan - plan.min()) / max(np.ptp(plan), 1e-9))[None, :]
    depth = wx * (0.02 * (erosion + 1.0) + 0.03 * (lumps + 1.0) * (1.0 - 0.5 * height_n)
                  + 0.16 * chips * (0.25 + edge[:, None]) * (0.5 + corner)
                  + 0.035 * pits)
    # Spalls: whole pieces gone from the plinth's corners.
    for _ in range(int(1 + 3 * wx)):
        a0 = rng.uniform(0, 2 * np.pi)
        z0 = rng.uniform(0.05, PLINTH * p["height"])
        d = np.abs(np.angle(np.exp(1j * (theta[None, :] - a0))))
        depth += wx * 0.09 * np.exp(-(d / 0.22) ** 2 - ((zz - z0) / 0.12) ** 2)
    # Cracks: seeded, meandering lines running down from the top, cut centimetres in.
    for k in range(int(3 + 7 * wx)):
        a0 = rng.uniform(0, 2 * np.pi)
        top = rng.uniform(0.5, 1.0) * p["height"]
        length = rng.uniform(0.4, 1.2) * p["height"]
        wander = 0.12 * value_noise_2d(zz * 3.0, np.full_like(zz, 11.0 * k), seed, "pedestal_crack", octaves=2)
        center = a0 + rng.normal(0.0, 0.2) * (zz - top) + wander
        dist = np.abs(np.angle(np.exp(1j * (theta[None, :] - center)))) * r[:, None]  # metres round the stone
        along = np.clip((top - zz) / length, 0.0, 1.0) * (zz < top)
        taper = np.sin(np.pi * np.clip(along, 0.0, 1.0)) ** 0.5
        depth += wx * 0.05 * np.exp(-(dist / 0.012) ** 2) * taper
    depth = depth * above
    radius = r[:, None] * plan[None, :] - depth
    x, y = radius * ct, radius * st
    verts = np.stack([x, y, zz], -1).reshape(-1, 3)

    rows = len(z)
    top_center = len(verts)
    bottom_center = top_center + 1
    verts = np.concatenate([verts, [[0.0, 0.0, z[-1]]], [[0.0, 0.0, z[0]]]])
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
    """Old roots gripping the pedestal's foot: each comes over the lowest tier, clings down its
    side, crawls out over the soil and dives back into the ground.

    Returns a closed tube mesh (vertices, corners, sizes) relative to the pedestal's base centre;
    the first ring of each root is buried in the stone.
    """
    p = cfg["pedestal"]
    rng = stream(cfg["seed"], "pedestal_roots")
    k = 24
    u = np.linspace(0.0, 1.0, k)
    parts, offset = [], 0
    angles = np.linspace(0, 2 * np.pi, count, endpoint=False) + rng.uniform(0, 2 * np.pi)
    tier = PLINTH * p["height"] / max(p["tiers"] - 1, 1)  # top of the lowest tier
    for a in angles + rng.normal(0.0, 0.2, count):
        thick = rng.uniform(0.07, 0.15)  # thick where they grip the stone: roots, not tendrils
        start_z = tier * rng.uniform(0.9, 1.25)
        length = rng.uniform(0.9, 2.0)
        bend = rng.normal(0.0, 0.35)
        # Down the stone (first 35 %), then out over the soil, diving at the end.
        cling = np.clip(u / 0.35, 0.0, 1.0)
        out = np.clip((u - 0.35) / 0.65, 0.0, 1.0)
        z_cling = start_z * (1.0 - cling**1.5)
        ang = a + bend * out**2 + 0.08 * np.sin(7.0 * u + a)
        r_stone = surface_radius(p, np.maximum(z_cling, 0.0), ang) + thick * 0.6
        r = r_stone + length * out
        # Over the soil it arches in and out of the ground, and dives at the end.
        arches = np.sin(np.pi * out * rng.uniform(1.5, 3.0) + rng.uniform(0, 1)) * thick * 0.9
        z = z_cling + np.where(out > 0, arches - 0.3 * thick, 0.0) - 0.25 * out**3
        pos = np.stack([r * np.cos(ang), r * np.sin(ang), z], -1)
        # Start inside the stone, so the root grows out of it (its open first ring is hidden).
        inward = np.array([-np.cos(ang[0]), -np.sin(ang[0]), 0.0]) * thick * 2.0
        pos = np.concatenate([[pos[0] + inward], pos])[None]
        taper = np.concatenate([[1.0], 1.0 - 0.8 * u**0.7])
        knots = 1.0 + 0.18 * np.sin(np.concatenate([[0.0], u]) * rng.uniform(14, 22))
        radius = (thick * taper * knots)[None]
        part = tube_mesh(pos, radius, 8, offset)
        parts.append(part)
        offset += len(part[0])
    return join_tubes(parts)
