"""Warm motes: small points of warm light drifting in the clearing's air, more of them as the world warms.

Each mote has a rest position (within RADIUS of the centre, LOW..HIGH metres
above the floor), a slow Lissajous drift about it and an `order` in [0, 1):
a mote is in the air once the visible share has passed its order, growing in
over FADE of the share, so the count rises smoothly and the same motes stay
as more join. The share follows the story: a few small warm points return
while the clearing is tended, then the world's warmth (core.story.tending.world_warmth)
multiplies them through the response into the sanctuary.

    share(t)   = clip(TENDED * ease(tended(t)) + world_warmth(t)^0.8, 0, 1)
    tended(t)  = running max of care(t) / CARE_FULL
    p_i(t)     = rest_i + drift_i * sin(omega_i * t + phase_i)     (per axis)

The Blender side (blender/motes.py) runs the same sums in geometry nodes
from two keyed inputs, Seconds and Visible (the share).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..seeds import stream
from . import tending as core_tending

COUNT = 360  # motes in the air at full warmth
RADIUS = 8.0  # m from the centre
LOW, HIGH = 0.3, 4.0  # m above the floor
FADE = 0.04  # share over which one mote grows in
TENDED = 0.1  # share of the motes the tending alone brings back
CARE_FULL = 0.6  # care at which the tending's motes are all back
CLEAR = 1.3  # m kept between a mote's rest and any camera (more than its drift)
PEDESTAL_CLEAR = 0.4  # m kept round the pedestal


@dataclass(frozen=True)
class Motes:
    rest: np.ndarray  # (N, 3) m, world rest positions
    drift: np.ndarray  # (N, 3) m, amplitude of the sway on each axis
    omega: np.ndarray  # (N, 3) rad/s
    phase: np.ndarray  # (N, 3) rad
    order: np.ndarray  # (N,) in [0, 1): the share at which the mote starts to show
    size: np.ndarray  # (N,) m, radius at full
    tint: np.ndarray  # (N,) 0 amber .. 1 rose-gold


def scatter(cfg: dict, ground, cameras: np.ndarray | None = None) -> Motes:
    """COUNT motes over the clearing, seeded by cfg["seed"] alone (retiming re-rolls nothing).

    ground: callable (x, y) -> floor height (m). cameras: (C, 3) points the camera passes
    through; no mote rests within CLEAR of them, so none drifts into the lens."""
    rng = stream(cfg["seed"], "motes")
    top = cfg["clearing"]["rise"] + cfg["pedestal"]["height"] + cfg["heart"]["hover"] + cfg["heart"]["size"]
    pedestal_r = cfg["pedestal"]["width"] / 2 + PEDESTAL_CLEAR
    keep = np.zeros((0, 3))
    while len(keep) < COUNT:  # draw in batches, keeping those clear of the lens and the stone
        n = 4 * COUNT
        r = RADIUS * np.sqrt(rng.uniform(0.0, 1.0, n))
        a = rng.uniform(0.0, 2 * np.pi, n)
        x, y = r * np.cos(a), r * np.sin(a)
        z = ground(x, y) + LOW + (HIGH - LOW) * rng.uniform(0.0, 1.0, n) ** 1.6  # more near the floor
        p = np.column_stack([x, y, z])
        ok = (r > pedestal_r) | (z > top + 0.3)
        if cameras is not None and len(cameras):
            d = np.linalg.norm(p[:, None, :] - np.asarray(cameras)[None, :, :], axis=-1).min(axis=1)
            ok &= d > CLEAR
        keep = np.concatenate([keep, p[ok]])
    rest = keep[:COUNT]
    drift = rng.uniform(0.15, 0.5, (COUNT, 3)) * np.array([1.0, 1.0, 0.45])
    omega = 2 * np.pi / rng.uniform(9.0, 20.0, (COUNT, 3))
    phase = rng.uniform(0.0, 2 * np.pi, (COUNT, 3))
    order = rng.permutation(COUNT) / COUNT
    size = 0.008 + 0.014 * rng.uniform(0.0, 1.0, COUNT) ** 2.5  # most small, a few larger
    tint = rng.uniform(0.0, 1.0, COUNT)
    return Motes(rest, drift, omega, phase, order, size, tint)


def camera_points(cfg: dict, samples: int = 48) -> np.ndarray:
    """(C, 3) points along every shot's camera path (its keys resampled: the moves are eased curves)."""
    from .shots import plan_shots

    pts = []
    for plan in plan_shots(cfg):
        keys = np.array([k.location for k in plan.keys])
        t = np.array([k.seconds for k in plan.keys])
        ts = np.linspace(t[0], t[-1], samples)
        pts.append(np.stack([np.interp(ts, t, keys[:, i]) for i in range(3)], axis=1))
    return np.concatenate(pts) if pts else np.zeros((0, 3))


def positions(m: Motes, seconds) -> np.ndarray:
    """(T, N, 3) where each mote is at each of seconds (T,)."""
    t = np.atleast_1d(np.asarray(seconds, dtype=np.float64))
    return m.rest[None] + m.drift[None] * np.sin(m.omega[None] * t[:, None, None] + m.phase[None])


def share(cfg: dict, seconds: np.ndarray, warmth: np.ndarray, care: np.ndarray) -> np.ndarray:
    """(T,) the share of the motes in the air at each of seconds (the response's samples)."""
    tended = np.maximum.accumulate(np.asarray(care)) / CARE_FULL
    world = core_tending.world_warmth(cfg, seconds, warmth)
    return np.clip(TENDED * core_tending.ease(tended) + np.clip(world, 0.0, 1.0) ** 0.8, 0.0, 1.0)


def growth(m: Motes, visible) -> np.ndarray:
    """(T, N) how far grown (0 gone .. 1 whole) each mote is at each visible share (T,)."""
    v = np.atleast_1d(np.asarray(visible, dtype=np.float64))
    return np.clip((v[:, None] - m.order[None]) / FADE, 0.0, 1.0)


def count(m: Motes, visible) -> np.ndarray:
    """(T,) motes in the air (any part grown) at each visible share."""
    return (growth(m, visible) > 0).sum(axis=1)
