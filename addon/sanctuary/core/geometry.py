"""Geometry shared by the parts of the scene: unit vectors, parallel-transport frames along polylines,
tubes around them (bark, the pedestal's roots), and Euler angles of a basis (leaves, frost crystals).

Arrays in, arrays out; lengths in metres, angles in radians."""
from __future__ import annotations

import numpy as np


def normalize(v: np.ndarray) -> np.ndarray:
    """Each row (last axis) of v scaled to unit length."""
    # np.linalg.norm's own sum of squares, without its per-call overhead (called thousands of times a build)
    return v / np.maximum(np.sqrt(np.add.reduce(v * v, axis=-1, keepdims=True)), 1e-12)


def cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise cross product of (..., 3) arrays: np.cross's arithmetic without its per-call overhead."""
    a0, a1, a2 = a[..., 0], a[..., 1], a[..., 2]
    b0, b1, b2 = b[..., 0], b[..., 1], b[..., 2]
    return np.stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], axis=-1)


def perpendicular(t: np.ndarray) -> np.ndarray:
    """Some unit vector perpendicular to each row of t."""
    helper = np.where(np.abs(t[..., 2:3]) < 0.9, np.array([0.0, 0.0, 1.0]), np.array([1.0, 0.0, 0.0]))
    return normalize(cross(t, helper))


def tangents(pos: np.ndarray) -> np.ndarray:
    """Unit tangents along polylines (B, k, 3)."""
    return normalize(np.gradient(pos, axis=1))


def frames(pos: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parallel-transport frames along each polyline: (tangent, normal, binormal), each (B, k, 3)."""
    t = tangents(pos)
    n = np.empty_like(t)
    n[:, 0] = perpendicular(t[:, 0])
    for s in range(1, t.shape[1]):
        prev = n[:, s - 1]
        proj = prev - np.sum(prev * t[:, s], axis=-1, keepdims=True) * t[:, s]
        n[:, s] = normalize(proj)
    return t, n, cross(t, n)


def tube_mesh(pos: np.ndarray, radius: np.ndarray, sides: int, offset: int = 0):
    """Tubes along B polylines (B, k, 3) with ring radii (B, k) or (B, k, sides), tips capped.

    Returns (vertices, quads (Q, 4), tip triangles (T, 3)); indices start at `offset`.
    """
    b, k = pos.shape[:2]
    t, n, bn = frames(pos)
    theta = np.linspace(0.0, 2 * np.pi, sides, endpoint=False)
    r = radius if radius.ndim == 3 else radius[:, :, None]
    ring = (np.cos(theta)[None, None, :, None] * n[:, :, None, :] +
            np.sin(theta)[None, None, :, None] * bn[:, :, None, :])
    v = pos[:, :, None, :] + r[..., None] * ring  # (B, k, sides, 3)
    tip = pos[:, -1] + t[:, -1] * r[:, -1].mean(axis=-1, keepdims=True) * 0.8  # a rounded point past the end
    # Quads between rings: vertex (b, s, j) -> offset + (b * k + s) * sides + j.
    bi, si, ji = np.meshgrid(np.arange(b), np.arange(k - 1), np.arange(sides), indexing="ij")
    a = offset + (bi * k + si) * sides + ji
    a_next = offset + (bi * k + si) * sides + (ji + 1) % sides
    quads = np.stack([a, a_next, a_next + sides, a + sides], axis=-1).reshape(-1, 4)
    tip_index = offset + b * k * sides + np.arange(b)
    last = offset + (np.arange(b)[:, None] * k + (k - 1)) * sides
    j = np.arange(sides)[None, :]
    tris = np.stack([last + j, last + (j + 1) % sides, np.repeat(tip_index[:, None], sides, 1)], -1).reshape(-1, 3)
    return np.concatenate([v.reshape(-1, 3), tip]), quads, tris


def join_tubes(parts: list) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(vertices, corners, sizes) of several tube_mesh results built with running offsets."""
    verts = np.concatenate([p[0] for p in parts]).astype(np.float32)
    corners = np.concatenate([np.concatenate([p[1].ravel(), p[2].ravel()]) for p in parts]).astype(np.int32)
    sizes = np.concatenate([np.concatenate([np.full(len(p[1]), 4), np.full(len(p[2]), 3)]) for p in parts])
    return verts, corners, sizes.astype(np.int32)


def euler_from_basis(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
    """XYZ Euler angles of rotation matrices whose columns are x, y, z (rows of each array)."""
    r20, r21, r22 = x[:, 2], y[:, 2], z[:, 2]
    r10, r00 = x[:, 1], x[:, 0]
    ey = np.arcsin(np.clip(-r20, -1.0, 1.0))
    ex = np.arctan2(r21, r22)
    ez = np.arctan2(r10, r00)
    return np.stack([ex, ey, ez], axis=1)
