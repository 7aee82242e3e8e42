"""The clearing's centre in Blender: the weathered pedestal and its stone."""
from __future__ import annotations

import numpy as np

from ..core.clearing import frost as core_frost
from ..core.clearing.pedestal import PedestalMesh, pedestal_mesh, pedestal_roots
from ..core.story.shots import landmarks
from ..core.world.ground import height
from ..core.world.sky import sun_direction
from . import frost, names
from .datablocks import Owner
from .heart import build_heart
from .materials import principled
from .meshes import mesh_from_polygons

LICHEN = (0.30, 0.36, 0.20, 1.0)
MOSS = (0.05, 0.13, 0.025, 1.0)
STAIN = (0.05, 0.045, 0.035, 1.0)


def build_clearing(cfg: dict, owner: Owner, floor_material, response, plans, trunks=()) -> None:
    """Pedestal, heart and frost, all driven by the heart's channels (from the tending's response);
    trunks: the forest's bark objects, which the heart's light reaches as the warmth returns."""
    frames, seconds, channels = response.frames, response.seconds, response.channels
    pedestal, shape = build_pedestal(cfg, owner)
    heart_pos = landmarks(cfg)["heart"]
    heart_base = heart_pos - np.array([0.0, 0.0, cfg["heart"]["size"] / 2])
    group = frost.front_group(owner, cfg, frames, channels["frost"])
    build_heart(cfg, owner, heart_base, frames, seconds, channels, group, close_up_facing(plans), (pedestal,),
                trunks)
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
    sun = sun_direction(cfg["sky"])
    shade = tuple(float(c) for c in -sun[:2] / max(float(np.hypot(*sun[:2])), 1e-9)) + (0.0,)
    mesh.materials.append(stone(owner, cfg["pedestal"], shade))
    obj = owner.object(names.PEDESTAL, mesh)
    obj.location = (0.0, 0.0, cfg["clearing"]["rise"])
    verts, corners, sizes = pedestal_roots(cfg)
    roots = mesh_from_polygons(owner, "pedestal_roots", verts, corners, sizes)
    roots.materials.append(mossy_root(owner))
    owner.object(names.PEDESTAL_ROOTS, roots).location = obj.location
    return obj, shape


def mossy_root(owner: Owner):
    """Old umber wood, furrowed along its length, furred green with moss on its upper side."""
    mat, g, bsdf = principled(owner, "mossy_root")
    up = g.vmath("DOT_PRODUCT", g.node("ShaderNodeNewGeometry").outputs["Normal"], (0.0, 0.0, 1.0))
    grain = g.node("ShaderNodeTexNoise", {"Scale": 14.0, "Detail": 2.0})
    g.link(g.node("ShaderNodeTexCoord").outputs["Object"], grain.inputs["Vector"])
    patches = g.node("ShaderNodeTexNoise", {"Scale": 2.5, "Detail": 2.0})
    g.link(g.node("ShaderNodeTexCoord").outputs["Object"], patches.inputs["Vector"])
    # Moss in small patches on the tops only: wood must read first, or the roots read as green slugs.
    moss = g.math("MULTIPLY", g.map_range(up, 0.6, 0.95, 0.0, 1.0),
                  g.map_range(patches.outputs["Fac"], 0.6, 0.7, 0.0, 0.8))
    wood = g.mix_color(grain.outputs["Fac"], (0.07, 0.045, 0.03, 1.0), (0.17, 0.11, 0.07, 1.0))  # umber, as the bark
    g.link(g.mix_color(moss, wood, MOSS), bsdf.inputs["Base Color"])
    bsdf.inputs["Roughness"].default_value = 0.8
    bsdf.inputs["Sheen Weight"].default_value = 0.6
    bump = g.node("ShaderNodeBump", {"Strength": 0.6, "Distance": 0.01})
    g.link(grain.outputs["Fac"], bump.inputs["Height"])
    g.link(bump.outputs["Normal"], bsdf.inputs["Normal"])
    return mat


def stone(owner: Owner, p: dict, shade_dir: tuple[float, float, float]):
    """Old grey-green stone as the weather left it.

    Lichen crusts on what faces the sky; moss where water sits (crevices, the foot, the side
    away from the sun, `shade_dir`); dark stains running down from the top; a network of fine
    cracks over the deep cut ones; darker crevices (Cycles' pointiness); damp low down."""
    mat, g, bsdf = principled(owner, "pedestal_stone")
    geo = g.node("ShaderNodeNewGeometry")
    coords = g.node("ShaderNodeTexCoord").outputs["Object"]
    z = g.component(coords, "Z")
    normal = geo.outputs["Normal"]
    grain = g.node("ShaderNodeTexNoise", {"Scale": 18.0, "Detail": 4.0, "Roughness": 0.65})
    g.link(coords, grain.inputs["Vector"])
    patches = g.node("ShaderNodeTexNoise", {"Scale": 3.5, "Detail": 3.0})
    g.link(coords, patches.inputs["Vector"])
    base = (*p["color"], 1.0)
    darker = tuple(c * 0.5 for c in p["color"]) + (1.0,)
    col = g.mix_color(grain.outputs["Fac"], darker, base)
    # Stains: streaks stretched down the stone, strongest under the top and the capital's lip.
    streaks = g.node("ShaderNodeTexNoise", {"Scale": 1.0, "Detail": 2.0})
    g.link(g.vmath("MULTIPLY", coords, (9.0, 9.0, 0.35)), streaks.inputs["Vector"])
    from_top = g.map_range(z, p["height"] * 0.15, p["height"], 0.3, 1.0)
    stain = g.math("MULTIPLY", g.map_range(streaks.outputs["Fac"], 0.45, 0.7, 0.0, 0.85), from_top)
    col = g.mix_color(stain, col, STAIN)
    # Fine cracks: the edges of a Voronoi tiling, dark and cut in by the bump.
    cells = g.node("ShaderNodeTexVoronoi", {"Scale": 5.0, "Randomness": 1.0}, feature="DISTANCE_TO_EDGE")
    g.link(g.vmath("ADD", coords, g.vmath("SCALE", grain.outputs["Color"], scale=0.08)), cells.inputs["Vector"])
    crack = g.map_range(cells.outputs["Distance"], 0.0, 0.025, 1.0, 0.0)
    crack = g.math("MULTIPLY", crack, g.map_range(patches.outputs["Fac"], 0.35, 0.55, 0.0, 1.0))
    # Where water sits: concave places, the foot, the shaded side; moss grows there, as much as `moss`.
    pointy = geo.outputs["Pointiness"]
    crevice = g.map_range(pointy, 0.5, 0.44, 0.0, 1.0)
    shade = g.map_range(g.vmath("DOT_PRODUCT", normal, shade_dir), 0.0, 0.8, 0.0, 1.0)
    foot = g.map_range(z, 0.45, 0.0, 0.0, 1.0)
    wet = g.math("ADD", g.math("ADD", crevice, g.math("MULTIPLY", shade, 0.6)), g.math("MULTIPLY", foot, 0.8))
    wet = g.math("MAXIMUM", wet, crack)
    moss = g.math("MULTIPLY", g.map_range(g.math("MULTIPLY", wet, patches.outputs["Fac"]), 0.18, 0.4, 0.0, 1.0),
                  p["moss"], clamp=True)
    # Lichen crusts where the stone faces the sky, in patches.
    up = g.vmath("DOT_PRODUCT", normal, (0.0, 0.0, 1.0))
    spots = g.node("ShaderNodeTexVoronoi", {"Scale": 14.0})
    g.link(coords, spots.inputs["Vector"])
    lichen = g.math("MULTIPLY", g.map_range(up, 0.1, 0.7, 0.0, 1.0),
                    g.map_range(g.math("ADD", patches.outputs["Fac"], g.math("MULTIPLY", spots.outputs["Distance"], -0.4)),
                                0.3, 0.4, 0.0, 1.0))
    col = g.mix_color(g.math("MULTIPLY", lichen, 0.5 + 0.5 * p["moss"]), col, LICHEN)
    col = g.mix_color(moss, col, MOSS)
    col = g.mix_color(g.math("MAXIMUM", crack, g.math("MULTIPLY", crevice, 0.6)), col, (0.005, 0.006, 0.005, 1.0))
    g.link(col, bsdf.inputs["Base Color"])
    g.link(g.map_range(g.math("ADD", foot, stain), 0.0, 1.0, 0.8, 0.45), bsdf.inputs["Roughness"])
    bsdf.inputs["Sheen Weight"].default_value = 0.0
    g.link(g.math("MULTIPLY", moss, 0.8), bsdf.inputs["Sheen Weight"])
    bump = g.node("ShaderNodeBump", {"Strength": 0.5, "Distance": 0.015})
    height_field = g.math("SUBTRACT", grain.outputs["Fac"], g.math("MULTIPLY", crack, 0.8))
    g.link(height_field, bump.inputs["Height"])
    g.link(bump.outputs["Normal"], bsdf.inputs["Normal"])
    return mat
