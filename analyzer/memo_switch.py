"""The one switch for the hot path's memos (``reconstruct/shared.py``, ``reconcile/memo.py``).

On by default. ``SCHEDLOG_MEMO=off`` (or ``set_enabled(False)``) builds and completes every score afresh,
line by line: the reference the tests compare the memos with (``tests/test_memo.py``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

ENV_VAR = "SCHEDLOG_MEMO"
_state = {"enabled": os.environ.get(ENV_VAR, "").strip().lower() != "off"}


def enabled() -> bool:
    """Whether equal scores are shared and completed once."""
    return _state["enabled"]


def set_enabled(flag: bool) -> None:
    """Turn the memos on or off for this process (objects made before keep their setting)."""
    _state["enabled"] = flag


@contextmanager
def memo_off() -> Iterator[None]:
    """Every score built and completed afresh inside the block; the previous setting after it."""
    before = enabled()
    set_enabled(False)
    try:
        yield
    finally:
        set_enabled(before)
