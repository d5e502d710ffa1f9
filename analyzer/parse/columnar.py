"""The columnar parse stage for plain text klog files: the hot lines in bulk, every other line per line.

Most lines of a ``--v=10`` log have a few fixed shapes (1.30: "Plugin scored node for pod" 56%, the
resource lines 28%, "Calculated node's final score for pod" 14%). For a plain, seekable file this
module reads blocks of lines (read/blocks.py), checks the klog header of every clean row with one
anchored RE2 regex (``pyarrow.compute.extract_regex``), and matches each hot message shape with one
anchored RE2 regex on the message only. The rows that fully match become the Events the per-line
path gives (``structured_event``, the same builder); all others go, in order, through the per-line
reader, unwrapper and ``LineParser.classify``, which stay the exact reference. ``LineParser.take_hot``
keeps the parser's state and counters as ``classify`` would for a hot row.

The shape regexes are built from grammars/structured.lark's own terminals (STRING, NUMBER, GOMAP,
BARE) and translated to RE2 (parse/re2.py). Each value is followed by a space or the end, which none
of its terminals can contain, so dropping the atomic groups changes no match; bare values are narrowed
to integers, which no earlier value form can claim (checked at start-up).

``SCHEDLOG_PARSER=line`` (or ``set_enabled(False)``) keeps the per-line fast path without columns;
``SCHEDLOG_PARSER=lark`` turns the regex fast paths off altogether, and with them this module.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..read.blocks import LineBlock, RestPerLine, block_readable, iter_blocks
from ..read.prefixes import SAMPLE_LINES, passes_through
from ..read.sources import Repairs, decode_line, iter_lines_from
from ..read.wrappers import Unwrapper
from . import fastpath
from .events import Event
from .klog import KLOG_HEADER
from .re2 import to_re2
from .structured import STATEMENTS, _bare, _number, structured_event

_state = {"enabled": os.environ.get(fastpath.ENV_VAR, "").strip().lower() not in ("lark", "line")}


def enabled() -> bool:
    """Whether whole plain inputs are read by the columnar parser (it also needs the regex fast path)."""
    return _state["enabled"] and fastpath.enabled()


def set_enabled(flag: bool) -> None:
    """Turn the columnar parser on or off for this process (tests and benchmarks compare both)."""
    _state["enabled"] = flag


# -- the hot shapes --------------------------------------------------------------------------------
# A hot structured shape: the message and its keys in order, each with the value form it always has.
# Forms: STRING (a Go-quoted string), INT (a bare integer), ARRAY (a JSON array of numbers), GOMAP.
# fmt: off
HOT_STRUCTURED: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    ("Plugin scored node for pod",
     (("pod", "STRING"), ("plugin", "STRING"), ("node", "STRING"), ("score", "INT"))),
    ("Calculated node's final score for pod",
     (("pod", "STRING"), ("node", "STRING"), ("score", "INT"))),
    ("Listed internal info for allocatable resources, requested resources and score",
     (("logger", "STRING"), ("pod", "STRING"), ("node", "STRING"), ("resourceAllocationScorer", "STRING"),
      ("allocatableResource", "ARRAY"), ("requestedResource", "ARRAY"), ("resourceScore", "INT"))),
    ("Listing internal info for allocatable resources, requested resources and score",
     (("pod", "STRING"), ("node", "STRING"), ("resourceAllocationScorer", "STRING"),
      ("allocatableResource", "GOMAP"), ("requestedResource", "GOMAP"), ("resourceScore", "INT"))),
)
# fmt: on
# kinds whose per-line handling does more than take_hot mirrors (LineParser._stamp, HELD_KINDS)
_NOT_HOT_KINDS = frozenset({"dequeue", "attempt_start", "bind_attempt", "bound", "no_fit", "schedule_error",
                            "event_failed_scheduling", "version", "host_total", "component_config",
                            "cache_dump", "queue_dump"})
INT_FORM = r"-?[0-9]+"


@dataclass(frozen=True)
class HotShape:
    """One hot structured shape compiled for RE2: the message prefix that selects rows, and the full regex."""

    message: str
    keys: tuple[tuple[str, str], ...]
    selector: str  # what the message text starts with
    regex: str  # RE2, anchored, one named group per value


def _form_regexes() -> dict[str, str]:
    """Each value form as a Python regex made of the structured grammar's terminals."""
    pat = fastpath.structured_terminals()
    number = pat["NUMBER"]
    return {"STRING": pat["STRING"], "ARRAY": rf"\[(?:{number}(?:,{number})*)?\]", "GOMAP": pat["GOMAP"],
            "INT": INT_FORM}


@cache
def hot_shapes() -> tuple[HotShape, ...]:
    """The hot shapes, checked against the grammar and the per-line fast path once per process."""
    forms = _form_regexes()
    pair = fastpath.structured_matcher().pair
    for sample in ("7", "-12"):  # an INT value must be read as a bare token by the per-line path
        m = pair.fullmatch(f" k={sample}")
        if m is None or m.group(7) != sample:
            raise ValueError(f"columnar INT form: the structured grammar no longer reads {sample!r} as a bare value")
    message_terminal = re.compile(fastpath.structured_terminals()["MESSAGE"])
    out = []
    for message, keys in HOT_STRUCTURED:
        statement = STATEMENTS.get(message)
        if statement is None or statement.kind in _NOT_HOT_KINDS:
            raise ValueError(f"columnar shape {message!r}: not a plain scored statement in structured.STATEMENTS")
        quoted = f'"{message}"'
        if message_terminal.fullmatch(quoted) is None or "\\" in message:
            raise ValueError(f"columnar shape {message!r}: not a MESSAGE token")
        body = "".join(f" {key}=(?P<v{i}>{forms[form]})" for i, (key, form) in enumerate(keys))
        regex = to_re2(f"^{re.escape(quoted)}{body}\\Z")
        out.append(HotShape(message, keys, quoted + " ", regex))
    return tuple(out)


@cache
def header_re2() -> str:
    """The klog header regex (parse/klog.py) for RE2, on rows that keep their LF."""
    pattern = KLOG_HEADER.pattern
    if not pattern.endswith("(?P<msg>.*)\\Z"):
        raise ValueError("klog.KLOG_HEADER no longer ends with the message: update header_re2")
    return "^" + to_re2(pattern[: -len("\\Z")]) + "\n$"


# -- one block -------------------------------------------------------------------------------------
@dataclass
class HotRows:
    """The rows of one block that fully match a hot shape, in row order, with what take_hot needs."""

    rows: list[int]
    events: list[Event]
    texts: list[str]
    pids: list[str]
    moments: list[tuple[str, str, str]]
    files: list[str]
    stamps: list[str]
    chars: list[int]


def _strings(array: pa.Array) -> list:
    return array.to_pylist()


def _values(column: pa.Array, form: str) -> list:
    """A shape's value column as the per-line fast path's values (fastpath.fast_split)."""
    if form == "STRING":  # rows with a backslash are left out, so the text between the quotes is the value
        return _strings(pc.utf8_slice_codeunits(column, 1, -1))
    if form == "INT":
        return [_bare(text) for text in _strings(column)]
    if form == "ARRAY":
        return [fastpath.array_value(text, _number) for text in _strings(column)]
    return _strings(column)


def hot_rows(block: LineBlock) -> HotRows:
    """Find and build the hot rows of one block (clean rows whose header and message match exactly)."""
    raw = np.frombuffer(block.data, dtype=np.uint8)
    first = raw[block.starts[:-1]] if len(block) else np.zeros(0, np.uint8)
    candidate = block.clean & ((first == ord("I")) | (first == ord("W")))  # E and F may be crash lines
    if not block.ended:
        candidate[-1] = False
    index = np.flatnonzero(candidate)
    empty = HotRows([], [], [], [], [], [], [], [])
    if not len(index):
        return empty
    rows = block.rows if len(index) == len(block) else block.rows.take(pa.array(index))
    header = pc.extract_regex(rows, header_re2())
    matched = header.is_valid()
    msg = header.field("msg")
    no_backslash = pc.invert(pc.match_substring(msg, "\\"))
    picked: list[tuple[np.ndarray, list[Event]]] = []
    for shape in hot_shapes():
        selected = pc.and_(pc.and_(matched, no_backslash), pc.starts_with(msg, shape.selector))
        where = np.flatnonzero(selected.to_numpy(zero_copy_only=False))
        if not len(where):
            continue
        found = pc.extract_regex(msg.take(pa.array(where)), shape.regex)
        ok = np.asarray(found.is_valid().to_numpy(zero_copy_only=False))
        if not ok.all():
            where, found = where[ok], found.filter(pa.array(ok))
        columns = [_values(found.field(f"v{i}"), form) for i, (_key, form) in enumerate(shape.keys)]
        names = [key for key, _form in shape.keys]
        events = [structured_event(shape.message, dict(zip(names, values, strict=True)))
                  for values in zip(*columns, strict=True)]
        picked.append((where, events))
    if not picked:
        return empty
    where = np.concatenate([w for w, _ in picked])
    order = np.argsort(where, kind="stable")
    where = where[order]
    all_events = [e for _, events in picked for e in events]
    events = [all_events[i] for i in order]
    take = pa.array(where)
    hdr = header.take(take)
    month, day, time = (_strings(hdr.field(name)) for name in ("month", "day", "time"))
    stamps = _strings(pc.binary_join_element_wise("--", hdr.field("month"), "-", hdr.field("day"), "T",
                                                  hdr.field("time"), ""))
    files = [name.rsplit("/", 1)[-1] for name in _strings(hdr.field("file"))]
    texts = _strings(pc.utf8_slice_codeunits(rows.take(take), 0, -1))
    block_rows = index[where]
    chars = block.lengths()[block_rows].tolist()
    return HotRows(block_rows.tolist(), events, texts, _strings(hdr.field("pid")),
                   list(zip(month, day, time, strict=True)), files, stamps, chars)


# -- a whole input -----------------------------------------------------------------------------------
def usable(path: str) -> bool:
    """True when this input can be read by blocks (a plain regular file) and the columnar parser is on."""
    return enabled() and path != "-" and os.path.isfile(path) and block_readable(path)


def columnar_events(path: str, index: int, parser, tally, progress=None) -> Iterator[Event]:
    """Every event of one plain input in order, keeping ``tally`` and ``parser`` exactly as the per-line
    loop (``pipeline.classified_events`` over ``unwrap_lines(iter_physical_lines(...))``) would."""
    from ..pipeline import PARSED, Progress, classified_events

    repairs = Repairs()
    unwrapper = Unwrapper()

    def per_line(phys) -> Iterator[Event]:
        return classified_events(unwrapper.push(phys), parser, tally, progress, index)

    blocks = iter_blocks(path)
    size = os.path.getsize(path)
    checked = False
    buckets = tally.buckets
    for block in blocks:
        if isinstance(block, RestPerLine):
            if not checked:  # the first line is over-long: the per-line reader decides on prefixes too
                yield from _all_per_line(path, index, parser, tally, progress, blocks)
                return
            for phys in iter_lines_from(path, index, block.offset, block.number, repairs):
                yield from per_line(phys)
            break
        if not checked:
            checked = True
            if not _passes_through(block, index, size):  # a prefix or colors: the per-line reader strips them
                yield from _all_per_line(path, index, parser, tally, progress, blocks)
                return
        hot = hot_rows(block)
        first, n, row = block.first_number, len(block), 0
        for k, hot_row in enumerate([*hot.rows, n]):  # n: the end of the block
            for r in range(row, hot_row):
                yield from per_line(decode_line(block.raw(r), block.ended or r < n - 1, False, index, first + r,
                                                repairs))
            if hot_row == n:
                break
            row, number, event = hot_row + 1, first + hot_row, hot.events[k]
            if (not unwrapper.pending and parser.hot_ready()
                    and parser.take_hot(event, hot.texts[k], index, number, hot.pids[k], hot.moments[k],
                                        hot.files[k], hot.stamps[k])):
                tally.total += 1
                tally.chars += hot.chars[k]
                buckets[PARSED] += 1
                yield event
                if progress is not None and tally.total % 50000 == 0:
                    progress(Progress.of(index, tally, parser.features.kinds))
            else:  # a repeated record, an open multi-line value or a held fragment: the per-line way
                yield from per_line(decode_line(block.raw(hot_row), True, False, index, number, repairs))
    tally.notes.extend(repairs.notes(path))
    yield from classified_events(unwrapper.finish(), parser, tally, progress, index)


def _passes_through(block: LineBlock, index: int, size: int) -> bool:
    """True when the per-line reader would learn no prefix and find no colors in this file's head
    (False too when the head runs past the first block, which only very long lines make happen)."""
    n = min(len(block), SAMPLE_LINES)
    if n < SAMPLE_LINES and len(block.data) < size:
        return False
    scratch = Repairs()
    texts = [decode_line(block.raw(r), block.ended or r < len(block) - 1, False, index, r + 1, scratch).text
             for r in range(n)]
    return passes_through(texts)


def _all_per_line(path: str, index: int, parser, tally, progress, blocks) -> Iterator[Event]:
    """The per-line path for the whole input (the blocks already opened are dropped)."""
    from ..pipeline import classified_events
    from ..read.sources import iter_physical_lines
    from ..read.wrappers import unwrap_lines

    blocks.close()
    yield from classified_events(unwrap_lines(iter_physical_lines(path, index, tally.notes)), parser, tally,
                                 progress, index)
