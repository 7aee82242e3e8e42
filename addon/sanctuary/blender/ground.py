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
    """Dark loam with moss, and pools of mercury in it that mirror the sky (one Principled, its inputs
    mixed by the pools' mask: a second BSDF would double the floor's shading)."""
    mat, g, bsdf = principled(owner, "forest_floor")
    coords = g.node("ShaderNodeTexCoord").outputs["Object"]
    loam_noise = g.node("ShaderNodeTexNoise", {"Scale": 0.9, "Detail": 3.0})
    g.link(coords, loam_noise.inputs["Vector"])
    ground = (*cfg["ground"]["color"], 1.0)
    loam = g.mix_color(loam_noise.outputs["Fac"], ground, (0.06, 0.04, 0.03, 1.0))
    patches = g.node("ShaderNodeTexNoise", {"Scale": 0.22, "Detail": 2.0})
    g.link(coords, patches.inputs["Vector"])
    moss = g.map_range(patches.outputs["Fac"], 0.5, 0.62, 0.0, 1.0, smooth=True)
    soil = g.mix_color(moss, loam, (0.035, 0.075, 0.02, 1.0))
    # Pools: where a slow noise dips, a crisp-edged sheet of mercury.
    pools_noise = g.node("ShaderNodeTexNoise", {"Scale": 0.11, "Detail": 1.0})
    g.link(coords, pools_noise.inputs["Vector"])
    pool = g.map_range(pools_noise.outputs["Fac"], 0.41, 0.39, 0.0, 1.0, smooth=True)
    g.link(g.mix_color(pool, soil, (0.8, 0.82, 0.86, 1.0)), bsdf.inputs["Base Color"])
    g.link(pool, bsdf.inputs["Metallic"])
    damp = g.map_range(loam_noise.outputs["Fac"], 0.4, 0.65, 0.6, 0.95)
    g.link(g.math("ADD", g.math("MULTIPLY", damp, g.math("SUBTRACT", 1.0, pool)), g.math("MULTIPLY", pool, 0.03)),
           bsdf.inputs["Roughness"])
    g.link(g.math("MULTIPLY", pool, 420.0), bsdf.inputs["Thin Film Thickness"])
    bump = g.node("ShaderNodeBump", {"Strength": 0.35, "Distance": 0.05})
    g.link(g.math("MULTIPLY", loam_noise.outputs["Fac"], g.math("SUBTRACT", 1.0, pool)), bump.inputs["Height"])
    g.link(bump.outputs["Normal"], bsdf.inputs["Normal"])
    return mat
