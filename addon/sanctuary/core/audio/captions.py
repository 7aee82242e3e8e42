"""Captions: a line per beat (`captions.<beat>`), timed to where each beat's frames fall in the film,
as SubRip text (film.srt)."""
from __future__ import annotations

from ..story import timeline as tl


def srt(cfg: dict, frames: list[int]) -> str:
    """Captions per beat (`captions.<beat>`) over the film's frames, as SubRip text ("" if none)."""
    timeline, captions = cfg["timeline"], cfg["captions"]
    fps = timeline["fps"]
    first, _ = tl.frame_range(timeline)
    spans = tl.beat_spans(timeline)
    cues, current = [], None
    for i, f in enumerate(frames):
        t = (f - first) / fps
        beat = next((b.name for b in spans if b.start <= t < b.end), spans[-1].name)
        text = captions.get(beat, "")
        if current and current[2] == text and current[1] == i:
            current[1] = i + 1
            continue
        current = [i, i + 1, text]
        if text:
            cues.append(current)

    def stamp(index: int) -> str:
        ms = int(round(index / fps * 1000))
        h, rest = divmod(ms, 3600_000)
        m, rest = divmod(rest, 60_000)
        s, ms = divmod(rest, 1000)
        return f"{h:02d}:{m:02d}:{s:02d},{ms:03d}"

    return "".join(f"{n}\n{stamp(a)} --> {stamp(b)}\n{text}\n\n" for n, (a, b, text) in enumerate(cues, 1))
