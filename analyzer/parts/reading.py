"""The lines of one part of a file, read by the columnar stage where one pass would read them so.

A part (or the warm-up before it) is a byte range that starts and ends at line starts. Its lines go
through ``columnar.columnar_events`` for that range when the columnar stage is on and the per-line
reader, started at the part's first byte, would learn no prefix there; else line by line, as before.
Either way the lines after the range come line by line from the same unwrapper, so the overrun past
the part's end (worker.py) and the line accounting are those of the per-line part reader.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain
from typing import TYPE_CHECKING

from ..parse.events import Event, EventRun
from ..parse.lines import LineParser
from ..pipeline import LineTally, classified_events
from ..read.sources import Repairs, iter_lines_from
from ..read.wrappers import LogicalLine, Unwrapper, unwrap_lines

if TYPE_CHECKING:
    from ..parse.columnar import ByteRange


def part_events(path: str, index: int, parser: LineParser, tally: LineTally, repairs: Repairs, offset: int,
                first_line: int, end_offset: int | None, end_line: int | None, past_end: list[LogicalLine],
                runs: bool = False) -> tuple[Iterator[Event | EventRun], Iterator[LogicalLine]]:
    """(the events of lines ``first_line`` up to ``end_line`` (None: the file's end), counted in ``tally``
    and ``repairs``; the logical lines after them, the first of which goes to ``past_end``). ``runs``: a run of
    hot rows as one EventRun (``columnar.columnar_events``)."""
    from ..parse import columnar  # numpy and pyarrow: imported when logs are read, not when the CLI starts

    by_blocks = (columnar.usable(path) and (end_line is None or end_offset is not None)
                 and columnar.head_passes_through(path, index, offset, first_line))
    if not by_blocks:
        lines = unwrap_lines(iter_lines_from(path, index, offset, first_line, repairs, count_until=end_line))
        return classified_events(lines, parser, tally, end_line=end_line, past_end=past_end), lines
    part = columnar.ByteRange(offset, end_offset, first_line, repairs, Unwrapper())
    hot = columnar.columnar_events(path, index, parser, tally, part=part, runs=runs)
    lines = _lines_after(path, index, part, end_line)
    return chain(hot, classified_events(lines, parser, tally, end_line=end_line, past_end=past_end)), lines


def _lines_after(path: str, index: int, part: ByteRange, end_line: int | None) -> Iterator[LogicalLine]:
    """The logical lines from where the columnar read of ``part`` stopped (asked for only after it did)."""
    if part.resume is not None:
        offset, number = part.resume
    elif part.end is not None:
        offset, number = part.end, end_line
    else:  # the range ran to the file's end: only the fragments still held are left
        yield from part.unwrapper.finish()
        return
    for phys in iter_lines_from(path, index, offset, number, part.repairs, count_until=end_line):
        yield from part.unwrapper.push(phys)
    yield from part.unwrapper.finish()
