"""Stand-ins, made for an export and removed after it: what the render shows through machinery no
exporter carries, as plain keyed objects every format has.

Drop stand-ins: the drops of the leaves nearest the heart as ordinary keyed objects.

The forest's drops are geometry-nodes instances that no exporter carries well
(realized per frame they run to gigabytes); these few objects carry their motion
into every format as plain transform animation: swelling at the tip, falling,
vanishing on landing (scale 0) and waiting, hidden, at the tip. Their keys come from core.world.leaves.drop_state, the
same drip the geometry nodes evaluate.
"""
from __future__ import annotations

import bpy
import numpy as np

from ..blender import compat, names
from ..core.story.water import growth_stages, stage_weights
from ..core.world.leaves import drop_state

COUNT = 96


def point_attributes(obj, names: dict[str, int]) -> dict[str, np.ndarray]:
    """Per-point attributes of a point-cloud mesh: {name: width} -> arrays."""
    out = {}
    for name, width in names.items():
        values = np.empty(len(obj.data.vertices) * width, np.float32)
        obj.data.attributes[name].data.foreach_get("vector" if width == 3 else "value", values)
        out[name] = values.reshape(-1, 3) if width == 3 else values
    return out


def drip_clock(obj, frames: np.ndarray) -> np.ndarray:
    """The seconds the leaves' modifier is keyed with (linearly extrapolated), at each frame."""
    path = compat.modifier_input_path(obj.modifiers[names.LEAVES], names.SECONDS)
    curve = next(fc for fc in compat.fcurves(obj) if fc.data_path == path)
    return compat.sample_curve(curve, frames)


def make_standins(scene, frames: tuple[int, int], count: int = COUNT) -> list:
    """Keyed drop objects for frames (inclusive); [] when the scene has no dripping leaves."""
    leaves, drop = scene.objects.get(names.LEAVES), bpy.data.objects.get(names.DROP)
    if leaves is None or drop is None or not leaves.modifiers:
        return []
    a = point_attributes(leaves, {names.DRIP_PERIOD: 1, names.DRIP_PHASE: 1, names.TIP: 3, names.FALL_HEIGHT: 1,
                                  names.LEAF_SCALE: 1})
    m = np.array(leaves.matrix_world)
    tip = a["tip"] @ m[:3, :3].T + m[:3, 3]
    pick = np.argsort(np.hypot(tip[:, 0], tip[:, 1]))[:count]
    frame_list = np.arange(frames[0], frames[1] + 1)
    pos = np.empty((len(frame_list), len(pick), 3))
    size = np.empty_like(pos)
    tips = tip[pick]
    shown = np.zeros(len(pick), bool)
    for i, t in enumerate(drip_clock(leaves, frame_list)):
        d = drop_state(t, a[names.DRIP_PERIOD][pick], a[names.DRIP_PHASE][pick], tips,
                       a[names.FALL_HEIGHT][pick], a[names.LEAF_SCALE][pick])
        pos[i], size[i] = d.position, d.scale * d.visible[:, None]
        # A hidden drop is not moved away (the drip keeps it falling, tens of metres under the floor,
        # which stretched every viewer's bounds): it shrinks where it landed, then waits at its tip.
        landed, waiting = ~d.visible & shown, ~d.visible & ~shown
        pos[i][landed] = pos[i - 1][landed]
        pos[i][waiting] = tips[waiting]
        shown = d.visible
    made = []
    for j in range(len(pick)):
        obj = bpy.data.objects.new(names.drop_standin(j), drop.data)
        scene.collection.objects.link(obj)
        for axis in range(3):
            compat.write_curve(obj, "location", frame_list, pos[:, j, axis], index=axis)
            compat.write_curve(obj, "scale", frame_list, size[:, j, axis], index=axis)
        made.append(obj)
    return made


def remove_standins(objects: list) -> None:
    for obj in objects:
        action = obj.animation_data.action if obj.animation_data else None
        bpy.data.objects.remove(obj)
        if action is not None and action.users == 0:
            bpy.data.actions.remove(action)


# Water stand-ins: the streams and the moat grow along their course by a curve's keyed bevel factor,
# which glTF, USD and FBX exporters drop (glTF wrote meshes with no primitives, USD static curves). Each
# becomes a tube mesh whose shape keys are its growth in GROWTH_STAGES steps, keyed per frame: glTF
# morph targets, USD blend shapes (a SkelAnimation keys their weights), FBX shape keys. (Alembic keeps
# the curves, meshed per frame by its exporter: exact.)
GROWTH_STAGES = 16
CURVE_SUFFIX = ".course"  # the curve's name while its stand-in carries it in the export


def growing_curves(scene) -> list:
    """Curve objects that grow along their length by a keyed bevel factor (the water): one poly spline,
    the factor mapped to its length (SPLINE), as water.py builds them. Other curves export as they are."""
    return [o for o in scene.objects if o.type == "CURVE" and len(o.data.splines) == 1
            and o.data.splines[0].type == "POLY" and o.data.bevel_factor_mapping_end == "SPLINE"
            and any(fc.data_path == "bevel_factor_end" for fc in compat.fcurves(o.data))]


def growth(curves: dict, frames: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(how far along its course, 0..1 of its length, a growing curve reaches; whether it shows at all)
    at each frame, from its curve data's F-curves by data path: its bevel factor, and its bevel depth above
    0 (none before the water arrives)."""
    depth = curves.get("bevel_depth")
    shown = compat.sample_curve(depth, frames) > 1e-6 if depth else np.full(len(frames), True)
    return compat.sample_curve(curves["bevel_factor_end"], frames), shown


def make_water_standins(scene, frames: tuple[int, int]) -> list[tuple[object, object]]:
    """A keyed tube mesh in place of each growing curve, under the curve's name (the curve is renamed
    meanwhile); returns (stand-in, curve) pairs for remove_water_standins."""
    made: list = []
    try:
        for curve in growing_curves(scene):
            made.append(water_standin(scene, curve, np.arange(frames[0], frames[1] + 1)))
    except BaseException:
        remove_water_standins(made)
        raise
    return made


def water_standin(scene, curve, frame_list: np.ndarray) -> tuple[object, object]:
    """The keyed tube mesh of one growing curve (see make_water_standins)."""
    data = curve.data
    spline = data.splines[0]
    co = np.empty(len(spline.points) * 4, np.float32)
    spline.points.foreach_get("co", co)
    curves = {fc.data_path: fc for fc in compat.fcurves(data)}
    depth = curves.get("bevel_depth")
    radius = max(k.co[1] for k in depth.keyframe_points) if depth else data.bevel_depth
    basis, shapes, faces = growth_stages(co.reshape(-1, 4)[:, :3], radius, GROWTH_STAGES,
                                         cyclic=spline.use_cyclic_u)
    weights = stage_weights(*growth(curves, frame_list), GROWTH_STAGES)
    mesh = bpy.data.meshes.new(curve.name)
    obj = bpy.data.objects.new(mesh.name, mesh)  # named in full below, once the curve gives the name up
    try:
        mesh.from_pydata(basis.tolist(), [], faces)
        mesh.shade_smooth()
        for mat in data.materials:
            mesh.materials.append(mat)
        for coll in curve.users_collection or [scene.collection]:  # where the curve is, in each format's tree
            coll.objects.link(obj)
        obj.parent = curve.parent
        obj.matrix_world = curve.matrix_world
        obj.shape_key_add(name="Basis", from_mix=False)
        for k in range(GROWTH_STAGES + 1):
            key = obj.shape_key_add(name=f"grown_{k:02d}", from_mix=False)
            key.data.foreach_set("co", shapes[k].astype(np.float32).ravel())
            compat.write_curve(mesh.shape_keys, f'key_blocks["{key.name}"].value', frame_list, weights[:, k])
        name = curve.name
        curve.name = name + CURVE_SUFFIX
        obj.name = name
    except BaseException:
        _remove_mesh_object(obj)
        raise
    return obj, curve


def _remove_mesh_object(obj) -> None:
    """A stand-in object, its mesh, and its shape keys' action where nothing else uses it."""
    mesh = obj.data
    key = mesh.shape_keys
    action = key.animation_data.action if key is not None and key.animation_data else None
    bpy.data.objects.remove(obj)
    bpy.data.meshes.remove(mesh)
    if action is not None and action.users == 0:
        bpy.data.actions.remove(action)


def remove_water_standins(pairs: list) -> None:
    """Undo make_water_standins: the stand-ins gone, each curve under its own name again."""
    for obj, curve in pairs:
        name = obj.name
        _remove_mesh_object(obj)
        curve.name = name
