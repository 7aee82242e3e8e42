"""Same preset + seed -> the same fingerprint in separate processes; the .blend keeps it."""
import subprocess
import sys

import pytest

from conftest import run_json

pytest.importorskip("bpy")


def test_two_processes_same_fingerprint_other_seed_other_fingerprint(tmp_path):
    runs = [run_json("build", "--preset", "sketch", "--out", str(tmp_path / f"{i}.blend"))[1] for i in range(2)]
    other = run_json("build", "--preset", "sketch", "--seed", "8", "--out", str(tmp_path / "other.blend"))[1]
    assert runs[0]["fingerprint"] == runs[1]["fingerprint"]
    assert other["fingerprint"] != runs[0]["fingerprint"]

    # Opening the saved file in a fresh Blender gives the same fingerprint again.
    code = ("import bpy, sys\n"
            f"bpy.ops.wm.open_mainfile(filepath={str(tmp_path / '0.blend')!r})\n"
            "from sanctuary import jobs\n"
            "print(jobs.describe_open_scene()['fingerprint'])\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == runs[0]["fingerprint"]
