"""The error users see for bad input: a bad preset, value, key or path (ConfigError, exit 2), one line.

An error names where the value came from in neutral terms (`Source`: a file's
path, or "override", "frames", ...); each door says them its own way, the CLI
as its flags (`--set`, `--frames`), the panel as its fields.
"""
import unicodedata


def one_line(text: str) -> str:
    """Text that stays on one line whatever it quotes: control and line-breaking characters escaped."""
    return "".join(ch if unicodedata.category(ch)[0] not in "CZ" or ch == " " else ascii(ch)[1:-1] for ch in str(text))


class Source:
    """Where a bad value came from, besides a file: neutral names the doors phrase."""

    PRESET = "preset"  # the preset asked for by name or path
    OVERRIDE = "override"  # a value given on top of the preset (--set; a field of the panel)
    SEED = "seed"
    QUALITY = "quality"  # the quality tier asked for
    FRAMES = "frames"
    SHOTS = "shots"
    CHUNK = "chunk"
    CHUNK_SIZE = "chunk_size"  # the frames of one task of a farm job
    OUT = "out"  # where results go
    FORMAT = "format"  # an export's format
    PROFILE = "profile"  # an export's profile (film, realtime)
    ARGUMENTS = "arguments"


class ConfigError(Exception):
    """Bad input, reported as one line that names the source and the key.

    source: a file's path, or a `Source` name. key: the dotted key path, e.g.
    "forest.tree_count" or "shots[2].lens" ("" when the source says it all).
    """

    def __init__(self, source: str, key: str, message: str):
        self.source = str(source)
        self.key = key
        self.message = message
        super().__init__(self.line())

    def line(self, phrasing: dict | None = None) -> str:
        """The error as one line, its source said as `phrasing` says it (a door's words)."""
        source = (phrasing or {}).get(self.source, self.source)
        where = f"{source}: {self.key}" if self.key else source
        return one_line(f"{where}: {self.message}")
