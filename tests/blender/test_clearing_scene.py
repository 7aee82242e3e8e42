"""The clearing in Blender: each heart channel visibly changes the render; the glow lights the pedestal."""
import os
import tempfile

import numpy as np
import pytest

from sanctuary.config import presets

bpy = pytest.importorskip("bpy")

pytestmark = pytest.mark.slow  # renders

from sanctuary import jobs  # noqa: E402
from sanctuary.core.story.shots import landmarks  # noqa: E402


def tiny_render(overrides, frame=300):
    jobs.new_file()
    loaded = presets.load_scene("sketch", overrides=["timeline.acts=[]", *overrides])  # constant channels
    jobs.build(loaded)
    scene = bpy.context.scene
    cam_data = bpy.data.cameras.new("probe")
    cam = bpy.data.objects.new("probe", cam_data)
    scene.collection.objects.link(cam)
    target = landmarks(loaded.data)["heart"]
    cam.location = (0.0, -1.7, target[2] + 0.55)
    from sanctuary.core.story.shots import look_at

    cam.rotation_euler = look_at(np.array(cam.location), target - [0, 0, 0.2])
    scene.camera = cam
    for m in list(scene.timeline_markers):
        m.camera = None
    from sanctuary.render.settings import apply_quality

    apply_quality(scene, {**presets.load_quality("draft").data, "resolution": [64, 36], "samples": 8,
                          "denoiser": "NONE"})
    scene.frame_set(frame)
    bpy.ops.render.render()
    path = os.path.join(tempfile.mkdtemp(), "probe.png")
    bpy.data.images["Render Result"].save_render(filepath=path)
    img = bpy.data.images.load(path)
    px = np.empty(64 * 36 * 4, np.float32)
    img.pixels.foreach_get(px)
    return px.reshape(36, 64, 4)[..., :3]


@pytest.fixture(scope="module")
def baseline():
    return tiny_render([])


def test_glow_lights_the_pedestal_top(baseline):
    dark = tiny_render(["heart.glow=0.0"])
    bright = tiny_render(["heart.glow=4.0"])
    top = slice(19, 24), slice(24, 40)  # the pedestal's top face under the heart (rows count bottom-up)
    assert bright[top].mean() > baseline[top].mean() > dark[top].mean()


@pytest.mark.parametrize("override", ["heart.scale=1.6", "heart.warmth=0.0", "heart.flicker=1.0",
                                      "frost.coverage=0.8"])
def test_each_channel_changes_the_render(baseline, override):
    changed = tiny_render([override])
    assert np.abs(changed - baseline).mean() > 0.0005, override
