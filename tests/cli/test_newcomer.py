"""What a newcomer meets first: the README's commands as written (bash and zsh), Ctrl-C, help,
--version, errors that name the flag they are about."""
from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, run_cli

README = ROOT / "README.md"
BIN = Path(sys.executable).parent  # where pip put the `sanctuary` command
SHELLS = [s for s in ("bash", "zsh") if shutil.which(s)]


def readme_commands() -> list[str]:
    """Every `sanctuary` command the README shows, from its code blocks and inline code, as written;
    and every inline `--set ...` example. Synopses (with `...`, `[--` or `|`) are not commands."""
    text = README.read_text()
    blocks = re.findall(r"```[a-z]*\n(.*?)```", text, re.S)
    spans = re.findall(r"`([^`\n]+)`", re.sub(r"```.*?```", "", text, flags=re.S))
    found = []
    for line in [x for b in blocks for x in b.splitlines()] + spans:
        line = line.split("  #")[0].strip().removeprefix("$ ")
        if not (re.match(r"([A-Z_]+=\S+ )*sanctuary [a-z-]", line) or line.startswith("--set ")):
            continue
        if "..." in line or "[--" in line or "|" in line:
            continue
        if line not in found:
            found.append(line)
    return found


def readme_toml(name: str) -> str:
    """A TOML example the README shows, by the file name in its first comment."""
    for block in re.findall(r"```toml\n(.*?)```", README.read_text(), re.S):
        if block.startswith(f"# {name}"):
            return block
    raise AssertionError(f"the README shows no {name}")


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    """A home folder with the README's own example presets in it."""
    home = tmp_path_factory.mktemp("home")
    (home / "dreams" / "quality").mkdir(parents=True)
    (home / "dreams" / "dusk.toml").write_text(readme_toml("~/dreams/dusk.toml"))
    (home / "dreams" / "quality" / "proof.toml").write_text(readme_toml("~/dreams/quality/proof.toml"))
    (home / "my.toml").write_text(readme_toml("~/dreams/dusk.toml"))
    return home


def test_the_readme_shows_commands_to_try():
    commands = readme_commands()
    assert len(commands) >= 12, commands
    assert "sanctuary render" in commands  # the main job


@pytest.mark.slow
@pytest.mark.parametrize("shell", SHELLS)
def test_every_readme_command_runs_as_written(shell, home):
    """Each command goes through the shell exactly as printed (zsh globs unquoted brackets), then the real
    `sanctuary` checks it to the end without rendering (--dry-run); validate and presets run for real."""
    assert "zsh" in SHELLS or os.environ.get("SANCTUARY_NO_ZSH"), "zsh is not installed (.ci/run installs it)"
    env = {**os.environ, "HOME": str(home), "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "TASK_ID": "1"}
    env.pop("SANCTUARY_PRESET_PATH", None)
    text = README.read_text()
    for command in readme_commands():
        line = command
        if command.startswith("--set "):
            line = f"sanctuary validate default {command}"
        elif re.search(r"sanctuary (build|render|export)( |$)", command):
            line = f"{command} --dry-run"
        proc = subprocess.run([shell, "-c", line], capture_output=True, text=True, env=env, cwd=home, timeout=120)
        shown = re.search(rf"\$ {re.escape(command)}\n(.*)\n", text)
        if shown:  # the README shows what it prints: an error, exactly
            assert proc.returncode == 2 and proc.stderr.strip() == shown[1], (shell, command, proc.stderr)
        else:
            assert proc.returncode == 0, (shell, command, proc.stderr[-2000:])
        assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("script", ["build_extension.py", "bench_sound.py", "bench_render.py", "bench_build.py",
                                    "bench_panel.py", "bench_look.py", "readme_images.py"])
def test_the_scripts_run_with_the_venvs_python(script):
    """The README runs them as `.venv/bin/python scripts/...`: with this Python they import sanctuary."""
    assert f".venv/bin/python scripts/{script}" in README.read_text() or script != "build_extension.py"
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / script), "--help"], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0 and "usage" in proc.stdout.lower(), proc.stderr[-2000:]


def test_version_and_a_bare_command():
    proc = run_cli("--version")
    assert proc.returncode == 0 and re.fullmatch(r"sanctuary \d+\.\d+\.\d+\n", proc.stdout)
    proc = run_cli()
    assert proc.returncode == 2 and proc.stderr.startswith("usage: sanctuary") and "render" in proc.stderr


def test_render_help_says_what_a_bare_render_does_and_costs():
    proc = run_cli("render", "--help")
    out = " ".join(proc.stdout.split())  # as read, whatever the line breaks
    assert proc.returncode == 0
    assert "trailer" in out and "96 frames for the default preset" in out and "min of rendering" in out
    assert "--frames 1-1440" in out and "heart_close" in out and "preview" in out and "sketch" in out


@pytest.mark.parametrize("args, line", [
    (["render", "--quality", "ultra"], "sanctuary: error: --quality: no quality tier named 'ultra'"),
    (["validate", "default", "--quality", "prevew"],
     "sanctuary: error: --quality: no quality tier named 'prevew'; did you mean 'preview'?"),
    (["validate", "defualt"], "sanctuary: error: validate PRESET: no preset named 'defualt'; did you mean 'default'?"),
    (["render", "--preset", "sketchh"], "sanctuary: error: --preset: no preset named 'sketchh'; did you mean 'sketch'?"),
    (["render", "--shot", "heart_clse"], "sanctuary: error: --shot: no shot named 'heart_clse'; did you mean "
                                          "'heart_close'?"),
    (["render", "--frames", "1-99999"], "sanctuary: error: --frames: frames 1-99999 fall outside the film's 1-1440"),
    (["render", "--chunk", "3/2"], "sanctuary: error: --chunk: chunk '3/2': I must be in 1..N"),
    (["render", "--bogus"], "sanctuary: error: render: unrecognized arguments: --bogus"),
])
def test_errors_name_the_flag_they_are_about_before_blender_loads(args, line):
    t0 = time.perf_counter()
    proc = run_cli(*args)
    assert proc.returncode == 2 and proc.stderr.startswith(line), proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert time.perf_counter() - t0 < 5  # no Blender was loaded (it takes seconds); measured well under 1 s


def test_presets_flags_broken_files(tmp_path):
    (tmp_path / "broken.toml").write_text("[forest\ntree_count = 3\n")
    (tmp_path / "wrong.toml").write_text("[forest]\ntree_cont = 3\n")
    proc = run_cli("presets", env={"SANCTUARY_PRESET_PATH": str(tmp_path)})
    assert proc.returncode == 0
    lines = {line.split()[0]: line for line in proc.stdout.splitlines() if line.startswith("  ")}
    assert "BROKEN" in lines["broken"] and "invalid TOML" in lines["broken"]
    assert "BROKEN" in lines["wrong"] and "tree_cont" in lines["wrong"]
    assert "BROKEN" not in lines["default"]


# --- Ctrl-C -----------------------------------------------------------------------------------

def interrupt_when(args: list[str], trigger: str, cwd: Path, twice: bool = False) -> subprocess.CompletedProcess:
    """Run the command; send SIGINT (what Ctrl-C sends) when its stderr shows `trigger`."""
    proc = subprocess.Popen([sys.executable, "-m", "sanctuary", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=cwd)
    seen = []
    for line in proc.stderr:
        seen.append(line)
        if trigger in line:
            proc.send_signal(signal.SIGINT)
            if twice:
                time.sleep(0.2)
                proc.send_signal(signal.SIGINT)
            break
    out, err = proc.communicate(timeout=300)
    return subprocess.CompletedProcess(args, proc.returncode, out, "".join(seen) + err)


def only_whole_files(folder: Path) -> None:
    from sanctuary import files

    for p in folder.rglob("*"):
        assert not p.name.startswith("."), p
        assert p.is_dir() or files.problem(p) is None, (p, files.problem(p))


SKETCH = ["--preset", "sketch"]
DRAFT = [*SKETCH, "--quality", "draft"]


@pytest.mark.slow
@pytest.mark.parametrize("args, trigger, twice", [
    (["render", *DRAFT, "--frames", "1-200", "--set", "sound.enabled=false"], "render frame 2:", False),
    (["render", *DRAFT, "--frames", "1-200", "--set", "sound.enabled=false"], "render frame 2:", True),
    (["render", *DRAFT, "--frames", "600-603"], "making the soundtrack", False),
    (["render", *DRAFT, "--frames", "600-603", "--set", "sound.enabled=false"], "encoding film.mp4", False),
    (["build", *SKETCH, "--out", "scene.blend"], "forest", False),
    (["export", *SKETCH, "--frames", "1-3", "--out", "scene.glb"], "forest", False),
])
def test_ctrl_c_stops_each_command_leaving_only_whole_files(tmp_path, args, trigger, twice):
    args = [a if a != "scene.blend" and a != "scene.glb" else str(tmp_path / a) for a in args]
    if args[0] == "render":
        args += ["--out", str(tmp_path / "render")]
    proc = interrupt_when(args, trigger, tmp_path, twice)
    assert proc.returncode == 130, proc.stderr[-3000:]
    said = [line for line in proc.stderr.splitlines() if line.startswith("sanctuary:")]
    assert said[0].startswith("sanctuary: stopping at the next safe point"), said
    assert "run the same command again to resume" in said[-1] and "Traceback" not in proc.stderr
    only_whole_files(tmp_path)
    if args[0] in ("build", "export"):
        assert not (tmp_path / "scene.blend").exists() and not (tmp_path / "scene.glb").exists()
    else:  # and the same command finishes the job
        frames = len(list((tmp_path / "render").glob("frame_*.png")))
        assert frames < (200 if "1-200" in args else 5)
        if "1-200" not in args:
            proc = subprocess.run([sys.executable, "-m", "sanctuary", *args], capture_output=True, text=True)
            assert proc.returncode == 0 and (tmp_path / "render" / "film.mp4").is_file(), proc.stderr[-2000:]
            only_whole_files(tmp_path)
