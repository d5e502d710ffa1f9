"""Wording for summaries at cluster size: counts, ranges and a few named examples instead of full lists.

A line about 5,000 nodes must stay short: it names at most SAMPLES things and says how many more there are.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

SAMPLES = 3  # names or numbers a summary line shows before "and N more"


def count(n: int, word: str, plural: str | None = None) -> str:
    """'1 attempt', '12 attempts', '1,000 nodes'."""
    return f"{n:,} {word if n == 1 else (plural or word + 's')}"


def span(values: Iterable[int], signed: bool = False) -> str:
    """'5', '88-92' or, signed, '+200', '-3..+18' (min-max of the values; scores, so no thousands separator)."""
    vals = list(values)
    if not vals:
        return "?"
    low, high = min(vals), max(vals)
    show = (lambda v: f"{v:+d}") if signed else str
    if low == high:
        return show(low)
    return f"{show(low)}..{show(high)}" if signed or low < 0 else f"{show(low)}-{show(high)}"


def sample(names: Sequence[str], limit: int = SAMPLES) -> str:
    """'a, b' or 'a, b, c and 12 more' (the names in the order given)."""
    shown = ", ".join(names[:limit])
    rest = len(names) - limit
    return f"{shown} and {rest:,} more" if rest > 0 else shown

