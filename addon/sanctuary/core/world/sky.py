"""The unseen kaleidoscopic sun: its direction and its hue cycling through the spectrum."""
from __future__ import annotations

import colorsys
import math

import numpy as np


def sun_direction(sky: dict) -> np.ndarray:
    """Unit vector pointing from the ground towards the sun."""
    el, az = math.radians(sky["sun_elevation"]), math.radians(sky["sun_azimuth"])
    return np.array([math.cos(el) * math.cos(az), math.cos(el) * math.sin(az), math.sin(el)])


def sun_rotation(sky: dict, elevation: float | None = None) -> tuple[float, float, float]:
    """XYZ Euler angles for a sun lamp (which shines down its local -Z) aimed by sky."""
    el = math.radians(sky["sun_elevation"] if elevation is None else elevation)
    return (0.0, math.pi / 2 - el, math.radians(sky["sun_azimuth"]))


AMBER = np.array([1.0, 0.6, 0.32])  # LOOK.md: amber, rose, gold as the warmth returns


def warmed(rgb: np.ndarray, warm: np.ndarray) -> np.ndarray:
    """The sun's cycling colour pulled toward amber as the world warms (0..1)."""
    w = 0.75 * np.asarray(warm)[:, None]
    return (1.0 - w) * rgb + w * AMBER[None, :]


def sun_color(sky: dict, seconds: np.ndarray, seed: int) -> np.ndarray:
    """Linear RGB of the sun at each time: the hue turns once per `hue_cycle` seconds."""
    phase = (seed % 997) / 997.0  # where in the spectrum this seed's film begins
    hues = (phase + np.asarray(seconds, dtype=np.float64) / sky["hue_cycle"]) % 1.0
    sat = sky["saturation"]
    return np.array([colorsys.hsv_to_rgb(h, sat, 1.0) for h in hues])


ZENITH = np.array([0.13, 0.085, 0.34])  # deep violet overhead (LOOK.md: violet-blue shadows)


def _rotate_hue(rgb: np.ndarray, turn: float) -> np.ndarray:
    h, s, v = colorsys.rgb_to_hsv(*np.clip(rgb, 0.0, None))
    return np.array(colorsys.hsv_to_rgb((h + turn) % 1.0, s, v))


def sky_bands(sky: dict, sun_rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(horizon, middle) colours of the dome: the sun's hue low down and a turned hue above it,
    so the mercury mirrors a kaleidoscope rather than one colour."""
    glow = 0.35 + 0.65 * sky["haze"]
    horizon = 0.9 * glow * sun_rgb + 0.08 * np.array([0.4, 0.3, 0.7])
    middle = 0.45 * glow * _rotate_hue(sun_rgb, 1.0 / 3.0) + 0.5 * ZENITH
    return horizon, middle
