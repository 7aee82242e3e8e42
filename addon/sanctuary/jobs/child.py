"""`sanctuary render` in a separate Blender process, watched: how the panel renders.

The child runs the CLI itself (the same batch code, the same checks), so the
artist's Blender stays responsive and a crash in a render cannot take the
open file with it. Its progress lines (stderr) are read on a thread and
parsed; its one JSON result comes on stdout. Cancel stops the child: frames
only ever appear by rename, so a cancelled render resumes where it stopped.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import bpy

from .. import files
from ..config import presets
from .progress import parse_status

PACKAGE = Path(__file__).resolve().parent.parent  # .../sanctuary


def command(args: list[str], binary: str | None = None) -> list[str]:
    """The child's command line: Blender itself when we run inside it, else this Python with bpy."""
    binary = bpy.app.binary_path if binary is None else binary
    if Path(binary).name.lower().startswith("blender"):
        code = ("import os, sys; sys.path.insert(0, {parent!r}); from {pkg}.cli import main; "
                "code = main({args!r}); sys.stdout.flush(); sys.stderr.flush(); os._exit(code)").format(
                    parent=str(PACKAGE.parent), pkg=PACKAGE.name, args=list(args))
        return [binary, "--background", "--factory-startup", "--python-expr", code]
    return [sys.executable, "-m", PACKAGE.name, *args]


class RenderProcess:
    """One `sanctuary render ... --json` running in a child process."""

    def __init__(self, args: list[str], preset_dirs: tuple = ()):
        self.args = [*args, "--json"]
        env = dict(os.environ)
        env[presets.ENV_PATH] = os.pathsep.join([*map(str, preset_dirs), *presets.env_dirs()])
        env["PYTHONPATH"] = os.pathsep.join([str(PACKAGE.parent), *filter(None, [env.get("PYTHONPATH")])])
        self.done, self.total, self.rate = 0, 0, ""
        self.errors: list[str] = []
        self.result: dict | None = None
        self.cancelled = False
        self.started = time.monotonic()
        self.proc = subprocess.Popen(command(self.args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     stdin=subprocess.DEVNULL, text=True, env=env, start_new_session=True)
        self._readers = [threading.Thread(target=self._read_progress, daemon=True),
                         threading.Thread(target=self._read_result, daemon=True)]
        for t in self._readers:
            t.start()

    def _read_progress(self) -> None:
        for line in self.proc.stderr:
            status = parse_status(line)
            if status:
                self.done, self.total, self.rate = status
            elif line.strip():
                self.errors.append(line.strip())

    def _read_result(self) -> None:
        text = self.proc.stdout.read()
        try:
            self.result = json.loads(text.strip().splitlines()[-1]) if text.strip() else None
        except (ValueError, IndexError):
            self.result = None

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 0.0

    def status(self) -> str:
        if not self.total:
            return f"Sanctuary: building the scene ({time.monotonic() - self.started:.0f} s)"
        return f"Sanctuary: {self.done}/{self.total} frames  {self.rate}".rstrip()

    def poll(self) -> int | None:
        """The exit code once the child has ended and its output is read; None while it runs."""
        code = self.proc.poll()
        if code is None:
            return None
        for t in self._readers:
            t.join()
        return code

    def wait(self, tick=lambda job: None, interval: float = 0.25) -> int:
        while (code := self.poll()) is None:
            tick(self)
            time.sleep(interval)
        return code

    def cancel(self, grace: float = 5.0) -> None:
        """Stop the child and everything it started (the encoder too)."""
        self.cancelled = True
        if self.proc.poll() is not None:
            return
        group = hasattr(os, "killpg")  # POSIX: the child leads its own process group
        try:
            os.killpg(self.proc.pid, signal.SIGTERM) if group else self.proc.terminate()
            self.proc.wait(grace)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL) if group else self.proc.kill()
            self.proc.wait()
        except ProcessLookupError:
            pass
        if "--out" in self.args:  # what the child was writing when it stopped (its pid is gone now)
            files.sweep_parts(Path(self.args[self.args.index("--out") + 1]))

    def outcome(self, code: int) -> tuple[str, str]:
        """(report type, one line) for the UI."""
        if self.cancelled:
            return "WARNING", f"Render cancelled after {self.done} of {self.total} frames; render again to resume"
        if code == 0 and self.result and self.result.get("ok"):
            frames = len(self.result.get("frames", []))
            out = Path(self.result["wrote"][-1]).parent if self.result.get("wrote") else "?"
            film = " and film.mp4" if self.result.get("complete") else ""
            return "INFO", f"Rendered {frames} frame(s){film} in {out}"
        error = (self.result or {}).get("error") or (self.errors[-1] if self.errors else f"exit code {code}")
        return "ERROR", f"Render failed: {error}"
