"""`sanctuary render` end to end: frames, film, contact sheet, manifest; resuming
after a kill; chunks for farms; a folder holding another render."""
import json
import os
import signal
import struct
import subprocess
import sys
import time
import wave

import pytest
from conftest import run_cli, run_json

pytest.importorskip("bpy")

pytestmark = pytest.mark.slow  # renders, in Blender processes

SKETCH = ("--preset", "sketch", "--quality", "draft")
SILENT = (*SKETCH, "--set", "sound.enabled=false")  # for tests about frames, not sound (it takes seconds)


def png_complete(path) -> bool:
    data = path.read_bytes()
    return data[:8] == b"\x89PNG\r\n\x1a\n" and data[-12:-4] == b"\x00\x00\x00\x00IEND"


def png_size(path) -> tuple[int, int]:
    return struct.unpack(">II", path.read_bytes()[16:24])


def frames_in(folder):
    return sorted(p.name for p in folder.glob("frame_*"))


def test_trailer_render_makes_frames_film_sheet_and_manifest(tmp_path, fresh_bpy):
    out = tmp_path / "film"
    code, info, stderr = run_json("render", *SKETCH, "--set", "render.trailer_frames=2", "--out", str(out))
    assert code == 0, stderr
    assert info["complete"] and len(info["frames"]) == 16  # 8 shots x 2 frames
    assert frames_in(out) == [f"frame_{f:05d}.png" for f in info["frames"]]
    assert all(png_complete(p) for p in out.glob("frame_*.png"))
    assert not list(out.glob(".*"))  # no temporary files left

    film = out / "film.mp4"
    head = film.read_bytes()[:4096]
    assert head[4:8] == b"ftyp" and b"avc1" in film.read_bytes()  # MP4, H.264
    clip = fresh_bpy.data.movieclips.load(str(film))
    assert clip.frame_duration == 16 and tuple(clip.size) == (320, 180)
    # The soundtrack under those 16 frames, as a WAV beside the film and as AAC inside it.
    with wave.open(str(out / "film.wav")) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes()) == (2, 3, 48000, 32000)
    manifest = json.loads((out / "manifest.json").read_text())
    if fresh_bpy.app.build_options.audaspace:
        import aud

        track = aud.Sound(str(film))
        assert track.specs == (48000.0, 2) and abs(track.length - 32000) < 2048  # AAC pads a frame or two
        assert b"mp4a" in film.read_bytes() and manifest["soundtrack"]["in_film"]
    else:  # bpy 4.2.23 from PyPI has no audio: the WAV stands beside a silent film, and says so
        assert b"mp4a" not in film.read_bytes() and not manifest["soundtrack"]["in_film"]
        assert "built without audio" in stderr

    sheet = out / "contact_sheet.png"
    assert png_complete(sheet) and png_size(sheet) == (1660, 546)  # 4 columns, 2 rows of stills

    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["frames"] == info["frames"] and manifest["fingerprint"] == info["fingerprint"]
    assert manifest["blender"] == fresh_bpy.app.version_string and manifest["sanctuary"]
    assert manifest["preset"] == "sketch" and len(manifest["preset_hash"]) == 16 and manifest["seed"] == 7
    assert sorted(map(int, manifest["frame_seconds"])) == info["frames"]
    assert all(t > 0 for t in manifest["frame_seconds"].values())
    assert manifest["film"] == "film.mp4" and manifest["contact_sheet"] == "contact_sheet.png"
    assert manifest["soundtrack"]["file"] == "film.wav" and manifest["soundtrack"]["peak_dbfs"] < -1.0
    assert abs(manifest["soundtrack"]["loudness_lufs"] - -16.0) < 0.5
    assert "captions" not in manifest and not (out / "film.srt").exists()  # the sketch has no captions
    assert "Saved: " in (out / "render.log").read_text()  # Blender's chatter went to the log

    # A re-run skips every frame, and the film made from them stands.
    made = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    code, again, _ = run_json("render", *SKETCH, "--set", "render.trailer_frames=2", "--out", str(out))
    assert code == 0 and len(again["skipped"]) == 16 and again["wrote"] == [] and again["complete"]
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir() if p.name != "render.log"} == \
        {k: v for k, v in made.items() if k != "render.log"}
    # Another sound over the same frames: the frames stay, the film, its sound, sheet and manifest are made again.
    code, again, _ = run_json("render", *SKETCH, "--set", "render.trailer_frames=2", "--set", "sound.hum_db=-3",
                              "--out", str(out))
    assert code == 0 and len(again["skipped"]) == 16
    assert sorted(again["wrote"]) == sorted(str(out / n) for n in ("film.mp4", "film.wav", "contact_sheet.png",
                                                                   "manifest.json"))
    assert json.loads((out / "manifest.json").read_text())["frame_seconds"] == manifest["frame_seconds"]


def test_a_killed_render_resumes_without_duplicate_or_broken_frames(tmp_path):
    out = tmp_path / "frames"
    args = [sys.executable, "-m", "sanctuary", "render", *SILENT, "--frames", "1-30", "--out", str(out)]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 300
    while len(list(out.glob("frame_*.png"))) < 3 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    before = frames_in(out)
    assert 3 <= len(before) < 30
    assert all(png_complete(out / name) for name in before)  # killed mid-frame: only finished frames show

    code, info, stderr = run_json("render", *SILENT, "--frames", "1-30", "--out", str(out))
    assert code == 0, stderr
    assert sorted(os.path.basename(p) for p in info["skipped"]) == before
    assert frames_in(out) == [f"frame_{f:05d}.png" for f in range(1, 31)]
    assert all(png_complete(p) for p in out.glob("frame_*.png"))
    assert not list(out.glob(".*"))
    assert info["complete"] and (out / "film.mp4").stat().st_size > 0


def test_chunks_split_a_range_across_runs(tmp_path):
    out = tmp_path / "farm"
    code, first, stderr = run_json("render", *SILENT, "--frames", "1-5", "--chunk", "1/2", "--out", str(out))
    assert code == 0, stderr
    assert first["frames"] == [1, 2, 3] and not first["complete"]
    assert not (out / "film.mp4").exists()  # waits for the other chunk
    code, second, stderr = run_json("render", *SILENT, "--frames", "1-5", "--chunk", "2/2", "--out", str(out))
    assert code == 0, stderr
    assert second["frames"] == [4, 5] and second["complete"] and (out / "film.mp4").exists()
    assert frames_in(out) == [f"frame_{f:05d}.png" for f in range(1, 6)]
    for name, frames in (("manifest.chunk-1-of-2.json", [1, 2, 3]), ("manifest.chunk-2-of-2.json", [4, 5])):
        assert json.loads((out / name).read_text())["frames"] == frames


def test_a_folder_of_another_render_is_refused(tmp_path):
    out = tmp_path / "frames"
    code, _, stderr = run_json("render", *SILENT, "--frames", "1", "--out", str(out))
    assert code == 0, stderr
    listing = sorted(p.name for p in out.iterdir())
    proc = run_cli("render", *SILENT, "--frames", "2", "--seed", "8", "--out", str(out))
    assert proc.returncode == 2
    assert ("belongs to another render (sanctuary_job.json: preset 'sketch' seed 7, tier 'draft', frames 1); "
            "this one differs in the preset's values or seed, the frames") in proc.stderr
    assert sorted(p.name for p in out.iterdir()) == listing


def test_a_users_tier_renders_exr_frames_and_still_makes_the_film(tmp_path):
    """A tier of one's own: the final tier's EXR output and motion blur, shrunk to seconds."""
    tiers = tmp_path / "mine" / "quality"
    tiers.mkdir(parents=True)
    (tiers / "tiny_final.toml").write_text('inherits = "final"\ndescription = "final, tiny"\n'
                                           "resolution = [96, 54]\nsamples = 2\n")
    out = tmp_path / "exr"
    code, info, stderr = run_json("render", "--preset", "sketch", "--quality", "tiny_final", "--frames", "700-701",
                                  "--set", 'captions.realization="Stillness."', "--out", str(out),
                                  env={"SANCTUARY_PRESET_PATH": str(tmp_path / "mine")})
    assert code == 0, stderr
    assert info["quality"] == "tiny_final"
    assert frames_in(out) == ["frame_00700.exr", "frame_00701.exr"]
    assert all((out / n).read_bytes()[:4] == b"v/1\x01" for n in frames_in(out))  # OpenEXR magic
    assert (out / "film.mp4").stat().st_size > 0 and png_complete(out / "contact_sheet.png")
    # Frames 700-701 fall in the realization beat: its caption spans the two-frame film.
    assert (out / "film.srt").read_text() == "1\n00:00:00,000 --> 00:00:00,083\nStillness.\n\n"
    assert json.loads((out / "manifest.json").read_text())["captions"] == "film.srt"
    # Again without captions or sound: the frames are kept, and no earlier film.srt or film.wav is left.
    code, info, stderr = run_json("render", "--preset", "sketch", "--quality", "tiny_final", "--frames", "700-701",
                                  "--set", "sound.enabled=false", "--out", str(out),
                                  env={"SANCTUARY_PRESET_PATH": str(tmp_path / "mine")})
    assert code == 0 and len(info["skipped"]) == 2, stderr
    assert not (out / "film.srt").exists() and not (out / "film.wav").exists()


def test_a_render_works_out_its_scene_once(fresh_bpy, tmp_path, monkeypatch):
    """One plan per job: the build, the frames and the soundtrack share it, so the forest (the chimes ring
    from its leaves) is grown once."""
    from sanctuary import jobs
    from sanctuary.config import presets
    from sanctuary.core import plan as plan_module

    grown = []
    real = plan_module.grow_forest
    monkeypatch.setattr(plan_module, "grow_forest", lambda *a: grown.append(1) or real(*a))
    plan = jobs.plan_render(presets.load_scene("sketch"), tmp_path / "once", "draft", "600-601")
    info = jobs.render(plan)
    assert info["complete"] and (tmp_path / "once" / "film.wav").is_file()
    assert len(grown) == 1


def test_each_frame_keeps_the_leaves_its_own_camera_sees_and_the_scene_gets_every_cameras_back(fresh_bpy, tmp_path,
                                                                                              monkeypatch):
    """The batch narrows the leaves' view cone to each frame's camera (a 50 mm shot keeps fewer leaves
    than the 24 mm orbit) and leaves the scene with the cone that holds every camera's frame."""
    from sanctuary import jobs
    from sanctuary.blender import compat, names
    from sanctuary.config import presets
    from sanctuary.render.settings import view_cone_cos

    seen = []

    def leaves(scene):
        return next(ob.modifiers[names.LEAVES] for ob in scene.objects if names.LEAVES in ob.modifiers)

    def note(scene, *_):
        if any(names.LEAVES in ob.modifiers for ob in scene.objects):  # not the film's or sheet's scene
            seen.append((scene.frame_current, scene.camera, compat.modifier_input(leaves(scene), names.CULL_COS)))

    loaded = presets.load_scene("sketch", overrides=("sound.enabled=false",))
    plan = jobs.plan_render(loaded, tmp_path / "cones", "draft", "200,900,1200")
    fresh_bpy.app.handlers.render_pre.append(note)
    try:
        assert jobs.render(plan)["complete"]
    finally:
        fresh_bpy.app.handlers.render_pre.remove(note)
    scene = fresh_bpy.context.scene
    margin = scene.cycles.camera_cull_margin
    assert sorted({f for f, _, _ in seen}) == [200, 900, 1200] and len({cam.name for _, cam, _ in seen}) == 3
    for _, cam, cone in seen:
        assert cone == pytest.approx(view_cone_cos(scene, margin, [cam]), abs=1e-6)
    every = view_cone_cos(scene, margin)
    assert all(every <= cone + 1e-6 for _, _, cone in seen)  # the modifier holds a float32
    assert max(seen, key=lambda s: s[1].data.lens)[2] > every + 0.05  # a 50 mm shot keeps a narrower cone
    assert compat.modifier_input(leaves(scene), names.CULL_COS) == pytest.approx(every, abs=1e-6)

    # Also when a frame fails: the scene gets the every-camera cone back.
    from sanctuary import files
    from sanctuary.render import batch

    def full_disk(tmp, final, detail=""):
        raise files.WriteError(final, "no space left on device")

    monkeypatch.setattr(batch.files, "finish", full_disk)
    (tmp_path / "failing").mkdir()
    with pytest.raises(files.WriteError):
        batch.render_frames(scene, [200], tmp_path / "failing", plan.tier.data)
    assert compat.modifier_input(leaves(scene), names.CULL_COS) == pytest.approx(every, abs=1e-6)
