"""Full timestamps for klog times, which print no year (``--11-28T16:09:26.944401``).

The year comes, in order, from the log itself (a CRI / docker / kubectl --timestamps wrapper time, or
JSON logging's epoch ``ts``: observed), from the user (``--year``: the year the input's first attempt
started in), or from the input file's modification time (inferred: the file was last written after
its last line, so a time later in the year than the mtime belongs to the year before). A time past
the turn of the year (Dec 31 -> Jan 1, which klog cannot show) gets the next year in both last cases.
The raw klog time is kept as it is (``started_at``); this only adds.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from .model import AnalysisResult, Attempt

OBSERVED, USER, INFERRED = "observed", "user", "inferred"
NO_YEAR = re.compile(r"--(\d\d)-(\d\d)T(\d\d:\d\d:\d\d(?:\.\d+)?)\Z")  # klog_timestamp() without a year
WITH_YEAR = re.compile(r"\d{4}-\d\d-\d\dT")


@dataclass(frozen=True)
class FullTime:
    """An attempt's start with its year (ISO 8601, no zone: the log's own clock), and where the year came from."""

    text: str | None
    provenance: str | None  # observed | user | inferred, None when no year is known

    def datetime(self) -> datetime | None:
        """The time as a naive datetime (a JSON-logging time, UTC, loses its 'Z')."""
        return datetime.fromisoformat(self.text.rstrip("Z")) if self.text else None


UNKNOWN = FullTime(None, None)


class FullTimes:
    """Resolves attempts' start times to full timestamps for one set of inputs.

    ``year`` is --year; ``mtimes`` overrides the inputs' modification times (epoch seconds), for tests.
    Feed attempts in log order (``see``) or build it from a whole result (``for_result``): with --year,
    an input's first attempt anchors the turn of the year.
    """

    def __init__(self, inputs: Sequence[str], year: int | None = None, mtimes: dict[int, float] | None = None
                 ) -> None:
        self.inputs = list(inputs)
        self.year = year
        self._mtimes = dict(mtimes) if mtimes is not None else None
        self._first: dict[int, str] = {}  # input index -> its first yearless time

    @classmethod
    def for_result(cls, result: AnalysisResult) -> FullTimes:
        times = cls(result.inputs, result.year)
        times.see(result.attempts)
        return times

    def see(self, attempts: Iterable[Attempt]) -> None:
        """Note each input's first yearless time (the --year anchor)."""
        for attempt in attempts:
            self._anchor(attempt)

    def _anchor(self, attempt: Attempt) -> None:
        if attempt.started_at and NO_YEAR.match(attempt.started_at):
            self._first.setdefault(attempt.span.input if attempt.span else 0, attempt.started_at)

    def of(self, attempt: Attempt) -> FullTime:
        """The attempt's start as a full timestamp, or UNKNOWN when no year can be had."""
        raw = attempt.started_at
        if not raw:
            return UNKNOWN
        if WITH_YEAR.match(raw):
            return FullTime(raw, OBSERVED)
        match = NO_YEAR.match(raw)
        if match is None:
            return UNKNOWN
        self._anchor(attempt)
        index = attempt.span.input if attempt.span else 0
        year, provenance = self._year(raw, index)
        if year is None:
            return UNKNOWN
        month, day, clock = match.groups()
        text = f"{year:04d}-{month}-{day}T{clock}"
        try:
            datetime.fromisoformat(text)
        except ValueError:  # Feb 29 in a year without one: the year is wrong, say nothing
            return UNKNOWN
        return FullTime(text, provenance)

    def _year(self, raw: str, index: int) -> tuple[int | None, str | None]:
        if self.year is not None:
            first = self._first.get(index, raw)
            return (self.year if raw >= first else self.year + 1), USER
        mtime = self._mtime(index)
        if mtime is None:
            return None, None
        written = datetime.fromtimestamp(mtime)
        return (written.year if raw <= written.strftime("--%m-%dT%H:%M:%S.%f") else written.year - 1), INFERRED

    def _mtime(self, index: int) -> float | None:
        if self._mtimes is None:
            self._mtimes = {}
        if index not in self._mtimes:
            self._mtimes[index] = _file_mtime(self.inputs[index]) if index < len(self.inputs) else None
        return self._mtimes[index]


def _file_mtime(path: str) -> float | None:
    """When the file was last written; None for stdin or a file that is gone."""
    if path == "-":
        return None
    try:
        return os.stat(path).st_mtime
    except OSError:
        return None
