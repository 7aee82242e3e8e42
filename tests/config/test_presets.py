"""Presets: shipped ones are valid; every kind of bad input is one clear line naming file and key."""
from pathlib import Path

import pytest

from sanctuary.config import presets
from sanctuary.config.errors import ConfigError, Source


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def error_of(fn, *args, **kw) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        fn(*args, **kw)
    assert "\n" not in info.value.line()
    return info.value


def test_every_shipped_preset_and_tier_is_valid():
    scenes = presets.list_presets()
    assert {"default"} <= {p.name for p in scenes}
    for p in scenes:
        assert presets.load_scene(p.name).data["meta"]["description"] == p.description
    tiers = {p.name for p in presets.list_presets(presets.QUALITY)}
    assert {"draft", "preview", "final"} <= tiers
    for name in tiers:
        presets.load_quality(name)


def test_default_describes_the_whole_scene():
    cfg = presets.load_scene().data
    for section in ("forest", "leaves", "clearing", "ground", "sky", "pedestal", "heart", "frost", "timeline",
                    "shots", "render"):
        assert cfg[section], section
    assert len(cfg["forest"]["species"]) >= 3
    assert len(cfg["shots"]) >= 6
    assert {a["kind"] for a in cfg["timeline"]["acts"]} == {"reach", "still", "gather_leaves", "coax_water", "hum"}


def test_a_preset_states_only_what_differs(tmp_path):
    path = write(tmp_path, "mine.toml", '[forest]\ntree_count = 12\n[meta]\nname = "mine"\ndescription = "x"\n')
    cfg = presets.load_scene(path).data
    default = presets.load_scene().data
    assert cfg["forest"]["tree_count"] == 12
    assert cfg["forest"]["species"] == default["forest"]["species"]
    assert cfg["heart"] == default["heart"]


def test_inherits_chain_and_lists_replace_whole(tmp_path):
    write(tmp_path, "base.toml", '[heart]\nglow = 3.0\n')
    child = write(tmp_path, "child.toml", 'inherits = "base"\n[frost]\ncoverage = 0.5\n'
                  '[[forest.species]]\nname = "solo"\nweight = 1.0\nheight = 8.0\nheight_jitter = 0.1\n'
                  'trunk_radius = 0.2\ncrown_radius = 3.0\nbranch_angle = 40.0\nbranch_levels = 2\n'
                  'droop = 0.2\nleaf_size = 0.1\n')
    loaded = presets.load_scene(child, extra=(tmp_path,))
    assert loaded.data["heart"]["glow"] == 3.0 and loaded.data["frost"]["coverage"] == 0.5
    assert [s["name"] for s in loaded.data["forest"]["species"]] == ["solo"]
    assert [p.name for p in loaded.chain] == ["default.toml", "base.toml", "child.toml"]


def test_user_folder_shadows_and_adds_presets(tmp_path, monkeypatch):
    write(tmp_path, "dusk.toml", '[meta]\nname = "dusk"\ndescription = "my dusk"\n')
    monkeypatch.setenv(presets.ENV_PATH, str(tmp_path))
    assert {p.name: p.description for p in presets.list_presets()}["dusk"] == "my dusk"
    assert presets.load_scene("dusk").name == "dusk"


def test_same_values_same_hash_other_values_other_hash():
    a, b = presets.load_scene(), presets.load_scene()
    assert a.digest() == b.digest()
    assert presets.load_scene(seed=8).digest() != a.digest()


@pytest.mark.parametrize("text, key, words", [
    ("[forest]\ntree_cont = 10\n", "forest.tree_cont", "did you mean 'tree_count'"),
    ("[forest]\ntree_count = 'many'\n", "forest.tree_count", "expected an integer in 0..2000, found 'many'"),
    ("[forest]\ntree_count = 5000\n", "forest.tree_count", "expected an integer in 0..2000, found 5000"),
    ("[heart]\nglow = true\n", "heart.glow", "expected a number in 0.0..100.0, found True"),
    ("[heart]\nmoonlight = [1.0, 0.5]\n", "heart.moonlight", "a list of 3 numbers"),
    ("forest = 3\n", "forest", "expected a table, found 3"),
    ("[sky]\nhue_cycle = nan\n", "sky.hue_cycle", "expected a number"),
    ("[hart]\nglow = 1.0\n", "hart", "did you mean 'heart'"),
    ("[[shots]]\nname = 'a'\nmove = 'dolyl'\nstart = 0\nend = 'sanctuary'\nlens = 50.0\nfstop = 2.0\n"
     "subject = 'heart'\n", "shots[0].move", "did you mean 'dolly'"),
    ("[[timeline.acts]]\nkind = 'reach'\nbeat = 'approach'\nstart = 0.0\nduration = 2.0\ncount = 4\n",
     "timeline.acts[0].count", "unknown key"),
    ("[[timeline.acts]]\nkind = 'sing'\nbeat = 'approach'\nstart = 0.0\nduration = 2.0\n",
     "timeline.acts[0].kind", "expected one of"),
    ("[[timeline.acts]]\nkind = 'still'\nbeat = 'sanctuary'\nstart = 5.0\nduration = 20.0\n",
     "timeline.acts[0].duration", "after the film ends"),
    ("[[shots]]\nname = 'a'\nmove = 'dolly'\nstart = 1.0\nend = 'sanctuary'\nlens = 50.0\nfstop = 2.0\n"
     "subject = 'heart'\n", "shots[0].start", "a gap"),
    ("[[shots]]\nname = 'a'\nmove = 'dolly'\nstart = 0\nend = 'panic'\nlens = 50.0\nfstop = 2.0\n"
     "subject = 'heart'\n", "shots[0].end", "film runs to"),
    ("[[shots]]\nname = 'a'\nmove = 'dolly'\nstart = 0\nend = 'sanctuary'\nlens = 50.0\n"
     "subject = 'heart'\n", "shots[0].fstop", "missing key"),
    ("inherits = 'nowhere'\n", "", "no preset named 'nowhere'"),
])
def test_bad_preset_names_file_and_key(tmp_path, text, key, words):
    path = write(tmp_path, "bad.toml", text)
    e = error_of(presets.load_scene, path)
    assert str(path) in e.line()
    assert e.key == key
    assert words in e.message


def test_toml_syntax_error_names_file_and_line(tmp_path):
    path = write(tmp_path, "broken.toml", "[forest]\ntree_count = = 3\n")
    e = error_of(presets.load_scene, path)
    assert e.source == str(path) and "invalid TOML" in e.message and "line 2" in e.message


def test_circular_inheritance(tmp_path):
    write(tmp_path, "a.toml", 'inherits = "b"\n')
    write(tmp_path, "b.toml", 'inherits = "a"\n')
    e = error_of(presets.load_scene, tmp_path / "a.toml", extra=(tmp_path,))
    assert e.key == "inherits" and "circle" in e.message


def test_missing_preset_lists_what_exists():
    e = error_of(presets.load_scene, "no_such_dream")
    assert "no preset named 'no_such_dream'" in e.message and "default" in e.message
    e = error_of(presets.load_scene, "missing/file.toml")
    assert "no preset file" in e.message


def test_incomplete_quality_tier(tmp_path):
    (tmp_path / "quality").mkdir()
    write(tmp_path, "quality/tiny.toml", 'description = "x"\nengine = "CYCLES"\n')
    e = error_of(presets.load_quality, "tiny", extra=(tmp_path,))
    assert e.key == "resolution" and "missing key" in e.message
    write(tmp_path, "quality/wide.toml", 'inherits = "preview"\nresolution = [1280, 720]\ndescription = "w"\n')
    assert presets.load_quality("wide", extra=(tmp_path,)).data["samples"] == \
        presets.load_quality("preview").data["samples"]


@pytest.mark.parametrize("assignment, key, words", [
    ("forest.tree_cont=3", "forest.tree_cont", "did you mean 'tree_count'"),
    ("forest.tree_count=abc", "forest.tree_count", "found 'abc'"),
    ("shots[2].lens=500", "shots[2].lens", "8.0..300.0"),
    ("shots[40].lens=50", "shots[40].lens", "no such entry"),
    ("timeline.acts[0].count=4", "timeline.acts[0].count", "unknown key"),
    ("timeline.beats.panic=0", "timeline.beats.panic", "0.5..600.0"),
    ("heart", "heart", "expected KEY=VALUE"),
    ("forest..x=1", "forest..x", "not a key path"),
])
def test_bad_overrides(assignment, key, words):
    e = error_of(presets.load_scene, overrides=[assignment])
    assert e.source == Source.OVERRIDE and e.key == key and words in e.message


def test_overrides_apply():
    cfg = presets.load_scene(overrides=["forest.tree_count=300", "shots.2.lens=60", "heart.dawn=[1, 0.5, 0.4]",
                                        "meta.description=a night"]).data
    assert cfg["forest"]["tree_count"] == 300
    assert cfg["shots"][2]["lens"] == 60.0
    assert cfg["heart"]["dawn"] == [1.0, 0.5, 0.4]
    assert cfg["meta"]["description"] == "a night"


def test_seed_override_checked():
    assert presets.load_scene(seed=99).data["seed"] == 99
    e = error_of(presets.load_scene, seed=-3)
    assert e.source == Source.SEED


def test_quality_tier_sizes_must_suit_the_h264_film(tmp_path):
    (tmp_path / "quality").mkdir()
    bad = tmp_path / "quality" / "odd.toml"
    bad.write_text('inherits = "draft"\ndescription = "odd"\nresolution = [97, 55]\n')
    with pytest.raises(ConfigError) as e:
        presets.load_quality("odd", extra=(tmp_path,))
    assert e.value.line() == f"{bad}: resolution: width and height must be even for the H.264 film, found [97, 55]"
