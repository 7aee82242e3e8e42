"""Operators: thin doors into `jobs`; errors become reports, never tracebacks."""
import random

import bpy

from .. import jobs
from ..core import presets
from ..core.errors import ConfigError
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
