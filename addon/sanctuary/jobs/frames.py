"""Which frames a render covers: frames given, shots given, or the trailer; a chunk of them; and
the stills of the contact sheet."""
from __future__ import annotations

import difflib

from ..config.errors import ConfigError, Source
from ..core.plan import ScenePlan
from ..core.story import timeline as tl
from ..core.story.shots import ShotPlan


def select_frames(plan: ScenePlan, frames: str | None = None, shots=()) -> list[int]:
    """Frames given ("1-48,60") win; else every frame of the named shots; else the trailer:
    `render.trailer_frames` from the middle of each shot (one still each if 0).
    Raises ConfigError (Source.FRAMES, Source.SHOTS) for frames or shots the film does not have."""
    cfg = plan.cfg
    first, last = plan.frames
    if frames:
        try:
            return tl.parse_frames(frames, first, last)
        except ValueError as e:
            raise ConfigError(Source.FRAMES, "", str(e)) from None
    plans = plan.shots
    if shots:
        known = {p.name: p for p in plans}
        picked = []
        for name in shots:
            if name not in known:
                close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
                hint = f"did you mean {close[0]!r}? " if close else ""
                raise ConfigError(Source.SHOTS, "", f"no shot named {name!r}; {hint}shots: {', '.join(known)}")
            picked += range(known[name].frame_start, known[name].frame_end + 1)
        return sorted(set(picked))
    n = max(1, cfg["render"]["trailer_frames"])
    picked = []
    for p in plans:
        start = max(p.frame_start, (p.frame_start + p.frame_end) // 2 - n // 2)
        picked += range(start, min(p.frame_end, start + n - 1) + 1)
    return sorted(set(picked))


def select_chunk(frames: list[int], spec: str | None) -> list[int]:
    """This run's share of the job's frames: all of them (no spec); "I/N", the I-th of N equal slices;
    or frames given as a range like "13-24" (a farm's task: "1-3,7" too), which must all be frames of
    the job. Raises ConfigError (Source.CHUNK)."""
    if not spec:
        return frames
    if "/" in spec:
        try:
            i, n = tl.parse_chunk(spec)
        except ValueError as e:
            raise ConfigError(Source.CHUNK, "", str(e)) from None
        return tl.chunk(frames, i, n)
    try:
        listed = tl.parse_frames(spec, 0, 10**9)
    except ValueError:
        raise ConfigError(Source.CHUNK, "", f"expected I/N like 2/8, or frames of the job like 13-24, "
                                            f"found {spec!r}") from None
    outside = sorted(set(listed) - set(frames))
    if outside:
        raise ConfigError(Source.CHUNK, "", f"frames {frame_ranges(outside)} are not frames of this job "
                                            f"({frame_ranges(frames)})")
    return listed


def chunk_label(spec: str | None, picked: list[int]) -> str | None:
    """How a chunk names its manifest (manifest.chunk-LABEL.json): "3-of-8" for 3/8, the frames for a
    range ("13-24"; "1-3_7" for 1-3,7); None for the whole job."""
    if not spec:
        return None
    if "/" in spec:
        return "{}-of-{}".format(*tl.parse_chunk(spec))
    return frame_ranges(picked).replace(",", "_")


def sheet_stills(plans: list[ShotPlan], frames: list[int]) -> list[tuple[str, int]]:
    """Per shot, the frame nearest its middle among those rendered: (label, frame)."""
    out = []
    for p in plans:
        inside = [f for f in frames if p.frame_start <= f <= p.frame_end]
        if inside:
            mid = (p.frame_start + p.frame_end) / 2
            f = min(inside, key=lambda x: (abs(x - mid), x))
            out.append((f"{p.name}   frame {f}", f))
    return out


def frame_ranges(frames: list[int]) -> str:
    """[1, 2, 3, 7, 9, 10] -> "1-3,7,9-10": frames as --frames takes them."""
    parts, frames = [], sorted(frames)
    i = 0
    while i < len(frames):
        j = i
        while j + 1 < len(frames) and frames[j + 1] == frames[j] + 1:
            j += 1
        parts.append(str(frames[i]) if i == j else f"{frames[i]}-{frames[j]}")
        i = j + 1
    return ",".join(parts) or "none"
