"""Progress of a batch of frames: a bar on a terminal, plain lines in a log."""
from __future__ import annotations

import re
import time
from typing import Callable, TextIO


def clock(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def status(done: int, total: int, per_frame: float | None, width: int = 24) -> str:
    """'[#######.........] 12/40 frames  4.6 s/frame  ETA 2:09'"""
    filled = round(width * done / total) if total else width
    rate = f"{per_frame:.1f} s/frame" if per_frame else "-- s/frame"
    eta = clock(per_frame * (total - done)) if per_frame else "--:--"
    return f"[{'#' * filled}{'.' * (width - filled)}] {done}/{total} frames  {rate}  ETA {eta}"


class Progress:
    """Reports each finished frame; on a terminal it redraws one line in place.

    The time per frame is the mean over frames rendered in this run (skipped
    frames of a resumed run cost nothing and are not counted).
    """

    def __init__(self, total: int, stream: TextIO, label: str = "render",
                 now: Callable[[], float] = time.perf_counter):
        self.total, self.stream, self.label, self.now = total, stream, label, now
        self.done = 0
        self.rendered_seconds = 0.0
        self.rendered = 0
        self.tty = bool(getattr(stream, "isatty", lambda: False)())

    def frame(self, frame: int, seconds: float | None) -> None:
        """One frame finished: seconds it took, or None when it was already there."""
        self.done += 1
        if seconds is not None:
            self.rendered += 1
            self.rendered_seconds += seconds
        per = self.rendered_seconds / self.rendered if self.rendered else None
        line = status(self.done, self.total, per)
        if self.tty:
            end = "\n" if self.done == self.total else ""
            self.stream.write(f"\r{self.label} {line}{end}")
        else:
            what = "skipped (already there)" if seconds is None else f"{seconds:.1f} s"
            self.stream.write(f"{self.label} frame {frame}: {what}  {line}\n")
        self.stream.flush()


STATUS = re.compile(r"\] (\d+)/(\d+) frames\s+(.*?)\s*$")


def parse_status(line: str) -> tuple[int, int, str] | None:
    """(done, total, "4.6 s/frame  ETA 2:09") from a progress line, for a parent watching a render."""
    m = STATUS.search(line)
    return (int(m[1]), int(m[2]), m[3]) if m else None
