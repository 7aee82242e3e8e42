"""The forest in Blender: instanced leaves counted from the evaluated depsgraph, nothing realized."""
import numpy as np
import pytest

bpy = pytest.importorskip("bpy")

from sanctuary import jobs  # noqa: E402
from sanctuary.blender import compat  # noqa: E402
from sanctuary.core import presets  # noqa: E402


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
