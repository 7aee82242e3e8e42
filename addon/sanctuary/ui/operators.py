"""Operators: thin doors into `jobs` and the CLI; errors become reports, never tracebacks."""
from __future__ import annotations

import os
import random
import tempfile
from pathlib import Path

import bpy

from .. import jobs
from ..config import presets
from ..config.errors import ConfigError
from ..config.keys import SEED_MAX
from ..jobs.child import RenderProcess
from ..jobs.paths import writable_dir
from . import properties as props


def settings_of(context):
    return context.scene.sanctuary


def is_built(context) -> bool:
    return jobs.is_built(context.scene)


class SceneOperator:
    """Operators that need the scene's Sanctuary settings; run() raising ConfigError becomes a report."""

    @classmethod
    def poll(cls, context):
        return context.scene is not None and hasattr(context.scene, "sanctuary")

    def execute(self, context):
        try:
            return self.run(context)
        except (ConfigError, jobs.WriteError) as e:
            self.report({"ERROR"}, e.line(props.WORDS) if isinstance(e, ConfigError) else e.line())
        except Exception as e:  # a failure inside Blender: one line in the UI, never a traceback dialog
            self.report({"ERROR"}, f"{self.bl_label} failed: {type(e).__name__}: {e}")
        return {"CANCELLED"}


class BuiltOperator(SceneOperator):
    """Operators on the built scene: they wait for a Build."""

    @classmethod
    def poll(cls, context):
        return super().poll(context) and is_built(context)


class StageProgress:
    """The build's stages as window-manager progress (the cursor's counter)."""

    def __init__(self, context):
        self.wm = context.window_manager

    def __enter__(self):
        self.wm.progress_begin(0, 1)
        return self

    def __call__(self, stage: str, done: int, total: int) -> None:
        if total:
            self.wm.progress_update(done / total)

    def __exit__(self, *exc):
        self.wm.progress_end()


def panel_loaded(context):
    """The panel's values, validated (a preset is loaded first if none was)."""
    settings = settings_of(context)
    if not settings.preset:
        props.load_into(settings, "default")
    return props.panel_preset(settings)


def build_job(context, job) -> dict:
    """jobs.build or jobs.retime on the panel's values, its stages as progress; the fingerprint kept."""
    loaded = panel_loaded(context).load()
    with StageProgress(context) as progress:
        info = job(loaded, context.scene, progress)
    settings_of(context).fingerprint = info["fingerprint"]
    return info


class SANCTUARY_OT_load_preset(SceneOperator, bpy.types.Operator):
    """Load a preset's values into the panel (Build to make the scene)"""

    bl_idname = "sanctuary.load_preset"
    bl_label = "Load Preset"
    bl_options = {"REGISTER", "UNDO", "INTERNAL"}

    name: bpy.props.StringProperty(name="Preset", description="Preset name, or a path to a .toml")

    def run(self, context):
        loaded = props.load_into(settings_of(context), self.name)
        self.report({"INFO"}, f"Loaded preset {loaded.name} ({loaded.path}); Build to make it")
        return {"FINISHED"}


class SANCTUARY_OT_save_preset(SceneOperator, bpy.types.Operator):
    """Save the panel's values as your own preset (TOML, in the extension's user folder)"""

    bl_idname = "sanctuary.save_preset"
    bl_label = "Save Preset"
    bl_options = {"REGISTER"}

    name: bpy.props.StringProperty(name="Name", description="Lower-case letters, digits and _", default="my_dream")
    description: bpy.props.StringProperty(name="Description", default="")

    def invoke(self, context, event):
        current = settings_of(context).preset
        if current and presets.PRESET_NAME.fullmatch(current) and current not in _shipped():
            self.name = current
        return context.window_manager.invoke_props_dialog(self)

    def run(self, context):
        settings = settings_of(context)
        loaded = panel_loaded(context).load()
        path = presets.save_scene(loaded.data, self.name, props.user_preset_folder(), self.description,
                                  extra=props.user_preset_dirs())
        props.load_into(settings, str(self.name))
        self.report({"INFO"}, f"Saved preset {self.name} to {path}")
        return {"FINISHED"}


def _shipped() -> set:
    return {p.name for p in presets.list_presets() if p.path.parent == presets.builtin_dir()}


class SANCTUARY_OT_remove_preset(SceneOperator, bpy.types.Operator):
    """Delete the loaded preset's file (your own presets only); the panel keeps its values"""

    bl_idname = "sanctuary.remove_preset"
    bl_label = "Remove Preset"
    bl_options = {"REGISTER"}

    @classmethod
    def poll(cls, context):
        return super().poll(context) and bool(_user_preset(settings_of(context).preset))

    def invoke(self, context, event):
        return context.window_manager.invoke_confirm(self, event)

    def run(self, context):
        settings = settings_of(context)
        path = _user_preset(settings.preset)
        presets.remove_user_preset(path)
        settings.preset = "default"  # its values stay, now as changes to the default
        self.report({"INFO"}, f"Removed {path}")
        return {"FINISHED"}


def _user_preset(name: str) -> Path | None:
    for folder in props.user_folders():
        path = Path(folder) / f"{name}.toml"
        if name and path.is_file():
            return path
    return None


class SANCTUARY_OT_build(SceneOperator, bpy.types.Operator):
    """Build (or rebuild) the whole scene from the panel's values"""

    bl_idname = "sanctuary.build"
    bl_label = "Build Sanctuary"
    bl_options = {"REGISTER", "UNDO"}

    def run(self, context):
        info = build_job(context, jobs.build)
        c = info["counts"]
        self.report({"INFO"}, f"Built {info['collection']}: {c['objects']} objects, {c['instances']} instances "
                              f"in {info['timings']['build_total']:.2f} s")
        return {"FINISHED"}


class SANCTUARY_OT_apply_timeline(BuiltOperator, bpy.types.Operator):
    """Re-key the story (beats, acts, shots, heart, sky) on the built scene, keeping its forest"""

    bl_idname = "sanctuary.apply_timeline"
    bl_label = "Apply Timeline"
    bl_options = {"REGISTER", "UNDO"}

    def run(self, context):
        info = build_job(context, jobs.retime)
        for warning in info["warnings"]:
            self.report({"WARNING"}, warning)
        self.report({"INFO"}, f"Timeline applied in {info['timings']['build_total']:.2f} s: frames "
                              f"{info['counts']['frames'][0]}-{info['counts']['frames'][1]}")
        return {"FINISHED"}


class SANCTUARY_OT_random_seed(SceneOperator, bpy.types.Operator):
    """Roll a new seed (a different forest, the same story); Build to see it"""

    bl_idname = "sanctuary.random_seed"
    bl_label = "Random Seed"
    bl_options = {"REGISTER", "UNDO"}

    def run(self, context):
        settings_of(context).seed = random.SystemRandom().randrange(0, SEED_MAX)
        return {"FINISHED"}


LIST_OWNERS = {"species": "forest", "acts": "timeline", "shots": ""}  # where each list lives in the settings
MIN_ITEMS = {"species": 1, "acts": 0, "shots": 1}


def list_and_owner(settings, name: str):
    owner = getattr(settings, LIST_OWNERS[name]) if LIST_OWNERS[name] else settings
    return getattr(owner, name), owner


class SANCTUARY_OT_list_edit(SceneOperator, bpy.types.Operator):
    """Add (a copy of the active item), remove or move an item of a list"""

    bl_idname = "sanctuary.list_edit"
    bl_label = "Edit List"
    bl_options = {"REGISTER", "UNDO", "INTERNAL"}

    list: bpy.props.EnumProperty(items=[(k, k.title(), "") for k in LIST_OWNERS])
    action: bpy.props.EnumProperty(items=[("ADD", "Add", "Add a copy of the active item"),
                                          ("REMOVE", "Remove", "Remove the active item"),
                                          ("UP", "Up", "Move the active item up"),
                                          ("DOWN", "Down", "Move the active item down")])

    @classmethod
    def description(cls, context, properties):
        return {"ADD": "Add a copy of the active item", "REMOVE": "Remove the active item",
                "UP": "Move the active item up", "DOWN": "Move the active item down"}[properties.action]

    def run(self, context):
        settings = settings_of(context)
        items, owner = list_and_owner(settings, self.list)
        index_name = f"{self.list}_index"
        i = min(getattr(owner, index_name), len(items) - 1)
        if self.action == "ADD":
            spec = props.list_spec(self.list)
            values = props.read_value(items[i], spec) if len(items) else props.new_item(self.list)
            if "name" in values:
                values["name"] = props.unique_name(values["name"], {it.name for it in items})
            props.write_item(items.add(), self.list, values)
            items.move(len(items) - 1, i + 1)
            setattr(owner, index_name, i + 1)
        elif self.action == "REMOVE":
            if len(items) <= MIN_ITEMS[self.list]:
                raise ConfigError(props.PANEL, self.list, f"needs at least {MIN_ITEMS[self.list]} item(s)")
            items.remove(i)
            setattr(owner, index_name, max(0, i - 1))
        else:
            j = i - 1 if self.action == "UP" else i + 1
            if 0 <= j < len(items):
                items.move(i, j)
                setattr(owner, index_name, j)
        return {"FINISHED"}


class SANCTUARY_OT_set_quality(SceneOperator, bpy.types.Operator):
    """Render at this quality tier"""

    bl_idname = "sanctuary.set_quality"
    bl_label = "Set Quality"
    bl_options = {"REGISTER", "UNDO", "INTERNAL"}

    name: bpy.props.StringProperty()

    def run(self, context):
        try:  # a tier that does not load is refused
            presets.load_quality(self.name, extra=props.user_preset_dirs())
        except ConfigError:
            raise
        settings_of(context).render.quality = self.name
        return {"FINISHED"}


class SANCTUARY_OT_copy_command(SceneOperator, bpy.types.Operator):
    """Copy the command line that builds what the panel holds (preset, seed and --set overrides)"""

    bl_idname = "sanctuary.copy_command"
    bl_label = "Copy Command"

    def run(self, context):
        command = panel_loaded(context).command("build", "--out", "sanctuary.blend")
        context.window_manager.clipboard = command
        self.report({"INFO"}, command)
        return {"FINISHED"}


class SANCTUARY_OT_preview_sound(BuiltOperator, bpy.types.Operator):
    """Make the film's soundtrack from the panel's values and lay it in the sequencer, to hear while scrubbing"""

    bl_idname = "sanctuary.preview_sound"
    bl_label = "Preview Soundtrack"
    bl_options = {"REGISTER", "UNDO"}

    def run(self, context):
        loaded = panel_loaded(context).load()
        saved = bool(bpy.data.filepath)
        folder = Path(bpy.path.abspath("//")) if saved else Path(tempfile.gettempdir())
        name = "sanctuary_soundtrack.wav" if saved else f"sanctuary_soundtrack_{os.getpid()}.wav"
        wm = context.window_manager
        wm.progress_begin(0, 1)
        try:
            made = jobs.preview_soundtrack(loaded, context.scene, folder, name)
        finally:
            wm.progress_end()
        where = name if saved else f"{made['path']} (save the .blend to keep it beside it)"
        self.report({"INFO"}, f"Soundtrack in the sequencer: {where}, {made['loudness_lufs']:.1f} LUFS")
        return {"FINISHED"}


# ---- rendering in a separate process ----

_job: dict = {"process": None}  # the one render running from this Blender


def running_render() -> RenderProcess | None:
    return _job["process"]


def panel_path(value: str, key: str) -> str:
    """A path from the panel, absolute: Blender's "//" needs a saved .blend to be beside (unsaved, it would
    mean the folder Blender happened to start in)."""
    if not value or (value.startswith("//") and not bpy.data.filepath):
        raise ConfigError(props.PANEL, key, "the .blend is not saved yet: save it or choose an absolute path")
    return bpy.path.abspath(value)


def render_args(context, what: str) -> tuple[list[str], tuple]:
    """The `sanctuary render` arguments for the panel's values (checked here, before a process starts)."""
    settings = settings_of(context)
    panel = panel_loaded(context)
    loaded = panel.load()
    presets.load_quality(loaded.data["render"]["quality"], extra=props.user_preset_dirs())
    out = panel_path(settings.render_output, "render_output")
    writable_dir(out, "Output")
    args = ["render", *panel.args(), "--out", out]
    if what == "STILLS":
        args += ["--set", "render.trailer_frames=0"]  # one still from the middle of each shot
    elif settings.render_shot_only and settings.shots:
        args += ["--shot", settings.shots[min(settings.shots_index, len(settings.shots) - 1)].name]
    else:
        first, last = jobs.film_frames(loaded)
        args += ["--frames", f"{first}-{last}"]
    return args, panel.extra


class SANCTUARY_OT_render(SceneOperator, bpy.types.Operator):
    """Render in a separate Blender process with the same batch code as `sanctuary render`"""

    bl_idname = "sanctuary.render"
    bl_label = "Render"

    what: bpy.props.EnumProperty(items=[
        ("STILLS", "Render Stills", "One still from the middle of each shot, and the contact sheet"),
        ("ANIMATION", "Render Animation", "Every frame of the film (or of the selected shot), then film.mp4")])

    @classmethod
    def description(cls, context, properties):
        return {"STILLS": "Render one still from the middle of each shot and the contact sheet, in a separate "
                          "process", "ANIMATION": "Render every frame of the film (or the selected shot) and "
                                                  "film.mp4, in a separate process"}[properties.what]

    @classmethod
    def poll(cls, context):
        return super().poll(context) and running_render() is None

    def start(self, context) -> RenderProcess:
        args, dirs = render_args(context, self.what)
        _job["process"] = RenderProcess(args, dirs)
        return _job["process"]

    def finish(self, context, job: RenderProcess, code: int):
        _job["process"] = None
        level, line = job.outcome(code)
        self.report({level}, line)
        return {"FINISHED"} if level != "ERROR" else {"CANCELLED"}

    def run(self, context):
        """Blocking (scripts, background mode): the window manager's progress counts frames."""
        job = self.start(context)
        wm = context.window_manager
        wm.progress_begin(0, 1000)
        try:
            code = job.wait(lambda j: wm.progress_update(int(1000 * j.fraction)))
        except BaseException:
            job.cancel()
            _job["process"] = None
            raise
        finally:
            wm.progress_end()
        return self.finish(context, job, code)

    def invoke(self, context, event):
        """Interactive: the render runs beside the artist's work; status bar and panel show progress."""
        try:
            self.start(context)
        except ConfigError as e:
            self.report({"ERROR"}, e.line(props.WORDS))
            return {"CANCELLED"}
        except Exception as e:  # the child could not start: one line, never a traceback
            self.report({"ERROR"}, f"Render failed to start: {type(e).__name__}: {e}")
            return {"CANCELLED"}
        wm = context.window_manager
        self._timer = wm.event_timer_add(0.5, window=context.window)
        wm.modal_handler_add(self)
        return {"RUNNING_MODAL"}

    def modal(self, context, event):
        job = running_render()
        if event.type != "TIMER":  # the artist keeps working; Cancel in the panel stops the render
            return {"PASS_THROUGH"}
        if job.cancelled and job.poll() is None:
            job.cancel()
        code = job.poll()
        _redraw(context)
        if code is None:
            context.workspace.status_text_set(_status_bar)  # redrawn now, with the job's latest count
            return {"PASS_THROUGH"}
        self.end_modal(context)
        return self.finish(context, job, code)

    def end_modal(self, context) -> None:
        context.window_manager.event_timer_remove(self._timer)
        context.workspace.status_text_set(None)  # Blender's own status bar back

    def cancel(self, context):
        """Blender ends the modal itself (another file opened, Blender quits): stop the render too."""
        job = running_render()
        if job is not None:
            job.cancel()
            _job["process"] = None
        self.end_modal(context)


def _status_bar(header, context) -> None:
    """The status bar while a render runs: a progress bar with frames, time per frame and ETA."""
    job = running_render()
    if job is not None:
        row = header.layout.row(align=True)
        row.progress(factor=job.fraction, type="BAR", text=job.status())
        row.label(text="Cancel: Sanctuary panel > Render")


def _redraw(context) -> None:
    for area in getattr(context.screen, "areas", ()):
        if area.type == "VIEW_3D":
            area.tag_redraw()


class SANCTUARY_OT_render_cancel(bpy.types.Operator):
    """Stop the running render (finished frames stay; rendering again resumes)"""

    bl_idname = "sanctuary.render_cancel"
    bl_label = "Cancel Render"

    @classmethod
    def poll(cls, context):
        return running_render() is not None

    def execute(self, context):
        running_render().cancelled = True  # the render's modal stops the process on its next tick
        return {"FINISHED"}


def farm_job_folder(settings) -> str:
    """Where Write Farm Job puts the job unless told: beside the render's output folder, named for it."""
    out = Path(panel_path(settings.render_output, "render_output"))
    return str(out.with_name(f"{out.name or 'sanctuary_render'}_farm_job"))


class SANCTUARY_OT_write_farm_job(SceneOperator, bpy.types.Operator):
    """Write the animation's render as a farm job (an Open Job Description bundle) for the panel's values: \
run it here with openjd or send it to a render farm; the frames go into its output folder"""

    bl_idname = "sanctuary.write_farm_job"
    bl_label = "Write Farm Job"
    bl_options = {"REGISTER"}

    directory: bpy.props.StringProperty(name="Job Folder", subtype="DIR_PATH",
                                        description="The job bundle's folder (new, empty, or an earlier job); "
                                                    "the render goes into its output folder")
    chunk_size: bpy.props.IntProperty(name="Frames per Task", min=0, max=150, default=0,
                                      description="Frames each Render task renders; 0: a few minutes of the "
                                                  "quality tier's frames, adjusted by the farm")
    filter_folder: bpy.props.BoolProperty(default=True, options={"HIDDEN"})

    def invoke(self, context, event):
        try:
            if not self.directory:
                self.directory = farm_job_folder(settings_of(context)) + os.sep
        except ConfigError as e:
            self.report({"ERROR"}, e.line(props.WORDS))
            return {"CANCELLED"}
        context.window_manager.fileselect_add(self)
        return {"RUNNING_MODAL"}

    def run(self, context):
        """The same job as `sanctuary job` with the panel's preset, seed and changes, its quality tier and
        frames: the whole film, or the selected shot (Render Shot Only)."""
        settings = settings_of(context)
        panel = panel_loaded(context)
        loaded = panel.load()
        folder = panel_path(self.directory, "directory") if self.directory else farm_job_folder(settings)
        shots, frames = (), None
        if settings.render_shot_only and settings.shots:
            shots = (settings.shots[min(settings.shots_index, len(settings.shots) - 1)].name,)
        else:
            first, last = jobs.film_frames(loaded)
            frames = f"{first}-{last}"
        plan = jobs.plan_farm_job(loaded, folder, None, frames, shots, self.chunk_size or None,
                                  extra_dirs=panel.extra)
        info = jobs.write_farm_job(plan)
        self.report({"INFO"}, f"Wrote the farm job {info['out']} ({len(info['frames'])} frames, {info['tasks']} "
                              f"Render tasks); run it here: {info['run']}")
        return {"FINISHED"}


class SANCTUARY_OT_export(BuiltOperator, bpy.types.Operator):
    """Export the built scene's animation over the scene's frame range (the same exporters as `sanctuary export`)"""

    bl_idname = "sanctuary.export"
    bl_label = "Export"

    def run(self, context):
        settings = settings_of(context)
        fmt = settings.export_format
        out = Path(panel_path(settings.export_path or f"//sanctuary.{fmt}", "export_path"))
        if out.suffix.lower() != f".{fmt}":  # the file gets the format's extension
            out = out.with_name(f"{out.stem or 'sanctuary'}.{fmt}")
        wm = context.window_manager
        wm.progress_begin(0, 1)
        warnings = []
        try:
            wrote = jobs.export_built(context.scene, out, fmt, profile=settings.export_profile, warnings=warnings)
        finally:
            wm.progress_end()
        for line in warnings:
            self.report({"WARNING"}, line)
        self.report({"INFO"}, f"Wrote {', '.join(wrote)}")
        return {"FINISHED"}


class SANCTUARY_MT_presets(bpy.types.Menu):
    """Shipped presets and your own"""

    bl_idname = "SANCTUARY_MT_presets"
    bl_label = "Presets"

    def draw(self, context):
        for p in presets.list_presets(extra=props.user_preset_dirs()):
            self.layout.operator("sanctuary.load_preset", text=p.name.replace("_", " ").title()).name = p.name


class SANCTUARY_MT_quality(bpy.types.Menu):
    """Quality tiers: shipped and your own"""

    bl_idname = "SANCTUARY_MT_quality"
    bl_label = "Quality"

    def draw(self, context):
        for p in presets.list_presets(presets.QUALITY, extra=props.user_preset_dirs()):
            self.layout.operator("sanctuary.set_quality", text=p.name.title()).name = p.name


CLASSES = (SANCTUARY_OT_load_preset, SANCTUARY_OT_save_preset, SANCTUARY_OT_remove_preset, SANCTUARY_OT_build,
           SANCTUARY_OT_apply_timeline, SANCTUARY_OT_random_seed, SANCTUARY_OT_list_edit, SANCTUARY_OT_set_quality,
           SANCTUARY_OT_copy_command, SANCTUARY_OT_preview_sound, SANCTUARY_OT_render, SANCTUARY_OT_render_cancel,
           SANCTUARY_OT_write_farm_job, SANCTUARY_OT_export, SANCTUARY_MT_presets, SANCTUARY_MT_quality)
