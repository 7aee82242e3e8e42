"""One seed, split into independent named streams.

Every random number in Sanctuary comes from `stream(seed, name, index...)`:
a `numpy.random.Generator` whose entropy is a hash of the seed and the names,
so adding a new stream never shifts the numbers of the existing ones, and the
global `random` / `np.random` state is never touched.
"""
from __future__ import annotations

import hashlib

import numpy as np


def stream_key(seed: int, *names: object) -> int:
    """128-bit key of a named stream; stable across processes and platforms."""
    text = "\x1f".join([str(int(seed))] + [str(n) for n in names])
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:16], "little")


def stream(seed: int, *names: object) -> np.random.Generator:
    """Independent generator for (seed, *names), e.g. stream(7, "tree", 12)."""
    return np.random.Generator(np.random.PCG64(stream_key(seed, *names)))
