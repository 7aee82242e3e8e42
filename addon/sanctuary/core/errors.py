"""The errors users see: a bad preset, value, key or path (ConfigError, exit 2) and a result that
could not be written whole (WriteError, exit 1); each is one line."""
import unicodedata


def one_line(text: str) -> str:
    """Text that stays on one line whatever it quotes: control and line-breaking characters escaped."""
    return "".join(ch if unicodedata.category(ch)[0] not in "CZ" or ch == " " else ascii(ch)[1:-1] for ch in str(text))


class ConfigError(Exception):
    """Bad input, reported as one line that names the source and the key.

    source: the file (or "--set", "--seed", "arguments") the value came from.
    key: the dotted key path, e.g. "forest.tree_count" or "shots[2].lens".
    """

    def __init__(self, source: str, key: str, message: str):
        self.source = str(source)
        self.key = key
        self.message = message
        super().__init__(self.line())

    def line(self) -> str:
        where = f"{self.source}: {self.key}" if self.key else self.source
        return one_line(f"{where}: {self.message}")


class WriteError(Exception):
    """A result that could not be written whole (full disk, size limit, no permission): nothing of it is
    left under its final name. Reported as one line naming the file and the cause; exit code 1."""

    def __init__(self, path, cause: str):
        self.path = str(path)
        self.cause = cause
        super().__init__(self.line())

    def line(self) -> str:
        return one_line(f"cannot write {self.path}: {self.cause}")
