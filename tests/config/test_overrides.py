"""Writing presets back (no bpy): TOML text, --set overrides between presets, saved user presets."""
import copy
import tomllib

import pytest

from sanctuary.config import overrides, presets
from sanctuary.config.errors import ConfigError
from sanctuary.jobs.progress import parse_status, status


@pytest.mark.parametrize("name", ["default", "sketch", "night_vigil"])
def test_dumps_reads_back_to_the_same_values(name):
    data = presets.load_scene(name).data
    assert tomllib.loads(overrides.dumps(data, "a comment\nover two lines")) == data


@pytest.mark.parametrize("value", [0.1, 1e-7, 123456789.123, -0.0, 3, True, "say \"hi\"\n\u00e9", [1.5, 2],
                                   [{"a": 1, "b c": "x"}], {"k": [1, 2]}, "Listen \U0001f332\x7f\t\\",
                                   {"caf\u00e9 \U0001f332": 1}])
def test_value_text_round_trips(value):
    assert tomllib.loads(f"v = {overrides.value_text(value)}")["v"] == value


def test_value_text_refuses_what_toml_cannot_hold():
    with pytest.raises(ValueError):
        overrides.value_text(float("nan"))
    with pytest.raises(TypeError):
        overrides.value_text(object())


def test_assignments_turn_one_preset_into_another_through_set():
    base = presets.load_scene("default").data
    target = copy.deepcopy(base)
    target["forest"]["tree_count"] = 99
    target["heart"]["moonlight"] = [0.5, 0.5, 0.9]
    target["shots"][2]["lens"] = 42.0
    target["shots"][2]["start"] = "approach+0.0"  # a string where there was one
    target["timeline"]["acts"][1]["kind"] = "still"  # another kind: the list goes whole
    for key in ("from_distance", "to_distance", "intensity"):
        del target["timeline"]["acts"][1][key]
    target["forest"]["species"] = target["forest"]["species"][:2]  # shorter: whole
    sets = overrides.assignments(base, target)
    assert "forest.tree_count=99" in sets and "shots[2].lens=42.0" in sets
    assert any(s.startswith("timeline.acts=[") for s in sets)
    assert any(s.startswith("forest.species=[") for s in sets)
    assert presets.load_scene("default", overrides=tuple(sets)).data == target
    assert overrides.assignments(base, base) == []


def test_saved_preset_states_only_its_changes_and_loads_back(tmp_path):
    data = presets.load_scene("sketch", seed=42).data
    data["heart"]["glow"] = 2.5
    path = presets.save_scene(data, "my_night", tmp_path, "a test")
    text = path.read_text()
    assert "inherits" not in text and "glow = 2.5" in text and "[pedestal]" not in text
    loaded = presets.load_scene(str(path))
    expected = {**data, "meta": {"name": "my_night", "description": "a test"}}
    assert loaded.data == expected
    assert [p.name for p in presets.list_presets(extra=(tmp_path,))].count("my_night") == 1
    # Saved over itself, and as "default" (complete: it is the base every preset inherits).
    assert presets.save_scene(loaded.data, "my_night", tmp_path, extra=(tmp_path,)) == path
    full = presets.save_scene(loaded.data, "default", tmp_path / "own_default")
    assert tomllib.loads(full.read_text())["forest"]["tree_count"] == data["forest"]["tree_count"]


def test_saving_a_bad_name_or_to_an_unwritable_place_writes_nothing(tmp_path):
    data = presets.load_scene("sketch").data
    with pytest.raises(ConfigError, match="preset name: expected lower-case"):
        presets.save_scene(data, "../escape", tmp_path)
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    with pytest.raises(ConfigError, match="cannot write"):
        presets.save_scene(data, "mine", blocker / "presets")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_file"]


def test_progress_lines_parse_back():
    line = f"render frame 12: 4.6 s  {status(3, 40, 4.6)}\n"
    assert parse_status(line) == (3, 40, "4.6 s/frame  ETA 2:50")
    assert parse_status("Fra:1 Mem:12M | Synchronizing") is None


def test_a_time_that_is_not_a_number_is_refused():
    with pytest.raises(ConfigError, match=r"^override: shots\[0\].end: expected seconds >= 0"):
        presets.load_scene("default", overrides=("shots[0].end=inf",))
