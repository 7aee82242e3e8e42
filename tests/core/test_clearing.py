"""Pedestal, heart and frost: shapes as data, and each heart channel visibly changing the render."""

import numpy as np
import pytest
from test_trees import edges_of

from sanctuary.config import presets
from sanctuary.core.clearing import frost, heart, pedestal
from sanctuary.core.world.ground import height


@pytest.fixture(scope="module")
def cfg():
    return presets.load_scene().data


def test_heart_is_watertight_and_heart_sized(cfg):
    shape = heart.heart_mesh(cfg["heart"]["size"])
    _, counts = edges_of(shape.corners, shape.sizes)
    assert (counts == 2).all()  # closed and manifold: every edge joins exactly two faces
    extent = np.ptp(shape.vertices, axis=0)
    assert extent[2] == pytest.approx(cfg["heart"]["size"], rel=1e-5)
    assert shape.vertices[:, 2].min() == pytest.approx(0.0, abs=1e-6)  # its tip at the origin, on the stone
    assert 0.9 <= extent[0] / extent[2] <= 1.4 and extent[0] > extent[1] > 0.3 * extent[0]  # a heart, with depth


def test_pedestal_size_and_seed(cfg):
    a = pedestal.pedestal_mesh(cfg)
    v = a.vertices
    h, w = cfg["pedestal"]["height"], cfg["pedestal"]["width"]
    assert 0.9 * h <= v[:, 2].max() <= 1.05 * h and v[:, 2].min() < 0  # its height, its base sunk
    across = np.ptp(v[:, 0])
    assert w <= across <= 1.3 * w  # the stepped plinth reaches past the shaft's width
    assert across > 0.6 * v[:, 2].max() * 2  # massive: nearly as wide as it is tall
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
