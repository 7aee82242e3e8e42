"""The forest floor in Blender: the core height field and a dark, damp material."""
from __future__ import annotations

from ..core.world.ground import ground_mesh
from . import names
from .datablocks import Owner
from .materials import principled
from .meshes import mesh_from_arrays


def build_ground(cfg: dict, owner: Owner) -> list:
    grid = ground_mesh(cfg)
    mesh = mesh_from_arrays(owner, "forest_floor", grid.vertices, grid.faces)
    mesh.materials.append(floor_material(cfg, owner))
    return [owner.object(names.FLOOR, mesh)]


def floor_material(cfg: dict, owner: Owner):
    """Dark and damp: low roughness patches catch the sun's shifting colours."""
    mat, _, bsdf = principled(owner, "forest_floor")
    nodes, links = mat.node_tree.nodes, mat.node_tree.links
    bsdf.inputs["Base Color"].default_value = (*cfg["ground"]["color"], 1.0)
    # Wet patches: noise drives roughness between damp sheen and soft soil.
    noise = nodes.new("ShaderNodeTexNoise")
    noise.inputs["Scale"].default_value = 0.35
    noise.inputs["Detail"].default_value = 2.0
    ramp = nodes.new("ShaderNodeMapRange")
    ramp.inputs["From Min"].default_value = 0.4
    ramp.inputs["From Max"].default_value = 0.65
    ramp.inputs["To Min"].default_value = 0.22
    ramp.inputs["To Max"].default_value = 0.8
    links.new(noise.outputs["Fac"], ramp.inputs["Value"])
    links.new(ramp.outputs["Result"], bsdf.inputs["Roughness"])
    return mat
