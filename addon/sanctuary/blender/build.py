"""One build: preset in, one collection of Blender data out, atomically.

Stages make data into a fresh, unlinked collection (the compositor's look
included). Only when every stage has succeeded is it swapped in: the previous
build is unlinked (kept), the new collection linked, the scene settings and the
look applied and the result described. If anything in the swap fails, the
previous build and the scene's settings are put back and the new data removed;
only when all of it succeeded is the previous build deleted. Either way a build
that raises leaves the scene exactly as it was.
"""
from __future__ import annotations

import hashlib
import json
import re
import time
import uuid
from dataclasses import dataclass, field

import bpy
import numpy as np

from ..core.errors import ConfigError
from ..core.overrides import assignments
from ..core.presets import Loaded
from ..core.shots import camera_corridors, plan_shots
from ..core.tending import respond, schedule
from . import compat, datablocks, stage
from .cameras import build_cameras
from .fingerprint import fingerprint
from .clearing import build_clearing
from .forest import build_forest, key_seconds
from .ground import build_ground
from .look import attach_look, build_look
from .sky import build_sky
from .stage import apply_stage
from .tending import build_tending, events_json


@dataclass
class BuildResult:
    collection: str
    fingerprint: str
    counts: dict
    timings: dict = field(default_factory=dict)


# The stages of a build, in the order they run (a retime runs a subset): progress counts them.
STAGES = ("shots", "ground", "forest", "response", "clearing", "schedule", "tending", "sky", "cameras", "look",
          "commit")


class Timer:
    """Runs the stages, times them, and tags what each makes with its name."""

    def __init__(self, owner=None, on_stage=None):
        self.timings: dict[str, float] = {}
        self.owner, self.on_stage = owner, on_stage

    def __call__(self, name: str, fn, *args):
        if self.on_stage is not None:
            self.on_stage(name)
        if self.owner is not None:
            self.owner.stage = name
        t0 = time.perf_counter()
        out = fn(*args)
        self.timings[name] = round(time.perf_counter() - t0, 4)
        return out


def build_name(loaded: Loaded) -> str:
    return f"Sanctuary {loaded.data['meta']['name']} seed {loaded.data['seed']}"


def build_scene(loaded: Loaded, scene=None, on_stage=None) -> BuildResult:
    """The whole scene. on_stage(name) is called as each stage begins (for progress)."""
    scene = scene or bpy.context.scene
    cfg = loaded.data
    owner = datablocks.Owner(build_name(loaded))
    timer = Timer(owner, on_stage)
    try:
        plans = timer("shots", plan_shots, cfg)
        (floor,) = timer("ground", build_ground, cfg, owner)
        forest = timer("forest", build_forest, cfg, owner, plans)
        acts, world, cameras = _story(cfg, owner, timer, plans, floor, forest.tree_xy, forest.fallen_mesh)
        check_animation(owner.token)
        _remember_forest(owner.collection, cfg, forest.tree_xy, plans)
        events = events_json(acts)
        look = timer("look", build_look, owner, cfg)
    except BaseException:
        datablocks.remove_build(owner.token)
        raise
    old = datablocks.current_root(scene)
    old_token = old.get(datablocks.TOKEN) if old is not None else None

    def link():
        if old is not None:
            scene.collection.children.unlink(old)
        scene.collection.children.link(owner.collection)

    def unlink():
        if owner.collection.name in scene.collection.children:
            scene.collection.children.unlink(owner.collection)
        if old is not None and old.name not in scene.collection.children:
            scene.collection.children.link(old)

    def discard():
        if old_token is not None:
            datablocks.remove_build(old_token)

    result = _swap(scene, owner, timer, cfg, plans, cameras, world, events, look, (link, unlink, discard))
    result.timings = {**timer.timings, **result.timings}
    return result


def _swap(scene, owner, timer: Timer, cfg, plans, cameras, world, events: str, look, move) -> BuildResult:
    """Swap the new build in, apply the scene settings and the look, describe the result.

    move: (swap_in, swap_back, discard_old). On any error everything is put
    back as it was, the new build's data is removed, and the error re-raised.
    """
    swap_in, swap_back, discard_old = move
    state = stage.capture(scene)
    undo_look = None
    try:
        swap_in()
        timer("commit", _commit, scene, owner, cfg, plans, cameras, world, events)
        commit_look, undo_look = attach_look(scene, look)
        result = describe(scene, owner.collection)
    except BaseException:
        if undo_look is not None:
            undo_look()
        swap_back()
        state.restore(scene)
        datablocks.remove_build(owner.token)
        raise
    commit_look()
    discard_old()
    datablocks.reclaim_names(owner.token)
    result.collection = owner.collection.name
    return result


def _story(cfg: dict, owner, timer: Timer, plans, floor, tree_xy, fallen_mesh) -> tuple:
    """The stages the timeline drives: heart, pedestal and frost, the tending, the sky, the cameras."""
    response = timer("response", respond, cfg)
    timer("clearing", build_clearing, cfg, owner, floor.data.materials[0], response, plans)
    acts = timer("schedule", schedule, cfg, tree_xy)
    timer("tending", build_tending, cfg, owner, acts, response, fallen_mesh)
    _, world = timer("sky", build_sky, cfg, owner, response)
    cameras = timer("cameras", build_cameras, plans, owner, cfg["timeline"]["fps"])
    return acts, world, cameras


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


# What the forest was grown from: a retime may change anything else.
FOREST_KEYS = ("seed", "forest", "leaves", "ground", "clearing")
# Stages a retime makes again. The ground is cheap and carries the frost on its
# material; the forest stays, only its drip clock is re-keyed.
RETIMED = ("ground", "clearing", "tending", "sky", "cameras", "look")
GROWN_FROM, TREE_XY, CORRIDORS = "sanctuary_grown_from", "sanctuary_tree_xy", "sanctuary_corridors"


def _base_name(id_data) -> str:
    """"mercury_leaves.001" (a second build in the file) -> "mercury_leaves"."""
    return re.sub(r"\.\d{3}$", "", id_data.name)


def _corridor_hash(plans) -> str:
    return hashlib.sha256(np.round(camera_corridors(plans), 4).tobytes()).hexdigest()[:16]


def _remember_forest(root, cfg: dict, tree_xy, plans) -> None:
    root[GROWN_FROM] = json.dumps({k: cfg[k] for k in FOREST_KEYS}, sort_keys=True)
    root[TREE_XY] = [float(v) for v in np.asarray(tree_xy, dtype=np.float64).ravel()]
    root[CORRIDORS] = _corridor_hash(plans)


def retime_scene(loaded: Loaded, scene=None, on_stage=None) -> tuple[BuildResult, list[str]]:
    """Apply the timeline (beats, acts, shots, heart, sky, look) to the built scene, keeping its forest.

    Everything the timeline keys is made again under a temporary token and
    swapped in only when all of it succeeded (the old parts unlinked, kept
    until the end, put back on any error); the forest's drip clock is re-keyed
    to the new film length. The result equals a full build of the same preset,
    except that a forest grown around the old camera paths is not re-cleared
    for new ones (returned as a warning). Raises ConfigError if a key the forest
    was grown from changed: that needs a Build.
    """
    scene = scene or bpy.context.scene
    cfg = loaded.data
    root = datablocks.current_root(scene)
    if root is None or GROWN_FROM not in root:
        raise ConfigError("Apply Timeline", "", "no build of this version in the scene yet: Build first")
    grown = json.loads(root[GROWN_FROM])
    changed = assignments(grown, {k: cfg[k] for k in FOREST_KEYS})
    if changed:
        key = changed[0].split("=", 1)[0]
        raise ConfigError("Apply Timeline", key, "changed since the forest was built: Build to apply it")
    old_token = root[datablocks.TOKEN]
    kept = datablocks.owned_by(old_token, {"forest"})
    fallen_mesh = next(i for i in kept if isinstance(i, bpy.types.Mesh) and _base_name(i) == "fallen_shape_0")
    tree_xy = np.array(root[TREE_XY], dtype=np.float64).reshape(-1, 2)
    leaves = next((i for i in kept if isinstance(i, bpy.types.Object) and _base_name(i) == "mercury_leaves"), None)

    # New data waits under its own token until all of it exists.
    owner = datablocks.Owner("", collection=root, token=uuid.uuid4().hex)
    timer = Timer(owner, on_stage)
    try:
        plans = timer("shots", plan_shots, cfg)
        (floor,) = timer("ground", build_ground, cfg, owner)
        acts, world, cameras = _story(cfg, owner, timer, plans, floor, tree_xy, fallen_mesh)
        check_animation(owner.token)
        events = events_json(acts)
        look = timer("look", build_look, owner, cfg)
    except BaseException:
        datablocks.remove_build(owner.token)
        raise
    old_parts = _Detached(datablocks.owned_by(old_token, RETIMED), root)
    clock = _Keys(leaves) if leaves is not None else None

    def swap_in():
        old_parts.detach()
        if leaves is not None:  # none when the forest has no leaves
            owner.stage = "forest"
            key_seconds(owner, leaves, cfg["timeline"])
            leaves.animation_data.action[datablocks.TOKEN] = old_token

    def swap_back():
        if clock is not None:
            clock.restore()
        old_parts.attach()

    def discard_old():
        datablocks.remove_build(old_token, RETIMED)
        for id_data in datablocks.owned_by(owner.token):
            id_data[datablocks.TOKEN] = old_token
        owner.token = old_token

    result = _swap(scene, owner, timer, cfg, plans, cameras, world, events, look, (swap_in, swap_back, discard_old))
    result.timings = {**timer.timings, **result.timings}
    warnings = []
    if _corridor_hash(plans) != root[CORRIDORS]:
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


def _commit(scene, owner, cfg, plans, cameras, world, events: str) -> None:
    """The scene's clock, markers, camera and world for the new build; what exporters read."""
    apply_stage(scene, cfg, plans, cameras, world)
    scene["sanctuary_events"] = events
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
