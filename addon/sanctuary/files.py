"""Whole files only: every result is written under a hidden temporary name,
checked, and renamed to its final name only when the check passes.

A file that is cut short (a full disk, a killed process, a size limit) never
appears under its final name: `finish` reads back the few bytes that prove a
file whole (PNG IEND, the EXR chunk table, the MP4 `moov`, the WAV and RIFF
sizes, glTF/USD/Alembic/FBX/.blend trailers) and raises `WriteError` naming the
file and the cause. A resumed render trusts an existing frame only if the same
check passes.

Temporary names carry the writer's host and process id
(`.film.myhost.1234.part.mp4`), so the leftovers of a dead run can be swept
without touching the work of a live one beside it; claims (`.frame_00007.claim`)
and locks (`film.lock`) are small files created exclusively that say which
process holds them. No bpy here.
"""
from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import socket
import struct
import sys
import time
from pathlib import Path

from .config.errors import one_line


class WriteError(Exception):
    """A result that could not be written whole (full disk, size limit, no permission): nothing of it is
    left under its final name. Reported as one line naming the file and the cause; exit code 1."""

    def __init__(self, path, cause: str):
        self.path = str(path)
        self.cause = cause
        super().__init__(self.line())

    def line(self) -> str:
        return one_line(f"cannot write {self.path}: {self.cause}")


HOST = re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname())[:40] or "host"
# A claim or lock made on another machine cannot be checked for life; after this long it is taken as dead.
FOREIGN_STALE_S = 6 * 3600


# --- temporary names --------------------------------------------------------------------------

def part_path(path: Path, pid: int | None = None, host: str = HOST) -> Path:
    """The hidden name a file is written under before it is renamed: ".film.myhost.1234.part.mp4"."""
    path = Path(path)
    return path.with_name(f".{path.stem}.{host}.{os.getpid() if pid is None else pid}.part{path.suffix}")


PART = re.compile(r"^\.(?P<stem>.+?)\.(?:(?P<host>[A-Za-z0-9-]+)\.)?(?P<pid>\d+)\.part(?P<suffix>\.[^.]*)?$")


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, someone else's
        return True
    return True


def holder_alive(host: str | None, pid: int, mtime: float) -> bool:
    """Whether the process that made a temporary file, claim or lock may still be at work."""
    if host in (None, HOST):
        return pid_alive(pid)
    return time.time() - mtime < FOREIGN_STALE_S


def sweep_parts(folder: Path) -> list[Path]:
    """Remove the temporary files and claims of dead writers in folder; never a live writer's.
    Returns what went."""
    gone = []
    for p in Path(folder).glob(".*.claim"):
        held = Claim(p).holder()
        if held is not None and not holder_alive(*held):
            p.unlink(missing_ok=True)
            gone.append(p)
    for p in Path(folder).glob(".*.part*"):
        m = PART.match(p.name)
        if not m:
            continue
        try:
            if holder_alive(m["host"], int(m["pid"]), p.stat().st_mtime):
                continue
            if p.is_dir():
                import shutil

                shutil.rmtree(p, ignore_errors=True)
            else:
                p.unlink()
            gone.append(p)
        except FileNotFoundError:  # its writer renamed or removed it meanwhile
            pass
    return gone


def remove_own_parts(folder: Path) -> None:
    """Remove this process's unfinished files in folder (it is about to stop at once)."""
    for p in Path(folder).glob(f".*.{HOST}.{os.getpid()}.part*"):
        if p.is_dir():
            import shutil

            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)
    for p in Path(folder).glob(".*.claim"):
        if Claim(p).holder() is not None and Claim(p).holder()[:2] == (HOST, os.getpid()):
            p.unlink(missing_ok=True)


# --- why a write failed -----------------------------------------------------------------------

def _phrase(code: int) -> str:
    words = os.strerror(code).lower()
    return words + " (the process's file size limit)" if code == errno.EFBIG else words


DISK_FULL = (errno.ENOSPC, errno.EFBIG, errno.EDQUOT)


def cause(path: Path, error: BaseException | None = None, detail: str = "") -> str:
    """What stopped a file being written whole, in words ("no space left on device").

    error: what the write raised (an OSError, or Blender's RuntimeError that
    quotes one); detail: what a writer printed. Failing those, the disk and the
    process's file size limit are looked at.
    """
    if isinstance(error, OSError) and error.errno in DISK_FULL:
        return _phrase(error.errno)
    text = f"{detail}\n{error if error is not None else ''}"
    for code in DISK_FULL:  # Blender quotes the OS: "[Errno 28] ...", "Error: File too large"
        if f"[Errno {code}]" in text or os.strerror(code).lower() in text.lower():
            return _phrase(code)
    try:
        st = os.statvfs(Path(path).parent)
        if st.f_bavail * st.f_frsize < 1 << 20:
            return _phrase(errno.ENOSPC)
    except OSError:
        pass
    try:
        import resource

        limit = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
        if limit != resource.RLIM_INFINITY and Path(path).is_file() and Path(path).stat().st_size >= limit:
            return _phrase(errno.EFBIG)
    except (ImportError, OSError):
        pass
    if isinstance(error, OSError):
        return (error.strerror or str(error)).lower()
    said = [line.strip() for line in text.splitlines() if line.strip()]
    return said[-1] if said else UNKNOWN


UNKNOWN = "the file came out incomplete"


# --- checks: is this file whole? -------------------------------------------------------------

class Broken(Exception):
    """A file that is not whole; the message says what is missing."""


def _png(data: bytes) -> None:
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise Broken("not a PNG")
    if data[-12:] != b"\x00\x00\x00\x00IEND\xaeB`\x82":
        raise Broken("PNG without its IEND chunk")


EXR_LINES = {0: 1, 1: 1, 2: 1, 3: 16, 4: 32, 5: 16, 6: 32, 7: 32, 8: 32, 9: 256}  # compression -> lines per chunk


def _exr(data: bytes) -> None:
    """Scanline OpenEXR: the chunk offset table must point at chunks that lie wholly inside the file."""
    if data[:4] != b"\x76\x2f\x31\x01":
        raise Broken("not an OpenEXR file")
    if data[5] & 0x1E:  # tiled, long names, deep or multi-part: not what Sanctuary writes
        return
    pos, window, compression = 8, None, None
    while True:
        end = data.index(b"\0", pos)
        name = data[pos:end]
        if not name:
            pos = end + 1
            break
        type_end = data.index(b"\0", end + 1)
        (size,) = struct.unpack_from("<i", data, type_end + 1)
        value = data[type_end + 5:type_end + 5 + size]
        if name == b"dataWindow":
            window = struct.unpack("<4i", value)
        elif name == b"compression":
            compression = value[0]
        pos = type_end + 5 + size
    if window is None or compression not in EXR_LINES:
        raise Broken("OpenEXR header without dataWindow or compression")
    chunks = -(-(window[3] - window[1] + 1) // EXR_LINES[compression])
    offsets = struct.unpack_from(f"<{chunks}Q", data, pos)
    last = max(offsets)
    (_y, size) = struct.unpack_from("<ii", data, last)
    if last + 8 + size > len(data):
        raise Broken("OpenEXR cut short")


def _boxes(data: bytes) -> list[bytes]:
    """Top-level ISO base media boxes; their sizes must add up to the file exactly."""
    names, pos = [], 0
    while pos < len(data):
        if pos + 8 > len(data):
            raise Broken("MP4 cut short inside a box header")
        size, name = struct.unpack_from(">I4s", data, pos)
        if size == 1:
            (size,) = struct.unpack_from(">Q", data, pos + 8)
        elif size == 0:
            size = len(data) - pos
        if size < 8 or pos + size > len(data):
            raise Broken(f"MP4 cut short in its {name.decode('latin-1')!r} box")
        names.append(name)
        pos += size
    return names


def _mp4(data: bytes) -> None:
    names = _boxes(data)
    for box in (b"ftyp", b"moov", b"mdat"):
        if box not in names:
            raise Broken(f"MP4 without its {box.decode()!r} box")


def _wav(data: bytes) -> None:
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise Broken("not a WAV file")
    (riff,) = struct.unpack_from("<I", data, 4)
    if riff + 8 != len(data):
        raise Broken("WAV cut short")
    pos = 12
    while pos + 8 <= len(data):
        name, size = struct.unpack_from("<4sI", data, pos)
        if name == b"data":
            if pos + 8 + size > len(data):
                raise Broken("WAV data cut short")
            return
        pos += 8 + size + (size & 1)
    raise Broken("WAV without its data chunk")


def _json(data: bytes) -> None:
    try:
        json.loads(data)
    except ValueError as e:
        raise Broken(f"JSON that does not parse ({e})") from None


def _text(data: bytes) -> None:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        raise Broken("text cut inside a character") from None


def _blend(data: bytes) -> None:
    if data[:7] == b"BLENDER":
        if b"ENDB" not in data[-64:]:
            raise Broken(".blend without its ENDB block")
        return
    if data[:4] != b"\x28\xb5\x2f\xfd":
        raise Broken("not a .blend")
    # Compressed: zstd frames and, last, the seek table (zstd's seekable format): its frame sizes
    # plus the table itself must be the whole file.
    if data[-4:] != b"\xb1\xea\x92\x8f":
        raise Broken("compressed .blend without its seek table")
    frames, descriptor = struct.unpack_from("<IB", data, len(data) - 9)
    entry = 12 if descriptor & 0x80 else 8
    table = 8 + frames * entry + 9
    sizes = struct.unpack_from("<" + ("II" + ("I" if entry == 12 else "")) * frames, data, len(data) - 9 - frames * entry)
    if sum(sizes[::entry // 4]) + table != len(data):
        raise Broken("compressed .blend cut short")


def _glb(data: bytes) -> None:
    if data[:4] != b"glTF":
        raise Broken("not a GLB")
    (length,) = struct.unpack_from("<I", data, 8)
    if length != len(data):
        raise Broken("GLB cut short")
    (json_len,) = struct.unpack_from("<I", data, 12)
    _json(data[20:20 + json_len])


def _usdc(data: bytes) -> None:
    if data[:8] != b"PXR-USDC":
        raise Broken("not a USD crate file")
    (toc,) = struct.unpack_from("<q", data, 16)
    if not 24 <= toc <= len(data) - 8:
        raise Broken("USD crate file cut short (its table of contents is missing)")
    (count,) = struct.unpack_from("<Q", data, toc)
    for i in range(count):
        _name, start, size = struct.unpack_from("<16sqq", data, toc + 8 + 32 * i)
        if start + size > len(data):
            raise Broken("USD crate file cut short")


def _usda(data: bytes) -> None:
    if not data.startswith(b"#usda"):
        raise Broken("not a USD text file")
    _text(data)
    # Brackets outside strings balance only in a whole file.
    text = re.sub(rb'"""(?:.|\n)*?"""|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'|#[^\n]*', b"", data)
    if any(text.count(a) != text.count(b) for a, b in ((b"(", b")"), (b"{", b"}"), (b"[", b"]"))):
        raise Broken("USD text file cut short")


def _abc(data: bytes) -> None:
    if data[:5] != b"Ogawa":
        raise Broken("not an Alembic (Ogawa) file")
    if data[5] != 0xFF:  # Ogawa sets this byte only when the archive is closed
        raise Broken("Alembic file never closed")


FBX_FOOTER = bytes.fromhex("f85a8c6adef5d97eece90ce3758f290b")


def _fbx(data: bytes) -> None:
    if not data.startswith(b"Kaydara FBX Binary"):
        raise Broken("not a binary FBX")
    if data[-16:] != FBX_FOOTER:
        raise Broken("FBX without its footer")


CHECKS = {".png": _png, ".exr": _exr, ".mp4": _mp4, ".wav": _wav, ".json": _json, ".srt": _text,
          ".toml": _text, ".blend": _blend, ".glb": _glb, ".gltf": _json, ".usdc": _usdc, ".usda": _usda,
          ".abc": _abc, ".fbx": _fbx, ".bin": lambda data: None, ".log": lambda data: None}


def problem(path: Path, kind: str | None = None) -> str | None:
    """Why the file at path is not whole, or None if it is. kind: the suffix to check it as
    (default: its own). A .gltf's buffers must be beside it at their full length."""
    path = Path(path)
    kind = (kind or path.suffix).lower()
    try:
        data = path.read_bytes()
    except OSError as e:
        return f"cannot be read: {e.strerror or e}"
    if not data:
        return "empty"
    try:
        CHECKS.get(kind, lambda data: None)(data)  # other kinds (an exporter's textures): not empty
        if kind == ".gltf":
            from urllib.parse import unquote

            for buf in json.loads(data).get("buffers", []):
                uri = buf.get("uri", "")
                if uri and not uri.startswith("data:"):
                    side = path.with_name(unquote(uri))
                    if not side.is_file() or side.stat().st_size < buf["byteLength"]:
                        return f"its buffer {side.name} is missing or cut short"
    except Broken as e:
        return str(e)
    except (struct.error, ValueError, IndexError):
        return "cut short"
    return None


def is_whole(path: Path) -> bool:
    path = Path(path)
    return path.is_file() and problem(path) is None


# --- finishing --------------------------------------------------------------------------------

def finish(tmp: Path, final: Path, error: OSError | None = None, detail: str = "") -> Path:
    """Rename a written temporary file to its final name if it is whole; else remove it and raise
    WriteError naming the final file and the cause. error: the OSError the write raised, if any;
    detail: what the writer said (Blender's message), when it failed without one."""
    tmp, final = Path(tmp), Path(final)
    broken = "not written" if not tmp.is_file() else problem(tmp, final.suffix)
    if broken is None and error is None and not detail:
        try:
            os.replace(tmp, final)
            return final
        except OSError as e:
            error = e
    why = cause(tmp, error, detail)
    try:
        tmp.unlink()
    except OSError:
        pass
    raise WriteError(final, why if broken in (None, "not written") else f"{why} ({broken})")


def write_bytes(path: Path, data: bytes) -> Path:
    """Write data to path whole or not at all (see finish)."""
    path = Path(path)
    tmp = part_path(path)
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    except OSError as e:
        return finish(tmp, path, e)
    return finish(tmp, path)


def write_with(path: Path, fill) -> Path:
    """Write path whole or not at all (see finish) by fill(f), f an open binary file (for what is
    written a piece at a time). Returns what fill returned."""
    path = Path(path)
    tmp = part_path(path)
    try:
        with open(tmp, "wb") as f:
            made = fill(f)
            f.flush()
            os.fsync(f.fileno())
    except OSError as e:
        finish(tmp, path, e)
    except BaseException:  # fill's own failure (Ctrl-C, no memory): no part file left behind
        tmp.unlink(missing_ok=True)
        raise
    finish(tmp, path)
    return made


def write_json(path: Path, data: dict) -> Path:
    return write_bytes(path, (json.dumps(data, indent=2, sort_keys=True) + "\n").encode())


# --- claims and locks -------------------------------------------------------------------------

class Claim:
    """An exclusive claim on a piece of work in a shared folder (a frame to render, the film to make).

    The claim is a small file created with O_EXCL holding "host pid"; a claim
    whose holder is dead (on this host: its pid is gone; elsewhere: untouched
    for FOREIGN_STALE_S) is taken over.
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        self.held = False

    def holder(self) -> tuple[str, int, float] | None:
        try:
            host, pid = self.path.read_text().split()
            return host, int(pid), self.path.stat().st_mtime
        except (OSError, ValueError):
            return None

    def acquire(self) -> bool:
        # The claim appears whole or not at all: written under a part name, then linked into place
        # (link fails if the claim exists). An empty claim would be ambiguous: a live writer caught
        # mid-write, or one killed there; a reader waiting it out would skip the frame for good.
        part = part_path(self.path)
        part.write_text(f"{HOST} {os.getpid()}\n")
        try:
            for _ in range(3):
                try:
                    os.link(part, self.path)
                except FileExistsError:
                    held = self.holder()
                    if held is not None and holder_alive(*held):
                        return False
                    self.path.unlink(missing_ok=True)  # a dead holder's claim, or an unreadable one
                    continue
                self.held = True
                return True
            return False
        finally:
            part.unlink(missing_ok=True)

    def release(self) -> None:
        if self.held:
            self.path.unlink(missing_ok=True)
            self.held = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.release()


# --- the render folder ------------------------------------------------------------------------

LOG_NAME = "render.log"


def frame_extension(q: dict) -> str:
    """The frame files of a quality tier: .exr or .png."""
    return ".exr" if q["format"] == "OPEN_EXR" else ".png"


def frame_path(out_dir: Path, frame: int, ext: str) -> Path:
    return out_dir / f"frame_{frame:05d}{ext}"


@contextlib.contextmanager
def chatter_to(log: Path):
    """Send Blender's chatter (C printf and log lines on fds 1 and 2) to a log file,
    and yield a text stream on the real stderr for the progress bar."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = {fd: os.dup(fd) for fd in (1, 2)}
    terminal = os.fdopen(os.dup(saved[2]), "w")
    with open(log, "a") as f:
        for fd in (1, 2):
            os.dup2(f.fileno(), fd)
        try:
            yield terminal
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            for fd, copy in saved.items():
                os.dup2(copy, fd)
                os.close(copy)
            terminal.close()


def read_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None
