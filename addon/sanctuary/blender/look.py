"""The picture's finish, after the render: light in the air, bloom, the grade of each beat, a vignette.

- Haze: the mist pass fogs the distance in the colour of the sky (keyed with it), so depth reads and
  the light has a body. At a tier with volumes (final) the world's own volume does it instead.
- Shafts: the sky seen through the canopy (the environment pass) streaked from the unseen sun's place on
  the frame, keyed per frame from the shot cameras (no streaks when the sun is behind the camera).
- Bloom (compositor glare), so the heart and the glints read as light.
- The grade of each beat (LOOK.md): saturation and the tint of the light, keyed on the beats.
- A gentle vignette; AgX with the preset's look and exposure.

The compositing is a node group owned by the build (`sanctuary_look`: image, mist and environment in,
the finished image out), made with the rest of the build before it commits; the scene's compositor is
pointed at it only when the build swaps in (`attach_look`), and back again if anything after that fails.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..core.story import grade as core_grade
from ..core.story import timeline as tl
from ..core.world import sky as core_sky
from . import compat, names
from .datablocks import Owner

VIGNETTE_BLUR = "sanctuary_vignette_blur"
VIGNETTE_SOFTNESS = 0.2  # blur radius as a fraction of the frame width
BLOOM_THRESHOLD = 1.0  # only what is brighter than white glows: the heart, glints
BLOOM_SIZE = 0.25  # the glow reaches a quarter of the frame
HAZE_NODE, BEAMS_NODE = "sanctuary_haze", "sanctuary_shafts"  # muted where a tier has volumes
BEAM_LENGTH = 0.35  # how far the shafts reach across the frame
BEAM_GAIN = 0.45  # how bright the shafts are against the sky they come from
HAZE_GLOW = 0.6  # the haze's brightness against the sky it takes its colour from
HAZE_FLOOR = 0.35  # how much of the sky's mean colour the haze holds where no sky is near
HAZE_BLUR = "sanctuary_haze_blur"
HAZE_SPREAD = 0.08  # the blur that spreads the sky's colours into the haze, as a fraction of the frame width


def view_look(name: str) -> str:
    """Preset look names ("medium_high_contrast") to Blender's ("AgX - Medium High Contrast")."""
    return "None" if name == "none" else "AgX - " + name.replace("_", " ").title()


@dataclass
class Look:
    settings: dict  # the preset's render section
    group: object  # the finish (CompositorNodeTree)
    scene_group: object  # 5.0+: the scene's compositor around it; None on 4.x


def sun_on_frame(shots, cameras, sun: np.ndarray, frames: np.ndarray, aspect: float = 16 / 9):
    """Where the sun falls on the frame of the active shot camera at each frame: (uv (F, 2) in frame
    units, 0..1 across and up; in front (F,) 1 or 0). Cameras are read from their own F-curves."""
    uv = np.full((len(frames), 2), 0.5)
    front = np.zeros(len(frames))
    for shot, cam in zip(shots, cameras):
        pick = (frames >= shot.frame_start) & (frames <= shot.frame_end)
        if not pick.any():
            continue
        curves = {(fc.data_path, fc.array_index): fc for fc in compat.fcurves(cam)}
        for i in np.flatnonzero(pick):
            f = float(frames[i])
            rx, ry, rz = (curves[("rotation_euler", a)].evaluate(f) if ("rotation_euler", a) in curves
                          else cam.rotation_euler[a] for a in range(3))
            r = _euler_xyz(rx, ry, rz)
            p = r.T @ sun[i]  # the sun's direction in the camera's frame (it looks down -Z, +Y up)
            if p[2] < -1e-3:
                scale = cam.data.lens / cam.data.sensor_width
                uv[i] = (0.5 + p[0] / -p[2] * scale, 0.5 + p[1] / -p[2] * scale * aspect)
                front[i] = 1.0
    return np.clip(uv, -1.0, 2.0), front


def _euler_xyz(x: float, y: float, z: float) -> np.ndarray:
    cx, sx, cy, sy, cz, sz = math.cos(x), math.sin(x), math.cos(y), math.sin(y), math.cos(z), math.sin(z)
    rx = np.array([[1, 0, 0], [0, cx, -sx], [0, sx, cx]])
    ry = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    rz = np.array([[cz, -sz, 0], [sz, cz, 0], [0, 0, 1]])
    return rz @ ry @ rx


def build_look(owner: Owner, cfg: dict, shots: list, cameras: list, sky: core_sky.SkyState,
               sky_seconds: np.ndarray) -> Look:
    """The finish as owned node groups, not yet used by the scene."""
    look, timeline = cfg["render"], cfg["timeline"]
    fps = timeline["fps"]
    tree = owner.new("node_groups", names.LOOK_GROUP, "CompositorNodeTree")
    for name in ("Image", "Mist", "Environment"):
        tree.interface.new_socket(name, in_out="INPUT", socket_type="NodeSocketColor" if name != "Mist"
                                  else "NodeSocketFloat")
    tree.interface.new_socket("Image", in_out="OUTPUT", socket_type="NodeSocketColor")
    source = tree.nodes.new("NodeGroupInput")
    nodes = [source]

    # Haze: the image fogged, as the mist pass deepens, toward the colour of the sky behind it (the
    # environment pass blurred wide, so the haze takes the kaleidoscope's hues where they are) over a
    # floor of the sky's mean colour (keyed with it).
    behind = tree.nodes.new("CompositorNodeBlur")
    behind.name = HAZE_BLUR
    tree.links.new(source.outputs["Environment"], behind.inputs["Image"])
    floor, floor_factor, floor_a, floor_b, sky_light = compat.compositor_mix(tree, "ADD")
    floor_factor.default_value = 1.0
    tree.links.new(behind.outputs["Image"], floor_a)
    haze = core_sky.mean_sky(cfg["sky"], sky) * HAZE_FLOOR
    frames = tl.frame_at(sky_seconds, fps)
    for i in range(3):
        compat.write_curve(tree, floor_b.path_from_id("default_value"), frames, haze[:, i], index=i,
                           linear=False)
    amount = compat.compositor_math(tree, "MULTIPLY")
    tree.links.new(source.outputs["Mist"], amount.inputs[0])
    amount.inputs[1].default_value = cfg["sky"]["haze"]
    fog, fog_factor, fog_a, fog_b, fogged = compat.compositor_mix(tree, "MIX")
    fog.name = HAZE_NODE
    tree.links.new(amount.outputs[0], fog_factor)
    tree.links.new(source.outputs["Image"], fog_a)
    glow, glow_factor, glow_a, glow_b, hazed = compat.compositor_multiply(tree)
    glow_factor.default_value = 1.0
    tree.links.new(sky_light, glow_a)
    glow_b.default_value = (HAZE_GLOW, HAZE_GLOW, HAZE_GLOW, 1.0)
    tree.links.new(hazed, fog_b)
    nodes += [behind, floor, glow, amount, fog]

    # Shafts: the sky seen through the canopy, streaked from where the sun is.
    frames = tl.frame_at(sky_seconds, fps)
    beams, beams_in, beams_out, sun_path = compat.sun_beams(tree, BEAM_LENGTH)
    tree.links.new(source.outputs["Environment"], beams_in)
    add, add_factor, add_a, add_b, lit = compat.compositor_mix(tree, "ADD")
    add.name = BEAMS_NODE
    tree.links.new(fogged, add_a)
    tree.links.new(beams_out, add_b)
    first, last = tl.frame_range(timeline)
    film = np.arange(first, last + 1)
    sun = np.array([np.interp(film, frames, sky.sun[:, a]) for a in range(3)]).T
    uv, front = sun_on_frame(shots, cameras, sun, film)
    for a in range(2):
        compat.write_curve(tree, sun_path, film, uv[:, a], index=a)
    compat.write_curve(tree, add_factor.path_from_id("default_value"), film, front * BEAM_GAIN)
    nodes += [beams, add]

    glare = tree.nodes.new("CompositorNodeGlare")
    compat.set_bloom(glare, BLOOM_THRESHOLD, BLOOM_SIZE, look["bloom"])
    tree.links.new(lit, glare.inputs["Image"])
    nodes.append(glare)

    # The grade of each beat: saturation, then the tint of the light.
    saturation, tint = core_grade.grade(timeline)
    huesat = tree.nodes.new("CompositorNodeHueSat")
    tree.links.new(glare.outputs["Image"], huesat.inputs["Image"])
    key_frames = tl.frame_at(saturation[0], fps)
    compat.write_curve(tree, huesat.inputs["Saturation"].path_from_id("default_value"), key_frames,
                       saturation[1], linear=False)
    tinted, tint_factor, tint_a, tint_b, graded = compat.compositor_multiply(tree)
    tint_factor.default_value = 1.0
    tree.links.new(huesat.outputs["Image"], tint_a)
    for i in range(3):
        compat.write_curve(tree, tint_b.path_from_id("default_value"), key_frames, tint[:, i], index=i,
                           linear=False)
    nodes += [huesat, tinted]

    # Vignette: a soft ellipse (1 inside, 1 - strength at the corners) multiplied in.
    mask = tree.nodes.new("CompositorNodeEllipseMask")
    compat.set_ellipse(mask, (0.5, 0.5), (1.05, 1.05))
    mask.inputs["Mask"].default_value = 1.0 - look["vignette"]
    mask.inputs["Value"].default_value = 1.0
    blur = tree.nodes.new("CompositorNodeBlur")
    blur.name = VIGNETTE_BLUR
    tree.links.new(mask.outputs["Mask"], blur.inputs["Image"])
    node, factor, a, b, result = compat.compositor_multiply(tree)
    factor.default_value = 1.0
    tree.links.new(graded, a)
    tree.links.new(blur.outputs["Image"], b)
    out = tree.nodes.new("NodeGroupOutput")
    tree.links.new(result, out.inputs[0])
    nodes += [mask, blur, node, out]
    for i, n in enumerate(nodes):
        n.location = (-1200 + 220 * i, 0)
    owner.tag(tree.animation_data.action)
    scene_group = compat.compositor_scene_group(
        lambda: owner.new("node_groups", names.COMPOSITING_GROUP, "CompositorNodeTree"), tree)
    return Look(dict(look), tree, scene_group)


def attach_look(scene, look: Look):
    """The scene's colour management, passes and compositor use the look; returns (commit, rollback)."""
    view = scene.view_settings
    before = (view.view_transform, view.look, view.exposure)
    passes = compat.set_view_passes(scene, mist=True, environment=True)
    view.view_transform = "AgX"
    view.look = view_look(look.settings["look"])
    view.exposure = look.settings["exposure"]
    commit, undo_compositor = compat.use_compositor(scene, look.group, look.scene_group)

    def rollback():
        undo_compositor()
        compat.set_view_passes(scene, *passes)
        view.view_transform, view.look, view.exposure = before

    fit_vignette(scene)
    return commit, rollback


def fit_vignette(scene) -> None:
    """The vignette's softness and the haze's spread follow the output width (the blurs are in pixels)."""
    width = scene.render.resolution_x * scene.render.resolution_percentage / 100.0
    for group in compat.compositor_groups(scene):
        for name, share in ((VIGNETTE_BLUR, VIGNETTE_SOFTNESS), (HAZE_BLUR, HAZE_SPREAD)):
            node = group.nodes.get(name)
            if node is not None:
                compat.set_blur(node, max(1, round(width * share)))


def set_air(scene, volume: bool) -> None:
    """Light in the air by the tier: the air's volume box (final; sky.air_box) or the compositor's haze
    and shafts. The box is found by its flag (a second build's is "sanctuary_air.001") and hidden from
    the viewport too (Cycles' rendered viewport draws what is not hidden there)."""
    for box in scene.objects:
        if box.get(names.RENDER_ONLY) and box.type == "MESH":
            box.hide_render = box.hide_viewport = not volume
    world = scene.world  # a .blend built before the box may still have its world's volume linked
    if world is not None and world.node_tree is not None:
        for out in (n for n in world.node_tree.nodes if n.bl_idname == "ShaderNodeOutputWorld"):
            for link in list(out.inputs["Volume"].links):
                world.node_tree.links.remove(link)
    for group in compat.compositor_groups(scene):
        for name in (HAZE_NODE, BEAMS_NODE):
            node = group.nodes.get(name)
            if node is not None:
                node.mute = volume
