"""The heart of spun moonlight and solidified dawn: its shape, its pulse, its channels.

Channels (per frame, documented ranges; the timeline issue derives them from
the acts, until then the preset sets them as constants):

    scale    0.2 .. 2    size multiplier of the heart
    glow     0 .. 100    emission strength of the heart; its inner light is glow * LIGHT_WATTS W
    warmth   0 .. 1      0 cold moonlight-blue, 1 warm dawn rose-gold (heart, its light, its rime)
    flicker  0 .. 1      how hard the glow stutters (seeded noise) on the edge of going out
    frost    0 .. 1      coverage: the frost front stands at frost * frost.reach metres from the heart

The pulse (two beats and a rest, `pulse_bpm`) rides on glow and, gently, on
scale: expressed glow = glow * (1 + PULSE_GLOW * pulse) * (1 - flicker * noise).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..seeds import stream

LIGHT_WATTS = 40.0  # inner point light power (W) per unit of glow
PULSE_GLOW = 0.45
LUB, DUB, DUB_STRENGTH = 0.02, 0.30, 0.65  # the two beats: where in the cycle, and the second's strength
PULSE_SCALE = 0.04
CHANNELS = ("scale", "glow", "warmth", "flicker", "frost")


@dataclass(frozen=True)
class HeartMesh:
    vertices: np.ndarray  # (V, 3) float32, tip at the origin, standing up +Z, facing -Y
    corners: np.ndarray
    sizes: np.ndarray


DEPTH = 0.42  # front-to-back thickness as a share of the size: a plump body, not a badge


def outline(size: float, around: int = 72, asymmetry: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """The heart's outline in its own plane: (x, z) of `around` points, tip at z = 0, `size` tall.

    The classic heart curve (x = 16 sin^3 t, z = 13 cos t - 5 cos 2t - 2 cos 3t - cos 4t), its
    lobes made unequal by `asymmetry` (0 symmetric; 1: one lobe about 12 % fuller, the tip leaning)."""
    t = np.linspace(0.0, 2 * np.pi, around, endpoint=False)
    cx = 16 * np.sin(t) ** 3
    cz = 13 * np.cos(t) - 5 * np.cos(2 * t) - 2 * np.cos(3 * t) - np.cos(4 * t)
    zn = (cz - cz.min()) / np.ptp(cz)  # 0 at the tip, 1 at the top of the lobes
    cx = cx * (1.0 + asymmetry * 0.12 * np.tanh(cx / 4.0) * zn)  # a fuller lobe on one side
    cx = cx + asymmetry * 1.2 * (1.0 - zn) ** 2  # the tip leans toward it
    k = size / np.ptp(cz)
    return cx * k, (cz - cz.min()) * k


def heart_mesh(size: float, around: int = 72, rings: int = 14, asymmetry: float = 0.0) -> HeartMesh:
    """A plump, closed heart, tip at the origin: the outline (see `outline`) as its rim, a rounded
    pillow in depth (DEPTH * size thick), `size` tall."""
    cx, cz = outline(size, around, asymmetry)
    centre_z = 0.62 * size  # the pillow's deepest point sits in the upper lobes' heart
    depth = DEPTH * size / 2
    s = np.linspace(0.0, 1.0, rings + 1)[1:]  # ring 0 is the pole
    ox = s[:, None] * cx[None, :]
    oz = centre_z + s[:, None] * (cz[None, :] - centre_z)
    y = depth * np.sqrt(np.clip(1.0 - s**2.4, 0.0, 1.0))[:, None] * np.ones((1, around))
    front = np.stack([ox, -y, oz], -1)  # facing -Y (toward a camera looking down +Y)
    back = np.stack([ox, y, oz], -1)[:-1]  # the rim ring is shared
    verts = np.concatenate([front.reshape(-1, 3), back.reshape(-1, 3),
                            [[0.0, -depth, centre_z], [0.0, depth, centre_z]]])
    n_front = rings * around
    pole_f, pole_b = len(verts) - 2, len(verts) - 1

    def f(r, j):
        return r * around + j % around

    def b(r, j):
        return np.where(r == rings - 1, f(r, j), n_front + r * around + j % around)

    r, j = np.meshgrid(np.arange(rings - 1), np.arange(around), indexing="ij")
    r, j = r.ravel(), j.ravel()
    quads = np.concatenate([np.stack([f(r, j), f(r, j + 1), f(r + 1, j + 1), f(r + 1, j)], 1),
                            np.stack([b(r, j), b(r + 1, j), b(r + 1, j + 1), b(r, j + 1)], 1)])
    jj = np.arange(around)
    tris = np.concatenate([np.stack([np.full(around, pole_f), f(0, jj + 1), f(0, jj)], 1),
                           np.stack([np.full(around, pole_b), b(0, jj), b(0, jj + 1)], 1)])
    corners = np.concatenate([quads.ravel(), tris.ravel()]).astype(np.int32)
    sizes = np.concatenate([np.full(len(quads), 4), np.full(len(tris), 3)]).astype(np.int32)
    return HeartMesh(verts.astype(np.float32), corners, sizes)


def filaments(size: float, seed: int, count: int = 9, points: int = 120,
              asymmetry: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Threads of moonlight spun through the heart: closed loops winding round inside its body.

    Each loop follows the outline at a wandering fraction of its reach (0.25 .. 0.8) and swings
    front to back, so together they fill the body like spun thread without touching its skin.
    Returns (positions (count, points, 3), radii (count, points)) in metres, in the heart's frame."""
    rng = stream(seed, "heart_filaments")
    cx, cz = outline(size, points, asymmetry)
    centre = np.array([0.0, 0.62 * size])
    t = np.linspace(0.0, 2 * np.pi, points, endpoint=False)
    pos, radius = [], []
    for _ in range(count):
        shift = rng.integers(0, points)
        ox, oz = np.roll(cx, shift), np.roll(cz, shift)
        k1, k2 = rng.integers(2, 5), rng.integers(1, 4)
        reach = 0.52 + 0.27 * np.sin(k1 * t + rng.uniform(0, 2 * np.pi))
        x = centre[0] + reach * (ox - centre[0])
        z = centre[1] + reach * (oz - centre[1])
        thick = DEPTH * size / 2 * np.sqrt(np.clip(1.0 - reach**2.4, 0.0, 1.0))
        y = 0.7 * thick * np.sin(k2 * t + rng.uniform(0, 2 * np.pi))
        pos.append(np.stack([x, y, z], -1))
        radius.append(size * rng.uniform(0.005, 0.009) * (0.75 + 0.25 * np.sin(5 * t + rng.uniform(0, 6))))
    pos, radius = np.array(pos), np.array(radius)
    return np.concatenate([pos, pos[:, :1]], 1), np.concatenate([radius, radius[:, :1]], 1)


def pulse(seconds: np.ndarray, bpm: float) -> np.ndarray:
    """Heartbeat in 0..1: a strong beat, a softer second beat, then rest."""
    phase = np.mod(np.asarray(seconds, dtype=np.float64) * bpm / 60.0, 1.0)
    lub = np.exp(-((phase - LUB) / 0.05) ** 2) + np.exp(-((phase - 1.0 - LUB) / 0.05) ** 2)
    dub = DUB_STRENGTH * np.exp(-((phase - DUB) / 0.055) ** 2)
    return np.clip(lub + dub, 0.0, 1.0)


def flicker_noise(seconds: np.ndarray, seed: int) -> np.ndarray:
    """Band-limited noise in 0..1 (a few stutters a second), seeded."""
    rng = stream(seed, "heart_flicker")
    knots = rng.uniform(0.0, 1.0, 4096)
    x = np.asarray(seconds, dtype=np.float64) * 7.0
    i = np.floor(x).astype(np.int64) % (len(knots) - 1)
    f = x - np.floor(x)
    f = f * f * (3 - 2 * f)
    return knots[i] + (knots[i + 1] - knots[i]) * f


def constant_channels(heart: dict, frost: dict, n_frames: int) -> dict[str, np.ndarray]:
    """The preset's constant channel values, one per frame (the timeline replaces these)."""
    values = {"scale": heart["scale"], "glow": heart["glow"], "warmth": heart["warmth"],
              "flicker": heart["flicker"], "frost": frost["coverage"]}
    return {k: np.full(n_frames, float(v)) for k, v in values.items()}


def expressed(channels: dict[str, np.ndarray], seconds: np.ndarray, bpm: float, seed: int) -> dict[str, np.ndarray]:
    """What the heart shows: channels with the pulse and the flicker applied."""
    p = pulse(seconds, bpm)
    stutter = 1.0 - channels["flicker"] * flicker_noise(seconds, seed)
    glow = channels["glow"] * (1.0 + PULSE_GLOW * p) * stutter
    scale = channels["scale"] * (1.0 + PULSE_SCALE * p)
    return {"glow": glow, "scale": scale, "light": glow * LIGHT_WATTS}


TURN_SECONDS = 40.0  # one slow revolution


def turn(seconds: np.ndarray, facing: tuple[float, float]) -> np.ndarray:
    """Z rotation over time: a steady turn that has the face (-Y) toward `facing` = (time, yaw)
    at that time. yaw is the heading from the heart to the viewer, atan2(-x, y) style."""
    t0, yaw = facing
    return yaw + 2 * np.pi * (np.asarray(seconds) - t0) / TURN_SECONDS


def mix_color(cold, warm, warmth: np.ndarray) -> np.ndarray:
    """Per-frame RGB between the moonlight and dawn colours."""
    w = np.asarray(warmth)[:, None]
    return (1.0 - w) * np.asarray(cold)[None, :] + w * np.asarray(warm)[None, :]
