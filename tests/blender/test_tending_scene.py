"""The tending timeline in Blender: retiming moves markers and keys."""
import numpy as np
import pytest

from sanctuary.config import presets

bpy = pytest.importorskip("bpy")

from sanctuary import jobs  # noqa: E402
from sanctuary.blender import compat  # noqa: E402


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
