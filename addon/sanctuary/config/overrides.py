"""Writing presets back: TOML text, and what one preset changes of another.

The panel keeps a whole preset's values; to build it goes through the CLI's
own door, `--set KEY=VALUE` on the preset it came from (`assignments`), and
to save it writes a preset that states only what differs from the default
(`delta` + `dumps`). tomllib only reads, so the writer is here: it covers the
values a preset may hold (numbers, booleans, strings, lists, tables, arrays
of tables).
"""
from __future__ import annotations

import math
import re

BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def key_text(key: str) -> str:
    return key if BARE_KEY.fullmatch(key) else string_text(key)


ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def string_text(text: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped, everything else as is
    (emoji included: JSON would write them as surrogate pairs, which TOML refuses)."""
    out = []
    for ch in text:
        if ch in ESCAPES:
            out.append(ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def value_text(value) -> str:
    """One TOML value, inline: what follows `key = ` (and `--set key=`)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"TOML presets hold finite numbers only, not {value!r}")
        return repr(value)  # shortest text that reads back to the same float
    if isinstance(value, str):
        return string_text(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(value_text(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key_text(k)} = {value_text(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def _is_table_list(value) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def dumps(data: dict, comment: str = "") -> str:
    """A TOML document: plain keys first, then [tables] and [[arrays of tables]]."""
    lines = [f"# {line}".rstrip() for line in comment.splitlines()]
    _table(lines, data, "")
    return "\n".join(lines).lstrip("\n") + "\n"


def _table(lines: list, table: dict, path: str) -> None:
    nested = []
    for key, value in table.items():
        if isinstance(value, dict) or _is_table_list(value):
            nested.append((key, value))
        else:
            lines.append(f"{key_text(key)} = {value_text(value)}")
    for key, value in nested:
        sub = f"{path}.{key_text(key)}" if path else key_text(key)
        if isinstance(value, dict):
            lines += ["", f"[{sub}]"]
            _table(lines, value, sub)
        else:
            for item in value:
                lines += ["", f"[[{sub}]]"]
                _table(lines, item, sub)


def delta(base: dict, data: dict) -> dict:
    """The keys of data that differ from base; tables recurse, lists are whole."""
    out = {}
    for key, value in data.items():
        old = base.get(key, None)
        if isinstance(value, dict) and isinstance(old, dict):
            sub = delta(old, value)
            if sub:
                out[key] = sub
        elif value != old or type(value) is not type(old):
            out[key] = value
    return out


def assignments(base: dict, data: dict, path: str = "") -> list[str]:
    """`KEY=VALUE` overrides that turn base into data, as `--set` takes them.

    A list of tables with the same length and the same kinds is changed item by
    item (`shots[2].lens=60.0`); otherwise it is given whole, as inline tables.
    """
    out = []
    for key, value in data.items():
        where = f"{path}.{key}" if path else key
        old = base.get(key)
        if value == old and type(value) is type(old):
            continue
        if isinstance(value, dict) and isinstance(old, dict):
            out += assignments(old, value, where)
        elif (_is_table_list(value) and _is_table_list(old) and len(value) == len(old)
              and all(a.keys() == b.keys() and a.get("kind") == b.get("kind") for a, b in zip(value, old))):
            for i, (a, b) in enumerate(zip(value, old)):
                out += assignments(b, a, f"{where}[{i}]")
        else:
            out.append(f"{where}={value_text(value)}")
    return out
