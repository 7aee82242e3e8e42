#!/usr/bin/env python3
"""Look benchmark: does the film look like the dream? Figures of the project's own shots.

Renders, through `sanctuary render` (jobs), one still from the middle of each
beat and a frame every 2 s through the forest beat, at a stated tier, and
prints per frame:

- colourfulness M = sqrt(sd(rg)^2 + sd(yb)^2) + 0.3 sqrt(mean(rg)^2 + mean(yb)^2), with rg = R - G and
  yb = (R + G)/2 - B on 8-bit sRGB values (Hasler and Suesstrunk, "Measuring colourfulness in natural
  images", SPIE 5007, 2003: 15 reads "slightly colourful", 45 "averagely", 59 "quite");
- the mean hue of the chroma, atan2(mean(yb), mean(rg)) in degrees;
- the 99.5th percentile of luminance (Rec. 709 weights on the display sRGB values, 0..1) and the share of
  clipped pixels (any channel at 255);
- the frame's render time.

Then the targets of the look: colourfulness of the forest and discovery beats, the sweep of the mean hue
across the forest beat, the canopy shots' highlights.

    .venv/bin/python scripts/bench_look.py [--quality preview] [--preset default] [--out DIR] [--json]
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
from pathlib import Path

import numpy as np


def colourfulness(rgb8: np.ndarray) -> float:
    """Hasler-Suesstrunk M of an (H, W, 3) image of 0..255 sRGB values."""
    r, g, b = (rgb8[..., i].astype(np.float64) for i in range(3))
    rg, yb = r - g, 0.5 * (r + g) - b
    return float(np.hypot(rg.std(), yb.std()) + 0.3 * np.hypot(rg.mean(), yb.mean()))


def mean_hue(rgb8: np.ndarray) -> float:
    """Degrees (0..360) of the mean opponent-colour vector: the frame's dominant hue."""
    r, g, b = (rgb8[..., i].astype(np.float64) for i in range(3))
    return math.degrees(math.atan2((0.5 * (r + g) - b).mean(), (r - g).mean())) % 360.0


def highlights(rgb8: np.ndarray) -> tuple[float, float]:
    """(99.5th percentile of luminance 0..1, share of pixels with a channel at 255)."""
    lum = (rgb8[..., :3] / 255.0) @ np.array([0.2126, 0.7152, 0.0722])
    return float(np.percentile(lum, 99.5)), float((rgb8[..., :3] >= 255).any(axis=-1).mean())


def hue_sweep(hues: list[float]) -> float:
    """How far a sequence of hues turns, in degrees, following the shortest way between neighbours."""
    turned = np.unwrap(np.radians(hues))
    return math.degrees(float(turned.max() - turned.min())) if hues else 0.0


def read_png(path: Path) -> np.ndarray:
    """An 8-bit PNG as (H, W, 3) uint8, through Blender (no other image library is a dependency)."""
    import bpy

    img = bpy.data.images.load(str(path))
    img.colorspace_settings.name = "Non-Color"  # the stored values, not linearised
    w, h = img.size
    px = np.empty(w * h * 4, np.float32)
    img.pixels.foreach_get(px)
    bpy.data.images.remove(img)
    return np.round(px.reshape(h, w, 4)[::-1, :, :3] * 255.0).astype(np.uint8)


def projected_box(scene, obj, frame: int) -> tuple[float, float, float, float] | None:
    """(x0, y0, x1, y1) in 0..1 of the frame (y down) that obj's bounding box covers through the camera
    of that frame (the shot's marker), clipped to the frame; None when it is behind the camera or off frame."""
    from bpy_extras.object_utils import world_to_camera_view
    from mathutils import Vector

    scene.frame_set(frame)
    cam = scene.camera
    pts = [world_to_camera_view(scene, cam, obj.matrix_world @ Vector(c)) for c in obj.bound_box]
    if any(p.z <= 0 for p in pts):
        return None
    x0, x1 = max(0.0, min(p.x for p in pts)), min(1.0, max(p.x for p in pts))
    y0, y1 = max(0.0, 1 - max(p.y for p in pts)), min(1.0, 1 - min(p.y for p in pts))
    return (x0, y0, x1, y1) if x1 > x0 and y1 > y0 else None


def luminance(rgb8: np.ndarray) -> np.ndarray:
    return (rgb8[..., :3] / 255.0) @ np.array([0.2126, 0.7152, 0.0722])


def heart_ratio(rgb8: np.ndarray, box) -> float | None:
    """Mean luminance over the ellipse inscribed in the heart's box, against the ring around it out to
    twice the box's size (the box itself left out)."""
    if box is None:
        return None
    h, w = rgb8.shape[:2]
    lum = luminance(rgb8)
    yy, xx = (np.mgrid[0:h, 0:w] + 0.5) / np.array([h, w])[:, None, None]
    cx, cy, rx, ry = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2, (box[2] - box[0]) / 2, (box[3] - box[1]) / 2
    inside = ((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2 <= 1.0
    near = (np.abs(xx - cx) <= 2 * rx) & (np.abs(yy - cy) <= 2 * ry)
    ring = near & ~((np.abs(xx - cx) <= rx) & (np.abs(yy - cy) <= ry))
    if inside.sum() < 4 or ring.sum() < 4:
        return None
    return float(lum[inside].mean() / max(lum[ring].mean(), 1e-4))


def frames_to_measure(plan) -> list[tuple[int, str, str]]:
    """(frame, beat, shot): the middle of each beat, and every 2 s through the forest beat."""
    from sanctuary.core.story import timeline as tl

    timeline, fps = plan.cfg["timeline"], plan.fps
    picked = {}
    for span in tl.beat_spans(timeline):
        picked[tl.to_frame((span.start + span.end) / 2, fps)] = span.name
    forest = tl.beat(timeline, "forest")
    for t in np.arange(forest.start, forest.end, 2.0):
        picked.setdefault(tl.to_frame(float(t), fps), "forest")
    shot_of = {f: s.name for s in plan.shots for f in range(s.frame_start, s.frame_end + 1)}
    return [(f, picked[f], shot_of[f]) for f in sorted(picked)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quality", default="preview")
    ap.add_argument("--preset", default="default")
    ap.add_argument("--set", dest="overrides", action="append", default=[])
    ap.add_argument("--out", default=None, help="keep the frames here (default: a temporary folder)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    from sanctuary import jobs
    from sanctuary.config import presets
    from sanctuary.core.plan import ScenePlan

    loaded = presets.load_scene(args.preset, overrides=(*args.overrides, "sound.enabled=false"))
    measured = frames_to_measure(ScenePlan(loaded.data))
    from sanctuary.core.story import timeline as tl

    timeline = loaded.data["timeline"]
    mids = {tl.to_frame((s.start + s.end) / 2, timeline["fps"]) for s in tl.beat_spans(timeline)}
    out = Path(args.out or tempfile.mkdtemp(prefix="bench_look_"))
    plan = jobs.plan_render(loaded, out, args.quality, ",".join(str(f) for f, _, _ in measured))
    jobs.new_file()
    info = jobs.render(plan)
    seconds = json.loads((out / "manifest.json").read_text())["frame_seconds"]
    import bpy

    from sanctuary.blender import names

    scene = bpy.context.scene
    heart, pedestal = bpy.data.objects[names.HEART], bpy.data.objects[names.PEDESTAL]
    rows = []
    for frame, beat, shot in measured:
        rgb = read_png(out / f"frame_{frame:05d}.png")
        p995, clipped = highlights(rgb)
        ratio = heart_ratio(rgb, projected_box(scene, heart, frame))
        stone = projected_box(scene, pedestal, frame)
        rows.append({"frame": frame, "beat": beat, "shot": shot, "colourfulness": round(colourfulness(rgb), 1),
                     "hue": round(mean_hue(rgb), 1), "lum_p995": round(p995, 3), "clipped": round(clipped, 5),
                     "heart_ratio": None if ratio is None else round(ratio, 2),
                     "pedestal_height": None if stone is None else round(stone[3] - stone[1], 3),
                     "seconds": seconds.get(str(frame))})
    forest = [r for r in rows if r["beat"] == "forest"]
    summary = {
        "quality": args.quality, "preset": args.preset, "fingerprint": info["fingerprint"],
        "colourfulness_forest_min": min(r["colourfulness"] for r in forest),
        "colourfulness_discovery": next(r["colourfulness"] for r in rows if r["beat"] == "discovery"),
        "hue_sweep_forest": round(hue_sweep([r["hue"] for r in forest]), 1),
        "canopy_lum_p995_min": min(r["lum_p995"] for r in rows if r["shot"] == "canopy_establish"),
        "canopy_clipped_max": max(r["clipped"] for r in rows if r["shot"] == "canopy_establish"),
        "mean_frame_seconds": round(float(np.mean([r["seconds"] for r in rows if r["seconds"]])), 2),
        "heart_ratio": {r["beat"]: r["heart_ratio"] for r in rows if r["frame"] in mids},
        "pedestal_height_discovery": next(r["pedestal_height"] for r in rows if r["beat"] == "discovery"),
    }
    if args.json:
        print(json.dumps({"frames": rows, "summary": summary}, indent=1))
        return
    print(f"{'frame':>6} {'beat':<12} {'shot':<18} {'colourful':>9} {'hue':>6} {'lum p99.5':>9} {'clipped':>8} "
          f"{'heart/ring':>10} {'stone h':>7} {'s':>6}")
    for r in rows:
        ratio = "-" if r["heart_ratio"] is None else f"{r['heart_ratio']:.2f}"
        stone = "-" if r["pedestal_height"] is None else f"{100 * r['pedestal_height']:.0f}%"
        print(f"{r['frame']:>6} {r['beat']:<12} {r['shot']:<18} {r['colourfulness']:>9.1f} {r['hue']:>6.1f} "
              f"{r['lum_p995']:>9.3f} {100 * r['clipped']:>7.2f}% {ratio:>10} {stone:>7} {r['seconds'] or 0:>6.2f}")
    print(f"forest colourfulness (min) {summary['colourfulness_forest_min']}, discovery "
          f"{summary['colourfulness_discovery']} (target 45); forest hue sweep {summary['hue_sweep_forest']} deg "
          f"(target 180); canopy luminance p99.5 (min) {summary['canopy_lum_p995_min']} (target 0.9), clipped "
          f"(max) {100 * summary['canopy_clipped_max']:.2f}% (target < 0.5%); {summary['mean_frame_seconds']} s a "
          f"frame at {args.quality}")
    ratios = summary["heart_ratio"]
    print(f"heart / surround luminance: sanctuary {ratios.get('sanctuary')} (target >= 4), panic "
          f"{ratios.get('panic')} (target <= 1.5); pedestal's height in the discovery shot "
          f"{100 * (summary['pedestal_height_discovery'] or 0):.0f}% of the frame (target >= 25%)")
    print(f"frames in {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
