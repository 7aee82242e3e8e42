"""Leaves of liquid mercury: their swollen shapes, their drops, and when each drop falls.

A leaf is a closed, pillow-like blade (thickest along its midrib, a bead
gathering at its tip), one unit long along +Y with its face toward +Z; a
few variants differ in width, curl and bend. Every leaf drips on its own
cycle of `period` seconds, offset by its `phase`:

    s(t) = frac(t / period + phase)                 position in the cycle, 0..1
    REST <= s < REST + SWELL                       a drop swells at the tip (the leaf sags)
    s >= REST + SWELL                              the drop falls: z(t) = tip_z - g * tau^2 / 2
    s <  REST                                      the leaf has sprung back and re-forms

so a drop lets go at t_k = (k + REST + SWELL - phase) * period for every
integer k, and lands sqrt(2 h / g) later, h being the tip's height above the
ground. The Blender layer evaluates the same formula in geometry nodes; the
schedule below is what sound and export use.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..seeds import stream

REST = 0.40  # fraction of the cycle the leaf rests after a drop has gone
SWELL = 0.42  # fraction spent swelling a drop at the tip
GRAVITY = 9.81
DROP_RADIUS = 0.16  # of the leaf's length, at full swell
VARIANTS = 4
SAG = 0.22  # radians a leaf bends under a full drop
SPRING = (2.6, 9.0)  # damping (1/s) and angular frequency (rad/s) of the leaf springing back


@dataclass(frozen=True)
class Drops:
    position: np.ndarray  # (N, 3)
    scale: np.ndarray  # (N, 3): radius, radius, radius x stretch
    visible: np.ndarray  # (N,) bool


def drop_state(seconds: float, period, phase, tip, fall_height, leaf_scale) -> Drops:
    """Each leaf's drop at a time: the geometry-nodes drip (blender/forest.py) in numpy,
    for exporters that need the drops as plain animated transforms."""
    s = np.mod(seconds / period + phase, 1.0)
    released_at = REST + SWELL
    swelling = ((s > REST - 1e-6) & (s < released_at)).astype(np.float64)
    swell = (s - REST) / SWELL * swelling
    tau = np.mod(s - released_at, 1.0) * period
    spring = np.exp(-SPRING[0] * tau) * np.cos(SPRING[1] * tau)
    sag = (swell * swelling + spring * (1.0 - swelling)) * SAG
    fall = tau * tau * 0.5 * GRAVITY
    falling = (1.0 - swelling) * (fall < fall_height)
    visible = np.maximum(swelling * (swell > 0.02), falling) >= 0.5
    drop_z = fall * (1.0 - swelling) + leaf_scale * np.sin(sag) * 0.9
    position = tip - np.stack([np.zeros_like(drop_z), np.zeros_like(drop_z), drop_z], axis=1)
    radius = leaf_scale * DROP_RADIUS * np.maximum(np.cbrt(np.maximum(swell, 0.0)), 1.0 - swelling)
    stretch = 1.0 + swell ** 4 * 0.9 + (1.0 - swelling) * 0.5
    return Drops(position, np.stack([radius, radius, radius * stretch], axis=1), visible)


@dataclass(frozen=True)
class ShapeMesh:
    vertices: np.ndarray  # (V, 3) float32
    corners: np.ndarray  # (C,) int32
    sizes: np.ndarray  # (F,) int32


def leaf_shape(variant: int, seed: int, nu: int = 7, nv: int = 12) -> ShapeMesh:
    """A closed, swollen leaf: top and bottom surfaces meeting at a shared rim."""
    rng = stream(seed, "leaf_shape", variant)
    width = rng.uniform(0.26, 0.4)
    thick = rng.uniform(0.045, 0.07)
    curl = rng.uniform(0.05, 0.14)  # the blade cups upward along its midrib
    bend = rng.uniform(0.08, 0.2)  # and arches down toward its tip
    v = np.linspace(0.0, 1.0, nv + 1)[1:-1]  # interior stations along the length
    u = np.linspace(-1.0, 1.0, 2 * nu + 1)  # across, rim at +-1
    half_w = width * np.sin(np.pi * v) ** 0.75 * (1.0 - 0.3 * v)
    swell = thick * np.sin(np.pi * v) ** 0.6 + 0.05 * np.exp(-((v - 0.9) / 0.06) ** 2)  # the bead at the tip
    uu, vv = np.meshgrid(u, v, indexing="xy")  # (nv-1, 2nu+1)
    x = uu * half_w[:, None]
    y = vv
    mid = curl * uu**2 * half_w[:, None] / width - bend * vv**2
    t = swell[:, None] * np.sqrt(np.clip(1.0 - uu**2, 0.0, 1.0))
    top = np.stack([x, y, mid + t], -1)
    bottom = np.stack([x, y, mid - t * 0.6], -1)
    rows, cols = top.shape[:2]
    inner = cols - 2  # bottom surface shares the two rim columns with the top
    verts = np.concatenate([
        top.reshape(-1, 3), bottom[:, 1:-1].reshape(-1, 3),
        [[0.0, 0.0, 0.0], [0.0, 1.0, -bend]],  # stem end and tip point
    ])
    base_i, tip_i = len(verts) - 2, len(verts) - 1

    def top_idx(r, c):
        return r * cols + c

    def bot_idx(r, c):
        return np.where((c == 0) | (c == cols - 1), top_idx(r, c), rows * cols + r * inner + (c - 1))

    r, c = np.meshgrid(np.arange(rows - 1), np.arange(cols - 1), indexing="ij")
    r, c = r.ravel(), c.ravel()
    top_q = np.stack([top_idx(r, c), top_idx(r, c + 1), top_idx(r + 1, c + 1), top_idx(r + 1, c)], 1)
    bot_q = np.stack([bot_idx(r, c), bot_idx(r + 1, c), bot_idx(r + 1, c + 1), bot_idx(r, c + 1)], 1)
    cc = np.arange(cols - 1)
    base_top = np.stack([np.full(cols - 1, base_i), top_idx(0, cc + 1), top_idx(0, cc)], 1)
    base_bot = np.stack([np.full(cols - 1, base_i), bot_idx(0, cc), bot_idx(0, cc + 1)], 1)
    last = rows - 1
    tip_top = np.stack([np.full(cols - 1, tip_i), top_idx(last, cc), top_idx(last, cc + 1)], 1)
    tip_bot = np.stack([np.full(cols - 1, tip_i), bot_idx(last, cc + 1), bot_idx(last, cc)], 1)
    quads = np.concatenate([top_q, bot_q])
    tris = np.concatenate([base_top, base_bot, tip_top, tip_bot])
    corners = np.concatenate([quads.ravel(), tris.ravel()]).astype(np.int32)
    sizes = np.concatenate([np.full(len(quads), 4), np.full(len(tris), 3)]).astype(np.int32)
    return ShapeMesh(verts.astype(np.float32), corners, sizes)


def drop_shape(rings: int = 8, sides: int = 12) -> ShapeMesh:
    """A unit drop: round below, drawn to a point above where it hangs from the tip."""
    phi = np.linspace(0.0, np.pi, rings + 1)[1:-1]  # from the top pole down
    theta = np.linspace(0.0, 2 * np.pi, sides, endpoint=False)
    r = np.sin(phi) * (0.55 + 0.45 * (phi / np.pi))  # narrower toward the top
    z = np.cos(phi) - 1.0  # hangs below the tip: top pole at the origin, bottom at -2
    ring = np.stack([np.outer(r, np.cos(theta)), np.outer(r, np.sin(theta)), np.repeat(z[:, None], sides, 1)], -1)
    verts = np.concatenate([ring.reshape(-1, 3), [[0.0, 0.0, 0.0]], [[0.0, 0.0, -2.0]]])
    top, bottom = len(verts) - 2, len(verts) - 1
    n = len(phi)
    rr, jj = np.meshgrid(np.arange(n - 1), np.arange(sides), indexing="ij")
    a = rr * sides + jj
    b = rr * sides + (jj + 1) % sides
    quads = np.stack([a, a + sides, b + sides, b], -1).reshape(-1, 4)
    j = np.arange(sides)
    cap_top = np.stack([np.full(sides, top), (j + 1) % sides, j], 1)
    cap_bot = np.stack([np.full(sides, bottom), (n - 1) * sides + j, (n - 1) * sides + (j + 1) % sides], 1)
    tris = np.concatenate([cap_top, cap_bot])
    corners = np.concatenate([quads.ravel(), tris.ravel()]).astype(np.int32)
    sizes = np.concatenate([np.full(len(quads), 4), np.full(len(tris), 3)]).astype(np.int32)
    return ShapeMesh(verts.astype(np.float32), corners, sizes)


@dataclass(frozen=True)
class DripCycle:
    period: np.ndarray  # (L,) seconds
    phase: np.ndarray  # (L,) 0..1


def drip_cycles(count: int, leaves_cfg: dict, seed: int, tree: int) -> DripCycle:
    rng = stream(seed, "drip", tree)
    j = leaves_cfg["drip_jitter"]
    period = leaves_cfg["drip_period"] * rng.uniform(1.0 - 0.6 * j, 1.0 + 0.6 * j, count)
    return DripCycle(np.maximum(period, 0.3), rng.uniform(0.0, 1.0, count))


def fall_time(height: np.ndarray) -> np.ndarray:
    return np.sqrt(2.0 * np.maximum(height, 0.0) / GRAVITY)


@dataclass(frozen=True)
class DripEvents:
    leaf: np.ndarray  # (E,) leaf index
    release: np.ndarray  # (E,) seconds the drop lets go of its tip
    land: np.ndarray  # (E,) seconds it reaches the ground (and vanishes)
    position: np.ndarray  # (E, 3) tip position at release


def drip_events(cycles: DripCycle, tips: np.ndarray, fall_height: np.ndarray, t0: float, t1: float) -> DripEvents:
    """Every drop released in [t0, t1), ordered by time."""
    offset = REST + SWELL - cycles.phase
    k_first = np.ceil(t0 / cycles.period - offset).astype(np.int64)
    k_last = np.ceil(t1 / cycles.period - offset).astype(np.int64)  # exclusive
    counts = np.maximum(k_last - k_first, 0)
    leaf = np.repeat(np.arange(len(counts)), counts)
    k = k_first[leaf] + (np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts))
    release = (k + offset[leaf]) * cycles.period[leaf]
    order = np.argsort(release, kind="stable")
    leaf, release = leaf[order], release[order]
    return DripEvents(leaf, release, release + fall_time(fall_height[leaf]), tips[leaf])


@dataclass(frozen=True)
class FallenLeaves:
    position: np.ndarray  # (F, 3)
    rotation: np.ndarray  # (F, 3) XYZ Euler
    scale: np.ndarray  # (F,)
    sapphire: np.ndarray  # (F,) 1 sapphire, 0 emerald
    variant: np.ndarray  # (F,)


def scatter_fallen(cfg: dict, height_fn) -> FallenLeaves:
    """Emerald and sapphire leaves lying on the floor, thickest under the trees; none where the clearing
    is wider than the forest (no trees grow then either: core.world.placement.place_trees)."""
    inner, outer = cfg["clearing"]["radius"] * 0.55, cfg["forest"]["radius"]
    n = cfg["leaves"]["fallen_count"] if outer > inner else 0
    rng = stream(cfg["seed"], "fallen")
    r = np.sqrt(rng.uniform(min(inner, outer) ** 2, outer ** 2, n))  # numpy checks the bounds even for n = 0
    a = rng.uniform(0.0, 2 * np.pi, n)
    x, y = r * np.cos(a), r * np.sin(a)
    z = height_fn(x, y) + 0.01
    rot = np.stack([rng.normal(0, 0.12, n), rng.normal(0, 0.12, n), rng.uniform(0, 2 * np.pi, n)], 1)
    return FallenLeaves(np.stack([x, y, z], 1), rot, rng.uniform(0.09, 0.15, n),
                        (rng.uniform(size=n) < 0.5).astype(np.float32), rng.integers(0, VARIANTS, n))
