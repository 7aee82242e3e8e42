"""The heart in Blender: its mesh and material, the light inside it, and its keyed channels.

Channel curves (core.clearing.heart) are written straight onto what they drive, every
frame, linear: the Principled "Emission Strength" (glow), a "warmth" value in
the heart's material, the inner light's power and colour, the heart's scale,
and the frost front's coverage. Each is an ordinary F-curve in the Graph Editor.
"""
from __future__ import annotations

import numpy as np

from ..core.clearing import heart as core_heart
from . import compat, names
from .datablocks import Owner
from .materials import principled
from .meshes import mesh_from_polygons

GOLD = (1.00, 0.62, 0.22, 1.0)
PALE = (0.5, 0.66, 1.0, 1.0)  # what a cold heart fades to
GLOW_SATURATION = 2.0


def build_heart(cfg: dict, owner: Owner, position, frames: np.ndarray, seconds: np.ndarray,
                channels: dict[str, np.ndarray], frost_group, facing: tuple[float, float] = (0.0, 0.0)):
    """facing: (seconds, yaw) - when and toward which heading the heart's face must point."""
    h = cfg["heart"]
    shape = core_heart.heart_mesh(h["size"])
    mesh = mesh_from_polygons(owner, "heart", shape.vertices, shape.corners, shape.sizes)
    mat = heart_material(owner, h, frost_group)
    mesh.materials.append(mat)
    heart = owner.object(names.HEART, mesh)
    heart.location = tuple(position)
    heart.visible_shadow = False  # its own light shines out through it

    light_data = owner.new("lights", "heart_light", "POINT")
    light_data.shadow_soft_size = h["size"] * 0.3
    light = owner.object(names.HEART_LIGHT, light_data)
    light.location = tuple(position)
    # The light lights the clearing, not the heart it sits in (that would wash it to white).
    if hasattr(light, "light_linking"):
        receivers = owner.new("collections", "heart_light_receivers")
        receivers.objects.link(heart)
        light.light_linking.receiver_collection = receivers
        for entry in receivers.collection_objects:
            entry.light_linking.link_state = "EXCLUDE"

    shown = core_heart.expressed(channels, seconds, h["pulse_bpm"], cfg["seed"])
    # A slow turn, so the heart shows its face to every side; the close-up gets it full on.
    compat.write_curve(heart, "rotation_euler", frames, core_heart.turn(seconds, facing), index=2)
    for axis in range(3):
        compat.write_curve(heart, "scale", frames, shown["scale"], index=axis)
    bsdf = mat.node_tree.nodes["Principled BSDF"]
    compat.write_curve(mat.node_tree, bsdf.inputs["Emission Strength"].path_from_id("default_value"),
                       frames, shown["glow"])
    compat.write_curve(mat.node_tree, 'nodes["warmth"].outputs[0].default_value', frames, channels["warmth"])
    compat.write_curve(light_data, "energy", frames, shown["light"])
    color = core_heart.mix_color(h["moonlight"], h["dawn"], channels["warmth"])
    for i in range(3):
        compat.write_curve(light_data, "color", frames, color[:, i], index=i)
    for id_data in (heart, mat.node_tree, light_data):
        owner.tag(id_data.animation_data.action)
    heart[names.CHANNELS] = "scale glow warmth flicker frost: see core/clearing/heart.py"
    return heart, light


def heart_material(owner: Owner, h: dict, frost_group):
    """Spun moonlight and solidified dawn: a translucent, glowing body, moon-blue at its core,
    rose-gold at its rim, threaded with fine bright filaments; rimed with frost when cold."""
    mat, g, bsdf = principled(owner, "heart")
    warmth = g.node("ShaderNodeValue", label="warmth (0 cold .. 1 warm)")
    warmth.name = "warmth"
    w = warmth.outputs[0]
    coords = g.node("ShaderNodeTexCoord").outputs["Object"]
    # The rim (grazing view) is dawn, the core moonlight; warmth widens the dawn.
    rim = g.node("ShaderNodeLayerWeight", {"Blend": 0.45}).outputs["Facing"]
    dawn_band = g.node("ShaderNodeTexNoise", {"Scale": 3.0, "Detail": 2.0})
    g.link(coords, dawn_band.inputs["Vector"])
    dawn = g.mix_color(dawn_band.outputs["Fac"], (*h["dawn"], 1.0), GOLD)
    rim_amount = g.math("MULTIPLY", g.math("POWER", rim, 0.45), g.math("ADD", 0.35, g.math("MULTIPLY", w, 0.65)))
    body = g.mix_color(rim_amount, (*h["moonlight"], 1.0), dawn)
    body = g.mix_color(g.math("ADD", 0.35, g.math("MULTIPLY", w, 0.65)), PALE, body)
    # Spun filaments: fine, twisted bands through the body.
    spun = g.node("ShaderNodeTexWave", {"Scale": 40.0, "Distortion": 4.0, "Detail": 3.0, "Detail Scale": 1.5},
                  wave_type="BANDS", bands_direction="DIAGONAL")
    g.link(coords, spun.inputs["Vector"])
    threads = g.map_range(spun.outputs["Fac"], 0.55, 1.0, 0.8, 1.3)
    # Rime: frost coverage, held off by warmth, in patches.
    rime_noise = g.node("ShaderNodeTexNoise", {"Scale": 22.0, "Detail": 5.0})
    g.link(coords, rime_noise.inputs["Vector"])
    front = g.node("ShaderNodeGroup")
    front.node_tree = frost_group
    rime = g.math("MULTIPLY", g.math("MULTIPLY", front.outputs[names.COVERAGE], g.math("SUBTRACT", 1.0, w)), 2.2)
    rime = g.math("MULTIPLY", rime, g.map_range(rime_noise.outputs["Fac"], 0.35, 0.65, 0.2, 1.0), clamp=True)
    glow_color = g.mix_color(rime, g.vmath("SCALE", body, scale=threads), (0.15, 0.18, 0.22, 1.0))
    # AgX bleaches bright light toward white; saturating the glow keeps the moon-blue
    # core and the rose dawn rim readable as colours at full warmth (LOOK.md).
    vivid = g.node("ShaderNodeHueSaturation", {"Saturation": GLOW_SATURATION})
    g.link(glow_color, vivid.inputs["Color"])
    g.link(vivid.outputs["Color"], bsdf.inputs["Emission Color"])
    bsdf.inputs["Emission Strength"].default_value = h["glow"]
    dim_body = g.vmath("SCALE", body, scale=0.25)  # the light is emitted, not reflected: keep the body dark
    g.link(g.mix_color(rime, dim_body, (0.9, 0.95, 1.0, 1.0)), bsdf.inputs["Base Color"])
    g.link(g.math("ADD", 0.08, g.math("MULTIPLY", rime, 0.5)), bsdf.inputs["Roughness"])
    bsdf.inputs["Transmission Weight"].default_value = 0.35
    bsdf.inputs["IOR"].default_value = 1.35
    bsdf.inputs["Coat Weight"].default_value = 1.0
    return mat
