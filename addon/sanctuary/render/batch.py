"""Rendering frames to a folder, safely: each frame is written under a temporary
name, checked and renamed (files.finish), so a killed run or a full disk never
leaves a broken frame under a frame's name, and a re-run skips the frames that
are there and whole. Processes sharing a folder claim each frame before they
render it."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import bpy

from .. import files
from ..files import frame_extension, frame_path
from ..jobs.progress import Progress
from .settings import apply_quality, cull_leaves_for


@dataclass
class RenderReport:
    out_dir: str
    written: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    frame_seconds: dict[int, float] = field(default_factory=dict)
    claimed: list[str] = field(default_factory=list)  # being rendered by another process


def claim_path(out_dir: Path, frame: int) -> Path:
    """The claim a process holds while it renders a frame, so no other renders it at the same time."""
    return Path(out_dir) / f".frame_{frame:05d}.claim"


def render_frames(scene, frames: list[int], out_dir: Path, quality: dict, progress: Progress | None = None,
                  should_stop=lambda: False, on_frame=lambda frame, seconds: None) -> RenderReport:
    """Render frames into out_dir, each written whole or not at all (files.finish).

    A frame that is already there and whole is skipped; one that is there but
    broken is rendered again. A frame another live process has claimed is left
    to it (report.claimed). on_frame(frame, seconds) runs after each frame is in
    place. Raises WriteError when a frame cannot be written whole.
    """
    files.sweep_parts(out_dir)  # left by renders killed mid-frame
    apply_quality(scene, quality)
    ext = frame_extension(quality)
    report = RenderReport(str(out_dir))
    try:
        for frame in frames:
            if should_stop():
                break
            final = frame_path(out_dir, frame, ext)
            if files.is_whole(final):
                report.skipped.append(final.name)
                if progress:
                    progress.frame(frame, None)
                continue
            with files.Claim(claim_path(out_dir, frame)) as claim:
                if not claim.acquire():
                    report.claimed.append(final.name)
                    continue
                final.unlink(missing_ok=True)  # a broken frame (cut short before this check existed)
                t0 = time.perf_counter()
                set_frame(scene, frame, quality)
                bpy.ops.render.render(scene=scene.name)
                tmp = files.part_path(final)
                try:
                    bpy.data.images["Render Result"].save_render(filepath=str(tmp), scene=scene)
                except RuntimeError as e:  # Blender could not write it: finish says why
                    files.finish(tmp, final, detail=str(e))
                files.finish(tmp, final)
            report.written.append(final.name)
            report.frame_seconds[frame] = round(time.perf_counter() - t0, 3)
            on_frame(frame, report.frame_seconds[frame])
            if progress:
                progress.frame(frame, report.frame_seconds[frame])
    finally:
        cull_leaves_for(scene, quality)  # every camera's cone again: the scene renders right from any shot
    return report


def set_frame(scene, frame: int, quality: dict) -> None:
    """Go to frame with the leaves culled to that frame's own camera (markers bind it), as the batch
    renders each frame (render.settings.cull_leaves_for)."""
    scene.frame_set(frame)
    cull_leaves_for(scene, quality, [scene.camera])
