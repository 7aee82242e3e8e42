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
from .blender import compat, datablocks
from .blender.build import build_scene, describe, retime_scene
from .core import presets, sound
from .core import timeline as tl
from .core.errors import ConfigError
from .core.selection import select_chunk, select_frames, sheet_stills
from .core.shots import plan_shots
from .export.formats import export as export_scene
from .core.paths import export_format, writable_dir
from .core.progress import Progress
from .render.batch import (LOG_NAME, chatter_to, frame_path, is_complete, read_json, render_frames, write_atomic,
                           write_json_atomic)
from .render.film import contact_sheet, encode_mp4
from .render.settings import apply_quality, frame_extension

FILM_NAME = "film.mp4"
SOUND_NAME = "film.wav"
CAPTIONS_NAME = "film.srt"
SHEET_NAME = "contact_sheet.png"


def new_file() -> None:
    """An empty file to build into (headless runs start from Blender's default scene)."""
    bpy.ops.wm.read_homefile(use_empty=True, use_factory_startup=True)


def build(loaded: presets.Loaded, scene=None, on_stage=None) -> dict:
    t0 = time.perf_counter()
    result = build_scene(loaded, scene, on_stage)
    return _describe_build(loaded, result, t0)


def retime(loaded: presets.Loaded, scene=None, on_stage=None) -> dict:
    """Apply the preset's timeline to the built scene without growing the forest again."""
    t0 = time.perf_counter()
    result, warnings = retime_scene(loaded, scene, on_stage)
    return {**_describe_build(loaded, result, t0), "warnings": warnings}


def _describe_build(loaded: presets.Loaded, result, t0: float) -> dict:
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


def _check_folder(out: Path, manifest: dict) -> None:
    """Frames in the folder must come from the same scene and tier, or resuming would mix two films."""
    for path in sorted(out.glob("manifest*.json")):
        old = read_json(path) or {}
        for key in ("fingerprint", "quality_hash"):
            if old.get(key, manifest[key]) != manifest[key]:
                raise ConfigError("--out", "", f"{out} holds frames of another render ({path.name}: preset "
                                  f"{old.get('preset')!r}, seed {old.get('seed')}, quality {old.get('quality')!r}); "
                                  "choose another folder or empty it")


def _make_film(scene, cfg: dict, quality: dict, out: Path, frames: list[int]) -> tuple[list[str], dict]:
    """The MP4 of the frames, in order, with the soundtrack (film.wav) and captions (film.srt);
    the contact sheet of one still per shot. Returns what it wrote and the manifest's additions."""
    ext, size = frame_extension(quality), tuple(quality["resolution"])
    wrote, made = [], {"film": FILM_NAME, "contact_sheet": SHEET_NAME}
    audio = None
    if cfg["sound"]["enabled"]:
        s = cfg["sound"]
        first, _ = tl.frame_range(cfg["timeline"])
        track = sound.film_audio(sound.synthesize(cfg), frames, first, cfg["timeline"]["fps"], s["loudness"])
        audio = write_atomic(out / SOUND_NAME, sound.wav_bytes(track, s["bit_depth"]))
        wrote.append(str(audio))
        made["soundtrack"] = {"file": SOUND_NAME, "bits": s["bit_depth"], "rate": sound.RATE,
                              "loudness_lufs": round(sound.loudness(track), 2),
                              "peak_dbfs": round(sound.peak_db(track), 2), "in_film": compat.has_audio()}
    film = encode_mp4(scene, [frame_path(out, f, ext) for f in frames], out / FILM_NAME, size, audio)
    captions = sound.srt(cfg, frames)
    if captions:
        wrote.append(str(write_atomic(out / CAPTIONS_NAME, captions.encode("utf-8"))))
        made["captions"] = CAPTIONS_NAME
    # A re-render without sound or captions leaves none of an earlier render's beside the new film.
    for name, made_now in ((SOUND_NAME, audio is not None), (CAPTIONS_NAME, bool(captions))):
        if not made_now:
            (out / name).unlink(missing_ok=True)
    stills = [(label, frame_path(out, f, ext)) for label, f in sheet_stills(plan_shots(cfg), frames)]
    sheet = contact_sheet(scene, stills, out / SHEET_NAME, size)
    return [str(film), *wrote, str(sheet)], made


def render(loaded: presets.Loaded, out_dir: str | Path, quality: str | None = None, frames: str | None = None,
           shots=(), chunk: str | None = None, quality_overrides=(), extra_dirs=(), progress_stream=None,
           should_stop=lambda: False) -> dict:
    """Build and render frames into out_dir; then the film (MP4), the contact sheet and manifest.json.

    Resumable: frames already complete are skipped. With a chunk, only that
    slice is rendered; the film and sheet are made by whichever run finds every
    frame of the whole selection complete.
    """
    tier = presets.load_quality(quality or loaded.data["render"]["quality"], tuple(quality_overrides),
                                tuple(extra_dirs))
    selection = select_frames(loaded.data, frames, shots)
    picked = select_chunk(selection, chunk)
    out = writable_dir(out_dir)
    info = build(loaded)
    scene = bpy.context.scene
    manifest_name = "manifest.json" if not chunk else "manifest.chunk-{}-of-{}.json".format(*tl.parse_chunk(chunk))
    manifest = {
        "sanctuary": __version__,
        "blender": bpy.app.version_string,
        "python": platform.python_version(),
        "preset": loaded.name,
        "preset_file": str(loaded.path),
        "preset_hash": loaded.digest(),
        "seed": loaded.data["seed"],
        "quality": tier.name,
        "quality_hash": tier.digest(),
        "resolution": list(tier.data["resolution"]),
        "fps": loaded.data["timeline"]["fps"],
        "fingerprint": info["fingerprint"],
        "selection": selection,
        "chunk": chunk,
        "frames": picked,
    }
    _check_folder(out, manifest)
    with chatter_to(out / LOG_NAME) as terminal:
        stream = progress_stream or terminal
        t0 = time.perf_counter()
        report = render_frames(scene, picked, out, tier.data, Progress(len(picked), stream), should_stop)
        info["timings"]["render"] = round(time.perf_counter() - t0, 3)
        earlier = (read_json(out / manifest_name) or {}).get("frame_seconds", {})
        times = {**earlier, **{str(k): v for k, v in report.frame_seconds.items()}}
        mine = set(picked)
        manifest["frame_seconds"] = {k: times[k] for k in sorted(times, key=int) if int(k) in mine}
        rendered = list(manifest["frame_seconds"].values())
        manifest["mean_frame_seconds"] = round(sum(rendered) / len(rendered), 3) if rendered else None

        ext = frame_extension(tier.data)
        done = [f for f in selection if is_complete(frame_path(out, f, ext))]
        wrote = [str(out / name) for name in report.written]
        if done == selection and not should_stop():
            t1 = time.perf_counter()
            films, made = _make_film(scene, loaded.data, tier.data, out, done)
            wrote += films
            manifest.update(made)
            if not made.get("soundtrack", {}).get("in_film", True):
                print(f"render: this Blender was built without audio (Audaspace): {SOUND_NAME} is beside "
                      f"{FILM_NAME}, not in it", file=stream, flush=True)
            info["timings"]["film"] = round(time.perf_counter() - t1, 3)
        else:
            print(f"render: {len(selection) - len(done)} frame(s) of the selection still to render; "
                  "the film and contact sheet are made once all are done", file=stream, flush=True)
    manifest_path = out / manifest_name
    write_json_atomic(manifest_path, manifest)
    info["wrote"] = wrote + [str(manifest_path)]
    info["skipped"] = [str(out / name) for name in report.skipped]
    info["quality"] = tier.name
    info["frames"] = picked
    info["complete"] = done == selection
    return info


def export(loaded: presets.Loaded, out: str | Path, fmt: str | None = None, frames: str | None = None) -> dict:
    fmt = export_format(out, fmt)
    span = None
    if frames:
        picked = select_frames(loaded.data, frames)
        if picked != list(range(picked[0], picked[-1] + 1)):
            raise ConfigError("--frames", "", "export needs one continuous range like 1-48")
        span = (picked[0], picked[-1])
    tier = presets.load_quality(loaded.data["render"]["quality"]) if fmt == "blend" else None
    info = build(loaded)
    t0 = time.perf_counter()
    if tier is not None:
        # Farm-ready: `blender -b scene.blend -a` (or -f N) renders at the preset's tier,
        # frames next to the file, with no add-on installed.
        scene = bpy.context.scene
        apply_quality(scene, tier.data)
        scene.render.filepath = "//render/frame_#####"
        scene.render.use_file_extension = True
        info["quality"] = tier.name
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
