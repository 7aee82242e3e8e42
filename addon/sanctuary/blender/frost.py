"""Frost in Blender: a keyed frost front shared by every material, and instanced crystals.

The front's radius (coverage * reach) lives in one shader node group,
`sanctuary_frost_front`, keyed once; the stone, the floor and the heart each
lay a frost layer over themselves where they are inside it. The crystals are
points with geometry nodes: those behind the front grow (bigger as coverage
rises), those at the front glint, sparkling with the keyed `Seconds`.
"""
from __future__ import annotations

import numpy as np

from ..core.clearing import frost as core_frost
from ..core.story import timeline as tl
from . import compat, names
from .datablocks import Owner
from .materials import principled
from .meshes import mesh_from_polygons, point_cloud
from .names import INSTANCER
from .nodes import Graph, geometry_group


def front_group(owner: Owner, cfg: dict, frames: np.ndarray, coverage: np.ndarray):
    """Shader group: outputs the frost front's radius (m), from the keyed coverage."""
    tree = owner.new("node_groups", names.FROST_FRONT, "ShaderNodeTree")
    tree.interface.new_socket("Front", in_out="OUTPUT", socket_type="NodeSocketFloat")
    tree.interface.new_socket(names.COVERAGE, in_out="OUTPUT", socket_type="NodeSocketFloat")
    g = Graph(tree)
    value = g.node("ShaderNodeValue", label="frost coverage (0..1)")
    value.name = "coverage"
    out = g.node("NodeGroupOutput")
    g.link(g.math("MULTIPLY", value.outputs[0], cfg["frost"]["reach"]), out.inputs["Front"])
    g.link(value.outputs[0], out.inputs[names.COVERAGE])
    compat.write_curve(tree, 'nodes["coverage"].outputs[0].default_value', frames, coverage)
    owner.tag(tree.animation_data.action)
    return tree


def frost_mask(g: Graph, group, heart_base) -> object:
    """1 inside the frost front (measured from the heart), fading to 0 across its edge."""
    node = g.node("ShaderNodeGroup")
    node.node_tree = group
    pos = g.node("ShaderNodeNewGeometry").outputs["Position"]
    dist = g.vmath("DISTANCE", pos, tuple(heart_base))
    front = node.outputs["Front"]
    edge = g.math("SUBTRACT", front, 0.25)
    # A rough edge: noise pushes the front in and out so it creeps rather than draws a circle.
    noise = g.node("ShaderNodeTexNoise", {"Scale": 6.0, "Detail": 2.0})
    g.link(pos, noise.inputs["Vector"])
    dist = g.math("ADD", dist, g.math("MULTIPLY", g.math("SUBTRACT", noise.outputs["Fac"], 0.5), 0.35))
    return g.map_range(dist, edge, front, 1.0, 0.0)


def _input_source(socket):
    return socket.links[0].from_socket if socket.is_linked else socket.default_value


def overlay(material, group, heart_base, color, strength=1.0) -> None:
    """Lay frost over a Principled material: white, finely rough, glinting, inside the front."""
    g = Graph(material.node_tree)
    bsdf = material.node_tree.nodes["Principled BSDF"]
    mask = frost_mask(g, group, heart_base)
    if strength != 1.0:
        mask = g.math("MULTIPLY", mask, strength)
    base = _input_source(bsdf.inputs["Base Color"])
    g.link(g.mix_color(mask, base, (*color, 1.0)), bsdf.inputs["Base Color"])
    rough = _input_source(bsdf.inputs["Roughness"])
    g.link(g.math("ADD", g.math("MULTIPLY", rough, g.math("SUBTRACT", 1.0, mask)), g.math("MULTIPLY", mask, 0.28)),
           bsdf.inputs["Roughness"])
    g.link(g.math("MULTIPLY", mask, 0.8), bsdf.inputs["Coat Weight"])


def crystal_material(owner: Owner, color) -> object:
    mat, g, bsdf = principled(owner, "frost_crystal")
    bsdf.inputs["Base Color"].default_value = (*color, 1.0)
    bsdf.inputs["Roughness"].default_value = 0.06
    bsdf.inputs["Transmission Weight"].default_value = 0.7
    bsdf.inputs["IOR"].default_value = 1.31
    bsdf.inputs["Emission Color"].default_value = (*color, 1.0)
    glint = g.node("ShaderNodeAttribute", attribute_type="INSTANCER", attribute_name=names.GLINT)
    g.link(g.math("MULTIPLY", glint.outputs["Fac"], 14.0), bsdf.inputs["Emission Strength"])
    return mat


def build_crystals(owner: Owner, cfg: dict, sites: core_frost.FrostSites, frames, coverage, material):
    """Crystal points + the geometry nodes that grow them behind the front."""
    shapes = owner.child_collection("frost_shapes", hidden=True)
    for name, (v, c, s) in (("frost_needle", core_frost.needle_shape()),
                            ("frost_dendrite", core_frost.dendrite_shape())):
        mesh = mesh_from_polygons(owner, name, v, c, s, smooth=False)
        mesh.materials.append(material)
        owner.object(name, mesh, shapes)
    cloud = point_cloud(owner, names.CRYSTALS, sites.position, {
        names.FROST_DISTANCE: sites.distance, names.CRYSTAL_ROTATION: sites.rotation,
        names.CRYSTAL_SCALE: sites.scale, names.KIND: sites.kind, names.GLINT_PHASE: sites.phase})
    obj = owner.object(names.CRYSTALS, cloud)
    obj[INSTANCER] = True
    group = crystals_group(owner, shapes, cfg["frost"]["reach"])
    mod = obj.modifiers.new(names.CRYSTALS, "NODES")
    mod.node_group = group
    fps = cfg["timeline"]["fps"]
    compat.write_curve(obj, compat.modifier_input_path(mod, names.COVERAGE), frames, coverage)
    first, last = tl.frame_range(cfg["timeline"])
    sec = compat.write_curve(obj, compat.modifier_input_path(mod, names.SECONDS), [first, last + 1],
                             [0.0, (last + 1 - first) / fps])
    sec.extrapolation = "LINEAR"
    owner.tag(obj.animation_data.action)
    return obj


def crystals_group(owner: Owner, shapes, reach: float):
    g, gin, gout = geometry_group(owner, names.CRYSTALS_GROUP,
                                  [(names.COVERAGE, "NodeSocketFloat"), (names.SECONDS, "NodeSocketFloat")])

    coverage = gin.outputs[names.COVERAGE]
    front = g.math("MULTIPLY", coverage, reach)
    behind = g.math("SUBTRACT", front, g.named(names.FROST_DISTANCE))  # > 0: the front has passed this site
    points = g.node("GeometryNodeDeleteGeometry", {"Geometry": gin.outputs["Geometry"],
                                                   "Selection": g.math("LESS_THAN", behind, 0.0)}, domain="POINT")
    # At the front a crystal glints, twinkling on its own phase.
    near_front = g.map_range(behind, 0.0, 0.2, 1.0, 0.0)
    twinkle = g.math("MAXIMUM", g.math("SINE", g.math("MULTIPLY", g.math("ADD", gin.outputs[names.SECONDS],
                                                                       g.math("MULTIPLY", g.named(names.GLINT_PHASE), 7.0)),
                                                         17.0)), 0.0)
    glint = g.node("GeometryNodeStoreNamedAttribute", {"Geometry": points.outputs["Geometry"], "Name": names.GLINT,
                                                       "Value": g.math("MULTIPLY", near_front, twinkle)},
                   data_type="FLOAT", domain="POINT")
    grow = g.map_range(behind, 0.0, core_frost.FRONT_WIDTH, 0.15, 1.0)
    size = g.math("MULTIPLY", g.math("MULTIPLY", g.named(names.CRYSTAL_SCALE), grow),
                  g.math("ADD", 0.5, g.math("MULTIPLY", coverage, 1.0)))
    info = g.node("GeometryNodeCollectionInfo", {"Collection": shapes, "Separate Children": True,
                                                 "Reset Children": True})
    inst = g.node("GeometryNodeInstanceOnPoints", {
        "Points": glint.outputs["Geometry"], "Instance": info.outputs["Instances"], "Pick Instance": True,
        "Instance Index": g.named(names.KIND, "INT"), "Rotation": g.named(names.CRYSTAL_ROTATION, "FLOAT_VECTOR"),
        "Scale": size})
    g.link(inst.outputs["Instances"], gout.inputs["Geometry"])
    return g.tree
