"""Rendering frames to a folder, safely: each frame is written under a temporary
name and renamed, so a killed run never leaves a broken frame, and a re-run
skips the frames already there."""
from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import bpy

from ..core.progress import Progress
from .settings import apply_quality, frame_extension

LOG_NAME = "render.log"


@dataclass
class RenderReport:
    out_dir: str
    written: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    frame_seconds: dict[int, float] = field(default_factory=dict)


def frame_path(out_dir: Path, frame: int, ext: str) -> Path:
    return out_dir / f"frame_{frame:05d}{ext}"


def is_complete(path: Path) -> bool:
    """Frames only ever appear by rename, so an existing, non-empty file is a finished frame."""
    return path.is_file() and path.stat().st_size > 0


@contextlib.contextmanager
def chatter_to(log: Path):
    """Send Blender's chatter (C printf and log lines on fds 1 and 2) to a log file,
    and yield a text stream on the real stderr for the progress bar."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = {fd: os.dup(fd) for fd in (1, 2)}
    terminal = os.fdopen(os.dup(saved[2]), "w")
    with open(log, "a") as f:
        for fd in (1, 2):
            os.dup2(f.fileno(), fd)
        try:
            yield terminal
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            for fd, copy in saved.items():
                os.dup2(copy, fd)
                os.close(copy)
            terminal.close()


def part_path(path: Path, pid: int | None = None) -> Path:
    """The hidden name a file is written under before it is renamed: ".film.1234.part.mp4".

    The writer's process id is in it, so a cancelled render's leftovers can be
    told from the work of a render running beside it in the same folder.
    """
    return path.with_name(f".{path.stem}.{os.getpid() if pid is None else pid}.part{path.suffix}")


def remove_partials(out_dir: Path, pid: int | None = None, frames=()) -> None:
    """Half-written files are never results: those of process pid, and any of these frames
    (a chunk owns its frames: no other render writes them)."""
    out_dir = Path(out_dir)
    stale = list(out_dir.glob(f".*.{pid}.part*")) if pid is not None else []
    for name in {frame_path(out_dir, f, "").name for f in frames}:
        stale += out_dir.glob(f".{name}.*.part*")
    for tmp in stale:
        tmp.unlink(missing_ok=True)


def render_frames(scene, frames: list[int], out_dir: Path, quality: dict, progress: Progress | None = None,
                  should_stop=lambda: False) -> RenderReport:
    remove_partials(out_dir, frames=frames)  # left by a render killed mid-frame
    apply_quality(scene, quality)
    ext = frame_extension(quality)
    report = RenderReport(str(out_dir))
    for frame in frames:
        if should_stop():
            break
        final = frame_path(out_dir, frame, ext)
        if is_complete(final):
            report.skipped.append(final.name)
            if progress:
                progress.frame(frame, None)
            continue
        t0 = time.perf_counter()
        scene.frame_set(frame)
        bpy.ops.render.render(scene=scene.name)
        tmp = part_path(final)
        bpy.data.images["Render Result"].save_render(filepath=str(tmp), scene=scene)
        os.replace(tmp, final)
        report.written.append(final.name)
        report.frame_seconds[frame] = round(time.perf_counter() - t0, 3)
        if progress:
            progress.frame(frame, report.frame_seconds[frame])
    return report


def read_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def write_atomic(path: Path, data: bytes) -> Path:
    """Written under a hidden temporary name, then renamed: never half a file under the real name."""
    tmp = part_path(path)
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return path


def write_json_atomic(path: Path, data: dict) -> None:
    write_atomic(path, (json.dumps(data, indent=2, sort_keys=True) + "\n").encode())
