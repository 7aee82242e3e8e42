"""The clearing's centre in Blender: the weathered pedestal and its stone."""
from __future__ import annotations

import numpy as np

from ..core.clearing import frost as core_frost
from ..core.clearing.pedestal import PedestalMesh, pedestal_mesh, pedestal_roots
from ..core.story.shots import landmarks
from ..core.world.ground import height
from . import frost, names
from .datablocks import Owner
from .heart import build_heart
from .materials import principled
from .meshes import mesh_from_polygons

LICHEN = (0.30, 0.36, 0.20, 1.0)


def build_clearing(cfg: dict, owner: Owner, floor_material, response, plans) -> None:
    """Pedestal, heart and frost, all driven by the heart's channels (from the tending's response)."""
    frames, seconds, channels = response.frames, response.seconds, response.channels
    pedestal, shape = build_pedestal(cfg, owner)
    heart_pos = landmarks(cfg)["heart"]
    heart_base = heart_pos - np.array([0.0, 0.0, cfg["heart"]["size"] / 2])
    group = frost.front_group(owner, cfg, frames, channels["frost"])
    build_heart(cfg, owner, heart_pos, frames, seconds, channels, group, close_up_facing(plans))
    for mat in (pedestal.data.materials[0], floor_material):
        frost.overlay(mat, group, heart_base, cfg["frost"]["color"])
    world_verts = shape.vertices.astype(np.float64) + np.array(pedestal.location)
    sites = core_frost.frost_sites(cfg, world_verts, shape.corners, shape.sizes, heart_base,
                                   lambda x, y: height(x, y, cfg))
    frost.build_crystals(owner, cfg, sites, frames, channels["frost"],
                         frost.crystal_material(owner, cfg["frost"]["color"]))


def close_up_facing(plans) -> tuple[float, float]:
    """(time, yaw) of the first close-up of the heart: the heart turns its face to it then."""
    for plan in plans:
        if plan.subject == "heart" and plan.move == "close_up":
            mid = plan.keys[len(plan.keys) // 2]
            x, y = mid.location[0], mid.location[1]
            return mid.seconds, float(np.arctan2(x, -y))
    return 0.0, 0.0


def build_pedestal(cfg: dict, owner: Owner) -> tuple[object, PedestalMesh]:
    shape = pedestal_mesh(cfg)
    mesh = mesh_from_polygons(owner, "pedestal", shape.vertices, shape.corners, shape.sizes)
    mesh.materials.append(stone(owner, cfg["pedestal"]))
    obj = owner.object(names.PEDESTAL, mesh)
    obj.location = (0.0, 0.0, cfg["clearing"]["rise"])
    verts, corners, sizes = pedestal_roots(cfg)
    roots = mesh_from_polygons(owner, "pedestal_roots", verts, corners, sizes)
    roots.materials.append(mossy_root(owner))
    owner.object(names.PEDESTAL_ROOTS, roots).location = obj.location
    return obj, shape


def mossy_root(owner: Owner):
    """Dark old wood furred green with moss on its upper side."""
    mat, g, bsdf = principled(owner, "mossy_root")
    up = g.vmath("DOT_PRODUCT", g.node("ShaderNodeNewGeometry").outputs["Normal"], (0.0, 0.0, 1.0))
    moss = g.map_range(up, 0.1, 0.7, 0.0, 1.0)
    g.link(g.mix_color(moss, (0.045, 0.032, 0.025, 1.0), (0.09, 0.16, 0.05, 1.0)), bsdf.inputs["Base Color"])
    bsdf.inputs["Roughness"].default_value = 0.8
    bsdf.inputs["Sheen Weight"].default_value = 0.6
    return mat


def stone(owner: Owner, p: dict):
    """Grey-green stone: lichen on what faces the sky, darker crevices, a damp sheen low down."""
    mat, g, bsdf = principled(owner, "pedestal_stone")
    geo = g.node("ShaderNodeNewGeometry")
    coords = g.node("ShaderNodeTexCoord").outputs["Object"]
    grain = g.node("ShaderNodeTexNoise", {"Scale": 18.0, "Detail": 4.0, "Roughness": 0.65})
    g.link(coords, grain.inputs["Vector"])
    patches = g.node("ShaderNodeTexNoise", {"Scale": 4.5, "Detail": 3.0})
    g.link(coords, patches.inputs["Vector"])
    base = (*p["color"], 1.0)
    darker = tuple(c * 0.55 for c in p["color"]) + (1.0,)
    stone_col = g.mix_color(grain.outputs["Fac"], darker, base)
    # Lichen where the surface looks up and the patch noise says so, as much as the preset's moss.
    facing_up = g.map_range(g.vmath("DOT_PRODUCT", geo.outputs["Normal"], (0.0, 0.0, 1.0)), -0.2, 0.8, 0.2, 1.0)
    lichen = g.math("MULTIPLY", g.map_range(patches.outputs["Fac"], 0.62 - 0.25 * p["moss"], 0.7, 0.0, 1.0),
                    g.math("MULTIPLY", facing_up, p["moss"]))
    col = g.mix_color(lichen, stone_col, LICHEN)
    # Crevices: Cycles' pointiness is low in concave places; darken them.
    crevice = g.map_range(geo.outputs["Pointiness"], 0.44, 0.5, 0.45, 1.0)
    g.link(g.mix_color(crevice, (0.0, 0.0, 0.0, 1.0), col), bsdf.inputs["Base Color"])
    damp = g.map_range(g.component(coords, "Z"), 0.0, 0.35, 0.25, 0.75)
    g.link(damp, bsdf.inputs["Roughness"])
    bump = g.node("ShaderNodeBump", {"Strength": 0.35, "Distance": 0.01})
    g.link(grain.outputs["Fac"], bump.inputs["Height"])
    g.link(bump.outputs["Normal"], bsdf.inputs["Normal"])
    return mat

