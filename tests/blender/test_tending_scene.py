"""The tending timeline in Blender: retiming moves markers and keys."""
import numpy as np
import pytest

from sanctuary.config import presets

bpy = pytest.importorskip("bpy")

from sanctuary import jobs  # noqa: E402
from sanctuary.blender import compat, names  # noqa: E402


def test_retiming_moves_markers_and_keys_in_the_scene():
    jobs.new_file()
    jobs.build(presets.load_scene("sketch"))
    scene = bpy.context.scene
    before = {m.name: m.frame for m in scene.timeline_markers}
    heart_keys = sorted(compat.fcurves(bpy.data.objects["heart"]), key=lambda f: (f.data_path, f.array_index))
    moat_before = [kp.co[0] for fc in compat.fcurves(bpy.data.objects["moat"].data) for kp in fc.keyframe_points]
    assert heart_keys and len(heart_keys[0].keyframe_points) == scene.frame_end - scene.frame_start + 1
    jobs.build(presets.load_scene("sketch", overrides=["timeline.beats.discovery=7"]))
    after = {m.name: m.frame for m in scene.timeline_markers}
    shift = 2 * scene.render.fps
    for name, frame in before.items():
        expected = frame if name in ("beat forest", "beat discovery", "shot canopy_establish",
                                     "shot through_the_trees") else frame + shift
        assert after[name] == expected, name
    moat_after = [kp.co[0] for fc in compat.fcurves(bpy.data.objects["moat"].data) for kp in fc.keyframe_points]
    assert np.allclose(np.array(moat_after), np.array(moat_before) + shift, atol=1e-3)


def test_the_water_is_clear_the_hum_is_a_shimmer_and_the_motes_multiply():
    """The moat is clear, refractive water with a thin film (no glow of its own); the hum bends light
    rather than emitting it; the warm motes' share is keyed to rise from the tending to the sanctuary."""
    jobs.new_file()
    jobs.build(presets.load_scene("sketch"))
    water = bpy.data.objects["moat"].active_material
    bsdf = water.node_tree.nodes["Principled BSDF"]
    assert bsdf.inputs["Transmission Weight"].default_value == 1.0 and not bsdf.inputs["Emission Color"].is_linked
    assert bsdf.inputs["Thin Film Thickness"].is_linked  # the rainbow film flows with the water
    shells = [o for o in bpy.data.objects if o.name.startswith(names.hum_ring(0, 0)[:-2])]
    assert shells
    kinds = {n.bl_idname for n in shells[0].active_material.node_tree.nodes}
    assert "ShaderNodeBsdfRefraction" in kinds and "ShaderNodeEmission" not in kinds
    motes = bpy.data.objects[names.MOTES]
    path = compat.modifier_input_path(motes.modifiers[names.MOTES], names.VISIBLE)
    visible = next(fc for fc in compat.fcurves(motes) if fc.data_path == path)
    scene = bpy.context.scene
    start, end = {m.name: m.frame for m in scene.timeline_markers}["beat tending"], scene.frame_end
    assert visible.evaluate(end) > 0.8 and visible.evaluate(start) < 0.1


def test_a_hum_shell_renders_the_half_facing_the_camera_while_the_camera_is_outside_it():
    """In renders with Near Half on, a shell keeps the faces that face the render camera, marked HALVED
    (its shimmer bends on one crossing what two did); with the camera inside it, or in the viewport, or
    with Near Half off, it stays whole and unmarked. Checked on a copy of the group whose Is Viewport
    reads false, as a render's does."""
    from sanctuary.render.settings import halve_shells

    jobs.new_file()
    jobs.build(presets.load_scene("sketch"))
    scene = bpy.context.scene
    shell = bpy.data.objects[names.hum_ring(0, 0)]
    mod = shell.modifiers[names.HUM_NEAR]
    halve_shells(scene, True)
    assert compat.modifier_input(mod, names.NEAR_HALF)
    whole = len(shell.data.polygons)
    assert len(shell.evaluated_get(bpy.context.evaluated_depsgraph_get()).data.polygons) == whole  # the viewport

    render = mod.node_group.copy()  # Is Viewport false, as in a render
    viewport = next(n for n in render.nodes if n.bl_idname == "GeometryNodeIsViewport")
    false = render.nodes.new("FunctionNodeInputBool")
    for link in list(viewport.outputs[0].links):
        render.links.new(false.outputs[0], link.to_socket)
    mod.node_group = render
    cam = scene.camera
    shell.animation_data_clear()
    shell.location, shell.scale = (0.0, 0.0, 1.0), (2.0, 2.0, 2.0)

    def halves(eye):
        cam.animation_data_clear()
        cam.location = eye
        shell.update_tag()  # the group reads the camera through Active Camera: re-evaluate the shell
        bpy.context.view_layer.update()
        mesh = shell.evaluated_get(bpy.context.evaluated_depsgraph_get()).to_mesh()
        marked = mesh.attributes.get(names.HALVED)
        centres = np.array([shell.matrix_world @ p.center for p in mesh.polygons])
        normals = np.array([(shell.matrix_world.to_3x3() @ p.normal) for p in mesh.polygons])
        facing = np.einsum("ij,ij->i", normals, np.array(eye) - centres) > 0
        return len(mesh.polygons), facing, marked is not None and all(v.value == 1.0 for v in marked.data)

    count, facing, marked = halves((0.0, -9.0, 1.5))  # outside: the faces facing it, marked
    world = shell.matrix_world
    seen = sum(np.dot(world.to_3x3() @ p.normal, np.array((0.0, -9.0, 1.5)) - world @ p.center) > 0
               for p in shell.data.polygons)
    assert facing.all() and marked and count == seen and 0.25 * whole < count < 0.5 * whole
    count, _, marked = halves((0.0, -1.0, 1.2))  # inside the 2 m shell: whole, unmarked
    assert count == whole and not marked
    halve_shells(scene, False)
    count, _, marked = halves((0.0, -9.0, 1.5))
    assert count == whole and not marked

    # The shimmer reads the mark: its one crossing bends with share 2s - s^2, what two crossings did.
    from sanctuary.blender.tending import HUM_SHARE

    nodes = shell.active_material.node_tree.nodes
    assert any(n.bl_idname == "ShaderNodeAttribute" and n.attribute_name == names.HALVED for n in nodes)
    assert any(n.bl_idname == "ShaderNodeMath" and any(
        not i.is_linked and abs(i.default_value - HUM_SHARE * (1 - HUM_SHARE)) < 1e-6 for i in n.inputs) for n in nodes)

    # Exports see whole shells (USD and Alembic evaluate as renders do), and the scene gets its halving back.
    from sanctuary.export.formats import instancers_at_rest

    halve_shells(scene, True)
    with instancers_at_rest(scene):
        assert not compat.modifier_input(mod, names.NEAR_HALF)
        assert halves((0.0, -9.0, 1.5))[0] == whole
    assert compat.modifier_input(mod, names.NEAR_HALF)
