"""Operators: thin doors into `jobs`; errors become reports, never tracebacks."""
import random

import bpy

from pathlib import Path

from .. import jobs
from ..blender import datablocks
from ..core import presets
from ..core.errors import ConfigError
from ..export.formats import export as export_scene
from .properties import user_preset_dirs


class SceneOperator:
    """Operators that need the scene's Sanctuary settings."""

    @classmethod
    def poll(cls, context):
        return context.scene is not None and hasattr(context.scene, "sanctuary")


class SANCTUARY_OT_build(SceneOperator, bpy.types.Operator):
    """Build (or rebuild) the Sanctuary scene from the chosen preset and seed"""

    bl_idname = "sanctuary.build"
    bl_label = "Build Sanctuary"
    bl_options = {"REGISTER", "UNDO"}

    def execute(self, context):
        settings = context.scene.sanctuary
        seed = None if settings.use_preset_seed else settings.seed
        try:
            loaded = presets.load_scene(settings.preset or "default", seed, extra=user_preset_dirs())
            info = jobs.build(loaded, context.scene)
        except ConfigError as e:
            self.report({"ERROR"}, e.line())
            return {"CANCELLED"}
        settings.fingerprint = info["fingerprint"]
        c = info["counts"]
        self.report({"INFO"}, f"Built {info['collection']}: {c['objects']} objects, {c['instances']} instances "
                              f"in {info['timings']['build_total']:.2f} s")
        return {"FINISHED"}


class SANCTUARY_OT_random_seed(SceneOperator, bpy.types.Operator):
    """Roll a new seed (a different forest, the same story)"""

    bl_idname = "sanctuary.random_seed"
    bl_label = "Random Seed"
    bl_options = {"REGISTER", "UNDO"}

    def execute(self, context):
        settings = context.scene.sanctuary
        settings.seed = random.SystemRandom().randrange(0, 2**31 - 1)
        settings.use_preset_seed = False
        return {"FINISHED"}


class SANCTUARY_OT_export(SceneOperator, bpy.types.Operator):
    """Export the built scene's animation over the scene's frame range (the same exporters as `sanctuary export`)"""

    bl_idname = "sanctuary.export"
    bl_label = "Export"

    @classmethod
    def poll(cls, context):
        return super().poll(context) and datablocks.current_root(context.scene) is not None

    def execute(self, context):
        settings = context.scene.sanctuary
        fmt = settings.export_format
        out = Path(bpy.path.abspath(settings.export_path or f"//sanctuary.{fmt}"))
        if out.suffix.lower() != f".{fmt}":  # the file gets the format's extension
            out = out.with_name(f"{out.stem or 'sanctuary'}.{fmt}")
        wm = context.window_manager
        wm.progress_begin(0, 1)
        try:
            wrote = export_scene(out, fmt, scene=context.scene)
        except ConfigError as e:
            self.report({"ERROR"}, e.line())
            return {"CANCELLED"}
        except Exception as e:  # an exporter failing: one line in the UI, never a traceback dialog
            self.report({"ERROR"}, f"Export failed: {type(e).__name__}: {e}")
            return {"CANCELLED"}
        finally:
            wm.progress_end()
        self.report({"INFO"}, f"Wrote {', '.join(wrote)}")
        return {"FINISHED"}
