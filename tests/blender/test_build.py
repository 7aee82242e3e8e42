"""Builds in Blender: idempotent, atomic, owning only their own data."""
import pytest

bpy = pytest.importorskip("bpy")

from sanctuary import jobs  # noqa: E402
from sanctuary.blender import build as build_module  # noqa: E402
from sanctuary.blender import compat, datablocks, names, scene_settings  # noqa: E402
from sanctuary.config import presets  # noqa: E402

KINDS = ("objects", "meshes", "materials", "node_groups", "actions", "images", "worlds", "cameras", "lights",
         "collections")


def counts():
    return {k: len(getattr(bpy.data, k)) for k in KINDS}


SKETCH = "sketch"  # the small shipped preset: every stage, a fraction of the trees


@pytest.fixture(scope="module")
def loaded():
    return presets.load_scene(SKETCH)


def test_building_three_times_equals_building_once(fresh_bpy, loaded):
    first = jobs.build(loaded)
    once = counts()
    markers = len(bpy.context.scene.timeline_markers)
    for _ in range(2):
        again = jobs.build(loaded)
    assert counts() == once
    assert len(bpy.context.scene.timeline_markers) == markers
    assert again["fingerprint"] == first["fingerprint"]
    assert once["objects"] == first["counts"]["objects"]


def test_rebuild_leaves_the_artists_own_data_alone(fresh_bpy, loaded):
    mesh = bpy.data.meshes.new("my_rock")
    rock = bpy.data.objects.new("my_rock", mesh)
    bpy.context.scene.collection.objects.link(rock)
    bpy.context.scene.timeline_markers.new("my note", frame=5)
    jobs.build(loaded)
    jobs.build(presets.load_scene(SKETCH, seed=3))
    assert bpy.data.objects.get("my_rock") is rock
    assert "my note" in [m.name for m in bpy.context.scene.timeline_markers]


def test_failed_build_leaves_the_scene_as_it_was(fresh_bpy, loaded, monkeypatch):
    before = jobs.build(loaded)
    snapshot = counts()
    markers = [(m.name, m.frame) for m in bpy.context.scene.timeline_markers]

    def broken(*args, **kw):
        raise RuntimeError("stage failed half way")

    monkeypatch.setattr(build_module, "build_cameras", broken)
    with pytest.raises(RuntimeError):
        jobs.build(presets.load_scene(SKETCH, seed=11))
    assert counts() == snapshot
    assert [(m.name, m.frame) for m in bpy.context.scene.timeline_markers] == markers
    assert jobs.describe_open_scene()["fingerprint"] == before["fingerprint"]


def test_every_f_curve_of_a_build_animates_something(fresh_bpy, loaded, monkeypatch):
    """On every Blender the build's F-curves resolve; an F-curve on a path this version lacks
    (the other side of 5.2's move of modifier inputs) fails the build and changes nothing."""
    before = jobs.build(loaded)
    root = datablocks.current_root(bpy.context.scene)
    owned = datablocks.owned_by(root[names.TOKEN])
    animated = [i for i in owned + [m.node_tree for m in owned if getattr(m, "node_tree", None)]
                if compat.fcurves(i)]
    assert len(animated) >= 10 and all(compat.unresolved_fcurves(i) == [] for i in animated)
    snapshot = counts()

    real = compat.modifier_input_path

    def other_versions_path(mod, name):
        path = real(mod, name)
        ident = compat._group_input_identifier(mod.node_group, name)
        head = path.split("]", 1)[0] + "]"
        return f'{head}["{ident}"]' if ".properties." in path else f"{head}.properties.inputs.{ident}.value"

    monkeypatch.setattr(compat, "modifier_input_path", other_versions_path)
    with pytest.raises(compat.AnimationPathError, match="does not resolve"):
        jobs.build(presets.load_scene(SKETCH, seed=11))
    assert counts() == snapshot
    assert jobs.describe_open_scene()["fingerprint"] == before["fingerprint"]


def test_fingerprint_follows_seed_and_values(fresh_bpy, loaded):
    base = jobs.build(loaded)["fingerprint"]
    assert jobs.build(presets.load_scene(SKETCH, seed=8))["fingerprint"] != base
    assert jobs.build(presets.load_scene(SKETCH, overrides=["shots[3].fstop=4.0"]))["fingerprint"] != base
    assert jobs.build(presets.load_scene(SKETCH, overrides=["ground.color=[0.1, 0.1, 0.1]"]))["fingerprint"] != base
    assert jobs.build(loaded)["fingerprint"] == base


def test_markers_name_beats_and_bind_shot_cameras(fresh_bpy, loaded):
    jobs.build(loaded)
    scene = bpy.context.scene
    shots = {m.name: m for m in scene.timeline_markers if m.name.startswith("shot ")}
    beats = [m.name for m in scene.timeline_markers if m.name.startswith("beat ")]
    assert len(beats) == 8 and len(shots) == len(loaded.data["shots"])
    for shot in loaded.data["shots"]:
        marker = shots[f"shot {shot['name']}"]
        assert marker.camera is not None and marker.camera["sanctuary_shot"] == shot["name"]
    assert scene.frame_start == 1 and scene.frame_end == 1440


def test_cameras_are_keyframed(fresh_bpy, loaded):
    jobs.build(loaded)
    cam = bpy.data.objects["shot_the_approach"]
    paths = {fc.data_path for fc in compat.fcurves(cam)}
    assert {"location", "rotation_euler"} <= paths
    assert "dof.focus_distance" in {fc.data_path for fc in compat.fcurves(cam.data)}
    scene = bpy.context.scene
    scene.frame_set(scene.timeline_markers["shot the_approach"].frame)
    start = cam.matrix_world.translation.copy()
    scene.frame_set(scene.timeline_markers["shot heart_close"].frame - 1)
    assert (cam.matrix_world.translation - start).length > 3.0  # the push-in moves


def test_every_owned_id_is_removed_with_its_build(fresh_bpy, loaded):
    jobs.build(loaded)
    root = datablocks.current_root(bpy.context.scene)
    token = root[names.TOKEN]
    assert datablocks.owned_by(token)
    jobs.build(loaded)
    assert datablocks.owned_by(token) == []


def scene_state():
    """Everything of the scene a build touches, as plain values (names without copy suffixes)."""
    import re


    scene = bpy.context.scene
    plain = re.compile(r"\.\d{3}$")
    compositor = compat.compositor_tree(scene, create=False)
    return {
        "data": counts(),
        "names": sorted(plain.sub("", o.name) for o in bpy.data.objects),
        "linked": sorted(c.name for c in scene.collection.children),
        "root_objects": sorted(o.name for o in datablocks.current_root(scene).all_objects),
        "clock": (scene.frame_start, scene.frame_end, scene.frame_current, scene.render.fps),
        "camera": scene.camera.name if scene.camera else None,
        "world": scene.world.name if scene.world else None,
        "markers": sorted((m.name, m.frame, m.camera.name if m.camera else "") for m in scene.timeline_markers),
        "props": {k: str(scene.get(k)) for k in names.SCENE_PROPS},
        "view": (scene.view_settings.view_transform, scene.view_settings.look, scene.view_settings.exposure),
        "compositor": sorted((n.bl_idname, getattr(getattr(n, "node_tree", None), "name", "")) for n in compositor.nodes),
        "look": [sorted(n.bl_idname for n in g.nodes) for g in compat.compositor_groups(scene)],
        "fingerprint": jobs.describe_open_scene()["fingerprint"],
    }


# Every step of a build's or retime's swap, and what those steps call, in turn: (module, function).
LATE = [(build_module, "build_look"), (build_module, "attach_look"), (scene_settings, "apply"),
        (build_module, "_commit"), (build_module, "describe"), (build_module, "fingerprint"),
        (build_module, "count")]


@pytest.mark.slow  # 18 builds and retimes
@pytest.mark.parametrize("job, where", [("build", w) for w in (*LATE, (build_module, "_remember_forest"))] +
                         [("retime", w) for w in (*LATE, (build_module, "key_seconds"))],
                         ids=lambda v: v if isinstance(v, str) else v[1])
def test_a_build_or_retime_failing_at_any_late_step_changes_nothing(fresh_bpy, loaded, monkeypatch, job, where):
    module, step = where
    other = presets.load_scene(SKETCH, overrides=("timeline.beats.forest=9", "render.exposure=0.7",
                                                  "render.look=\"punchy\""))
    jobs.build(loaded)
    before = scene_state()

    def broken(*args, **kw):
        raise RuntimeError(f"{step} failed")

    monkeypatch.setattr(module, step, broken)
    if step in ("fingerprint", "count"):
        monkeypatch.setattr(build_module, "describe", lambda scene, coll: build_module.BuildResult(
            "", build_module.fingerprint(scene, coll), build_module.count(scene, coll)))
    with pytest.raises(RuntimeError, match=f"{step} failed"):
        (jobs.build if job == "build" else jobs.retime)(other)
    monkeypatch.undo()
    assert scene_state() == before
    # And the scene still builds and retimes as if nothing had happened.
    assert jobs.retime(other)["fingerprint"] == jobs.build(other)["fingerprint"]


class Reading(dict):
    """A preset that notes which of its top-level keys are read."""

    def __init__(self, data: dict, seen: set):
        super().__init__(data)
        self.seen = seen

    def __getitem__(self, key):
        self.seen.add(key)
        return super().__getitem__(key)

    def get(self, key, default=None):
        self.seen.add(key)
        return super().get(key, default)


def test_the_forest_reads_exactly_the_keys_a_retime_may_not_change(fresh_bpy, loaded):
    """FOREST_KEYS is what Apply Timeline refuses to change: the forest stage (the plan's growth and the
    Blender forest) must read exactly those, besides the timeline for its drip clock, which is re-keyed."""
    from sanctuary.blender.forest import build_forest
    from sanctuary.core.plan import ScenePlan
    from sanctuary.core.world.trees import grow_forest

    seen: set = set()
    cfg = Reading(loaded.data, seen)
    owner = datablocks.Owner("probe")
    try:
        build_forest(cfg, owner, grow_forest(cfg, ScenePlan(loaded.data).corridors))
    finally:
        datablocks.remove_build(owner.token)
    assert seen - {"timeline"} == set(build_module.FOREST_KEYS)
