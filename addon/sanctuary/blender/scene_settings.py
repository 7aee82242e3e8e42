"""Scene-wide settings a build owns: clock, beat and shot markers, colour, active camera.

Applied only when a build swaps in; `capture` keeps what they were so a build
that fails after that puts them back.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

import bpy

from ..core.story import timeline as tl
from ..core.story.shots import ShotPlan
from . import names


def apply(scene, cfg: dict, plans: list[ShotPlan], cameras: list, world) -> None:
    """The film's clock, a marker per beat and per shot (binding its camera), the world, the first camera,
    and the shot list and beats as scene properties (exporters carry them)."""
    timeline = cfg["timeline"]
    fps = timeline["fps"]
    first, last = tl.frame_range(timeline)
    scene.render.fps = fps
    scene.render.fps_base = 1.0
    scene.frame_start, scene.frame_end = first, last
    scene.frame_current = first
    scene.world = world

    remove_markers(scene)
    added = []
    for beat in tl.beat_spans(timeline):
        m = scene.timeline_markers.new(f"beat {beat.name}", frame=tl.to_frame(beat.start, fps))
        added.append(m.name)
    for plan, cam in zip(plans, cameras):
        m = scene.timeline_markers.new(f"shot {plan.name}", frame=plan.frame_start)
        m.camera = cam
        added.append(m.name)
    scene[names.SCENE_MARKERS] = added
    scene.camera = cameras[0] if cameras else None

    # Exporters (glTF extras, USD metadata) carry these; glTF has no camera switching.
    scene[names.SCENE_SHOTS] = json.dumps([
        {"name": p.name, "camera": c.name, "frame_start": p.frame_start, "frame_end": p.frame_end,
         "move": p.move, "subject": p.subject} for p, c in zip(plans, cameras)])
    scene[names.SCENE_BEATS] = json.dumps([
        {"name": b.name, "start": b.start, "end": b.end, "frame_start": tl.to_frame(b.start, fps)}
        for b in tl.beat_spans(timeline)])


def remove_markers(scene) -> None:
    ours = set(scene.get(names.SCENE_MARKERS, ()))
    for m in [m for m in scene.timeline_markers if m.name in ours]:
        scene.timeline_markers.remove(m)


def view_shot(scene, name: str) -> bool:
    """Look through a built shot: its camera active, the preview range and the playhead on its frames."""
    shots = {s["name"]: s for s in json.loads(scene.get(names.SCENE_SHOTS, "[]"))}
    shot = shots.get(name)
    camera = bpy.data.objects.get(shot["camera"]) if shot else None
    if camera is None:
        return False
    scene.camera = camera
    scene.use_preview_range = True
    scene.frame_preview_start, scene.frame_preview_end = shot["frame_start"], shot["frame_end"]
    scene.frame_current = shot["frame_start"]
    return True



@dataclass
class SceneState:
    """What apply_stage and a build's swap change in a scene, as it was before."""

    clock: tuple
    world: object
    camera: object
    markers: list  # (name, frame, camera, select) of the markers the last build added
    props: dict

    def restore(self, scene) -> None:
        (scene.render.fps, scene.render.fps_base, scene.frame_start, scene.frame_end,
         scene.frame_current) = self.clock
        scene.world, scene.camera = self.world, self.camera
        remove_markers(scene)
        for name, frame, camera, select in self.markers:
            m = scene.timeline_markers.new(name, frame=frame)
            m.camera, m.select = camera, select
        for key in names.SCENE_PROPS:
            if key in self.props:
                scene[key] = self.props[key]
            elif key in scene:
                del scene[key]


def capture(scene) -> SceneState:
    r = scene.render
    ours = set(scene.get(names.SCENE_MARKERS, ()))
    return SceneState((r.fps, r.fps_base, scene.frame_start, scene.frame_end, scene.frame_current), scene.world,
                      scene.camera, [(m.name, m.frame, m.camera, m.select) for m in scene.timeline_markers
                                     if m.name in ours],
                      {k: _plain(scene[k]) for k in names.SCENE_PROPS if k in scene})


def _plain(value):
    """An ID property's value as plain Python (lists of names come back as ID property arrays)."""
    if hasattr(value, "to_list"):
        return value.to_list()
    return list(value) if not isinstance(value, (str, int, float)) else value
