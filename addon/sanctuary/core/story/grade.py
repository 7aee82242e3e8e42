"""The grade of each beat (LOOK.md, mood per beat): how saturated the picture is and the tint of its light.

Spectral colour in the forest and the discovery; desaturating to cold blue through the approach and the
panic, held in the realization; the emerald and sapphire of the tending; rose-gold and amber in the
response and the sanctuary. Each beat's grade holds through its middle half and eases into the next
beat's across the beats' boundary, keyed on the beats, so retiming the film moves it.
"""
from __future__ import annotations

import numpy as np

from . import timeline as tl

# beat: (saturation multiplier, tint of the light in linear RGB (about luminance-neutral), exposure)
GRADES = {
    "forest": (1.35, (1.0, 1.0, 1.0), 1.0),
    "discovery": (1.3, (1.0, 1.0, 1.03), 1.0),
    "approach": (0.75, (0.9, 0.98, 1.16), 0.9),
    "panic": (0.5, (0.84, 0.96, 1.24), 0.75),  # near darkness round the flickering heart
    "realization": (0.55, (0.86, 0.97, 1.2), 0.8),
    "tending": (1.0, (0.98, 1.02, 1.0), 1.0),
    "response": (1.15, (1.14, 0.99, 0.84), 1.0),
    "sanctuary": (1.2, (1.2, 1.0, 0.76), 0.6),  # dusk round the beacon, whose light AgX keeps near white
}


def grade(timeline: dict) -> tuple[tuple[np.ndarray, np.ndarray], np.ndarray]:
    """Keys of the grade: ((seconds (K,), saturation (K,)), tint (K, 3)): two keys a beat, at a quarter
    and three quarters of it; between them Blender's Bezier eases one beat's grade into the next. The tint
    is the light's times the beat's exposure (a linear multiplier)."""
    times, sat, tint = [], [], []
    for span in tl.beat_spans(timeline):
        s, rgb, exposure = GRADES[span.name]
        for u in (0.25, 0.75):
            times.append(span.start + u * span.duration)
            sat.append(s)
            tint.append(tuple(exposure * c for c in rgb))
    return (np.array(times), np.array(sat)), np.array(tint, dtype=np.float64)


def grade_at(timeline: dict, seconds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(saturation (T,), tint (T, 3)) at times, eased between the keys as the keys are."""
    (times, sat), tint = grade(timeline)
    seconds = np.asarray(seconds, dtype=np.float64)
    i = np.clip(np.searchsorted(times, seconds) - 1, 0, len(times) - 2)
    u = np.clip((seconds - times[i]) / (times[i + 1] - times[i]), 0.0, 1.0)
    u = u * u * (3 - 2 * u)
    return sat[i] + (sat[i + 1] - sat[i]) * u, tint[i] + (tint[i + 1] - tint[i]) * u[:, None]
