"""Drop stand-ins: the drops of the leaves nearest the heart as ordinary keyed objects,
made for an export and removed after it.

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
    return np.array([curve.evaluate(float(f)) for f in frames])


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
