"""The things Sanctuary does, as functions: the CLI and the add-on panel both call these.

Each job takes plain arguments, returns a plain dict (what it wrote, the
scene fingerprint, counts, per-stage timings) and raises ConfigError for bad
input before anything is written.
"""
from __future__ import annotations

import platform
import time
from pathlib import Path

import bpy

from . import __version__
from .blender import datablocks
from .blender.build import build_scene, describe
from .core import presets
from .core import timeline as tl
from .core.errors import ConfigError
from .core.shots import plan_shots
from .export.formats import export as export_scene
from .core.paths import export_format, writable_dir
from .render.batch import render_frames, stderr_log, write_json_atomic


def new_file() -> None:
    """An empty file to build into (headless runs start from Blender's default scene)."""
    bpy.ops.wm.read_homefile(use_empty=True, use_factory_startup=True)


def build(loaded: presets.Loaded, scene=None) -> dict:
    t0 = time.perf_counter()
    result = build_scene(loaded, scene)
    return {
        "preset": loaded.name,
        "preset_file": str(loaded.path),
        "preset_hash": loaded.digest(),
        "seed": loaded.data["seed"],
        "collection": result.collection,
        "fingerprint": result.fingerprint,
        "counts": result.counts,
        "timings": {**result.timings, "build_total": round(time.perf_counter() - t0, 4)},
    }


def save(out: str | Path, scene=None) -> list[str]:
    return export_scene(out, "blend", scene=scene)


def select_frames(cfg: dict, frames: str | None = None, shots=()) -> list[int]:
    """--frames wins; else every frame of the named shots; else one still per shot."""
    first, last = tl.frame_range(cfg["timeline"])
    if frames:
        try:
            return tl.parse_frames(frames, first, last)
        except ValueError as e:
            raise ConfigError("--frames", "", str(e)) from None
    plans = plan_shots(cfg)
    if shots:
        known = {p.name: p for p in plans}
        picked = []
        for name in shots:
            if name not in known:
                raise ConfigError("--shot", "", f"no shot named {name!r}; shots: {', '.join(known)}")
            picked += range(known[name].frame_start, known[name].frame_end + 1)
        return sorted(set(picked))
    return [(p.frame_start + p.frame_end) // 2 for p in plans]


def render(loaded: presets.Loaded, out_dir: str | Path, quality: str | None = None, frames: str | None = None,
           shots=(), quality_overrides=(), extra_dirs=(), log=stderr_log) -> dict:
    """Build and render frames into out_dir, with a manifest.json describing the run."""
    tier = presets.load_quality(quality or loaded.data["render"]["quality"], tuple(quality_overrides),
                                tuple(extra_dirs))
    picked = select_frames(loaded.data, frames, shots)
    out = writable_dir(out_dir)
    info = build(loaded)
    scene = bpy.context.scene
    t0 = time.perf_counter()
    report = render_frames(scene, picked, out, tier.data, log)
    info["timings"]["render"] = round(time.perf_counter() - t0, 3)
    manifest = {
        "sanctuary": __version__,
        "blender": bpy.app.version_string,
        "python": platform.python_version(),
        "preset": loaded.name,
        "preset_hash": loaded.digest(),
        "seed": loaded.data["seed"],
        "quality": tier.name,
        "quality_hash": tier.digest(),
        "fingerprint": info["fingerprint"],
        "frames": picked,
        "frame_seconds": {str(k): v for k, v in report.frame_seconds.items()},
    }
    manifest_path = out / "manifest.json"
    write_json_atomic(manifest_path, manifest)
    info["wrote"] = [str(out / name) for name in report.written] + [str(manifest_path)]
    info["skipped"] = [str(out / name) for name in report.skipped]
    info["quality"] = tier.name
    return info


def export(loaded: presets.Loaded, out: str | Path, fmt: str | None = None, frames: str | None = None) -> dict:
    fmt = export_format(out, fmt)
    span = None
    if frames:
        picked = select_frames(loaded.data, frames)
        if picked != list(range(picked[0], picked[-1] + 1)):
            raise ConfigError("--frames", "", "export needs one continuous range like 1-48")
        span = (picked[0], picked[-1])
    info = build(loaded)
    t0 = time.perf_counter()
    info["wrote"] = export_scene(out, fmt, span)
    info["timings"]["export"] = round(time.perf_counter() - t0, 3)
    info["format"] = fmt
    return info


def describe_open_scene(scene=None) -> dict | None:
    """Fingerprint and counts of the build in the open file (e.g. a loaded .blend)."""
    scene = scene or bpy.context.scene
    root = datablocks.current_root(scene)
    if root is None:
        return None
    result = describe(scene, root)
    return {"collection": result.collection, "fingerprint": result.fingerprint, "counts": result.counts}
