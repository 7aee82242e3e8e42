"""The tending timeline: the response model's invariants, patterns, streams, retiming."""
import numpy as np
import pytest

from sanctuary.config import presets
from sanctuary.core.story import patterns, tending
from sanctuary.core.story import timeline as tl


@pytest.fixture(scope="module")
def cfg():
    return presets.load_scene().data


@pytest.fixture(scope="module")
def response(cfg):
    return tending.respond(cfg)


def beat_mask(cfg, r, name):
    span = {s.name: s for s in tl.beat_spans(cfg["timeline"])}[name]
    return (r.seconds >= span.start) & (r.seconds < span.end)


def test_warmth_falls_while_reaching_and_is_lowest_in_panic(cfg, response):
    w = response.channels["warmth"]
    for act in cfg["timeline"]["acts"]:
        if act["kind"] == "reach":
            a, b = tl.act_span(act, cfg["timeline"])
            inside = (response.seconds >= a) & (response.seconds < b)
            assert w[inside][-1] < w[inside][0] - 0.05
            assert (np.diff(w[inside]) <= 1e-9).all()
    assert beat_mask(cfg, response, "panic")[np.argmin(w)]


def test_warmth_rises_through_tending_and_response(cfg, response):
    w = response.channels["warmth"]
    for beat in ("tending", "response"):
        seg = w[beat_mask(cfg, response, beat)]
        assert seg[-1] > seg[0] + 0.1, beat
    assert (np.diff(w[beat_mask(cfg, response, "response")]) >= -1e-9).all()


def test_frost_where_cold_flicker_only_below_threshold(response):
    ch = response.channels
    assert ch["frost"][ch["warmth"] >= tending.FROST_AT].max() == 0.0
    assert ch["frost"][ch["warmth"] < 0.25].min() > 0.5
    assert (ch["warmth"][ch["flicker"] > 0] < tending.FLICKER_BELOW).all()
    assert ch["flicker"].max() > 0.2  # it does flicker in the panic


def test_final_glow_is_the_brightest(response):
    glow = response.channels["glow"]
    assert glow[-1] == pytest.approx(glow.max())
    assert glow[-1] > 1.5 * glow[0]


def test_no_acts_means_the_preset_constants():
    cfg = presets.load_scene(overrides=["timeline.acts=[]", "heart.glow=3.0"]).data
    r = tending.respond(cfg)
    assert (r.channels["glow"] == 3.0).all() and (r.channels["frost"] == cfg["frost"]["coverage"]).all()


@pytest.mark.parametrize("pattern", ["rings", "rosette"])
def test_patterns_have_their_symmetry(pattern):
    n = 7
    pts = patterns.fitting_pattern(pattern, 89, n, 0.75, 2.1)
    assert len(pts) % n == 0
    c, s = np.cos(2 * np.pi / n), np.sin(2 * np.pi / n)
    turned = pts @ np.array([[c, s], [-s, c]])
    d = np.linalg.norm(turned[:, None] - pts[None], axis=-1).min(axis=1)
    assert d.max() < 1e-9


def test_phyllotaxis_turns_by_the_golden_angle():
    pts = patterns.pattern_points("phyllotaxis", 50, 7, 0.75, 2.1)
    a = np.unwrap(np.arctan2(pts[:, 1], pts[:, 0]))
    step = np.mod(np.diff(a), 2 * np.pi)
    assert np.allclose(step, np.mod(patterns.GOLDEN_ANGLE, 2 * np.pi))


@pytest.mark.parametrize("pattern", ["phyllotaxis", "rings", "rosette"])
@pytest.mark.parametrize("count, symmetry", [(89, 7), (144, 9), (2000, 12)])
def test_no_two_leaves_overlap(pattern, count, symmetry):
    pts = patterns.fitting_pattern(pattern, count, symmetry, 0.75, 2.1)
    assert patterns.min_distance(pts) >= patterns.SPACING
    assert len(pts) >= symmetry


def test_glides_arc_and_never_pass_through_the_pedestal(cfg):
    index, act = next((i, a) for i, a in enumerate(cfg["timeline"]["acts"]) if a["kind"] == "gather_leaves")
    start, end = tl.act_span(act, cfg["timeline"])
    g = patterns.gather(act, index, start, end - start, cfg)
    assert (np.diff(g.lift) > 0).all() and (g.land <= end + 1e-9).all()
    top = cfg["clearing"]["rise"] + cfg["pedestal"]["height"]
    for i in range(len(g.target)):
        times, pos = patterns.glide(g, i, cfg["clearing"]["rise"], samples=40)
        r = np.hypot(pos[:, 0], pos[:, 1])
        assert ((r > cfg["pedestal"]["width"] / 2 + 0.1) | (pos[:, 2] > top)).all()
        assert pos[1:-1, 2].max() > pos[0, 2] + 0.5  # it lifts and arcs
        assert np.allclose(pos[-1, :2], g.target[i])


def test_streams_run_from_roots_into_the_moat(cfg):
    from sanctuary.core.story.shots import camera_corridors, plan_shots
    from sanctuary.core.world.placement import place_trees

    xy = place_trees(cfg, camera_corridors(plan_shots(cfg))).xy
    sched = tending.schedule(cfg, xy)
    (s,) = sched.water
    act = next(a for a in cfg["timeline"]["acts"] if a["kind"] == "coax_water")
    assert len(s.paths) == act["streams"]
    for path in s.paths:
        assert np.hypot(*path[-1]) == pytest.approx(act["moat_radius"])
        assert np.min(np.linalg.norm(xy - path[0], axis=1)) < 0.8  # from a tree's roots
    placed = [e for e in sched.events if e["event"] == "stream_reaches_moat"]
    assert [e["time"] for e in placed] == sorted(s.arrive.tolist())
    assert len([e for e in sched.events if e["event"] == "leaf_placed"]) == len(sched.gatherings[0].target)


def test_water_grows_along_its_course_in_morph_stages():
    """The exports' water: a tube whose blended stages reach as far along the course as the growth says."""
    from sanctuary.core.story.water import growth_stages, stage_weights

    course = np.column_stack([np.linspace(0.0, 6.0, 40), np.sin(np.linspace(0.0, 4.0, 40)), np.zeros(40)])
    length = np.sum(np.linalg.norm(np.diff(course, axis=0), axis=1))
    stages, radius = 8, 0.1
    basis, shapes, faces = growth_stages(course, radius, stages)
    assert np.ptp(basis, axis=0).max() == 0.0  # before the water arrives: nothing shows
    assert max(max(f) for f in faces) == len(basis) - 1
    # Rings at equal arc lengths from the first point: how far along the tube reaches, by its ring centres.
    along = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(course, axis=0), axis=1))])

    def reach(points):
        tip = points.reshape(-1, 12, 3).mean(axis=1)
        nearest = np.argmin(np.linalg.norm(course[None, :, :] - tip[:, None, :], axis=2), axis=1)
        return along[nearest].max() / length

    for growth in (0.0, 0.03, 0.3, 0.5, 0.77, 1.0):
        w = stage_weights(np.array([growth]), np.array([True]), stages)[0]
        assert w.sum() == pytest.approx(1.0) and (w >= 0).all()
        shown = basis + np.tensordot(w, shapes - basis, axes=1)  # as a morph-target player blends
        assert reach(shown) == pytest.approx(growth, abs=1.0 / 40 + 1e-9)  # within the course's own spacing
        radii = np.linalg.norm(shown.reshape(-1, 12, 3) - shown.reshape(-1, 12, 3).mean(1, keepdims=True), axis=2)
        assert radii == pytest.approx(radius, rel=0.02)  # whole in section from its first moment (blends: chords)
    assert stage_weights(np.array([0.4]), np.array([False]), stages).sum() == 0.0  # not arrived: nothing
    a = np.arange(24) / 24 * 2 * np.pi
    _, moat, _ = growth_stages(np.column_stack([np.cos(a), np.sin(a), np.zeros(24)]), 0.05, 4, cyclic=True)
    assert moat[-1][:12] == pytest.approx(moat[-1][-12:], abs=1e-9)  # grown whole, a moat closes on itself


def test_retiming_shifts_every_event_exactly(cfg):
    xy = np.array([[8.0, 0.0], [0.0, -8.5], [-9.0, 1.0], [3.0, 9.0], [-6.0, -6.0]])
    base = tending.schedule(cfg, xy).events
    later = tending.schedule(presets.load_scene(overrides=["timeline.beats.forest=14"]).data, xy).events
    shift = 14 - cfg["timeline"]["beats"]["forest"]
    assert len(base) == len(later)
    for a, b in zip(base, later):
        assert (a["kind"], a["event"], a.get("index")) == (b["kind"], b["event"], b.get("index"))
        assert b["time"] == pytest.approx(a["time"] + shift, abs=1e-9)


def test_the_grade_is_keyed_on_the_beats(cfg):
    """Each beat's grade holds through its middle; retiming a beat moves the grade with it."""
    from sanctuary.core.story import grade

    (times, sat), tint = grade.grade(cfg["timeline"])
    later = {**cfg["timeline"], "beats": {**cfg["timeline"]["beats"], "forest": 13.0}}
    (moved, _), _ = grade.grade(later)
    assert np.allclose(moved[2:], times[2:] + 4.0) and np.allclose(moved[:2], times[:2] * 13.0 / 9.0)
    s, t = grade.grade_at(cfg["timeline"], np.array([4.5, 25.5, 57.0]))  # forest, panic, sanctuary middles
    assert s[0] >= 1.3 and s[2] > 1.0 and s[1] < 0.6
    assert t[1, 2] > t[1, 0] and t[2, 0] > t[2, 2]  # the panic cold, the sanctuary warm


def test_grasped_at_the_heart_shrinks_to_half_and_dims_to_a_fifth(cfg, response):
    """LOOK.md / issue 19: in the panic the heart is half its forest size or less, a fifth of its glow or less."""
    ch = response.channels
    forest, panic = beat_mask(cfg, response, "forest"), beat_mask(cfg, response, "panic")
    assert ch["scale"][panic].min() <= 0.5 * ch["scale"][forest].mean()
    assert ch["glow"][panic].mean() <= 0.2 * ch["glow"][forest].mean()
    assert ch["flicker"][panic].max() > 0


def test_the_day_dims_to_dusk_from_the_response_into_the_sanctuary(cfg):
    response, sanctuary = tl.beat(cfg["timeline"], "response"), tl.beat(cfg["timeline"], "sanctuary")
    t = np.linspace(0.0, sanctuary.end, 400)
    light = tending.daylight(cfg, t)
    assert np.all(light[t <= response.start] == 1.0)
    assert np.all(np.diff(light) <= 0.0)
    assert np.allclose(light[t >= sanctuary.start + 0.5 * sanctuary.duration], tending.DUSK)
    # The sun sinks with it: the dusk is the same easing, so they end together.
    el = tending.sun_elevation(cfg, t)
    assert np.all((light < 1.0) == (el < cfg["sky"]["sun_elevation"]))


def test_the_day_darkens_round_the_grasped_heart_and_returns_as_the_frost_recedes(cfg, response):
    """LOOK.md: near darkness round the heart at the panic, small warm points in the tending."""
    fps = cfg["timeline"]["fps"]
    t = np.arange(len(response.seconds)) / fps
    frost = response.channels["frost"]
    light = tending.daylight(cfg, t, frost)
    assert np.allclose(light, tending.daylight(cfg, t) * (1.0 - frost) ** tending.GLOOM)
    mean = {b: light[beat_mask(cfg, response, b)].mean() for b in ("forest", "panic", "tending", "response")}
    assert mean["panic"] < 0.4 * mean["forest"]  # near darkness
    assert mean["panic"] < mean["tending"] < mean["response"]  # the light comes back as the clearing is tended
    assert np.all(light[frost == 0.0] == tending.daylight(cfg, t)[frost == 0.0])  # no frost, no gloom
