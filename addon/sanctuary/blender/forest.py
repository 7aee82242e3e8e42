"""The mercury forest in Blender: bark meshes, instanced living leaves, fallen gem-leaves.

Leaves are points carrying attributes (rotation, scale, variant, drip period
and phase, tip, fall height); a geometry-nodes group instances the leaf
shapes on them and runs the drip cycle of core.world.leaves from a keyed "Seconds"
input, so the dripping loops forever, every leaf on its own phase, and
retiming the film is one F-curve. Nothing is realized.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.story import timeline as tl
from ..core.world import leaves as core_leaves
from ..core.world import trees as core_trees
from ..core.world.ground import height
from . import compat, materials, names
from .datablocks import Owner
from .meshes import mesh_from_polygons, point_cloud
from .names import INSTANCER
from .nodes import geometry_group

SAG, SPRING = core_leaves.SAG, core_leaves.SPRING  # the same drip as core_leaves.drop_state


@dataclass
class ForestData:
    """What the forest stage made, for the stages and tools after it."""

    tree_xy: np.ndarray  # trunk positions: the streams start at their roots
    fallen_mesh: object  # a fallen-leaf shape, reused by the tending for gathered leaves
    trunks: tuple = ()  # the bark objects, which the heart's light reaches as the warmth returns


def build_forest(cfg: dict, owner: Owner, grown: core_trees.Forest) -> ForestData:
    """Bark meshes, instanced leaves and fallen leaves for the forest the plan grew."""
    seed, forest = cfg["seed"], cfg["forest"]
    trees_coll = owner.child_collection("trees")
    shapes = owner.child_collection("forest_shapes", hidden=True)

    bark = materials.bark(owner)
    mercury = materials.mercury(owner, cfg["leaves"])
    trunks = []
    for i, (tree, sp_i) in enumerate(zip(grown.trees, grown.species)):
        sp = forest["species"][sp_i]
        verts, corners, sizes = core_trees.bark_mesh(tree, seed, i)
        mesh = mesh_from_polygons(owner, f"tree_{i:03d}", verts - tree.base.astype(np.float32), corners, sizes)
        mesh.materials.append(bark)
        obj = owner.object(names.tree(i, sp["name"]), mesh, trees_coll)
        obj.location = tuple(tree.base)
        trunks.append(obj)

    fallen_meshes = []
    leaf_coll = owner.child_collection("leaf_shapes", shapes)
    fallen_coll = owner.child_collection("fallen_shapes", shapes)
    gem = materials.fallen_leaf(owner)
    for v in range(core_leaves.VARIANTS):
        shape = core_leaves.leaf_shape(v, seed)
        for coll, mat, tag in ((leaf_coll, mercury, "leaf"), (fallen_coll, gem, "fallen")):
            mesh = mesh_from_polygons(owner, names.shape(tag, v), shape.vertices, shape.corners, shape.sizes)
            mesh.materials.append(mat)
            owner.object(names.shape(tag, v), mesh, coll)
            if tag == "fallen":
                fallen_meshes.append(mesh)
    drop = core_leaves.drop_shape()
    drop_mesh = mesh_from_polygons(owner, names.DROP, drop.vertices, drop.corners, drop.sizes)
    drop_mesh.materials.append(mercury)
    drop_obj = owner.object(names.DROP, drop_mesh, shapes)

    leaves = grown.leaves
    if leaves is not None:
        cloud = point_cloud(owner, names.LEAVES, leaves.position, {
            names.LEAF_ROTATION: leaves.rotation, names.LEAF_SCALE: leaves.scale, names.VARIANT: leaves.variant,
            names.DRIP_PERIOD: grown.cycles.period, names.DRIP_PHASE: grown.cycles.phase, names.TIP: leaves.tip,
            names.FALL_HEIGHT: grown.fall_height,
            # Geometry nodes' stable identity: each leaf's Object Info > Random (its film) follows its id,
            # not its index, so the leaves culled out of view do not reshuffle the colours of the rest.
            "id": np.arange(len(leaves.position), dtype=np.int32)})
        leaf_obj = owner.object(names.LEAVES, cloud)
        leaf_obj[INSTANCER] = True
        group = leaves_group(owner, leaf_coll, drop_obj)
        mod = leaf_obj.modifiers.new(names.LEAVES, "NODES")
        mod.node_group = group
        key_seconds(owner, leaf_obj, cfg["timeline"])

    fallen = core_leaves.scatter_fallen(cfg, lambda x, y: height(x, y, cfg))
    if len(fallen.position):
        cloud = point_cloud(owner, names.FALLEN, fallen.position, {
            names.LEAF_ROTATION: fallen.rotation, names.LEAF_SCALE: fallen.scale,
            names.VARIANT: fallen.variant.astype(np.int32), names.SAPPHIRE: fallen.sapphire})
        fallen_obj = owner.object(names.FALLEN, cloud)
        fallen_obj[INSTANCER] = True
        mod = fallen_obj.modifiers.new(names.FALLEN, "NODES")
        mod.node_group = fallen_group(owner, fallen_coll)

    return ForestData(grown.xy, fallen_meshes[0], tuple(trunks))


def _instance(g, points, shapes_coll, variant, rotation, scale):
    info = g.node("GeometryNodeCollectionInfo", {"Collection": shapes_coll, "Separate Children": True,
                                                 "Reset Children": True})
    inst = g.node("GeometryNodeInstanceOnPoints", {"Points": points, "Instance": info.outputs["Instances"],
                                                   "Pick Instance": True, "Instance Index": variant,
                                                   "Rotation": rotation, "Scale": scale})
    return inst.outputs["Instances"]


def _out_of_view(g, points, cull_cos, cull_distance):
    """The points the render camera could see: within cull_distance of it, or inside the cone round its
    view whose half-angle's cosine is cull_cos. Renders only (the viewport keeps every leaf).

    Cycles' own camera culling keeps the same set, but only after syncing each of the 210,000 instances;
    dropped here, before instancing, they cost one field evaluation (render.settings sets the cone)."""
    cam = g.node("GeometryNodeObjectInfo", {"Object": g.node("GeometryNodeInputActiveCamera").outputs[0]},
                 transform_space="RELATIVE")
    forward = g.node("ShaderNodeVectorRotate", {"Vector": (0.0, 0.0, -1.0), "Rotation": cam.outputs["Rotation"]},
                     rotation_type="EULER_XYZ")
    offset = g.vmath("SUBTRACT", g.node("GeometryNodeInputPosition").outputs[0], cam.outputs["Location"])
    dist = g.vmath("LENGTH", offset)
    cos = g.math("DIVIDE", g.vmath("DOT_PRODUCT", offset, forward.outputs[0]), g.math("MAXIMUM", dist, 1e-6))
    unseen = g.math("MULTIPLY", g.math("LESS_THAN", cos, cull_cos), g.math("GREATER_THAN", dist, cull_distance))
    unseen = g.math("MULTIPLY", unseen, g.math("SUBTRACT", 1.0, g.node("GeometryNodeIsViewport").outputs[0]))
    kept = g.node("GeometryNodeDeleteGeometry", {"Geometry": points, "Selection": g.math("GREATER_THAN", unseen, 0.5)},
                  domain="POINT")
    return kept.outputs["Geometry"]


def leaves_group(owner: Owner, shapes_coll, drop_obj):
    """Leaves on points, each sagging under its swelling drop; drops that fall and vanish."""
    g, gin, gout = geometry_group(owner, names.LEAVES_GROUP, [
        (names.SECONDS, "NodeSocketFloat"), (names.CULL_COS, "NodeSocketFloat"), (names.CULL_DISTANCE, "NodeSocketFloat")])
    g.tree.interface.items_tree[names.CULL_COS].default_value = -2.0  # nothing culled unless a tier asks
    every, cone, near = gin.outputs["Geometry"], gin.outputs[names.CULL_COS], gin.outputs[names.CULL_DISTANCE]
    points = _out_of_view(g, every, cone, near)
    seconds = gin.outputs[names.SECONDS]
    period = g.named(names.DRIP_PERIOD)
    released_at = core_leaves.REST + core_leaves.SWELL
    # s = frac(t / period + phase): where this leaf is in its cycle.
    s = g.math("FRACT", g.math("ADD", g.math("DIVIDE", seconds, period), g.named(names.DRIP_PHASE)))
    swelling = g.math("MULTIPLY", g.math("GREATER_THAN", s, core_leaves.REST - 1e-6),
                      g.math("LESS_THAN", s, released_at))
    swell = g.math("DIVIDE", g.math("SUBTRACT", s, core_leaves.REST), core_leaves.SWELL, clamp=False)
    swell = g.math("MULTIPLY", swell, swelling)
    # tau: seconds since the last drop let go.
    tau = g.math("MULTIPLY", g.math("FRACT", g.math("SUBTRACT", s, released_at)), period)
    spring = g.math("MULTIPLY", g.math("EXPONENT", g.math("MULTIPLY", tau, -SPRING[0])),
                    g.math("COSINE", g.math("MULTIPLY", tau, SPRING[1])))
    sag = g.math("MULTIPLY", g.math("ADD", g.math("MULTIPLY", swell, swelling),
                                    g.math("MULTIPLY", spring, g.math("SUBTRACT", 1.0, swelling))), SAG)

    scale = g.named(names.LEAF_SCALE)
    leaves = _instance(g, points, shapes_coll, g.named(names.VARIANT, "INT"),
                       g.named(names.LEAF_ROTATION, "FLOAT_VECTOR"), scale)
    bend = g.node("GeometryNodeRotateInstances", {"Instances": leaves, "Local Space": True,
                                                 "Rotation": g.combine(g.math("MULTIPLY", sag, -1.0), 0.0, 0.0)})

    # Drops: swell at the tip (hanging lower as the leaf sags), then fall under gravity until they land.
    fall = g.math("MULTIPLY", g.math("MULTIPLY", tau, tau), 0.5 * core_leaves.GRAVITY)
    falling = g.math("MULTIPLY", g.math("SUBTRACT", 1.0, swelling),
                     g.math("LESS_THAN", fall, g.named(names.FALL_HEIGHT)))
    visible = g.math("MAXIMUM", g.math("MULTIPLY", swelling, g.math("GREATER_THAN", swell, 0.02)), falling)
    drop_z = g.math("ADD", g.math("MULTIPLY", fall, g.math("SUBTRACT", 1.0, swelling)),
                    g.math("MULTIPLY", g.math("MULTIPLY", scale, g.math("SINE", sag)), 0.9))
    pos = g.vmath("SUBTRACT", g.named(names.TIP, "FLOAT_VECTOR"), g.combine(0.0, 0.0, drop_z))
    moved = g.node("GeometryNodeSetPosition", {"Geometry": every, "Position": pos})
    kept = g.node("GeometryNodeDeleteGeometry", {"Geometry": moved.outputs["Geometry"],
                                                 "Selection": g.math("LESS_THAN", visible, 0.5)}, domain="POINT")
    seen = _out_of_view(g, kept.outputs["Geometry"], cone, near)  # where each drop is, metres below its leaf
    # Volume grows steadily, so the radius as its cube root; drawn out just before it lets go.
    radius = g.math("MULTIPLY", g.math("MULTIPLY", scale, core_leaves.DROP_RADIUS),
                    g.math("MAXIMUM", g.math("POWER", swell, 1.0 / 3.0), g.math("SUBTRACT", 1.0, swelling)))
    stretch = g.math("ADD", 1.0, g.math("ADD", g.math("MULTIPLY", g.math("POWER", swell, 4.0), 0.9),
                                        g.math("MULTIPLY", g.math("SUBTRACT", 1.0, swelling), 0.5)))
    info = g.node("GeometryNodeObjectInfo", {"Object": drop_obj})
    drops = g.node("GeometryNodeInstanceOnPoints", {
        "Points": seen, "Instance": info.outputs["Geometry"],
        "Scale": g.combine(radius, radius, g.math("MULTIPLY", radius, stretch))})
    join = g.node("GeometryNodeJoinGeometry")
    g.link(bend.outputs["Instances"], join.inputs["Geometry"])
    g.link(drops.outputs["Instances"], join.inputs["Geometry"])
    g.link(join.outputs["Geometry"], gout.inputs["Geometry"])
    return g.tree


def fallen_group(owner: Owner, shapes_coll):
    g, gin, gout = geometry_group(owner, names.FALLEN_GROUP, [])
    inst = _instance(g, gin.outputs["Geometry"], shapes_coll, g.named(names.VARIANT, "INT"),
                     g.named(names.LEAF_ROTATION, "FLOAT_VECTOR"), g.named(names.LEAF_SCALE))
    g.link(inst, gout.inputs["Geometry"])
    return g.tree


def key_seconds(owner: Owner, obj, timeline: dict) -> None:
    """The drip clock: seconds, keyed linearly across the film and extrapolated beyond it
    (keyed again, replacing the old keys, when the film is retimed)."""
    first, last = tl.frame_range(timeline)
    path = compat.modifier_input_path(obj.modifiers[names.LEAVES], names.SECONDS)
    clock = compat.write_curve(obj, path, [first, last + 1], [0.0, (last + 1 - first) / timeline["fps"]])
    clock.extrapolation = "LINEAR"
    owner.tag(obj.animation_data.action)
