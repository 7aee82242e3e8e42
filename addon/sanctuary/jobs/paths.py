"""Output paths checked before any work starts, so bad ones fail fast and write nothing."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ..config.errors import ConfigError, Source

EXPORT_FORMATS = ("glb", "gltf", "usdc", "usda", "abc", "fbx", "blend")


def export_format(path: str | Path, fmt: str | None = None) -> str:
    """The export format: as given, or from the file's extension."""
    fmt = (fmt or Path(path).suffix.lstrip(".")).lower()
    if fmt not in EXPORT_FORMATS:
        raise ConfigError(Source.FORMAT, "", f"expected one of {', '.join(EXPORT_FORMATS)}, "
                                          f"found {fmt or 'no extension'!r}")
    return fmt


EXPORT_PROFILES = ("film", "realtime")  # export/realtime.py says what each keeps


def check_export_profile(profile: str, fmt: str | None = None) -> str:
    """The profile, if it is one of EXPORT_PROFILES and means something for `fmt`; else ConfigError."""
    if profile not in EXPORT_PROFILES:
        raise ConfigError(Source.PROFILE, "", f"expected one of {', '.join(EXPORT_PROFILES)}, found {profile!r}")
    if fmt == "blend" and profile != "film":
        raise ConfigError(Source.PROFILE, "", f"a .blend is the scene itself: {profile} is for "
                                              f"{', '.join(f for f in EXPORT_FORMATS if f != 'blend')}")
    return profile


def not_blend_relative(path: str | Path, source: str) -> None:
    """Refuse Blender's "//" (beside the open .blend) where there is no .blend to be beside:
    as a plain path it would mean the root of the filesystem."""
    if str(path).startswith("//"):
        raise ConfigError(source, "", f"{str(path)!r} starts with '//', Blender's 'beside the .blend', and "
                                      "there is no .blend here: give a path without '//'")


def creatable_dir(path: str | Path, source: str = Source.OUT) -> Path:
    """A folder that exists and can be written, or could be made: checked without creating anything
    (a probe file in the nearest folder that exists). Raises ConfigError naming the source."""
    not_blend_relative(path, source)
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise ConfigError(source, "", f"cannot create output folder {path}: a file is in the way")
    base = path
    while not base.exists():
        if base.parent == base:
            break
        base = base.parent
    if not base.is_dir():
        raise ConfigError(source, "", f"cannot create output folder {path}: {base} is a file")
    try:
        fd, probe = tempfile.mkstemp(prefix=".probe", dir=base)
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        raise ConfigError(source, "", f"cannot create output folder {path}: {e.strerror or e}") from None
    return path


def writable_dir(path: str | Path, source: str = Source.OUT) -> Path:
    """Create the folder if needed and prove it can be written (a probe file; root ignores modes)."""
    not_blend_relative(path, source)
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise ConfigError(source, "", f"cannot create output folder {path}: a file is in the way")
    try:
        path.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".probe", dir=path)
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        raise ConfigError(source, "", f"cannot create output folder {path}: {e.strerror or e}") from None
    return path


def writable_file(path: str | Path, suffix: str, source: str = Source.OUT) -> Path:
    """A file path whose folder can be written and whose name ends in `suffix`."""
    not_blend_relative(path, source)
    path = Path(path)
    if path.suffix.lower() != suffix:
        raise ConfigError(source, "", f"expected a {suffix} file, found {str(path)!r}")
    if path.is_dir():
        raise ConfigError(source, "", f"{path} is a folder; give a file name")
    writable_dir(path.parent if str(path.parent) else ".", source)
    return path
