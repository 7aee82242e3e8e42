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


def bare(owner: Owner, name: str):
    """A new owned material with nothing but its Material Output (for shaders other than Principled),
    a Graph to build on it, and that output node."""
    mat = owner.new("materials", name)
    set_material_nodes(mat)
    tree = mat.node_tree
    for node in list(tree.nodes):
        if node.bl_idname != "ShaderNodeOutputMaterial":
            tree.nodes.remove(node)
    return mat, Graph(tree), tree.nodes["Material Output"]


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
    mat[names.THIN_FILM] = [float(lo), float(hi)]  # the exporters cannot read a node-made thickness
    return mat


def bark(owner: Owner):
    """Deep-furrowed bark, umber to ash with a violet cast where it is wet, moss at the foot and silver
    runnels where mercury has run: rough, so it takes the colours of the light and the haze."""
    mat, g, bsdf = principled(owner, "bark")
    coords = g.node("ShaderNodeTexCoord")
    stretch = g.node("ShaderNodeMapping", {"Scale": (7.0, 7.0, 0.8)})
    g.link(coords.outputs["Object"], stretch.inputs["Vector"])
    ridges = g.node("ShaderNodeTexNoise", {"Scale": 3.0, "Detail": 3.0, "Roughness": 0.6})  # octaves cost render time
    g.link(stretch.outputs["Vector"], ridges.inputs["Vector"])
    furrows = g.map_range(ridges.outputs["Fac"], 0.35, 0.65, 0.0, 1.0, smooth=True)
    blotch = g.node("ShaderNodeTexNoise", {"Scale": 0.9, "Detail": 1.0})
    g.link(coords.outputs["Object"], blotch.inputs["Vector"])
    umber = g.mix_color(blotch.outputs["Fac"], (0.055, 0.032, 0.026, 1.0), (0.05, 0.04, 0.07, 1.0))
    colour = g.mix_color(furrows, (0.012, 0.009, 0.012, 1.0), umber)
    colour = g.mix_color(g.math("MULTIPLY", furrows, blotch.outputs["Fac"]), colour, (0.2, 0.16, 0.14, 1.0))
    # Moss where the trunk meets the damp floor, thinning out up the trunk.
    up = g.component(coords.outputs["Object"], "Z")
    moss = g.math("MULTIPLY", g.map_range(up, 1.4, 0.2, 0.0, 1.0, smooth=True),
                  g.map_range(blotch.outputs["Fac"], 0.4, 0.6, 0.0, 1.0))
    colour = g.mix_color(moss, colour, (0.03, 0.07, 0.018, 1.0))
    g.link(colour, bsdf.inputs["Base Color"])
    runnels = g.node("ShaderNodeTexNoise", {"Scale": 1.4, "Detail": 1.0})
    g.link(stretch.outputs["Vector"], runnels.inputs["Vector"])
    silver = g.math("MULTIPLY", g.map_range(runnels.outputs["Fac"], 0.62, 0.68, 0.0, 0.85), g.math("SUBTRACT", 1.0, moss))
    g.link(silver, bsdf.inputs["Metallic"])
    g.link(g.map_range(silver, 0.0, 0.85, 0.7, 0.12), bsdf.inputs["Roughness"])
    bump = g.node("ShaderNodeBump", {"Strength": 0.7, "Distance": 0.03})
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
