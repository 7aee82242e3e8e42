#!/usr/bin/env python3
"""Export benchmark: what each export profile costs a real-time client, and what it costs to write.

For each profile, `sanctuary export` runs in its own process (as a user runs it) and the .glb it wrote is
read back: triangles a frame (every mesh node's triangles times its GPU instances), what three.js draws
(twice the opaque scene when a material has transmission: its transmission pass renders the scene to a
texture first), the file's size, the command's wall time and its export step alone (build excluded).

    python scripts/bench_export.py [--preset default] [--frames 1-1440] [--profiles film realtime] [--json]
"""
from __future__ import annotations

import argparse
import json
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def read_glb_json(path: Path) -> dict:
    data = path.read_bytes()
    (length,) = struct.unpack("<I", data[12:16])
    return json.loads(data[20:20 + length])


def triangles_a_frame(doc: dict) -> int:
    """Triangles of every mesh the default scene shows, instances counted (EXT_mesh_gpu_instancing);
    triangle lists only (mode 4, glTF's default), which is what Blender's exporter writes."""
    accessors, meshes, nodes = doc.get("accessors", []), doc.get("meshes", []), doc.get("nodes", [])

    def mesh_triangles(mesh) -> int:
        total = 0
        for prim in mesh["primitives"]:
            if prim.get("mode", 4) != 4:
                continue
            counted = prim["indices"] if "indices" in prim else prim["attributes"]["POSITION"]
            total += accessors[counted]["count"] // 3
        return total

    def walk(index: int) -> int:
        node = nodes[index]
        own = 0
        if "mesh" in node:
            instancing = node.get("extensions", {}).get("EXT_mesh_gpu_instancing")
            copies = accessors[instancing["attributes"]["TRANSLATION"]]["count"] if instancing else 1
            own = mesh_triangles(meshes[node["mesh"]]) * copies
        return own + sum(walk(child) for child in node.get("children", []))

    scene = doc["scenes"][doc.get("scene", 0)]
    return sum(walk(i) for i in scene.get("nodes", []))


def has_transmission(doc: dict) -> bool:
    return any("KHR_materials_transmission" in m.get("extensions", {}) for m in doc.get("materials", []))


def run(preset: str, profile: str, frames: str | None, folder: Path) -> dict:
    out = folder / f"{preset}_{profile}.glb"
    cmd = [sys.executable, "-m", "sanctuary", "export", "--preset", preset, "--profile", profile,
           "--out", str(out), "--json"] + (["--frames", frames] if frames else [])
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"bench_export: {' '.join(cmd)} failed:\n{proc.stderr[-2000:]}")
    info = json.loads(proc.stdout.strip().splitlines()[-1])
    doc = read_glb_json(out)
    tris = triangles_a_frame(doc)
    glass = has_transmission(doc)
    return {"profile": profile, "triangles": tris, "three_js_draws": tris * (2 if glass else 1),
            "transmission": glass, "mb": round(out.stat().st_size / 1e6, 1), "wall_s": round(wall, 1),
            "export_s": info["timings"]["export"], "build_s": info["timings"]["build_total"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="default")
    parser.add_argument("--frames", default=None, help="a continuous range (default: the whole film)")
    parser.add_argument("--profiles", nargs="*", default=["film", "realtime"])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rows = [run(args.preset, p, args.frames, Path(tmp)) for p in args.profiles]
    if args.json:
        print(json.dumps(rows))
        return
    print(f"{args.preset} preset, frames {args.frames or 'all'}, glb")
    print(f"{'profile':10} {'triangles':>12} {'three.js draws':>15} {'MB':>7} {'export s':>9} {'wall s':>7}")
    for r in rows:
        print(f"{r['profile']:10} {r['triangles']:>12,} {r['three_js_draws']:>15,} {r['mb']:>7.1f} "
              f"{r['export_s']:>9.1f} {r['wall_s']:>7.1f}")


if __name__ == "__main__":
    main()
