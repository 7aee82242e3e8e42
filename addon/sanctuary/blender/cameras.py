"""One camera per shot, keyed along its path; markers switch between them."""
from __future__ import annotations

from ..core.story import timeline as tl
from ..core.story.shots import ShotPlan
from . import names
from .datablocks import Owner

SENSOR_WIDTH = 36.0  # full-frame, so lens millimetres mean what cinematographers expect


def build_cameras(plans: list[ShotPlan], owner: Owner, fps: int) -> list:
    coll = owner.child_collection("shots")
    cams = []
    for plan in plans:
        data = owner.new("cameras", names.shot_camera(plan.name))
        data.lens = plan.lens
        data.sensor_width = SENSOR_WIDTH
        data.clip_start = 0.05
        data.clip_end = 500.0
        data.dof.use_dof = True
        data.dof.aperture_fstop = plan.fstop
        cam = owner.object(names.shot_camera(plan.name), data, coll)
        cam.rotation_mode = "XYZ"
        for key in plan.keys:
            frame = float(tl.frame_at(key.seconds, fps))
            cam.location = key.location
            cam.rotation_euler = key.rotation
            data.dof.focus_distance = key.focus_distance
            owner.key(cam, "location", frame)
            owner.key(cam, "rotation_euler", frame)
            owner.key(data, "dof.focus_distance", frame)
        cam[names.SHOT] = plan.name
        cams.append(cam)
    return cams
