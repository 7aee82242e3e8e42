"""The tending in Blender: gathered leaves gliding into their pattern, streams and the moat,
rings of shimmer from the hum. Everything is keyframed from the schedule of core.story.tending."""
from __future__ import annotations

import numpy as np

from ..core.story import tending as core_tending
from ..core.story import timeline as tl
from ..core.story.patterns import LEAF_SIZE, glide
from ..core.story.shots import landmarks
from ..core.story.water import moat_fill
from ..core.world.ground import height
from . import compat, names
from .datablocks import Owner
from .materials import EMERALD, SAPPHIRE, principled
from .meshes import mesh_from_arrays
from .nodes import Graph

WARM_GLOW = (1.0, 0.66, 0.35, 1.0)
RING_SEGMENTS = 96


def build_tending(cfg: dict, owner: Owner, schedule: core_tending.Schedule, response, leaf_mesh) -> dict:
    fps = cfg["timeline"]["fps"]
    made = {"gathered": [], "streams": [], "moat": None, "rings": []}
    if schedule.gatherings:
        made["gathered"] = gathered_leaves(cfg, owner, schedule, response, leaf_mesh, fps)
    if schedule.water:
        made["streams"], made["moat"] = water(cfg, owner, schedule, fps)
    if schedule.hums:
        made["rings"] = hum_rings(cfg, owner, schedule, fps)
    return made


def gathered_leaves(cfg, owner, schedule, response, leaf_mesh, fps) -> list:
    """Emerald and sapphire leaves lift from the floor, glide in and settle into the pattern;
    a warm glow rises in them as the heart warms."""
    coll = owner.child_collection("gathered_leaves")
    mat, g, bsdf = principled(owner, "gathered_leaf")
    info = g.node("ShaderNodeObjectInfo")
    g.link(info.outputs["Color"], bsdf.inputs["Base Color"])
    bsdf.inputs["Metallic"].default_value = 0.5
    bsdf.inputs["Roughness"].default_value = 0.15
    bsdf.inputs["Coat Weight"].default_value = 0.6
    bsdf.inputs["Thin Film Thickness"].default_value = 320.0
    # The glow is the leaf's own emerald or sapphire, warmed: warm points that still
    # read as the leaves the dreamer laid (a plain warm glow turned them cream).
    g.link(g.mix_color(0.35, info.outputs["Color"], WARM_GLOW), bsdf.inputs["Emission Color"])
    glow_path = bsdf.inputs["Emission Strength"].path_from_id("default_value")
    step = max(1, fps // 4)
    warm = core_tending.world_warmth(cfg, response.seconds[::step], response.channels["warmth"])
    compat.write_curve(mat.node_tree, glow_path, response.frames[::step], 3.0 * warm)
    owner.tag(mat.node_tree.animation_data.action)
    mesh = leaf_mesh.copy()
    owner.tag(mesh)
    mesh.materials.clear()
    mesh.materials.append(mat)
    objects = []
    for gi, gathering in enumerate(schedule.gatherings):
        for i in range(len(gathering.target)):
            obj = owner.object(names.gathered_leaf(gi, i), mesh, coll)
            obj.color = SAPPHIRE if gathering.sapphire[i] else EMERALD
            obj.scale = (LEAF_SIZE,) * 3
            tx, ty = gathering.target[i]
            ground = float(height(np.array([tx]), np.array([ty]), cfg)[0])
            times, pos = glide(gathering, i, ground)
            frames = tl.frame_at(times, fps)
            for axis in range(3):
                compat.write_curve(obj, "location", frames, pos[:, axis], index=axis, linear=False)
            u = np.linspace(0.0, 1.0, len(times))
            tumble = 0.6 * np.sin(np.pi * u) * np.sin(2 * np.pi * u + i)
            compat.write_curve(obj, "rotation_euler", frames, tumble, index=0, linear=False)
            compat.write_curve(obj, "rotation_euler", frames, gathering.heading[i] + 1.5 * (1 - u), index=2,
                               linear=False)
            obj.location = tuple(pos[0])
            owner.tag(obj.animation_data.action)
            objects.append(obj)
    return objects


def water_material(owner: Owner, fps: int, last_frame: int):
    """Iridescent water: clear, glassy, a thin film whose colours flow along with the water."""
    mat, g, bsdf = principled(owner, "iridescent_water")
    bsdf.inputs["Base Color"].default_value = (0.62, 0.78, 0.95, 1.0)
    bsdf.inputs["Roughness"].default_value = 0.03
    bsdf.inputs["Transmission Weight"].default_value = 0.9
    bsdf.inputs["IOR"].default_value = 1.33
    bsdf.inputs["Coat Weight"].default_value = 0.5
    coords = g.node("ShaderNodeTexCoord").outputs["Object"]
    flow = g.node("ShaderNodeMapping")
    flow.name = "flow"
    g.link(coords, flow.inputs["Vector"])
    noise = g.node("ShaderNodeTexNoise", {"Scale": 3.0, "Detail": 4.0, "Distortion": 1.5})
    g.link(flow.outputs["Vector"], noise.inputs["Vector"])
    g.link(g.map_range(noise.outputs["Fac"], 0.25, 0.75, 250.0, 750.0), bsdf.inputs["Thin Film Thickness"])
    # A faint inner shimmer, so the water reads as light running over the dark floor.
    shimmer = g.node("ShaderNodeValToRGB")
    shimmer.color_ramp.elements[0].color = (0.2, 0.45, 0.9, 1.0)
    shimmer.color_ramp.elements[1].color = (0.75, 0.4, 0.95, 1.0)
    g.link(noise.outputs["Fac"], shimmer.inputs["Fac"])
    g.link(shimmer.outputs["Color"], bsdf.inputs["Emission Color"])
    bsdf.inputs["Emission Strength"].default_value = 0.6
    # The flow: the noise drifts steadily (keyed, linear, extrapolated).
    fc = compat.write_curve(mat.node_tree, 'nodes["flow"].inputs[1].default_value', [1, last_frame],
                            [0.0, 0.35 * (last_frame - 1) / fps], index=0)
    fc.extrapolation = "LINEAR"
    owner.tag(mat.node_tree.animation_data.action)
    return mat


def _curve_object(owner, name, points, bevel, material, coll, cyclic=False):
    data = owner.new("curves", name, "CURVE")
    data.dimensions = "3D"
    data.bevel_depth = bevel
    data.bevel_resolution = 3
    data.use_fill_caps = True
    data.bevel_factor_mapping_end = "SPLINE"
    spline = data.splines.new("POLY")
    spline.points.add(len(points) - 1)
    co = np.column_stack([points, np.ones(len(points))]).astype(np.float32)
    spline.points.foreach_set("co", co.ravel())
    spline.use_cyclic_u = cyclic
    data.materials.append(material)
    return owner.object(name, data, coll)


def _appear(curve, at: float, depth: float, fps: int) -> None:
    """No bevel (so nothing renders, even at a bevel factor of 0) until the water arrives."""
    fc = compat.write_curve(curve, "bevel_depth", tl.frame_at([at - 0.05, at], fps), [0.0, depth])
    for kp in fc.keyframe_points:
        kp.interpolation = "CONSTANT"


def water(cfg, owner, schedule, fps):
    coll = owner.child_collection("water")
    mat = water_material(owner, fps, tl.frame_range(cfg["timeline"])[1])
    streams = []
    for si, s in enumerate(schedule.water):
        for j, path in enumerate(s.paths):
            z = height(path[:, 0], path[:, 1], cfg) + 0.035
            obj = _curve_object(owner, names.stream(si, j), np.column_stack([path, z]), 0.045, mat, coll)
            # Grows from the root to the moat, eased.
            t = np.linspace(s.start[j], s.arrive[j], 8)
            u = np.linspace(0.0, 1.0, 8)
            compat.write_curve(obj.data, "bevel_factor_end", tl.frame_at(t, fps), u * u * (3 - 2 * u))
            _appear(obj.data, s.start[j], 0.045, fps)
            owner.tag(obj.data.animation_data.action)
            streams.append(obj)
    radius = schedule.water[0].moat_radius
    a = np.linspace(0.0, 2 * np.pi, RING_SEGMENTS, endpoint=False)
    ring = np.column_stack([radius * np.cos(a), radius * np.sin(a)])
    z = height(ring[:, 0], ring[:, 1], cfg) + 0.05
    moat = _curve_object(owner, names.MOAT, np.column_stack([ring, z]), 0.11, mat, coll, cyclic=True)
    fill_t, fill = moat_fill(schedule.water)
    compat.write_curve(moat.data, "bevel_factor_end", tl.frame_at(fill_t, fps), fill, linear=False)
    _appear(moat.data, fill_t[0] + 0.01, 0.11, fps)
    owner.tag(moat.data.animation_data.action)
    return streams, moat


def ring_mesh(owner: Owner, name: str):
    """A thin torus of unit radius, lying flat."""
    major, minor = RING_SEGMENTS, 8
    u = np.linspace(0, 2 * np.pi, major, endpoint=False)
    v = np.linspace(0, 2 * np.pi, minor, endpoint=False)
    uu, vv = np.meshgrid(u, v, indexing="ij")
    r = 1.0 + 0.005 * np.cos(vv)
    verts = np.stack([r * np.cos(uu), r * np.sin(uu), 0.005 * np.sin(vv)], -1).reshape(-1, 3)
    i, j = np.meshgrid(np.arange(major), np.arange(minor), indexing="ij")
    a = i * minor + j
    b = ((i + 1) % major) * minor + j
    faces = np.stack([a, b, ((i + 1) % major) * minor + (j + 1) % minor, i * minor + (j + 1) % minor], -1)
    return mesh_from_arrays(owner, name, verts, faces.reshape(-1, 4))


def hum_rings(cfg, owner, schedule, fps) -> list:
    """Slow rings of shimmer moving out through the air and over the moat, one every HUM_PERIOD."""
    coll = owner.child_collection("hum")
    mat = owner.new("materials", "hum_shimmer")
    compat.set_material_nodes(mat)
    g = Graph(mat.node_tree)
    out = mat.node_tree.nodes["Material Output"]
    info = g.node("ShaderNodeObjectInfo")
    emit = g.node("ShaderNodeEmission", {"Color": (0.85, 0.8, 1.0, 1.0)})
    g.link(g.math("MULTIPLY", info.outputs["Alpha"], 1.6), emit.inputs["Strength"])
    clear = g.node("ShaderNodeBsdfTransparent")
    mix = g.node("ShaderNodeMixShader")
    g.link(info.outputs["Alpha"], mix.inputs[0])
    g.link(clear.outputs[0], mix.inputs[1])
    g.link(emit.outputs[0], mix.inputs[2])
    g.link(mix.outputs[0], out.inputs["Surface"])
    mesh = ring_mesh(owner, "hum_ring")
    mesh.materials.append(mat)
    z = landmarks(cfg)["heart"][2]
    period = core_tending.HUM_PERIOD
    rings = []
    for hi, (start, end, _interval) in enumerate(schedule.hums):
        pulses = np.arange(start, end - period * 0.5, period)
        for k in range(3):  # three rings in flight at once, each re-launched every 3 periods
            mine = pulses[k::3]
            if not len(mine):
                continue
            obj = owner.object(names.hum_ring(hi, k), mesh, coll)
            obj.location = (0.0, 0.0, z)
            obj.visible_shadow = False
            t, scale, alpha = [], [], []
            for p in mine:
                t += [p - 0.01, p, p + 3 * period * 0.95, p + 3 * period * 0.95 + 0.01]
                scale += [0.0, 0.3, 6.5, 0.0]
                alpha += [0.0, 0.55, 0.0, 0.0]
            t, scale, alpha = np.array(t), np.array(scale), np.array(alpha)
            frames = tl.frame_at(t, fps)
            for axis in range(3):
                compat.write_curve(obj, "scale", frames, scale, index=axis)
            compat.write_curve(obj, "color", frames, alpha, index=3)
            obj.scale = (0.0, 0.0, 0.0)
            owner.tag(obj.animation_data.action)
            rings.append(obj)
    return rings

