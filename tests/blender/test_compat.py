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


def _gn_object(name="o", inputs=("Seconds",)):
    group = bpy.data.node_groups.new(f"{name}_group", "GeometryNodeTree")
    group.interface.new_socket("Geometry", in_out="INPUT", socket_type="NodeSocketGeometry")
    for sock in inputs:
        group.interface.new_socket(sock, in_out="INPUT", socket_type="NodeSocketFloat")
    group.interface.new_socket("Geometry", in_out="OUTPUT", socket_type="NodeSocketGeometry")
    obj = bpy.data.objects.new(name, bpy.data.meshes.new(name))
    bpy.context.scene.collection.objects.link(obj)
    mod = obj.modifiers.new('clock "a"', "NODES")  # a name that needs escaping in a data path
    mod.node_group = group
    return obj, mod


def test_modifier_inputs_are_set_and_animated_on_this_version(fresh_bpy):
    """5.2 moved geometry-nodes modifier inputs from ID properties to `.properties.inputs`."""
    obj, mod = _gn_object()
    path = compat.modifier_input_path(mod, "Seconds")
    if bpy.app.version >= (5, 2, 0):
        assert path.endswith(".properties.inputs.Socket_1.value")
    else:
        assert path.endswith('["Socket_1"]')
    compat.set_modifier_input(mod, "Seconds", 2.5)
    assert compat.modifier_input(mod, "Seconds") == pytest.approx(2.5)
    compat.write_curve(obj, path, [1, 11], [0.0, 10.0])
    bpy.context.scene.frame_set(6)
    assert compat.modifier_input(mod, "Seconds") == pytest.approx(5.0)
    assert compat.unresolved_fcurves(obj) == []
    with pytest.raises(KeyError):
        compat.modifier_input_path(mod, "No such input")


def test_a_path_that_does_not_resolve_is_an_error_not_a_silent_curve(fresh_bpy):
    obj, mod = _gn_object()
    ident = compat._group_input_identifier(mod.node_group, "Seconds")
    other = (f'modifiers["{mod.name}"]["{ident}"]' if hasattr(mod, "properties")
             else f'modifiers["{mod.name}"].properties.inputs.{ident}.value')
    with pytest.raises(compat.AnimationPathError, match="does not resolve"):
        compat.write_curve(obj, other, [1, 2], [0.0, 1.0])
    assert compat.fcurves(obj) == []
    obj.keyframe_insert("location", index=2, frame=1)
    compat.fcurve_ensure(obj, other, 0)  # what Blender itself allows, silently
    assert compat.unresolved_fcurves(obj) == [f"{other}[0]"]
    assert compat.path_resolves(obj, "location", 2) and not compat.path_resolves(obj, "location", 3)


def test_bloom_reaches_a_quarter_of_the_frame_on_every_version(fresh_bpy):
    """4.2 sizes the glow as an exponent (7: a quarter), 4.5+ as a fraction (5.0 clamps 7 to the whole
    frame); 4.5's threshold property forwards to nothing, so the sockets are set directly."""
    tree = compat.compositor_tree(bpy.context.scene)
    glare = tree.nodes.new("CompositorNodeGlare")
    compat.set_bloom(glare, 1.0, 0.25, 0.6)
    threshold, size, strength = compat.bloom_settings(glare)
    assert threshold == pytest.approx(1.0) and size == pytest.approx(0.25)
    assert strength == pytest.approx(0.6 if bpy.app.version >= (4, 5, 0) else 1.0)
    if bpy.app.version < (4, 5, 0):
        assert (glare.glare_type, glare.size, glare.mix) == ("BLOOM", 7, 0.0)
    compat.set_bloom(glare, 1.0, 0.25, 0.0)
    assert compat.bloom_settings(glare)[2] == 0.0


def test_strip_duration(fresh_bpy):
    strips = compat.sequencer_strips(bpy.context.scene)
    strip = compat.new_text_strip(strips, "t", 1, 5)
    assert compat.strip_duration(strip) == 1


def test_path_properties_may_hold_blend_relative_paths(fresh_bpy):
    class Paths(bpy.types.PropertyGroup):
        out: bpy.props.StringProperty(subtype="FILE_PATH", options=compat.blend_relative_path())

    bpy.utils.register_class(Paths)
    try:
        bpy.types.Scene.sanctuary_paths_test = bpy.props.PointerProperty(type=Paths)
        bpy.context.scene.sanctuary_paths_test.out = "//beside.glb"
        assert bpy.context.scene.sanctuary_paths_test.out == "//beside.glb"
        del bpy.types.Scene.sanctuary_paths_test
    finally:
        bpy.utils.unregister_class(Paths)
