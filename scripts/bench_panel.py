#!/usr/bin/env python3
"""Panel benchmark: what Apply Timeline saves over a full Build, through the operators.

Registers the add-on in background Blender, loads a preset, Builds, then
changes the timeline (a longer tending beat, another pattern for the leaves)
and times Apply Timeline against Build of the same values. Prints both
times, and whether the two scenes' fingerprints agree (they must).

    python scripts/bench_panel.py [--preset default] [--repeat 3] [--json]
"""
from __future__ import annotations

import argparse
import json
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="default")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; the fastest is kept")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    import bpy

    from sanctuary import ui

    bpy.ops.wm.read_homefile(use_empty=True, use_factory_startup=True)
    ui.register()
    settings = bpy.context.scene.sanctuary
    bpy.ops.sanctuary.load_preset(name=args.preset)

    def timed(op) -> float:
        t0 = time.perf_counter()
        assert op() == {"FINISHED"}
        return time.perf_counter() - t0

    builds, retimes, agree = [], [], []
    for i in range(args.repeat):
        settings.timeline.beats.tending = 14.0 + i % 2
        builds.append(timed(bpy.ops.sanctuary.build))
        settings.timeline.beats.tending = 16.0 + i % 2
        settings.timeline.acts[3].pattern = ("rings", "rosette")[i % 2]
        retimes.append(timed(bpy.ops.sanctuary.apply_timeline))
        retimed = settings.fingerprint
        bpy.ops.sanctuary.build()
        agree.append(settings.fingerprint == retimed)
    result = {"preset": args.preset, "build_s": round(min(builds), 3), "apply_timeline_s": round(min(retimes), 3),
              "fingerprints_agree": all(agree), "blender": bpy.app.version_string}
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{args.preset}: Build {result['build_s']:.2f} s, Apply Timeline {result['apply_timeline_s']:.2f} s "
              f"(best of {args.repeat}); Apply Timeline equals a full Build: {result['fingerprints_agree']}")
    ui.unregister()


if __name__ == "__main__":
    main()
