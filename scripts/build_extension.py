#!/usr/bin/env python3
"""Build dist/sanctuary-<version>.zip with Blender's own extension builder.

The package (addon/sanctuary) and the shipped presets are staged together,
validated with Blender's `validate`, then zipped with Blender's `build`. The
builder is `blender --command extension ...` where a Blender app is on PATH,
otherwise the `blender_ext.py` that ships inside the bpy wheel (plain Python).

    python scripts/build_extension.py [--out-dir dist] [--json]
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "addon" / "sanctuary"
PRESETS = ROOT / "presets"


def extension_tool() -> list[str]:
    """The command that runs Blender's extension tool here."""
    spec = importlib.util.find_spec("bpy")
    if spec and spec.submodule_search_locations:
        bpy_dir = Path(list(spec.submodule_search_locations)[0])
        for tool in sorted(bpy_dir.glob("*/scripts/addons_core/bl_pkg/cli/blender_ext.py")):
            return [sys.executable, str(tool)]
    blender = shutil.which("blender")
    if blender:
        return [blender, "--background", "--factory-startup", "--command", "extension"]
    sys.exit("build_extension: neither the bpy module nor a blender executable was found")


def stage(dest: Path) -> Path:
    src = dest / "sanctuary"
    shutil.copytree(PACKAGE, src, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "presets"))
    shutil.copytree(PRESETS, src / "presets", ignore=shutil.ignore_patterns("__pycache__"))
    return src


def run(cmd: list[str]) -> str:
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"build_extension: {' '.join(cmd[-3:])} failed:\n{proc.stdout}{proc.stderr}")
    return proc.stdout.strip()


def build(out_dir: Path) -> dict:
    manifest = tomllib.loads((PACKAGE / "blender_manifest.toml").read_text())
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{manifest['id']}-{manifest['version']}.zip"
    tool = extension_tool()
    with tempfile.TemporaryDirectory() as tmp:
        src = stage(Path(tmp))
        verdict = run(tool + ["validate", str(src)])
        partial = Path(tmp) / target.name
        run(tool + ["build", "--source-dir", str(src), "--output-filepath", str(partial)])
        verdict = run(tool + ["validate", str(partial)])  # the zip itself, as users get it
        shutil.move(partial, target)  # only a built and validated zip lands in dist/
    # Blender's tool names the file it checked: the zip's temporary place, gone now; say the zip's own.
    return {"zip": str(target), "validate": verdict.replace(str(partial), str(target)), "tool": " ".join(tool[:2])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", default=str(ROOT / "dist"))
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    info = build(Path(args.out_dir))
    print(json.dumps(info) if args.json else f"{info['zip']}\nvalidate: {info['validate']}")


if __name__ == "__main__":
    main()
