"""One build: preset in, one collection of Blender data out, atomically.

Stages make data into a fresh, unlinked collection. Only when every stage has
succeeded does the build commit: the previous build's data is removed, the new
collection linked and the scene settings applied. A stage that raises leaves
the scene exactly as it was (its half-made data is removed).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import bpy

from ..core.presets import Loaded
from ..core.shots import plan_shots
from ..core.tending import respond, schedule
from . import datablocks
from .cameras import build_cameras
from .fingerprint import fingerprint
from .clearing import build_clearing
from .forest import build_forest
from .ground import build_ground
from .look import apply_look
from .sky import build_sky
from .stage import apply_stage
from .tending import build_tending, events_json


@dataclass
class BuildResult:
    collection: str
    fingerprint: str
    counts: dict
    timings: dict = field(default_factory=dict)


class Timer:
    def __init__(self):
        self.timings: dict[str, float] = {}

    def __call__(self, name: str, fn, *args):
        t0 = time.perf_counter()
        out = fn(*args)
        self.timings[name] = round(time.perf_counter() - t0, 4)
        return out


def build_name(loaded: Loaded) -> str:
    return f"Sanctuary {loaded.data['meta']['name']} seed {loaded.data['seed']}"


def build_scene(loaded: Loaded, scene=None) -> BuildResult:
    scene = scene or bpy.context.scene
    cfg = loaded.data
    timer = Timer()
    owner = datablocks.Owner(build_name(loaded))
    try:
        plans = timer("shots", plan_shots, cfg)
        response = timer("response", respond, cfg)
        (floor,) = timer("ground", build_ground, cfg, owner)
        forest = timer("forest", build_forest, cfg, owner, plans)
        timer("clearing", build_clearing, cfg, owner, floor.data.materials[0], response, plans)
        acts = timer("schedule", schedule, cfg, forest.tree_xy)
        timer("tending", build_tending, cfg, owner, acts, response, forest.fallen_mesh)
        _, world = timer("sky", build_sky, cfg, owner, response)
        cameras = timer("cameras", build_cameras, plans, owner, cfg["timeline"]["fps"])
    except BaseException:
        datablocks.remove_build(owner.token)
        raise
    timer("commit", _commit, scene, owner, cfg, plans, cameras, world)
    scene["sanctuary_events"] = events_json(acts)
    timer("look", apply_look, scene, owner, cfg)
    result = describe(scene, owner.collection)
    result.timings = {**timer.timings, **result.timings}
    return result


def _commit(scene, owner, cfg, plans, cameras, world) -> None:
    old = datablocks.current_root(scene)
    if old is not None:
        token = old.get(datablocks.TOKEN)
        scene.collection.children.unlink(old)
        datablocks.remove_build(token)
    scene.collection.children.link(owner.collection)
    datablocks.reclaim_names(owner.token)
    apply_stage(scene, cfg, plans, cameras, world)
    scene["sanctuary_build"] = owner.token


def describe(scene, collection) -> BuildResult:
    """Fingerprint and counts of the build in this scene (also after loading a .blend)."""
    timer = Timer()
    fp = timer("fingerprint", fingerprint, scene, collection)
    counts = timer("count", count, scene, collection)
    return BuildResult(collection.name, fp, counts, timer.timings)


def count(scene, collection) -> dict:
    objects = list(collection.all_objects)
    depsgraph = bpy.context.evaluated_depsgraph_get()
    instances = sum(1 for inst in depsgraph.object_instances if inst.is_instance)
    by_type: dict[str, int] = {}
    for obj in objects:
        by_type[obj.type.lower()] = by_type.get(obj.type.lower(), 0) + 1
    owned = datablocks.owned_by(collection.get(datablocks.TOKEN, ""))
    return {
        "objects": len(objects),
        "instances": instances,
        "by_type": dict(sorted(by_type.items())),
        "datablocks": len(owned),
        "frames": [scene.frame_start, scene.frame_end],
        "markers": len(scene.timeline_markers),
    }
