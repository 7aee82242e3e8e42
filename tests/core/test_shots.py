"""Shot plans (core): they tile the film and every camera looks at its subject."""
import math

import numpy as np
import pytest

from sanctuary.config import presets
from sanctuary.core.story import timeline as tl
from sanctuary.core.story.shots import AIM_DROP, landmarks, look_at, plan_shots


def euler_to_matrix(x, y, z):
    cx, sx, cy, sy, cz, sz = math.cos(x), math.sin(x), math.cos(y), math.sin(y), math.cos(z), math.sin(z)
    rx = np.array([[1, 0, 0], [0, cx, -sx], [0, sx, cx]])
    ry = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    rz = np.array([[cz, -sz, 0], [sz, cz, 0], [0, 0, 1]])
    return rz @ ry @ rx  # Blender's XYZ Euler


@pytest.mark.parametrize("eye, target", [((0, -5, 1), (0, 0, 1)), ((3, 4, 10), (0, 0, 0)),
                                         ((-2, 1, 0.5), (1, -1, 2))])
def test_look_at_points_the_camera_at_the_target(eye, target):
    eye, target = np.array(eye, float), np.array(target, float)
    view = euler_to_matrix(*look_at(eye, target)) @ np.array([0, 0, -1.0])
    want = (target - eye) / np.linalg.norm(target - eye)
    assert np.allclose(view, want, atol=1e-9)
    up = euler_to_matrix(*look_at(eye, target)) @ np.array([0, 1.0, 0])
    assert up[2] > 0  # horizon level: the camera's up points skywards


def test_shots_tile_the_film_frame_by_frame():
    cfg = presets.load_scene().data
    plans = plan_shots(cfg)
    first, last = tl.frame_range(cfg["timeline"])
    assert plans[0].frame_start == first and plans[-1].frame_end == last
    for a, b in zip(plans, plans[1:]):
        assert b.frame_start == a.frame_end + 1
    for plan in plans:
        subject = landmarks(cfg)[plan.subject] - np.array([0.0, 0.0, AIM_DROP.get(plan.move, 0.0)])
        for key in plan.keys:
            dist = np.linalg.norm(subject - np.array(key.location))
            assert key.focus_distance == pytest.approx(dist)
            assert plan.start - 1e-9 <= key.seconds <= plan.end + 1e-9


def test_shots_are_seeded():
    a = plan_shots(presets.load_scene().data)
    b = plan_shots(presets.load_scene().data)
    c = plan_shots(presets.load_scene(seed=99).data)
    assert a == b
    assert [k.location for k in a[2].keys] != [k.location for k in c[2].keys]


def test_the_close_up_looks_up_at_the_heart_so_the_mercury_canopy_is_behind_it():
    # From above, the background of the f/1.8 close-up was the dim floor; from just under the heart it is
    # the canopy, whose mercury highlights fall into bokeh discs.
    cfg = presets.load_scene().data
    heart = landmarks(cfg)["heart"]
    close = [p for p in plan_shots(cfg) if p.move == "close_up"]
    assert close
    for key in close[0].keys:
        assert key.location[2] < heart[2] - 0.05
        assert math.pi / 2 < key.rotation[0] < math.pi / 2 + 0.1  # tilted up, by less than 6 degrees
