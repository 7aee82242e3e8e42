"""compat.py: each version-dependent door works on the running Blender (CI runs 5.0.1 and 4.2.23)."""
import pytest

bpy = pytest.importorskip("bpy")

from sanctuary.blender import compat  # noqa: E402


def test_fcurves_of_object_and_data(fresh_bpy):
    cam_data = bpy.data.cameras.new("c")
    cam = bpy.data.objects.new("c", cam_data)
    bpy.context.scene.collection.objects.link(cam)
    cam.keyframe_insert("location", frame=1)
    cam_data.keyframe_insert("lens", frame=1)
    assert sorted((f.data_path, f.array_index) for f in compat.fcurves(cam)) == \
        [("location", 0), ("location", 1), ("location", 2)]
    assert [f.data_path for f in compat.fcurves(cam_data)] == ["lens"]
    assert compat.fcurves(bpy.data.objects.new("empty", None)) == []


def test_engine_ids_exist(fresh_bpy):
    scene = bpy.context.scene
    for name in ("CYCLES", "EEVEE", "WORKBENCH"):
        scene.render.engine = compat.engine_id(name)
        assert scene.render.engine == compat.engine_id(name)


def test_compositor_tree(fresh_bpy):
    scene = bpy.context.scene
    tree = compat.compositor_tree(scene)
    assert tree is not None and tree.bl_idname == "CompositorNodeTree"
    assert compat.compositor_tree(scene) == tree


def test_sequencer_and_video(fresh_bpy):
    scene = bpy.context.scene
    strips = compat.sequencer_strips(scene)
    assert len(strips) == 0
    compat.set_video_output(scene)
    assert scene.render.image_settings.file_format == "FFMPEG"
    assert (scene.render.ffmpeg.format, scene.render.ffmpeg.codec) == ("MPEG4", "H264")
    compat.set_image_output(scene, "PNG")
    assert scene.render.image_settings.file_format == "PNG"
    compat.set_image_output(scene, "OPEN_EXR")
    assert scene.render.image_settings.file_format == "OPEN_EXR"


def test_operator_kwargs_filters_unknown_names():
    op = bpy.ops.wm.usd_export
    kept = compat.operator_kwargs(op, filepath="x.usdc", export_animation=True, no_such_option=1)
    assert kept == {"filepath": "x.usdc", "export_animation": True}
