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
