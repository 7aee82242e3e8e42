"""One build: the scene's plan in, one collection of Blender data out, atomically.

A build is a table of stages (`STAGES`), each making its part of the scene
from the plan into a fresh, unlinked collection (the compositor's look
included). A retime ("Apply Timeline") runs the same table, less the stages
the timeline does not drive (the forest), under a temporary token.

Only when every stage has succeeded is the result swapped in: the previous
build (or, in a retime, its story parts) is unlinked but kept, the new data
linked, the scene settings and the look applied and the result described. If
anything in the swap fails, the previous build and the scene's settings are
put back and the new data removed; only when all of it succeeded is the
previous data deleted. Either way a build that raises leaves the scene
exactly as it was.
"""
from __future__ import annotations

import hashlib
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable

import bpy
import numpy as np

from ..config.errors import ConfigError
from ..config.overrides import assignments
from ..core.plan import ScenePlan
from . import compat, datablocks, names, scene_settings
from .cameras import build_cameras
from .clearing import build_clearing
from .fingerprint import fingerprint
from .forest import ForestData, build_forest, key_seconds
from .ground import build_ground
from .look import Look, attach_look, build_look
from .sky import build_sky
from .tending import build_tending


@dataclass
class BuildResult:
    collection: str
    fingerprint: str
    counts: dict
    timings: dict = field(default_factory=dict)


@dataclass
class Build:
    """What a build's stages share: the plan, the owner of the data they make, and what they made."""

    plan: ScenePlan
    owner: datablocks.Owner
    floor: Any = None
    forest: ForestData | None = None
    world: Any = None
    cameras: list = field(default_factory=list)
    look: Look | None = None


@dataclass(frozen=True)
class Stage:
    name: str
    make: Callable[[Build], object]
    story: bool  # made again by a retime: the timeline drives it


def _ground(b: Build):
    (b.floor,) = build_ground(b.plan.cfg, b.owner)


def _forest(b: Build):
    b.forest = build_forest(b.plan.cfg, b.owner, b.plan.forest)


def _clearing(b: Build):
    build_clearing(b.plan.cfg, b.owner, b.floor.data.materials[0], b.plan.response, b.plan.shots, b.forest.trunks)


def _tending(b: Build):
    build_tending(b.plan.cfg, b.owner, b.plan.schedule, b.plan.response, b.forest.fallen_mesh)


def _sky(b: Build):
    _, b.world = build_sky(b.plan.cfg, b.owner, b.plan)


def _cameras(b: Build):
    b.cameras = build_cameras(b.plan.shots, b.owner, b.plan.fps)


def _look(b: Build):
    seconds, sky = b.plan.sky
    b.look = build_look(b.owner, b.plan.cfg, b.plan.shots, b.cameras, sky, seconds)


# The stages of a build, in the order they run. The plan's parts (shots, response, schedule) are
# stages of their own, so progress and timings show where the time goes.
STAGES = (
    Stage("shots", lambda b: b.plan.shots, story=True),
    Stage("ground", _ground, story=True),  # cheap, and it carries the frost on its material
    Stage("forest", _forest, story=False),  # a retime keeps it; only its drip clock is re-keyed
    Stage("response", lambda b: b.plan.response, story=True),
    Stage("clearing", _clearing, story=True),
    Stage("schedule", lambda b: b.plan.schedule, story=True),
    Stage("tending", _tending, story=True),
    Stage("sky", _sky, story=True),
    Stage("cameras", _cameras, story=True),
    Stage("look", _look, story=True),
)
STORY = tuple(s.name for s in STAGES if s.story)
# What progress counts: every stage, then the swap.
STAGE_NAMES = tuple(s.name for s in STAGES) + ("commit",)


def run_stages(build: Build, stages, timings: dict, on_stage=None) -> None:
    """Run the stages in order, each timed, each tagging what it makes with its name."""
    for stage in stages:
        if on_stage is not None:
            on_stage(stage.name)
        build.owner.stage = stage.name
        t0 = time.perf_counter()
        stage.make(build)
        timings[stage.name] = round(time.perf_counter() - t0, 4)


def build_name(cfg: dict) -> str:
    return f"Sanctuary {cfg['meta']['name']} seed {cfg['seed']}"


def build_scene(plan: ScenePlan, scene=None, on_stage=None) -> BuildResult:
    """The whole scene. on_stage(name) is called as each stage begins (for progress)."""
    scene = scene or bpy.context.scene
    cfg = plan.cfg
    b = Build(plan, datablocks.Owner(build_name(cfg)))
    timings: dict = {}
    try:
        run_stages(b, STAGES, timings, on_stage)
        check_animation(b.owner.token)
        _remember_forest(b.owner.collection, cfg, plan)
    except BaseException:
        datablocks.remove_build(b.owner.token)
        raise
    old = datablocks.current_root(scene)
    old_token = old.get(names.TOKEN) if old is not None else None

    def swap_in():
        if old is not None:
            scene.collection.children.unlink(old)
        scene.collection.children.link(b.owner.collection)

    def swap_back():
        if b.owner.collection.name in scene.collection.children:
            scene.collection.children.unlink(b.owner.collection)
        if old is not None and old.name not in scene.collection.children:
            scene.collection.children.link(old)

    def discard_old():
        if old_token is not None:
            datablocks.remove_build(old_token)

    result = _swap(scene, b, timings, on_stage, (swap_in, swap_back, discard_old))
    result.timings = {**timings, **result.timings}
    return result


def _swap(scene, b: Build, timings: dict, on_stage, move) -> BuildResult:
    """Swap the new build in, apply the scene settings and the look, describe the result.

    move: (swap_in, swap_back, discard_old). On any error everything is put
    back as it was, the new build's data is removed, and the error re-raised.
    """
    swap_in, swap_back, discard_old = move
    state = scene_settings.capture(scene)
    undo_look = None
    try:
        if on_stage is not None:
            on_stage("commit")
        t0 = time.perf_counter()
        swap_in()
        _commit(scene, b)
        commit_look, undo_look = attach_look(scene, b.look)
        timings["commit"] = round(time.perf_counter() - t0, 4)
        result = describe(scene, b.owner.collection)
    except BaseException:
        if undo_look is not None:
            undo_look()
        swap_back()
        state.restore(scene)
        datablocks.remove_build(b.owner.token)
        raise
    commit_look()
    discard_old()
    datablocks.reclaim_names(b.owner.token)
    result.collection = b.owner.collection.name
    return result


def _commit(scene, b: Build) -> None:
    """The scene's clock, markers, camera and world for the new build; what exporters read."""
    scene_settings.apply(scene, b.plan.cfg, b.plan.shots, b.cameras, b.world)
    scene[names.SCENE_EVENTS] = json.dumps(b.plan.schedule.events)
    scene[names.SCENE_BUILD] = b.owner.token


def check_animation(token: str) -> None:
    """Every F-curve the build wrote must animate something on this Blender.

    An F-curve on a path this version does not have (5.2 moved geometry-nodes
    modifier inputs) is created without complaint and silently animates
    nothing; fail the build instead. Raises compat.AnimationPathError.
    """
    owned = datablocks.owned_by(token)
    # Materials and worlds keep their node trees (and those trees' F-curves) inside them.
    for id_data in owned + [i.node_tree for i in owned if getattr(i, "node_tree", None) is not None]:
        stale = compat.unresolved_fcurves(id_data)
        if stale:
            raise compat.AnimationPathError(f"{id_data.name}: F-curves that animate nothing on Blender "
                                            f"{bpy.app.version_string}: {', '.join(stale)}")


# What the forest stage reads: a retime may change anything else (tests/blender/test_build.py checks
# that the forest reads no other key). The drip clock follows the timeline and is re-keyed; the camera
# paths it was cleared for are compared (a warning: Build to clear the forest for new ones).
FOREST_KEYS = ("seed", "forest", "leaves", "ground", "clearing")


def _corridor_hash(plan: ScenePlan) -> str:
    return hashlib.sha256(np.round(plan.corridors, 4).tobytes()).hexdigest()[:16]


def _remember_forest(root, cfg: dict, plan: ScenePlan) -> None:
    root[names.GROWN_FROM] = json.dumps({k: cfg[k] for k in FOREST_KEYS}, sort_keys=True)
    root[names.TREE_XY] = [float(v) for v in np.asarray(plan.tree_xy, dtype=np.float64).ravel()]
    root[names.CORRIDORS] = _corridor_hash(plan)


def retime_scene(cfg: dict, scene=None, on_stage=None) -> tuple[BuildResult, list[str]]:
    """Apply the timeline (beats, acts, shots, heart, sky, look) to the built scene, keeping its forest.

    The story stages run again under a temporary token and are swapped in only
    when all of them succeeded (the old parts unlinked, kept until the end, put
    back on any error); the forest's drip clock is re-keyed to the new film
    length. The result equals a full build of the same preset, except that a
    forest grown around the old camera paths is not re-cleared for new ones
    (returned as a warning). Raises ConfigError if a key the forest was grown
    from changed: that needs a Build.
    """
    scene = scene or bpy.context.scene
    root = datablocks.current_root(scene)
    if root is None or names.GROWN_FROM not in root:
        raise ConfigError("Apply Timeline", "", "no build of this version in the scene yet: Build first")
    grown = json.loads(root[names.GROWN_FROM])
    changed = assignments(grown, {k: cfg[k] for k in FOREST_KEYS})
    if changed:
        key = changed[0].split("=", 1)[0]
        raise ConfigError("Apply Timeline", key, "changed since the forest was built: Build to apply it")
    old_token = root[names.TOKEN]
    kept = datablocks.owned_by(old_token, {"forest"})
    fallen_mesh = next(i for i in kept if isinstance(i, bpy.types.Mesh) and names.base(i.name) == names.FALLEN_SHAPE_0)
    leaves = next((i for i in kept if isinstance(i, bpy.types.Object) and names.base(i.name) == names.LEAVES), None)
    trunks = tuple(i for i in kept if isinstance(i, bpy.types.Object) and names.is_tree(i.name))
    plan = ScenePlan(cfg, tree_xy=np.array(root[names.TREE_XY], dtype=np.float64))

    # New data waits under its own token until all of it exists.
    b = Build(plan, datablocks.Owner("", collection=root, token=uuid.uuid4().hex),
              forest=ForestData(plan.tree_xy, fallen_mesh, trunks))
    timings: dict = {}
    try:
        run_stages(b, [s for s in STAGES if s.story], timings, on_stage)
        check_animation(b.owner.token)
    except BaseException:
        datablocks.remove_build(b.owner.token)
        raise
    old_parts = _Detached(datablocks.owned_by(old_token, STORY), root)
    clock = _Keys(leaves) if leaves is not None else None

    def swap_in():
        old_parts.detach()
        if leaves is not None:  # none when the forest has no leaves
            b.owner.stage = "forest"
            key_seconds(b.owner, leaves, cfg["timeline"])
            leaves.animation_data.action[names.TOKEN] = old_token

    def swap_back():
        if clock is not None:
            clock.restore()
        old_parts.attach()

    def discard_old():
        datablocks.remove_build(old_token, STORY)
        for id_data in datablocks.owned_by(b.owner.token):
            id_data[names.TOKEN] = old_token
        b.owner.token = old_token

    result = _swap(scene, b, timings, on_stage, (swap_in, swap_back, discard_old))
    result.timings = {**timings, **result.timings}
    warnings = []
    if _corridor_hash(plan) != root[names.CORRIDORS]:
        warnings.append("the camera paths moved: the forest was cleared for the old ones; Build to clear it "
                        "for the new ones")
    return result, warnings


class _Detached:
    """A retime's old parts, unlinked from the build (kept) until the new ones have swapped in."""

    def __init__(self, ids: list, root):
        self.objects = [(o, list(o.users_collection)) for o in ids if isinstance(o, bpy.types.Object)]
        own = {c for c in ids if isinstance(c, bpy.types.Collection)}
        parents = [root, *root.children_recursive]
        self.collections = [(c, [p for p in parents if c.name in p.children]) for c in own]

    def detach(self) -> None:
        for obj, colls in self.objects:
            for c in colls:
                if obj.name in c.objects:
                    c.objects.unlink(obj)
        for coll, parents in self.collections:
            for p in parents:
                if coll.name in p.children:
                    p.children.unlink(coll)

    def attach(self) -> None:
        for coll, parents in self.collections:
            for p in parents:
                if coll.name not in p.children:
                    p.children.link(coll)
        for obj, colls in self.objects:
            for c in colls:
                if obj.name not in c.objects:
                    c.objects.link(obj)


class _Keys:
    """The keyframes of an object's F-curves, to put back."""

    def __init__(self, obj):
        self.obj = obj
        self.saved = {(fc.data_path, fc.array_index): [(k.co[:], k.interpolation) for k in fc.keyframe_points]
                      for fc in compat.fcurves(obj)}

    def restore(self) -> None:
        for fc in compat.fcurves(self.obj):
            keys = self.saved.get((fc.data_path, fc.array_index))
            if keys is None:
                continue
            fc.keyframe_points.clear()
            fc.keyframe_points.add(len(keys))
            for kp, (co, interp) in zip(fc.keyframe_points, keys):
                kp.co, kp.interpolation = co, interp
            fc.update()


def describe(scene, collection) -> BuildResult:
    """Fingerprint and counts of the build in this scene (also after loading a .blend)."""
    t0 = time.perf_counter()
    fp = fingerprint(scene, collection)
    t1 = time.perf_counter()
    counts = count(scene, collection)
    t2 = time.perf_counter()
    return BuildResult(collection.name, fp, counts, {"fingerprint": round(t1 - t0, 4), "count": round(t2 - t1, 4)})


def count(scene, collection) -> dict:
    objects = list(collection.all_objects)
    depsgraph = bpy.context.evaluated_depsgraph_get()
    instances = sum(1 for inst in depsgraph.object_instances if inst.is_instance)
    by_type: dict[str, int] = {}
    for obj in objects:
        by_type[obj.type.lower()] = by_type.get(obj.type.lower(), 0) + 1
    owned = datablocks.owned_by(collection.get(names.TOKEN, ""))
    return {
        "objects": len(objects),
        "instances": instances,
        "by_type": dict(sorted(by_type.items())),
        "datablocks": len(owned),
        "frames": [scene.frame_start, scene.frame_end],
        "markers": len(scene.timeline_markers),
    }
