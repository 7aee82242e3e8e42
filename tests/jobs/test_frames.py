"""Which frames a render covers, chunks for farms, and the progress line (no bpy)."""
import io

import pytest

from sanctuary.cli import WORDS
from sanctuary.config import presets
from sanctuary.config.errors import ConfigError, Source
from sanctuary.core.plan import ScenePlan
from sanctuary.core.story import timeline as tl
from sanctuary.core.story.shots import plan_shots
from sanctuary.jobs.frames import select_chunk, select_frames, sheet_stills
from sanctuary.jobs.progress import Progress, status


@pytest.fixture(scope="module")
def cfg():
    return presets.load_scene().data


@pytest.mark.parametrize("count", [0, 1, 7, 84, 1440])
@pytest.mark.parametrize("n", [1, 2, 3, 8, 100])
def test_chunks_cover_the_frames_exactly_once(count, n):
    frames = list(range(10, 10 + count))
    slices = [tl.chunk(frames, i, n) for i in range(1, n + 1)]
    assert [f for s in slices for f in s] == frames  # in order, each once
    sizes = [len(s) for s in slices]
    assert max(sizes) - min(sizes) <= 1


@pytest.mark.parametrize("text", ["0/4", "5/4", "1/0", "x", "2-4", "-1/3"])
def test_bad_chunks_name_the_option(text):
    with pytest.raises(ConfigError) as e:
        select_chunk([1, 2, 3], text)
    assert e.value.source == Source.CHUNK and e.value.line(WORDS).startswith("--chunk: ")


def test_chunk_parses():
    assert tl.parse_chunk(" 3 / 8 ") == (3, 8)
    assert select_chunk(list(range(1, 11)), "2/3") == [5, 6, 7]
    assert select_chunk([4, 5], None) == [4, 5]


def test_trailer_takes_frames_from_the_middle_of_every_shot(cfg):
    plans = plan_shots(cfg)
    n = cfg["render"]["trailer_frames"]
    frames = select_frames(ScenePlan(cfg))
    assert len(frames) == n * len(plans) and frames == sorted(set(frames))
    for p in plans:
        inside = [f for f in frames if p.frame_start <= f <= p.frame_end]
        assert len(inside) == n and inside == list(range(inside[0], inside[0] + n))
        assert inside[0] <= (p.frame_start + p.frame_end) // 2 <= inside[-1]
    one_each = select_frames(ScenePlan({**cfg, "render": {**cfg["render"], "trailer_frames": 0}}))
    assert one_each == [(p.frame_start + p.frame_end) // 2 for p in plans]


def test_a_shot_renders_on_its_own(cfg):
    close = next(p for p in plan_shots(cfg) if p.name == "heart_close")
    assert select_frames(ScenePlan(cfg), shots=["heart_close"]) == list(range(close.frame_start, close.frame_end + 1))
    assert select_frames(ScenePlan(cfg), frames="5-7,9") == [5, 6, 7, 9]
    with pytest.raises(ConfigError, match="^frames: frames 1-99999 fall outside"):
        select_frames(ScenePlan(cfg), frames="1-99999")


def test_contact_sheet_has_a_still_per_shot_nearest_its_middle(cfg):
    plans = plan_shots(cfg)
    stills = sheet_stills(plans, select_frames(ScenePlan(cfg)))
    assert [label.split()[0] for label, _ in stills] == [p.name for p in plans]
    for (_, f), p in zip(stills, plans):
        assert abs(f - (p.frame_start + p.frame_end) / 2) <= 1
    # Shots with no rendered frame are left out.
    assert [lab.split()[0] for lab, _ in sheet_stills(plans, [plans[2].frame_start])] == [plans[2].name]


def test_progress_bar_on_a_terminal_and_lines_in_a_log():
    assert status(3, 12, 4.0) == "[######..................] 3/12 frames  4.0 s/frame  ETA 0:36"
    assert status(0, 5, None).endswith("-- s/frame  ETA --:--")

    class Tty(io.StringIO):
        def isatty(self):
            return True

    tty, log = Tty(), io.StringIO()
    for stream in (tty, log):
        p = Progress(3, stream)
        p.frame(1, None)  # resumed: already there, costs nothing
        p.frame(2, 5.0)
        p.frame(3, 7.0)
    assert tty.getvalue().count("\r") == 3 and tty.getvalue().endswith("3/3 frames  6.0 s/frame  ETA 0:00\n")
    lines = log.getvalue().splitlines()
    assert len(lines) == 3 and "skipped" in lines[0] and lines[2].startswith("render frame 3: 7.0 s")
