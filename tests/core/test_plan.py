"""The scene's plan: worked out once, and keyed so that retiming the film re-rolls nothing."""
import numpy as np
import pytest
from test_soundscape import SHORT

from sanctuary.config import presets
from sanctuary.core import plan as plan_module
from sanctuary.core import seeds
from sanctuary.core.audio import soundscape
from sanctuary.core.plan import ScenePlan


def drawn_streams(cfg: dict, monkeypatch) -> set:
    """Every named random stream the whole plan (and the soundtrack) draws from."""
    keys = set()
    real = seeds.stream_key

    def recording(seed, *names):
        keys.add((seed, *names))
        return real(seed, *names)

    monkeypatch.setattr(seeds, "stream_key", recording)
    plan = ScenePlan(cfg)
    plan.forest, plan.response, plan.schedule  # noqa: B018 (worked out for their draws)
    monkeypatch.undo()
    return keys


@pytest.mark.parametrize("retime", ["timeline.beats.forest=14", "timeline.beats.tending=21",
                                    "timeline.acts[5].start=1.5"])
def test_retiming_the_film_draws_the_same_random_streams(monkeypatch, retime):
    base = presets.load_scene("sketch").data
    moved = presets.load_scene("sketch", overrides=(retime,)).data
    assert drawn_streams(base, monkeypatch) == drawn_streams(moved, monkeypatch)
    # So the water runs the same ways and the leaves land at the same headings, only later or earlier.
    a, b = ScenePlan(base).schedule, ScenePlan(moved).schedule
    for wa, wb in zip(a.water, b.water):
        assert all(np.array_equal(pa, pb) for pa, pb in zip(wa.paths, wb.paths))
    for ga, gb in zip(a.gatherings, b.gatherings):
        assert np.array_equal(ga.heading, gb.heading) and np.array_equal(ga.target, gb.target)


def test_every_part_is_worked_out_once_and_only_when_asked_for(monkeypatch):
    calls = []
    real = plan_module.grow_forest
    monkeypatch.setattr(plan_module, "grow_forest", lambda *a: calls.append(1) or real(*a))
    cfg = presets.load_scene("sketch", overrides=SHORT).data  # a 16-second film, few leaves
    plan = ScenePlan(cfg)
    assert plan.shots and not calls  # the frames and shots need no forest
    plan.schedule  # noqa: B018 (the water starts at the trees' roots)
    soundscape.synthesize(plan)  # the chimes ring from the forest's leaves
    assert plan.forest is plan.forest and len(calls) == 1


def test_a_retime_plan_reads_the_trees_it_is_given_and_grows_none(monkeypatch):
    monkeypatch.setattr(plan_module, "grow_forest", lambda *a: pytest.fail("grew a forest"))
    cfg = presets.load_scene("sketch").data
    xy = np.array([[5.0, 0.0], [0.0, 6.0], [-7.0, 1.0]])
    plan = ScenePlan(cfg, tree_xy=xy)
    assert len(plan.schedule.water[0].paths) == min(3, next(
        a["streams"] for a in cfg["timeline"]["acts"] if a["kind"] == "coax_water"))
