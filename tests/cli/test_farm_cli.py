"""The command line of render farms: `sanctuary job`, and the steps a job runs (`render --step`, `--chunk FRAMES`)."""
import json
import shutil

import pytest
from conftest import run_cli, run_json

from sanctuary.jobs import farm

SKETCH = ("--preset", "sketch", "--quality", "draft")


def test_a_chunk_given_as_frames_renders_those_under_the_whole_jobs_stamp(tmp_path):
    code, info, stderr = run_json("render", *SKETCH, "--frames", "1-24", "--chunk", "13-24",
                                  "--out", str(tmp_path / "r"), "--dry-run")
    assert code == 0, stderr
    assert info["frames"] == list(range(13, 25)) and info["film_frames"] == 24 and info["chunk"] == "13-24"
    proc = run_cli("render", *SKETCH, "--frames", "1-24", "--chunk", "20-30", "--out", str(tmp_path / "r"))
    assert proc.returncode == 2 and proc.stderr.strip() == ("sanctuary: error: --chunk: frames 25-30 are not "
                                                            "frames of this job (1-24)")
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize("args, line", [
    (("--step", "frames"), "--out: {out}/scene.blend is not there yet: the job's scene step (sanctuary render ... "
                           "--step scene) prepares the folder first"),
    (("--step", "film"), "--out: {out}/scene.blend is not there yet: the job's scene step (sanctuary render ... "
                         "--step scene) prepares the folder first"),
    (("--step", "film", "--chunk", "1-2"), "--chunk: the film step covers the whole job; chunks are for --step "
                                           "frames"),
    (("--step", "scene", "--chunk", "1/2"), "--chunk: the scene step covers the whole job; chunks are for --step "
                                            "frames"),
    (("--step", "paint"), "render: argument --step: invalid choice: 'paint' (choose from "),
])
def test_a_step_out_of_turn_is_refused_before_blender_loads(tmp_path, args, line):
    out = tmp_path / "r"
    proc = run_cli("render", *SKETCH, "--frames", "1-4", *args, "--out", str(out))
    said = proc.stderr.strip()
    assert proc.returncode == 2 and len(said.splitlines()) == 1 and said.startswith(
        "sanctuary: error: " + line.format(out=out)) and said.endswith(("folder first", "frames", "film')", "film)"))
    assert not out.exists()


def test_job_help_says_how_to_run_and_send_it():
    proc = run_cli("job", "--help")
    assert proc.returncode == 0
    text = " ".join(proc.stdout.split())
    assert "openjd run BUNDLE/template.yaml --step Film --run-dependencies" in text
    assert "deadline bundle submit BUNDLE" in text and "--chunk-size N" in text
    proc = run_cli("render", "--help")
    assert "--step {scene,frames,film}" in proc.stdout


def test_job_prints_what_it_wrote_and_how_to_run_it(tmp_path):
    proc = run_cli("job", *SKETCH, "--frames", "600-629", "--chunk-size", "10", "--out", str(tmp_path / "j"))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        f"wrote the job {tmp_path / 'j'}: frames 600-629 (30) at draft, 3 Render task(s) of up to 10 frame(s), "
        f"into {tmp_path / 'j' / 'output'}",
        "memory a task asks for: Scene {scene} MiB, Render {frames} MiB, Film {film} MiB ({basis})".format(
            **farm.task_memory("sketch", "draft")[0], basis=farm.task_memory("sketch", "draft")[1]),
        f"run it here:  openjd run {tmp_path / 'j' / 'template.yaml'} --step Film --run-dependencies",
        f"or send it:   deadline bundle submit {tmp_path / 'j'}"]


@pytest.mark.slow  # builds twice, opens the scene in Blender processes
def test_the_steps_check_the_folder_holds_this_jobs_scene(tmp_path):
    pytest.importorskip("bpy")
    out = tmp_path / "r"
    job = (*SKETCH, "--set", "sound.enabled=false", "--frames", "600-603")
    code, info, stderr = run_json("render", *job, "--step", "scene", "--out", str(out))
    assert code == 0 and info["step"] == "scene" and info["frames"] == [], stderr
    assert sorted(p.name for p in out.iterdir()) == ["manifest.scene.json", "render.log", "sanctuary_job.json",
                                                     "scene.blend"]
    made = json.loads((out / "manifest.scene.json").read_text())
    assert made["fingerprint"] == json.loads((out / "sanctuary_job.json").read_text())["fingerprint"]
    assert made["peak_memory_mib"] > 0 and made["scene_file"] == "scene.blend"

    # The film waits for every frame, and says which are missing.
    proc = run_cli("render", *job, "--step", "film", "--out", str(out))
    assert proc.returncode == 2 and proc.stderr.strip().endswith(
        "4 of the job's 4 frames are missing or cut short in " f"{out} (frames 600-603): the frames step renders "
        "them; the film is made once all are there")

    code, info, stderr = run_json("render", *job, "--step", "frames", "--chunk", "600-601", "--out", str(out))
    assert code == 0 and info["frames"] == [600, 601] and not info["complete"] and info["film"] == "film step", stderr
    assert "timings" in info and "open_scene" in info["timings"] and "build_total" not in info["timings"]
    assert (out / "manifest.chunk-600-601.json").is_file() and not (out / "film.mp4").exists()

    # A scene.blend that is not the one the scene step saved (here: another seed's) is refused.
    code, _, stderr = run_json("build", "--preset", "sketch", "--seed", "8", "--out", str(tmp_path / "other.blend"))
    assert code == 0, stderr
    shutil.copy(tmp_path / "other.blend", out / "scene.blend")
    before = sorted(p.name for p in out.iterdir())
    proc = run_cli("render", *job, "--step", "frames", "--chunk", "602-603", "--out", str(out))
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1] == (
        f"sanctuary: error: --out: {out / 'scene.blend'} is not the scene the scene step saved "
        "(manifest.scene.json says otherwise): run the scene step again")
    assert sorted(p.name for p in out.iterdir()) == before
    # The scene step makes it again (the same scene: the stamp's), and the frames go on.
    code, info, stderr = run_json("render", *job, "--step", "scene", "--out", str(out))
    assert code == 0 and info["fingerprint"] == made["fingerprint"], stderr
    code, info, stderr = run_json("render", *job, "--step", "frames", "--out", str(out))
    assert code == 0 and info["frames"] == [600, 601, 602, 603] and len(info["skipped"]) == 2, stderr
