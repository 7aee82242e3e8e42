"""The unseen kaleidoscopic sun: a sun lamp whose colour cycles, and a sky tinted by it."""
from __future__ import annotations

import numpy as np

from ..core import sky as core_sky
from ..core import timeline as tl
from .compat import set_world_nodes
from .datablocks import Owner

KEYS_PER_CYCLE = 12  # enough keys that the Bezier hue sweep stays saturated


def build_sky(cfg: dict, owner: Owner) -> tuple[list, object]:
    """The sun object and a world; the world is assigned when the build commits."""
    sky, timeline = cfg["sky"], cfg["timeline"]
    first, last = tl.frame_range(timeline)
    fps = timeline["fps"]
    step = sky["hue_cycle"] / KEYS_PER_CYCLE
    seconds = np.arange(0.0, tl.film_seconds(timeline) + step, step)
    colors = core_sky.sun_color(sky, seconds, cfg["seed"])

    light = owner.new("lights", "kaleidoscopic_sun", "SUN")
    light.energy = sky["sun_strength"]
    light.angle = np.radians(2.5)
    for t, rgb in zip(seconds, colors):
        light.color = tuple(rgb)
        owner.key(light, "color", frame=tl.to_frame(t, fps))
    sun = owner.object("kaleidoscopic_sun", light)
    sun.rotation_euler = core_sky.sun_rotation(sky)
    sun.location = (0.0, 0.0, 30.0)

    world = owner.new("worlds", "dream_sky")
    set_world_nodes(world)
    bg = world.node_tree.nodes["Background"]
    bg.inputs["Strength"].default_value = sky["sky_strength"]
    for t, rgb in zip(seconds, colors):
        bg.inputs["Color"].default_value = (*core_sky.sky_color(sky, rgb), 1.0)
        owner.key(world.node_tree, 'nodes["Background"].inputs[0].default_value', frame=tl.to_frame(t, fps))
    return [sun], world
