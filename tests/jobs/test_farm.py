"""Render farms: the Open Job Description job bundle `sanctuary job` writes, checked and run with OpenJD's own
tools (openjd-cli, a test dependency): `openjd check` on the template, `openjd run` through the Film step,
a Render task killed mid-chunk and the job run again (the panel's Write Farm Job: tests/ui/test_farm_panel.py)."""
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import run_json, run_script
from hypothesis import given, settings
from hypothesis import strategies as st

from sanctuary import files
from sanctuary.config import presets
from sanctuary.config.errors import ConfigError, Source
from sanctuary.jobs import farm
from sanctuary.jobs.frames import chunk_label, select_chunk

yaml = pytest.importorskip("yaml")  # comes with openjd-cli
pytest.importorskip("openjd.cli")

SKETCH = ("--preset", "sketch", "--quality", "draft")
FRAMES = list(range(600, 607))  # a handful of frames of the sketch, in three chunks of up to 3


def openjd(*args: str, cwd=None, timeout: int = 900) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "openjd", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=timeout)


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


def write_job(bundle: Path, *args: str) -> dict:
    code, info, stderr = run_json("job", *args, "--out", str(bundle))
    assert code == 0, stderr
    return info


def png_pixels(path: Path) -> bytes:
    """A PNG's image data (IDAT), without the text chunks Blender stamps in (date, file name)."""
    data, pos, idat = path.read_bytes(), 8, b""
    while pos < len(data):
        size, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if kind == b"IDAT":
            idat += data[pos + 8:pos + 8 + size]
        pos += 12 + size
    return idat


def frames_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("frame_*"))


def listing(folder: Path) -> dict:
    return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in folder.iterdir()}


def rendered_in(log: str) -> list[int]:
    """The frames a log's progress lines say were rendered (not skipped)."""
    return sorted(int(line.split("render frame ")[1].split(":")[0]) for line in log.splitlines()
                  if "render frame " in line and "skipped" not in line)


def memory_of(template: dict) -> dict:
    return {s["name"]: s["hostRequirements"]["amounts"][0]["min"] for s in template["steps"]}


# --- the bundle, without Blender ----------------------------------------------------------------

@pytest.mark.parametrize("preset", ["default", "sketch"])
def test_the_bundle_passes_openjd_check_and_chunks_as_planned(tmp_path, preset):
    bundle = tmp_path / "job"
    info = write_job(bundle, "--preset", preset)
    assert sorted(p.name for p in bundle.iterdir()) == ["asset_references.yaml", "parameter_values.yaml",
                                                        "template.yaml"]
    proc = openjd("check", str(bundle / "template.yaml"))
    assert proc.returncode == 0 and "passes validation checks" in proc.stdout, proc.stdout + proc.stderr

    template = load(bundle / "template.yaml")
    assert template["specificationVersion"] == "jobtemplate-2023-09" and template["extensions"] == ["TASK_CHUNKING"]
    assert [s["name"] for s in template["steps"]] == ["Scene", "Render", "Film"]
    assert [s.get("dependencies") for s in template["steps"]] == [None, [{"dependsOn": "Scene"}],
                                                                 [{"dependsOn": "Render"}]]
    params = {p["name"]: p for p in template["parameterDefinitions"]}
    assert params["OutputDir"]["type"] == "PATH" and params["OutputDir"]["dataFlow"] == "OUT"
    assert params["OutputDir"]["default"] == "output"  # relative: inside the bundle, wherever it goes
    assert params["Frames"]["default"] == info["frame_ranges"]
    tier = presets.load_quality(params["Quality"]["default"])
    assert params["Quality"]["default"] == presets.load_scene(preset).data["render"]["quality"]
    assert params["ChunkSize"]["default"] == farm.default_chunk_size(tier.data) == info["chunk_size"]
    assert params["ChunkTargetSeconds"]["default"] == farm.CHUNK_TARGET_SECONDS  # chosen: the farm adjusts it
    chunk = template["steps"][1]["parameterSpace"]["taskParameterDefinitions"][0]
    assert chunk["type"] == "CHUNK[INT]" and chunk["chunks"]["rangeConstraint"] == "CONTIGUOUS"
    # Memory as measured for the preset and tier, a whole number of 256 MiB above the peak.
    memory, _ = farm.task_memory(preset, tier.name)
    assert memory_of(template) == {"Scene": memory["scene"], "Render": memory["frames"], "Film": memory["film"]}
    assert all(m > 0 and m % farm.MEMORY_STEP == 0 for m in memory.values())

    # The scene's values travel inside the template and load back to the preset's, exactly.
    embedded = template["steps"][0]["script"]["embeddedFiles"][0]
    assert all(s["script"]["embeddedFiles"] == [embedded] for s in template["steps"])
    (tmp_path / embedded["filename"]).write_text(embedded["data"])
    assert presets.load_scene(str(tmp_path / embedded["filename"])).data == presets.load_scene(preset).data

    # OpenJD's own model cuts the frames into the tasks the summary promised.
    from openjd.model import StepParameterSpaceIterator, create_job, decode_job_template, preprocess_job_parameters

    model = decode_job_template(template=template, supported_extensions=["TASK_CHUNKING"])
    values = preprocess_job_parameters(job_template=model, job_parameter_values={"ChunkTargetSeconds": "0"},
                                       job_template_dir=bundle, current_working_dir=tmp_path)
    job = create_job(job_template=model, job_parameter_values=values)
    chunks = [p["Frame"].value for p in StepParameterSpaceIterator(space=job.steps[1].parameterSpace)]
    planned = farm.contiguous_chunks(info["frames"], info["chunk_size"])
    assert chunks == [f"{c[0]}-{c[-1]}" for c in planned] and len(chunks) == info["tasks"]

    values = {v["name"]: v["value"] for v in load(bundle / "parameter_values.yaml")["parameterValues"]}
    assert values == {k: p["default"] for k, p in params.items() if k != "OutputDir"}
    assert load(bundle / "asset_references.yaml")["assetReferences"]["inputs"] == {"filenames": [], "directories": []}


def test_chunk_size_given_is_kept_and_the_trailer_chunks_per_shot(tmp_path):
    info = write_job(tmp_path / "job", *SKETCH, "--chunk-size", "5")
    template = load(tmp_path / "job" / "template.yaml")
    params = {p["name"]: p["default"] for p in template["parameterDefinitions"]}
    assert params["ChunkSize"] == 5 and params["ChunkTargetSeconds"] == 0  # as asked, not adjusted
    # The trailer: 12 frames from the middle of each of 8 shots; a chunk never spans two shots.
    assert len(info["frames"]) == 96 and info["tasks"] == 8 * 3
    assert all(c[-1] - c[0] == len(c) - 1 for c in farm.contiguous_chunks(info["frames"], 5))


def test_the_memory_asked_for_says_what_it_was_measured_on(tmp_path):
    here = farm.blender_version()
    versions = {v for v, p, t in farm.MEASURED_PEAK_MIB if (p, t) == ("sketch", "draft")}
    # Where this Blender was not measured (4.5, 5.1), the basis says whose figures it took.
    on = here if here in versions else f"{', '.join(sorted(versions))}, not on this Blender ({here}): the most"
    info = write_job(tmp_path / "as_shipped", *SKETCH, "--seed", "99")  # a seed builds the same counts
    assert info["memory_basis"] == f"measured for 'sketch' at 'draft' on Blender {on}"
    info = write_job(tmp_path / "changed", *SKETCH, "--set", "forest.tree_count=300")
    if here in versions:
        assert info["memory_basis"] == (f"measured for 'sketch' at 'draft' on Blender {here} as shipped, not "
                                        "with this job's changes to it")
    else:
        assert info["memory_basis"].startswith(f"measured for 'sketch' at 'draft' on Blender {on}")
    assert info["memory_basis"] in load(tmp_path / "changed" / "template.yaml")["description"]
    # Another Blender's figures when this one's are missing; the most of any preset for a preset of one's own.
    memory, basis = farm.task_memory("sketch", "draft", blender="9.9")
    assert basis == (f"measured for 'sketch' at 'draft' on Blender {', '.join(sorted(versions))}, not on this "
                     "Blender (9.9): the most")
    assert memory == {step: max(farm.task_memory("sketch", "draft", blender=v)[0][step] for v in versions)
                      for step in memory}
    memory, basis = farm.task_memory("my_dream", "draft")
    assert basis == "not measured for 'my_dream': the most measured at 'draft'"
    measured = [peaks for (_, p, t), peaks in farm.MEASURED_PEAK_MIB.items() if t == "draft"]
    assert memory == {step: farm.math.ceil(max(m[step] for m in measured) * farm.MEMORY_MARGIN / 256) * 256
                      for step in memory}
    assert all(m % farm.MEMORY_STEP == 0 for m in memory.values())


def test_default_chunk_size_is_a_few_minutes_of_the_tiers_frames():
    assert farm.default_chunk_size({"frame_seconds": 5.4}) == round(farm.CHUNK_TARGET_SECONDS / 5.4)
    assert farm.default_chunk_size({"frame_seconds": 1.8}) == farm.MAX_CHUNK  # 167 frames: Deadline's most
    assert farm.default_chunk_size({"frame_seconds": 900.0}) == 1
    assert farm.default_chunk_size({}) == 1  # never timed (the final tier): a frame is minutes already


def test_a_chunk_is_the_slice_or_the_frames_given_of_the_whole_job():
    job = [1, 2, 3, 7, 9, 10]
    assert select_chunk(job, "2-3") == [2, 3] and select_chunk(job, "1-3,7") == [1, 2, 3, 7]
    assert select_chunk(job, "9") == [9] and select_chunk(job, "2/3") == [3, 7] and select_chunk(job, None) == job
    assert chunk_label("2-3", [2, 3]) == "2-3" and chunk_label("1-3,7", [1, 2, 3, 7]) == "1-3_7"
    assert chunk_label("2/3", [3, 7]) == "2-of-3" and chunk_label(None, job) is None
    for bad in ("4-6", "0", "8", "3-1", "a-b", "1-3,"):
        with pytest.raises(ConfigError) as e:
            select_chunk(job, bad)
        assert e.value.source == Source.CHUNK


@pytest.mark.parametrize("args, flag", [
    (("--chunk-size", "0"), "--chunk-size"),
    (("--chunk-size", "151"), "--chunk-size"),
    (("--frames", "1400-1500"), "--frames"),
    (("--frames", "0"), "--frames"),
    (("--shot", "heart_closeup"), "--shot"),
    (("--quality", "ultra"), "--quality"),
])
def test_bad_input_is_one_line_exit_2_and_nothing_written(tmp_path, args, flag):
    code, info, stderr = run_json("job", *SKETCH[:2], *args, "--out", str(tmp_path / "job"))
    assert code == 2 and not info["ok"]
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"sanctuary: error: {flag}: "), stderr
    assert list(tmp_path.iterdir()) == []


def test_an_unwritable_or_foreign_folder_is_refused(tmp_path):
    (tmp_path / "a_file").write_text("x")
    code, _, stderr = run_json("job", *SKETCH, "--out", str(tmp_path / "a_file" / "job"))
    assert code == 2 and stderr.strip() == (f"sanctuary: error: --out: cannot create output folder "
                                            f"{tmp_path / 'a_file' / 'job'}: {tmp_path / 'a_file'} is a file")
    other = tmp_path / "photos"
    other.mkdir()
    (other / "holiday.png").write_bytes(b"not a job")
    code, _, stderr = run_json("job", *SKETCH, "--out", str(other))
    assert code == 2 and "holds no job bundle of sanctuary's" in stderr
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["a_file", "holiday.png", "photos"]


def test_writing_a_job_again_replaces_its_files_and_keeps_its_render(tmp_path):
    bundle = tmp_path / "job"
    write_job(bundle, *SKETCH, "--frames", "1-24", "--chunk-size", "4")
    (bundle / "output").mkdir()
    (bundle / "output" / "frame_00001.png").write_bytes(b"a frame")
    write_job(bundle, *SKETCH, "--frames", "1-24", "--chunk-size", "8")
    params = {p["name"]: p["default"] for p in load(bundle / "template.yaml")["parameterDefinitions"]}
    assert params["ChunkSize"] == 8 and (bundle / "output" / "frame_00001.png").read_bytes() == b"a frame"
    assert not [p for p in bundle.iterdir() if p.name.startswith(".")]
    # Its render folder belongs to these frames (its stamp): a job of other frames is refused up front.
    stamp = {"picture_hash": presets.load_scene("sketch").picture_digest(), "frames": list(range(1, 25))}
    (bundle / "output" / "sanctuary_job.json").write_text(json.dumps(stamp))
    code, _, stderr = run_json("job", *SKETCH, "--frames", "1-12", "--out", str(bundle))
    assert code == 2 and "belongs to another render" in stderr and "differs in" in stderr and "the frames" in stderr


def test_a_dry_run_says_what_the_job_would_be_and_writes_nothing(tmp_path):
    code, info, stderr = run_json("job", *SKETCH, "--shot", "heart_close", "--chunk-size", "50",
                                  "--out", str(tmp_path / "job"), "--dry-run")
    assert code == 0 and info["dry_run"] and not (tmp_path / "job").exists(), stderr
    assert info["tasks"] == len(farm.contiguous_chunks(info["frames"], 50)) >= 2
    assert info["run"] == f"openjd run {tmp_path / 'job' / 'template.yaml'} --step Film --run-dependencies"


def test_braces_in_the_presets_text_do_not_become_openjd_expressions(tmp_path):
    bundle = tmp_path / "job"
    write_job(bundle, *SKETCH, "--set", 'captions.realization="{{Param.Frames}} {{ and }}"')
    proc = openjd("check", str(bundle / "template.yaml"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = load(bundle / "template.yaml")["steps"][0]["script"]["embeddedFiles"][0]["data"]
    assert "{{" not in data and "}}" not in data
    (tmp_path / "p.toml").write_text(data)
    assert presets.load_scene(str(tmp_path / "p.toml")).data["captions"]["realization"] == "{{Param.Frames}} {{ and }}"


# The YAML is written by hand (no PyYAML in Blender): whatever it writes, a YAML reader reads back exactly.
names = (st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}", fullmatch=True) | st.sampled_from(["NO", "on", "Null", "y"])
         | st.text(max_size=8))
scalars = st.none() | st.booleans() | st.integers(-2**40, 2**40) | st.text(max_size=40) | st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60).map(lambda t: t + "\n")
trees = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(names, inner, max_size=4),
                     max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(names, trees, max_size=5))
def test_the_yaml_writer_round_trips_through_a_yaml_reader(data):
    assert yaml.safe_load(farm.yaml_text(data, "a comment\nof two lines")) == (data or None)


def test_embedded_text_stays_a_readable_block():
    text = farm.yaml_text({"data": "seed = 7\n\n[forest]\n# trees\n"})
    assert text == "data: |\n  seed = 7\n\n  [forest]\n  # trees\n"


# --- running it: openjd run, as a farm's worker would -------------------------------------------

@pytest.fixture(scope="module")
def job_run(tmp_path_factory):
    """The sketch at the draft tier, frames 600-606 in chunks of 3, run through the Film step."""
    pytest.importorskip("bpy")
    bundle = tmp_path_factory.mktemp("farm") / "job"
    write_job(bundle, *SKETCH, "--frames", f"{FRAMES[0]}-{FRAMES[-1]}", "--chunk-size", "3")
    t0 = time.perf_counter()
    proc = openjd("run", str(bundle / "template.yaml"), "--step", "Film", "--run-dependencies")
    seconds = time.perf_counter() - t0
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    return bundle, bundle / "output", proc.stdout, seconds


@pytest.mark.slow
def test_openjd_run_renders_every_frame_once_then_the_film_once(job_run):
    bundle, out, log, _ = job_run
    assert frames_in(out) == [f"frame_{f:05d}.png" for f in FRAMES]
    assert all(files.is_whole(out / name) for name in frames_in(out))
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")]  # no temporary file, claim or lock
    # Three Render tasks, each its own chunk and manifest, under the one stamp of the whole job.
    chunks = {p.name: json.loads(p.read_text()) for p in out.glob("manifest.chunk-*.json")}
    assert {n: m["frames"] for n, m in chunks.items()} == {
        "manifest.chunk-600-602.json": [600, 601, 602], "manifest.chunk-603-604.json": [603, 604],
        "manifest.chunk-605-606.json": [605, 606]}
    stamp = json.loads((out / "sanctuary_job.json").read_text())
    assert stamp["frames"] == FRAMES and all(m["selection"] == FRAMES for m in chunks.values())
    # The scene was built once (the Scene step) and opened by every other task.
    assert log.count("scene: saving scene.blend") == 1 and log.count("build [") >= 1
    assert log.count("scene: opened scene.blend") == 3 + 1
    assert all(m["fingerprint"] == stamp["fingerprint"] for m in chunks.values())
    # The film, its soundtrack and the sheet: made once, by the Film step.
    for name in ("film.mp4", "film.wav", "contact_sheet.png"):
        assert files.is_whole(out / name) and log.count(f"wrote {out / name}") == 1, name
    assert log.count("encoding film.mp4") == 1
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["frames"] == FRAMES and sorted(map(int, manifest["frame_seconds"])) == FRAMES
    assert manifest["film"] == "film.mp4" and manifest["fingerprint"] == stamp["fingerprint"]
    assert set(manifest["task_peak_memory_mib"]) == {*chunks, "manifest.scene.json"}


@pytest.mark.slow
def test_the_jobs_frames_are_a_plain_renders_frames(job_run, tmp_path):
    _, out, _, _ = job_run
    plain = tmp_path / "plain"
    code, info, stderr = run_json("render", *SKETCH, "--frames", f"{FRAMES[0]}-{FRAMES[-1]}",
                                  "--set", "sound.enabled=false", "--out", str(plain))
    assert code == 0, stderr
    assert info["fingerprint"] == json.loads((out / "sanctuary_job.json").read_text())["fingerprint"]
    assert frames_in(plain) == frames_in(out)
    for name in frames_in(out):
        assert png_pixels(plain / name) == png_pixels(out / name), name


@pytest.mark.slow
def test_each_steps_memory_covers_what_its_tasks_used(job_run):
    """The host requirements (measured beforehand, rounded up) hold the peaks this run recorded."""
    bundle, out, _, _ = job_run
    need = memory_of(load(bundle / "template.yaml"))
    peaks = json.loads((out / "manifest.json").read_text())
    assert 0 < peaks["task_peak_memory_mib"]["manifest.scene.json"] <= need["Scene"]
    assert 0 < max(v for k, v in peaks["task_peak_memory_mib"].items() if "chunk" in k) <= need["Render"]
    assert 0 < peaks["peak_memory_mib"] <= need["Film"]


@pytest.mark.slow
def test_blender_alone_renders_the_scene_file_into_the_same_frames(job_run, tmp_path):
    """A farm without the sanctuary package renders the Scene step's scene.blend with Blender itself
    (`blender -b scene.blend -s A -e B -a`): the same frames under the same names."""
    _, out, _, _ = job_run
    shutil.copy(out / "scene.blend", tmp_path / "scene.blend")
    code = ("import bpy, json, sys\n"
            "bpy.ops.wm.open_mainfile(filepath=sys.argv[2])\n"
            "s = bpy.context.scene\n"
            "s.frame_start, s.frame_end = 603, 604\n"
            "bpy.ops.render.render(animation=True)\n"
            "json.dump({'done': True}, open(sys.argv[1], 'w'))\n")
    proc, found = run_script(code, str(tmp_path / "scene.blend"), tmp_path=tmp_path)
    assert found.get("done"), proc.stderr[-2000:]
    assert frames_in(tmp_path) == ["frame_00603.png", "frame_00604.png"]
    for name in frames_in(tmp_path):
        assert png_pixels(tmp_path / name) == png_pixels(out / name), name


@pytest.mark.slow
def test_running_the_finished_job_again_renders_and_writes_nothing(job_run):
    bundle, out, _, _ = job_run
    before = listing(out)
    proc = openjd("run", str(bundle / "template.yaml"), "--step", "Film", "--run-dependencies")
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert "scene.blend is this render's scene already; kept" in proc.stdout
    assert "film.mp4 and contact_sheet.png are already made from these frames" in proc.stdout
    after = listing(out)
    kept = [n for n in before if n.startswith(("frame_", "film.", "contact_sheet", "scene.", "sanctuary_job"))]
    assert kept and all(after[n] == before[n] for n in kept)
    assert rendered_in(proc.stdout) == [] and proc.stdout.count("skipped (already there)") == len(FRAMES)


@pytest.mark.slow
def test_a_killed_render_task_leaves_no_broken_frame_and_the_job_again_renders_only_whats_missing(tmp_path):
    bundle = tmp_path / "job"
    frames = list(range(600, 620))
    write_job(bundle, *SKETCH, "--set", "sound.enabled=false", "--frames", "600-619", "--chunk-size", "10")
    out = bundle / "output"
    run = subprocess.Popen([sys.executable, "-m", "openjd", "run", str(bundle / "template.yaml"), "--step",
                            "Render", "--run-dependencies"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True)
    # Wait for the first chunk to be mid-way (two frames done, the third claimed), then kill that task.
    deadline, killed = time.monotonic() + 300, None
    while time.monotonic() < deadline and run.poll() is None and killed is None:
        claims = list(out.glob(".frame_*.claim")) if out.is_dir() else []
        if len(frames_in(out)) >= 2 and claims:
            held = files.Claim(claims[0]).holder()
            if held is not None:
                os.kill(held[1], signal.SIGKILL)  # the Render task's own process (the claim names it)
                killed = held[1]
        time.sleep(0.05)
    log, _ = run.communicate(timeout=300)
    assert killed is not None and run.returncode != 0, log[-3000:]
    assert "Running step 'Film'" not in log
    rendered = frames_in(out)
    assert 2 <= len(rendered) < 10
    assert all(files.is_whole(out / name) for name in rendered)  # killed mid-frame: nothing broken shows
    before = listing(out)

    proc = openjd("run", str(bundle / "template.yaml"), "--step", "Film", "--run-dependencies")
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert frames_in(out) == [f"frame_{f:05d}.png" for f in frames]
    after = listing(out)
    assert all(after[name] == before[name] for name in rendered)  # not rendered again
    assert after["scene.blend"] == before["scene.blend"]  # the scene kept, not built again
    missing = [f for f in frames if f"frame_{f:05d}.png" not in rendered]
    assert rendered_in(proc.stdout) == missing
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")]  # the dead task's leftovers swept
    assert files.is_whole(out / "film.mp4") and json.loads((out / "manifest.json").read_text())["frames"] == frames

