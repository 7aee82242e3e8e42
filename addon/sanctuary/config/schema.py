"""A small declarative schema for TOML presets: types, ranges, known keys.

Each spec checks a value and returns it normalised (ints widened to floats
where a float is expected, defaults filled in). Errors are `ConfigError`s that
name the source file, the dotted key path, what was expected and what was
found. `partial=True` checks a fragment (one preset file before merging, one
--set) without complaining about keys it does not mention.
"""
from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass, field
from typing import Any, Mapping

from .errors import ConfigError

MISSING = object()


def found(value: Any) -> str:
    """How a value found in a preset is shown in an error (one short line, whatever the value)."""
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    if isinstance(value, str):
        return repr(value) if len(value) < 60 else repr(value[:57] + "...")
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**18:
        return f"an integer of {len(str(abs(value))) if abs(value) < 10**4000 else 'over 4000'} digits"
    return repr(value)


def join(path: str, key: Any) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


def _range(lo: float | None, hi: float | None) -> str:
    if lo is not None and hi is not None:
        return f" in {lo}..{hi}"
    if lo is not None:
        return f" >= {lo}"
    if hi is not None:
        return f" <= {hi}"
    return ""


@dataclass(frozen=True)
class Spec:
    doc: str = ""
    default: Any = MISSING

    def expected(self) -> str:
        raise NotImplementedError

    def check(self, value: Any, path: str, source: str, partial: bool = False) -> Any:
        raise NotImplementedError

    def fail(self, value: Any, path: str, source: str) -> ConfigError:
        return ConfigError(source, path, f"expected {self.expected()}, found {found(value)}")


@dataclass(frozen=True)
class Int(Spec):
    lo: int | None = None
    hi: int | None = None
    soft: tuple | None = None  # the range a slider offers (typing can go to lo..hi)

    def expected(self) -> str:
        return "an integer" + _range(self.lo, self.hi)

    def check(self, value, path, source, partial=False):
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(value, path, source)
        if (self.lo is not None and value < self.lo) or (self.hi is not None and value > self.hi):
            raise self.fail(value, path, source)
        return value


@dataclass(frozen=True)
class Float(Spec):
    lo: float | None = None
    hi: float | None = None
    unit: str = ""
    soft: tuple | None = None  # the range a slider offers (typing can go to lo..hi)

    def expected(self) -> str:
        unit = f" ({self.unit})" if self.unit else ""
        return "a number" + _range(self.lo, self.hi) + unit

    def check(self, value, path, source, partial=False):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(value, path, source)
        try:
            value = float(value)
        except OverflowError:  # an integer beyond any float
            raise self.fail(value, path, source) from None
        if not math.isfinite(value):
            raise self.fail(value, path, source)
        if (self.lo is not None and value < self.lo) or (self.hi is not None and value > self.hi):
            raise self.fail(value, path, source)
        return value


@dataclass(frozen=True)
class Bool(Spec):
    def expected(self) -> str:
        return "true or false"

    def check(self, value, path, source, partial=False):
        if not isinstance(value, bool):
            raise self.fail(value, path, source)
        return value


@dataclass(frozen=True)
class Str(Spec):
    choices: tuple[str, ...] = ()
    pattern: str = ""
    max_len: int = 200

    def expected(self) -> str:
        if self.choices:
            return "one of " + ", ".join(repr(c) for c in self.choices)
        return "a string" + (f" matching {self.pattern}" if self.pattern else "")

    def check(self, value, path, source, partial=False):
        if not isinstance(value, str) or len(value) > self.max_len:
            raise self.fail(value, path, source)
        if self.choices and value not in self.choices:
            close = difflib.get_close_matches(value, self.choices, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ConfigError(source, path, f"expected {self.expected()}, found {found(value)}{hint}")
        if self.pattern and not re.fullmatch(self.pattern, value):
            raise self.fail(value, path, source)
        return value


@dataclass(frozen=True)
class Vec(Spec):
    """A fixed-length list of numbers: colours, positions, resolutions."""

    n: int = 3
    lo: float | None = None
    hi: float | None = None
    integer: bool = False

    def expected(self) -> str:
        kind = "integers" if self.integer else "numbers"
        return f"a list of {self.n} {kind}" + _range(self.lo, self.hi)

    def check(self, value, path, source, partial=False):
        if not isinstance(value, list) or len(value) != self.n:
            raise self.fail(value, path, source)
        item = Int(lo=self.lo, hi=self.hi) if self.integer else Float(lo=self.lo, hi=self.hi)
        out = []
        for i, v in enumerate(value):
            try:
                out.append(item.check(v, join(path, i), source))
            except ConfigError:
                raise self.fail(value, path, source) from None
        return out


def _unknown(key: str, known: Mapping[str, Any], path: str, source: str) -> ConfigError:
    close = difflib.get_close_matches(str(key), list(known), n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else f"; known keys: {', '.join(sorted(known))}"
    return ConfigError(source, join(path, key), "unknown key" + hint)


@dataclass(frozen=True)
class Table(Spec):
    fields: Mapping[str, Spec] = field(default_factory=dict)

    def expected(self) -> str:
        return "a table"

    def check(self, value, path, source, partial=False):
        if not isinstance(value, dict):
            raise self.fail(value, path, source)
        return check_fields(value, self.fields, path, source, partial)


def check_fields(value: dict, fields: Mapping[str, Spec], path: str, source: str, partial: bool) -> dict:
    for key in value:
        if key not in fields:
            raise _unknown(key, fields, path, source)
    out = {}
    for key, spec in fields.items():
        if key in value:
            out[key] = spec.check(value[key], join(path, key), source, partial)
        elif partial:
            continue
        elif spec.default is not MISSING:
            out[key] = spec.check(spec.default, join(path, key), source)
        else:
            raise ConfigError(source, join(path, key), f"missing key; expected {spec.expected()}")
    return out


@dataclass(frozen=True)
class Variant(Spec):
    """A table whose allowed keys depend on its `tag` key (e.g. an act's kind)."""

    tag: str = "kind"
    common: Mapping[str, Spec] = field(default_factory=dict)
    kinds: Mapping[str, Mapping[str, Spec]] = field(default_factory=dict)

    def expected(self) -> str:
        return f"a table with {self.tag} = " + " | ".join(self.kinds)

    def check(self, value, path, source, partial=False):
        if not isinstance(value, dict):
            raise self.fail(value, path, source)
        if self.tag not in value:
            raise ConfigError(source, join(path, self.tag),
                              f"missing key; expected one of {', '.join(map(repr, self.kinds))}")
        kind = Str(choices=tuple(self.kinds)).check(value[self.tag], join(path, self.tag), source)
        fields = {self.tag: Str(choices=tuple(self.kinds)), **self.common, **self.kinds[kind]}
        # An item of a list is always complete: lists replace, never merge.
        return check_fields(value, fields, path, source, partial=False)


@dataclass(frozen=True)
class TableList(Spec):
    """An array of tables ([[shots]]). Replaced whole when presets merge."""

    item: Spec = field(default_factory=Table)
    min_len: int = 0
    max_len: int = 1000
    unique: str = ""

    def expected(self) -> str:
        return f"a list of {self.min_len}..{self.max_len} tables"

    def check(self, value, path, source, partial=False):
        if not isinstance(value, list) or not self.min_len <= len(value) <= self.max_len:
            raise self.fail(value, path, source)
        out = [self.item.check(v, join(path, i), source) for i, v in enumerate(value)]
        if self.unique:
            seen: dict[Any, int] = {}
            for i, v in enumerate(out):
                if v[self.unique] in seen:
                    raise ConfigError(source, join(join(path, i), self.unique),
                                      f"{v[self.unique]!r} repeats {join(path, seen[v[self.unique]])}")
                seen[v[self.unique]] = i
        return out


def spec_at(root: Spec, keys: list[str | int], source: str) -> Spec:
    """The spec that governs a key path, for --set overrides; unknown keys fail."""
    spec, path = root, ""
    for key in keys:
        if isinstance(spec, Table) and isinstance(key, str):
            if key not in spec.fields:
                raise _unknown(key, spec.fields, path, source)
            spec = spec.fields[key]
        elif isinstance(spec, TableList) and isinstance(key, int):
            spec = spec.item
        elif isinstance(spec, Variant) and isinstance(key, str):
            allowed = {spec.tag: Str(), **spec.common}
            for fields in spec.kinds.values():
                allowed.update(fields)
            if key not in allowed:
                raise _unknown(key, allowed, path, source)
            spec = allowed[key]
        else:
            raise ConfigError(source, join(path, key), f"cannot index {spec.expected()} with {key!r}")
        path = join(path, key)
    return spec
