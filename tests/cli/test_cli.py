"""The `sanctuary` command end to end, each run in its own process."""
import re

import pytest
from conftest import run_cli, run_json

pytest.importorskip("bpy")

pytestmark = pytest.mark.slow  # runs the command in Blender processes


def test_build_writes_a_blend_and_reports_it(tmp_path):
    out = tmp_path / "scene.blend"
    code, info, _ = run_json("build", "--preset", "sketch", "--out", str(out), "--set", "forest.tree_count=12")
    assert code == 0 and info["ok"]
    assert info["wrote"] == [str(out)] and out.stat().st_size > 0
    assert len(info["fingerprint"]) == 16
    assert info["counts"]["objects"] > 0 and "instances" in info["counts"]
    assert {"ground", "sky", "cameras", "save", "total"} <= set(info["timings"])
    assert [p.name for p in tmp_path.iterdir()] == ["scene.blend"]  # no temporary files left


def test_export_glb(tmp_path):
    out = tmp_path / "scene.glb"
    code, info, stderr = run_json("export", "--preset", "sketch", "--frames", "1-12", "--out", str(out))
    assert code == 0, stderr
    data = out.read_bytes()
    assert data[:4] == b"glTF" and info["format"] == "glb"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scene.glb", "scene_sky.hdr"]  # the sky beside it


def test_presets_and_validate():
    proc = run_cli("presets")
    assert proc.returncode == 0 and "default" in proc.stdout and "draft" in proc.stdout
    code, info, _ = run_json("presets")
    assert code == 0 and {p["name"] for p in info["presets"]} >= {"default"}
    assert all(p["description"] for p in info["presets"] + info["quality"])
    code, info, _ = run_json("validate", "default", "--quality", "final")
    assert code == 0 and info["valid"] and info["quality"] == "final"


@pytest.mark.parametrize("args, words", [
    (["validate", "default", "--set", "forest.tree_cont=3"], "--set: forest.tree_cont: unknown key; did you mean"),
    (["build", "--out", "x.blend", "--set", "heart.glow=500"], "--set: heart.glow: expected a number"),
    (["build", "--out", "x.blend", "--preset", "nope"], "no preset named 'nope'"),
    (["build", "--out", "x.blend", "--seed", "-1"], "--seed: seed: expected an integer"),
    (["build", "--out", "scene.txt"], "--out: expected a .blend file"),
    (["export", "--out", "scene.xyz"], "--format: expected one of glb"),
    (["export", "--out", "scene.glb", "--frames", "9-3"], "--frames"),
    (["export", "--out", "scene.glb", "--profile", "mobile"], "--profile: expected one of film, realtime"),
    (["export", "--out", "scene.blend", "--profile", "realtime"], "--profile: a .blend is the scene itself"),
    (["render", "--quality", "ultra", "--out", "r"], "no quality tier named 'ultra'"),
    (["render", "--shot", "nope", "--out", "r"], "no shot named 'nope'"),
    (["render", "--chunk", "3/2", "--out", "r"], "--chunk: chunk '3/2': I must be in 1..N"),
    (["render", "--chunk", "half", "--out", "r"], "--chunk: expected I/N like 2/8"),
    (["render", "--frames", "0-5000", "--out", "r"], "--frames: frames 0-5000 fall outside the film's 1-1440"),
    (["bake"], "arguments: argument COMMAND: invalid choice"),
])
def test_bad_input_is_one_line_exit_2_and_writes_nothing(tmp_path, args, words):
    proc = run_cli(*args, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert lines[-1].startswith("sanctuary: error: ") and words in lines[-1], proc.stderr
    assert "Traceback" not in proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_broken_preset_file_is_named(tmp_path):
    bad = tmp_path / "broken.toml"
    bad.write_text("[forest]\ntree_count = 'lots'\n")
    code, info, stderr = run_json("build", "--preset", str(bad), "--out", str(tmp_path / "s.blend"))
    assert code == 2 and not info["ok"]
    assert info["error"] == f"{bad}: forest.tree_count: expected an integer in 0..2000, found 'lots'"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.toml"]


def test_unwritable_output(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    for args in (["build", "--out", str(blocker / "scene.blend")],
                 ["export", "--out", str(blocker / "scene.glb")],
                 ["render", "--frames", "1", "--quality", "draft", "--out", str(blocker / "frames")]):
        proc = run_cli(*args)
        assert proc.returncode == 2, proc.stderr
        assert "--out: cannot create" in proc.stderr.strip().splitlines()[-1]
    assert [p.name for p in tmp_path.iterdir()] == ["a_file"]


def test_export_usd_carries_the_scene_with_its_instancers_as_point_instancers(tmp_path):
    Usd = pytest.importorskip("pxr.Usd")
    from pxr import UsdGeom

    out = tmp_path / "scene.usda"
    code, info, stderr = run_json("export", "--preset", "sketch", "--frames", "1-6", "--out", str(out))
    assert code == 0, stderr
    stage = Usd.Stage.Open(str(out))
    prims = {p.GetName(): p for p in stage.Traverse()}
    assert {"heart", "pedestal", "moat"} <= set(prims)
    assert prims["mercury_leaves"].IsA(UsdGeom.PointInstancer) and prims["fallen_leaves"].IsA(UsdGeom.PointInstancer)
    assert len(prims) < 2000  # 4,800 leaves and 300 fallen ones, not a prim each
    # Every file the exporter wrote is kept (the sky's texture in textures/), and every asset it refers to is there.
    assets = re.findall(r"@([^@]+)@", out.read_text())
    assert assets and all((tmp_path / a).is_file() for a in assets)
    assert sorted(info["wrote"]) == sorted(str(p) for p in tmp_path.rglob("*") if p.is_file())
    assert not list(tmp_path.glob(".*"))
