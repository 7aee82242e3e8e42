"""Settings saved with the .blend: the scene preset's whole schema as property groups.

The groups are made from `config.keys.SCENE` itself, so every preset key is a
property of the same name and path (`scene.sanctuary.forest.tree_count` is
`forest.tree_count`), with the schema's range as hard limits, its soft range
for sliders, its doc as the tooltip. `read` turns the settings back into a
preset's values; `cli_args` says which `--preset/--seed/--set` give those
values, and that is how the panel builds and renders: a panel change is the
same `--set` on the command line.

Blender stores floats in single precision: a value the artist did not touch
reads back as the preset's exact value, an edited one as the shortest decimal
that single precision holds (what the field shows).
"""
from __future__ import annotations

import math
import shlex
from dataclasses import dataclass
from pathlib import Path

import bpy
import numpy as np

from .. import jobs
from ..config import keys as config
from ..config import overrides, presets
from ..config.errors import ConfigError, Source
from ..config.schema import MISSING, Bool, Float, Int, Spec, Str, Table, TableList, Variant, Vec

PANEL = "Sanctuary panel"  # the source named in errors about values set in the panel
# How the panel says where bad input came from (the command line says --set, --quality, ...).
WORDS = {Source.OVERRIDE: PANEL, Source.PRESET: "Preset", Source.SEED: "Seed", Source.QUALITY: "Quality",
         Source.FRAMES: "Frames", Source.SHOTS: "Shot", Source.CHUNK: "Chunk", Source.CHUNK_SIZE: "Frames per Task",
         Source.OUT: "Output",
         Source.FORMAT: "Export format", Source.PROFILE: "Export profile", Source.ARGUMENTS: PANEL}
LISTS = {"species": "species", "acts": "act", "shots": "shot"}  # the lists, and their items' group names


def user_preset_dirs() -> tuple:
    """The extension's user folder for presets (only when running as an extension)."""
    try:
        return (bpy.utils.extension_path_user(__package__.rsplit(".", 1)[0], path="presets", create=True),)
    except (ValueError, AttributeError, TypeError):
        return ()


def user_folders() -> tuple:
    """Folders of the user's own presets: the extension's, else those in $SANCTUARY_PRESET_PATH."""
    return user_preset_dirs() or tuple(presets.env_dirs())


def user_preset_folder() -> Path:
    """Where Save Preset writes."""
    dirs = user_folders()
    if not dirs:
        raise ConfigError("Save Preset", "", "no user preset folder: install Sanctuary as an extension or set "
                                             f"${presets.ENV_PATH}")
    return Path(dirs[0])


# ---- the schema as property groups ----------------------------------------------------------

def _label(key: str) -> str:
    return key.replace("_", " ").title()


def _tooltip(spec: Spec) -> str:
    unit = getattr(spec, "unit", "")
    text = spec.doc[:1].upper() + spec.doc[1:] if spec.doc else ""
    return f"{text} ({unit})" if unit and text else (text or unit)


def _limits(spec, kind=float) -> dict:
    kw = {}
    if spec.lo is not None:
        kw["min"] = kind(spec.lo)
    if spec.hi is not None:
        kw["max"] = kind(min(spec.hi, 2**31 - 1)) if kind is int else kind(spec.hi)
    soft = getattr(spec, "soft", None)
    if soft:
        kw["soft_min"], kw["soft_max"] = kind(soft[0]), kind(soft[1])
    return kw


def _fallback(spec: Spec):
    """A value for a property no preset gives a default for (new list items copy the active one)."""
    if spec.default is not MISSING:
        return spec.default
    if isinstance(spec, (Int, Float)):
        return spec.lo if spec.lo is not None and spec.lo > 0 else 0
    if isinstance(spec, Str):
        return spec.choices[0] if spec.choices else ""
    if isinstance(spec, Vec):
        return [spec.lo or 0] * spec.n
    return False if isinstance(spec, Bool) else ""


def make_property(key: str, spec: Spec, default, groups: list):
    """The bpy property for one schema key; sub-tables add their groups to `groups` (made first)."""
    default = _fallback(spec) if default is None else default
    common = dict(name=_label(key), description=_tooltip(spec))
    if isinstance(spec, Bool):
        return bpy.props.BoolProperty(default=bool(default), **common)
    if isinstance(spec, Int):
        return bpy.props.IntProperty(default=int(default), **_limits(spec, int), **common)
    if isinstance(spec, Float):
        extra = {"subtype": "DISTANCE"} if spec.unit == "m" else {}
        return bpy.props.FloatProperty(default=float(default), precision=3, **_limits(spec), **extra, **common)
    if isinstance(spec, Str) and spec.choices:
        items = [(c, _label(c), "") for c in spec.choices]
        return bpy.props.EnumProperty(items=items, default=default if default in spec.choices else spec.choices[0],
                                      **common)
    if isinstance(spec, (Str, config.TimeRef)):
        if isinstance(spec, config.TimeRef):
            common["description"] = "Seconds from the film's start, or a beat: forest, approach+2.5, ..."
        return bpy.props.StringProperty(default=time_text(default), **common)
    if isinstance(spec, Vec):
        colour = spec.n == 3 and (spec.lo, spec.hi) == (0.0, 1.0)
        prop = bpy.props.IntVectorProperty if spec.integer else bpy.props.FloatVectorProperty
        kw = {"subtype": "COLOR"} if colour else {}
        return prop(size=spec.n, default=tuple(default), **_limits(spec, int if spec.integer else float), **kw,
                    **common)
    if isinstance(spec, Table):
        group = make_group(key, spec.fields, default if isinstance(default, dict) else {}, groups)
        return bpy.props.PointerProperty(type=group, **common)
    if isinstance(spec, TableList):
        first = default[0] if isinstance(default, list) and default else {}
        group = make_group(LISTS.get(key, key), fields_of(spec.item), first, groups)
        return bpy.props.CollectionProperty(type=group, **common)
    raise TypeError(f"no property for {type(spec).__name__}")


def fields_of(spec: Table | Variant) -> dict:
    """The keys a list item may have; for acts every key any kind has (the panel shows its kind's)."""
    if not isinstance(spec, Variant):
        return dict(spec.fields)
    fields = {spec.tag: Str(choices=tuple(spec.kinds)), **spec.common}
    for kind_fields in spec.kinds.values():
        fields.update(kind_fields)
    return fields


def make_group(name: str, fields: dict, defaults: dict, groups: list, extra: dict | None = None):
    annotations = {}
    for key, spec in fields.items():
        if key == "inherits":
            continue
        annotations[key] = make_property(key, spec, defaults.get(key), groups)
        if isinstance(spec, TableList):
            annotations[f"{key}_index"] = bpy.props.IntProperty(name=f"Active {_label(key)}", min=0)
    annotations.update(extra or {})
    group = type(f"SANCTUARY_PG_{name}", (bpy.types.PropertyGroup,), {"__annotations__": annotations})
    groups.append(group)
    return group


def time_text(value) -> str:
    if isinstance(value, float):
        return f"{value:g}" if float(f"{value:g}") == value else repr(value)
    return str(value)


# ---- reading and writing the values -----------------------------------------------------------

def _single(value: float, base) -> float:
    """A single-precision property's value as the preset float it stands for."""
    f32 = np.float32(value)
    if isinstance(base, float) and np.float32(base) == f32:
        return base
    return float(str(f32))


def read_value(value, spec: Spec, base=None):
    """The preset value a property (or property group) holds; base: the preset's value there, if any."""
    if isinstance(spec, Table):
        base = base if isinstance(base, dict) else {}
        return {k: read_value(getattr(value, k), s, base.get(k)) for k, s in spec.fields.items() if k != "inherits"}
    if isinstance(spec, TableList):
        base = base if isinstance(base, list) else []
        return [read_value(item, spec.item, base[i] if i < len(base) else None) for i, item in enumerate(value)]
    if isinstance(spec, Variant):
        kind = getattr(value, spec.tag)
        fields = {spec.tag: Str(), **spec.common, **spec.kinds[kind]}
        return read_value(value, Table(fields=fields), base if isinstance(base, dict) and base.get(spec.tag) == kind
                          else None)
    if isinstance(spec, Bool):
        return bool(value)
    if isinstance(spec, Int):
        return int(value)
    if isinstance(spec, Float):
        return _single(value, base)
    if isinstance(spec, Vec):
        base = base if isinstance(base, list) and len(base) == spec.n else [None] * spec.n
        return [int(v) if spec.integer else _single(v, b) for v, b in zip(value, base)]
    if isinstance(spec, config.TimeRef):
        try:
            number = float(value)
        except ValueError:
            return str(value)
        if not math.isfinite(number):
            return str(value)  # the schema names the key ("1e999" is no time)
        return base if isinstance(base, float) and base == number else number
    return str(value)


def write_value(target, key: str, spec: Spec, value) -> None:
    """Set target.key (a property or group) to a preset value."""
    if isinstance(spec, Table):
        group = getattr(target, key)
        for k, s in spec.fields.items():
            if k in value:
                write_value(group, k, s, value[k])
    elif isinstance(spec, TableList):
        items = getattr(target, key)
        items.clear()
        fields = fields_of(spec.item)
        for entry in value:
            item = items.add()
            for k, v in entry.items():
                write_value(item, k, fields[k], v)
        index = f"{key}_index"
        if getattr(target, index) >= len(value) > 0:  # set only when out of range: selecting a shot moves the view
            setattr(target, index, len(value) - 1)
    elif isinstance(spec, config.TimeRef):
        setattr(target, key, time_text(value))
    else:
        setattr(target, key, tuple(value) if isinstance(value, list) else value)


def read(settings, base: dict | None = None) -> dict:
    """The whole preset the panel holds."""
    return read_value(settings, Table(fields=dict(config.SCENE.fields)), base)


def write(settings, data: dict) -> None:
    for key, spec in config.SCENE.fields.items():
        if key in data:
            write_value(settings, key, spec, data[key])


# ---- the panel as a command line ------------------------------------------------------------

@dataclass
class PanelPreset:
    """The panel's values as the CLI gives them: a preset, a seed and --set overrides."""

    preset: str
    seed: int
    sets: list[str]
    extra: tuple

    def args(self) -> list[str]:
        out = ["--preset", self.preset, "--seed", str(self.seed)]
        for s in self.sets:
            out += ["--set", s]
        return out

    def command(self, verb: str = "build", *more: str) -> str:
        """The shell command that does what the panel does (user presets by path)."""
        ref = str(presets.find(self.preset, extra=self.extra))
        shipped = Path(ref).parent.resolve() == presets.builtin_dir().resolve()
        args = ["sanctuary", verb, "--preset", self.preset if shipped else ref, *self.args()[2:], *more]
        return " ".join(shlex.quote(a) for a in args)

    def load(self) -> presets.Loaded:
        return presets.load_scene(self.preset, self.seed, tuple(self.sets), self.extra)


def panel_preset(settings) -> PanelPreset:
    """What the panel holds, as `--preset NAME --seed N --set ...` (the preset must still load)."""
    if not settings.preset:
        raise ConfigError(PANEL, "", "no preset loaded: choose one from the preset menu")
    extra = user_preset_dirs()
    base = presets.load_scene(settings.preset, extra=extra).data
    data = read(settings, base)
    seed = data.pop("seed")
    base = {k: v for k, v in base.items() if k != "seed"}
    return PanelPreset(settings.preset, seed, overrides.assignments(base, data), extra)


def load_into(settings, name: str) -> presets.Loaded:
    """Fill the settings from a preset (name or path); nothing changes if it does not load."""
    loaded = presets.load_scene(name, extra=user_preset_dirs())
    write(settings, loaded.data)
    settings.preset = str(loaded.path) if presets.is_path(name) else loaded.name
    return loaded


# ---- UI-only state ------------------------------------------------------------------------------

def _show_shot(settings, context) -> None:
    """Selecting a shot makes its camera active and the preview range its frames."""
    if 0 <= settings.shots_index < len(settings.shots):
        jobs.view_shot(settings.id_data, settings.shots[settings.shots_index].name)


EXPORT_FORMATS = [
    ("glb", "glTF Binary (.glb)", "One file: animation clip, cameras, lights, GPU-instanced leaves"),
    ("gltf", "glTF (.gltf + .bin)", "The same as .glb, as JSON and a binary"),
    ("usdc", "USD (.usdc)", "Time-sampled transforms, cameras and lights"),
    ("usda", "USD ASCII (.usda)", "The same as .usdc, as text"),
    ("abc", "Alembic (.abc)", "Transforms, cameras and the growing water as meshes"),
    ("fbx", "FBX (.fbx)", "Transforms baked every frame, cameras, lights"),
    ("blend", "Blender (.blend)", "Self-contained, set up for a farm at the preset's tier"),
]

UI_STATE = {
    "preset": bpy.props.StringProperty(name="Preset", description="The preset these settings were loaded from"),
    "fingerprint": bpy.props.StringProperty(name="Fingerprint", description="Fingerprint of the last build"),
    "export_format": bpy.props.EnumProperty(name="Format", description="What to export the built scene as",
                                            items=EXPORT_FORMATS, default="glb"),
    "export_profile": bpy.props.EnumProperty(name="Profile", description="What the export keeps", items=[
        ("film", "Film", "The scene as rendered: every leaf at full detail (hundreds of millions of triangles)"),
        ("realtime", "Real-time", "For clients that draw every frame: 16-triangle leaves, frost capped, "
                                  "lighter trees, no transmission (a few million triangles)")], default="film"),
    "export_path": bpy.props.StringProperty(name="File", description="Where to write the export",
                                            subtype="FILE_PATH", default="//sanctuary.glb",
                                            options=jobs.path_options()),
    "render_output": bpy.props.StringProperty(name="Output", subtype="DIR_PATH", default="//sanctuary_render/",
                                              description="Folder for frames, film.mp4, contact sheet, manifest",
                                              options=jobs.path_options()),
    "render_shot_only": bpy.props.BoolProperty(name="Selected Shot Only", default=False,
                                               description="Render Animation renders only the selected shot"),
}


def make_classes() -> list:
    """Every property group, the scene's `sanctuary` settings last (register in this order)."""
    groups: list = []
    defaults = presets.load_scene("default").data
    make_group("settings", config.SCENE.fields, defaults, groups, {
        **UI_STATE,
        "shots_index": bpy.props.IntProperty(name="Active Shot", min=0, update=_show_shot,
                                             description="Select a shot: its camera and frames become the view's"),
        "seed": bpy.props.IntProperty(name="Seed", description="One seed for the whole scene: same seed, same scene",
                                      min=0, max=config.SEED_MAX, default=defaults["seed"]),
    })
    return groups


# ---- list items ---------------------------------------------------------------------------------

ITEM_SPECS = {"species": config.SPECIES, "acts": config.ACT, "shots": config.SHOT}


def list_spec(name: str) -> Spec:
    return ITEM_SPECS[name]


def item_fields(name: str) -> dict:
    return fields_of(ITEM_SPECS[name])


def new_item(name: str) -> dict:
    """A new item for an empty list: the default preset's first."""
    data = presets.load_scene("default").data
    items = {"species": data["forest"]["species"], "acts": data["timeline"]["acts"], "shots": data["shots"]}[name]
    return dict(items[0])


def unique_name(name: str, taken: set) -> str:
    stem = name.rstrip("0123456789").rstrip("_") or name
    n = 2
    while f"{stem}_{n}" in taken:
        n += 1
    return f"{stem}_{n}"


def write_item(item, list_name: str, values: dict) -> None:
    fields = item_fields(list_name)
    for key, value in values.items():
        write_value(item, key, fields[key], value)
