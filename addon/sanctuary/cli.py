"""The `sanctuary` command: build, render, export, job, presets, validate.

The same `main(argv)` runs as the pip-installed console script and inside the
Blender app as `blender --background --command sanctuary ...` (registered by
the extension with bpy.utils.register_cli_command). It holds no logic of its
own: every command plans its job with `jobs` (every argument checked before
Blender is loaded; `--dry-run` stops there) and runs it there.

Exit codes: 0 done, 2 bad input (one line on stderr naming the file or flag
and the key; nothing written), 1 a result that could not be written whole
(one line naming the file and the cause) or anything unexpected (one line;
SANCTUARY_DEBUG=1 for the traceback), 130 stopped by Ctrl-C (only whole
files left; the line says how to resume). With --json, stdout carries exactly
one JSON object and nothing else: Blender's own chatter is sent to stderr or
a log, and progress goes to stderr.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
import textwrap
import threading
import time
import traceback
from pathlib import Path

from . import __version__, jobs
from .config import presets
from .config.errors import ConfigError, Source
from .jobs import WriteError, farm

PROG = "sanctuary"
# How the command line says where bad input came from: its own flags.
WORDS = {Source.PRESET: "--preset", Source.OVERRIDE: "--set", Source.SEED: "--seed", Source.QUALITY: "--quality",
         Source.FRAMES: "--frames", Source.SHOTS: "--shot", Source.CHUNK: "--chunk", Source.OUT: "--out",
         Source.FORMAT: "--format", Source.CHUNK_SIZE: "--chunk-size", Source.PROFILE: "--profile"}


class Parser(argparse.ArgumentParser):
    """argparse that reports bad arguments as a ConfigError (exit 2, one line)."""

    def error(self, message):
        raise ConfigError(self.prog.removeprefix(PROG).strip() or "arguments", "", message)


def _scene_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--preset", default="default", help="preset name or path to a .toml (default: default)")
    p.add_argument("--seed", type=int, default=None, help="override the preset's seed")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a preset value, e.g. --set forest.tree_count=300 (repeatable; quote it: "
                        "--set 'heart.dawn=[1.0, 0.6, 0.4]')")


def _run_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--dry-run", action="store_true",
                   help="check every argument and say what would be done, without loading Blender")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")


def _about_renders() -> str:
    """What a bare `render` does and costs, the shots, tiers and presets: from the shipped files."""
    try:
        about = jobs.about_renders()
    except ConfigError as e:
        return f"(the presets could not be read: {e.line(WORDS)})"
    cost = (f", about {round(about['estimate_seconds'] / 60)} min of rendering on a 2-core CPU"
            if about["estimate_seconds"] else "")
    first, last = about["film"]
    lines = [
        textwrap.fill(f"With no --frames or --shot, render makes the preset's trailer: render.trailer_frames "
                      f"({about['trailer_frames']} in the default preset) frames from the middle of each "
                      f"shot, at the preset's tier ({about['tier']}): {about['trailer']} frames for the default "
                      f"preset{cost}. The whole {about['film_seconds']:g}-second film is --frames {first}-{last}. "
                      "Give each example its own --out: a folder belongs to one render.", 78),
        "", "shots of the default preset:"]
    lines += [f"  {name:<18} frames {a}-{b}  ({move}, {lens:g} mm)" for name, a, b, move, lens in about["shots"]]
    lines += ["", "quality tiers (sanctuary presets lists your own too):"]
    for name, (size, samples, per) in about["tiers"].items():
        said = f"about {per:g} s a frame here" if per else "not timed yet"
        lines.append(f"  {name:<8} {size[0]}x{size[1]}, {samples} samples, {said}")
    lines += ["", "scene presets: " + ", ".join(about["presets"])]
    return "\n".join(lines)


def make_parser(help_details: bool = False) -> Parser:
    parser = Parser(prog=PROG, description="Build, render and export the Sanctuary dream scene.",
                    epilog="`sanctuary COMMAND --help` says more about each command.")
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)

    p = sub.add_parser("build", help="build the scene and save it as a .blend",
                       description="Build the scene from a preset and save it as a .blend.")
    _scene_options(p)
    p.add_argument("--out", required=True, help="the .blend to write")
    _run_options(p)

    p = sub.add_parser("render", help="build the scene and render frames, the film and a contact sheet",
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       description="Build the scene and render frames into a folder, then film.mp4 (with its "
                                   "soundtrack), contact_sheet.png and manifest.json. Ctrl-C stops after the "
                                   "frame in flight; the same command resumes.",
                       epilog=_about_renders() if help_details else None)
    _scene_options(p)
    p.add_argument("--quality", default=None, help="quality tier (draft, preview, final or your own; "
                                                   "default: the preset's render.quality)")
    p.add_argument("--frames", default=None, help="frames to render, e.g. 1-48 or 10,20,30")
    p.add_argument("--shot", dest="shots", action="append", default=[],
                   help="render every frame of this shot (repeatable)")
    p.add_argument("--chunk", default=None, metavar="I/N|FRAMES",
                   help="render only the I-th of N equal slices of the frames, or only these frames of them "
                        "(e.g. 13-24), under the same folder stamp (for render farms)")
    p.add_argument("--step", default=None, choices=list(jobs.STEPS),
                   help="one step of a farm job (sanctuary job writes them): "
                        + "; ".join(f"{k}: {v}" for k, v in jobs.STEPS.items()))
    p.add_argument("--out", default="sanctuary_render", help="output folder (default: sanctuary_render)")
    _run_options(p)

    p = sub.add_parser("job", help="write a render farm job (an Open Job Description job bundle)",
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       description="Write the render as an Open Job Description job bundle: template.yaml, "
                                   "parameter_values.yaml and asset_references.yaml. Its steps: Scene (built "
                                   "once into the output folder), Render (chunks of frames, one task each) and "
                                   "Film (film.mp4, contact sheet, manifest). Nothing is rendered now.",
                       epilog="Run it on this machine:  openjd run BUNDLE/template.yaml --step Film "
                              "--run-dependencies\n"
                              "Send it to AWS Deadline Cloud:  deadline bundle submit BUNDLE\n"
                              "The render goes into BUNDLE/output unless the job's OutputDir says otherwise "
                              "(openjd run ... -p OutputDir=DIR).")
    _scene_options(p)
    p.add_argument("--quality", default=None, help="quality tier (default: the preset's render.quality)")
    p.add_argument("--frames", default=None, help="frames to render, e.g. 1-1440 (default: as render does)")
    p.add_argument("--shot", dest="shots", action="append", default=[],
                   help="render every frame of this shot (repeatable)")
    p.add_argument("--chunk-size", type=int, default=None, metavar="N",
                   help=f"frames per Render task, 1 to {farm.MAX_CHUNK} (default: a few minutes of the tier's "
                        "frames; the farm then adjusts it)")
    p.add_argument("--out", required=True, help="the job bundle's folder (new, empty, or an earlier bundle)")
    _run_options(p)

    p = sub.add_parser("export", help="build the scene and export its keyframed animation",
                       description="Build the scene and export its keyframed animation with Blender's exporters.")
    _scene_options(p)
    p.add_argument("--format", default=None, help="glb, gltf, usdc, usda, abc, fbx or blend (default: from --out)")
    p.add_argument("--frames", default=None, help="a continuous range, e.g. 1-48 (default: the whole film)")
    p.add_argument("--out", required=True, help="the file to write")
    p.add_argument("--profile", default="film",
                   help="film (as rendered; the default) or realtime (for clients that draw every frame: "
                        "16-triangle leaves, frost capped, lighter trees, no transmission)")
    _run_options(p)

    p = sub.add_parser("presets", help="list scene presets and quality tiers")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")

    p = sub.add_parser("validate", help="check a preset (and overrides) and say what is wrong")
    p.add_argument("preset", help="preset name or path to a .toml")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--quality", default=None, help="also check this quality tier")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    return parser


@contextlib.contextmanager
def stdout_to_stderr(active: bool):
    """Send everything written to fd 1 (Python or Blender's C code) to stderr; yield a writer to the real stdout."""
    if not active:
        yield sys.stdout.write
        return
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    real = os.fdopen(os.dup(saved), "w")
    try:
        yield real.write
    finally:
        sys.stdout.flush()
        real.flush()
        real.close()
        os.dup2(saved, 1)
        os.close(saved)


class Stop:
    """Ctrl-C, as a job sees it: the first asks it to stop at its next safe point (after the frame in
    flight); the second stops the process at once, after removing this process's unfinished files."""

    def __init__(self, say, folder: Path | None):
        self.requested = False
        self.say, self.folder = say, folder

    def __call__(self) -> bool:
        return self.requested

    def signalled(self) -> None:
        if not self.requested:
            self.requested = True
            self.say(f"{PROG}: stopping at the next safe point (after the frame in flight); Ctrl-C again to stop "
                     "at once")
            return
        if self.folder is not None and self.folder.is_dir():
            jobs.remove_own_parts(self.folder)
        self.say(f"{PROG}: stopped; only whole files are left; run the same command again to resume")
        os._exit(130)


@contextlib.contextmanager
def ctrl_c(stop: Stop):
    """Catch SIGINT for the job: Python's handler only marks it, and a watcher thread acts on it at once,
    even while Blender renders in C (Cycles lets go of the GIL), through the signal wakeup fd."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    read, write = os.pipe()
    os.set_blocking(write, False)
    old_handler = signal.signal(signal.SIGINT, lambda *_: None)
    old_fd = signal.set_wakeup_fd(write, warn_on_full_buffer=False)

    def watch():
        while True:
            try:
                data = os.read(read, 16)
            except OSError:
                return
            if not data:
                return
            if signal.SIGINT in data:
                stop.signalled()

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        yield
    finally:
        signal.set_wakeup_fd(old_fd)
        signal.signal(signal.SIGINT, old_handler)
        os.close(write)
        watcher.join(1.0)
        os.close(read)


def cmd_build(args, stop) -> dict:
    loaded = presets.load_scene(args.preset, args.seed, tuple(args.overrides))
    plan = jobs.plan_build(loaded, args.out)
    if args.dry_run:
        return {"dry_run": True, **plan.summary()}
    jobs.new_file()
    return jobs.build_file(plan, stop)


def cmd_render(args, stop) -> dict:
    loaded = presets.load_scene(args.preset, args.seed, tuple(args.overrides))
    plan = jobs.plan_render(loaded, args.out, args.quality, args.frames, args.shots, args.chunk, step=args.step)
    if args.dry_run:
        return {"dry_run": True, **plan.summary()}
    stop.folder = plan.out
    jobs.new_file()
    info = jobs.render(plan, should_stop=stop)
    if stop.requested and not info["complete"]:
        raise KeyboardInterrupt(f"{info['done']} of {len(plan.picked)} frames are done in {plan.out}")
    return info


def cmd_job(args, stop) -> dict:
    loaded = presets.load_scene(args.preset, args.seed, tuple(args.overrides))
    plan = jobs.plan_farm_job(loaded, args.out, args.quality, args.frames, args.shots, args.chunk_size)
    if args.dry_run:
        return {"dry_run": True, **plan.summary()}
    return jobs.write_farm_job(plan)


def cmd_export(args, stop) -> dict:
    loaded = presets.load_scene(args.preset, args.seed, tuple(args.overrides))
    plan = jobs.plan_export(loaded, args.out, args.format, args.frames, args.profile)
    if args.dry_run:
        return {"dry_run": True, **plan.summary()}
    stop.folder = plan.out.parent
    jobs.new_file()
    return jobs.export(plan, stop)


def cmd_presets(args, stop) -> dict:
    def entry(p: presets.PresetInfo, kind) -> dict:
        try:
            presets.load(p.path, kind)
            problem = None
        except ConfigError as e:
            problem = e.line(WORDS)
        return {"name": p.name, "description": p.description, "path": str(p.path), "problem": problem}

    scenes = [entry(p, presets.SCENE) for p in presets.list_presets()]
    tiers = [entry(p, presets.QUALITY) for p in presets.list_presets(presets.QUALITY)]
    if not args.json:
        width = max(len(p["name"]) for p in scenes + tiers)
        for title, items in (("scene presets:", scenes), ("quality tiers:", tiers)):
            print(title)
            for p in items:
                said = f"BROKEN: {p['problem']}" if p["problem"] else p["description"]
                print(f"  {p['name']:<{width}}  {said}")
    return {"presets": scenes, "quality": tiers}


def cmd_validate(args, stop) -> dict:
    try:
        loaded = presets.load_scene(args.preset, None, tuple(args.overrides))
    except ConfigError as e:  # the preset is this command's argument, not a --preset flag
        raise ConfigError("validate PRESET", e.key, e.message) if e.source == Source.PRESET else e from None
    info = {"valid": True, "preset": loaded.name, "preset_file": str(loaded.path),
            "inherits": [str(p) for p in loaded.chain[:-1]], "preset_hash": loaded.digest()}
    if args.quality:
        info["quality"] = presets.load_quality(args.quality).name
    if not args.json:
        print(f"{loaded.path}: ok (hash {loaded.digest()})")
    return info


COMMANDS = {"build": cmd_build, "render": cmd_render, "export": cmd_export, "job": cmd_job,
            "presets": cmd_presets, "validate": cmd_validate}


def _report(payload: dict) -> None:
    """The terminal's summary of a finished command."""
    if payload.get("command") == "job":
        said = "would write" if payload.get("dry_run") else "wrote"
        print(f"{said} the job {payload['out']}: frames {payload['frame_ranges']} ({len(payload['frames'])}) at "
              f"{payload['quality']}, {payload['tasks']} Render task(s) of up to {payload['chunk_size']} frame(s), "
              f"into {payload['output']}")
        memory = payload["memory_mib"]
        print(f"memory a task asks for: Scene {memory['scene']} MiB, Render {memory['frames']} MiB, Film "
              f"{memory['film']} MiB ({payload['memory_basis']})")
        print(f"run it here:  {payload['run']}")
        print(f"or send it:   {payload['submit']}")
        return
    if payload.get("dry_run") and payload.get("step") in ("scene", "film"):
        made = "scene.blend" if payload["step"] == "scene" else f"the film of {payload['film_frames']} frames"
        print(f"dry run: would make {made} in {payload['out']}")
        return
    if payload.get("dry_run"):
        frames = payload.get("frame_ranges")
        what = f"render frames {frames} ({len(payload['frames'])})" if frames else f"write {payload['out']}"
        cost = payload.get("estimate_seconds")
        print(f"dry run: would {what}" + (f" into {payload['out']}" if frames else "")
              + (f", about {cost / 60:.0f} min of rendering here" if cost else ""))
        return
    for line in payload.get("warnings", []):
        print(f"warning: {line}")
    if "wrote" not in payload:
        return
    frames = [p for p in payload["wrote"] if Path(p).name.startswith("frame_")]
    if frames:
        print(f"wrote {len(frames)} frame(s) in {Path(frames[0]).parent}")
    for path in payload["wrote"]:
        if path not in frames:
            print(f"wrote {path}")
    if "fingerprint" in payload:
        print(f"fingerprint {payload['fingerprint']}")


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    as_json = "--json" in argv
    # `terminal` stays the terminal while a job sends Blender's chatter to a log.
    with stdout_to_stderr(as_json) as emit, os.fdopen(os.dup(2), "w") as terminal:
        t0 = time.perf_counter()
        stop = Stop(lambda line: print(line, file=terminal, flush=True), None)
        try:
            parser = make_parser(help_details="-h" in argv or "--help" in argv)
            args, extra = parser.parse_known_args(argv)
            if extra:  # said by the command they were given to, not by `sanctuary` as a whole
                raise ConfigError(args.command or "arguments", "", f"unrecognized arguments: {' '.join(extra)}")
            if args.command is None:  # a bare `sanctuary`: what it can do, not just an error
                parser.print_help(sys.stderr)
                return 2
            with ctrl_c(stop) if args.command in ("build", "render", "export") else contextlib.nullcontext():
                info = COMMANDS[args.command](args, stop)
            code, payload = 0, {"ok": True, "command": args.command, **info}
        except ConfigError as e:
            print(f"{PROG}: error: {e.line(WORDS)}", file=sys.stderr)
            code, payload = 2, {"ok": False, "error": e.line(WORDS)}
        except WriteError as e:  # a full disk, a size limit: nothing half-written was left
            print(f"{PROG}: error: {e.line()}", file=sys.stderr)
            code, payload = 1, {"ok": False, "error": e.line()}
        except SystemExit as e:  # --help, --version
            return int(e.code or 0)
        except KeyboardInterrupt as e:  # Ctrl-C, at a safe point: only whole files were left
            done = f"{e.args[0]}; " if e.args else "nothing was written; "
            line = f"interrupted: {done}run the same command again to resume"
            print(f"{PROG}: {line}", file=sys.stderr)
            code, payload = 130, {"ok": False, "error": line, "interrupted": True}
        except Exception as e:  # never a traceback for users; one line and exit 1
            if os.environ.get("SANCTUARY_DEBUG"):
                traceback.print_exc()
            print(f"{PROG}: internal error: {type(e).__name__}: {e} (SANCTUARY_DEBUG=1 shows the traceback)",
                  file=sys.stderr)
            code, payload = 1, {"ok": False, "error": f"{type(e).__name__}: {e}"}
        if as_json:
            payload.setdefault("timings", {})["total"] = round(time.perf_counter() - t0, 4)
            emit(json.dumps(payload, sort_keys=True) + "\n")
        elif code == 0:
            _report(payload)
        return code


def blender_command(argv: list[str]) -> int:
    """Entry for `blender --background --command sanctuary ...` (registered by the extension)."""
    return main(argv)


def run() -> None:
    """Console-script entry point.

    Leaves with os._exit once everything is flushed: bpy 4.2 (checked on
    4.2.23) segfaults in its C++ exit handlers after the glTF exporter has run,
    which would turn a finished export into exit code 139. All files are
    complete and renamed by then, so skipping those handlers loses nothing.
    """
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
