"""Generated input: `validate` gets hundreds of generated bad inputs (types, NaN and
infinities, huge and negative numbers, deep nesting, unknown and repeated keys, bad
indices, unicode, multi-line values, inherits loops): every answer is exit 0 or exit 2
with one line, never a traceback. No bpy."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sanctuary import cli
from sanctuary.config import presets

SKETCH = presets.load_scene("sketch").data


def leaves(value, path=""):
    """Every leaf key path of a loaded preset: forest.tree_count, shots[2].lens, ..."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from leaves(v, f"{path}.{k}" if path else k)
    elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        for i, v in enumerate(value):
            yield from leaves(v, f"{path}[{i}]")
    else:
        yield path


KEYS = sorted(leaves(SKETCH))


def validate(capsys, *args: str) -> tuple[int, str]:
    code = cli.main(["validate", *args])
    err = capsys.readouterr().err
    return code, err


def deep(n: int, open_: str = "[", close: str = "]") -> str:
    return open_ * n + close * n


toml_text = st.one_of(
    st.integers(min_value=-10**30, max_value=10**30).map(str),
    st.sampled_from(["nan", "inf", "-inf", "+inf", "1e309", "-1e309", "1" + "0" * 309, "9" * 4301, "0x1F",
                     "1_000", "true", "false", "1979-05-27", "07:32:00", '""', "''", '"\\u0000"', "[]", "{}",
                     "{a=1, a=2}", "[1, [2, [3]]]", "[1, 'a']", '"forest"', "= =", "\"unterminated", "x\ny = 2",
                     deep(500), deep(60, "{a=", "}"), "[" * 1000, "é", "🌲", "\t", ""]),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(max_size=30),
    st.recursive(st.integers(-5, 5).map(str), lambda inner: st.lists(inner, max_size=3).map(
        lambda xs: "[" + ", ".join(xs) + "]"), max_leaves=8),
)

key_text = st.one_of(
    st.sampled_from(KEYS),
    st.sampled_from(["inherits", "seed", "shots[999].lens", "shots[-1].lens", "shots[99999999999999999999].lens",
                     "shots.lens", "forest..tree_count", "forest.", ".forest", "shots[", "shots[0]", "forest",
                     "timeline.acts[0].pattern", "timeline.acts[0].kind", "forest.species[0].nope", "ünïcode",
                     "render.quality", "meta.name", "forest.tree_cont", "", "=", "a=b"]),
    st.text(min_size=1, max_size=20),
)


@settings(max_examples=350, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sets=st.lists(st.tuples(key_text, toml_text), min_size=1, max_size=3),
       quality=st.one_of(st.none(), st.sampled_from(["draft", "prevew", "nope", "", "../x", "final"])))
def test_validate_answers_every_generated_input_with_exit_0_or_2(capsys, sets, quality):
    args = ["sketch"]
    for k, v in sets:
        args += ["--set", f"{k}={v}"]
    if quality is not None:
        args += ["--quality", quality]
    code, err = validate(capsys, *args)
    assert code in (0, 2), err
    assert "Traceback" not in err and "internal error" not in err
    if code == 2:
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("sanctuary: error: "), err


@pytest.mark.parametrize("files, start", [
    ({"a.toml": 'inherits = "b.toml"', "b.toml": 'inherits = "a.toml"'}, "a.toml"),
    ({"a.toml": 'inherits = "a"'}, "a.toml"),
    ({"a.toml": 'inherits = "missing.toml"'}, "a.toml"),
    ({"a.toml": 'inherits = "b"', "b.toml": "seed = [[[[1]]]]"}, "a.toml"),
    ({"a.toml": "seed = 1\nseed = 2"}, "a.toml"),
    ({"a.toml": "x = " + deep(600)}, "a.toml"),
    ({"a.toml": "seed = " + "9" * 5000}, "a.toml"),
    ({"a.toml": b"\xff\xfe".decode("latin-1")}, "a.toml"),
    ({"a.toml": "[heart]\nglow = nan"}, "a.toml"),
    ({"a.toml": '[render]\nquality = "ultra"'}, "a.toml"),
])
def test_broken_preset_files_are_exit_2(tmp_path, capsys, files, start):
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    code, err = validate(capsys, str(tmp_path / start))
    assert code == 2 and len(err.strip().splitlines()) == 1 and str(tmp_path) in err, err


def test_relative_inherits_are_read_from_the_inheriting_file(tmp_path, capsys, monkeypatch):
    (tmp_path / "presets").mkdir()
    (tmp_path / "presets" / "base.toml").write_text("[heart]\nglow = 3.0\n")
    (tmp_path / "presets" / "child.toml").write_text('inherits = "base.toml"\n[frost]\ncoverage = 0.5\n')
    (tmp_path / "presets" / "by_name.toml").write_text('inherits = "base"\n')
    monkeypatch.chdir(tmp_path)  # not the presets' folder
    for name in ("child", "by_name"):
        assert presets.load_scene(f"presets/{name}.toml").data["heart"]["glow"] == 3.0
    assert validate(capsys, "presets/child.toml")[0] == 0


@pytest.mark.parametrize("args, words", [
    (["sketch", "--set", "heart.glow=1" + "0" * 309], "--set: heart.glow: expected a number in 0.0..100.0"),
    (["sketch", "--set", "seed=" + "1" * 4301], "--set: seed: an integer of more than 4300 digits"),
    (["sketch", "--set", "seed=" + deep(500)], "--set: seed: value nested too deeply"),
    (["sketch", "--set", "inherits=nonexistent"], "--set: inherits: only a preset file inherits"),
    (["sketch", "--set", "forest.tree_count=3\nseed=5"], "--set: forest.tree_count: a value must be on one line"),
    (["sketch", "--quality", "nope"], "--quality: no quality tier named 'nope'"),
    (["default", "--quality", "prevew"], "--quality: no quality tier named 'prevew'; did you mean 'preview'?"),
    (["defualt"], "validate PRESET: no preset named 'defualt'; did you mean 'default'?"),
    (["sketch", "--set", "render.quality=ultra"], "--set: render.quality: no quality tier named 'ultra'"),
    (["sketch", "--set", "seed=1", "--set", "seed=2"], "--set: seed: set twice"),
    (["sketch", "--set", 'shots[0].end="forest+0.01"', "--set", 'shots[1].start="forest+0.01"'],
     "--set: shots[0].end: the shot lasts 0.010 s, less than one frame at 24 fps"),
])
def test_the_validator_names_the_right_source_and_key(capsys, args, words):
    code, err = validate(capsys, *args)
    assert code == 2 and err.startswith(f"sanctuary: error: {words}"), err
