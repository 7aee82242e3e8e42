"""Shared helpers: running the `sanctuary` command in its own process, a fresh bpy file."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run_cli(*args: str, env: dict | None = None, cwd: Path | None = None, timeout: int = 600):
    """`python -m sanctuary ARGS` in a new process (one bpy per process)."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "sanctuary", *args], capture_output=True, text=True,
                          env=full_env, cwd=cwd, timeout=timeout)


def run_json(*args: str, **kw) -> tuple[int, dict, str]:
    """Run with --json; stdout must be exactly one JSON object."""
    proc = run_cli(*args, "--json", **kw)
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    assert len(lines) == 1, f"stdout should be one JSON line, got:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    return proc.returncode, json.loads(lines[0]), proc.stderr


def run_script(code: str, *args: str, tmp_path: Path, timeout: int = 600) -> tuple[subprocess.CompletedProcess, dict]:
    """Run Python code in a new process (`python -c code RESULT ARGS...`); the code writes its findings
    as JSON to the file named by sys.argv[1]. Figures never come from stdout: Blender writes there too
    (4.5 prints "Not freed memory blocks" at exit)."""
    result = tmp_path / f"result_{len(list(tmp_path.glob('result_*.json')))}.json"
    proc = subprocess.run([sys.executable, "-c", code, str(result), *args], capture_output=True, text=True,
                          timeout=timeout)
    found = json.loads(result.read_text()) if result.is_file() else {}
    return proc, found


JS = ROOT / "tests" / "js"


def node_json(script: str, *args: str, timeout: int = 300) -> dict:
    """Run a Node script of tests/js (the real clients the exports are loaded into) and parse its JSON.
    Skips where Node or the pinned packages are missing (`.ci/run` installs them: npm ci --prefix tests/js)."""
    import shutil

    if shutil.which("node") is None or not (JS / "node_modules").is_dir():
        pytest.skip("Node.js with tests/js's packages (npm ci --prefix tests/js)")
    proc = subprocess.run(["node", str(JS / script), *args], capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


@pytest.fixture
def fresh_bpy():
    """An empty Blender file in this process."""
    bpy = pytest.importorskip("bpy")
    bpy.ops.wm.read_homefile(use_empty=True, use_factory_startup=True)
    return bpy


_exit_status = 0


def pytest_sessionfinish(session, exitstatus):
    global _exit_status
    _exit_status = int(exitstatus)


def pytest_unconfigure(config):
    """bpy 4.2 (checked on 4.2.23) segfaults in its C++ exit handlers once any Python
    panel class has been registered in the process, even after unregistering it (the
    same quirk `sanctuary.cli.run` sidesteps). Everything is reported by now, so on
    4.2 leave with pytest's own exit status instead of that crash."""
    bpy = sys.modules.get("bpy")
    if bpy is not None and bpy.app.version < (4, 3, 0):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(_exit_status)
