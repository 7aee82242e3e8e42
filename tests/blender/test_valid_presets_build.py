"""Whatever validates, builds: values drawn across the schema's ranges for the sketch preset either
fail validation (exit 2) or build in Blender (hypothesis)."""
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sanctuary.config import presets
from sanctuary.config.errors import ConfigError
from sanctuary.config.overrides import value_text
from sanctuary.config.schema import Bool, Float, Int, Str, Table, TableList, Variant, Vec, spec_at

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


def spec_of(key: str):
    return spec_at(presets.SCENE.schema, presets.parse_key(key), "override")


def value_for(spec, current):
    """Values across a key's documented range (and a little past it, which must be refused)."""
    if isinstance(spec, Bool):
        return st.booleans()
    if isinstance(spec, Int):
        lo = spec.lo if spec.lo is not None else -1000
        hi = spec.hi if spec.hi is not None else 1000
        return st.one_of(st.integers(lo, hi), st.sampled_from([lo, hi, lo - 1, hi + 1]))
    if isinstance(spec, Float):
        lo = spec.lo if spec.lo is not None else -1000.0
        hi = spec.hi if spec.hi is not None else 1000.0
        return st.one_of(st.floats(lo, hi), st.sampled_from([lo, hi, math.nextafter(hi, math.inf)]))
    if isinstance(spec, Vec):
        item = st.integers(int(spec.lo), int(spec.hi)) if spec.integer else st.floats(spec.lo, spec.hi)
        return st.lists(item, min_size=spec.n, max_size=spec.n)
    if isinstance(spec, Str) and spec.choices:
        return st.sampled_from(spec.choices)
    return st.just(current)


def current_at(key: str):
    node = SKETCH
    for k in presets.parse_key(key):
        node = node[k]
    return node


# The slow extremes are part of the draw: a build must survive them, but one that would need more than
# a few seconds here is what the schema's budget rules refuse.
@st.composite
def overrides(draw):
    keys = draw(st.lists(st.sampled_from([k for k in KEYS if not k.startswith(("meta.", "captions."))]),
                         min_size=1, max_size=3, unique=True))
    out = []
    for key in keys:
        spec = spec_of(key)
        if isinstance(spec, (Table, TableList, Variant)):
            continue
        value = draw(value_for(spec, current_at(key)))
        out.append(f"{key}={value_text(value)}")
    return out


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(sets=overrides())
def test_whatever_validates_builds(fresh_bpy, sets):
    from sanctuary import jobs

    try:
        loaded = presets.load_scene("sketch", None, tuple(sets))
    except ConfigError as e:
        assert "\n" not in e.line()
        return
    jobs.new_file()
    info = jobs.build(loaded)
    assert info["counts"]["objects"] > 0
