"""The sky as an environment map beside a glTF export, so the mercury has something to reflect.

glTF has no ratified way to carry an environment (EXT_lights_image_based is one engine's), so the
world, as it is at the first exported frame, is rendered by Cycles through an equirectangular panoramic
camera in a scene of its own (the world alone: no objects, no sun lamp, which the film never shows
either) and written beside the file as Radiance HDR (scene-linear). The scene's extras name it
(`sanctuary_environment`); three.js: `new HDRLoader().load(uri, t => { t.mapping =
THREE.EquirectangularReflectionMapping; scene.environment = t; })`.

Orientation: three.js maps a direction (x, y, z) to u = atan2(z, x) / 2 pi + 0.5 with the image's top
row at the zenith (WebGLPrograms' equirectUv), so the middle of the image faces +X and a quarter turn to
its right +Z, which is Blender's -Y: the camera looks along Blender's +X with +Z up.
"""
from __future__ import annotations

import math
from pathlib import Path

import bpy

from ..blender import compat

SIZE = (1024, 512)  # equirectangular: two pixels of longitude for one of latitude
SAMPLES = 8  # the sky is smooth: a few samples a pixel, no denoising


def write_sky(scene, frame: int, path: Path) -> dict:
    """Render `scene`'s world at `frame` to an equirectangular Radiance HDR at `path` (SIZE).
    Returns the scene extras entry that describes it. Raises RuntimeError if Blender cannot render."""
    stage = bpy.data.scenes.new("sanctuary_sky")
    data = bpy.data.cameras.new("sanctuary_sky")
    cam = bpy.data.objects.new("sanctuary_sky", data)
    try:
        stage.world = scene.world
        stage.render.engine = "CYCLES"
        stage.cycles.samples = SAMPLES
        stage.cycles.use_denoising = False
        stage.render.resolution_x, stage.render.resolution_y = SIZE
        stage.render.resolution_percentage = 100
        stage.render.fps, stage.render.fps_base = scene.render.fps, scene.render.fps_base
        compat.set_image_output(stage, "HDR")
        stage.render.filepath = str(path)
        stage.render.use_file_extension = False
        compat.set_equirectangular(data)
        cam.rotation_euler = (math.pi / 2, 0.0, -math.pi / 2)  # along +X, +Z up
        stage.collection.objects.link(cam)
        stage.camera = cam
        stage.frame_set(frame)
        layer = stage.view_layers[0]
        with bpy.context.temp_override(scene=stage, view_layer=layer):
            bpy.ops.render.render(write_still=True, scene=stage.name)
    finally:
        bpy.data.objects.remove(cam)
        bpy.data.cameras.remove(data)
        bpy.data.scenes.remove(stage)
    return {"uri": path.name, "projection": "equirectangular", "frame": int(frame),
            "facing": "the image's middle faces +X (glTF), its top the zenith (three.js "
                      "EquirectangularReflectionMapping)"}
