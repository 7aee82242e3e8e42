"""The heart in Blender: a body of light on the pedestal, the threads spun through it, its light.

Three parts, all keyed from the heart's channels (core.clearing.heart), frame by frame:
- the body (`heart`): a glassy, translucent shell whose rim and tip glow with dawn, round a core of
  moonlight (`heart_core`, parented to it) that fades to its edges. Its Principled "Emission Strength" carries the glow
  (the F-curve the exporters read); the core's "glow" value is keyed the same.
- the threads (`heart_threads`, parented to the body): fine filaments of blue-white light spun
  through it, light running along them, swaying slowly.
- the light (`heart_light`): a point light in the body, its power and colour keyed, with no node
  tree (glTF's exporter reads a light's colour and power from its nodes when it has them); it lights
  the clearing but not the stone under it, which `heart_contact` (a share of it, linked to the stone
  alone) lights instead; `heart_reach` (linked to the trunks round the clearing) carries it to them as
  the warmth returns. Both linked lights are render-only: a client without light linking would light
  everything with them, so the exporters leave them out.
The body scales about its tip, which stands on the pedestal: shrinking, it stays in contact.
"""
from __future__ import annotations

import numpy as np

from ..core.clearing import heart as core_heart
from ..core.geometry import join_tubes, tube_mesh
from ..core.story import tending
from . import compat, names
from .datablocks import Owner
from .materials import bare, principled
from .meshes import mesh_from_polygons

GOLD = (1.00, 0.78, 0.45, 1.0)  # LOOK.md: the dawn runs from rose to gold
MOON_CORE = (0.70, 0.82, 1.00, 1.0)  # LOOK.md: moonlight core
THREAD = (0.45, 0.66, 1.0, 1.0)
ASYMMETRY = 0.6
CORE_GLOW = 0.8  # the core's emission per unit of glow, face on
CORE_SHARE = 0.6  # the core's size, of the body's
THREAD_GLOW = 2.5  # the threads' emission per unit of glow
CONTACT = 0.03  # the heart's light on the stone it rests on, against its light on the clearing
# LOOK.md, the return: warmth radiating outward. Through the dusk the heart's own light, falling off with
# the square of the distance, showed on the roots and the floor near it but not on the trunks 8-12 m
# away (even at 40 times its power); a light linked to the trunks near the clearing alone, REACH times
# the heart's and keyed with the world's warmth (none until the response), carries it there.
REACH = 40.0
REACH_RING = 2.5  # the trunks that take it stand within this many clearing radii of the heart


def build_heart(cfg: dict, owner: Owner, position, frames: np.ndarray, seconds: np.ndarray,
                channels: dict[str, np.ndarray], frost_group, facing: tuple[float, float], stone: tuple,
                trunks: tuple = ()):
    """The heart with its tip at `position` (x, y, z in m) on the pedestal (`stone`: its objects;
    `trunks`: the forest's bark objects).

    facing: (seconds, yaw) - when and toward which heading the heart's face must point.
    Returns (body, light) objects."""
    h = cfg["heart"]
    size = h["size"]
    shape = core_heart.heart_mesh(size, asymmetry=ASYMMETRY)
    mesh = mesh_from_polygons(owner, "heart", shape.vertices, shape.corners, shape.sizes)
    mat = heart_material(owner, h, frost_group)
    mesh.materials.append(mat)
    heart = owner.object(names.HEART, mesh)
    heart.location = tuple(position)
    heart.visible_shadow = False  # light given a body casts no shadow of its own

    pos, radius = core_heart.filaments(size, cfg["seed"], asymmetry=ASYMMETRY)
    verts, corners, sizes = join_tubes([tube_mesh(pos, radius, 5)])
    threads_mesh = mesh_from_polygons(owner, "heart_threads", verts, corners, sizes)
    threads_mat = thread_material(owner, frames, seconds)
    threads_mesh.materials.append(threads_mat)
    threads = owner.object(names.HEART_THREADS, threads_mesh)
    threads.parent = heart
    threads.visible_shadow = False
    # Inside, a core of moonlight: the body shrunk about its middle, glowing softly to its edges. (A
    # volume of emission made every frame with the heart in it six times slower to render.)
    middle = np.array([0.0, 0.0, 0.55 * size])
    core_verts = middle + CORE_SHARE * (shape.vertices - middle)
    core_mesh = mesh_from_polygons(owner, names.HEART_CORE, core_verts, shape.corners, shape.sizes)
    core_mat = core_material(owner)
    core_mesh.materials.append(core_mat)
    core = owner.object(names.HEART_CORE, core_mesh)
    core.parent = heart
    core.visible_shadow = False

    light_data = owner.new("lights", "heart_light", "POINT")
    # A wide source: the pedestal's top, a hand's width below it, is lit softly, not burnt.
    light_data.shadow_soft_size = size * 0.6
    light = owner.object(names.HEART_LIGHT, light_data)
    light.location = tuple(position)
    # The light lights the clearing, not the body it sits in (that would wash it to white) nor the stone
    # it rests on: a hand's width below it, that burnt to the heart's own white, and the beacon no longer
    # outshone its surround. The stone takes a contact glow of CONTACT of it instead, from a second light
    # linked to the stone alone, so the far trunks still get the whole light.
    receivers = owner.new("collections", "heart_light_receivers")
    for obj in (heart, threads, core, *stone):
        receivers.objects.link(obj)
    light.light_linking.receiver_collection = receivers
    for entry in receivers.collection_objects:
        entry.light_linking.link_state = "EXCLUDE"
    contact_data = owner.new("lights", names.HEART_CONTACT, "POINT")
    contact_data.shadow_soft_size = light_data.shadow_soft_size
    contact = owner.object(names.HEART_CONTACT, contact_data)
    contact.parent = light
    touched = owner.new("collections", "heart_contact_receivers")
    for obj in stone:
        touched.objects.link(obj)
    contact.light_linking.receiver_collection = touched
    reach_data = owner.new("lights", names.HEART_REACH, "POINT")
    reach_data.shadow_soft_size = light_data.shadow_soft_size
    reach = owner.object(names.HEART_REACH, reach_data)
    reach.parent = light
    near = owner.new("collections", "heart_reach_receivers")
    ring = REACH_RING * cfg["clearing"]["radius"]
    for obj in trunks:
        if np.hypot(obj.location[0] - position[0], obj.location[1] - position[1]) < ring:
            near.objects.link(obj)
    reach.light_linking.receiver_collection = near
    for obj in (contact, reach):
        obj[names.LINKED_LIGHT] = True

    shown = core_heart.expressed(channels, seconds, h["pulse_bpm"], cfg["seed"])
    # A slow turn, so the heart shows its face to every side; the close-up gets it full on.
    compat.write_curve(heart, "rotation_euler", frames, core_heart.turn(seconds, facing), index=2)
    for axis in range(3):
        compat.write_curve(heart, "scale", frames, shown["scale"], index=axis)
    # The light sits in the body's middle, which rises and sinks as the body grows and shrinks.
    compat.write_curve(light, "location", frames, position[2] + 0.55 * size * shown["scale"], index=2)
    compat.write_curve(threads, "rotation_euler", frames, 0.12 * np.sin(2 * np.pi * seconds / 23.0), index=2)
    tree = mat.node_tree
    bsdf = tree.nodes["Principled BSDF"]
    compat.write_curve(tree, bsdf.inputs["Emission Strength"].path_from_id("default_value"), frames, shown["glow"])
    compat.write_curve(tree, 'nodes["warmth"].outputs[0].default_value', frames, channels["warmth"])
    tbsdf = threads_mat.node_tree.nodes["Principled BSDF"]
    compat.write_curve(threads_mat.node_tree, tbsdf.inputs["Emission Strength"].path_from_id("default_value"),
                       frames, THREAD_GLOW * shown["glow"])
    color = core_heart.mix_color(h["moonlight"], h["dawn"], channels["warmth"])
    outward = REACH * tending.world_warmth(cfg, seconds, channels["warmth"])
    for data, share in ((light_data, 1.0), (contact_data, CONTACT), (reach_data, outward)):
        compat.write_curve(data, "energy", frames, share * shown["light"])
        for i in range(3):
            compat.write_curve(data, "color", frames, color[:, i], index=i)
    core_tree = core_mat.node_tree
    compat.write_curve(core_tree, 'nodes["glow"].outputs[0].default_value', frames, shown["glow"])
    compat.write_curve(core_tree, 'nodes["warmth"].outputs[0].default_value', frames, channels["warmth"])
    for id_data in (heart, tree, light_data, contact_data, reach_data, light, threads, threads_mat.node_tree, core_tree):
        owner.tag(id_data.animation_data.action)
    heart[names.CHANNELS] = "scale glow warmth flicker frost: see core/clearing/heart.py"
    return heart, light


def overall_tint(h: dict) -> tuple[float, float, float]:
    """The heart's emission seen whole: moonlight with a third of dawn, brightest channel 1."""
    c = 0.67 * np.asarray(h["moonlight"], float) + 0.33 * np.asarray(h["dawn"], float)
    return tuple(float(v) for v in c / c.max())


def heart_material(owner: Owner, h: dict, frost_group):
    """Spun moonlight and solidified dawn: a glassy, translucent body, lit from within by its core; dawn (rose to gold) condensed at its tip and lower rim, rising
    with warmth; rimed with frost when cold.

    Keyed: "Emission Strength" (the glow) and the "warmth" value (0 cold .. 1 warm)."""
    mat, g, bsdf = principled(owner, "heart")
    size = h["size"]
    warmth = g.node("ShaderNodeValue", label="warmth (0 cold .. 1 warm)")
    warmth.name = "warmth"
    w = warmth.outputs[0]
    coords = g.node("ShaderNodeTexCoord").outputs["Object"]
    up = g.math("DIVIDE", g.component(coords, "Z"), size)  # 0 at the tip, 1 at the top of the lobes
    # Dawn condenses at the tip and the lower rim: up to a fifth of the height when cold, most of it warm.
    dawn_top = g.math("ADD", 0.22, g.math("MULTIPLY", w, 0.45))
    dawn = g.map_range(g.math("DIVIDE", up, dawn_top), 0.6, 1.0, 1.0, 0.0, smooth=True)
    streaks = g.node("ShaderNodeTexNoise", {"Scale": 9.0, "Detail": 3.0})
    g.link(coords, streaks.inputs["Vector"])
    dawn_col = g.mix_color(g.math("ADD", g.math("MULTIPLY", up, 1.5), g.math("MULTIPLY", streaks.outputs["Fac"], 0.4)),
                           (*h["dawn"], 1.0), GOLD)
    rim = g.math("POWER", g.node("ShaderNodeLayerWeight", {"Blend": 0.35}).outputs["Facing"], 1.5)
    skin = g.mix_color(dawn, (*h["moonlight"], 1.0), dawn_col)
    # The skin glows at its rim and where dawn has set; its face stays clear, to show the depth.
    skin_glow = g.math("ADD", g.math("MULTIPLY", rim, 0.45), g.math("MULTIPLY", dawn, 1.2))
    front = g.node("ShaderNodeGroup")
    front.node_tree = frost_group
    rime_noise = g.node("ShaderNodeTexNoise", {"Scale": 60.0, "Detail": 5.0})
    g.link(coords, rime_noise.inputs["Vector"])
    rime = g.math("MULTIPLY", g.math("MULTIPLY", front.outputs[names.COVERAGE], g.math("SUBTRACT", 1.0, w)), 0.9)
    rime = g.math("MULTIPLY", rime, g.map_range(rime_noise.outputs["Fac"], 0.4, 0.6, 0.3, 1.0), clamp=True)
    emit = g.vmath("SCALE", skin, scale=g.math("MULTIPLY", skin_glow, g.math("SUBTRACT", 1.0, rime)))
    g.link(emit, bsdf.inputs["Emission Color"])
    # glTF's exporter sends a node-made emission colour out as white; export.formats puts this in its place.
    mat[names.EMISSIVE_TINT] = overall_tint(h)
    bsdf.inputs["Emission Strength"].default_value = h["glow"]
    g.link(g.mix_color(rime, (0.55, 0.65, 0.85, 1.0), (0.92, 0.96, 1.0, 1.0)), bsdf.inputs["Base Color"])
    g.link(g.math("ADD", 0.05, g.math("MULTIPLY", rime, 0.45)), bsdf.inputs["Roughness"])
    g.link(g.math("SUBTRACT", 1.0, g.math("MULTIPLY", rime, 0.8)), bsdf.inputs["Transmission Weight"])
    bsdf.inputs["IOR"].default_value = 1.3
    bsdf.inputs["Coat Weight"].default_value = 0.6
    return mat


def core_material(owner: Owner):
    """The heart's core: moonlight turning to gold as it warms, brightest where it is thickest (seen
    face on), fading to nothing at its own edges. Keyed: the "glow" and "warmth" values."""
    mat, g, out = bare(owner, "heart_core")
    glow = g.node("ShaderNodeValue", label="glow")
    glow.name = "glow"
    warmth = g.node("ShaderNodeValue", label="warmth (0 cold .. 1 warm)")
    warmth.name = "warmth"
    colour = g.mix_color(g.math("MULTIPLY", warmth.outputs[0], 0.6), MOON_CORE, GOLD)
    emit = g.node("ShaderNodeEmission", {"Color": colour,
                                         "Strength": g.math("MULTIPLY", glow.outputs[0], CORE_GLOW)})
    facing = g.node("ShaderNodeLayerWeight", {"Blend": 0.5}).outputs["Facing"]
    fade = g.math("POWER", g.math("SUBTRACT", 1.0, facing, clamp=True), 2.0)
    g.link(g.over_clear(fade, emit.outputs[0]), out.inputs["Surface"])
    # Where it travels: moonlight, half see-through (its edges fade), at its glow seen whole.
    mat[names.TRAVEL_LOOK] = {"base": [0.0, 0.0, 0.0], "alpha": 0.5, "metallic": 0.0, "roughness": 1.0,
                              "emissive": list(MOON_CORE[:3]), "strength": CORE_GLOW}
    return mat


def thread_material(owner: Owner, frames: np.ndarray, seconds: np.ndarray):
    """Blue-white threads of light, brighter beads running slowly along them (keyed, linear).

    Keyed: "Emission Strength" (THREAD_GLOW times the heart's glow)."""
    mat, g, bsdf = principled(owner, "heart_threads")
    bsdf.inputs["Base Color"].default_value = (0.0, 0.0, 0.0, 1.0)
    flow = g.node("ShaderNodeMapping")
    flow.name = "flow"
    g.link(g.node("ShaderNodeTexCoord").outputs["Object"], flow.inputs["Vector"])
    beads = g.node("ShaderNodeTexWave", {"Scale": 18.0, "Distortion": 2.0}, wave_type="RINGS")
    g.link(flow.outputs["Vector"], beads.inputs["Vector"])
    g.link(g.mix_color(g.map_range(beads.outputs["Fac"], 0.3, 1.0, 0.25, 1.0), (0, 0, 0, 1), THREAD),
           bsdf.inputs["Emission Color"])
    fc = compat.write_curve(mat.node_tree, 'nodes["flow"].inputs[1].default_value', [frames[0], frames[-1]],
                            [0.0, 0.02 * (seconds[-1] - seconds[0])], index=2)
    fc.extrapolation = "LINEAR"
    return mat
