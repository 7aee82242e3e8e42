import pytest

from sanctuary.config import presets
from sanctuary.core.story import timeline as tl


@pytest.fixture(scope="module")
def cfg():
    return presets.load_scene().data


def test_beats_laid_end_to_end_in_story_order(cfg):
    spans = tl.beat_spans(cfg["timeline"])
    assert [s.name for s in spans] == list(tl.BEATS)
    assert spans[0].start == 0
    for a, b in zip(spans, spans[1:]):
        assert a.end == b.start
    assert 50 <= tl.film_seconds(cfg["timeline"]) <= 70  # the default film is about a minute


def test_time_references(cfg):
    t = cfg["timeline"]
    approach = {s.name: s for s in tl.beat_spans(t)}["approach"]
    assert tl.resolve("approach", t, "start") == approach.start
    assert tl.resolve("approach", t, "end") == approach.end
    assert tl.resolve("approach+2.5", t, "end") == approach.start + 2.5
    assert tl.resolve(3.0, t) == 3.0
    with pytest.raises(ValueError):
        tl.resolve("nowhere", t)


def test_frames(cfg):
    first, last = tl.frame_range(cfg["timeline"])
    assert first == 1 and last == round(tl.film_seconds(cfg["timeline"]) * cfg["timeline"]["fps"])
    assert tl.parse_frames("3-5,9,4", first, last) == [3, 4, 5, 9]
    for bad in ("5-3", "a-b", "0-2", f"{last}-{last + 1}", ""):
        with pytest.raises(ValueError):
            tl.parse_frames(bad, first, last)


def test_retiming_a_beat_moves_acts_and_shots():
    base = presets.load_scene().data
    longer = presets.load_scene(overrides=["timeline.beats.forest=20"]).data
    shift = 20 - base["timeline"]["beats"]["forest"]
    for a, b in zip(base["timeline"]["acts"], longer["timeline"]["acts"]):
        assert tl.act_span(b, longer["timeline"])[0] == pytest.approx(tl.act_span(a, base["timeline"])[0] + shift)
