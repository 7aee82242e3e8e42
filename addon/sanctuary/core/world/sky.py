"""The unseen kaleidoscopic sun: its direction, its cycling colour, and the kaleidoscope of the sky it lights.

The sun's disc is never shown; its light is. Around its direction the sky is
cut into mirrored wedges (a kaleidoscope of `FACETS` facets) and rings, each
a different hue around the sun's current hue, brightest toward the sun. The
wedges slowly turn and the whole spectrum cycles once every `sky.hue_cycle`
seconds, so every mercury leaf mirrors shifting colour.

`sky_radiance` is the same formula in numpy as the world's node graph
(blender/sky.py): what the haze and the tests read.
"""
from __future__ import annotations

import colorsys
import math
from dataclasses import dataclass

import numpy as np

KEYS_PER_CYCLE = 12  # keys per turn of the spectrum for what does not move linearly (warmth, the sun sinking)
FACETS = 6  # wedges round the sun: mirrored, so the pattern repeats every 2 * pi / FACETS
RING = 0.36  # radians of sky between the rings of facets round the sun
SPIN_PERIOD = 48.0  # seconds for the kaleidoscope to turn once
HUE_WEDGE = 0.14  # hue turned from a wedge's middle to its mirror line
HUE_RING = 0.09  # hue turned from one ring to the next
CORE_SATURATION = 0.2  # the sky round the sun is near white: the mercury's brightest glints are
GLOW, GLOW_SPREAD, FLOOR_LIGHT = 7.0, 0.6, 0.14  # radiance at the sun, its falloff (rad), far from it
AMBER = np.array([1.0, 0.6, 0.32])  # LOOK.md: amber, rose, gold as the warmth returns
WARM_PULL = 0.85  # how far toward amber the world's light turns when it is warmest
SUN_SATURATION = 0.85  # the lamp's colour against the sky's: strong, so the dapples on bark and floor are coloured


def sun_direction(sky: dict, elevation: float | None = None) -> np.ndarray:
    """Unit vector pointing from the ground towards the sun (elevation in degrees, default the preset's)."""
    el = math.radians(sky["sun_elevation"] if elevation is None else elevation)
    az = math.radians(sky["sun_azimuth"])
    return np.array([math.cos(el) * math.cos(az), math.cos(el) * math.sin(az), math.sin(el)])


def sun_rotation(sky: dict, elevation: float | None = None) -> tuple[float, float, float]:
    """XYZ Euler angles for a sun lamp (which shines down its local -Z) aimed by sky."""
    el = math.radians(sky["sun_elevation"] if elevation is None else elevation)
    return (0.0, math.pi / 2 - el, math.radians(sky["sun_azimuth"]))


@dataclass(frozen=True)
class SkyState:
    """The kaleidoscope at some times: the sun's hue (turns, unbounded), the spin (rad), the sun's
    direction (T, 3), how warm the world has turned (0..1) and the daylight (the sky's and the sun's
    strength against the preset's, 0..1)."""

    hue: np.ndarray
    spin: np.ndarray
    sun: np.ndarray
    warm: np.ndarray
    light: np.ndarray


def sky_state(sky: dict, seconds: np.ndarray, seed: int, warm: np.ndarray, elevation: np.ndarray,
              light: np.ndarray | None = None) -> SkyState:
    """The kaleidoscope at seconds (T,); warm, elevation (deg) and light (default 1) are (T,)."""
    seconds = np.asarray(seconds, dtype=np.float64)
    phase = (seed % 997) / 997.0  # where in the spectrum this seed's film begins
    light = np.ones(len(seconds)) if light is None else np.asarray(light, float)
    return SkyState(phase + seconds / sky["hue_cycle"], 2 * np.pi * seconds / SPIN_PERIOD,
                    np.array([sun_direction(sky, e) for e in np.asarray(elevation)]), np.asarray(warm, float),
                    light)


def sun_color(sky: dict, state: SkyState) -> np.ndarray:
    """(T, 3) linear RGB of the sun lamp: the sky's hue at its core, strongly coloured, warmed toward amber."""
    rgb = np.array([colorsys.hsv_to_rgb(h % 1.0, SUN_SATURATION * sky["saturation"], 1.0) for h in state.hue])
    return warmed(rgb, state.warm)


def warmed(rgb: np.ndarray, warm: np.ndarray) -> np.ndarray:
    """Colours pulled toward amber as the world warms (0..1), keeping their brightness."""
    w = WARM_PULL * np.asarray(warm)[:, None]
    lum = rgb @ np.array([0.2126, 0.7152, 0.0722])
    return (1.0 - w) * rgb + w * AMBER[None, :] * (lum[:, None] / 0.68)


def hsv_to_rgb(h: np.ndarray, s: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Vectorised HSV to RGB (h in turns, any real); as Blender's Combine Color in HSV mode."""
    h = np.mod(h, 1.0) * 6.0
    i = np.floor(h)
    f = h - i
    p, q, t = v * (1 - s), v * (1 - s * f), v * (1 - s * (1 - f))
    i = i.astype(int) % 6
    r = np.choose(i, [v, q, p, p, t, v])
    g = np.choose(i, [t, v, v, q, p, p])
    b = np.choose(i, [p, p, t, v, v, q])
    return np.stack([r, g, b], axis=-1)


def smoothstep(e0: float, e1: float, x: np.ndarray) -> np.ndarray:
    t = np.clip((np.asarray(x) - e0) / (e1 - e0), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def sky_radiance(dirs: np.ndarray, sky: dict, hue: float, spin: float, sun: np.ndarray, warm: float) -> np.ndarray:
    """(N, 3) linear radiance of the sky seen along unit directions dirs (N, 3) at one moment."""
    dirs = np.asarray(dirs, dtype=np.float64)
    s = np.asarray(sun, dtype=np.float64)
    up = np.array([0.0, 0.0, 1.0]) if abs(s[2]) < 0.999 else np.array([1.0, 0.0, 0.0])
    u = np.cross(s, up)
    u /= np.linalg.norm(u)
    v = np.cross(s, u)
    theta = np.arccos(np.clip(dirs @ s, -1.0, 1.0))
    phi = np.arctan2(dirs @ v, dirs @ u) + spin
    wedge = 2 * np.pi / FACETS
    k = np.abs(2.0 * (phi - wedge * np.floor(phi / wedge)) / wedge - 1.0)  # 0 mid-wedge, 1 at its mirrors
    ring = np.floor(theta / RING)
    h = hue + HUE_WEDGE * k + HUE_RING * ring
    sat = sky["saturation"] * (CORE_SATURATION + (1 - CORE_SATURATION) * smoothstep(0.05, 0.6, theta))
    val = GLOW * np.exp(-theta / GLOW_SPREAD) + FLOOR_LIGHT
    val = val * (0.25 + 0.75 * smoothstep(-0.2, 0.05, dirs[:, 2]))  # dim below the horizon
    rgb = hsv_to_rgb(h, sat, val) * sky["sky_strength"]
    return warmed(rgb, np.full(len(rgb), warm))


def hemisphere(n: int = 512) -> np.ndarray:
    """n directions spread evenly over the upper hemisphere (a Fibonacci lattice)."""
    i = np.arange(n) + 0.5
    z = i / n
    a = np.pi * (3.0 - math.sqrt(5.0)) * i
    r = np.sqrt(1.0 - z * z)
    return np.stack([r * np.cos(a), r * np.sin(a), z], axis=1)


def mean_sky(sky: dict, state: SkyState) -> np.ndarray:
    """(T, 3) the sky's average colour over the upper hemisphere at each time, in its daylight: what the
    haze takes on."""
    dirs = hemisphere()
    return np.array([sky_radiance(dirs, sky, h, sp, s, w).mean(axis=0) * light
                     for h, sp, s, w, light in zip(state.hue, state.spin, state.sun, state.warm, state.light)])
