"""Warm motes in Blender: one point cloud, geometry nodes that sway each point about its rest and
place a small soft sphere of warm light on it once the keyed Visible share has passed its order.

The sums are core.story.motes's; two keyed group inputs drive them: Seconds (linear,
extrapolated) and Visible (the share, sampled four times a second).
"""
from __future__ import annotations

import numpy as np

from ..core.story import motes as core_motes
from ..core.story import timeline as tl
from ..core.world.ground import height
from . import compat, names
from .datablocks import Owner
from .materials import bare
from .meshes import mesh_from_polygons, point_cloud
from .names import INSTANCER
from .nodes import geometry_group

AMBER, ROSE_GOLD = (1.0, 0.52, 0.18, 1.0), (1.0, 0.45, 0.32, 1.0)
GOLD = (1.0, 0.72, 0.32, 1.0)
STRENGTH = 9.0  # emission at a mote's heart; small, so bright without clipping a region


def sphere_polygons(rings: int, segments: int):
    """A unit UV sphere as (vertices (V, 3), corners, sizes): quads, with triangle fans at the poles."""
    theta = np.linspace(0.0, np.pi, rings + 1)[1:-1]
    phi = np.linspace(0.0, 2 * np.pi, segments, endpoint=False)
    t, p = np.meshgrid(theta, phi, indexing="ij")
    body = np.stack([np.sin(t) * np.cos(p), np.sin(t) * np.sin(p), np.cos(t)], -1).reshape(-1, 3)
    verts = np.concatenate([[[0.0, 0.0, 1.0]], body, [[0.0, 0.0, -1.0]]])
    south = len(verts) - 1
    j = np.arange(segments)
    k = (j + 1) % segments
    # Wound counter-clockwise seen from outside, so the normals face out.
    polys = [np.stack([np.zeros(segments, int), 1 + j, 1 + k], 1)]  # the north cap
    for i in range(rings - 2):
        a, b = 1 + i * segments, 1 + (i + 1) * segments
        polys.append(np.stack([a + j, b + j, b + k, a + k], 1))
    last = 1 + (rings - 2) * segments
    tris = np.stack([last + j, np.full(segments, south), last + k], 1)
    corners = np.concatenate([polys[0].ravel()] + [q.ravel() for q in polys[1:]] + [tris.ravel()])
    sizes = np.array([3] * segments + [4] * segments * (rings - 2) + [3] * segments)
    return verts, corners, sizes


def mote_material(owner: Owner):
    """A soft point of warm light: emission fading to nothing toward the sphere's rim (so it reads as a
    glowing mote, not a bead), amber to rose-gold per mote."""
    mat, g, out = bare(owner, "warm_mote")
    tint = g.node("ShaderNodeAttribute", attribute_type="INSTANCER", attribute_name=names.MOTE_TINT)
    colour = g.mix_color(tint.outputs["Fac"], g.mix_color(0.5, AMBER, GOLD), ROSE_GOLD)
    emit = g.node("ShaderNodeEmission", {"Color": colour, "Strength": STRENGTH})
    facing = g.node("ShaderNodeLayerWeight", {"Blend": 0.5}).outputs["Facing"]
    core = g.math("POWER", g.math("SUBTRACT", 1.0, facing, clamp=True), 3.0)  # a soft falloff to the rim
    g.link(g.over_clear(core, emit.outputs[0]), out.inputs["Surface"])
    if hasattr(mat, "cycles") and hasattr(mat.cycles, "emission_sampling"):
        mat.cycles.emission_sampling = "NONE"  # hundreds of tiny lights add noise, not light
    # Where it travels: a soft glow of the middle colour, at the strength of its body seen whole.
    mat[names.TRAVEL_LOOK] = {"base": [0.0, 0.0, 0.0], "alpha": 0.6, "metallic": 0.0, "roughness": 1.0,
                              "emissive": list(GOLD[:3]), "strength": STRENGTH / 3}
    return mat


def motes_group(owner: Owner, shape_obj):
    """Geometry nodes: sway each point (core.story.motes.positions), grow it in past its order, instance
    the mote shape on it at its size."""
    g, gin, gout = geometry_group(owner, names.MOTES_GROUP,
                                  [(names.SECONDS, "NodeSocketFloat"), (names.VISIBLE, "NodeSocketFloat")])
    seconds, visible = gin.outputs[names.SECONDS], gin.outputs[names.VISIBLE]
    grown = g.math("DIVIDE", g.math("SUBTRACT", visible, g.named(names.MOTE_ORDER)), core_motes.FADE)
    grown = g.math("MINIMUM", g.math("MAXIMUM", grown, 0.0), 1.0)
    kept = g.node("GeometryNodeDeleteGeometry", {"Geometry": gin.outputs["Geometry"],
                                                 "Selection": g.math("LESS_THAN", grown, 1e-4)}, domain="POINT")
    angle = g.vmath("ADD", g.vmath("SCALE", g.named(names.MOTE_OMEGA, "FLOAT_VECTOR"), scale=seconds),
                    g.named(names.MOTE_PHASE, "FLOAT_VECTOR"))
    sway = g.vmath("MULTIPLY", g.vmath("SINE", angle), g.named(names.MOTE_DRIFT, "FLOAT_VECTOR"))
    pos = g.vmath("ADD", g.node("GeometryNodeInputPosition").outputs["Position"], sway)
    moved = g.node("GeometryNodeSetPosition", {"Geometry": kept.outputs["Geometry"], "Position": pos})
    info = g.node("GeometryNodeObjectInfo", {"Object": shape_obj, "As Instance": True})
    inst = g.node("GeometryNodeInstanceOnPoints", {
        "Points": moved.outputs["Geometry"], "Instance": info.outputs["Geometry"],
        "Scale": g.math("MULTIPLY", g.named(names.MOTE_SIZE), grown)})
    g.link(inst.outputs["Instances"], gout.inputs["Geometry"])
    return g.tree


def build_motes(cfg: dict, owner: Owner, response, coll=None):
    """The warm motes: their cloud, its geometry nodes, Seconds and Visible keyed."""
    fps = cfg["timeline"]["fps"]
    motes = core_motes.scatter(cfg, lambda x, y: height(x, y, cfg), core_motes.camera_points(cfg))
    shapes = owner.child_collection("mote_shapes", hidden=True)
    mesh = mesh_from_polygons(owner, names.MOTE_SHAPE, *sphere_polygons(6, 10))
    mesh.materials.append(mote_material(owner))
    shape_obj = owner.object(names.MOTE_SHAPE, mesh, shapes)
    cloud = point_cloud(owner, names.MOTES, motes.rest, {
        names.MOTE_DRIFT: motes.drift, names.MOTE_OMEGA: motes.omega, names.MOTE_PHASE: motes.phase,
        names.MOTE_ORDER: motes.order, names.MOTE_SIZE: motes.size, names.MOTE_TINT: motes.tint})
    obj = owner.object(names.MOTES, cloud, coll)
    obj[INSTANCER] = True
    obj.visible_shadow = False
    mod = obj.modifiers.new(names.MOTES, "NODES")
    mod.node_group = motes_group(owner, shape_obj)
    first, last = tl.frame_range(cfg["timeline"])
    clock = compat.write_curve(obj, compat.modifier_input_path(mod, names.SECONDS), [first, last + 1],
                               [0.0, (last + 1 - first) / fps])
    clock.extrapolation = "LINEAR"
    step = max(1, fps // 4)
    share = core_motes.share(cfg, response.seconds, response.channels["warmth"], response.care)
    compat.write_curve(obj, compat.modifier_input_path(mod, names.VISIBLE), response.frames[::step], share[::step])
    owner.tag(obj.animation_data.action)
    return obj
