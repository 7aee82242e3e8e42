"""Same preset + seed -> the same fingerprint in separate processes; the .blend keeps it."""
import pytest
from conftest import run_json, run_script

pytest.importorskip("bpy")

pytestmark = pytest.mark.slow  # builds in three Blender processes


def test_two_processes_same_fingerprint_other_seed_other_fingerprint(tmp_path):
    runs = [run_json("build", "--preset", "sketch", "--out", str(tmp_path / f"{i}.blend"))[1] for i in range(2)]
    other = run_json("build", "--preset", "sketch", "--seed", "8", "--out", str(tmp_path / "other.blend"))[1]
    assert runs[0]["fingerprint"] == runs[1]["fingerprint"]
    assert other["fingerprint"] != runs[0]["fingerprint"]

    # Opening the saved file in a fresh Blender gives the same fingerprint again.
    code = ("import bpy, json, sys\n"
            "bpy.ops.wm.open_mainfile(filepath=sys.argv[2])\n"
            "from sanctuary import jobs\n"
            "open(sys.argv[1], 'w').write(json.dumps(jobs.describe_open_scene()))\n")
    proc, opened = run_script(code, str(tmp_path / "0.blend"), tmp_path=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert opened["fingerprint"] == runs[0]["fingerprint"]
