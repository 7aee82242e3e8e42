"""Nothing half-written, nothing mixed: a full disk, a killed run and runs sharing a folder.

A full disk is made without root by running the command with a file size
limit (RLIMIT_FSIZE, SIGXFSZ ignored): writes past it fail as they would on a
full disk (EFBIG instead of ENOSPC).
"""
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import time

import pytest
from conftest import run_json

pytest.importorskip("bpy")

from sanctuary import files  # noqa: E402

pytestmark = pytest.mark.slow

SILENT = ("--preset", "sketch", "--quality", "draft", "--set", "sound.enabled=false")
LOUD = ("--preset", "sketch", "--quality", "draft")
FRAMES = ("--frames", "600-623")  # 24 frames, one second: a film.wav bigger than a frame
FILM_STEP = ("film.mp4", "film.wav", "contact_sheet.png", "manifest.json")


def limited(limit: int):
    def preexec():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG), like a full disk
    return preexec


def run_limited(limit: int, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sanctuary", *args], capture_output=True, text=True,
                          preexec_fn=limited(limit), timeout=600)


def whole_everywhere(folder) -> None:
    """Every file under its final name is whole, and no temporary file or claim is left."""
    for p in folder.iterdir():
        assert not p.name.startswith("."), p.name
        assert files.problem(p) is None, (p.name, files.problem(p))


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """24 draft frames of the sketch with their film, sound and sheet: the sizes the limits are set from."""
    out = tmp_path_factory.mktemp("reference") / "render"
    code, info, stderr = run_json("render", *LOUD, *FRAMES, "--out", str(out))
    assert code == 0 and info["complete"], stderr
    return out


def frames_only(rendered, dest):
    """The reference render's frames (and its stamp), without what the film step makes."""
    shutil.copytree(rendered, dest, ignore=shutil.ignore_patterns(*FILM_STEP))
    return dest


def test_a_frame_that_cannot_be_written_whole_stops_the_render(rendered, tmp_path):
    out = tmp_path / "d"
    limit = min(p.stat().st_size for p in rendered.glob("frame_*.png")) // 2
    proc = run_limited(limit, "render", *SILENT, *FRAMES, "--out", str(out))
    assert proc.returncode == 1
    line = proc.stderr.strip().splitlines()[-1]
    assert line.startswith(f"sanctuary: error: cannot write {out / 'frame_00600.png'}: file too large "
                           "(the process's file size limit)"), proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    assert not list(out.glob("frame_*")) and not list(out.glob(".*"))


@pytest.mark.parametrize("broken, args", [("film.wav", LOUD), ("film.mp4", SILENT), ("contact_sheet.png", SILENT)])
def test_the_film_step_on_a_full_disk_names_the_file_and_leaves_nothing_broken(rendered, tmp_path, broken, args):
    sizes = {name: (rendered / name).stat().st_size for name in FILM_STEP}
    # A limit the files written before this one stay under, and this one does not. A silent film is
    # its picture alone, which may be under half the reference's (picture and sound): its limit is
    # just above the stamp and manifest the run writes before it.
    notes = max(sizes["manifest.json"], (rendered / "sanctuary_job.json").stat().st_size)
    before = {"film.wav": 0, "film.mp4": notes if args == SILENT else sizes["film.wav"],
              "contact_sheet.png": sizes["film.mp4"]}[broken]
    assert before < sizes[broken], sizes
    limit = before + 1024 if args == SILENT and broken == "film.mp4" else (before + sizes[broken]) // 2
    out = frames_only(rendered, tmp_path / "d")
    proc = run_limited(limit, "render", *args, *FRAMES, "--out", str(out))
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert proc.stderr.strip().splitlines()[-1].startswith(
        f"sanctuary: error: cannot write {out / broken}: file too large (the process's file size limit)")
    assert not (out / broken).exists()
    whole_everywhere(out)
    # Space again: the same command finishes the job.
    code, info, stderr = run_json("render", *args, *FRAMES, "--out", str(out))
    assert code == 0 and info["complete"], stderr
    assert len(info["skipped"]) == 24
    whole_everywhere(out)
    assert (out / "film.mp4").is_file() and (out / "contact_sheet.png").is_file()


def test_a_manifest_that_cannot_be_renamed_into_place_is_an_error_naming_it(rendered, tmp_path):
    out = frames_only(rendered, tmp_path / "d")
    (out / "manifest.json").mkdir()  # something in the way of the final name
    proc = subprocess.run([sys.executable, "-m", "sanctuary", "render", *SILENT, *FRAMES, "--out", str(out)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines()[-1].startswith(f"sanctuary: error: cannot write {out / 'manifest.json'}: ")
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_a_resumed_render_trusts_only_whole_frames_and_sweeps_dead_runs_leftovers(rendered, tmp_path):
    out = frames_only(rendered, tmp_path / "d")
    cut = out / "frame_00601.png"
    cut.write_bytes(cut.read_bytes()[: cut.stat().st_size // 2])  # a frame cut short
    (out / "frame_00602.png").write_bytes(b"")  # and an empty one
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    leftovers = [out / f".frame_00603.{files.HOST}.{dead.pid}.part.png", out / f".film.{dead.pid}.part.mp4",
                 out / f".manifest.{files.HOST}.{dead.pid}.part.json"]
    live = out / f".contact_sheet.{files.HOST}.{os.getpid()}.part.png"  # a live writer's: never touched
    foreign = out / f".film.otherhost.{dead.pid}.part.mp4"  # another machine's, recent: left to it
    for p in (*leftovers, live, foreign):
        p.write_bytes(b"x")
    code, info, stderr = run_json("render", *SILENT, *FRAMES, "--out", str(out))
    assert code == 0, stderr
    assert sorted(os.path.basename(p) for p in info["wrote"] if "frame_" in p) == \
        ["frame_00601.png", "frame_00602.png"]
    assert not any(p.exists() for p in leftovers) and live.exists() and foreign.exists()
    live.unlink()
    foreign.unlink()
    whole_everywhere(out)


def test_a_folder_is_stamped_before_its_first_frame(tmp_path):
    """Killed after two frames: the folder already belongs to that render and its manifest has their times."""
    out = tmp_path / "m"
    args = [sys.executable, "-m", "sanctuary", "render", *SILENT, "--frames", "1-12", "--out", str(out)]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 300
    while len(list(out.glob("frame_*.png"))) < 2 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done = sorted(out.glob("frame_*.png"))
    assert 2 <= len(done) < 12
    seconds = json.loads((out / "manifest.json").read_text())["frame_seconds"]
    assert set(seconds) >= {p.stem.split("_")[1].lstrip("0") for p in done[:-1]}
    listing = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    for other in (("--seed", "8"), ("--quality", "preview"), ("--set", "heart.glow=3"), ("--frames", "1-13")):
        code, info, stderr = run_json("render", *SILENT, "--frames", "1-12", *other, "--out", str(out))
        assert code == 2 and "belongs to another render" in stderr and "choose another folder" in stderr, other
        assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == listing
    # Another sound is not another picture: the same frames may be finished with it.
    code, info, stderr = run_json("render", *SILENT, "--frames", "1-12", "--set", "sound.hum_db=-6",
                                  "--out", str(out))
    assert code == 0 and info["complete"], stderr
    whole_everywhere(out)


def test_chunks_at_once_make_the_film_once(rendered, tmp_path):
    out = frames_only(rendered, tmp_path / "d")
    procs = [subprocess.Popen([sys.executable, "-m", "sanctuary", "render", *LOUD, *FRAMES, "--chunk", f"{i}/2",
                               "--out", str(out), "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for i in (1, 2)]
    results = [json.loads(p.communicate(timeout=600)[0]) for p in procs]
    assert all(r["ok"] and r["complete"] for r in results)
    films = [r for r in results if str(out / "film.mp4") in r["wrote"]]
    assert len(films) == 1, [r["wrote"] for r in results]
    whole_everywhere(out)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["frames"] == list(range(600, 624)) and manifest["film"] == "film.mp4"


def test_runs_sharing_a_folder_never_render_a_frame_twice(tmp_path):
    out = tmp_path / "shared"
    cmd = [sys.executable, "-m", "sanctuary", "render", *SILENT, "--frames", "1-8", "--out", str(out), "--json"]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [json.loads(p.communicate(timeout=600)[0]) for p in procs]
    assert all(r["ok"] for r in results), results
    rendered = [os.path.basename(p) for r in results for p in r["wrote"] if "frame_" in p]
    assert sorted(rendered) == [f"frame_{f:05d}.png" for f in range(1, 9)]  # each frame once, by one of them
    assert sum(str(out / "film.mp4") in r["wrote"] for r in results) == 1
    whole_everywhere(out)


@pytest.mark.parametrize("command", [
    ("build", "--preset", "sketch"), *[("export", "--preset", "sketch", "--frames", "1-3", "--format", f)
                                       for f in ("glb", "gltf", "usdc", "abc", "fbx", "blend")]])
def test_a_scene_or_export_that_cannot_be_written_whole_is_not_left_under_its_name(tmp_path, command):
    fmt = command[-1] if command[0] == "export" else "blend"
    out = tmp_path / f"scene.{fmt}"
    proc = run_limited(20_000, *command, "--out", str(out))
    assert not out.exists() and not (tmp_path / "scene.bin").exists() and not (tmp_path / "textures").exists()
    if fmt in ("abc", "usdc"):  # Blender's Alembic and USD writers may abort the process when a write fails
        assert proc.returncode in (1, -signal.SIGABRT), proc.stderr[-2000:]
    else:
        assert proc.returncode == 1, proc.stderr[-2000:]
        lines = [line for line in proc.stderr.splitlines() if line.startswith("sanctuary:")]  # not progress
        assert len(lines) == 1 and lines[0].startswith(f"sanctuary: error: cannot write {tmp_path}/"), lines
        assert proc.stderr.strip().splitlines()[-1] == lines[0]
        assert "file too large" in lines[0] and lines[0].endswith(f"Blender's messages are in {out}.log")
        assert sorted(p.name for p in tmp_path.iterdir()) == [f"scene.{fmt}.log"]
    # Room again: the same command writes it whole and sweeps what the failed run left.
    code, info, stderr = run_json(*command, "--out", str(out))
    assert code == 0, stderr
    assert not list(tmp_path.glob(".*")) and not (tmp_path / f"scene.{fmt}.log").exists()
    assert sorted(map(str, info["wrote"])) == sorted(str(p) for p in tmp_path.rglob("*") if p.is_file())
