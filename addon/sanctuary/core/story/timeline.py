"""The film's clock: beats in story order, their spans, seconds <-> frames.

Times in presets are seconds or beat references: "approach" (the start of the
beat when used as a start, its end when used as an end) or "approach+2.5"
(2.5 s after the beat starts). Everything that is timed resolves through here,
so changing a beat's duration moves every act, shot and marker with it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

BEATS = ("forest", "discovery", "approach", "panic", "realization", "tending", "response", "sanctuary")

TIME_REF = re.compile(r"(?P<beat>[a-z_]+)(?P<offset>[+-]\d+(?:\.\d+)?)?")


@dataclass(frozen=True)
class Span:
    name: str
    start: float  # seconds from the start of the film
    end: float

    @property
    def duration(self) -> float:
        return self.end - self.start


def beat_spans(timeline: dict) -> list[Span]:
    """Beats laid end to end in story order."""
    spans, t = [], 0.0
    for name in BEATS:
        d = float(timeline["beats"][name])
        spans.append(Span(name, t, t + d))
        t += d
    return spans


def beat(timeline: dict, name: str) -> Span:
    """One beat's span, by name."""
    return next(s for s in beat_spans(timeline) if s.name == name)


def film_seconds(timeline: dict) -> float:
    return beat_spans(timeline)[-1].end


def resolve(ref: str | float, timeline: dict, role: str = "start") -> float:
    """Seconds for a time reference; role "end" makes a bare beat mean its end."""
    if not isinstance(ref, str):
        return float(ref)
    m = TIME_REF.fullmatch(ref)
    if not m or m["beat"] not in BEATS:
        raise ValueError(f"not a time reference: {ref!r}")
    span = beat(timeline, m["beat"])
    if m["offset"] is None:
        return span.end if role == "end" else span.start
    return span.start + float(m["offset"])


def act_span(act: dict, timeline: dict) -> tuple[float, float]:
    """An act's (start, end) in film seconds; acts are anchored to their beat."""
    start = beat(timeline, act["beat"]).start + act["start"]
    return start, start + act["duration"]


def to_frame(seconds: float, fps: int) -> int:
    """Frame number of a time; frame 1 is t = 0 (Blender's default start)."""
    return 1 + int(round(seconds * fps))


def frame_at(seconds, fps: int):
    """The (fractional) frame of a time, for keyframes between frames; frame 1 is t = 0."""
    return 1.0 + np.asarray(seconds, dtype=np.float64) * fps


def frame_range(timeline: dict) -> tuple[int, int]:
    """First and last frame of the whole film."""
    fps = timeline["fps"]
    return 1, to_frame(film_seconds(timeline), fps) - 1


def parse_frames(text: str, first: int, last: int) -> list[int]:
    """"12", "1-48" or "1-10,20,30-32" -> sorted unique frames, each within first..last."""
    frames: set[int] = set()
    for part in text.replace(" ", "").split(","):
        m = re.fullmatch(r"(\d+)(?:-(\d+))?", part)
        if not m:
            raise ValueError(f"expected frames like 1-48 or 1,5,9, found {text!r}")
        a, b = int(m[1]), int(m[2] or m[1])
        if a > b:
            raise ValueError(f"range {part} runs backwards")
        if a < first or b > last:
            raise ValueError(f"frames {part} fall outside the film's {first}-{last}")
        frames.update(range(a, b + 1))
    return sorted(frames)


def parse_chunk(text: str) -> tuple[int, int]:
    """"3/8" -> (3, 8): the third of eight slices, counting from 1."""
    m = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
    if not m:
        raise ValueError(f"expected I/N like 2/8, found {text!r}")
    i, n = int(m[1]), int(m[2])
    if n < 1 or not 1 <= i <= n:
        raise ValueError(f"chunk {text!r}: I must be in 1..N and N at least 1")
    return i, n


def chunk(frames: list[int], i: int, n: int) -> list[int]:
    """The i-th (1-based) of n contiguous slices of frames, sizes differing by at most one.

    Every frame lands in exactly one slice; a slice may be empty when n exceeds
    the number of frames.
    """
    size, extra = divmod(len(frames), n)
    start = (i - 1) * size + min(i - 1, extra)
    return frames[start:start + size + (1 if i <= extra else 0)]
