"""The unseen kaleidoscopic sun: a sun lamp whose colour cycles, and a sky tinted by it."""
from __future__ import annotations

import numpy as np

from ..core.story import tending
from ..core.story import timeline as tl
from ..core.world import sky as core_sky
from . import compat, names
from .compat import set_world_nodes
from .datablocks import Owner
from .nodes import Graph

KEYS_PER_CYCLE = 12  # enough keys that the Bezier hue sweep stays saturated


def build_sky(cfg: dict, owner: Owner, response) -> tuple[list, object]:
    """The sun object and a world; the world is assigned when the build commits.

    The sun's hue cycles; from the response beat on it warms toward amber with
    the heart, and in the sanctuary beat it sinks so the shadows grow long."""
    sky, timeline = cfg["sky"], cfg["timeline"]
    fps = timeline["fps"]
    step = min(sky["hue_cycle"] / KEYS_PER_CYCLE, 1.0)
    seconds = np.arange(0.0, tl.film_seconds(timeline) + step, step)
    warm = tending.world_warmth(cfg, seconds, response.channels["warmth"])
    colors = core_sky.warmed(core_sky.sun_color(sky, seconds, cfg["seed"]), warm)
    frames = tl.frame_at(seconds, fps)

    light = owner.new("lights", "kaleidoscopic_sun", "SUN")
    light.energy = sky["sun_strength"]
    light.angle = np.radians(6.0)  # a broad disc: bigger glints on the curved mercury
    for i in range(3):
        compat.write_curve(light, "color", frames, colors[:, i], index=i, linear=False)
    sun = owner.object(names.SUN, light)
    sun.rotation_euler = core_sky.sun_rotation(sky)
    sun.location = (0.0, 0.0, 30.0)
    pitch = [core_sky.sun_rotation(sky, el)[1] for el in tending.sun_elevation(cfg, seconds)]
    compat.write_curve(sun, "rotation_euler", frames, pitch, index=1)
    for id_data in (light, sun):
        owner.tag(id_data.animation_data.action)

    world = owner.new("worlds", "dream_sky")
    set_world_nodes(world)
    g = Graph(world.node_tree)
    bg = world.node_tree.nodes["Background"]
    bg.inputs["Strength"].default_value = sky["sky_strength"]
    # Three bands by the view direction's height: the sun's hue at the horizon, a turned hue
    # above it, deep violet overhead. The two coloured bands are keyed with the sun.
    up = g.component(g.node("ShaderNodeTexCoord").outputs["Generated"], "Z")
    low = g.map_range(up, -0.02, 0.3, 0.0, 1.0, smooth=True)
    high = g.map_range(up, 0.25, 0.85, 0.0, 1.0, smooth=True)
    bands = {}
    for name in ("horizon", "middle"):
        bands[name] = g.node("ShaderNodeRGB", label=name)
        bands[name].name = name
    lower = g.mix_color(low, bands["horizon"].outputs["Color"], bands["middle"].outputs["Color"])
    g.link(g.mix_color(high, lower, (*core_sky.ZENITH, 1.0)), bg.inputs["Color"])
    values = np.array([core_sky.sky_bands(sky, rgb) for rgb in colors])  # (T, 2 bands, 3)
    for b, name in enumerate(("horizon", "middle")):
        for i in range(3):
            compat.write_curve(world.node_tree, f'nodes["{name}"].outputs[0].default_value', frames,
                               values[:, b, i], index=i, linear=False)
    owner.tag(world.node_tree.animation_data.action)
    return [sun], world
