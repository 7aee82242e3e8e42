#!/usr/bin/env python3
"""Build benchmark: per-stage timings and peak memory of scene builds.

Each configuration runs in its own process (one bpy per process), so peak RSS
is that build's own. `import bpy` is timed separately and not counted in the
build. Tree counts beyond the default widen the forest so density stays the
same (otherwise Poisson-disk spacing caps the count).

    python scripts/bench_build.py [--trees 50 100 200 400] [--repeat 2] [--json]
"""
from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys

CHILD = r"""
import json, resource, sys, time
t0 = time.perf_counter()
import bpy
t_import = time.perf_counter() - t0
rss_import = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
from sanctuary import jobs
from sanctuary.config import presets
jobs.new_file()
loaded = presets.load_scene(overrides=json.loads(sys.argv[1]))
t0 = time.perf_counter()
info = jobs.build(loaded)
wall = time.perf_counter() - t0
print(json.dumps({"import_bpy": t_import, "build": wall, "stages": info["timings"],
                  "trees": loaded.data["forest"]["tree_count"], "counts": info["counts"],
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "rss_after_import_mb": rss_import / 1024}))
"""


def run(overrides: list[str]) -> dict:
    proc = subprocess.run([sys.executable, "-c", CHILD, json.dumps(overrides)], capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"bench_build: child failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trees", type=int, nargs="*", default=[50, 100, 200, 400])
    parser.add_argument("--repeat", type=int, default=2, help="runs per configuration; the fastest is kept")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from sanctuary.config import presets

    default = presets.load_scene().data["forest"]
    configs = [("default", [])]
    for n in args.trees:
        radius = max(default["radius"], default["radius"] * math.sqrt(n / default["tree_count"]))
        configs.append((f"{n} trees", [f"forest.tree_count={n}", f"forest.radius={radius:.1f}"]))
    results = []
    for label, overrides in configs:
        best = min((run(overrides) for _ in range(args.repeat)), key=lambda r: r["build"])
        best["label"] = label
        results.append(best)
        if not args.json:
            st = best["stages"]
            leaves = best["counts"]["instances"]
            print(f"{label:>10}: {best['trees']:4d} trees, {leaves:7d} instances | build {best['build']:.2f} s "
                  f"(forest {st.get('forest', 0):.2f}, ground {st.get('ground', 0):.2f}, "
                  f"fingerprint {st.get('fingerprint', 0):.2f}, count {st.get('count', 0):.2f}) | "
                  f"peak RSS {best['peak_rss_mb']:.0f} MB (after import bpy {best['rss_after_import_mb']:.0f} MB) "
                  f"| import bpy {best['import_bpy']:.2f} s", flush=True)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        sized = [r for r in results if r["label"] != "default"]
        if len(sized) >= 2:
            a, b = sized[0], sized[-1]
            print(f"scaling: {b['trees'] / a['trees']:.1f}x trees -> {b['build'] / a['build']:.2f}x build time")


if __name__ == "__main__":
    main()
