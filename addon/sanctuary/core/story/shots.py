"""The shot list as data: each shot's span, lens and camera path (keys of pose over time).

A move is a path in the clearing's frame of reference (the heart at the
origin's column), sampled at a few keys; the Blender layer writes them as
keyframes. The camera always aims at its subject, so paths stay readable
when beats are retimed.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..seeds import stream
from . import timeline as tl

EYE_HEIGHT = 1.6


@dataclass(frozen=True)
class CameraKey:
    seconds: float
    location: tuple[float, float, float]
    rotation: tuple[float, float, float]  # XYZ Euler, radians
    focus_distance: float


@dataclass(frozen=True)
class ShotPlan:
    name: str
    move: str
    subject: str
    start: float  # seconds
    end: float
    frame_start: int
    frame_end: int  # inclusive
    lens: float
    fstop: float
    keys: tuple[CameraKey, ...]


def landmarks(cfg: dict) -> dict[str, np.ndarray]:
    """Where the story's subjects are: the heart rests on the pedestal in the clearing."""
    rise, p, h = cfg["clearing"]["rise"], cfg["pedestal"], cfg["heart"]
    heart_z = rise + p["height"] + h["hover"] + h["size"] / 2.0
    return {
        "heart": np.array([0.0, 0.0, heart_z]),
        "pedestal": np.array([0.0, 0.0, rise + p["height"] * 0.6]),
        "clearing": np.array([0.0, 0.0, rise + 0.8]),
        "canopy": np.array([0.0, 0.0, rise + 4.0]),
    }


def look_at(eye: np.ndarray, target: np.ndarray, roll: float = 0.0) -> tuple[float, float, float]:
    """Euler XYZ that points a Blender camera (looking down its -Z, +Y up) at target."""
    d = target - eye
    d = d / max(np.linalg.norm(d), 1e-9)
    pitch = math.pi / 2 + math.asin(float(np.clip(d[2], -1.0, 1.0)))
    yaw = math.atan2(-d[0], d[1])
    return (pitch, roll, yaw)


def _reach(cfg: dict, beat: str) -> tuple[float, float]:
    for act in cfg["timeline"]["acts"]:
        if act["kind"] == "reach" and act["beat"] == beat:
            return act["from_distance"], act["to_distance"]
    return 9.0, 1.2


def _path(move: str, u: np.ndarray, cfg: dict, heading: float, start_beat: str) -> tuple[np.ndarray, np.ndarray]:
    """Camera positions at normalised times u in [0, 1], and the roll at each."""
    clearing = cfg["clearing"]["radius"]
    rise = cfg["clearing"]["rise"]
    e = u * u * (3 - 2 * u)  # ease in and out

    def ring(r, z, ang):
        return np.stack([r * np.sin(ang), -r * np.cos(ang), z], axis=-1)

    roll = np.zeros_like(u)
    if move == "crane_down":
        pos = ring(clearing * 2.6 - e * clearing * 0.8, rise + 26.0 - e * 17.0, heading + 0.25 * e)
    elif move == "dolly":
        pos = ring(clearing * 2.4 - e * clearing * 1.2, rise + 1.8 + 0 * e, heading + 0 * e)
    elif move == "handheld_push":
        far, near = _reach(cfg, start_beat)
        pos = ring(far + (near - far) * e, rise + EYE_HEIGHT + 0 * e, heading + 0 * e)
    elif move == "close_up":
        # Just under the heart, looking up a little: the canopy's mercury highlights fill the background
        # and fall into bokeh discs at f/1.8 (from above, the background was the dim forest floor).
        z = max(landmarks(cfg)["heart"][2] - 0.10, rise + cfg["pedestal"]["height"] + 0.05)  # never under the stone's top
        pos = ring(1.9 - 0.35 * e, z + 0 * e, heading + 0.05 * e)
    elif move == "locked":
        pos = ring(3.0 + 0 * e, rise + 1.4 + 0 * e, heading + 0 * e)
    elif move == "orbit":
        # At eye height, over the capital (1.4 m): the heart shows above its rim, the patterns below.
        pos = ring(4.2 + 0 * e, rise + 1.6 + 0 * e, heading + e * (2 * math.pi / 3))
    elif move == "pull_back":
        pos = ring(1.6 + 5.4 * e, rise + 1.3 + 0.9 * e, heading + 0.1 * e)
    elif move == "crane_out":
        # Up and back under the crowns, never into them: the heart stays in sight, the beacon of the
        # clearing, with the trunks and the warm air around it (through the canopy it was lost in leaves).
        pos = ring(3.2 + 6.3 * e, rise + 1.9 + 3.6 * e, heading - 0.3 * e)
    else:
        raise ValueError(f"unknown move {move!r}")
    return pos, roll


# Where a move aims below its subject's centre: the grasped heart shrinks toward the stone (metres).
AIM_DROP = {"close_up": 0.05}
# Moves that keep changing direction need more keys to stay on their curve.
KEYS_PER_MOVE = {"orbit": 9, "handheld_push": 13, "close_up": 7}
DRIFT = {"handheld_push": (0.035, 0.012), "close_up": (0.008, 0.004)}  # metres, radians


def plan_shots(cfg: dict) -> list[ShotPlan]:
    timeline, fps, seed = cfg["timeline"], cfg["timeline"]["fps"], cfg["seed"]
    marks = landmarks(cfg)
    beats = tl.beat_spans(timeline)
    plans = []
    for i, shot in enumerate(cfg["shots"]):
        start = tl.resolve(shot["start"], timeline, "start")
        end = tl.resolve(shot["end"], timeline, "end")
        start_beat = next((b.name for b in beats if b.start <= start < b.end), beats[-1].name)
        rng = stream(seed, "shot", shot["name"])
        heading = float(rng.uniform(-0.6, 0.6)) + i * 0.4
        n = KEYS_PER_MOVE.get(shot["move"], 2)
        u = np.linspace(0.0, 1.0, n)
        pos, roll = _path(shot["move"], u, cfg, heading, start_beat)
        target = np.repeat(marks[shot["subject"]][None, :], n, axis=0)
        target[:, 2] -= AIM_DROP.get(shot["move"], 0.0)
        if shot["move"] in DRIFT:  # a faint handheld breath, seeded per shot
            amp, roll_amp = DRIFT[shot["move"]]
            pos = pos + rng.normal(0.0, amp, size=pos.shape)
            roll = roll + rng.normal(0.0, roll_amp, size=n)
        rots = np.array([look_at(p, t, r) for p, t, r in zip(pos, target, roll)])
        rots[:, 2] = np.unwrap(rots[:, 2])  # no spins when the yaw crosses +-pi
        keys = tuple(
            CameraKey(float(start + uu * (end - start)), tuple(map(float, p)), tuple(map(float, r)),
                      float(np.linalg.norm(t - p)))
            for uu, p, r, t in zip(u, pos, rots, target)
        )
        plans.append(ShotPlan(shot["name"], shot["move"], shot["subject"], start, end,
                              tl.to_frame(start, fps), tl.to_frame(end, fps) - 1,
                              shot["lens"], shot["fstop"], keys))
    return plans


def camera_corridors(plans: list[ShotPlan], below: float = 20.0, samples: int = 24) -> np.ndarray:
    """Ground-plan segments (S, 2, 2) swept by cameras flying below `below` metres.

    Trees are kept off them so no camera passes through a trunk. Paths are
    resampled finely (keys are eased, so a straight line between sparse keys
    would miss the curve of an orbit).
    """
    segs = []
    for plan in plans:
        keys = np.array([k.location for k in plan.keys])
        t = np.array([k.seconds for k in plan.keys])
        ts = np.linspace(t[0], t[-1], samples)
        path = np.stack([np.interp(ts, t, keys[:, i]) for i in range(3)], axis=1)
        low = (path[:-1, 2] < below) | (path[1:, 2] < below)
        segs.append(np.stack([path[:-1, :2], path[1:, :2]], axis=1)[low])
    return np.concatenate(segs) if segs else np.zeros((0, 2, 2))
