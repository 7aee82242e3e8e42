"""What a scene preset and a quality tier may say: keys, types, ranges, meaning.

`SCENE` and `QUALITY` are the schemas; `check_scene` adds the rules that span
several keys (acts inside the film, shots covering it without gaps). Lengths
are metres, times seconds, colours linear RGB, angles degrees.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..core.story import timeline as tl
from .errors import ConfigError
from .schema import Bool, Float, Int, Spec, Str, Table, TableList, Variant, Vec, found

SEED_MAX = 2**31 - 1  # what a Blender integer property holds (the panel's seed)
COLOR = dict(n=3, lo=0.0, hi=1.0)
AGX_LOOKS = ("none", "punchy", "greyscale", "very_high_contrast", "high_contrast", "medium_high_contrast",
             "base_contrast", "medium_low_contrast", "low_contrast", "very_low_contrast")


@dataclass(frozen=True)
class TimeRef(Spec):
    """Seconds from the start of the film, or "beat" / "beat+seconds"."""

    def expected(self) -> str:
        return 'seconds >= 0 or a beat reference like "approach" or "approach+2.5"'

    def check(self, value, path, source, partial=False):
        if isinstance(value, str):
            m = tl.TIME_REF.fullmatch(value)
            if m and m["beat"] in tl.BEATS:
                return value
        elif isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value < float("inf"):
            try:
                return float(value)
            except OverflowError:  # an integer beyond any float
                pass
        raise self.fail(value, path, source)


SPECIES = Table(fields={
    "name": Str(pattern=r"[a-z][a-z0-9_]*", doc="species id"),
    "weight": Float(lo=0.0, hi=100.0, doc="relative share of the forest"),
    "height": Float(lo=2.0, hi=60.0, unit="m", doc="mean tree height"),
    "height_jitter": Float(lo=0.0, hi=0.5, doc="relative spread of heights"),
    "trunk_radius": Float(lo=0.05, hi=2.0, unit="m"),
    "crown_radius": Float(lo=0.5, hi=20.0, unit="m"),
    "branch_angle": Float(lo=5.0, hi=90.0, unit="deg"),
    "branch_levels": Int(lo=1, hi=4),
    "droop": Float(lo=0.0, hi=1.0, doc="how much branch tips hang (weeping)"),
    "leaf_size": Float(lo=0.02, hi=0.5, unit="m"),
})

BEATS = Table(fields={name: Float(lo=0.5, hi=600.0, unit="s", soft=(1.0, 30.0)) for name in tl.BEATS})

ACT_COMMON = {
    "beat": Str(choices=tl.BEATS, doc="the beat the act is anchored to"),
    "start": Float(lo=0.0, hi=600.0, unit="s", doc="seconds after the beat starts"),
    "duration": Float(lo=0.1, hi=600.0, unit="s"),
}
ACT = Variant(tag="kind", common=ACT_COMMON, kinds={
    "reach": {
        "from_distance": Float(lo=0.3, hi=60.0, unit="m", default=9.0),
        "to_distance": Float(lo=0.3, hi=60.0, unit="m", default=1.2),
        "intensity": Float(lo=0.0, hi=5.0, default=1.0, doc="how hard the heart is grasped at"),
    },
    "still": {},
    "gather_leaves": {
        "pattern": Str(choices=("phyllotaxis", "rings", "rosette"), default="phyllotaxis"),
        "count": Int(lo=1, hi=2000, default=89),
        "symmetry": Int(lo=2, hi=24, default=7, doc="n-fold symmetry of rings and rosettes"),
    },
    "coax_water": {
        "streams": Int(lo=1, hi=24, default=5),
        "moat_radius": Float(lo=0.8, hi=6.0, unit="m", default=1.8),
    },
    "hum": {
        "interval": Str(choices=("unison", "third", "fourth", "fifth", "octave"), default="fifth"),
    },
})

SHOT = Table(fields={
    "name": Str(pattern=r"[a-z][a-z0-9_]*"),
    "move": Str(choices=("crane_down", "dolly", "handheld_push", "close_up", "locked",
                         "orbit", "pull_back", "crane_out")),
    "start": TimeRef(),
    "end": TimeRef(),
    "lens": Float(lo=8.0, hi=300.0, unit="mm"),
    "fstop": Float(lo=0.7, hi=64.0, doc="aperture for depth of field"),
    "subject": Str(choices=("heart", "pedestal", "clearing", "canopy"), default="heart",
                   doc="what the camera aims and focuses at"),
})

SOUND = Table(default={}, fields={
    "enabled": Bool(default=True, doc="make the soundtrack: film.wav, muxed into film.mp4 as AAC"),
    "hum_hz": Float(lo=20.0, hi=220.0, unit="Hz", soft=(30.0, 110.0), default=55.0,
                    doc="the forest's drone: its fundamental"),
    "hum_brightness": Float(lo=0.0, hi=1.0, default=0.55, doc="the drone's timbre: how strong its upper partials are"),
    "hum_beating": Float(lo=0.0, hi=3.0, unit="Hz", default=0.35,
                         doc="how fast the drone's partials beat until the hum act brings harmony"),
    "chime_hz": Float(lo=200.0, hi=4000.0, unit="Hz", soft=(400.0, 2000.0), default=880.0,
                      doc="the lowest leaves' chime; higher leaves ring higher, two octaves of a pentatonic scale"),
    "hearing_radius": Float(lo=1.0, hi=100.0, unit="m", soft=(4.0, 40.0), default=14.0,
                            doc="drips farther than this from the camera are not heard"),
    "hum_db": Float(lo=-60.0, hi=12.0, unit="dB", default=0.0, doc="level of the drone"),
    "voice_db": Float(lo=-60.0, hi=12.0, unit="dB", default=-2.0, doc="level of the hum act's voice"),
    "chimes_db": Float(lo=-60.0, hi=12.0, unit="dB", default=0.0, doc="level of a drip 2 m from the camera"),
    "heartbeat_db": Float(lo=-60.0, hi=12.0, unit="dB", default=0.0, doc="level of the heartbeat"),
    "frost_db": Float(lo=-60.0, hi=12.0, unit="dB", default=-6.0, doc="level of the frost's crackle"),
    "loudness": Float(lo=-40.0, hi=-6.0, unit="LUFS", default=-16.0,
                      doc="integrated loudness of the soundtrack (ITU-R BS.1770); -16 suits headphones"),
    "bit_depth": Int(lo=16, hi=24, default=24, doc="film.wav's sample size: 16 or 24 bits"),
})

CAPTIONS = Table(default={}, fields={
    name: Str(max_len=200, default="", doc=f"caption shown while the {name} beat plays (film.srt)")
    for name in tl.BEATS})

SCENE = Table(fields={
    "inherits": Str(pattern=r"[A-Za-z0-9_.\-/ ]*", default="", doc="preset this one starts from"),
    "seed": Int(lo=0, hi=SEED_MAX),
    "meta": Table(fields={
        "name": Str(pattern=r"[A-Za-z0-9_\- ]+", max_len=60),
        "description": Str(max_len=200),
    }),
    "forest": Table(fields={
        "tree_count": Int(lo=0, hi=2000, soft=(0, 400)),
        "radius": Float(lo=5.0, hi=400.0, unit="m", soft=(15.0, 80.0), doc="outer edge of the forest"),
        "min_spacing": Float(lo=0.5, hi=20.0, unit="m", soft=(1.0, 6.0), doc="Poisson-disk distance between trunks"),
        "edge_density": Float(lo=0.0, hi=1.0, doc="how much denser and taller trees grow at the clearing's edge"),
        "leaves_per_tree": Int(lo=0, hi=20000, soft=(0, 4000)),
        "species": TableList(item=SPECIES, min_len=1, max_len=16, unique="name"),
    }),
    "leaves": Table(fields={
        "color": Vec(**COLOR),
        "roughness": Float(lo=0.0, hi=1.0),
        "thin_film": Vec(n=2, lo=0.0, hi=2000.0, doc="thin-film thickness range, nm"),
        "drip_period": Float(lo=0.5, hi=120.0, unit="s", soft=(1.0, 20.0), doc="mean time between drips of one leaf"),
        "drip_jitter": Float(lo=0.0, hi=1.0),
        "fallen_count": Int(lo=0, hi=100000, soft=(0, 8000), doc="emerald and sapphire leaves on the floor"),
    }),
    "clearing": Table(fields={
        "radius": Float(lo=2.0, hi=50.0, unit="m", soft=(3.0, 15.0), doc="no trunk grows inside it"),
        "rise": Float(lo=0.0, hi=2.0, unit="m", soft=(0.0, 0.5), doc="how much the clearing floor is raised"),
    }),
    "ground": Table(fields={
        "size": Float(lo=10.0, hi=1000.0, unit="m", soft=(40.0, 200.0)),
        "resolution": Int(lo=8, hi=1024, soft=(16, 400), doc="grid cells along one side"),
        "undulation": Float(lo=0.0, hi=5.0, unit="m"),
        "rim_rise": Float(lo=0.0, hi=10.0, unit="m", default=0.9,
                          doc="how far the floor rises from the clearing's edge to four clearing radii out"),
        "color": Vec(**COLOR),
    }),
    "sky": Table(fields={
        "hue_cycle": Float(lo=1.0, hi=3600.0, unit="s", soft=(5.0, 120.0),
                           doc="seconds for the sun to cycle the spectrum"),
        "saturation": Float(lo=0.0, hi=1.0),
        "sun_strength": Float(lo=0.0, hi=100.0, unit="W/m2", soft=(0.0, 10.0)),
        "sun_elevation": Float(lo=-10.0, hi=90.0, unit="deg"),
        "sun_azimuth": Float(lo=-360.0, hi=360.0, unit="deg"),
        "sky_strength": Float(lo=0.0, hi=20.0, soft=(0.0, 3.0)),
        "haze": Float(lo=0.0, hi=1.0),
    }),
    "pedestal": Table(fields={
        "height": Float(lo=0.3, hi=3.0, unit="m", soft=(0.6, 1.8)),
        "width": Float(lo=0.3, hi=3.0, unit="m", soft=(0.6, 1.8)),
        "tiers": Int(lo=1, hi=6),
        "weathering": Float(lo=0.0, hi=1.0),
        "moss": Float(lo=0.0, hi=1.0),
        "color": Vec(**COLOR),
    }),
    "heart": Table(fields={
        "size": Float(lo=0.1, hi=1.0, unit="m", soft=(0.15, 0.6)),
        "hover": Float(lo=0.0, hi=1.0, unit="m", doc="gap above the pedestal top"),
        "pulse_bpm": Float(lo=10.0, hi=200.0, soft=(30.0, 120.0)),
        "scale": Float(lo=0.2, hi=2.0, doc="channel: size multiplier"),
        "glow": Float(lo=0.0, hi=100.0, soft=(0.0, 10.0), doc="channel: emission strength"),
        "warmth": Float(lo=0.0, hi=1.0, doc="channel: 0 cold moonlight .. 1 warm dawn"),
        "flicker": Float(lo=0.0, hi=1.0, doc="channel: amplitude of flicker"),
        "moonlight": Vec(**COLOR),
        "dawn": Vec(**COLOR),
    }),
    "frost": Table(fields={
        "coverage": Float(lo=0.0, hi=1.0, doc="channel: 0 none .. 1 full reach"),
        "reach": Float(lo=0.2, hi=20.0, unit="m", soft=(1.0, 8.0), doc="radius covered at coverage 1"),
        "crystal_density": Float(lo=0.0, hi=5000.0, soft=(0.0, 2000.0), doc="crystals per m2 at full coverage"),
        "color": Vec(**COLOR),
    }),
    "timeline": Table(fields={
        "fps": Int(lo=1, hi=120),
        "beats": BEATS,
        "acts": TableList(item=ACT, max_len=200),
    }),
    "shots": TableList(item=SHOT, min_len=1, max_len=100, unique="name"),
    "sound": SOUND,
    "captions": CAPTIONS,
    "render": Table(fields={
        "quality": Str(pattern=r"[A-Za-z0-9_\-]+", doc="quality tier used when none is given"),
        "exposure": Float(lo=-10.0, hi=10.0, unit="EV"),
        "look": Str(choices=AGX_LOOKS, default="medium_high_contrast", doc="AgX look"),
        "vignette": Float(lo=0.0, hi=1.0, default=0.25, doc="how much the corners darken"),
        "bloom": Float(lo=0.0, hi=2.0, default=0.6, doc="strength of the glow around bright light"),
        "trailer_frames": Int(lo=0, hi=240, default=12,
                              doc="with no --frames or --shot: this many frames from the middle of each shot "
                                  "(0: one still per shot)"),
    }),
})

QUALITY = Table(fields={
    "inherits": Str(pattern=r"[A-Za-z0-9_.\-/ ]*", default=""),
    "description": Str(max_len=200),
    "engine": Str(choices=("CYCLES", "EEVEE", "WORKBENCH")),
    "resolution": Vec(n=2, lo=16, hi=16384, integer=True),
    "samples": Int(lo=1, hi=65536),
    "adaptive_threshold": Float(lo=0.0, hi=1.0),
    "max_bounces": Int(lo=0, hi=1024),
    "diffuse_bounces": Int(lo=0, hi=1024),
    "glossy_bounces": Int(lo=0, hi=1024),
    "transmission_bounces": Int(lo=0, hi=1024),
    "volume_bounces": Int(lo=0, hi=1024),
    "denoiser": Str(choices=("OPENIMAGEDENOISE", "NONE")),
    "persistent_data": Bool(),
    "simplify": Bool(),
    "simplify_subdivision": Int(lo=0, hi=6),
    "motion_blur": Bool(),
    "format": Str(choices=("PNG", "OPEN_EXR")),
    # Speed levers measured by scripts/bench_render.py (see README, "Rendering").
    "denoise_prefilter": Str(choices=("FAST", "ACCURATE", "NONE"), default="ACCURATE",
                             doc="FAST: one denoiser pass instead of three"),
    "denoise_quality": Str(choices=("FAST", "BALANCED", "HIGH"), default="HIGH"),
    "fast_gi": Bool(default=False, doc="approximate indirect light after ao_bounces bounces (Cycles Fast GI)"),
    "ao_bounces": Int(lo=1, hi=1024, default=1, doc="with fast_gi: bounces of real light before the approximation "
                                                    "(2: mercury mirrors mercury instead of going dark)"),
    "camera_cull": Bool(default=False, doc="leave objects and instances outside the camera's view out of the render"),
    "cull_distance": Float(lo=0.0, hi=100000.0, default=0.0, unit="m",
                           doc="with camera_cull: keep what is nearer than this even out of view (its shadows "
                               "and reflections); 0 culls everything out of view"),
    "light_tree": Bool(default=True, doc="Cycles' light tree for choosing lights; off, lights are picked by power "
                                         "(faster here at a few samples, as good at the preview tier)"),
    "world_importance": Bool(default=True, doc="importance-sample the sky (costs ~1 s of set-up a frame)"),
    "air_volume": Bool(default=False, doc="light in the air as a real volume (a box over the forest; slow) instead of the "
                                          "compositor's haze and shafts"),
    "frame_seconds": Float(lo=0.0, hi=1e6, default=0.0, unit="s",
                           doc="what a frame of the default preset took at this tier on a 2-core CPU (measured; "
                               "0: not measured): for the estimates of --dry-run and --help"),
})


def check_quality(q: dict, source: str) -> dict:
    """The film is H.264, whose 4:2:0 frames need even sizes: refuse odd ones before rendering."""
    if any(v % 2 for v in q["resolution"]):
        raise ConfigError(source, "resolution", f"width and height must be even for the H.264 film, "
                                                f"found {q['resolution']}")
    return q


def check_scene(cfg: dict, source: str) -> dict:
    """Rules across keys, after the schema: acts inside the film, shots tiling it."""
    timeline = cfg["timeline"]
    film = tl.film_seconds(timeline)
    for i, act in enumerate(timeline["acts"]):
        start, end = tl.act_span(act, timeline)
        if end > film + 1e-6:
            raise ConfigError(source, f"timeline.acts[{i}].duration",
                              f"act ends at {end:.2f} s, after the film ends at {film:.2f} s")
    t = 0.0
    for i, shot in enumerate(cfg["shots"]):
        start = tl.resolve(shot["start"], timeline, "start")
        end = tl.resolve(shot["end"], timeline, "end")
        if abs(start - t) > 1e-6:
            what = "a gap" if start > t else "an overlap"
            raise ConfigError(source, f"shots[{i}].start",
                              f"{what}: shot starts at {start:.2f} s but the previous one ends at {t:.2f} s "
                              f"(found {found(shot['start'])})")
        if end <= start:
            raise ConfigError(source, f"shots[{i}].end",
                              f"shot ends at {end:.2f} s, not after its start at {start:.2f} s")
        fps = timeline["fps"]
        if tl.to_frame(end, fps) - 1 < tl.to_frame(start, fps):
            raise ConfigError(source, f"shots[{i}].end", f"the shot lasts {end - start:.3f} s, less than one "
                                                          f"frame at {fps} fps (found {found(shot['end'])})")
        t = end
    if abs(t - film) > 1e-6:
        raise ConfigError(source, f"shots[{len(cfg['shots']) - 1}].end",
                          f"the last shot ends at {t:.2f} s but the film runs to {film:.2f} s")
    if cfg["sound"]["bit_depth"] not in (16, 24):
        raise ConfigError(source, "sound.bit_depth", f"expected 16 or 24, found {cfg['sound']['bit_depth']}")
    species_weight = sum(s["weight"] for s in cfg["forest"]["species"])
    if species_weight <= 0:
        raise ConfigError(source, "forest.species", "at least one species needs a weight above 0")
    return cfg
