"""The forest in Blender: instanced leaves counted from the evaluated depsgraph, nothing realized."""
import numpy as np
import pytest

bpy = pytest.importorskip("bpy")

from sanctuary import jobs  # noqa: E402
from sanctuary.blender import compat  # noqa: E402
from sanctuary.config import presets  # noqa: E402


@pytest.fixture(scope="module")
def forest():
    jobs.new_file()
    loaded = presets.load_scene()
    info = jobs.build(loaded)
    return loaded, info


def instances_by_source(frame=None):
    scene = bpy.context.scene
    if frame is not None:
        scene.frame_set(frame)
    dg = bpy.context.evaluated_depsgraph_get()
    counts = {}
    for inst in dg.object_instances:
        if inst.is_instance:
            name = inst.object.data.name
            counts[name] = counts.get(name, 0) + 1
    return counts


def test_default_forest_has_150k_instanced_leaves_none_realized(forest):
    loaded, info = forest
    counts = instances_by_source()
    leaves = sum(n for name, n in counts.items() if name.startswith("leaf_shape_"))
    assert leaves == loaded.data["forest"]["leaves_per_tree"] * loaded.data["forest"]["tree_count"] >= 150_000
    assert sum(n for name, n in counts.items() if name.startswith("fallen_shape_")) == \
        loaded.data["leaves"]["fallen_count"]
    assert counts.get("mercury_drop", 0) > 1000
    assert info["counts"]["instances"] == sum(counts.values())
    # Nothing realized: the biggest mesh is a tree, not a sheet of leaves.
    assert max(len(m.polygons) for m in bpy.data.meshes) < 60_000
    trees = [o for o in bpy.data.objects if o.name.startswith("tree_")]
    assert len(trees) == loaded.data["forest"]["tree_count"]
    assert len({len(o.data.vertices) for o in trees}) > len(trees) // 2  # no two alike


def test_materials(forest):
    mercury = bpy.data.materials["mercury"].node_tree.nodes["Principled BSDF"]
    assert mercury.inputs["Metallic"].default_value == 1.0
    assert mercury.inputs["Roughness"].default_value <= 0.08
    assert mercury.inputs["Thin Film Thickness"].is_linked
    for name in ("bark", "fallen_leaf", "forest_floor"):
        assert bpy.data.materials.get(name) is not None
    assert all(o.data.materials[0].name == "bark" for o in bpy.data.objects if o.name.startswith("tree_"))


def test_drops_fall_between_frames_and_the_clock_is_keyed(forest):
    leaves = bpy.data.objects["mercury_leaves"]
    assert any(fc.data_path.startswith('modifiers["mercury_leaves"]') for fc in compat.fcurves(leaves))

    def drops(frame):
        bpy.context.scene.frame_set(frame)
        dg = bpy.context.evaluated_depsgraph_get()
        return np.array(sorted(tuple(np.round(inst.matrix_world.translation, 4)) for inst in dg.object_instances
                               if inst.is_instance and inst.object.data.name == "mercury_drop"))

    a, b = drops(10), drops(11)
    assert len(a) and len(b) and (len(a) != len(b) or not np.array_equal(a, b))


def test_sun_hue_cycles(forest):
    scene = bpy.context.scene
    sun = bpy.data.lights["kaleidoscopic_sun"]
    colors = []
    for frame in (1, 120, 240, 360):
        scene.frame_set(frame)
        colors.append(tuple(sun.color))
    assert len(set(colors)) == 4


def test_the_sun_and_sky_dim_to_dusk_by_the_sanctuary(forest):
    scene = bpy.context.scene
    sun, background = bpy.data.lights["kaleidoscopic_sun"], scene.world.node_tree.nodes["Background"]
    seen = {}
    for frame in (1104, scene.frame_end):
        scene.frame_set(frame)
        seen[frame] = (sun.energy, background.inputs["Strength"].default_value)
    day, dusk = seen[1104], seen[scene.frame_end]
    assert dusk[0] < 0.5 * day[0] and dusk[1] < 0.5 * day[1]


def test_the_drops_blender_draws_are_the_drip_core_computes(fresh_bpy):
    """The drip is written twice, in numpy (core.world.leaves.drop_state: sound, export stand-ins) and as
    the leaves' node graph: frame by frame, every visible drop Blender draws is where core puts it, as big."""
    from sanctuary.blender import names
    from sanctuary.core.world.leaves import drop_state
    from sanctuary.export.standins import drip_clock, point_attributes

    jobs.build(presets.load_scene("sketch", overrides=("forest.leaves_per_tree=40", "leaves.drip_period=2.0")))
    scene = bpy.context.scene
    leaves = bpy.data.objects[names.LEAVES]
    a = point_attributes(leaves, {names.DRIP_PERIOD: 1, names.DRIP_PHASE: 1, names.TIP: 3, names.FALL_HEIGHT: 1,
                                  names.LEAF_SCALE: 1})
    seen = 0
    for frame in (1, 2, 13, 14, 50, 333, 1000):
        scene.frame_set(frame)
        dg = bpy.context.evaluated_depsgraph_get()
        drawn = np.array(sorted(
            (*inst.matrix_world.translation, inst.matrix_world.to_scale()[0]) for inst in dg.object_instances
            if inst.is_instance and names.base(inst.object.data.name) == names.DROP))
        (t,) = drip_clock(leaves, np.array([frame]))
        d = drop_state(t, a[names.DRIP_PERIOD], a[names.DRIP_PHASE], a[names.TIP], a[names.FALL_HEIGHT],
                       a[names.LEAF_SCALE])
        want = np.array(sorted((*p, s[0]) for p, s, v in zip(d.position, d.scale, d.visible) if v))
        assert drawn.shape == want.shape, frame
        assert np.allclose(drawn, want, atol=2e-4), frame
        seen += len(want)
    assert seen > 100  # drops were there to compare


def test_the_view_cone_holds_every_cameras_frame_at_its_widest_lens(forest):
    from sanctuary.render.settings import LEAF_ANGLE, view_cone_cos

    scene = bpy.context.scene
    scene.render.resolution_x, scene.render.resolution_y = 640, 360
    cams = sorted((ob for ob in scene.objects if ob.type == "CAMERA"), key=lambda ob: ob.data.lens)
    widest = cams[0].data  # 24 mm on a 36 mm sensor: the frame's diagonal 46 degrees off the view with the margin
    half = np.arctan(np.hypot(1.0, 9 / 16) * 18.0 / widest.lens * 1.2)  # 0.1 of the frame on each side
    assert view_cone_cos(scene, 0.1) == pytest.approx(np.cos(half + LEAF_ANGLE))
    close = cams[-1]  # one camera's own cone, as the batch sets it for each frame: the 85 mm close-up's
    own = np.arctan(np.hypot(1.0, 9 / 16) * 18.0 / close.data.lens * 1.2)
    assert view_cone_cos(scene, 0.1, [close]) == pytest.approx(np.cos(own + LEAF_ANGLE))
    assert view_cone_cos(scene, 0.1, [None]) == -2.0  # no camera: nothing culled
    zoom = cams[-1].data  # a zoom keyed out to 12 mm widens it
    lens = zoom.lens
    zoom.keyframe_insert("lens", frame=1)
    zoom.lens = 12.0
    zoom.keyframe_insert("lens", frame=2)
    zoom.lens = lens
    try:
        assert view_cone_cos(scene, 0.1) == pytest.approx(np.cos(np.arctan(np.hypot(1.0, 9 / 16) * 1.5 * 1.2) + LEAF_ANGLE))
        zoom.type = "ORTHO"  # no cone holds an orthographic frame: nothing is culled
        assert view_cone_cos(scene, 0.1) == -2.0
    finally:
        zoom.type = "PERSP"
        zoom.animation_data_clear()
