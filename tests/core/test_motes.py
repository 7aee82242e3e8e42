"""Warm motes: few while the clearing is tended, multiplying through the response into the sanctuary;
never in the lens, never inside the stone; seeded."""
import numpy as np
import pytest

from sanctuary.config import presets
from sanctuary.core.story import motes, tending
from sanctuary.core.story import timeline as tl
from sanctuary.core.world.ground import height


@pytest.fixture(scope="module")
def cfg():
    return presets.load_scene().data


@pytest.fixture(scope="module")
def scattered(cfg):
    return motes.scatter(cfg, lambda x, y: height(x, y, cfg), motes.camera_points(cfg))


def beat_share(cfg, r, share, name):
    span = {s.name: s for s in tl.beat_spans(cfg["timeline"])}[name]
    inside = (r.seconds >= span.start) & (r.seconds < span.end)
    return share[inside]


def test_the_motes_return_with_the_tending_and_multiply_into_the_sanctuary(cfg, scattered):
    r = tending.respond(cfg)
    share = motes.share(cfg, r.seconds, r.channels["warmth"], r.care)
    n = {b: motes.count(scattered, beat_share(cfg, r, share, b)) for b in ("panic", "tending", "response", "sanctuary")}
    assert n["panic"].max() < 0.05 * motes.COUNT  # the cold clearing is nearly empty of them
    assert n["tending"][-1] > n["tending"][0]  # a few come back while it is tended
    assert n["response"][-1] > 2 * n["tending"][-1]  # the warmth multiplies them
    assert n["sanctuary"].max() > 0.8 * motes.COUNT and (np.diff(n["sanctuary"]) >= 0).all()


def test_motes_keep_out_of_the_lens_and_the_stone(cfg, scattered):
    cams = motes.camera_points(cfg)
    at = motes.positions(scattered, np.linspace(0.0, 60.0, 121))  # (T, N, 3): their drift, too
    d = np.linalg.norm(at[:, :, None, :] - cams[None, None], axis=-1).min()
    assert d > motes.CLEAR - np.abs(scattered.drift).sum(axis=1).max()
    r = np.hypot(scattered.rest[:, 0], scattered.rest[:, 1])
    top = cfg["clearing"]["rise"] + cfg["pedestal"]["height"]
    assert ((r > cfg["pedestal"]["width"] / 2) | (scattered.rest[:, 2] > top)).all()


def test_motes_are_seeded(cfg, scattered):
    again = motes.scatter(cfg, lambda x, y: height(x, y, cfg), motes.camera_points(cfg))
    assert np.array_equal(again.rest, scattered.rest)
    other = motes.scatter({**cfg, "seed": cfg["seed"] + 1}, lambda x, y: height(x, y, cfg), motes.camera_points(cfg))
    assert not np.array_equal(other.rest, scattered.rest)
