"""Finding, reading, merging and validating presets (TOML, read with tomllib).

A scene preset states only what differs from the one it `inherits` (the
built-in "default" when it says nothing); tables merge key by key, lists
(species, acts, shots) replace whole. Quality tiers live in `quality/` beside
the scene presets and are complete unless they inherit. `--set key=value`
overrides are checked against the same schema as the files.
"""
from __future__ import annotations

import copy
import difflib
import hashlib
import json
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from . import keys as schema_config
from . import overrides
from .errors import ConfigError, Source
from .schema import Int, Spec, Table, join, spec_at

PACKAGE_DIR = Path(__file__).resolve().parent.parent
ENV_PATH = "SANCTUARY_PRESET_PATH"


def builtin_dir() -> Path:
    """Shipped presets: inside the package (wheel, extension zip) or the checkout."""
    for candidate in (PACKAGE_DIR / "presets", PACKAGE_DIR.parent.parent / "presets"):
        if (candidate / "default.toml").is_file():
            return candidate
    raise ConfigError(str(PACKAGE_DIR / "presets"), "", "the shipped presets are missing from this install")


def env_dirs() -> list[str]:
    """The folders in $SANCTUARY_PRESET_PATH."""
    return [p for p in os.environ.get(ENV_PATH, "").split(os.pathsep) if p]


def search_dirs(extra: tuple[str | Path, ...] = ()) -> list[Path]:
    """User folders first (so a user preset can shadow a shipped one), then the shipped one."""
    dirs = [Path(p) for p in extra]
    dirs += [Path(p) for p in env_dirs()]
    dirs.append(builtin_dir())
    return dirs


@dataclass(frozen=True)
class Kind:
    """Scene presets or quality tiers: where they live and how they are checked."""

    subdir: str
    schema: Table
    base: str  # preset every file inherits from when it names none ("" = complete)


SCENE = Kind("", schema_config.SCENE, "default")
QUALITY = Kind("quality", schema_config.QUALITY, "")


@dataclass(frozen=True)
class PresetInfo:
    name: str
    path: Path
    description: str


@dataclass
class Loaded:
    """A validated preset: plain nested dicts, plus where they came from."""

    data: dict
    path: Path
    chain: list[Path] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.path.stem

    def digest(self) -> str:
        """Hash of the validated values (not the file text): same values, same hash."""
        return _digest(self.data)

    def picture_digest(self) -> str:
        """Hash of the values a rendered frame shows: the sound, captions, name and trailer length left out,
        so a render that changes only those may resume in a folder of frames made before."""
        data = {k: v for k, v in self.data.items() if k not in NOT_IN_FRAMES}
        data["render"] = {k: v for k, v in data.get("render", {}).items() if k != "trailer_frames"}
        return _digest(data)


NOT_IN_FRAMES = ("meta", "sound", "captions")


def _digest(data: dict) -> str:
    text = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def is_path(ref: str) -> bool:
    return ref.endswith(".toml") or "/" in ref or os.sep in ref


def _what(kind: Kind) -> str:
    return "quality tier" if kind is QUALITY else "preset"


def find(ref: str | Path, kind: Kind = SCENE, extra: tuple = (), source: str = "", base: Path | None = None) -> Path:
    """A preset file for a name ("default") or a path ("my/preset.toml").

    A relative path is taken from `base` (the folder of the preset that
    inherits it) when given, else from the working folder; a name is looked
    for in `base` before the search folders. `source` names where the
    reference came from in errors (default: --preset or --quality). Raises
    ConfigError naming the source, with the closest name if one is near.
    """
    ref = str(ref)
    source = source or (Source.QUALITY if kind is QUALITY else Source.PRESET)
    if is_path(ref):
        path = Path(ref).expanduser()
        if base is not None and not path.is_absolute():
            path = base / path
        if not path.is_file():
            raise ConfigError(source, "", f"no {_what(kind)} file at {path}")
        return path
    for path in ([base / f"{ref}.toml"] if base is not None else []) + \
            [d / kind.subdir / f"{ref}.toml" for d in search_dirs(extra)]:
        if path.is_file():
            return path
    known = [p.name for p in list_presets(kind, extra)]
    close = difflib.get_close_matches(ref, known, n=1, cutoff=0.6)
    hint = f"did you mean {close[0]!r}? " if close else ""
    raise ConfigError(source, "", f"no {_what(kind)} named {ref!r}; {hint}available: {', '.join(known) or 'none'}")


def read_toml(path: Path) -> dict:
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(str(path), "", f"invalid TOML: {e}") from None
    except ValueError:  # Python reads integers of up to 4,300 digits
        raise ConfigError(str(path), "", "an integer of more than 4300 digits") from None
    except RecursionError:
        raise ConfigError(str(path), "", "values nested too deeply") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(str(path), "", f"cannot read: {e}") from None


def list_presets(kind: Kind = SCENE, extra: tuple = ()) -> list[PresetInfo]:
    """Every preset reachable by name, first match wins, sorted by name."""
    found: dict[str, PresetInfo] = {}
    for d in search_dirs(extra):
        folder = d / kind.subdir
        for path in sorted(folder.glob("*.toml")) if folder.is_dir() else ():
            if path.stem in found:
                continue
            try:
                raw = read_toml(path)
            except ConfigError:
                raw = {}
            desc = raw.get("meta", {}).get("description") if kind is SCENE else raw.get("description")
            found[path.stem] = PresetInfo(path.stem, path, str(desc or "(no description)"))
    return sorted(found.values(), key=lambda p: p.name)


def merge(base: dict, over: dict) -> dict:
    """Tables merge key by key; everything else (lists included) replaces."""
    out = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _read_chain(path: Path, kind: Kind, extra: tuple, seen: tuple = ()) -> tuple[dict, list[Path]]:
    """Raw merged values of a preset and the ones it inherits, each file checked on its own."""
    resolved = path.resolve()
    if resolved in seen:
        raise ConfigError(str(path), "inherits", "presets inherit from each other in a circle")
    raw = read_toml(path)
    kind.schema.check(raw, "", str(path), partial=True)
    parent = raw.pop("inherits", "") or kind.base
    if not parent or resolved == _base_path(kind, extra):
        return raw, [path]
    parent_path = find(parent, kind, extra, source=f"{path}: inherits", base=path.parent)
    if parent_path.resolve() == resolved:
        return raw, [path]
    base, chain = _read_chain(parent_path, kind, extra, seen + (resolved,))
    return merge(base, raw), chain + [path]


def _base_path(kind: Kind, extra: tuple) -> Path | None:
    return find(kind.base, kind, extra).resolve() if kind.base else None


KEY_PART = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|(\d+)")


def parse_key(key: str) -> list[str | int]:
    """"shots[2].lens" or "shots.2.lens" -> ["shots", 2, "lens"]."""
    parts: list[str | int] = []
    for chunk in key.split("."):
        pos = 0
        while pos < len(chunk):
            m = KEY_PART.match(chunk, pos)
            if not m:
                raise ConfigError(Source.OVERRIDE, key, "not a key path (use forest.tree_count or shots[2].lens)")
            parts.append(m[1] if m[1] else int(m[2] or m[3]))
            pos = m.end()
        if not chunk:
            raise ConfigError(Source.OVERRIDE, key, "not a key path (use forest.tree_count or shots[2].lens)")
    return parts


def parse_value(text: str, key: str = ""):
    """One TOML value (300, 1.5, true, [1, 2], "x"); anything else that is one line is a bare string.

    Raises ConfigError (source --set) for a value on several lines (TOML would
    read the second line as another key and the rest would be dropped), one
    nested too deeply or with an integer too long to read.
    """
    if any(ch in text for ch in "\n\r\x00"):
        raise ConfigError(Source.OVERRIDE, key, "a value must be on one line")
    try:
        doc = tomllib.loads(f"v = {text}")
    except tomllib.TOMLDecodeError:
        return text
    except ValueError:  # Python reads integers of up to 4,300 digits
        raise ConfigError(Source.OVERRIDE, key, "an integer of more than 4300 digits") from None
    except RecursionError:
        raise ConfigError(Source.OVERRIDE, key, "value nested too deeply") from None
    if set(doc) != {"v"}:
        raise ConfigError(Source.OVERRIDE, key, f"expected one value, found {text!r}")
    return doc["v"]


def apply_override(data: dict, assignment: str, schema: Spec) -> str:
    """One `--set KEY=VALUE`, checked against the schema, then applied; returns the key path."""
    if "=" not in assignment:
        raise ConfigError(Source.OVERRIDE, assignment, "expected KEY=VALUE")
    key, text = assignment.split("=", 1)
    keys = parse_key(key.strip())
    path = ""
    for k in keys:
        path = join(path, k)
    if keys == ["inherits"]:
        raise ConfigError(Source.OVERRIDE, path, "only a preset file inherits; give the other preset with --preset")
    value = spec_at(schema, keys, Source.OVERRIDE).check(parse_value(text.strip(), path), path, Source.OVERRIDE)
    node = data
    for i, k in enumerate(keys[:-1]):
        if isinstance(node, dict) and k not in node and isinstance(spec_at(schema, keys[:i + 1], Source.OVERRIDE), Table):
            node[k] = {}  # a table the preset leaves to its defaults
        try:
            node = node[k]
        except (KeyError, IndexError, TypeError):
            raise ConfigError(Source.OVERRIDE, path, "no such entry in this preset") from None
    last = keys[-1]
    if isinstance(last, int) and not (isinstance(node, list) and last < len(node)):
        raise ConfigError(Source.OVERRIDE, path, "no such entry in this preset")
    node[last] = value
    return path


def load(ref: str | Path = "default", kind: Kind = SCENE, overrides: tuple = (), extra: tuple = (),
         source: str = "") -> Loaded:
    """A validated preset or tier with `--set` overrides applied. Raises ConfigError naming the source:
    the file and key, `--set` and key, or `source` (--preset, --quality) when ref names nothing."""
    path = find(ref, kind, extra, source)
    data, chain = _read_chain(path, kind, extra)
    overridden = []
    for assignment in overrides:
        key = apply_override(data, assignment, kind.schema)
        if key in overridden:
            raise ConfigError(Source.OVERRIDE, key, "set twice; give each key once")
        overridden.append(key)
    try:
        data = kind.schema.check(data, "", str(path))
        data.pop("inherits", None)  # consumed by _read_chain; not part of the scene
        if kind is SCENE:
            schema_config.check_scene(data, str(path))
            _check_tier_exists(data, str(path), extra)
        else:
            schema_config.check_quality(data, str(path))
    except ConfigError as e:
        # A whole-preset rule broken by an override is the override's fault.
        if e.key and any(e.key == k or e.key.startswith((k + ".", k + "[")) or k.startswith((e.key + ".", e.key + "["))
                         for k in overridden):
            raise ConfigError(Source.OVERRIDE, e.key, e.message) from None
        raise
    return Loaded(data, path, chain)


def _check_tier_exists(cfg: dict, source: str, extra: tuple) -> None:
    """render.quality must name a tier: found now, not after the scene is built."""
    try:
        find(cfg["render"]["quality"], QUALITY, extra)
    except ConfigError as e:
        raise ConfigError(source, "render.quality", e.message) from None


def load_scene(ref: str | Path = "default", seed: int | None = None, overrides: tuple = (),
               extra: tuple = ()) -> Loaded:
    """The validated scene preset with a seed and overrides (`KEY=VALUE`) applied."""
    if seed is not None and any(a.split("=", 1)[0].strip() == "seed" for a in overrides):
        raise ConfigError(Source.SEED, "", "the seed is given twice (--seed and --set seed=...); give it once")
    loaded = load(ref, SCENE, tuple(overrides), extra)
    if seed is not None:
        loaded.data["seed"] = Int(lo=0, hi=schema_config.SEED_MAX).check(seed, "seed", Source.SEED)
    return loaded


def load_quality(ref: str | Path, overrides: tuple = (), extra: tuple = (), source: str = Source.QUALITY) -> Loaded:
    return load(ref, QUALITY, tuple(overrides), extra, source)


PRESET_NAME = re.compile(r"[a-z][a-z0-9_]{0,59}")


def save_scene(data: dict, name: str, folder: str | Path, description: str = "", extra: tuple = ()) -> Path:
    """Write data as the scene preset `folder/name.toml`, stating only what differs from "default".

    The file is checked by loading it back before it replaces anything: a
    preset that would not load is never left behind.
    """
    if not PRESET_NAME.fullmatch(name):
        raise ConfigError("preset name", "", f"expected lower-case letters, digits and _ (like my_forest), "
                                             f"found {name!r}")
    folder = Path(folder)
    data = copy.deepcopy(data)
    data["meta"] = {"name": name, "description": description or data["meta"]["description"]}
    if name == SCENE.base:
        body = data  # the base itself: complete, inherits nothing
    else:
        base = load(SCENE.base, SCENE, (), extra).data
        body = {"seed": data["seed"], "meta": data["meta"], **overrides.delta(base, data)}
    text = overrides.dumps(body, f"Sanctuary scene preset {name!r}, saved from the Sanctuary panel.\n"
                                 "It states only what differs from the default preset.")
    path = folder / f"{name}.toml"
    tmp = folder / f".{name}.toml.part"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp.write_text(text, encoding="utf-8")
        check = _read_chain(tmp, SCENE, (folder, *extra))[0] if name != SCENE.base else tomllib.loads(text)
        check = SCENE.schema.check(check, "", str(path))
        check.pop("inherits", None)
        if check != data:
            raise ConfigError(str(path), "", "the written preset does not read back to the same values")
        os.replace(tmp, path)
    except OSError as e:
        raise ConfigError(str(path), "", f"cannot write: {e.strerror or e}") from None
    finally:
        if tmp.is_file():
            tmp.unlink()
    return path


def remove_user_preset(path: Path) -> None:
    """Delete a preset file of one's own; a shipped one is refused (ConfigError)."""
    path = Path(path)
    if path.resolve().parent in (builtin_dir().resolve(), (builtin_dir() / QUALITY.subdir).resolve()):
        raise ConfigError(str(path), "", "a shipped preset cannot be removed")
    try:
        path.unlink()
    except OSError as e:
        raise ConfigError(str(path), "", f"cannot remove: {e.strerror or e}") from None
