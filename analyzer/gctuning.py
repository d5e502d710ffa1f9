"""Garbage-collector settings for building and moving the model: many small objects that live long.

With the default first-generation threshold (700) the collector walks the growing model again and
again; unpickling a part's result with the collector on took six times as long as with it off.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

# Measured on a 100 MB --v=10 log: 17 % less time for the analysis, the same peak memory.
THRESHOLD0 = 10_000


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Run the block with a higher first-generation threshold, restoring the caller's afterwards."""
    before = gc.get_threshold()
    gc.set_threshold(max(THRESHOLD0, before[0]), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


@contextmanager
def collector_off() -> Iterator[None]:
    """Run the block with the collector off (pickling or unpickling a finished result makes no cycles)."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
