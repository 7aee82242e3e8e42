"""The tending timeline's response model: what is done in the clearing, the heart answers.

Acts (preset `timeline.acts`) are data: kind, beat, start (s after the beat
starts), duration, parameters. They become the heart's channels through a
small model, integrated per frame (dt = 1/fps):

    closeness(t)  = (from - d(t)) / (from - to)      during a reach, d eased from `from` to `to`
    drain(t)      = K_REACH * intensity * (1 + 2 * closeness)      summed over active reaches
    care'(t)      = K_CARE * tending(t) - care / TAU_CARE          tending(t): active tending acts,
                                                                   weighted (gather 1, water 1, hum 1.2)
    warmth'(t)    = -drain * w + (K_RESTORE * care + K_STILL * still(t)) * (1 - w)
    w             = low-pass(warmth, TAU_INERTIA)                  the heart's inertia

`care` is the memory of tending: it builds while the clearing is tended and
decays slowly after, so the heart keeps warming through the response beat.
`still(t)` is 1 during a `still` act: once the reaching stops, the heart
barely begins to steady; only tending brings it back.

Channels follow warmth (preset values are the heart at full warmth):

    warmth  = w
    glow    = heart.glow * (GLOW_FLOOR + (1 - GLOW_FLOOR) * w^2) * (1 + BEACON * beacon)
    scale   = heart.scale * (SCALE_FLOOR + (1 - SCALE_FLOOR) * w^1.5) * (1 + 0.12 * beacon)
    frost   = clip((FROST_AT - w) / FROST_AT, 0, 1) ^ 0.8          frost is high where warmth is low
    flicker = clip((FLICKER_BELOW - w) / FLICKER_BELOW, 0, 1)      only below the threshold
    beacon  = smoothstep(care_total, from the response beat on)   the heart grows into a steady beacon

The starting warmth is the preset's `heart.warmth`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import timeline as tl

K_REACH = 0.055  # 1/s: how fast grasping drains warmth
K_CARE = 0.05  # how fast tending builds care
TAU_CARE = 12.0  # s: how long care is remembered
K_RESTORE = 0.13  # 1/s per unit of care: how fast care restores warmth
K_STILL = 0.04  # 1/s: the little a held breath gives back
TAU_INERTIA = 0.7  # s: the heart's inertia
TEND_WEIGHT = {"gather_leaves": 1.0, "coax_water": 1.0, "hum": 1.2}
GLOW_FLOOR = 0.04  # grasped at, the heart keeps a twenty-fifth of its glow ...
SCALE_FLOOR = 0.3  # ... and under a third of its size
FROST_AT = 0.62
FLICKER_BELOW = 0.32
BEACON = 0.35


def ease(u: np.ndarray) -> np.ndarray:
    u = np.clip(u, 0.0, 1.0)
    return u * u * (3 - 2 * u)


@dataclass
class Response:
    seconds: np.ndarray  # (F,)
    frames: np.ndarray  # (F,)
    channels: dict[str, np.ndarray]  # scale, glow, warmth, flicker, frost
    care: np.ndarray
    drain: np.ndarray
    tending: np.ndarray


def act_activity(cfg: dict, seconds: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(drain rate, tending amount, stillness) per sample from the acts."""
    timeline = cfg["timeline"]
    drain = np.zeros_like(seconds)
    tending = np.zeros_like(seconds)
    still = np.zeros_like(seconds)
    for act in timeline["acts"]:
        start, end = tl.act_span(act, timeline)
        inside = (seconds >= start) & (seconds < end)
        u = (seconds - start) / max(end - start, 1e-9)
        if act["kind"] == "reach":
            d = act["from_distance"] + (act["to_distance"] - act["from_distance"]) * ease(u)
            span = max(act["from_distance"] - act["to_distance"], 1e-6)
            closeness = np.clip((act["from_distance"] - d) / span, 0.0, 1.0)
            drain += inside * K_REACH * act["intensity"] * (1.0 + 2.0 * closeness)
        elif act["kind"] == "still":
            still = np.maximum(still, inside.astype(float))
        elif act["kind"] in TEND_WEIGHT:
            ramp = np.clip(u * 4.0, 0.0, 1.0)  # care takes a moment to settle in
            tending += inside * TEND_WEIGHT[act["kind"]] * ramp
    return drain, tending, still


def respond(cfg: dict) -> Response:
    """The heart's channels per frame. With no acts, the preset's values hold still."""
    timeline = cfg["timeline"]
    fps = timeline["fps"]
    first, last = tl.frame_range(timeline)
    frames = np.arange(first, last + 1, dtype=np.float64)
    seconds = (frames - first) / fps
    if not timeline["acts"]:
        from ..clearing.heart import constant_channels

        channels = constant_channels(cfg["heart"], cfg["frost"], len(frames))
        zero = np.zeros(len(frames))
        return Response(seconds, frames, channels, zero, zero, zero)
    dt = 1.0 / fps
    drain, tending, still = act_activity(cfg, seconds)
    n = len(seconds)
    raw = np.empty(n)
    care = np.empty(n)
    w, c = cfg["heart"]["warmth"], 0.0
    for i in range(n):
        c += dt * (K_CARE * tending[i] - c / TAU_CARE)
        w += dt * (-drain[i] * w + (K_RESTORE * c + K_STILL * still[i]) * (1.0 - w))
        w = min(max(w, 0.0), 1.0)
        raw[i], care[i] = w, c
    # Inertia: a first-order lag, so the heart answers a moment after what is done.
    alpha = dt / (TAU_INERTIA + dt)
    warmth = np.empty(n)
    acc = raw[0]
    for i in range(n):
        acc += alpha * (raw[i] - acc)
        warmth[i] = acc
    response_start = tl.beat(timeline, "response").start
    after = seconds >= response_start
    beacon = np.where(after, ease(np.cumsum(care * after) * dt / max(np.sum(care * after) * dt, 1e-9)), 0.0)
    h = cfg["heart"]
    channels = {
        "warmth": warmth,
        "glow": h["glow"] * (GLOW_FLOOR + (1 - GLOW_FLOOR) * warmth**2) * (1 + BEACON * beacon),
        "scale": h["scale"] * (SCALE_FLOOR + (1 - SCALE_FLOOR) * warmth**1.5) * (1 + 0.12 * beacon),
        "frost": np.clip((FROST_AT - warmth) / FROST_AT, 0.0, 1.0) ** 0.8,
        "flicker": np.clip((FLICKER_BELOW - warmth) / FLICKER_BELOW, 0.0, 1.0),
    }
    return Response(seconds, frames, channels, care, drain, tending)


@dataclass
class Schedule:
    """Everything the acts make happen, timed: leaves gathered, water, hum pulses, events."""

    gatherings: list  # core.patterns.Gathering per gather_leaves act
    water: list  # core.story.water.Water per coax_water act
    hums: list[tuple[float, float, str]]  # (start, end, interval) per hum act
    events: list[dict]


HUM_PERIOD = 2.6  # seconds between rings of shimmer


def schedule(cfg: dict, tree_xy: np.ndarray) -> Schedule:
    from .patterns import gather
    from .water import coax_water

    timeline = cfg["timeline"]
    gatherings, water, hums, events = [], [], [], []
    for i, act in enumerate(timeline["acts"]):
        start, end = tl.act_span(act, timeline)
        events.append({"act": i, "kind": act["kind"], "event": "begin", "time": start})
        if act["kind"] == "gather_leaves":
            g = gather(act, i, start, end - start, cfg)
            gatherings.append(g)
            events += [{"act": i, "kind": act["kind"], "event": "leaf_lifted", "index": k, "time": float(t)}
                       for k, t in enumerate(g.lift)]
            events += [{"act": i, "kind": act["kind"], "event": "leaf_placed", "index": k, "time": float(t)}
                       for k, t in enumerate(g.land)]
        elif act["kind"] == "coax_water":
            s = coax_water(act, i, start, end - start, tree_xy, cfg)
            water.append(s)
            events += [{"act": i, "kind": act["kind"], "event": "stream_reaches_moat", "index": k,
                        "time": float(t)} for k, t in enumerate(s.arrive)]
        elif act["kind"] == "hum":
            hums.append((start, end, act["interval"]))
            events += [{"act": i, "kind": act["kind"], "event": "hum_ring", "index": k, "time": float(t)}
                       for k, t in enumerate(np.arange(start, end - HUM_PERIOD * 0.5, HUM_PERIOD))]
        events.append({"act": i, "kind": act["kind"], "event": "end", "time": end})
    events.sort(key=lambda e: (e["time"], e["act"], e.get("index", -1)))
    return Schedule(gatherings, water, hums, events)


def world_warmth(cfg: dict, seconds: np.ndarray, warmth: np.ndarray) -> np.ndarray:
    """How far the world's light has turned warm: through the response beat, with the heart (whole by the
    sanctuary)."""
    response = tl.beat(cfg["timeline"], "response")
    u = (np.asarray(seconds) - response.start + 0.15 * response.duration) / max(response.duration, 1e-6)
    return ease(u) * np.interp(seconds, np.arange(len(warmth)) / cfg["timeline"]["fps"], warmth)


DUSK = 0.2  # the sky's and the sun's light at the end of the sanctuary, against the day's
GLOOM = 1.0  # the day's light goes as (1 - frost) ** GLOOM: 0.32 of it at the panic (frost 0.68), 0.49 in the tending


def _sinking(cfg: dict, seconds: np.ndarray) -> np.ndarray:
    """0 until the middle of the response beat, easing to 1 at the middle of the sanctuary: the sun goes
    down as the warmth returns, and the sanctuary's beacon shot is at dusk."""
    timeline = cfg["timeline"]
    response, sanctuary = tl.beat(timeline, "response"), tl.beat(timeline, "sanctuary")
    a, b = response.start + 0.5 * response.duration, sanctuary.start + 0.5 * sanctuary.duration
    return ease((np.asarray(seconds) - a) / max(b - a, 1e-6))


def sun_elevation(cfg: dict, seconds: np.ndarray) -> np.ndarray:
    """The sun's elevation (deg): it holds, then sinks from the response into the sanctuary so the shadows
    grow long."""
    high = cfg["sky"]["sun_elevation"]
    low = min(high, 9.0)
    return high + (low - high) * _sinking(cfg, seconds)


def daylight(cfg: dict, seconds: np.ndarray, frost: np.ndarray | None = None) -> np.ndarray:
    """The sky's and the sun's strength (T,) against the preset's. As the heart is grasped the day darkens
    with the frost (frost: the heart's frost channel per film frame; LOOK.md: "near darkness around it" at
    the panic, small warm points returning in the tending), as (1 - frost) ** GLOOM; as the sun sinks it
    dims to DUSK, so the heart, a steady beacon, is the brightest thing in the clearing (LOOK.md: "the
    light sinks and shifts")."""
    day = 1.0 + (DUSK - 1.0) * _sinking(cfg, seconds)
    if frost is not None:
        day = day * (1.0 - np.interp(seconds, np.arange(len(frost)) / cfg["timeline"]["fps"], frost)) ** GLOOM
    return day
