"""Materials of the forest: mercury, bark, fallen gem-leaves, all node-built and seed-free.

Colour values come from the preset or LOOK.md; iridescence is Principled's
thin film, varied per leaf instance by Object Info > Random.
"""
from __future__ import annotations

from . import names
from .compat import set_material_nodes
from .datablocks import Owner
from .nodes import Graph

EMERALD = (0.02, 0.45, 0.18, 1.0)
SAPPHIRE = (0.04, 0.12, 0.60, 1.0)


def principled(owner: Owner, name: str):
    """A new owned material with its Principled BSDF, and a Graph to build on it."""
    mat = owner.new("materials", name)
    set_material_nodes(mat)
    return mat, Graph(mat.node_tree), mat.node_tree.nodes["Principled BSDF"]


def mercury(owner: Owner, leaves: dict):
    """Liquid mercury: a near-mirror metal whose thin film throws shifting colours."""
    mat, g, bsdf = principled(owner, "mercury")
    bsdf.inputs["Base Color"].default_value = (*leaves["color"], 1.0)
    bsdf.inputs["Metallic"].default_value = 1.0
    bsdf.inputs["Roughness"].default_value = leaves["roughness"]
    # Each leaf (instance) gets its own film thickness; a fine noise ripples it across the surface.
    info = g.node("ShaderNodeObjectInfo")
    noise = g.node("ShaderNodeTexNoise", {"Scale": 9.0, "Detail": 2.0})
    mix = g.math("ADD", g.math("MULTIPLY", info.outputs["Random"], 0.75), g.math("MULTIPLY", noise.outputs["Fac"], 0.5))
    lo, hi = leaves["thin_film"]
    g.link(g.map_range(mix, 0.1, 1.15, lo, hi), bsdf.inputs["Thin Film Thickness"])
    bsdf.inputs["Thin Film IOR"].default_value = 1.5
    return mat


def bark(owner: Owner):
    """Dark violet-grey bark, ridged along the trunk, with silver runnels where mercury has run."""
    mat, g, bsdf = principled(owner, "bark")
    coords = g.node("ShaderNodeTexCoord")
    stretch = g.node("ShaderNodeMapping", {"Scale": (7.0, 7.0, 0.8)})
    g.link(coords.outputs["Object"], stretch.inputs["Vector"])
    ridges = g.node("ShaderNodeTexNoise", {"Scale": 3.0, "Detail": 3.0, "Roughness": 0.6})  # octaves cost render time
    g.link(stretch.outputs["Vector"], ridges.inputs["Vector"])
    g.link(g.mix_color(ridges.outputs["Fac"], (0.03, 0.026, 0.038, 1.0), (0.13, 0.12, 0.14, 1.0)),
           bsdf.inputs["Base Color"])
    runnels = g.node("ShaderNodeTexNoise", {"Scale": 1.4, "Detail": 1.0})
    g.link(stretch.outputs["Vector"], runnels.inputs["Vector"])
    silver = g.map_range(runnels.outputs["Fac"], 0.6, 0.68, 0.0, 0.85)
    g.link(silver, bsdf.inputs["Metallic"])
    g.link(g.map_range(silver, 0.0, 0.85, 0.55, 0.12), bsdf.inputs["Roughness"])
    bump = g.node("ShaderNodeBump", {"Strength": 0.45, "Distance": 0.02})
    g.link(ridges.outputs["Fac"], bump.inputs["Height"])
    g.link(bump.outputs["Normal"], bsdf.inputs["Normal"])
    return mat


def fallen_leaf(owner: Owner):
    """Emerald or sapphire (per instance attribute), glassy and faintly iridescent."""
    mat, g, bsdf = principled(owner, "fallen_leaf")
    attr = g.node("ShaderNodeAttribute", attribute_type="INSTANCER", attribute_name=names.SAPPHIRE)
    g.link(g.mix_color(attr.outputs["Fac"], EMERALD, SAPPHIRE), bsdf.inputs["Base Color"])
    bsdf.inputs["Metallic"].default_value = 0.55
    bsdf.inputs["Roughness"].default_value = 0.16
    bsdf.inputs["Coat Weight"].default_value = 0.6
    bsdf.inputs["Thin Film Thickness"].default_value = 320.0
    return mat
