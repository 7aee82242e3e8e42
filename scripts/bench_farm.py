#!/usr/bin/env python3
"""Farm job benchmark: what the job's steps cost over a plain `sanctuary render` of the same
frames, and the memory each step's task needs (for the template's host requirements).

  1. `sanctuary job` writes the bundle (--preset, --quality, --frames, --chunk-size);
  2. OpenJD's runtime runs it step by step, as a farm's workers would, each step timed:
     `openjd run template.yaml --step Scene`, then `--step Render`, then `--step Film`;
  3. a plain `sanctuary render` of the same frames into another folder, timed;
  4. with --per-chunk, the way before the job: one `sanctuary render --chunk I/N` per
     chunk (each builds the scene), timed, then one more run that makes the film.
Peak memory is each task process's own (getrusage ru_maxrss, recorded in the manifests:
manifest.scene.json, manifest.chunk-*.json, and manifest.json for the Film step).

    python scripts/bench_farm.py [--preset sketch] [--quality draft] [--frames 600-611]
                                 [--chunk-size 4] [--samples N] [--per-chunk] [--no-plain]
                                 [--keep DIR] [--json]

--samples N renders at the tier with its samples set to N (a copy of the tier, same name,
shadowing the shipped one through SANCTUARY_PRESET_PATH): for the memory of the final tier
without its hours; the frames' buffers do not grow with the sample count.
Run it with the Python that has bpy, sanctuary and openjd-cli (the project's venv).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def run(cmd: list[str], env: dict, log: Path) -> float:
    """Run cmd, its output to log; its wall seconds. Stops the benchmark if it fails."""
    t0 = time.perf_counter()
    with log.open("w") as f:
        code = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT, env=env).returncode
    seconds = time.perf_counter() - t0
    if code != 0:
        sys.exit(f"bench_farm: {' '.join(cmd)} failed (exit {code}); see {log}")
    return round(seconds, 2)


def peak(path: Path) -> float | None:
    return json.loads(path.read_text()).get("peak_memory_mib") if path.is_file() else None


def frame_sum(folder: Path) -> float | None:
    """The seconds its frames took (manifest.json), to tell the steps' own cost from the frames'."""
    path = folder / "manifest.json"
    return round(sum(json.loads(path.read_text())["frame_seconds"].values()), 2) if path.is_file() else None


def opened(*logs: Path) -> list[float]:
    """The seconds each task took to open scene.blend, as its log says."""
    return [float(m) for log in logs for m in re.findall(r"opened scene\.blend in ([0-9.]+) s", log.read_text())]


def tier_copy(quality: str, samples: int, folder: Path) -> None:
    """The tier with `samples` samples, same name, in folder/quality/ (shadowing the shipped one)."""
    from sanctuary.config import presets

    text = presets.load_quality(quality).path.read_text()
    text, n = re.subn(r"(?m)^samples\s*=.*$", f"samples = {samples}", text)
    if n != 1:
        sys.exit(f"bench_farm: no single samples = line in the {quality} tier")
    (folder / "quality").mkdir(parents=True)
    (folder / "quality" / f"{quality}.toml").write_text(text)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--preset", default="sketch")
    ap.add_argument("--quality", default="draft")
    ap.add_argument("--frames", default="600-611")
    ap.add_argument("--chunk-size", type=int, default=4)
    ap.add_argument("--samples", type=int, default=None, help="the tier's samples set to N (memory runs)")
    ap.add_argument("--set", dest="overrides", action="append", default=[], help="as sanctuary's --set")
    ap.add_argument("--per-chunk", action="store_true", help="also one sanctuary render --chunk I/N per chunk")
    ap.add_argument("--no-plain", action="store_true", help="skip the plain render (memory runs)")
    ap.add_argument("--keep", default=None, help="work here (kept) instead of a temporary folder")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)

    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench_farm-"))
    work.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    if args.samples is not None:
        tier_copy(args.quality, args.samples, work / "tiers")
        env["SANCTUARY_PRESET_PATH"] = os.pathsep.join([str(work / "tiers"), *filter(None, [
            os.environ.get("SANCTUARY_PRESET_PATH")])])
    py = [sys.executable]
    scene_args = ["--preset", args.preset, "--quality", args.quality, "--frames", args.frames,
                  *[a for o in args.overrides for a in ("--set", o)]]
    bundle = work / "job"
    job = subprocess.run([*py, "-m", "sanctuary", "job", *scene_args, "--chunk-size", str(args.chunk_size),
                          "--out", str(bundle), "--json"], capture_output=True, text=True, env=env)
    if job.returncode != 0:
        sys.exit(f"bench_farm: sanctuary job failed: {job.stderr.strip()}")
    info = json.loads(job.stdout)
    template = str(bundle / "template.yaml")
    steps = {step: run([*py, "-m", "openjd", "run", template, "--step", step], env, work / f"{step}.log")
             for step in ("Scene", "Render", "Film")}
    out = bundle / "output"
    result = {
        "preset": args.preset, "quality": args.quality, "samples": args.samples, "frames": args.frames,
        "frame_count": len(info["frames"]), "chunk_size": args.chunk_size, "tasks": info["tasks"],
        "cpus": os.cpu_count(), "job_seconds": {**steps, "total": round(sum(steps.values()), 2)},
        "peak_memory_mib": {"scene": peak(out / "manifest.scene.json"),
                            "frames": max(filter(None, (peak(p) for p in out.glob("manifest.chunk-*.json"))),
                                          default=None),
                            "film": peak(out / "manifest.json")},
        "template_memory_mib": info["memory_mib"], "template_memory_basis": info["memory_basis"],
        "scene_step_timings": {k: v for k, v in json.loads((out / "manifest.scene.json").read_text())[
            "timings"].items() if k in ("build_total", "save")},
        "open_scene_seconds": opened(work / "Render.log", work / "Film.log"),
        "job_frame_seconds": frame_sum(out),
    }
    result["job_other_seconds"] = round(result["job_seconds"]["total"] - result["job_frame_seconds"], 2)
    if not args.no_plain:
        plain = work / "plain"
        seconds = run([*py, "-m", "sanctuary", "render", *scene_args, "--out", str(plain)], env,
                      work / "plain.log")
        result["plain_seconds"] = seconds
        result["plain_peak_memory_mib"] = peak(plain / "manifest.json")
        result["overhead_seconds"] = round(result["job_seconds"]["total"] - seconds, 2)
        result["plain_frame_seconds"] = frame_sum(plain)
        result["plain_other_seconds"] = round(seconds - result["plain_frame_seconds"], 2)
        # Besides the frames (whose seconds vary with the machine's load): what the job's steps add.
        result["overhead_other_seconds"] = round(result["job_other_seconds"] - result["plain_other_seconds"], 2)
    if args.per_chunk:
        chunked = work / "per_chunk"
        n = info["tasks"]
        per = [run([*py, "-m", "sanctuary", "render", *scene_args, "--chunk", f"{i}/{n}", "--out", str(chunked)],
                   env, work / f"per_chunk_{i}.log") for i in range(1, n + 1)]
        film = run([*py, "-m", "sanctuary", "render", *scene_args, "--out", str(chunked)], env,
                   work / "per_chunk_film.log")
        result["per_chunk_seconds"] = {"chunks": per, "film": film, "total": round(sum(per) + film, 2),
                                       "frames": frame_sum(chunked)}
        result["per_chunk_seconds"]["other"] = round(result["per_chunk_seconds"]["total"]
                                                     - result["per_chunk_seconds"]["frames"], 2)
    result["work"] = str(work)
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
