"""The one error type users see: a bad preset, value, key or path."""


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
        return f"{where}: {self.message}"
