"""The unseen kaleidoscopic sun: a sun lamp whose colour cycles, and a sky tinted by it."""
from __future__ import annotations

import numpy as np

from ..core import sky as core_sky
from ..core import timeline as tl
from .compat import set_world_nodes
from .datablocks import Owner
from .nodes import Graph

KEYS_PER_CYCLE = 12  # enough keys that the Bezier hue sweep stays saturated


def build_sky(cfg: dict, owner: Owner) -> tuple[list, object]:
    """The sun object and a world; the world is assigned when the build commits."""
    sky, timeline = cfg["sky"], cfg["timeline"]
    fps = timeline["fps"]
    step = sky["hue_cycle"] / KEYS_PER_CYCLE
    seconds = np.arange(0.0, tl.film_seconds(timeline) + step, step)
    colors = core_sky.sun_color(sky, seconds, cfg["seed"])

    light = owner.new("lights", "kaleidoscopic_sun", "SUN")
    light.energy = sky["sun_strength"]
    light.angle = np.radians(6.0)  # a broad disc: bigger glints on the curved mercury
    for t, rgb in zip(seconds, colors):
        light.color = tuple(rgb)
        owner.key(light, "color", frame=tl.to_frame(t, fps))
    sun = owner.object("kaleidoscopic_sun", light)
    sun.rotation_euler = core_sky.sun_rotation(sky)
    sun.location = (0.0, 0.0, 30.0)

    world = owner.new("worlds", "dream_sky")
    set_world_nodes(world)
    g = Graph(world.node_tree)
    bg = world.node_tree.nodes["Background"]
    bg.inputs["Strength"].default_value = sky["sky_strength"]
    # Three bands by the view direction's height: the sun's hue at the horizon, a turned hue
    # above it, deep violet overhead. The two coloured bands are keyed with the sun.
    coords = g.node("ShaderNodeTexCoord")
    up = g.node("ShaderNodeSeparateXYZ")
    g.link(coords.outputs["Generated"], up.inputs["Vector"])
    low = g.map_range(up.outputs["Z"], -0.02, 0.3, 0.0, 1.0, smooth=True)
    high = g.map_range(up.outputs["Z"], 0.25, 0.85, 0.0, 1.0, smooth=True)
    bands = {}
    for name in ("horizon", "middle"):
        bands[name] = g.node("ShaderNodeRGB", label=name)
        bands[name].name = name
    lower = g.mix_color(low, bands["horizon"].outputs["Color"], bands["middle"].outputs["Color"])
    g.link(g.mix_color(high, lower, (*core_sky.ZENITH, 1.0)), bg.inputs["Color"])
    for t, rgb in zip(seconds, colors):
        for name, value in zip(("horizon", "middle"), core_sky.sky_bands(sky, rgb)):
            bands[name].outputs["Color"].default_value = (*value, 1.0)
            owner.key(world.node_tree, f'nodes["{name}"].outputs[0].default_value', frame=tl.to_frame(t, fps))
    return [sun], world
