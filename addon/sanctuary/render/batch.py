"""Rendering frames to a folder, safely: each frame is written under a temporary
name and renamed, so a killed run never leaves a broken frame, and a re-run
skips the frames already there."""
from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import bpy

from .settings import apply_quality, frame_extension


@dataclass
class RenderReport:
    out_dir: str
    written: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    frame_seconds: dict[int, float] = field(default_factory=dict)


def frame_path(out_dir: Path, frame: int, ext: str) -> Path:
    return out_dir / f"frame_{frame:05d}{ext}"


def render_frames(scene, frames: list[int], out_dir: Path, quality: dict, log=None) -> RenderReport:
    apply_quality(scene, quality)
    ext = frame_extension(quality)
    report = RenderReport(str(out_dir))
    for i, frame in enumerate(frames):
        final = frame_path(out_dir, frame, ext)
        if final.exists() and final.stat().st_size > 0:
            report.skipped.append(final.name)
            continue
        t0 = time.perf_counter()
        scene.frame_set(frame)
        bpy.ops.render.render(scene=scene.name)
        tmp = final.with_name(f".{final.name}.part")
        bpy.data.images["Render Result"].save_render(filepath=str(tmp), scene=scene)
        os.replace(tmp, final)
        report.written.append(final.name)
        report.frame_seconds[frame] = round(time.perf_counter() - t0, 3)
        if log:
            log(f"frame {frame} ({i + 1}/{len(frames)}) {report.frame_seconds[frame]:.1f} s -> {final.name}")
    return report


def write_json_atomic(path: Path, data: dict) -> None:
    tmp = path.with_name(f".{path.name}.part")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    os.replace(tmp, path)


def stderr_log(line: str) -> None:
    print(line, file=sys.stderr, flush=True)
