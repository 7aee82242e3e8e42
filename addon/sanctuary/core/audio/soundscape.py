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
from .mastering import RATE, db, fft_size, master, ramp, segments

if TYPE_CHECKING:
    from ..plan import ScenePlan
from ..story.shots import ShotPlan
from ..story.tending import ease
from ..world.trees import Forest

INTERVALS = {"unison": 1.0, "third": 5 / 4, "fourth": 4 / 3, "fifth": 3 / 2, "octave": 2.0}
PENTATONIC = (0, 2, 4, 7, 9)  # semitones of the major pentatonic: wind chimes' scale
CHIME_NOTES = 10  # two octaves of it, lowest leaves to highest
BELL_SECONDS = 2.5  # how long a chime rings
EVENT_WINDOW = 10.0  # seconds of drips worked out at a time
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


STEMS = ("hum", "voice", "chimes", "heartbeat", "frost")


class Score:
    """The film's sound as what makes it (every chime, beat and click, the drone's and voice's
    curves), rendered a segment at a time: raw(lo, hi) and stems(lo, hi) give samples lo..hi
    of the whole film's signal, the same whichever segments are asked for, so memory holds one
    segment and the events, never the film (issue 22).

    plan: the scene's plan (its shots, forest and the heart's response)."""

    def __init__(self, plan: ScenePlan):
        cfg = self.cfg = plan.cfg
        s = cfg["sound"]
        self.seconds = tl.film_seconds(cfg["timeline"])
        self.n = n = int(round(self.seconds * RATE))
        self.gains = {"hum": db(s["hum_db"]), "voice": db(s["voice_db"]), "chimes": db(s["chimes_db"]),
                      "heartbeat": db(s["heartbeat_db"]), "frost": db(s["frost_db"])}
        self.drone, self.voices = Drone(s, cfg), Voices(cfg)
        self.chime_trains, self.chimes = chime_events(cfg, plan.shots, plan.forest, n)
        self.beat_trains, self.beats = heartbeat_events(cfg, plan.response, n)
        self.crackle_trains = crackle_events(cfg, plan.response, n)

    def stems(self, lo: int, hi: int) -> dict[str, np.ndarray]:
        """Each stem's samples lo..hi (2, hi - lo), at its level, before the fades and mastering."""
        hi = min(hi, self.n)
        if hi <= lo:
            return {k: np.zeros((2, 0)) for k in STEMS}
        return {"hum": self.drone.samples(lo, hi) * self.gains["hum"],
                "voice": self.voices.samples(lo, hi) * self.gains["voice"],
                "chimes": trains_at(self.chime_trains, lo, hi) * CHIME_GAIN * self.gains["chimes"],
                "heartbeat": trains_at(self.beat_trains, lo, hi) * self.gains["heartbeat"],
                "frost": trains_at(self.crackle_trains, lo, hi) * CRACKLE_GAIN * self.gains["frost"]}

    def raw(self, lo: int, hi: int, stems: dict | None = None) -> np.ndarray:
        """The film's sound lo..hi before mastering (2, hi - lo), faded in and out (silence past its end);
        stems: stems(lo, hi) where the caller has them already."""
        stems = self.stems(lo, hi) if stems is None else stems
        t = np.arange(lo, min(hi, self.n)) / RATE
        fade = np.clip(np.minimum(t / 0.3, (self.seconds - t) / 1.0), 0.0, 1.0)
        out = sum(stems[k] for k in STEMS) * fade
        return np.pad(out, ((0, 0), (0, (hi - lo) - out.shape[1])))


def synthesize(plan: ScenePlan) -> Soundscape:
    """The whole film's soundtrack in memory, stems and all (for analysis and tests; the film's
    render streams Score.raw through mastering.film_audio_chunks instead)."""
    score = Score(plan)
    parts = [(st, score.raw(lo, hi, st)) for lo, hi in segments(score.n) for st in [score.stems(lo, hi)]]
    stems = {k: np.concatenate([p[0][k] for p in parts], axis=1).astype(np.float32) for k in STEMS} if parts \
        else {k: np.zeros((2, 0), np.float32) for k in STEMS}
    raw = np.concatenate([p[1] for p in parts], axis=1) if parts else np.zeros((2, 0))
    mix = master(ramp(raw), plan.cfg["sound"]["loudness"])
    return Soundscape(RATE, raw, mix, stems, score.chimes, score.beats)


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


class Drone:
    """Six partials of hum_hz, each two voices beating at hum_beating Hz (less as harmony comes)."""

    def __init__(self, s: dict, cfg: dict):
        self.s, self.cfg = s, cfg
        rng = stream(cfg["seed"], "sound", "drone")
        self.phases = [(rng.uniform(0, 2 * np.pi), rng.uniform(0, np.pi)) for _ in range(6)]
        self.swell_phase = rng.uniform(0, 2 * np.pi)
        self._at, self._sum = 0, 0.0  # the beat rate summed over samples 0.._at - 1 (segments come in order)

    def _rate(self, lo: int, hi: int) -> np.ndarray:
        t = np.arange(lo, hi) / RATE
        return self.s["hum_beating"] * (1.0 - _harmony(self.cfg, t))

    def samples(self, lo: int, hi: int) -> np.ndarray:
        if lo < self._at:
            self._at, self._sum = 0, 0.0
        for a, b in segments(lo - self._at):
            self._sum += float(self._rate(self._at + a, self._at + b).sum())
        self._at = lo
        t = np.arange(lo, hi) / RATE
        rate = self._rate(lo, hi)
        beat_phase = 2 * np.pi * (self._sum + np.cumsum(rate)) / RATE
        self._at, self._sum = hi, self._sum + float(rate.sum())
        out = np.zeros_like(t)
        for k, (sine, beat) in enumerate(self.phases, start=1):
            amp = self.s["hum_brightness"] ** (k - 1) / k ** 0.5
            # sin(a + x) + sin(a - x) = 2 sin(a) cos(x): the pair's beating is cos(x); each partial beats at its own rate.
            out += amp * np.sin(2 * np.pi * k * self.s["hum_hz"] * t + sine) \
                * np.cos(0.5 * beat_phase * (1.0 + 0.35 * (k - 1)) + beat)
        swell = 1.0 + 0.18 * np.sin(2 * np.pi * t / 11.0 + self.swell_phase)  # the forest breathes
        mono = out * swell * np.clip(t / 4.0, 0.0, 1.0) / 2.0
        return np.stack([mono, mono])


def _first_at(seconds: float) -> int:
    """The first sample i with i / RATE >= seconds."""
    i = max(0, int(np.ceil(seconds * RATE)))
    while i > 0 and (i - 1) / RATE >= seconds:
        i -= 1
    while i / RATE < seconds:
        i += 1
    return i


class Voices:
    """The hum acts: an 'mm' an octave above the drone, sliding from 80 cents flat into the interval.
    Each act's phase runs from its start; the sum of its frequency up to where the last segment
    ended is kept (segments come in order), so a segment costs its own length, not the act's."""

    def __init__(self, cfg: dict):
        self.cfg, self.f0 = cfg, cfg["sound"]["hum_hz"]
        self.acts = [(start, end, interval, _first_at(start), _first_at(end))
                     for start, end, interval in _hum_acts(cfg)]
        self._at = [a for *_, a, _ in self.acts]  # per act: where its frequency sum has reached
        self._sum = [0.0] * len(self.acts)

    def _freq(self, act, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
        start, end, interval, _, _ = act
        tt = np.arange(lo, hi) / RATE
        u = (tt - start) / (end - start)
        settle = ease(u / 0.45)
        cents = -80.0 * (1.0 - settle)
        vibrato = 0.004 * settle * np.sin(2 * np.pi * 5.2 * tt)
        return tt, 2.0 * self.f0 * INTERVALS[interval] * 2.0 ** (cents / 1200.0) * (1.0 + vibrato)

    def samples(self, lo: int, hi: int) -> np.ndarray:
        out = np.zeros(hi - lo)
        for i, act in enumerate(self.acts):
            start, end, _, a, b = act
            first, last = max(a, lo), min(b, hi)
            if last <= first:
                continue
            if first < self._at[i]:  # asked out of order: sum again from the act's start
                self._at[i], self._sum[i] = a, 0.0
            for c0, c1 in segments(first - self._at[i]):
                self._sum[i] += float(self._freq(act, self._at[i] + c0, self._at[i] + c1)[1].sum())
            tt, f = self._freq(act, first, last)
            phase = 2 * np.pi * (self._sum[i] + np.cumsum(f)) / RATE
            self._at[i], self._sum[i] = last, self._sum[i] + float(f.sum())
            tone = np.zeros_like(tt)
            for h in range(1, 11):  # a hummed 'mm': strong fundamental, a nasal resonance near 250 Hz
                amp = (1.0 / h) * (0.35 + np.exp(-((h * f - 250.0) / 180.0) ** 2))
                tone += amp * np.sin(h * phase)
            envelope = ease((tt - start) / 1.5) * ease((end - tt) / 2.5) * (1.0 + 0.1 * np.sin(2 * np.pi * tt / 3.7))
            out[first - lo:last - lo] += tone * envelope / 2.0
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


@dataclass
class Train:
    """Impulses, each ringing with the same kernel: a note's chimes, the heartbeats, the frost's clicks."""

    at: np.ndarray  # (k,) the sample of each impulse, in the order they are summed
    amp: np.ndarray  # (2, k) its amplitude in each channel
    kernel: np.ndarray  # what each rings with

    def __post_init__(self):
        self._spectra: dict[int, np.ndarray] = {}

    def spectrum(self, size: int) -> np.ndarray:
        if size not in self._spectra:
            self._spectra = {size: np.fft.rfft(self.kernel, size)}
        return self._spectra[size]


def trains_at(trains: list[Train], lo: int, hi: int) -> np.ndarray:
    """Samples lo..hi (2, hi - lo) of the trains convolved with their kernels (overlap-save: the
    impulses from a kernel's length before lo on, one FFT each, one inverse for their sum)."""
    if not trains or hi <= lo:
        return np.zeros((2, max(hi - lo, 0)))
    longest = max(len(tr.kernel) for tr in trains)
    w0 = lo - longest + 1
    size = fft_size(hi - w0 + longest - 1)
    spectrum = None
    for tr in trains:
        pick = (tr.at >= w0) & (tr.at < hi)
        if not pick.any():
            continue
        imp = np.zeros((2, hi - w0))
        np.add.at(imp[0], tr.at[pick] - w0, tr.amp[0, pick])
        np.add.at(imp[1], tr.at[pick] - w0, tr.amp[1, pick])
        part = np.fft.rfft(imp, size)
        part *= tr.spectrum(size)
        spectrum = part if spectrum is None else spectrum + part
    if spectrum is None:
        return np.zeros((2, hi - lo))
    return np.fft.irfft(spectrum, size)[:, longest - 1:longest - 1 + hi - lo]


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


def chime_events(cfg: dict, plans: list[ShotPlan], grown: Forest, n: int) -> tuple[list[Train], np.ndarray]:
    """A bell for every drip of the forest heard from the camera: (a train a note, seconds of each chime)."""
    s = cfg["sound"]
    if grown.leaves is None or n == 0:
        return [], np.zeros(0)
    seconds = n / RATE
    radius = s["hearing_radius"]
    tips = grown.leaves.tip
    # Leaves that come within earshot of the camera at all (the camera moves < 3 m in half a second).
    coarse = np.arange(0.0, seconds, 0.5)
    cam, _ = camera_track(plans, coarse)
    near = np.zeros(len(tips), dtype=bool)
    cam2 = (cam * cam).sum(axis=1)
    rows = max(1, 2_000_000 // max(len(cam), 1))  # a (rows, cameras) block at a time: memory flat in the film's length
    for lo in range(0, len(tips), rows):
        t = tips[lo:lo + rows]  # |t - c|^2 = |t|^2 + |c|^2 - 2 t.c: a matrix product, not a (k, m, 3) difference
        d2 = (t * t).sum(axis=1)[:, None] + cam2[None, :] - 2.0 * (t @ cam.T)
        near[lo:lo + rows] = d2.min(axis=1) < (radius + 3.0) ** 2
    idx = np.flatnonzero(near)
    sub = DripCycle(grown.cycles.period[idx], grown.cycles.phase[idx])
    fine = np.arange(0.0, seconds + 0.05, 0.05)
    cam, right = camera_track(plans, fine)
    rng = stream(cfg["seed"], "sound", "chimes")
    top = max(float(tips[:, 2].max()), 1.0)
    heard_at, heard_amp, heard_note, heard_s = [], [], [], []
    # The drips a window of the film at a time (in time order, so the jitter's draws are the same as all at once).
    for t0 in np.arange(0.0, seconds, EVENT_WINDOW):
        ev = drip_events(sub, tips[idx], grown.fall_height[idx], t0, min(t0 + EVENT_WINDOW, seconds))
        at = np.clip(np.round(ev.release / 0.05).astype(int), 0, len(fine) - 1)
        offset = ev.position - cam[at]
        dist = np.linalg.norm(offset, axis=1)
        heard = dist < radius
        jitter = rng.uniform(0.8, 1.0, len(dist))  # drops are not all the same size
        # Amplitude falls with the square of the distance beyond CHIME_NEAR (steeper than open air's 1/d,
        # so the nearest drips ring out of the shimmer), fading to nothing at the hearing radius.
        gain = jitter * (CHIME_NEAR / np.maximum(dist, CHIME_NEAR)) ** 2 * np.clip(1.0 - (dist / radius) ** 2, 0.0, 1.0)
        pan = np.clip(np.sum(offset * right[at], axis=1) / np.maximum(dist, 1e-6), -1.0, 1.0)
        angle = (pan + 1.0) * np.pi / 4  # equal-power pan
        sample = np.round(ev.release * RATE).astype(int)
        keep = heard & (sample < n) & (gain > 1e-4)
        heard_at.append(sample[keep])
        heard_amp.append(np.stack([gain[keep] * np.cos(angle[keep]), gain[keep] * np.sin(angle[keep])]))
        heard_note.append(chime_pitch(ev.position[keep, 2], top))
        heard_s.append(ev.release[keep])
    if not heard_at:
        return [], np.zeros(0)
    sample, amp, notes = np.concatenate(heard_at), np.concatenate(heard_amp, axis=1), np.concatenate(heard_note)
    trains = [Train(sample[pick], amp[:, pick], bell(note_hz(int(note), s["chime_hz"])))
              for note in np.unique(notes) for pick in [notes == note]]
    return trains, np.sort(np.concatenate(heard_s))


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


def heartbeat_events(cfg: dict, response, n: int) -> tuple[list[Train], np.ndarray]:
    """The pulse as sound, louder as warmth returns, silent when the heart is near out:
    (its train, the seconds of each beat heard)."""
    times, gains = beat_times(cfg, n / RATE)
    warmth = np.interp(times, response.seconds, response.channels["warmth"])
    alive = ease((warmth - 0.12) / 0.18)
    gain = gains * alive * (0.35 + 0.65 * warmth)
    at = np.round(times * RATE).astype(int)
    keep = (gain > 1e-3) & (at < n)  # a beat in the film's last half-sample rounds past its end
    if not keep.any():
        return [], times[keep]
    return [Train(at[keep], np.stack([gain[keep], gain[keep]]), thump())], times[keep]


def crackle_events(cfg: dict, response, n: int) -> list[Train]:
    """Frost advancing: sparse ice clicks, as many as the frost front is fast (up to 60 a second)."""
    frost = response.channels["frost"]
    fps = cfg["timeline"]["fps"]
    speed = np.maximum(np.diff(frost, prepend=frost[0]) * fps, 0.0)
    if n == 0 or speed.max() <= 0:
        return []
    rng = stream(cfg["seed"], "sound", "frost")
    counts = rng.poisson(60.0 * speed / speed.max() / fps)
    frame = np.repeat(np.arange(len(counts)), counts)
    at = (response.seconds[frame] + rng.uniform(0.0, 1.0 / fps, len(frame))) * RATE
    at = np.clip(at.astype(int), 0, n - 1)
    amp = rng.lognormal(0.0, 0.5, len(at)) * rng.choice([-1.0, 1.0], len(at))
    pan = rng.uniform(0.0, np.pi / 2, len(at))
    burst = rng.normal(0.0, 1.0, int(0.004 * RATE)) * np.exp(-np.arange(int(0.004 * RATE)) / (0.0008 * RATE))
    return [Train(at, np.stack([amp * np.cos(pan), amp * np.sin(pan)]), np.diff(burst, prepend=0.0))]  # diff: the ice's high crackle
