"""A render farm job: the render as an Open Job Description (OpenJD) job bundle.

`plan_farm_job` checks every argument and works the job out without Blender
(ConfigError, exit 2, nothing written); `write_farm_job` writes the bundle
whole or not at all (WriteError). The bundle is what AWS Deadline Cloud's
`deadline bundle submit BUNDLE` sends, and what OpenJD's reference runtime
runs on one machine exactly as a farm's workers would:
`openjd run BUNDLE/template.yaml --step Film --run-dependencies`.

    BUNDLE/template.yaml            the job (jobtemplate-2023-09, TASK_CHUNKING)
    BUNDLE/parameter_values.yaml    the job parameters' values, for Deadline Cloud
    BUNDLE/asset_references.yaml    files the job needs besides (none: the scene's
                                    values are inside the template)
    BUNDLE/output/                  where the render goes unless OutputDir says otherwise

Three steps, each a `sanctuary render --step ...` of the same render into the
same folder (one stamp, sanctuary_job.json, for the whole job):

    Scene   builds the scene once, stamps the folder with its fingerprint and
            saves the farm-ready scene.blend there;
    Render  one task per chunk of frames (CHUNK[INT], contiguous): opens that
            scene.blend (no rebuild), checks its fingerprint against the stamp
            and renders its frames, each written whole, skipping those there;
    Film    after every Render task: the MP4 with its soundtrack, the contact
            sheet and the merged manifest.json, once.

The scene's values (the preset with its seed and overrides, every key) travel
inside the template as an embedded file, so a worker needs no preset of the
user's. The YAML is written here (the add-on imports nothing but bpy and
numpy): block style, every string double-quoted, multi-line text as literal
blocks.
"""
from __future__ import annotations

import math
import os
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .. import __version__, files
from ..config import overrides, presets
from ..config.errors import ConfigError, Source
from ..files import WriteError
from . import FILM_NAME, SCENE_FILE, SHEET_NAME, STAMP_NAME, RenderPlan, plan_render
from .frames import frame_ranges

TEMPLATE = "template.yaml"
PARAMETER_VALUES = "parameter_values.yaml"
ASSET_REFERENCES = "asset_references.yaml"
BUNDLE_FILES = (PARAMETER_VALUES, ASSET_REFERENCES, TEMPLATE)  # the template last: the bundle is there once it is
OUTPUT_DIR = "output"  # the render's folder, inside the bundle unless the job's OutputDir says otherwise
MARK = "# Written by `sanctuary job`"  # the first line of a template this module wrote

# A Render task should take a few minutes: long enough that opening scene.blend is a small part of it,
# short enough that a lost worker loses little. Deadline Cloud grows or shrinks chunks towards this.
CHUNK_TARGET_SECONDS = 300
MAX_CHUNK = 150  # the most frames Deadline Cloud takes in one chunk

# Peak resident memory of one task of each step (its process's ru_maxrss, which each step records in its
# manifest), in MiB, by Blender version, preset and tier. Measured on Linux x86_64 (2 cores) with
# `python scripts/bench_farm.py --preset P --quality T --frames 54-55,936-937 --chunk-size 2 --no-plain`
# (the densest shot's frames and a sparse shot's, two Render tasks), in each Blender's venv; the final tier
# (5.0 only: its frames take minutes here) with `--samples 1`, the default preset on `--frames 54,936
# --chunk-size 1`. A frame's buffers do not grow with its samples (the sketch at draft: Render peaks of 440
# and 438 MiB at 2 and 32 samples). Where a preset and tier were measured more than once, the most.
MEASURED_PEAK_MIB: dict[tuple[str, str, str], dict[str, int]] = {
    ("4.2", "sketch", "draft"): {"scene": 304, "frames": 419, "film": 1118},
    ("4.2", "sketch", "preview"): {"scene": 315, "frames": 665, "film": 1126},
    ("4.2", "night_vigil", "draft"): {"scene": 397, "frames": 602, "film": 1214},
    ("4.2", "night_vigil", "preview"): {"scene": 408, "frames": 1031, "film": 1233},
    ("4.2", "default", "draft"): {"scene": 545, "frames": 927, "film": 1320},
    ("4.2", "default", "preview"): {"scene": 558, "frames": 1276, "film": 1342},
    ("5.0", "sketch", "draft"): {"scene": 320, "frames": 441, "film": 1164},
    ("5.0", "sketch", "preview"): {"scene": 325, "frames": 640, "film": 1170},
    ("5.0", "sketch", "final"): {"scene": 320, "frames": 2384, "film": 1164},
    ("5.0", "night_vigil", "draft"): {"scene": 409, "frames": 737, "film": 1263},
    ("5.0", "night_vigil", "preview"): {"scene": 437, "frames": 1027, "film": 1269},
    ("5.0", "default", "draft"): {"scene": 592, "frames": 1049, "film": 1383},
    ("5.0", "default", "preview"): {"scene": 567, "frames": 1344, "film": 1403},
    ("5.0", "default", "final"): {"scene": 561, "frames": 3325, "film": 1395},
    ("5.2", "sketch", "draft"): {"scene": 338, "frames": 557, "film": 1282},
    ("5.2", "sketch", "preview"): {"scene": 349, "frames": 830, "film": 1282},
    ("5.2", "night_vigil", "draft"): {"scene": 425, "frames": 781, "film": 1247},
    ("5.2", "night_vigil", "preview"): {"scene": 438, "frames": 1171, "film": 1266},
    ("5.2", "default", "draft"): {"scene": 570, "frames": 1064, "film": 1361},
    ("5.2", "default", "preview"): {"scene": 685, "frames": 1482, "film": 1457},
}
# The preview rows measured again after the tier's 20 m culling margin (e47d34f), which keeps more of the
# forest in each frame (1,173 -> 1,344 MiB for the default's Render task on 5.0), with --frames 936-939
# --chunk-size 4 for the three presets and with the recipe above for the default; the most of all kept; the sketch's Film task on 5.2 peaked at 1,282 MiB in CI's farm test (its job), 11 % over the
# 1,153 measured before, which both its tiers now carry.
# Repeat runs of one task differed by up to 5% (default at preview, 5.0: Render 1124 and 1173 MiB), a
# Film task by 11 % (above): a task asks for its peak and 15% more, rounded up to whole 256 MiB.
MEMORY_MARGIN = 1.15
MEMORY_STEP = 256


# --- YAML, written by hand --------------------------------------------------------------------

YAML_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\0": "\\0"}


def _printable(ch: str) -> bool:
    """Whether YAML lets this character stand as itself in a document (and it breaks no line)."""
    c = ord(ch)
    return (0x20 <= c <= 0x7E or c == 0xA0 or 0xA1 <= c <= 0xD7FF or 0xE000 <= c <= 0xFFFD and c != 0xFEFF
            or 0x10000 <= c <= 0x10FFFF) and ch not in "\u2028\u2029"


def yaml_string(text: str) -> str:
    """A double-quoted YAML scalar: what a reader gets back is `text`, exactly."""
    out = []
    for ch in text:
        if ch in YAML_ESCAPES:
            out.append(YAML_ESCAPES[ch])
        elif _printable(ch):
            out.append(ch)
        elif ord(ch) < 0x100:
            out.append(f"\\x{ord(ch):02x}")
        elif ord(ch) < 0x10000:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    return '"' + "".join(out) + '"'


def _literal_block(text: str) -> bool:
    """Whether text reads back exactly as a literal block (`|`): whole lines, one newline at the end,
    printable, no tab or space where the block's indentation is worked out."""
    lines = text.split("\n")[:-1]
    return (text.endswith("\n") and not text.endswith("\n\n") and bool(lines) and bool(lines[0])
            and lines[0][0] not in " \t" and all(ch == "\n" or ch == "\t" or _printable(ch) for ch in text)
            and not any(line.endswith((" ", "\t")) and not line.strip() for line in lines))


def _scalar(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"no YAML for {value!r}")
        return repr(value)
    if isinstance(value, str):
        return yaml_string(value)
    raise TypeError(f"cannot write {type(value).__name__} as YAML")


KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
# Plain words a YAML 1.1 reader (PyYAML, so Deadline's client) takes for booleans or null: quoted as keys.
YAML11_WORDS = {w for word in ("y", "yes", "n", "no", "true", "false", "on", "off", "null")
                for w in (word, word.capitalize(), word.upper())}


def _block(value, indent: int) -> list[str]:
    """A non-empty mapping or list as block lines at indent."""
    pad = " " * indent
    lines = []
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"YAML key {key!r} is not a string")
            plain = KEY.fullmatch(key) and key not in YAML11_WORDS
            lines += _entry(f"{pad}{key if plain else yaml_string(key)}:", item, indent)
    else:
        for item in value:
            lines += _entry(f"{pad}-", item, indent)
    return lines


def _entry(lead: str, value, indent: int) -> list[str]:
    """`lead` ("key:" or "-" at indent) and its value: on the same line if it is a scalar, else below."""
    if isinstance(value, str) and "\n" in value and _literal_block(value):
        return [f"{lead} |"] + [" " * (indent + 2) + line if line else "" for line in value.split("\n")[:-1]]
    if isinstance(value, (dict, list)) and not value:
        return [f"{lead} {'{}' if isinstance(value, dict) else '[]'}"]
    if isinstance(value, dict) and lead.endswith("-"):  # a mapping in a list starts on the dash's line
        inner = _block(value, indent + 2)
        return [lead + " " + inner[0][indent + 2:]] + inner[1:]
    if isinstance(value, (dict, list)):
        return [lead] + _block(value, indent + 2)
    return [f"{lead} {_scalar(value)}"]


def yaml_text(data: dict, comment: str = "") -> str:
    """A YAML document of data (mappings, lists, strings, numbers, booleans), comment lines first."""
    lines = [f"# {line}".rstrip() for line in comment.splitlines()]
    return "\n".join(lines + _block(data, 0)) + "\n"


# --- the job ----------------------------------------------------------------------------------

def default_chunk_size(tier: dict) -> int:
    """Frames a Render task renders so it takes about CHUNK_TARGET_SECONDS at the tier, from the tier's
    measured seconds a frame (frame_seconds); a tier never timed is taken as minutes a frame: one."""
    hint = tier.get("frame_seconds")
    if not hint:
        return 1
    return max(1, min(MAX_CHUNK, round(CHUNK_TARGET_SECONDS / hint)))


def contiguous_chunks(frames: list[int], size: int) -> list[list[int]]:
    """The Render tasks OpenJD makes of the frames (CHUNK[INT], CONTIGUOUS, no target runtime): each run of
    consecutive frames cut into the fewest chunks of at most `size`, their sizes differing by one at most."""
    runs, chunks = [], []
    for f in sorted(frames):
        if runs and f == runs[-1][-1] + 1:
            runs[-1].append(f)
        else:
            runs.append([f])
    for run in runs:
        count = -(-len(run) // size)
        small, extra = divmod(len(run), count)
        sizes = [small] * count
        for i in range(extra):
            sizes[(i * count) // extra] += 1
        start = 0
        for n in sizes:
            chunks.append(run[start:start + n])
            start += n
    return chunks


def blender_version() -> str | None:
    """This Blender's version as "major.minor" (what MEASURED_PEAK_MIB is keyed by), without loading bpy."""
    bpy = sys.modules.get("bpy")
    if bpy is not None and hasattr(bpy, "app"):
        return "{}.{}".format(*bpy.app.version[:2])
    try:
        from importlib.metadata import PackageNotFoundError, version
        return ".".join(version("bpy").split(".")[:2])
    except (ImportError, PackageNotFoundError):
        return None


def task_memory(preset: str, tier: str, changed: bool = False, blender: str | None = None
                ) -> tuple[dict[str, int], str]:
    """MiB each step's task asks of a worker (its measured peak and MEMORY_MARGIN, in MEMORY_STEPs) and
    what the figures are: this preset at this tier on this Blender; else on the other Blenders measured
    (the most); else the most any preset took at the tier; else the most measured at all.
    changed: the preset's values are not the shipped preset's (more trees or leaves need more memory)."""
    blender = blender or blender_version()
    here = MEASURED_PEAK_MIB.get((blender, preset, tier))
    elsewhere = {v: peaks for (v, p, t), peaks in MEASURED_PEAK_MIB.items() if (p, t) == (preset, tier)}
    same_tier = [peaks for (_, p, t), peaks in MEASURED_PEAK_MIB.items() if t == tier]
    if here:
        pool, basis = [here], f"measured for {preset!r} at {tier!r} on Blender {blender}"
    elif elsewhere:
        pool = list(elsewhere.values())
        basis = (f"measured for {preset!r} at {tier!r} on Blender {', '.join(sorted(elsewhere))}, not on this "
                 f"Blender ({blender or 'unknown'}): the most")
    elif same_tier:
        pool, basis = same_tier, f"not measured for {preset!r}: the most measured at {tier!r}"
    else:
        pool, basis = list(MEASURED_PEAK_MIB.values()), f"tier {tier!r} not measured: the most measured at any tier"
    if changed and (here or elsewhere):
        basis += " as shipped, not with this job's changes to it"
    peaks = {step: max(v[step] for v in pool) for step in ("scene", "frames", "film")}
    return {step: math.ceil(mib * MEMORY_MARGIN / MEMORY_STEP) * MEMORY_STEP for step, mib in peaks.items()}, basis


def changed_from_shipped(loaded: presets.Loaded) -> bool:
    """Whether a shipped preset's values were changed (--set, the panel), the seed and tier aside: its
    measured memory may not hold then. False for a preset that is not shipped (nothing measured)."""
    try:
        if loaded.path.resolve().parent != presets.builtin_dir().resolve():
            return False
        shipped = presets.load_scene(loaded.name).data
    except (ConfigError, OSError):
        return False

    def scene_values(data: dict) -> dict:
        return {k: ({kk: vv for kk, vv in v.items() if kk != "quality"} if k == "render" else v)
                for k, v in data.items() if k != "seed"}

    return scene_values(loaded.data) != scene_values(shipped)


def launcher() -> tuple[str, str]:
    """How a worker runs `sanctuary`: ("python", a Python with bpy and sanctuary) or, inside the Blender
    app (whose Python has no bpy to import), ("blender", Blender with the extension installed)."""
    bpy = sys.modules.get("bpy")
    binary = getattr(getattr(bpy, "app", None), "binary_path", "") or ""
    if Path(binary).name.lower().startswith("blender"):
        return "blender", binary
    return "python", sys.executable


LAUNCH_PARAMETERS = {
    "python": ("SanctuaryPython", "A Python with bpy and the sanctuary package (pip install sanctuary): "
                                  "the same on every worker"),
    "blender": ("Blender", "Blender with the Sanctuary extension installed and enabled on every worker"),
}


@dataclass
class FarmPlan:
    """A farm job worked out without Blender: what the bundle will hold."""

    render: RenderPlan  # the whole job as one render into BUNDLE/output: its frames, tier and stamp
    bundle: Path
    chunk_size: int
    chunk_auto: bool  # chosen for the tier (and adjusted by the farm towards CHUNK_TARGET_SECONDS)
    tiers: list[str]  # the tiers a farm operator may pick (Quality)
    preset_dirs: list[str]  # where workers find the user's own tiers (SANCTUARY_PRESET_PATH)
    launch: tuple[str, str]
    preset_file: str  # the embedded preset's file name on the worker
    preset_text: str
    memory: dict[str, int] = field(default_factory=dict)
    memory_basis: str = ""

    @property
    def frames_text(self) -> str:
        return frame_ranges(self.render.selection)

    @property
    def chunks(self) -> list[list[int]]:
        return contiguous_chunks(self.render.selection, self.chunk_size)

    def run_command(self) -> str:
        return f"openjd run {_shell(str(self.bundle / TEMPLATE))} --step Film --run-dependencies"

    def summary(self) -> dict:
        r = self.render
        return {"preset": r.loaded.name, "seed": r.loaded.data["seed"], "quality": r.tier.name,
                "out": str(self.bundle), "output": str(self.bundle / OUTPUT_DIR), "frames": r.selection,
                "frame_ranges": self.frames_text, "chunk_size": self.chunk_size, "chunk_auto": self.chunk_auto,
                "tasks": len(self.chunks), "memory_mib": self.memory, "memory_basis": self.memory_basis,
                "launch": list(self.launch), "run": self.run_command(),
                "submit": f"deadline bundle submit {_shell(str(self.bundle))}"}

    # -- the documents --

    def parameters(self) -> list[dict]:
        r = self.render
        name, desc = LAUNCH_PARAMETERS[self.launch[0]]
        group = "Sanctuary"
        return [
            {"name": "OutputDir", "type": "PATH", "objectType": "DIRECTORY", "dataFlow": "OUT",
             "default": OUTPUT_DIR,
             "description": "The render's folder: frames, film.mp4, contact_sheet.png, manifest.json, and "
                            f"{SCENE_FILE} from the Scene step. One folder, one render (its {STAMP_NAME}). "
                            "On a farm: a folder every worker mounts, or job attachments.",
             "userInterface": {"control": "CHOOSE_DIRECTORY", "label": "Output folder", "groupLabel": group}},
            {"name": "Quality", "type": "STRING", "allowedValues": self.tiers, "default": r.tier.name,
             "description": f"Quality tier of every frame. The steps' memory (host requirements) is "
                            f"{r.tier.name}'s: for another tier, write the job again (sanctuary job --quality).",
             "userInterface": {"control": "DROPDOWN_LIST", "label": "Quality tier", "groupLabel": group}},
            {"name": "Frames", "type": "STRING", "minLength": 1, "default": self.frames_text,
             "description": f"Frames of the film to render, e.g. 1-48 or 1-10,20 (the film is "
                            f"{r.scene.frames[0]}-{r.scene.frames[1]}).",
             "userInterface": {"control": "LINE_EDIT", "label": "Frames", "groupLabel": group}},
            {"name": "ChunkSize", "type": "INT", "minValue": 1, "maxValue": MAX_CHUNK, "default": self.chunk_size,
             "description": "Frames per Render task.",
             "userInterface": {"control": "SPIN_BOX", "label": "Frames per task", "groupLabel": group}},
            {"name": "ChunkTargetSeconds", "type": "INT", "minValue": 0,
             "default": CHUNK_TARGET_SECONDS if self.chunk_auto else 0,
             "description": "Seconds a Render task should take: the farm adjusts the frames per task towards "
                            "it as tasks finish; 0 keeps ChunkSize as given.",
             "userInterface": {"control": "SPIN_BOX", "label": "Seconds per task", "groupLabel": group}},
            {"name": name, "type": "STRING", "minLength": 1, "default": self.launch[1], "description": desc,
             "userInterface": {"control": "LINE_EDIT", "label": name, "groupLabel": group}},
            {"name": "PresetPath", "type": "STRING", "default": os.pathsep.join(self.preset_dirs),
             "description": "SANCTUARY_PRESET_PATH on the workers: folders of your own quality tiers.",
             "userInterface": {"control": "LINE_EDIT", "label": "Preset folders", "groupLabel": group}},
        ]

    def _action(self, step: str, *more: str) -> dict:
        kind = self.launch[0]
        head = (["--background", "--command", "sanctuary"] if kind == "blender" else ["-m", "sanctuary"])
        args = [*head, "render", "--preset", "{{Task.File.Preset}}", "--quality", "{{Param.Quality}}",
                "--frames", "{{Param.Frames}}", "--out", "{{Param.OutputDir}}", "--step", step, *more]
        return {"onRun": {"command": "{{Param.%s}}" % LAUNCH_PARAMETERS[kind][0], "args": args}}

    def _script(self, step: str, *more: str) -> dict:
        return {"actions": self._action(step, *more),
                "embeddedFiles": [{"name": "Preset", "type": "TEXT", "filename": self.preset_file,
                                   "data": self.preset_text}]}

    @staticmethod
    def _memory(amount) -> dict:
        return {"amounts": [{"name": "amount.worker.memory", "min": amount}]}

    def template(self) -> dict:
        r = self.render
        title = re.sub(r"[^A-Za-z0-9 _.-]", "_", f"Sanctuary {r.loaded.name[:40]} seed {r.loaded.data['seed']}")
        return {
            "specificationVersion": "jobtemplate-2023-09",
            "extensions": ["TASK_CHUNKING"],
            "name": f"{title} ({{{{Param.Quality}}}})",
            "description": (f"Sanctuary {__version__}: the scene built once (Scene), its frames rendered in "
                            f"chunks (Render), then {FILM_NAME} with its soundtrack, {SHEET_NAME} and "
                            "manifest.json (Film). Run it here with: openjd run template.yaml --step Film "
                            f"--run-dependencies. Each step's memory (host requirements): {self.memory_basis}."),
            "parameterDefinitions": self.parameters(),
            "jobEnvironments": [{
                "name": "Sanctuary",
                "description": "Where workers find your own tiers; Python's lines straight to the task log.",
                "variables": {"SANCTUARY_PRESET_PATH": "{{Param.PresetPath}}", "PYTHONUNBUFFERED": "1"}}],
            "steps": [
                {"name": "Scene",
                 "description": f"Build the scene once; stamp the output folder; save {SCENE_FILE} there.",
                 "hostRequirements": self._memory(self.memory["scene"]),
                 "script": self._script("scene")},
                {"name": "Render",
                 "description": f"Render a chunk of frames from {SCENE_FILE}, each written whole; frames "
                                "already there are skipped.",
                 "dependencies": [{"dependsOn": "Scene"}],
                 "parameterSpace": {"taskParameterDefinitions": [{
                     "name": "Frame", "type": "CHUNK[INT]", "range": "{{Param.Frames}}",
                     "chunks": {"defaultTaskCount": "{{Param.ChunkSize}}",
                                "targetRuntimeSeconds": "{{Param.ChunkTargetSeconds}}",
                                "rangeConstraint": "CONTIGUOUS"}}]},
                 "hostRequirements": self._memory(self.memory["frames"]),
                 "script": self._script("frames", "--chunk", "{{Task.Param.Frame}}")},
                {"name": "Film",
                 "description": f"Once every frame is there: {FILM_NAME} with its soundtrack, {SHEET_NAME} "
                                "and the merged manifest.json.",
                 "dependencies": [{"dependsOn": "Render"}],
                 "hostRequirements": self._memory(self.memory["film"]),
                 "script": self._script("film")},
            ],
        }

    def documents(self) -> dict[str, str]:
        r = self.render
        head = (f"{MARK.removeprefix('# ')} {__version__}: preset {r.loaded.name!r} seed {r.loaded.data['seed']}, tier "
                f"{r.tier.name!r}, frames {self.frames_text}.\n"
                f"Run it on this machine: {self.run_command()}\n"
                f"Send it to AWS Deadline Cloud: deadline bundle submit BUNDLE_FOLDER")
        values = [{"name": p["name"], "value": p["default"]} for p in self.parameters() if p["name"] != "OutputDir"]
        return {
            PARAMETER_VALUES: yaml_text({"parameterValues": values},
                                        "Job parameter values for `deadline bundle submit` (OutputDir: the "
                                        "template's default, the bundle's output/ folder)."),
            ASSET_REFERENCES: yaml_text({"assetReferences": {
                "inputs": {"filenames": [], "directories": []}, "outputs": {"directories": []},
                "referencedPaths": []}}, "No files to attach: the scene's values are inside template.yaml."),
            TEMPLATE: yaml_text(self.template(), head),
        }


def _shell(text: str) -> str:
    import shlex

    return shlex.quote(text)


def _check_chunk_size(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(Source.CHUNK_SIZE, "", f"expected a whole number of frames, found {value!r}")
    if not 1 <= value <= MAX_CHUNK:
        raise ConfigError(Source.CHUNK_SIZE, "", f"expected 1 to {MAX_CHUNK} frames per task (Deadline Cloud's most), "
                                          f"found {value}")
    return value


def _bundle_folder(out) -> Path:
    """A folder for the bundle: new, empty, or one this module wrote before (its template is replaced and
    its output/ kept). Checked without creating anything."""
    from .paths import creatable_dir

    bundle = creatable_dir(out)
    if bundle.is_dir():
        template = bundle / TEMPLATE
        ours = template.is_file() and template.read_text(errors="replace").startswith(MARK)
        if not ours and any(p for p in bundle.iterdir() if not p.name.startswith(".")):
            raise ConfigError(Source.OUT, "", f"{bundle} is not empty and holds no job bundle of sanctuary's: "
                                              "choose a new folder for the job")
    return bundle


def _embedded_preset(loaded: presets.Loaded, extra_dirs: tuple) -> tuple[str, str]:
    """The preset as the job carries it: every value (seed and overrides included) in one TOML file that
    loads back to the same values, its braces kept from OpenJD's {{...}}. Returns (file name, text)."""
    name = re.sub(r"[^A-Za-z0-9_-]", "_", loaded.name)[:60] or "preset"
    text = overrides.dumps(loaded.data, f"Sanctuary scene preset {name!r}: every value, as `sanctuary job` "
                                        "wrote it (seed and overrides included).")
    # OpenJD reads "{{" as the start of an expression (and "}}" as the end of one); doubled braces only occur
    # inside TOML's basic strings (and comments), where \u007b and \u007d are the same braces.
    text = re.sub(r"\{(?=\{)", r"\\u007b", re.sub(r"\}(?=\})", r"\\u007d", text))
    with tempfile.TemporaryDirectory(prefix="sanctuary-job-") as tmp:
        path = Path(tmp) / f"{name}.toml"
        path.write_text(text, encoding="utf-8")
        back = presets.load_scene(str(path), extra=extra_dirs)
    if back.data != loaded.data or back.picture_digest() != loaded.picture_digest():
        raise ConfigError(Source.PRESET, "", "the preset does not read back to the same values once written "
                                             "for the job")
    return f"{name}.toml", text


def plan_farm_job(loaded: presets.Loaded, out: str | Path, quality: str | None = None, frames: str | None = None,
                  shots=(), chunk_size: int | None = None, extra_dirs=(), launch: tuple[str, str] | None = None
                  ) -> FarmPlan:
    """Check a farm job's arguments (ConfigError: nothing written) and work out its bundle.

    out: the bundle's folder; the render goes into out/output unless the job's OutputDir is set otherwise.
    chunk_size: frames per Render task (1..150), or None to choose it for the tier. extra_dirs: folders of
    the user's own presets and tiers (the panel's). launch: how workers run sanctuary (default: as this
    process does, see `launcher`)."""
    if chunk_size is not None:
        _check_chunk_size(chunk_size)
    bundle = _bundle_folder(out)
    dirs = [str(Path(d).resolve()) for d in (*extra_dirs, *presets.env_dirs())]
    if quality and presets.is_path(quality):  # a tier given by path: the farm finds it by name in its folder
        tier_path = Path(quality).resolve()
        if tier_path.parent.name != presets.QUALITY.subdir:
            raise ConfigError(Source.QUALITY, "", f"a tier given by path must lie in a folder named "
                                                  f"{presets.QUALITY.subdir}/ (the farm looks it up by name): "
                                                  f"{quality}")
        dirs.append(str(tier_path.parent.parent))
    render = plan_render(loaded, bundle / OUTPUT_DIR, quality, frames, shots, extra_dirs=tuple(extra_dirs))
    dirs = list(dict.fromkeys(dirs))
    tiers = sorted({p.name for p in presets.list_presets(presets.QUALITY, tuple(dirs))} | {render.tier.name})
    preset_file, preset_text = _embedded_preset(loaded, tuple(dirs))
    size = chunk_size if chunk_size is not None else default_chunk_size(render.tier.data)
    memory, basis = task_memory(loaded.name, render.tier.name, changed_from_shipped(loaded))
    return FarmPlan(render, bundle, size, chunk_size is None, tiers, dirs, launch or launcher(), preset_file,
                    preset_text, memory, basis)


def write_farm_job(plan: FarmPlan) -> dict:
    """Write the bundle: every file whole, or none (WriteError). A new bundle is written in a hidden folder
    beside it and renamed into place; a bundle written before has its files replaced, the template last,
    and keeps its output/."""
    documents = plan.documents()
    bundle = plan.bundle
    fresh = not bundle.exists()
    staging = files.part_path(bundle) if fresh else files.part_path(bundle / "bundle")
    try:
        try:
            staging.mkdir(parents=True)
        except OSError as e:
            raise WriteError(bundle, files.cause(staging, e)) from None
        for name in BUNDLE_FILES:
            files.write_bytes(staging / name, documents[name].encode("utf-8"))
        try:
            if fresh:
                os.rename(staging, bundle)
            else:
                for name in BUNDLE_FILES:
                    os.replace(staging / name, bundle / name)
        except OSError as e:
            raise WriteError(bundle, files.cause(bundle, e)) from None
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return {**plan.summary(), "wrote": [str(bundle / name) for name in BUNDLE_FILES]}
