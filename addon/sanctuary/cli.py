"""The `sanctuary` command: build, render, export, presets, validate.

The same `main(argv)` runs as the pip-installed console script and inside the
Blender app as `blender --background --command sanctuary ...` (registered by
the extension with bpy.utils.register_cli_command). It holds no logic of its
own: every command calls a function in `jobs` or `core.presets`.

Exit codes: 0 done, 2 bad input (one line on stderr naming the file and key;
nothing written), 1 a result that could not be written whole (one line naming
the file and the cause) or anything unexpected (one line; SANCTUARY_DEBUG=1
for the traceback). With --json, stdout carries exactly one JSON object and nothing
else: Blender's own chatter is sent to stderr.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
import traceback
from pathlib import Path

from .core import presets
from .core.errors import ConfigError, WriteError
from .core.paths import export_format, writable_file

PROG = "sanctuary"


class Parser(argparse.ArgumentParser):
    """argparse that reports bad arguments as a ConfigError (exit 2, one line)."""

    def error(self, message):
        raise ConfigError("arguments", "", message)


def _scene_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--preset", default="default", help="preset name or path to a .toml (default: default)")
    p.add_argument("--seed", type=int, default=None, help="override the preset's seed")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a preset value, e.g. --set forest.tree_count=300 (repeatable)")


def _json_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")


def make_parser() -> Parser:
    parser = Parser(prog=PROG, description="Build, render and export the Sanctuary dream scene.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)

    p = sub.add_parser("build", help="build the scene and save it as a .blend")
    _scene_options(p)
    p.add_argument("--out", required=True, help="the .blend to write")
    _json_option(p)

    p = sub.add_parser("render", help="build the scene and render frames")
    _scene_options(p)
    p.add_argument("--quality", default=None, help="quality tier (draft, preview, final or your own)")
    p.add_argument("--frames", default=None, help="frames to render, e.g. 1-48 or 10,20,30")
    p.add_argument("--shot", dest="shots", action="append", default=[],
                   help="render every frame of this shot (repeatable)")
    p.add_argument("--chunk", default=None, metavar="I/N",
                   help="render only the I-th of N equal slices of the frames (for render farms)")
    p.add_argument("--out", default="sanctuary_render", help="output folder (default: sanctuary_render)")
    _json_option(p)

    p = sub.add_parser("export", help="build the scene and export its keyframed animation")
    _scene_options(p)
    p.add_argument("--format", default=None, help="glb, gltf, usdc, usda, abc, fbx or blend (default: from --out)")
    p.add_argument("--frames", default=None, help="a continuous range, e.g. 1-48 (default: the whole film)")
    p.add_argument("--out", required=True, help="the file to write")
    _json_option(p)

    p = sub.add_parser("presets", help="list scene presets and quality tiers")
    _json_option(p)

    p = sub.add_parser("validate", help="check a preset (and overrides) and say what is wrong")
    p.add_argument("preset", help="preset name or path to a .toml")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--quality", default=None, help="also check this quality tier")
    _json_option(p)
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


def cmd_build(args) -> dict:
    writable_file(args.out, ".blend")
    loaded = presets.load_scene(args.preset, args.seed, tuple(args.overrides))
    from . import jobs  # imports bpy: only after the preset is known to be good

    jobs.new_file()
    return jobs.build_file(loaded, args.out)


def cmd_render(args) -> dict:
    loaded = presets.load_scene(args.preset, args.seed, tuple(args.overrides))
    from . import jobs  # imports bpy: only after the preset is known to be good

    jobs.new_file()
    return jobs.render(loaded, args.out, args.quality, args.frames, args.shots, args.chunk)


def cmd_export(args) -> dict:
    out = Path(args.out)
    writable_file(out, f".{export_format(out, args.format)}")
    loaded = presets.load_scene(args.preset, args.seed, tuple(args.overrides))
    from . import jobs  # imports bpy: only after the preset is known to be good

    jobs.new_file()
    return jobs.export(loaded, args.out, args.format, args.frames)


def cmd_presets(args) -> dict:
    scenes = [{"name": p.name, "description": p.description, "path": str(p.path)} for p in presets.list_presets()]
    tiers = [{"name": p.name, "description": p.description, "path": str(p.path)}
             for p in presets.list_presets(presets.QUALITY)]
    if not args.json:
        width = max(len(p["name"]) for p in scenes + tiers)
        print("scene presets:")
        for p in scenes:
            print(f"  {p['name']:<{width}}  {p['description']}")
        print("quality tiers:")
        for p in tiers:
            print(f"  {p['name']:<{width}}  {p['description']}")
    return {"presets": scenes, "quality": tiers}


def cmd_validate(args) -> dict:
    loaded = presets.load_scene(args.preset, None, tuple(args.overrides), source="validate PRESET")
    info = {"valid": True, "preset": loaded.name, "preset_file": str(loaded.path),
            "inherits": [str(p) for p in loaded.chain[:-1]], "preset_hash": loaded.digest()}
    if args.quality:
        info["quality"] = presets.load_quality(args.quality).name
    if not args.json:
        print(f"{loaded.path}: ok (hash {loaded.digest()})")
    return info


COMMANDS = {"build": cmd_build, "render": cmd_render, "export": cmd_export,
            "presets": cmd_presets, "validate": cmd_validate}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    as_json = "--json" in argv
    with stdout_to_stderr(as_json) as emit:
        t0 = time.perf_counter()
        try:
            args = make_parser().parse_args(argv)
            info = COMMANDS[args.command](args)
            code, payload = 0, {"ok": True, "command": args.command, **info}
        except ConfigError as e:
            print(f"{PROG}: error: {e.line()}", file=sys.stderr)
            code, payload = 2, {"ok": False, "error": e.line()}
        except WriteError as e:  # a full disk, a size limit: nothing half-written was left
            print(f"{PROG}: error: {e.line()}", file=sys.stderr)
            code, payload = 1, {"ok": False, "error": e.line()}
        except SystemExit as e:  # --help, --version
            return int(e.code or 0)
        except KeyboardInterrupt:
            print(f"{PROG}: interrupted", file=sys.stderr)
            return 130
        except Exception as e:  # never a traceback for users; one line and exit 1
            if os.environ.get("SANCTUARY_DEBUG"):
                traceback.print_exc()
            print(f"{PROG}: internal error: {type(e).__name__}: {e} (SANCTUARY_DEBUG=1 shows the traceback)",
                  file=sys.stderr)
            code, payload = 1, {"ok": False, "error": f"{type(e).__name__}: {e}"}
        if as_json:
            payload.setdefault("timings", {})["total"] = round(time.perf_counter() - t0, 4)
            emit(json.dumps(payload, sort_keys=True) + "\n")
        elif code == 0 and "wrote" in payload:
            frames = [p for p in payload["wrote"] if Path(p).name.startswith("frame_")]
            if frames:
                print(f"wrote {len(frames)} frame(s) in {Path(frames[0]).parent}")
            for path in payload["wrote"]:
                if path not in frames:
                    print(f"wrote {path}")
            if "fingerprint" in payload:
                print(f"fingerprint {payload['fingerprint']}")
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
