"""An on/off setting for a shortcut on the hot path (the regex fast path, the columnar reader, the score memos).

Each shortcut has a reference path it must equal; the switch, read once from an environment variable,
lets tests and benchmarks run both and compare them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager


class Switch:
    """On unless the environment variable holds one of ``off_values`` (case and spaces ignored)."""

    def __init__(self, env_var: str, off_values: tuple[str, ...]) -> None:
        self.env_var = env_var
        self.on = os.environ.get(env_var, "").strip().lower() not in off_values

    def enabled(self) -> bool:
        return self.on

    def set_enabled(self, flag: bool) -> None:
        """Turn the shortcut on or off for this process."""
        self.on = flag

    @contextmanager
    def off(self) -> Iterator[None]:
        """The reference path inside the block; the previous setting after it."""
        before = self.on
        self.on = False
        try:
            yield
        finally:
            self.on = before
