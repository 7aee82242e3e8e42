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
