"""Pedestal, heart and frost: shapes as data, and each heart channel visibly changing the render."""
import os
import tempfile

import numpy as np
import pytest

from sanctuary.core import frost, heart, pedestal, presets
from sanctuary.core.ground import height

from test_forest_core import edges_of


@pytest.fixture(scope="module")
def cfg():
    return presets.load_scene().data


def test_heart_is_watertight_and_heart_sized(cfg):
    shape = heart.heart_mesh(cfg["heart"]["size"])
    _, counts = edges_of(shape.corners, shape.sizes)
    assert (counts == 2).all()  # closed and manifold: every edge joins exactly two faces
    extent = np.ptp(shape.vertices, axis=0)
    assert extent[2] == pytest.approx(cfg["heart"]["size"], rel=1e-5)
    assert 0.25 <= extent[2] <= 0.35 and extent[0] > extent[1] > 0


def test_pedestal_size_and_seed(cfg):
    a = pedestal.pedestal_mesh(cfg)
    v = a.vertices
    assert 1.0 <= v[:, 2].max() <= 1.2 and v[:, 2].min() < 0  # about 1.1 m tall, its base sunk
    across = np.ptp(v[:, 0])
    assert 0.9 <= across <= 1.25
    _, counts = edges_of(a.corners, a.sizes)
    assert (counts == 2).all()
    assert np.array_equal(v, pedestal.pedestal_mesh(cfg).vertices)
    assert not np.array_equal(v, pedestal.pedestal_mesh({**cfg, "seed": cfg["seed"] + 1}).vertices)
    plain = pedestal.pedestal_mesh({**cfg, "pedestal": {**cfg["pedestal"], "weathering": 0.0}})
    assert np.abs(plain.vertices - v).max() > 0.01  # weathering really cuts into the stone


def test_roots_come_from_under_the_stone_and_go_back_into_the_ground(cfg):
    verts, corners, sizes = pedestal.pedestal_roots(cfg)
    _, counts = edges_of(corners, sizes)
    assert counts.max() == 2
    boundary = np.unique(np.array([e for e, c in zip(*edges_of(corners, sizes)) if c == 1]))
    # The only open rings are the roots' first rings, hidden under the pedestal.
    assert (np.hypot(verts[boundary, 0], verts[boundary, 1]) < cfg["pedestal"]["width"] / 2).all()
    assert verts[:, 2].min() < -0.05 and np.hypot(verts[:, 0], verts[:, 1]).max() > 1.0


def test_frost_grows_with_coverage_and_is_none_at_zero(cfg):
    shape = pedestal.pedestal_mesh(cfg)
    verts = shape.vertices.astype(float) + [0, 0, cfg["clearing"]["rise"]]
    sites = frost.frost_sites(cfg, verts, shape.corners, shape.sizes, np.array([0, 0, shape.top_z + 0.1]),
                              lambda x, y: height(x, y, cfg))
    counts = [frost.crystal_count(sites, c, cfg["frost"]["reach"]) for c in (0.0, 0.1, 0.3, 0.6, 1.0)]
    assert counts[0] == 0 and all(a < b for a, b in zip(counts, counts[1:]))
    assert counts[-1] > 0.85 * len(sites.position)  # at full coverage the front has reached (almost) all


def test_pulse_is_two_beats_and_a_rest():
    bpm = 60.0
    t = np.linspace(0, 1, 1000, endpoint=False)
    p = heart.pulse(t, bpm)
    peaks = np.flatnonzero((p[1:-1] > p[:-2]) & (p[1:-1] >= p[2:]) & (p[1:-1] > 0.3)) + 1
    assert len(peaks) == 2 and p[peaks[0]] > p[peaks[1]]
    assert p[550:880].max() < 0.05  # the rest
    assert np.allclose(heart.pulse(t + 1.0, bpm), p)


bpy = pytest.importorskip("bpy")

from sanctuary import jobs  # noqa: E402
from sanctuary.core.shots import landmarks  # noqa: E402


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
    from sanctuary.core.shots import look_at

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
