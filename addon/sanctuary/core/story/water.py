"""Iridescent water coaxed from the roots of the nearest trees into a ring moat.

Each stream starts at the root flare of one of the trees nearest the
clearing, meanders over the ground toward the pedestal, and ends exactly on
the moat's circle; streams set off one after another and grow along their
paths; the moat fills as they arrive.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..seeds import stream

TRAVEL = 0.55  # fraction of the act a stream takes to reach the moat


@dataclass(frozen=True)
class Water:
    paths: list[np.ndarray]  # each (K, 2) from root to moat
    start: np.ndarray  # (S,) seconds each stream sets off
    arrive: np.ndarray  # (S,) seconds it reaches the moat
    moat_radius: float
    welling: tuple[float, float]  # with no trees to draw from, the moat wells up by itself over this time


def coax_water(act: dict, index: int, start_s: float, duration: float, tree_xy: np.ndarray, cfg: dict) -> Water:
    """The streams of the coax_water act at `index` of the timeline, starting at start_s (film seconds)."""
    rng = stream(cfg["seed"], "water", index)  # keyed by which act, never by when: retiming re-rolls nothing
    moat = act["moat_radius"]
    n = min(act["streams"], len(tree_xy))
    nearest = np.argsort(np.hypot(tree_xy[:, 0], tree_xy[:, 1]))[:n] if len(tree_xy) else np.zeros(0, int)
    paths = []
    for j, t in enumerate(nearest):
        root = tree_xy[t]
        d = np.hypot(*root)
        direction = -root / d
        begin = root + direction * 0.55  # just clear of the trunk's flare
        end = -direction * moat  # the moat's edge on the same bearing
        u = np.linspace(0.0, 1.0, 48)
        line = begin[None, :] + (end - begin)[None, :] * u[:, None]
        side = np.array([-direction[1], direction[0]])
        amp = 0.6 * rng.uniform(0.6, 1.0)
        phase = rng.uniform(0, 2 * np.pi)
        meander = amp * np.sin(np.pi * u) * np.sin(2.5 * np.pi * u + phase)
        paths.append(line + side[None, :] * meander[:, None])
    stagger = duration * (1.0 - TRAVEL) / max(n, 1)
    start = start_s + np.arange(n) * stagger
    return Water(paths, start, start + duration * TRAVEL, moat, (start_s, start_s + duration * TRAVEL))


def moat_fill(acts: list[Water]) -> tuple[np.ndarray, np.ndarray]:
    """(seconds, fill 0..1) of the moat: empty until the first stream arrives, a share more with each,
    whole 1.2 s after the last. A forest of no trees sends no streams: the moat wells up by itself."""
    arrivals = np.sort(np.concatenate([s.arrive for s in acts]))
    if not len(arrivals):
        return (np.array([min(s.welling[0] for s in acts), max(s.welling[1] for s in acts)]),
                np.array([0.0, 1.0]))
    times = np.concatenate([[arrivals[0] - 0.01], arrivals + 1.2])
    return times, np.concatenate([[0.0], np.arange(1, len(arrivals) + 1) / len(arrivals)])


def growth_stages(points: np.ndarray, radius: float, stages: int, segments: int = 12, cyclic: bool = False,
                  rings_per_stage: int = 4) -> tuple[np.ndarray, np.ndarray, list[list[int]]]:
    """A round tube of `radius` along `points` (K, 3), as it stands at `stages` equal steps of its growth
    from the first point: the shapes a morph-target player blends (stage_weights) to show water advancing
    along its course, where a renderer grows it by a curve's bevel factor (by arc length).

    Rings sit at equal arc lengths, `rings_per_stage` to a step; at stage k the rings past k/stages of the
    length lie on the ring there, which the end cap closes. Returns (basis (V, 3): every vertex on the
    first point, so nothing shows; shapes (stages + 1, V, 3), shape 0 the tube arrived but not yet grown
    (every ring on the first: its cap); faces: quads between rings and an n-gon cap at each end). A cyclic
    course (a ring moat) closes on its first point. Units are those of `points`."""
    pts = np.asarray(points, dtype=np.float64)
    if cyclic:
        pts = np.vstack([pts, pts[:1]])
    along = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(pts, axis=0), axis=1))])
    n_rings = stages * rings_per_stage + 1
    s = np.linspace(0.0, along[-1], n_rings)
    centres = np.column_stack([np.interp(s, along, pts[:, i]) for i in range(3)])
    tangent = np.gradient(centres, axis=0)
    if cyclic:  # the seam's rings face along the course through it
        tangent[0] = tangent[-1] = centres[1] - centres[-2]
    tangent /= np.maximum(np.linalg.norm(tangent, axis=1, keepdims=True), 1e-12)
    side = np.cross(tangent, [0.0, 0.0, 1.0])  # kept level, as the render's curve (twist Z_UP)
    side /= np.maximum(np.linalg.norm(side, axis=1, keepdims=True), 1e-12)
    up = np.cross(side, tangent)
    theta = 2 * np.pi * np.arange(segments) / segments
    rings = centres[:, None, :] + radius * (np.cos(theta)[None, :, None] * side[:, None, :]
                                            + np.sin(theta)[None, :, None] * up[:, None, :])
    shapes = np.empty((stages + 1, n_rings * segments, 3))
    for k in range(stages + 1):
        cut = k * rings_per_stage
        grown = rings.copy()
        grown[cut + 1:] = rings[cut]
        shapes[k] = grown.reshape(-1, 3)
    basis = np.repeat(centres[:1], n_rings * segments, axis=0)
    j = np.arange(segments)
    faces = [[i * segments + a, i * segments + b, (i + 1) * segments + b, (i + 1) * segments + a]
             for i in range(n_rings - 1) for a, b in zip(j, np.roll(j, -1))]
    faces.append(list(j[::-1]))  # the caps face outward
    faces.append(list((n_rings - 1) * segments + j))
    return basis, shapes, [[int(v) for v in f] for f in faces]


def stage_weights(growth: np.ndarray, shown: np.ndarray, stages: int) -> np.ndarray:
    """Morph weights (N, stages + 1) for growth_stages' shapes (relative to its basis) that show growth
    (N,) in 0..1 where `shown` (N,) is true, nothing elsewhere: between stages k and k + 1 of `stages`,
    (1 - a) of shape k and a of shape k + 1."""
    x = np.clip(np.asarray(growth, dtype=np.float64), 0.0, 1.0) * stages
    k = np.minimum(np.floor(x).astype(int), stages - 1)
    a = x - k
    w = np.zeros((len(x), stages + 1))
    rows = np.arange(len(x))
    w[rows, k] = 1.0 - a
    w[rows, k + 1] = a
    return w * np.asarray(shown, dtype=bool)[:, None]
