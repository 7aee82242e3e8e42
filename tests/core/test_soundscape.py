"""The soundscape (no bpy): onsets against the drip schedule and the heart's keys, loudness, the hum
act, determinism, the film's audio and captions."""
import hashlib
import io
import wave

import numpy as np
import pytest

from sanctuary.config import presets
from sanctuary.core.audio import captions, mastering
from sanctuary.core.audio import soundscape as sound
from sanctuary.core.clearing import heart
from sanctuary.core.plan import ScenePlan
from sanctuary.core.story import shots, tending
from sanctuary.core.story import timeline as tl
from sanctuary.core.world import leaves, trees

# A 16-second film of the sketch with few, slow drips: chimes far enough apart to hear each one.
ACTS = ('timeline.acts=[{kind = "reach", beat = "approach", start = 0.0, duration = 3.0}, '
        '{kind = "still", beat = "panic", start = 0.0, duration = 1.5}, '
        '{kind = "gather_leaves", beat = "tending", start = 0.0, duration = 3.0}, '
        '{kind = "hum", beat = "tending", start = 0.5, duration = 4.5, interval = "fifth"}]')
SHORT = ("timeline.beats.forest=2.0", "timeline.beats.discovery=1.0", "timeline.beats.approach=3.0",
         "timeline.beats.panic=1.5", "timeline.beats.realization=1.0", "timeline.beats.tending=4.0",
         "timeline.beats.response=2.0", "timeline.beats.sanctuary=1.5", 'shots[0].end="forest+1"',
         'shots[1].start="forest+1"', ACTS, "forest.leaves_per_tree=5", "leaves.drip_period=30.0")


def tiny(*more, seed=None) -> dict:
    """The short film, with more --sets (a key given again replaces SHORT's: --set takes each key once)."""
    given = {m.split("=", 1)[0] for m in more}
    return presets.load_scene("sketch", seed, tuple(s for s in SHORT if s.split("=", 1)[0] not in given) + more).data


@pytest.fixture(scope="module")
def cfg():
    return tiny()


@pytest.fixture(scope="module")
def scape(cfg):
    return sound.synthesize(ScenePlan(cfg))


def onsets(x: np.ndarray, hop: int = 240, rise: float = 1.5, floor: float = 0.02) -> np.ndarray:
    """Seconds where the level (5 ms peaks) jumps above 1.5x the last 40 ms, 50 ms apart at least."""
    mono = np.abs(x).sum(axis=0)
    n = len(mono) // hop
    e = mono[: n * hop].reshape(n, hop).max(axis=1)
    before = np.array([e[max(0, k - 8):k].max() if k else 0.0 for k in range(n)])
    found = []
    for k in np.flatnonzero((e > rise * before) & (e > floor * e.max())):
        if not found or k * hop / mastering.RATE - found[-1] > 0.05:
            found.append(k * hop / mastering.RATE)
    return np.array(found)


def nearest(times: np.ndarray, to: np.ndarray) -> np.ndarray:
    return np.array([np.abs(to - t).min() for t in times])


def test_the_meter_reads_bs1770_reference_levels():
    t = np.arange(10 * mastering.RATE) / mastering.RATE
    sine = 0.1 * np.sin(2 * np.pi * 997.0 * t)  # -20 dBFS in both channels reads -20 LUFS
    assert mastering.loudness(np.stack([sine, sine])) == pytest.approx(-20.0, abs=0.05)
    assert mastering.loudness(np.stack([sine, 0 * sine])) == pytest.approx(-23.01, abs=0.05)
    assert mastering.loudness(np.zeros((2, mastering.RATE))) == -70.0


def test_chime_onsets_line_up_with_the_drip_schedule(cfg, scape):
    frame = 1.0 / cfg["timeline"]["fps"]
    grown = trees.grow_forest(cfg, shots.camera_corridors(shots.plan_shots(cfg)))
    drips = leaves.drip_events(grown.cycles, grown.leaves.tip, grown.fall_height, 0.0, 16.0).release
    assert len(scape.chimes) and set(np.round(scape.chimes, 9)) <= set(np.round(drips, 9))  # drips heard
    heard = onsets(scape.stems["chimes"])
    assert len(heard) >= len(scape.chimes) / 2  # the quietest, far away, hide under louder ones
    assert nearest(heard, drips).max() < frame


def test_heartbeat_onsets_line_up_with_the_hearts_keys(cfg, scape):
    fps = cfg["timeline"]["fps"]
    response = tending.respond(cfg)
    pulse = heart.pulse(response.seconds, cfg["heart"]["pulse_bpm"])  # what the glow is keyed with
    peak = (pulse[1:-1] >= pulse[:-2]) & (pulse[1:-1] > pulse[2:]) & (pulse[1:-1] > 0.3)
    keys = response.seconds[1:-1][peak]
    beats = onsets(scape.stems["heartbeat"])
    assert len(beats) > 20 and nearest(beats, keys).max() <= 1.0 / fps
    alive = keys[np.interp(keys, response.seconds, response.channels["warmth"]) > 0.35]
    assert nearest(alive, beats).max() <= 1.0 / fps  # every beat of a living heart is heard


def test_the_heartbeat_is_silent_when_the_heart_is_near_out(cfg):
    cold = tiny("heart.warmth=0.0", 'timeline.acts=[{kind = "reach", beat = "forest", start = 0.0, '
                                   'duration = 16.0, intensity = 5.0}]')
    response = tending.respond(cold)
    assert response.channels["warmth"].max() < 0.12
    trains, times = sound.heartbeat_events(cold, response, 16 * mastering.RATE)
    assert len(times) == 0 and not sound.trains_at(trains, 0, 16 * mastering.RATE).any()


def test_no_clipping_and_the_loudness_target(cfg, scape):
    assert mastering.peak_db(scape.mix) < -1.0
    assert mastering.loudness(scape.mix) == pytest.approx(-16.0, abs=0.5)
    quiet = mastering.master(scape.raw, -23.0)
    assert mastering.loudness(quiet) == pytest.approx(-23.0, abs=0.5) and mastering.peak_db(quiet) < -1.0


def test_the_hum_act_raises_the_energy_at_its_interval(cfg, scape):
    f = 2 * cfg["sound"]["hum_hz"] * 1.5  # a fifth over the voice's octave
    start, end = tl.act_span(cfg["timeline"]["acts"][3], cfg["timeline"])

    def energy_at(mix, t0: float) -> float:
        x = mix.mean(axis=0)[int(t0 * mastering.RATE): int((t0 + 1.0) * mastering.RATE)]
        spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
        freqs = np.fft.rfftfreq(len(x), 1.0 / mastering.RATE)
        return float((spectrum[np.abs(freqs - f) < 3.0] ** 2).sum())

    # The interval is the drone's third partial too: the voice at least quadruples its energy,
    # against the moment before the act and against the same moment of a film without the act.
    settled = energy_at(scape.mix, start + 0.6 * (end - start))
    assert 10 * np.log10(settled / energy_at(scape.mix, start - 1.5)) > 6.0
    silent = tiny("sound.voice_db=-60.0")
    assert 10 * np.log10(settled / energy_at(sound.synthesize(ScenePlan(silent)).mix, start + 0.6 * (end - start))) > 6.0


def test_same_preset_and_seed_same_samples():
    a, b = sound.synthesize(ScenePlan(tiny())), sound.synthesize(ScenePlan(tiny()))
    digest = [hashlib.sha256(mastering.wav_bytes(x.mix)).hexdigest() for x in (a, b)]
    assert digest[0] == digest[1]
    other = sound.synthesize(ScenePlan(tiny(seed=8)))
    assert hashlib.sha256(mastering.wav_bytes(other.mix)).hexdigest() != digest[0]


@pytest.mark.parametrize("bits", [16, 24])
def test_wav_files_read_back(scape, bits):
    with wave.open(io.BytesIO(mastering.wav_bytes(scape.mix, bits))) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (2, bits // 8, 48000)
        raw = w.readframes(w.getnframes())
    if bits == 16:
        back = np.frombuffer(raw, "<i2").reshape(-1, 2).T / 32767.0
    else:
        b = np.frombuffer(raw, np.uint8).reshape(-1, 3)
        back = ((b[:, 0].astype(np.int32) | b[:, 1].astype(np.int32) << 8 | b[:, 2].astype(np.int32) << 16)
                << 8 >> 8).reshape(-1, 2).T / 8388607.0
    assert np.abs(back - scape.mix).max() < 2.0 / 2 ** (bits - 1)


def test_a_trailers_audio_is_its_frames_sound(cfg, scape):
    frames = [10, 11, 12, 100, 101, 300]
    audio = mastering.film_audio(scape.raw, frames, 1, 24, -16.0)
    assert audio.shape == (2, 6 * 2000) and mastering.peak_db(audio) < -1.0
    whole = mastering.film_audio(scape.raw, list(range(1, 16 * 24 + 1)), 1, 24, -16.0)
    assert np.array_equal(whole, scape.mix)  # the whole film's audio is the film's mix


def test_captions_follow_the_beats_through_the_films_frames():
    cfg = tiny('captions.approach="You reach for it."', 'captions.sanctuary="A steady beacon."')
    assert captions.srt(tiny(), list(range(1, 385))) == ""
    text = captions.srt(cfg, list(range(1, 385)))
    assert text == ("1\n00:00:03,000 --> 00:00:06,000\nYou reach for it.\n\n"
                    "2\n00:00:14,500 --> 00:00:16,000\nA steady beacon.\n\n")
    trailer = captions.srt(cfg, [10, 11, 80, 81, 82, 380])  # frames 80-82 are in the approach
    assert trailer.startswith("1\n00:00:00,083 --> 00:00:00,208\nYou reach for it.\n\n2\n00:00:00,208 --> ")


def test_a_film_of_two_frames_is_mastered_too(scape):
    audio = mastering.film_audio(scape.raw, [200, 201], 1, 24, -16.0)  # 83 ms: shorter than a meter block
    assert audio.shape == (2, 4000) and mastering.peak_db(audio) < -1.0
    assert mastering.loudness(audio) == pytest.approx(-16.0, abs=1.0)


def test_a_beat_in_the_films_last_half_sample_is_not_past_its_end(cfg):
    times, _ = sound.beat_times(cfg, 16.0)
    t = next(t for t in times if (t * mastering.RATE) % 1.0 >= 0.5)
    n = int(t * mastering.RATE) + 1  # the film ends just after this beat: it rounds to sample n
    trains, heard = sound.heartbeat_events(cfg, tending.respond(cfg), n)
    assert sound.trains_at(trains, 0, n).shape == (2, n) and t not in heard


def test_a_piece_from_the_middle_starts_and_ends_without_a_click(scape):
    audio = mastering.film_audio(scape.raw, list(range(100, 148)), 1, 24, -16.0)  # one shot, mid-drone
    assert audio.shape == (2, 48 * 2000) and not audio[:, 0].any() and not audio[:, -1].any()
    assert np.abs(audio[:, 240:-240]).max() > 0.01


def test_any_segment_of_the_score_is_that_stretch_of_the_whole_film(cfg, scape):
    score = sound.Score(ScenePlan(cfg))
    for lo, hi in [(123_457, 611_111), (5, 77), (0, 48_000), (700_001, 768_000), (500_000, 520_000)]:  # out of order
        assert np.abs(score.raw(lo, hi) - scape.raw[:, lo:hi]).max() < 1e-9
    assert not score.raw(score.n - 10, score.n + 50)[:, 10:].any()  # past its end, silence


def test_mastering_a_segment_at_a_time_is_mastering_the_whole(cfg, scape, monkeypatch):
    frames = [10, 11, 12, 100, 101, 300] + list(range(120, 200))
    whole = mastering.film_audio(scape.raw, frames, 1, 24, -16.0)
    monkeypatch.setattr(mastering, "SEGMENT", 7_001)  # segments that cut meter hops and limiter blocks
    pieces = list(mastering.film_audio_chunks(sound.Score(ScenePlan(cfg)).raw, frames, 1, 24, -16.0))
    assert max(p.shape[1] for p in pieces) == 7_001
    assert np.abs(np.concatenate(pieces, axis=1) - whole).max() < 1e-6
    assert mastering.loudness(whole) == pytest.approx(-16.0, abs=0.5)


def test_the_soundtracks_memory_does_not_grow_with_the_film():
    import tracemalloc

    def peak(*more) -> float:
        plan = ScenePlan(tiny(*more))
        plan.forest, plan.shots, plan.response
        tracemalloc.start()
        score = sound.Score(plan)
        first, last = plan.frames
        with io.BytesIO() as f:  # the WAV's bytes are not counted: a file on disk in a render
            for piece in mastering.film_audio_chunks(score.raw, list(range(first, last + 1)), first, 24, -16.0):
                f.write(piece.tobytes())
                f.seek(0)
                f.truncate()
        used = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return used

    # 26 s and 86 s: both longer than two segments, so both work on whole ones.
    short, long = peak("timeline.beats.response=12.0"), peak("timeline.beats.response=12.0",
                                                              "timeline.beats.sanctuary=61.5")
    assert long < 1.1 * short
