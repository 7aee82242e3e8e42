"""The things Sanctuary does, as functions: the CLI and the add-on panel both call these.

A job is planned, then run. Planning (`plan_render`, `plan_export`,
`plan_build`) checks every argument and works out frames, folders and files
without Blender, so bad input fails at once (ConfigError) and `--dry-run` can
say what a run would do; running imports bpy. Jobs return plain dicts (what
was written, the scene fingerprint, counts, per-stage timings), write every
result whole or not at all (WriteError), and stop at their next safe point
when `should_stop()` turns true (raising Interrupted, or, for a render, after
the frame in flight).
"""
from __future__ import annotations

import contextlib
import os
import platform
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from .. import __version__, files
from ..config import presets
from ..config.errors import ConfigError, Source
from ..core.audio import captions, mastering, soundscape
from ..core.plan import ScenePlan
from ..core.story import timeline as tl
from ..files import LOG_NAME, WriteError, chatter_to, frame_extension, frame_path, read_json
from .frames import chunk_label, frame_ranges, select_chunk, select_frames, sheet_stills
from .paths import check_export_profile, creatable_dir, export_format, writable_dir, writable_file
from .progress import Progress, Steps

__all__ = ["ConfigError", "WriteError", "Interrupted", "ScenePlan",  # what the doors catch and hold
           "FarmPlan", "plan_farm_job", "write_farm_job"]

FILM_NAME = "film.mp4"
SOUND_NAME = "film.wav"
CAPTIONS_NAME = "film.srt"
SHEET_NAME = "contact_sheet.png"
STAMP_NAME = "sanctuary_job.json"  # which render a folder belongs to, written before its first frame
FILM_LOCK = "film.lock"  # held by the one process making the film and sheet
SCENE_FILE = "scene.blend"  # the farm-ready scene a farm job's scene step leaves in the folder
SCENE_MANIFEST = "manifest.scene.json"  # what the scene step did: fingerprint, timings, peak memory
# A farm job's steps (`render --step`): the scene built once, the frames (chunks) rendered from it, the film.
STEPS = {"scene": "build the scene once, stamp the folder and save it as scene.blend (no frames)",
         "frames": "render the frames (or --chunk) from that scene.blend, leaving the film to the film step",
         "film": "make the film, contact sheet and manifest.json once every frame is there"}


class Interrupted(KeyboardInterrupt):
    """The job was asked to stop (Ctrl-C) and stopped at a safe point; nothing broken was left."""


def _checkpoint(should_stop) -> None:
    if should_stop():
        raise Interrupted()


def _never() -> bool:
    return False


# --- building ---------------------------------------------------------------------------------

def new_file() -> None:
    """An empty file to build into (headless runs start from Blender's default scene)."""
    import bpy

    bpy.ops.wm.read_homefile(use_empty=True, use_factory_startup=True)


def _stages(on_stage, steps: Steps | None, should_stop):
    """The build's hook: the stop checkpoint, the progress line, and the caller's on_stage(name, done, total)."""
    from ..blender.build import STAGE_NAMES

    def hook(stage: str) -> None:
        _checkpoint(should_stop)
        done = STAGE_NAMES.index(stage) + 1 if stage in STAGE_NAMES else 0
        if steps is not None and done:
            steps.count(stage, done, len(STAGE_NAMES), eta=False)
        if on_stage is not None:
            on_stage(stage, done, len(STAGE_NAMES))
    return hook


def build(loaded: presets.Loaded, scene=None, on_stage=None, steps: Steps | None = None,
          should_stop=_never, plan: ScenePlan | None = None) -> dict:
    """Build the scene into the open file (replacing an earlier build; a failure changes nothing).

    plan: the job's plan of the scene, when it has one (so what the build works
    out, the forest above all, is worked out once); else one is made.
    on_stage(name, done, total) is called as each stage begins.
    """
    from ..blender.build import build_scene

    t0 = time.perf_counter()
    result = build_scene(plan or ScenePlan(loaded.data), scene, _stages(on_stage, steps, should_stop))
    return _describe_build(loaded, result, t0)


def retime(loaded: presets.Loaded, scene=None, on_stage=None) -> dict:
    """Apply the preset's timeline to the built scene without growing the forest again."""
    from ..blender.build import retime_scene

    t0 = time.perf_counter()
    result, warnings = retime_scene(loaded.data, scene, _stages(on_stage, None, _never))
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
    from ..export.formats import export as export_scene

    return export_scene(out, "blend", scene=scene)


@contextlib.contextmanager
def blender_messages(out: Path):
    """Blender's own messages (its exporters' chatter and tracebacks) go to a log beside the output while a
    build or export runs, so the terminal keeps Sanctuary's lines; yields the terminal for them. The log is
    kept, as OUT.log, only if the job fails; a WriteError then says where it is."""
    out = Path(out)
    log, kept = files.part_path(out.with_name(out.name + ".log")), out.with_name(out.name + ".log")
    try:
        with chatter_to(log) as terminal:
            yield terminal
        kept.unlink(missing_ok=True)  # an earlier failure's log: this run succeeded
    except WriteError as e:
        raise WriteError(e.path, f"{e.cause}; Blender's messages are in {_keep(log, kept)}") from None
    except Interrupted:
        raise
    except BaseException:
        _keep(log, kept)
        raise
    finally:
        log.unlink(missing_ok=True)


def _keep(log: Path, kept: Path) -> Path:
    try:
        os.replace(log, kept)
    except OSError:
        pass
    return kept


@dataclass
class BuildPlan:
    loaded: presets.Loaded
    out: Path

    def summary(self) -> dict:
        return {"preset": self.loaded.name, "seed": self.loaded.data["seed"], "out": str(self.out)}


def plan_build(loaded: presets.Loaded, out: str | Path) -> BuildPlan:
    return BuildPlan(loaded, writable_file(out, ".blend"))


def build_file(plan: BuildPlan, should_stop=_never) -> dict:
    """Build the scene and save it as a .blend (whole, or not at all)."""
    with blender_messages(plan.out) as terminal:
        steps = Steps(terminal, "build")
        info = build(plan.loaded, steps=steps, should_stop=should_stop)
        _checkpoint(should_stop)
        t0 = time.perf_counter()
        steps.begin(f"saving {plan.out.name}")
        info["wrote"] = save(plan.out)
        steps.end(f"saved {plan.out.name}")
    info["timings"]["save"] = round(time.perf_counter() - t0, 3)
    return info


# --- rendering --------------------------------------------------------------------------------

@dataclass
class RenderPlan:
    """What a render will do, worked out without Blender."""

    loaded: presets.Loaded
    scene: ScenePlan  # worked out once: the frames, the build and the soundtrack read it
    tier: presets.Loaded
    selection: list[int]  # every frame of the job (all chunks)
    picked: list[int]  # this run's frames
    out: Path
    chunk: str | None
    job: dict = field(default_factory=dict)  # the folder's stamp, before the build adds the fingerprint
    step: str | None = None  # one step of a farm job (STEPS), or None: the whole render in one run

    def summary(self) -> dict:
        """For --dry-run: the frames, the tier and what the render would cost here."""
        q = self.tier.data
        hint = q.get("frame_seconds", 0.0)
        return {"preset": self.loaded.name, "seed": self.loaded.data["seed"], "quality": self.tier.name,
                "resolution": list(q["resolution"]), "samples": q["samples"], "out": str(self.out),
                "frames": self.picked, "frame_ranges": frame_ranges(self.picked), "chunk": self.chunk,
                "film_frames": len(self.selection), "step": self.step,
                "estimate_seconds": round(hint * len(self.picked)) if hint else None}


def plan_render(loaded: presets.Loaded, out_dir: str | Path, quality: str | None = None,
                frames: str | None = None, shots=(), chunk: str | None = None, quality_overrides=(),
                extra_dirs=(), step: str | None = None) -> RenderPlan:
    """Check a render's arguments and its folder (ConfigError, exit 2) and work out its frames.

    step: one step of a farm job (STEPS). "scene" renders no frame; "frames" (with or without a chunk)
    and "film" need the folder prepared by the scene step: its stamp and scene.blend; "film" needs
    every frame of the job there too. Each step checks the folder is this render's before it starts."""
    if step is not None and step not in STEPS:
        raise ConfigError(Source.ARGUMENTS, "step", f"expected one of {', '.join(STEPS)}, found {step!r}")
    tier = presets.load_quality(quality or loaded.data["render"]["quality"], tuple(quality_overrides),
                                tuple(extra_dirs))
    scene = ScenePlan(loaded.data)
    selection = select_frames(scene, frames, shots)
    if chunk and step in ("scene", "film"):
        raise ConfigError(Source.CHUNK, "", f"the {step} step covers the whole job; chunks are for --step frames")
    picked = [] if step == "scene" else select_chunk(selection, chunk)
    out = creatable_dir(out_dir)
    job = {"preset": loaded.name, "picture_hash": loaded.picture_digest(), "seed": loaded.data["seed"],
           "quality": tier.name, "quality_hash": tier.digest(), "frames": selection}
    if out.is_dir():
        _claim_folder(out, job)  # another render's folder is refused before anything is built
    if step in ("frames", "film"):
        _check_prepared(out)
    if step == "film":
        ext = frame_extension(tier.data)
        missing = [f for f in selection if not frame_path(out, f, ext).is_file()]
        if missing:
            raise ConfigError(Source.OUT, "", _missing_frames(out, missing, selection))
    return RenderPlan(loaded, scene, tier, selection, picked, out, chunk, job, step)


def _check_prepared(out: Path) -> None:
    """The folder of a farm job's frames or film step: stamped, with the scene step's scene.blend."""
    stamp = read_json(out / STAMP_NAME) if (out / STAMP_NAME).is_file() else None
    if stamp is None or "fingerprint" not in stamp or not all((out / n).is_file() for n in (SCENE_FILE,
                                                                                          SCENE_MANIFEST)):
        raise ConfigError(Source.OUT, "", f"{out / SCENE_FILE} is not there yet: the job's scene step "
                                         "(sanctuary render ... --step scene) prepares the folder first")


def _missing_frames(out: Path, missing: list[int], selection: list[int]) -> str:
    return (f"{len(missing)} of the job's {len(selection)} frames are missing or cut short in {out} "
            f"(frames {frame_ranges(missing)}): the frames step renders them; the film is made once all "
            "are there")


STAMP_KEYS = {"picture_hash": "the preset's values or seed", "quality_hash": "the quality tier",
              "frames": "the frames", "fingerprint": "the built scene (another Blender or Sanctuary version?)"}


def _describe_job(job: dict) -> str:
    return (f"preset {job.get('preset')!r} seed {job.get('seed')}, tier {job.get('quality')!r}, "
            f"frames {frame_ranges(job.get('frames') or [])}")


def _claim_folder(out: Path, job: dict) -> None:
    """A folder belongs to one render from its first frame: the first run stamps it (created exclusively,
    so chunks starting together agree), later runs must be the same render. Before the build, the stamp is
    checked without the fingerprint (fail fast); after it, with. Raises ConfigError (exit 2)."""
    stamp = out / STAMP_NAME
    if not stamp.exists():
        for path in sorted(out.glob("manifest*.json")):  # a folder rendered before stamps existed
            old = read_json(path) or {}
            if any(old.get(k, job[k]) != job[k] for k in ("fingerprint", "quality_hash") if k in job):
                _refuse(out, path.name, old, job)
        if "fingerprint" not in job:
            return
        tmp = files.part_path(stamp)
        files.write_json(tmp, job)  # whole, under a temporary name...
        try:
            os.link(tmp, stamp)  # ...then published only if no other run got there first
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
    old = read_json(stamp)
    if old is None:
        raise ConfigError(Source.OUT, "", f"{stamp} cannot be read: remove it, or choose another folder")
    if any(old.get(k) != job[k] for k in STAMP_KEYS if k in job):
        _refuse(out, stamp.name, old, job)


def _refuse(out: Path, name: str, old: dict, job: dict) -> None:
    differ = ", ".join(why for k, why in STAMP_KEYS.items() if k in job and k in old and old[k] != job[k])
    raise ConfigError(Source.OUT, "", f"{out} belongs to another render ({name}: {_describe_job(old)}); this one "
                                   f"differs in {differ or 'its scene'}: choose another folder or empty it")


def _film_is_current(out: Path, frames: list[int], ext: str, preset_hash: str) -> bool:
    """A whole film and sheet newer than every frame, made from the same values (sound and captions
    included): another run made them already."""
    made = [out / FILM_NAME, out / SHEET_NAME]
    whole = read_json(out / "manifest.json") or {}
    if whole.get("preset_hash") != preset_hash or "film" not in whole or not all(map(files.is_whole, made)):
        return False
    newest = max(frame_path(out, f, ext).stat().st_mtime for f in frames)
    return min(p.stat().st_mtime for p in made) >= newest


def _make_film(scene, plan: ScenePlan, quality: dict, out: Path, frames: list[int], steps: Steps,
               should_stop) -> tuple[list[str], dict]:
    """The MP4 of the frames, in order, with the soundtrack (film.wav) and captions (film.srt);
    the contact sheet of one still per shot. Returns what it wrote and the manifest's additions."""
    from ..blender import compat
    from ..render.film import contact_sheet, encode_mp4

    cfg = plan.cfg
    ext, size = frame_extension(quality), tuple(quality["resolution"])
    wrote, made = [], {"film": FILM_NAME, "contact_sheet": SHEET_NAME}
    audio = None
    if cfg["sound"]["enabled"]:
        _checkpoint(should_stop)
        steps.begin(f"making the soundtrack ({len(frames) / cfg['timeline']['fps']:.1f} s of film)")
        s = cfg["sound"]
        first, _ = tl.frame_range(cfg["timeline"])
        track = mastering.film_audio_chunks(soundscape.Score(plan).raw, frames, first, cfg["timeline"]["fps"],
                                            s["loudness"], spool_dir=out)
        audio = out / SOUND_NAME
        level = files.write_with(audio, lambda f: mastering.write_wav(f, track, s["bit_depth"]))
        wrote.append(str(audio))
        made["soundtrack"] = {"file": SOUND_NAME, "bits": s["bit_depth"], "rate": mastering.RATE,
                              "loudness_lufs": round(level["loudness_lufs"], 2),
                              "peak_dbfs": round(level["peak_dbfs"], 2), "in_film": compat.has_audio()}
        steps.end(f"wrote {SOUND_NAME}")
    _checkpoint(should_stop)
    steps.begin(f"encoding {FILM_NAME}")
    film = encode_mp4(scene, [frame_path(out, f, ext) for f in frames], out / FILM_NAME, size, audio,
                      on_frame=lambda done, total: steps.count(f"frames into {FILM_NAME}", done, total))
    steps.end(f"wrote {FILM_NAME}")
    cues = captions.srt(cfg, frames)
    if cues:
        wrote.append(str(files.write_bytes(out / CAPTIONS_NAME, cues.encode("utf-8"))))
        made["captions"] = CAPTIONS_NAME
    # A re-render without sound or captions leaves none of an earlier render's beside the new film.
    for name, made_now in ((SOUND_NAME, audio is not None), (CAPTIONS_NAME, bool(cues))):
        if not made_now:
            (out / name).unlink(missing_ok=True)
    _checkpoint(should_stop)
    steps.begin(f"making {SHEET_NAME}")
    stills = [(label, frame_path(out, f, ext)) for label, f in sheet_stills(plan.shots, frames)]
    sheet = contact_sheet(scene, stills, out / SHEET_NAME, size)
    steps.end(f"wrote {SHEET_NAME}")
    return [str(film), *wrote, str(sheet)], made


def _merged_seconds(out: Path, frames: list[int]) -> dict:
    """Seconds per frame from every manifest in the folder (each chunk keeps its own)."""
    times: dict = {}
    for path in sorted(out.glob("manifest*.json")):
        times.update((read_json(path) or {}).get("frame_seconds", {}))
    wanted = {str(f) for f in frames}
    return {k: times[k] for k in sorted(times, key=int) if k in wanted}


def _whole_manifest(out: Path, manifest: dict, made: dict) -> dict:
    """manifest.json of the whole film: every frame of the selection, with every chunk's timings."""
    seconds = _merged_seconds(out, manifest["selection"])
    whole = {k: v for k, v in manifest.items() if k != "chunk"}
    # The peak memory of every run that worked in the folder (a farm job's scene step and each chunk keep
    # their own manifest): what a farm task needs.
    peaks = {p.name: (read_json(p) or {}).get("peak_memory_mib") for p in sorted(out.glob("manifest.*.json"))}
    return {**whole, **made, "frames": manifest["selection"], "frame_seconds": seconds,
            "mean_frame_seconds": round(sum(seconds.values()) / len(seconds), 3) if seconds else None,
            "task_peak_memory_mib": {k: v for k, v in peaks.items() if v is not None}}


def render(plan: RenderPlan, progress_stream=None, should_stop=_never) -> dict:
    """Build and render the plan's frames into its folder; then the film (MP4), the contact sheet and
    manifest.json.

    The folder is stamped (sanctuary_job.json) before the first frame: another
    render's folder is refused (ConfigError). Resumable: frames there and whole
    are skipped; the manifest is brought up to date after every frame. With a
    chunk, only that slice is rendered; the film and sheet are made by the one
    run (film.lock) that finds every frame of the whole selection there. When
    should_stop() turns true the render stops after the frame in flight
    (info["complete"] False), or raises Interrupted during the build or film.
    Raises WriteError when a result cannot be written whole.

    A farm job's steps (plan.step): "scene" builds and saves scene.blend (see
    prepare_scene); "frames" renders from that scene.blend instead of building,
    and never makes the film; "film" renders nothing and makes the film, which
    needs every frame there (ConfigError names the missing ones).
    """
    import bpy

    from ..render.batch import RenderReport, render_frames

    if plan.step == "scene":
        return prepare_scene(plan, progress_stream, should_stop)
    loaded, tier, selection, picked, chunk = plan.loaded, plan.tier, plan.selection, plan.picked, plan.chunk
    out = writable_dir(plan.out)
    job = dict(plan.job)
    _claim_folder(out, job)
    label = chunk_label(chunk, picked)
    manifest_path = out / (f"manifest.chunk-{label}.json" if label else "manifest.json")
    ext = frame_extension(tier.data)
    wrote = []
    with chatter_to(out / LOG_NAME) as terminal:
        stream = progress_stream or terminal
        if plan.step in ("frames", "film"):
            info = _open_prepared(plan, Steps(stream, "scene"))
        else:
            info = build(loaded, steps=Steps(stream, "build"), should_stop=should_stop, plan=plan.scene)
        scene = bpy.context.scene
        job.update(fingerprint=info["fingerprint"], blender=bpy.app.version_string, sanctuary=__version__)
        _claim_folder(out, job)
        manifest = {
            **job,
            "preset_hash": loaded.digest(),
            "python": platform.python_version(),
            "preset_file": str(loaded.path),
            "resolution": list(tier.data["resolution"]),
            "fps": loaded.data["timeline"]["fps"],
            "selection": selection,
            "chunk": chunk,
            "frames": picked,
            "frame_seconds": _merged_seconds(out, picked),
        }

        def record(frame: int, seconds: float) -> None:
            """After every frame: the manifest as it stands, so a kill loses no timings."""
            manifest["frame_seconds"] = {**_merged_seconds(out, picked), **manifest["frame_seconds"],
                                         str(frame): seconds}
            manifest["peak_memory_mib"] = _peak_memory_mib()
            files.write_json(manifest_path, manifest)

        steps = Steps(stream, "render")
        t0 = time.perf_counter()
        if plan.step == "film":
            report = RenderReport(str(out))  # renders nothing: the frames are the frames steps' work
        else:
            report = render_frames(scene, picked, out, tier.data, Progress(len(picked), stream), should_stop,
                                   record)
            info["timings"]["render"] = round(time.perf_counter() - t0, 3)
        wrote += [str(out / name) for name in report.written]
        if report.claimed:
            steps.begin(f"{len(report.claimed)} frame(s) are being rendered by another process sharing {out}")
        done = [f for f in selection if files.is_whole(frame_path(out, f, ext))]
        film = "incomplete"
        if plan.step == "frames":
            film = "film step"
            if done == selection and not should_stop():
                steps.begin("every frame of the job is there; the film step makes the film and contact sheet")
        elif done == selection and not should_stop():
            with files.Claim(out / FILM_LOCK) as lock:
                if not lock.acquire():
                    film = "elsewhere"
                    steps.begin("another process is making the film; this one leaves it to it")
                elif _film_is_current(out, done, ext, manifest["preset_hash"]):
                    film = "current"
                    steps.begin(f"{FILM_NAME} and {SHEET_NAME} are already made from these frames")
                else:
                    film = "made"
                    t1 = time.perf_counter()
                    films, made = _make_film(scene, plan.scene, tier.data, out, done, steps, should_stop)
                    wrote += films
                    if not made.get("soundtrack", {}).get("in_film", True):
                        steps.begin(f"this Blender was built without audio (Audaspace): {SOUND_NAME} is beside "
                                    f"{FILM_NAME}, not in it")
                    info["timings"]["film"] = round(time.perf_counter() - t1, 3)
                    manifest["peak_memory_mib"] = _peak_memory_mib()
                    wrote.append(str(files.write_json(out / "manifest.json", _whole_manifest(out, manifest, made))))
        elif plan.step == "film" and not should_stop():
            raise ConfigError(Source.OUT, "", _missing_frames(out, [f for f in selection if f not in set(done)],
                                                               selection))
        elif not should_stop():
            steps.begin(f"{len(selection) - len(done)} frame(s) of the selection still to render; "
                        "the film and contact sheet are made once all are done")
    # The whole film's manifest.json, once made, is not replaced by one run's.
    if (chunk or film not in ("made", "current")) and plan.step != "film":
        rendered = list(manifest["frame_seconds"].values())
        manifest["mean_frame_seconds"] = round(sum(rendered) / len(rendered), 3) if rendered else None
        manifest["peak_memory_mib"] = _peak_memory_mib()
        wrote.append(str(files.write_json(manifest_path, manifest)))
    info["wrote"] = wrote
    info["skipped"] = [str(out / name) for name in report.skipped]
    info["quality"] = tier.name
    info["frames"] = picked
    info["done"] = len([f for f in picked if f in set(done)])
    info["complete"] = done == selection
    info["film"] = film
    info["step"] = plan.step
    return info


def prepare_scene(plan: RenderPlan, progress_stream=None, should_stop=_never) -> dict:
    """A farm job's scene step: build the scene once, stamp the folder (the scene's fingerprint included)
    and save the farm-ready scene.blend in it, set to the plan's tier and to write frames under the
    render's own names (so `blender -b scene.blend -a` fills the same folder). A scene.blend already there
    that is this render's scene (its fingerprint is the stamp's) is kept. Renders no frame."""
    import bpy

    from ..render.settings import apply_quality

    loaded, tier = plan.loaded, plan.tier
    out = writable_dir(plan.out)
    job = dict(plan.job)
    _claim_folder(out, job)
    path = out / SCENE_FILE
    with chatter_to(out / LOG_NAME) as terminal:
        stream = progress_stream or terminal
        steps = Steps(stream, "scene")
        stamp = read_json(out / STAMP_NAME) or {}
        made = read_json(out / SCENE_MANIFEST) or {}
        info = None
        if stamp.get("fingerprint") and made.get("fingerprint") == stamp["fingerprint"] and files.is_whole(path):
            try:
                info = _open_prepared(plan, steps)
                steps.begin(f"{SCENE_FILE} is this render's scene already; kept")
                info.update(wrote=[], skipped=[str(path)])
            except ConfigError:  # not the file the scene step saved: built again (and refused if it differs)
                new_file()
        if info is None:
            info = build(loaded, steps=Steps(stream, "build"), should_stop=should_stop, plan=plan.scene)
            scene = bpy.context.scene
            job.update(fingerprint=info["fingerprint"], blender=bpy.app.version_string, sanctuary=__version__)
            _claim_folder(out, job)
            _checkpoint(should_stop)
            apply_quality(scene, tier.data)
            scene.render.filepath = "//frame_#####"  # Blender alone writes the frames sanctuary would
            scene.render.use_file_extension = True
            scene.render.use_overwrite = False  # and, resumed, renders only the frames not there
            # The tier may change what the fingerprint reads (the final tier's air volume): the file's own
            # fingerprint is kept beside the build's, for later steps to check the file against.
            saved = describe_open_scene(scene)["fingerprint"]
            t0 = time.perf_counter()
            steps.begin(f"saving {SCENE_FILE}")
            info.update(wrote=save(path, scene), skipped=[])
            steps.end(f"saved {SCENE_FILE}")
            info["timings"]["save"] = round(time.perf_counter() - t0, 3)
            info["wrote"].append(str(files.write_json(out / SCENE_MANIFEST, {
                **job, "step": "scene", "scene_file": SCENE_FILE, "scene_file_fingerprint": saved,
                "preset_hash": loaded.digest(), "python": platform.python_version(),
                "timings": info["timings"], "counts": info["counts"], "peak_memory_mib": _peak_memory_mib()})))
    info.update(quality=tier.name, frames=[], done=0, complete=True, step="scene",
                peak_memory_mib=_peak_memory_mib())
    return info


def _open_prepared(plan: RenderPlan, steps: Steps) -> dict:
    """Open the scene step's scene.blend (instead of building): its fingerprint and counts."""
    import bpy

    path = plan.out / SCENE_FILE
    t0 = time.perf_counter()
    steps.begin(f"opening {SCENE_FILE}")
    try:
        bpy.ops.wm.open_mainfile(filepath=str(path), load_ui=False)
    except RuntimeError as e:
        raise ConfigError(Source.OUT, "", f"{path} cannot be opened ({str(e).strip()}): run the scene step "
                                          "again") from None
    described = describe_open_scene()
    made = read_json(plan.out / SCENE_MANIFEST) or {}
    if described is None or described["fingerprint"] != made.get("scene_file_fingerprint") or not made.get(
            "fingerprint"):
        raise ConfigError(Source.OUT, "", f"{path} is not the scene the scene step saved ({SCENE_MANIFEST} says "
                                          "otherwise): run the scene step again")
    steps.end(f"opened {SCENE_FILE}")
    loaded = plan.loaded
    # The build's fingerprint, as the scene step recorded it with this file's: the stamp is checked with it.
    return {"preset": loaded.name, "preset_file": str(loaded.path), "preset_hash": loaded.digest(),
            "seed": loaded.data["seed"], **described, "fingerprint": made["fingerprint"],
            "scene_file_fingerprint": described["fingerprint"],
            "timings": {"open_scene": round(time.perf_counter() - t0, 3)}}


def _peak_memory_mib() -> float | None:
    """This process's peak resident memory so far, in MiB (what a farm task needs)."""
    try:
        import resource
    except ImportError:  # Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS
    return round(peak / (1 << 20 if sys.platform == "darwin" else 1 << 10), 1)


# --- exporting --------------------------------------------------------------------------------

@dataclass
class ExportPlan:
    loaded: presets.Loaded
    scene: ScenePlan
    out: Path
    fmt: str
    span: tuple[int, int] | None  # None: the whole film
    tier: presets.Loaded | None  # .blend: the farm-ready tier
    profile: str = "film"  # export/realtime.PROFILES

    def summary(self) -> dict:
        return {"preset": self.loaded.name, "seed": self.loaded.data["seed"], "out": str(self.out),
                "format": self.fmt, "frames": list(self.span) if self.span else None, "profile": self.profile}


def plan_export(loaded: presets.Loaded, out: str | Path, fmt: str | None = None,
                frames: str | None = None, profile: str = "film") -> ExportPlan:
    """What an export will do, checked before anything is built. Raises ConfigError for a bad format,
    path, frame range or profile (one of EXPORT_PROFILES)."""
    fmt = export_format(out, fmt)
    check_export_profile(profile, fmt)
    out = writable_file(out, f".{fmt}")
    span = None
    scene = ScenePlan(loaded.data)
    if frames:
        picked = select_frames(scene, frames)
        if picked != list(range(picked[0], picked[-1] + 1)):
            raise ConfigError(Source.FRAMES, "", "export needs one continuous range like 1-48")
        span = (picked[0], picked[-1])
    tier = presets.load_quality(loaded.data["render"]["quality"]) if fmt == "blend" else None
    return ExportPlan(loaded, scene, out, fmt, span, tier, profile)


def export(plan: ExportPlan, should_stop=_never) -> dict:
    """Build the scene and export it with Blender's own exporter (whole, or not at all)."""
    with blender_messages(plan.out) as terminal:
        return _export(plan, Steps(terminal, "export"), should_stop)


def _export(plan: ExportPlan, steps: Steps, should_stop) -> dict:
    import bpy

    from ..export.formats import export as export_scene
    from ..render.settings import apply_quality

    info = build(plan.loaded, steps=Steps(steps.stream, "build"), should_stop=should_stop, plan=plan.scene)
    _checkpoint(should_stop)
    t0 = time.perf_counter()
    if plan.tier is not None:
        # Farm-ready: `blender -b scene.blend -a` (or -f N) renders at the preset's tier,
        # frames next to the file, with no add-on installed.
        scene = bpy.context.scene
        apply_quality(scene, plan.tier.data)
        scene.render.filepath = "//render/frame_#####"
        scene.render.use_file_extension = True
        info["quality"] = plan.tier.name
    steps.begin(f"writing {plan.out.name} ({plan.fmt}, Blender's exporter)")
    info["warnings"] = []
    info["wrote"] = export_scene(plan.out, plan.fmt, plan.span, should_stop=should_stop, profile=plan.profile,
                                 warnings=info["warnings"])
    info["profile"] = plan.profile
    steps.end(f"wrote {plan.out.name}")
    info["timings"]["export"] = round(time.perf_counter() - t0, 3)
    info["format"] = plan.fmt
    return info


def describe_open_scene(scene=None) -> dict | None:
    """Fingerprint and counts of the build in the open file (e.g. a loaded .blend)."""
    import bpy

    from ..blender import datablocks
    from ..blender.build import describe

    scene = scene or bpy.context.scene
    root = datablocks.current_root(scene)
    if root is None:
        return None
    result = describe(scene, root)
    return {"collection": result.collection, "fingerprint": result.fingerprint, "counts": result.counts}


# --- what the panel asks of the built scene ---------------------------------------------------

def remove_own_parts(folder: Path) -> None:
    """This process's unfinished files in folder, removed (it is about to stop at once)."""
    files.remove_own_parts(folder)


def is_built(scene) -> bool:
    """Whether the scene holds a Sanctuary build."""
    from ..blender import datablocks

    return datablocks.current_root(scene) is not None


def view_shot(scene, name: str) -> bool:
    """Look through a built shot: its camera active, the preview range and the playhead on its frames."""
    from ..blender.scene_settings import view_shot as view

    return view(scene, name)


def path_options() -> set:
    """Options of a path property that may hold Blender's "//" (they differ between versions)."""
    from ..blender import compat

    return compat.blend_relative_path()


def export_built(scene, out: str | Path, fmt: str, should_stop=_never, profile: str = "film",
                 warnings: list | None = None) -> list[str]:
    """Export the scene as built (over its frame range), whole or not at all; returns the files written
    (what the export could not carry here goes to `warnings`)."""
    from ..export.formats import export as export_scene

    check_export_profile(profile, fmt)
    return export_scene(out, fmt, scene=scene, should_stop=should_stop, profile=profile, warnings=warnings)


SOUNDTRACK_STRIP = "Sanctuary soundtrack"


def preview_soundtrack(loaded: presets.Loaded, scene, folder: Path, name: str) -> dict:
    """The film's soundtrack (16-bit WAV in folder/name), laid in the scene's sequencer as one strip that
    replaces the last one. Raises ConfigError where this Blender has no audio."""
    from ..blender import compat

    if not compat.has_audio():
        raise ConfigError("sound", "", "this Blender was built without audio (Audaspace): render to get film.wav")
    plan = ScenePlan(loaded.data)
    score = soundscape.Score(plan)
    first, last = plan.frames
    track = mastering.film_audio_chunks(score.raw, list(range(first, last + 1)), first,
                                        loaded.data["timeline"]["fps"], loaded.data["sound"]["loudness"],
                                        spool_dir=folder)
    path = Path(folder) / name
    level = files.write_with(path, lambda f: mastering.write_wav(f, track, 16))
    compat.replace_sound_strip(scene, SOUNDTRACK_STRIP, path, scene.frame_start)
    return {"path": str(path), "loudness_lufs": round(level["loudness_lufs"], 1)}


def film_frames(loaded: presets.Loaded) -> tuple[int, int]:
    """The film's first and last frame."""
    return ScenePlan(loaded.data).frames


def about_renders() -> dict:
    """What a bare render does and what it costs here, the default preset's shots, the tiers and presets
    (for help texts): from the shipped files."""
    loaded = presets.load_scene()
    plan = ScenePlan(loaded.data)
    tiers = {p.name: presets.load_quality(p.name).data for p in presets.list_presets(presets.QUALITY)}
    trailer = select_frames(plan)
    tier = loaded.data["render"]["quality"]
    first, last = plan.frames
    return {"trailer_frames": loaded.data["render"]["trailer_frames"], "trailer": len(trailer), "tier": tier,
            "estimate_seconds": tiers.get(tier, {}).get("frame_seconds", 0.0) * len(trailer),
            "film": (first, last), "film_seconds": (last - first + 1) / plan.fps,
            "shots": [(s.name, s.frame_start, s.frame_end, s.move, s.lens) for s in plan.shots],
            "tiers": {name: (q["resolution"], q["samples"], q.get("frame_seconds", 0.0)) for name, q in tiers.items()},
            "presets": [p.name for p in presets.list_presets()]}


# --- render farms: the render as an Open Job Description job (farm.py) -------------------------

from .farm import FarmPlan, plan_farm_job, write_farm_job  # noqa: E402  (farm builds on the render above)
