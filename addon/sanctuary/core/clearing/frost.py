"""Frost: where its crystals can grow, what they look like, and how far the front has come.

Crystals are scattered once, at full coverage, over the pedestal (from its top
down its sides) and the ground around it; each knows its distance from the
heart. The frost front stands at coverage * reach metres: crystals behind it
grow (bigger the further the front has come), crystals right at it glint.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..geometry import euler_from_basis
from ..seeds import stream

FRONT_WIDTH = 0.22  # metres over which crystals grow in behind the front
KINDS = 2  # 0 needle, 1 dendrite


@dataclass(frozen=True)
class FrostSites:
    position: np.ndarray  # (N, 3)
    normal: np.ndarray  # (N, 3) surface normal (crystals stand along it)
    distance: np.ndarray  # (N,) from the heart
    rotation: np.ndarray  # (N, 3) XYZ Euler: local +Z along the normal, random spin
    scale: np.ndarray  # (N,)
    kind: np.ndarray  # (N,)
    phase: np.ndarray  # (N,) for the glint's sparkle


def _tri_sample(verts, tris, count, rng):
    a, b, c = verts[tris[:, 0]], verts[tris[:, 1]], verts[tris[:, 2]]
    cross = np.cross(b - a, c - a)
    area = 0.5 * np.linalg.norm(cross, axis=1)
    pick = rng.choice(len(tris), size=count, p=area / area.sum())
    u, v = rng.uniform(size=(2, count))
    flip = u + v > 1
    u[flip], v[flip] = 1 - u[flip], 1 - v[flip]
    pos = a[pick] + u[:, None] * (b[pick] - a[pick]) + v[:, None] * (c[pick] - a[pick])
    nrm = cross[pick] / np.maximum(2 * area[pick][:, None], 1e-12)
    return pos, nrm, area.sum()


def _triangles(corners: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Fan-triangulate polygons of 3 or 4 corners."""
    starts = np.cumsum(sizes) - sizes
    tri = starts[sizes == 3]
    quad = starts[sizes == 4]
    t3 = np.stack([corners[tri], corners[tri + 1], corners[tri + 2]], 1)
    q1 = np.stack([corners[quad], corners[quad + 1], corners[quad + 2]], 1)
    q2 = np.stack([corners[quad], corners[quad + 2], corners[quad + 3]], 1)
    return np.concatenate([t3, q1, q2])


def euler_z_to(normal: np.ndarray, spin: np.ndarray) -> np.ndarray:
    """XYZ Euler turning local +Z onto each normal, spun about it."""
    z = normal / np.linalg.norm(normal, axis=1, keepdims=True)
    helper = np.where(np.abs(z[:, 2:3]) < 0.9, [[0.0, 0.0, 1.0]], [[1.0, 0.0, 0.0]])
    x = np.cross(helper, z)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    y = np.cross(z, x)
    c, s = np.cos(spin)[:, None], np.sin(spin)[:, None]
    x, y = c * x + s * y, -s * x + c * y
    return euler_from_basis(x, y, z)


def frost_sites(cfg: dict, pedestal_verts: np.ndarray, pedestal_corners, pedestal_sizes,
                heart_base: np.ndarray, ground_height) -> FrostSites:
    """Sites on the pedestal (verts in world space) and on the ground within reach."""
    fr = cfg["frost"]
    rng = stream(cfg["seed"], "frost")
    tris = _triangles(pedestal_corners, pedestal_sizes)
    above = pedestal_verts[tris].min(axis=1)[:, 2] > cfg["clearing"]["rise"] - 0.01
    p_pos, p_nrm, p_area = _tri_sample(pedestal_verts, tris[above], 1, rng)
    n_ped = int(fr["crystal_density"] * p_area)
    p_pos, p_nrm, _ = _tri_sample(pedestal_verts, tris[above], max(n_ped, 1), rng)
    foot = cfg["pedestal"]["width"] * 0.45
    reach = fr["reach"]
    # A reach shorter than the pedestal's foot leaves no ground to frost, only the stone.
    n_ground = max(0, int(fr["crystal_density"] * np.pi * (reach**2 - foot**2)))
    r = np.sqrt(rng.uniform(foot**2, max(reach, foot) ** 2, n_ground))
    a = rng.uniform(0, 2 * np.pi, n_ground)
    gx, gy = r * np.cos(a), r * np.sin(a)
    g_pos = np.stack([gx, gy, ground_height(gx, gy)], 1)
    g_nrm = np.tile([0.0, 0.0, 1.0], (n_ground, 1))
    pos = np.concatenate([p_pos, g_pos]) if n_ped else g_pos
    nrm = np.concatenate([p_nrm, g_nrm]) if n_ped else g_nrm
    nrm = nrm + rng.normal(0.0, 0.25, nrm.shape)  # crystals lean every way
    n = len(pos)
    return FrostSites(
        position=pos, normal=nrm / np.linalg.norm(nrm, axis=1, keepdims=True),
        distance=np.linalg.norm(pos - heart_base[None, :], axis=1),
        rotation=euler_z_to(nrm, rng.uniform(0, 2 * np.pi, n)),
        scale=rng.uniform(0.5, 1.0, n) * 0.035,
        kind=(rng.uniform(size=n) < 0.45).astype(np.int32), phase=rng.uniform(0.0, 1.0, n))


def crystal_count(sites: FrostSites, coverage: float, reach: float) -> int:
    """How many crystals stand at this coverage (the same rule the geometry nodes apply)."""
    return int(np.count_nonzero(sites.distance < coverage * reach))


def needle_shape() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A hexagonal ice needle, one unit tall along +Z, pointed at the top."""
    a = np.linspace(0, 2 * np.pi, 6, endpoint=False)
    ring = np.stack([0.07 * np.cos(a), 0.07 * np.sin(a), np.zeros(6)], 1)
    verts = np.concatenate([ring, ring + [0, 0, 0.8], [[0, 0, 1.0]], [[0, 0, 0.0]]])
    j = np.arange(6)
    quads = np.stack([j, (j + 1) % 6, 6 + (j + 1) % 6, 6 + j], 1)
    top = np.stack([6 + j, 6 + (j + 1) % 6, np.full(6, 12)], 1)
    bottom = np.stack([(j + 1) % 6, j, np.full(6, 13)], 1)
    corners = np.concatenate([quads.ravel(), top.ravel(), bottom.ravel()]).astype(np.int32)
    sizes = np.array([4] * 6 + [3] * 12, np.int32)
    return verts.astype(np.float32), corners, sizes


def dendrite_shape() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A six-armed flat frost star with side branches, one unit across, lying in XY."""
    boxes = []  # (where it starts, its direction angle, length, half-width)
    for k in range(6):
        arm = k * np.pi / 3
        arm_dir = np.array([np.cos(arm), np.sin(arm), 0.0])
        boxes.append((np.zeros(3), arm, 0.5, 0.03))
        for f in (0.22, 0.36):
            for side in (1, -1):
                boxes.append((f * arm_dir, arm + side * np.pi / 3, 0.13 * (1.25 - f), 0.018))
    verts, corners = [], []
    for origin, ang, length, hw in boxes:
        d = np.array([np.cos(ang), np.sin(ang), 0.0])
        side = np.array([-d[1], d[0], 0.0]) * hw
        up = np.array([0.0, 0.0, 0.012])
        p = [origin - side, origin + side, origin + side + d * length, origin - side + d * length]
        o = len(verts)
        verts += [q - up for q in p] + [q + up for q in p]
        box = [[0, 3, 2, 1], [4, 5, 6, 7], [0, 1, 5, 4], [1, 2, 6, 5], [2, 3, 7, 6], [3, 0, 4, 7]]
        corners += [o + i for face in box for i in face]
    n_faces = len(corners) // 4
    return np.array(verts, np.float32), np.array(corners, np.int32), np.full(n_faces, 4, np.int32)
