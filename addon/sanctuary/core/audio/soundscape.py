"""The soundscape, made from the scene itself: 48 kHz stereo, in numpy.

- The hum: a low drone, `sound.hum_hz` with partials as bright as
  `sound.hum_brightness`; each partial is a pair of voices `sound.hum_beating`
  Hz apart, so the drone slowly beats, until the clearing is in harmony.
- Chimes: a soft bell (the partials of a free bar) for every drip of the
  forest within `sound.hearing_radius` of the camera, from the same drip
  schedule the geometry nodes play (`core.world.leaves.drip_events`). Higher leaves
  ring higher, on a pentatonic scale from `sound.chime_hz`; each is panned and
  attenuated by where the leaf is from the active camera of the current shot.
- The heartbeat: a soft low double pulse on each beat of the heart's pulse
  (the same `core.clearing.heart.pulse` its glow is keyed with), louder as warmth
  returns and silent when the heart is near out.
- The hum act: a voice-like tone joins the drone a little flat and slides into
  the act's interval above it; as it settles, the drone stops beating.
- Frost: a faint crackle while the frost advances, densest where it spreads fastest.

The mix is measured with the ITU-R BS.1770 loudness meter (K-weighting, gated
400 ms blocks), brought to `sound.loudness` LUFS and kept under -1.5 dBFS by a
look-ahead limiter. Everything random is seeded: same preset and seed, same samples.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..clearing import heart as core_heart
from ..seeds import stream
from ..story import timeline as tl
from ..world.leaves import DripCycle, drip_events
from .mastering import RATE, db, master, ramp

if TYPE_CHECKING:
    from ..plan import ScenePlan
from ..story.shots import ShotPlan
from ..story.tending import ease
from ..world.trees import Forest

INTERVALS = {"unison": 1.0, "third": 5 / 4, "fourth": 4 / 3, "fifth": 3 / 2, "octave": 2.0}
PENTATONIC = (0, 2, 4, 7, 9)  # semitones of the major pentatonic: wind chimes' scale
CHIME_NOTES = 10  # two octaves of it, lowest leaves to highest
BELL_SECONDS = 2.5  # how long a chime rings
# Stem levels at 0 dB in the preset, set from the levels scripts/bench_sound.py prints for the default
# film: the drone on top, the chimes' shimmer about 12 dB under it, the crackle's peaks well under the drone's.
CHIME_GAIN = 0.08
CHIME_NEAR = 2.0  # m: nearer drips ring no louder (a drop at the lens would otherwise swamp the mix)
CRACKLE_GAIN = 0.08
# A free bar's partials (a tubular chime): frequency ratio, amplitude, decay time (s) at the lowest note.
BAR = ((1.0, 1.0, 1.6), (2.756, 0.42, 0.7), (5.404, 0.16, 0.32), (8.933, 0.06, 0.16))


@dataclass
class Soundscape:
    rate: int
    raw: np.ndarray  # (2, N) the stems summed, before mastering
    mix: np.ndarray  # (2, N) float32, the whole film mastered
    stems: dict  # name -> (2, N) float32, at their levels, before mastering
    chimes: np.ndarray  # seconds of every chime in the mix
    beats: np.ndarray  # seconds of every heartbeat (lub and dub) in the mix


def synthesize(plan: ScenePlan) -> Soundscape:
    """The whole film's soundtrack, from the scene's plan (its shots, forest and the heart's response)."""
    cfg = plan.cfg
    s = cfg["sound"]
    timeline = cfg["timeline"]
    seconds = tl.film_seconds(timeline)
    n = int(round(seconds * RATE))
    t = np.arange(n) / RATE
    plans = plan.shots
    response = plan.response
    harmony = _harmony(cfg, t)
    stems = {"hum": drone(s, t, harmony, cfg["seed"]) * db(s["hum_db"]),
             "voice": voices(cfg, t) * db(s["voice_db"])}
    chime, chime_times = chimes(cfg, plans, plan.forest, n)
    stems["chimes"] = chime * db(s["chimes_db"])
    heart, beat_times = heartbeat(cfg, response, n)
    stems["heartbeat"] = heart * db(s["heartbeat_db"])
    stems["frost"] = crackle(cfg, response, n) * db(s["frost_db"])
    raw = sum(stems.values())
    fade = np.clip(np.minimum(t / 0.3, (seconds - t) / 1.0), 0.0, 1.0)
    raw = raw * fade
    mix = master(ramp(raw), s["loudness"])
    return Soundscape(RATE, raw, mix, {k: v.astype(np.float32) for k, v in stems.items()}, chime_times, beat_times)


# ---- the stems ------------------------------------------------------------------------------------

def _hum_acts(cfg: dict) -> list[tuple[float, float, str]]:
    timeline = cfg["timeline"]
    return [(*tl.act_span(a, timeline), a["interval"]) for a in timeline["acts"] if a["kind"] == "hum"]


def _harmony(cfg: dict, t: np.ndarray) -> np.ndarray:
    """0 before the first hum act, easing to 1 as its voice settles into the interval; 1 after."""
    h = np.zeros_like(t)
    for start, end, _ in _hum_acts(cfg):
        h = np.maximum(h, ease((t - start) / (0.6 * (end - start))))
    return h


def drone(s: dict, t: np.ndarray, harmony: np.ndarray, seed: int) -> np.ndarray:
    """Six partials of hum_hz, each two voices beating at hum_beating Hz (less as harmony comes)."""
    rng = stream(seed, "sound", "drone")
    beat_phase = 2 * np.pi * np.cumsum(s["hum_beating"] * (1.0 - harmony)) / RATE
    out = np.zeros_like(t)
    for k in range(1, 7):
        amp = s["hum_brightness"] ** (k - 1) / k ** 0.5
        # sin(a + x) + sin(a - x) = 2 sin(a) cos(x): the pair's beating is cos(x); each partial beats at its own rate.
        out += amp * np.sin(2 * np.pi * k * s["hum_hz"] * t + rng.uniform(0, 2 * np.pi)) \
            * np.cos(0.5 * beat_phase * (1.0 + 0.35 * (k - 1)) + rng.uniform(0, np.pi))
    swell = 1.0 + 0.18 * np.sin(2 * np.pi * t / 11.0 + rng.uniform(0, 2 * np.pi))  # the forest breathes
    mono = out * swell * np.clip(t / 4.0, 0.0, 1.0) / 2.0
    return np.stack([mono, mono])


def voices(cfg: dict, t: np.ndarray) -> np.ndarray:
    """The hum act: an 'mm' an octave above the drone, sliding from 80 cents flat into the interval."""
    out = np.zeros_like(t)
    f0 = cfg["sound"]["hum_hz"]
    for start, end, interval in _hum_acts(cfg):
        inside = (t >= start) & (t < end)
        if not inside.any():
            continue
        tt = t[inside]
        u = (tt - start) / (end - start)
        settle = ease(u / 0.45)
        cents = -80.0 * (1.0 - settle)
        vibrato = 0.004 * settle * np.sin(2 * np.pi * 5.2 * tt)
        f = 2.0 * f0 * INTERVALS[interval] * 2.0 ** (cents / 1200.0) * (1.0 + vibrato)
        phase = 2 * np.pi * np.cumsum(f) / RATE
        tone = np.zeros_like(tt)
        for h in range(1, 11):  # a hummed 'mm': strong fundamental, a nasal resonance near 250 Hz
            amp = (1.0 / h) * (0.35 + np.exp(-((h * f - 250.0) / 180.0) ** 2))
            tone += amp * np.sin(h * phase)
        envelope = ease((tt - start) / 1.5) * ease((end - tt) / 2.5) * (1.0 + 0.1 * np.sin(2 * np.pi * tt / 3.7))
        out[inside] += tone * envelope / 2.0
    return np.stack([out * 0.94, out])  # a touch right of centre: someone beside the camera


def camera_track(plans: list[ShotPlan], times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The active camera's position and right-hand direction at each time (keys interpolated)."""
    pos = np.zeros((len(times), 3))
    right = np.tile([1.0, 0.0, 0.0], (len(times), 1))
    for plan in plans:
        inside = (times >= plan.start) & (times < plan.end)
        if plan is plans[-1]:
            inside |= times >= plan.end
        if not inside.any():
            continue
        kt = np.array([k.seconds for k in plan.keys])
        loc = np.array([k.location for k in plan.keys])
        rot = np.unwrap(np.array([k.rotation for k in plan.keys]), axis=0)
        tt = times[inside]
        pos[inside] = np.stack([np.interp(tt, kt, loc[:, i]) for i in range(3)], axis=1)
        rx, ry, rz = (np.interp(tt, kt, rot[:, i]) for i in range(3))
        # The camera's local +X in the world: first column of Rz @ Ry @ Rx.
        right[inside] = np.stack([np.cos(rz) * np.cos(ry), np.sin(rz) * np.cos(ry), -np.sin(ry)], axis=1)
    return pos, right


def _convolve(pairs, n: int, longest: int | None = None) -> np.ndarray:
    """The sum of impulse trains (..., n) each convolved with its kernel, cut to n samples.

    pairs may be a generator: each train is transformed and dropped before the
    next is made, so memory holds one train and one running spectrum (longest:
    the longest kernel's length, needed up front for the FFT size then)."""
    pairs = iter(pairs) if longest is not None else list(pairs)
    size = 1 << int(np.ceil(np.log2(n + (longest or max(len(k) for _, k in pairs)))))
    spectrum = None
    for imp, kernel in pairs:
        part = np.fft.rfft(imp, size)
        part *= np.fft.rfft(kernel, size)
        spectrum = part if spectrum is None else spectrum + part
    if spectrum is None:
        return np.zeros((2, n))
    return np.fft.irfft(spectrum, size)[..., :n]


def bell(freq: float, length: float = BELL_SECONDS) -> np.ndarray:
    """A soft struck bar: its partials, a 3 ms attack, the higher ones dying faster."""
    tt = np.arange(int(length * RATE)) / RATE
    attack = np.clip(tt / 0.003, 0.0, 1.0)
    note = np.zeros_like(tt)
    for ratio, amp, decay in BAR:
        f = freq * ratio
        if f < RATE / 2 * 0.9:
            note += amp * np.sin(2 * np.pi * f * tt) * np.exp(-tt / (decay * (880.0 / freq) ** 0.3))
    return note * attack


def chime_pitch(tip_z: np.ndarray, top: float) -> np.ndarray:
    """Note index (0..CHIME_NOTES-1) from a leaf's height: higher leaves ring higher."""
    return np.clip((tip_z / max(top, 1e-6) * CHIME_NOTES).astype(int), 0, CHIME_NOTES - 1)


def note_hz(note: int, base_hz: float) -> float:
    octave, step = divmod(note, len(PENTATONIC))
    return base_hz * 2.0 ** ((12 * octave + PENTATONIC[step]) / 12.0)


def chimes(cfg: dict, plans: list[ShotPlan], grown: Forest, n: int) -> tuple[np.ndarray, np.ndarray]:
    """A bell for every drip of the forest heard from the camera: (stem (2, n), seconds of each chime)."""
    s = cfg["sound"]
    if grown.leaves is None or n == 0:
        return np.zeros((2, n)), np.zeros(0)
    seconds = n / RATE
    radius = s["hearing_radius"]
    tips = grown.leaves.tip
    # Leaves that come within earshot of the camera at all (the camera moves < 3 m in half a second).
    coarse = np.arange(0.0, seconds, 0.5)
    cam, _ = camera_track(plans, coarse)
    near = np.zeros(len(tips), dtype=bool)
    for chunk in np.array_split(np.arange(len(tips)), max(1, len(tips) // 20000)):
        d = np.linalg.norm(tips[chunk, None, :] - cam[None, :, :], axis=2)
        near[chunk] = d.min(axis=1) < radius + 3.0
    idx = np.flatnonzero(near)
    sub = DripCycle(grown.cycles.period[idx], grown.cycles.phase[idx])
    ev = drip_events(sub, tips[idx], grown.fall_height[idx], 0.0, seconds)
    fine = np.arange(0.0, seconds + 0.05, 0.05)
    cam, right = camera_track(plans, fine)
    at = np.clip(np.round(ev.release / 0.05).astype(int), 0, len(fine) - 1)
    offset = ev.position - cam[at]
    dist = np.linalg.norm(offset, axis=1)
    heard = dist < radius
    rng = stream(cfg["seed"], "sound", "chimes")
    jitter = rng.uniform(0.8, 1.0, len(dist))  # drops are not all the same size
    # Amplitude falls with the square of the distance beyond CHIME_NEAR (steeper than open air's 1/d,
    # so the nearest drips ring out of the shimmer), fading to nothing at the hearing radius.
    gain = jitter * (CHIME_NEAR / np.maximum(dist, CHIME_NEAR)) ** 2 * np.clip(1.0 - (dist / radius) ** 2, 0.0, 1.0)
    pan = np.clip(np.sum(offset * right[at], axis=1) / np.maximum(dist, 1e-6), -1.0, 1.0)
    angle = (pan + 1.0) * np.pi / 4  # equal-power pan
    sample = np.round(ev.release * RATE).astype(int)
    keep = heard & (sample < n) & (gain > 1e-4)
    top = max(float(tips[:, 2].max()), 1.0)
    notes = chime_pitch(ev.position[:, 2], top)
    def trains():
        for note in np.unique(notes[keep]):
            pick = keep & (notes == note)
            imp = np.zeros((2, n))
            np.add.at(imp[0], sample[pick], gain[pick] * np.cos(angle[pick]))
            np.add.at(imp[1], sample[pick], gain[pick] * np.sin(angle[pick]))
            yield imp, bell(note_hz(int(note), s["chime_hz"]))

    out = _convolve(trains(), n, longest=int(BELL_SECONDS * RATE))
    return out * CHIME_GAIN, np.sort(ev.release[keep])


def beat_times(cfg: dict, seconds: float) -> tuple[np.ndarray, np.ndarray]:
    """(seconds, gain) of every beat of the heart's pulse: lub then dub, each cycle."""
    period = 60.0 / cfg["heart"]["pulse_bpm"]
    k = np.arange(int(np.ceil(seconds / period)) + 1)
    times = np.concatenate([(k + core_heart.LUB) * period, (k + core_heart.DUB) * period])
    gains = np.concatenate([np.ones(len(k)), np.full(len(k), core_heart.DUB_STRENGTH)])
    order = np.argsort(times)
    times, gains = times[order], gains[order]
    inside = times < seconds
    return times[inside], gains[inside]


def thump(length: float = 0.45) -> np.ndarray:
    """A soft low beat: 58 Hz gliding to 38 Hz, felt more than heard, with a faint knock on top."""
    tt = np.arange(int(length * RATE)) / RATE
    f = 38.0 + 20.0 * np.exp(-tt / 0.05)
    body = np.sin(2 * np.pi * np.cumsum(f) / RATE) * np.exp(-tt / 0.11)
    knock = 0.35 * np.sin(2 * np.pi * 120.0 * tt) * np.exp(-tt / 0.03)
    return (body + knock) * np.clip(tt / 0.004, 0.0, 1.0)


def heartbeat(cfg: dict, response, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The pulse as sound: louder as warmth returns, silent when the heart is near out."""
    times, gains = beat_times(cfg, n / RATE)
    warmth = np.interp(times, response.seconds, response.channels["warmth"])
    alive = ease((warmth - 0.12) / 0.18)
    gain = gains * alive * (0.35 + 0.65 * warmth)
    at = np.round(times * RATE).astype(int)
    keep = (gain > 1e-3) & (at < n)  # a beat in the film's last half-sample rounds past its end
    imp = np.zeros(n)
    np.add.at(imp, at[keep], gain[keep])
    mono = _convolve([(imp, thump())], n)
    return np.stack([mono, mono]), times[keep]


def crackle(cfg: dict, response, n: int) -> np.ndarray:
    """Frost advancing: sparse ice clicks, as many as the frost front is fast (up to 60 a second)."""
    frost = response.channels["frost"]
    fps = cfg["timeline"]["fps"]
    speed = np.maximum(np.diff(frost, prepend=frost[0]) * fps, 0.0)
    if n == 0 or speed.max() <= 0:
        return np.zeros((2, n))
    rng = stream(cfg["seed"], "sound", "frost")
    counts = rng.poisson(60.0 * speed / speed.max() / fps)
    frame = np.repeat(np.arange(len(counts)), counts)
    at = (response.seconds[frame] + rng.uniform(0.0, 1.0 / fps, len(frame))) * RATE
    at = np.clip(at.astype(int), 0, n - 1)
    amp = rng.lognormal(0.0, 0.5, len(at)) * rng.choice([-1.0, 1.0], len(at))
    pan = rng.uniform(0.0, np.pi / 2, len(at))
    imp = np.zeros((2, n))
    np.add.at(imp[0], at, amp * np.cos(pan))
    np.add.at(imp[1], at, amp * np.sin(pan))
    burst = rng.normal(0.0, 1.0, int(0.004 * RATE)) * np.exp(-np.arange(int(0.004 * RATE)) / (0.0008 * RATE))
    return _convolve([(imp, np.diff(burst, prepend=0.0))], n) * CRACKLE_GAIN  # diff: the ice's high crackle
