"""Progress of a job on the terminal (a bar redrawn in place) or in a log (plain lines): the frames of a
render, and the steps around them (build stages, soundtrack, encoding, contact sheet)."""
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


class Steps:
    """The steps of a job that are not frames: `begin` says what starts, `count` how far a counted step
    has come (with an ETA), `end` what it took. On a terminal a counted step redraws its line."""

    def __init__(self, stream: TextIO | None, label: str, now: Callable[[], float] = time.perf_counter):
        self.stream, self.label, self.now = stream, label, now
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self.started = now()
        self._open = False  # a redrawn line not yet ended

    def _write(self, text: str, redraw: bool = False) -> None:
        if self.stream is None:
            return
        if self.tty and redraw:
            self.stream.write(f"\r{text}\033[K")
            self._open = True
        else:
            self.stream.write(("\n" if self._open else "") + text + "\n")
            self._open = False
        self.stream.flush()

    def begin(self, what: str) -> None:
        self.started = self.now()
        self._write(f"{self.label}: {what}")

    def count(self, what: str, done: int, total: int, width: int = 24, eta: bool = True) -> None:
        """A step with a count (stage 3 of 11, frame 40 of 96): a bar, and an ETA from the pace so far
        (where steps take alike; not for a build's stages)."""
        elapsed = self.now() - self.started
        filled = round(width * done / total) if total else width
        eta = f"  ETA {clock(elapsed / done * (total - done))}" if eta and 0 < done < total else ""
        line = f"{self.label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total} {what}{eta}"
        if self.tty:
            self._write(line, redraw=done < total)
        elif done in (1, total) or done % max(1, total // 10) == 0:  # a log gets about ten lines
            self._write(line)

    def end(self, what: str) -> None:
        self._write(f"{self.label}: {what} in {self.now() - self.started:.1f} s")


STATUS = re.compile(r"\] (\d+)/(\d+) frames\s+(.*?)\s*$")


def parse_status(line: str) -> tuple[int, int, str] | None:
    """(done, total, "4.6 s/frame  ETA 2:09") from a progress line, for a parent watching a render."""
    m = STATUS.search(line)
    return (int(m[1]), int(m[2]), m[3]) if m else None
