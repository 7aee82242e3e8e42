"""The unseen kaleidoscopic sun: its direction and its hue cycling through the spectrum."""
from __future__ import annotations

import colorsys
import math

import numpy as np


def sun_direction(sky: dict) -> np.ndarray:
    """Unit vector pointing from the ground towards the sun."""
    el, az = math.radians(sky["sun_elevation"]), math.radians(sky["sun_azimuth"])
    return np.array([math.cos(el) * math.cos(az), math.cos(el) * math.sin(az), math.sin(el)])


def sun_rotation(sky: dict) -> tuple[float, float, float]:
    """XYZ Euler angles for a sun lamp (which shines down its local -Z) aimed by sky."""
    el, az = math.radians(sky["sun_elevation"]), math.radians(sky["sun_azimuth"])
    return (0.0, math.pi / 2 - el, az)


def sun_color(sky: dict, seconds: np.ndarray, seed: int) -> np.ndarray:
    """Linear RGB of the sun at each time: the hue turns once per `hue_cycle` seconds."""
    phase = (seed % 997) / 997.0  # where in the spectrum this seed's film begins
    hues = (phase + np.asarray(seconds, dtype=np.float64) / sky["hue_cycle"]) % 1.0
    sat = sky["saturation"]
    return np.array([colorsys.hsv_to_rgb(h, sat, 1.0) for h in hues])


def sky_color(sky: dict, sun_rgb: np.ndarray) -> np.ndarray:
    """The sky's dome: a deep violet-blue, tinted by the sun's current colour."""
    base = np.array([0.05, 0.045, 0.12])
    return base * (1.0 - sky["haze"]) + 0.25 * sky["haze"] * sun_rgb
