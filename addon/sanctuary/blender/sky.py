"""The unseen kaleidoscopic sun: a sun lamp whose colour cycles, and a world shader that is the
kaleidoscope of core.world.sky: mirrored wedges and rings of hue round the sun, turning, brightest
toward it. Its moving parts (the sun's hue, the spin, the sun's direction, the warmth) are keyed values."""
from __future__ import annotations

import math

import numpy as np

from ..core.story import tending
from ..core.story import timeline as tl
from ..core.world import sky as core_sky
from . import compat, names
from .compat import set_world_nodes
from .datablocks import Owner
from .materials import bare
from .meshes import mesh_from_arrays
from .nodes import Graph

AIR = {"density": 0.006, "anisotropy": 0.55}  # the air's volume at tiers with volumes: a thin, forward haze
MIST = {"start": 1.5, "depth": 45.0}  # metres: where the mist pass (the haze at other tiers) begins and is whole


def build_sky(cfg: dict, owner: Owner, plan) -> tuple[list, object]:
    """The sun object and a world (the kaleidoscope, its mist and an air volume the tier may link);
    the world is assigned when the build commits.

    The sun's hue cycles; from the response beat on it warms toward amber with
    the heart, and in the sanctuary beat it sinks so the shadows grow long and the day dims to dusk."""
    sky, timeline = cfg["sky"], cfg["timeline"]
    fps = timeline["fps"]
    seconds, state = plan.sky
    frames = tl.frame_at(seconds, fps)

    light = owner.new("lights", "kaleidoscopic_sun", "SUN")
    light.energy = sky["sun_strength"]
    light.angle = np.radians(10.0)  # a broad disc: bigger glints on the curved mercury
    colors = core_sky.sun_color(sky, state)
    for i in range(3):
        compat.write_curve(light, "color", frames, colors[:, i], index=i, linear=False)
    sun = owner.object(names.SUN, light)
    sun.rotation_euler = core_sky.sun_rotation(sky)
    sun.location = (0.0, 0.0, 30.0)
    pitch = [core_sky.sun_rotation(sky, el)[1] for el in tending.sun_elevation(cfg, seconds)]
    compat.write_curve(sun, "rotation_euler", frames, pitch, index=1)
    compat.write_curve(light, "energy", frames, sky["sun_strength"] * state.light, linear=False)
    for id_data in (light, sun):
        owner.tag(id_data.animation_data.action)

    world = owner.new("worlds", "dream_sky")
    set_world_nodes(world)
    tree = world.node_tree
    g = Graph(tree)
    kaleidoscope(g, tree.nodes["Background"], sky)
    world.mist_settings.start, world.mist_settings.depth = MIST["start"], MIST["depth"]
    world.mist_settings.falloff = "QUADRATIC"
    # The hue and the spin move steadily: two keys, extrapolated; the rest follows the story.
    film = np.array([0.0, tl.film_seconds(timeline)])
    hue = core_sky.sky_state(sky, film, cfg["seed"], np.zeros(2), np.full(2, sky["sun_elevation"])).hue
    for name, values in (("hue", hue), ("spin", 2 * np.pi * film / core_sky.SPIN_PERIOD)):
        fc = compat.write_curve(tree, f'nodes["{name}"].outputs[0].default_value', tl.frame_at(film, fps), values)
        fc.extrapolation = "LINEAR"
    compat.write_curve(tree, 'nodes["warm"].outputs[0].default_value', frames, state.warm, linear=False)
    compat.write_curve(tree, 'nodes["Background"].inputs["Strength"].default_value', frames,
                       sky["sky_strength"] * state.light, linear=False)
    for i, axis in enumerate("xyz"):
        compat.write_curve(tree, f'nodes["sun_{axis}"].outputs[0].default_value', frames, state.sun[:, i])
    owner.tag(tree.animation_data.action)
    air_box(cfg, owner, plan.forest)
    return [sun], world


def air_box(cfg: dict, owner: Owner, grown) -> object:
    """The air as a volume for the tiers that render one (look.set_air shows it): a box over the ground
    from under its lowest point to 2 m over the tallest crown, holding a thin forward haze (AIR).

    A box, not the world's volume: the world's fills all space out to the sky, so no sky or sun light
    came through it (the final tier's frame 936 rendered black: mean 0.0026 against 0.067 without it).
    Out of the box, rays reach the sky whole; the sun's cross about 25 m of haze (a seventh of its light)."""
    half = cfg["ground"]["size"] / 2.0
    top = max((float(t.base[2]) + t.height for t in grown.trees), default=18.0) + 2.0
    corners = np.array([(x, y, z) for x in (-half, half) for y in (-half, half) for z in (-3.0, top)])
    faces = np.array([(0, 1, 3, 2), (4, 6, 7, 5), (0, 4, 5, 1), (2, 3, 7, 6), (0, 2, 6, 4), (1, 5, 7, 3)])
    mat, g, out = bare(owner, "air")
    haze = g.node("ShaderNodeVolumePrincipled", {"Density": AIR["density"], "Anisotropy": AIR["anisotropy"]})
    g.link(haze.outputs[0], out.inputs["Volume"])
    mesh = mesh_from_arrays(owner, names.AIR_VOLUME, corners, faces, smooth=False)
    mesh.materials.append(mat)
    box = owner.object(names.AIR_VOLUME, mesh)
    box.hide_render = box.hide_viewport = True  # until a tier with volumes (look.set_air)
    box.display_type = "BOUNDS"  # an outline in the viewport, not a wall over the scene
    box[names.RENDER_ONLY] = True
    return box


def _value(g: Graph, name: str, value: float = 0.0):
    node = g.node("ShaderNodeValue", label=name)
    node.name = name
    node.outputs[0].default_value = value
    return node.outputs[0]


def kaleidoscope(g: Graph, background, sky: dict) -> None:
    """core.world.sky.sky_radiance as a world shader (the same constants and steps)."""
    d = g.vmath("NORMALIZE", g.node("ShaderNodeTexCoord").outputs["Generated"])
    s = g.combine(_value(g, "sun_x"), _value(g, "sun_y"), _value(g, "sun_z", 1.0))
    # A frame round the sun: u across, v along the sky's up through it (core: up is +Z, the sun never zenithal).
    u = g.vmath("NORMALIZE", g.vmath("CROSS_PRODUCT", s, (0.0, 0.0, 1.0)))
    v = g.vmath("CROSS_PRODUCT", s, u)
    theta = g.math("ARCCOSINE", g.math("MINIMUM", g.math("MAXIMUM", g.vmath("DOT_PRODUCT", d, s), -1.0), 1.0))
    phi = g.math("ADD", g.math("ARCTAN2", g.vmath("DOT_PRODUCT", d, v), g.vmath("DOT_PRODUCT", d, u)),
                 _value(g, "spin"))
    wedge = 2 * math.pi / core_sky.FACETS
    within = g.math("SUBTRACT", phi, g.math("MULTIPLY", g.math("FLOOR", g.math("DIVIDE", phi, wedge)), wedge))
    k = g.math("ABSOLUTE", g.math("SUBTRACT", g.math("MULTIPLY", within, 2.0 / wedge), 1.0))
    ring = g.math("FLOOR", g.math("DIVIDE", theta, core_sky.RING))
    hue = g.math("FRACT", g.math("ADD", g.math("ADD", _value(g, "hue"), g.math("MULTIPLY", k, core_sky.HUE_WEDGE)),
                                 g.math("MULTIPLY", ring, core_sky.HUE_RING)))
    core = core_sky.CORE_SATURATION
    sat = g.math("MULTIPLY", g.math("ADD", core, g.math("MULTIPLY", g.map_range(theta, 0.05, 0.6, 0.0, 1.0,
                                                                                smooth=True), 1 - core)),
                 sky["saturation"])
    glow = g.math("ADD", g.math("MULTIPLY", g.math("EXPONENT", g.math("DIVIDE", theta, -core_sky.GLOW_SPREAD)),
                                core_sky.GLOW), core_sky.FLOOR_LIGHT)
    horizon = g.map_range(g.component(d, "Z"), -0.2, 0.05, 0.0, 1.0, smooth=True)
    val = g.math("MULTIPLY", glow, g.math("ADD", 0.25, g.math("MULTIPLY", horizon, 0.75)))
    hsv = g.node("ShaderNodeCombineColor", mode="HSV")
    for i, x in enumerate((hue, sat, val)):
        g.link(x, hsv.inputs[i])
    # Warmth: toward amber at the same brightness (core.world.sky.warmed).
    lum = g.node("ShaderNodeRGBToBW")
    g.link(hsv.outputs[0], lum.inputs[0])
    amber = g.vmath("MULTIPLY", tuple(core_sky.AMBER / 0.68), g.combine(lum.outputs[0], lum.outputs[0], lum.outputs[0]))
    warm = g.math("MULTIPLY", _value(g, "warm"), core_sky.WARM_PULL)
    g.link(g.mix_color(warm, hsv.outputs[0], amber), background.inputs["Color"])
    background.inputs["Strength"].default_value = sky["sky_strength"]
