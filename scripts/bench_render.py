#!/usr/bin/env python3
"""Render benchmark: time per frame at each quality tier, and at the preview tier
the image quality bought for that time against Blender's default Cycles settings.

For each representative frame of the default scene, at 640x360:
  - each tier (draft, preview, ...) renders it: wall time per frame, set-up included;
  - a reference: Blender's default Cycles settings at --ref-samples (denoised);
  - Blender's defaults with render time limits of --limits seconds (the limit
    counts sampling only; the wall time, set-up included, is what is compared);
  - where each tier's time goes (Cycles' own status lines): sync, sampling and denoising, compositor;
  - PSNR (dB, on the 8-bit PNGs read back as linear RGB, same compositor and view transform) of every
    render against the reference;
  - the speed-up: the wall time the defaults need to reach the preview's PSNR
    (interpolated along their limits) over the preview's wall time.
Targets: preview under 6 s a frame; a speed-up of at least 3.

With --final: each frame at the final tier, 1920x1080, timed in wall and CPU minutes (the process's
CPU time: every render thread's); then a reference on a crop (--crop, a fraction of the frame round
its centre) at --ref-factor times the final tier's samples and a quarter of its adaptive threshold,
everything else the final tier's; PSNR of the final frame's crop against it, and the two crops side
by side (crop_FRAME.png: final left, reference right). Target: at most 10 CPU-minutes a frame.

    python scripts/bench_render.py [--frames 54 936] [--ref-samples 128] [--limits 0.5 2 5 10]
                                   [--tiers draft preview] [--keep DIR [--reuse-reference]] [--json]
    python scripts/bench_render.py --final [--frames 54 936] [--crop 0.25] [--ref-factor 4] [--keep DIR]
                                   [--scale 0.25 --samples 16: a quick look at less than the tier]

One process (one bpy, one build).
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def load_pixels(bpy, path: Path) -> np.ndarray:
    """A PNG's pixels (N, 3), as Blender reads them (from sRGB to linear): what PSNR is taken on."""
    return load_image(bpy, path).reshape(-1, 3)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b) ** 2))
    return math.inf if mse == 0 else 10.0 * math.log10(1.0 / mse)


def blender_defaults(bpy, scene) -> None:
    """Every Cycles setting back to what a new scene has, and no culling, simplify or persistent data."""
    fresh = bpy.data.scenes.new("bench_defaults")
    for prop in fresh.cycles.bl_rna.properties:
        # Viewport-only settings (preview_*) have update callbacks that need a window.
        if not prop.is_readonly and prop.identifier not in ("rna_type", "name", "device") \
                and not prop.identifier.startswith("preview"):
            setattr(scene.cycles, prop.identifier, getattr(fresh.cycles, prop.identifier))
    for attr in ("use_persistent_data", "use_simplify"):
        setattr(scene.render, attr, getattr(fresh.render, attr))
    bpy.data.scenes.remove(fresh)
    scene.cycles.device = "CPU"
    scene.world.cycles.sampling_method = "AUTOMATIC"
    from sanctuary.render.settings import cull_leaves, halve_shells

    cull_leaves(scene, -2.0, 0.0)  # every leaf, as Cycles would have them with no culling
    halve_shells(scene, False)  # and the hum's shells whole


class Phases:
    """Where a render's wall time goes, from Cycles' own status lines (bpy.app.handlers.render_stats):
    sync (scene, BVH, lights, kernels: until its first sample), sampling (to the end of its last sample's
    status, which OpenImageDenoise's pass also shows under), then the compositor and the render's
    hand-over (to the end of the render call)."""

    def __init__(self, bpy):
        self.bpy, self.lines = bpy, []
        self.start = time.perf_counter()
        bpy.app.handlers.render_stats.append(self.stat)

    def stat(self, text: str, *_) -> None:  # bpy passes a second argument to a two-argument callable
        self.lines.append((time.perf_counter() - self.start, text))

    def restart(self) -> None:
        self.start, self.lines = time.perf_counter(), []

    def split(self, total: float) -> dict:
        first = next((t for t, s in self.lines if "Sample 0/" in s or "Sample 1/" in s), None)
        last = max((t for t, s in self.lines if "Sample " in s), default=None)
        if first is None or last is None:
            return {}
        return {"sync": round(first, 2), "sampling_denoise": round(last - first, 2),
                "composite": round(total - last, 2)}

    def close(self) -> None:
        self.bpy.app.handlers.render_stats.remove(self.stat)


def final_tier(bpy, scene, args, folder: Path, phases) -> int:
    """--final: the final tier's cost per frame and its quality against a higher-sample reference crop."""
    from sanctuary.config import presets
    from sanctuary.render.batch import set_frame
    from sanctuary.render.settings import apply_quality

    q = dict(presets.load_quality("final").data)
    q["resolution"] = [int(round(v * args.scale)) for v in q["resolution"]]
    q["samples"] = args.samples or q["samples"]
    results = {"blender": bpy.app.version_string, "preset": args.preset, "final": {k: q[k] for k in (
        "resolution", "samples", "adaptive_threshold", "max_bounces", "motion_blur")}, "frames": {}}

    def render(frame: int, name: str) -> dict:
        set_frame(scene, frame, q)  # as the batch goes to each frame: the leaves culled to its camera
        wall, cpu = time.perf_counter(), time.process_time()
        phases.restart()
        bpy.ops.render.render(scene=scene.name)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        path = folder / f"{name}_{frame:05d}.png"
        settings = scene.render.image_settings
        kind = settings.file_format
        settings.file_format = "PNG"  # display-referred, through the same view transform
        bpy.data.images["Render Result"].save_render(filepath=str(path), scene=scene)
        settings.file_format = kind
        return {"wall_minutes": round(wall / 60, 2), "cpu_minutes": round(cpu / 60, 2),
                "phases": phases.split(wall), "path": path}

    c = args.crop
    box = (0.5 - c / 2, 0.5 + c / 2, 0.5 - c / 2, 0.5 + c / 2)
    for frame in args.frames:
        apply_quality(scene, q)
        full = render(frame, "final")
        print(f"frame {frame}: final {full['wall_minutes']} min wall, {full['cpu_minutes']} CPU-min", file=sys.stderr,
              flush=True)
        r = scene.render
        r.use_border, r.use_crop_to_border = True, True
        r.border_min_x, r.border_max_x, r.border_min_y, r.border_max_y = box
        scene.cycles.samples = int(q["samples"] * args.ref_factor)
        scene.cycles.adaptive_threshold = q["adaptive_threshold"] / args.ref_factor
        ref = render(frame, "reference_crop")
        r.use_border = r.use_crop_to_border = False
        w, h = q["resolution"]
        x0, y0 = int(round(box[0] * w)), int(round(box[2] * h))
        a, b = load_image(bpy, full["path"]), load_image(bpy, ref["path"])  # (h, w, 3), top row first
        top = h - y0 - b.shape[0]  # Blender's border counts y from the bottom
        cut = (slice(top, top + b.shape[0]), slice(x0, x0 + b.shape[1]))
        row = {"final": {k: v for k, v in full.items() if k != "path"},
               "reference": {k: v for k, v in ref.items() if k != "path"}, "crop": [x0, top, b.shape[1], b.shape[0]],
               "crop_psnr": round(psnr(a[cut], b), 2)}
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from bench_look import read_png  # the stored 8-bit values, as the look's figures read them
        from readme_images import write_png

        write_png(np.concatenate([read_png(full["path"])[cut], read_png(ref["path"])], axis=1),
                  folder / f"crop_{frame:05d}.png")
        results["frames"][str(frame)] = row
        print(f"frame {frame}: {row}", file=sys.stderr, flush=True)
    results["frames_folder"] = str(folder)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print(f"Blender {results['blender']}, preset {args.preset}, final tier {results['final']}")
        for frame, row in results["frames"].items():
            f, ref = row["final"], row["reference"]
            print(f"  frame {frame}: {f['cpu_minutes']} CPU-min ({f['wall_minutes']} min wall; "
                  + ", ".join(f"{k} {v / 60:.2f} min" for k, v in f["phases"].items())
                  + f"); against {args.ref_factor:g}x the samples on a {row['crop'][2]}x{row['crop'][3]} crop "
                  f"({ref['cpu_minutes']} CPU-min): {row['crop_psnr']} dB")
        print(f"  frames and crops (final | reference) in {folder}")
    phases.close()
    return 0


def load_image(bpy, path: Path) -> np.ndarray:
    """A PNG as (H, W, 3) floats, top row first, as Blender reads it (from sRGB to linear)."""
    img = bpy.data.images.load(str(path))
    w, h = img.size
    px = np.empty(w * h * 4, np.float32)
    img.pixels.foreach_get(px)
    bpy.data.images.remove(img)
    return px.reshape(h, w, 4)[::-1, :, :3].astype(np.float64)


def speedup(preview_seconds: float, preview_psnr: float, curve: list[tuple[float, float]]) -> tuple[float, str]:
    """Defaults' wall time to match the preview's PSNR over the preview's time, from their
    (wall, psnr) points. Returns (ratio, how): "interpolated", "at most" when even the
    defaults' quickest frame is better, "at least" when their slowest is still worse."""
    pts = sorted(curve)
    if pts[0][1] >= preview_psnr:
        return pts[0][0] / preview_seconds, "at most"
    for (t0, q0), (t1, q1) in zip(pts, pts[1:]):
        if q0 < preview_psnr <= q1:
            t = t0 + (t1 - t0) * (preview_psnr - q0) / (q1 - q0)
            return t / preview_seconds, "interpolated"
    return pts[-1][0] / preview_seconds, "at least"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--preset", default="default")
    ap.add_argument("--frames", type=int, nargs="+", default=[54, 936])
    ap.add_argument("--tiers", nargs="+", default=["draft", "preview"])
    ap.add_argument("--ref-samples", type=int, default=128)
    ap.add_argument("--limits", type=float, nargs="+", default=[0.5, 2.0, 5.0, 10.0],
                    help="render time limits (s) for Blender's defaults")
    ap.add_argument("--keep", default=None, help="folder to keep the rendered frames in")
    ap.add_argument("--reuse-reference", action="store_true", help="use reference frames already in --keep")
    ap.add_argument("--final", action="store_true", help="time the final tier instead (see above)")
    ap.add_argument("--crop", type=float, default=0.25, help="--final: the reference crop's share of each side")
    ap.add_argument("--ref-factor", type=float, default=4.0, help="--final: the reference's samples over the tier's")
    ap.add_argument("--scale", type=float, default=1.0, help="--final: a share of the tier's resolution (a quick look)")
    ap.add_argument("--samples", type=int, default=None, help="--final: samples instead of the tier's (a quick look)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    import bpy

    from sanctuary import jobs
    from sanctuary.config import presets
    from sanctuary.render.batch import set_frame
    from sanctuary.render.settings import apply_quality

    folder = Path(args.keep or tempfile.mkdtemp(prefix="bench_render_"))
    folder.mkdir(parents=True, exist_ok=True)
    jobs.new_file()
    jobs.build(presets.load_scene(args.preset))
    scene = bpy.context.scene
    preview = presets.load_quality("preview").data

    phases = Phases(bpy)
    split = {}
    if args.final:
        return final_tier(bpy, scene, args, folder, phases)

    def render(name: str, frame: int, tier: dict | None = None) -> tuple[float, Path]:
        if tier is None:  # Blender's defaults: every leaf
            scene.frame_set(frame)
        else:  # as the batch goes to each frame: the leaves culled to its camera
            set_frame(scene, frame, tier)
        t0 = time.perf_counter()
        phases.restart()
        bpy.ops.render.render(scene=scene.name)
        seconds = time.perf_counter() - t0
        split[name, frame] = phases.split(seconds)
        path = folder / f"{name}_{frame:05d}.png"
        bpy.data.images["Render Result"].save_render(filepath=str(path), scene=scene)
        return seconds, path

    results = {"blender": bpy.app.version_string, "preset": args.preset, "ref_samples": args.ref_samples,
               "tiers": {}, "frames": {}}
    for tier in args.tiers:
        q = presets.load_quality(tier).data
        apply_quality(scene, q)
        times = [render(tier, f, q)[0] for f in args.frames]
        results["tiers"][tier] = {"resolution": q["resolution"], "seconds_per_frame": times,
                                  "phases": [split[tier, f] for f in args.frames]}

    for frame in args.frames:
        apply_quality(scene, preview)
        t_preview, p_preview = render("preview", frame, preview)
        p_ref = folder / f"reference_{frame:05d}.png"
        if not (args.reuse_reference and p_ref.exists()):
            blender_defaults(bpy, scene)
            scene.cycles.samples = args.ref_samples
            t_ref, p_ref = render("reference", frame)
        else:
            t_ref = None
        ref = load_pixels(bpy, p_ref)
        row = {"preview_seconds": round(t_preview, 2), "reference_seconds": t_ref and round(t_ref, 2),
               "preview_psnr": round(psnr(load_pixels(bpy, p_preview), ref), 2), "defaults": []}
        for limit in args.limits:
            blender_defaults(bpy, scene)
            scene.cycles.time_limit = limit
            t, p = render(f"defaults_{limit:g}s", frame)
            row["defaults"].append({"limit": limit, "seconds": round(t, 2),
                                    "psnr": round(psnr(load_pixels(bpy, p), ref), 2)})
        ratio, how = speedup(t_preview, row["preview_psnr"], [(d["seconds"], d["psnr"]) for d in row["defaults"]])
        row["speedup"], row["speedup_is"] = round(ratio, 2), how
        results["frames"][str(frame)] = row
        print(f"frame {frame}: {row}", file=sys.stderr, flush=True)

    results["preview_mean_seconds"] = round(float(np.mean(results["tiers"].get("preview", {}).get(
        "seconds_per_frame", [r["preview_seconds"] for r in results["frames"].values()]))), 2)
    results["frames_folder"] = str(folder)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print(f"Blender {results['blender']}, preset {args.preset}, frames {args.frames}")
        for tier, r in results["tiers"].items():
            secs = ", ".join(f"{s:.2f}" for s in r["seconds_per_frame"])
            print(f"  {tier:8s} {r['resolution'][0]}x{r['resolution'][1]}: {secs} s/frame")
        for tier, r in results["tiers"].items():
            for f, ph in zip(args.frames, r["phases"]):
                print(f"  {tier:8s} frame {f}: " + ", ".join(f"{k} {v:.2f} s" for k, v in ph.items()))
        print(f"  PSNR against Blender's defaults at {args.ref_samples} samples (dB):")
        for frame, r in results["frames"].items():
            curve = ", ".join(f"{d['psnr']} in {d['seconds']} s" for d in r["defaults"])
            print(f"  frame {frame}: preview {r['preview_psnr']} in {r['preview_seconds']} s | defaults {curve}")
            print(f"    defaults need {r['speedup_is']} {r['speedup']}x the preview's time for its PSNR")
        print(f"  preview mean {results['preview_mean_seconds']} s/frame; frames in {folder}")
    phases.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
