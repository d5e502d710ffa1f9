"""The columnar parse stage for plain klog files (text or JSON): the hot lines in bulk, every other line per line.

Most lines of a ``--v=10`` log have a few fixed shapes (1.30: "Plugin scored node for pod" 56%, the
resource lines 28%, "Calculated node's final score for pod" 14%; 1.14: per-priority score lines 87%).
For a plain, seekable file this module reads blocks of lines (read/blocks.py), checks the klog header
of every clean row with one anchored RE2 regex (``pyarrow.compute``), and matches each hot message
shape (parse/hotshapes.py) with one anchored RE2 regex on the message only. The rows that fully match
become the Events the per-line path gives, built by the same code (``structured_event``, the printf
Transformer's methods); all others go, in order, through the per-line reader, unwrapper and
``LineParser.classify``, which stay the exact reference. ``LineParser.take_hot`` keeps the parser's
state and counters as ``classify`` would for a hot row, and refuses a repeated record.

JSON logs (``--logging-format=json``, 1.21+) go the same way: a row that starts with '{' is matched whole
by one anchored RE2 regex per hot "msg" (hotshapes.json_shapes: the keys in the order klog writes them),
and 1.19-1.21 printf text in "msg" by the printf shapes; the Event is ``structured_event`` of the values
json.loads would give (or the printf one), and ``take_hot`` keeps the counters as ``_json_record`` does.

``SCHEDLOG_PARSER=line`` (or ``set_enabled(False)``) keeps the per-line fast path without columns;
``SCHEDLOG_PARSER=lark`` turns the regex fast paths off altogether, and with them this module.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..read.blocks import LineBlock, RestPerLine, block_readable, iter_blocks
from ..read.prefixes import SAMPLE_LINES, passes_through
from ..read.sources import Repairs, decode_line, iter_lines_from
from ..read.wrappers import Unwrapper
from ..switch import Switch
from . import fastpath
from .events import Event
from .hotshapes import (
    HOT_PRINTF_RULES,
    HOT_STRUCTURED,
    STRUCTURED_START,
    JsonShape,
    dispatched,
    header_re2,
    hot_shapes,
    json_shapes,
    printf_shapes,
    selector,
)
from .lines import _dup_tolerant, _json_ts
from .structured import _bare, _number, structured_event

_switch = Switch(fastpath.ENV_VAR, ("lark", "line"))
set_enabled = _switch.set_enabled  # tests and benchmarks compare the columnar and the per-line parser


def enabled() -> bool:
    """Whether whole plain inputs are read by the columnar parser (it also needs the regex fast path)."""
    return _switch.on and fastpath.enabled()


# -- one block -------------------------------------------------------------------------------------
@dataclass
class HotRows:
    """The rows of one block that fully match a hot shape, in row order, with what take_hot needs."""

    rows: list[int]
    events: list[Event]
    structured: list[bool]  # a structured message (else printf)
    texts: list[str]
    pids: list[str]
    moments: list[tuple[str, str, str]]
    files: list[str]
    stamps: list[str | None]
    chars: list[int]
    json: list[bool] = field(default_factory=list)  # a JSON record (klog's --logging-format=json), else klog text


def _strings(array: pa.Array) -> list:
    return array.to_pylist()


_INTEGERS = r"^-?[0-9]{1,18}$"  # fits int64, so Arrow's cast reads it as Python's int() does
_INTEGER_ARRAYS = r"^\[-?[0-9]{1,18}(?:,-?[0-9]{1,18})*\]$"


def _values(column: pa.Array, form: str) -> list:
    """A shape's value column as the per-line fast path's values (``fastpath.fast_split``)."""
    if form == "STRING":  # rows with a backslash are left out, so the text between the quotes is the value
        return _strings(pc.utf8_slice_codeunits(column, 1, -1))
    if form == "INT":
        if pc.all(pc.match_substring_regex(column, _INTEGERS)).as_py() is not False:
            return _strings(pc.cast(column, pa.int64()))
        return [_bare(text) for text in _strings(column)]
    if form == "ARRAY":
        if pc.all(pc.match_substring_regex(column, _INTEGER_ARRAYS)).as_py() is not False:
            items = pc.split_pattern(pc.utf8_slice_codeunits(column, 1, -1), ",")
            return _strings(pc.cast(items, pa.list_(pa.int64())))
        return [fastpath.array_value(text, _number) for text in _strings(column)]
    return _strings(column)


def _printf_events(msg: pa.Array) -> list[tuple[np.ndarray, list[Event], bool]]:
    """The rows whose printf message fully matches a hot shape (the one ``fast_printf`` would pick), and
    their Events built by the printf Transformer's methods."""
    from .printf import _TRANSFORMER

    methods = fastpath._plain_methods(_TRANSFORMER)
    rows = _nonzero(pc.invert(pc.or_(pc.starts_with(msg, '"'), pc.match_substring_regex(msg, STRUCTURED_START))))
    if not len(rows):
        return []
    if len(rows) < len(msg):
        msg = msg.take(_arrow(rows))
    out = []
    for rule in HOT_PRINTF_RULES:
        where = _nonzero(dispatched(msg, rule))
        if not len(where):
            continue  # (the shapes are built, with the grammar's parser, only for a log that has such lines)
        shapes = [shape for shape in printf_shapes() if shape.compiled.shape.rule == rule]
        for n, shape in enumerate(shapes, start=1):  # fast_printf takes the first shape of the rule that matches
            candidates = msg.take(_arrow(where))
            ok, found = _extract(candidates, shape.regex)
            if len(ok):
                columns = [_strings(found[f"v{i}"]) for i in range(len(shape.compiled.shape.expects))]
                build = shape.compiled.shape.build
                out.append((rows[where[ok]], [build(methods, values) for values in zip(*columns, strict=True)],
                            False))
            if n < len(shapes):  # the next shape gets the rows the Python regex of this one cannot match
                where = where[_nonzero(pc.invert(pc.match_substring_regex(candidates, shape.loose)))]
                if not len(where):
                    break
    return out


MAX_ONE_PASS_GROUPS = 4  # RE2 reads groups in one pass (fast) only for a few of them at a time
_GROUP = re.compile(r"\(\?P<(v\d+)>")


def _extract(column: pa.Array, regex: str) -> tuple[np.ndarray, dict[str, pa.Array]]:
    """(which rows match ``regex`` in full, each named group's text on those rows).

    The match is a yes/no pass first; the groups are then read a few at a time, each pass with the
    others made non-capturing (the same regex, so the same text for each group)."""
    ok = _nonzero(pc.match_substring_regex(column, regex))
    if not len(ok):
        return ok, {}
    if len(ok) < len(column):
        column = column.take(_arrow(ok))
    return ok, _groups(column, regex)


def _groups(column: pa.Array, regex: str) -> dict[str, pa.Array]:
    """Each named group's text on rows that all match ``regex``, a few groups per pass (see _extract)."""
    names = _GROUP.findall(regex)
    found: dict[str, pa.Array] = {}
    for start in range(0, len(names), MAX_ONE_PASS_GROUPS):
        chunk = set(names[start:start + MAX_ONE_PASS_GROUPS])
        part = _GROUP.sub(lambda m, keep=chunk: m.group(0) if m.group(1) in keep else "(?:", regex)
        result = pc.extract_regex(column, part)
        found.update((name, result.field(name)) for name in chunk)
    return found


def _arrow(positions: np.ndarray) -> pa.Array:
    """Row positions as an Arrow array, sharing numpy's buffer (``pa.array`` imports pandas)."""
    positions = np.ascontiguousarray(positions, dtype=np.int64)
    return pa.Array.from_buffers(pa.int64(), len(positions), [None, pa.py_buffer(positions)])


def _nonzero(mask: pa.Array) -> np.ndarray:
    """The positions where a boolean column is true, as numpy (read from the Arrow buffer: Arrow's own
    to_numpy imports pandas, half a second at start-up)."""
    where = pc.indices_nonzero(mask)
    return np.frombuffer(where.buffers()[1], dtype=np.uint64, count=len(where), offset=where.offset * 8).astype(
        np.int64)


def hot_rows(block: LineBlock) -> HotRows:
    """Find and build the hot rows of one block: klog text rows, then JSON rows, merged in row order."""
    text, records = _klog_hot_rows(block), _json_hot_rows(block)
    if not records.rows:
        text.json = [False] * len(text.rows)
        return text
    if not text.rows:
        records.json = [True] * len(records.rows)
        return records
    order = np.argsort(np.array(text.rows + records.rows), kind="stable").tolist()
    columns = [getattr(text, name) + getattr(records, name) for name in _HOT_FIELDS]
    merged = HotRows(*([column[i] for i in order] for column in columns))
    flags = [False] * len(text.rows) + [True] * len(records.rows)
    merged.json = [flags[i] for i in order]
    return merged


_HOT_FIELDS = ("rows", "events", "structured", "texts", "pids", "moments", "files", "stamps", "chars")


def _klog_hot_rows(block: LineBlock) -> HotRows:
    """Find and build the hot klog text rows of one block (clean rows whose header and message match exactly).

    The header regex only says yes or no (RE2's fast path); a row it accepts has the klog layout, so its
    fields are cut at fixed places and at the first ']' (nothing before the message may hold one).
    """
    raw = np.frombuffer(block.data, dtype=np.uint8)
    first = raw[block.starts[:-1]] if len(block) else np.zeros(0, np.uint8)
    last = raw[np.maximum(block.starts[1:] - 2, 0)] if len(block) else np.zeros(0, np.uint8)
    # E and F lines may be crash lines; a line ending in spaces is stripped by the per-line path
    candidate = block.clean & ((first == ord("I")) | (first == ord("W"))) & (last != ord(" "))
    if not block.ended:
        candidate[-1] = False
    index = np.flatnonzero(candidate)
    empty = HotRows([], [], [], [], [], [], [], [], [])
    if not len(index):
        return empty
    rows = block.rows if len(index) == len(block) else block.rows.take(_arrow(index))
    klog = _nonzero(pc.match_substring_regex(rows, header_re2()))
    if not len(klog):
        return empty
    index, rows = index[klog], rows.take(_arrow(klog))
    heads, rest = _halves(rows, "]")
    msg = pc.if_else(pc.starts_with(rest, " "), pc.utf8_slice_codeunits(rest, 1, -1),
                     pc.utf8_slice_codeunits(rest, 0, -1))
    plain = pc.invert(pc.match_substring(msg, "\\"))
    picked: list[tuple[np.ndarray, list[Event], bool]] = []
    for message, _keys in HOT_STRUCTURED:
        where = _nonzero(pc.and_(plain, pc.starts_with(msg, selector(message))))
        if not len(where):
            continue
        shape = next(shape for shape in hot_shapes() if shape.message == message)
        ok, found = _extract(msg.take(_arrow(where)), shape.regex)
        where = where[ok]
        if not len(where):
            continue
        columns = [_values(found[f"v{i}"], form) for i, (_key, form) in enumerate(shape.keys)]
        names = [key for key, _form in shape.keys]
        message = shape.message
        events = [structured_event(message, dict(zip(names, values, strict=True)))
                  for values in zip(*columns, strict=True)]
        picked.append((where, events, True))
    picked += _printf_events(msg)
    if not picked:
        return empty
    where = np.concatenate([w for w, _, _ in picked])
    order = np.argsort(where, kind="stable")
    where = where[order]
    all_events = [e for _, events, _ in picked for e in events]
    all_structured = [flag for w, _, flag in picked for _ in range(len(w))]
    take = _arrow(where)
    head = heads.take(take)  # "Lmmdd hh:mm:ss.uuuuuu   PID file:NN"
    month, day, time = (_strings(pc.utf8_slice_codeunits(head, a, b)) for a, b in ((1, 3), (3, 5), (6, 21)))
    pids, file_line = _halves(pc.utf8_ltrim(pc.utf8_slice_codeunits(head, 21), characters=" "), " ")
    files = [name.rsplit("/", 1)[-1] for name in _strings(_halves(file_line, ":")[0])]
    stamps = [f"--{m}-{d}T{t}" for m, d, t in zip(month, day, time, strict=True)]  # klog_timestamp, no year
    texts = _strings(pc.utf8_slice_codeunits(rows.take(take), 0, -1))
    block_rows = index[where]
    return HotRows(block_rows.tolist(), [all_events[i] for i in order], [all_structured[i] for i in order], texts,
                   _strings(pids), list(zip(month, day, time, strict=True)), files, stamps,
                   block.lengths()[block_rows].tolist())


def _json_hot_rows(block: LineBlock) -> HotRows:
    """Find and build the hot JSON rows of one block (hotshapes.json_shapes): the Events and what take_hot
    needs, as ``LineParser._json_record`` gives them from ``json.loads`` of the row."""
    empty = HotRows([], [], [], [], [], [], [], [], [])
    if not len(block):
        return empty
    raw = np.frombuffer(block.data, dtype=np.uint8)
    candidate = (block.clean & (raw[block.starts[:-1]] == ord("{"))
                 & (raw[np.maximum(block.starts[1:] - 2, 0)] == ord("}")))
    if not block.ended:
        candidate[-1] = False
    index = np.flatnonzero(candidate)
    if not len(index):
        return empty
    rows = block.rows if len(index) == len(block) else block.rows.take(_arrow(index))
    picked: list[tuple[np.ndarray, list[Event], list[str], list[str]]] = []  # (rows, events, ts, caller)
    rest = np.arange(len(rows))  # the rows no shape has taken yet (the shapes' rows are disjoint)
    for shape in json_shapes():  # the most frequent first: each regex runs on what the ones before leave
        pool = rows if len(rest) == len(rows) else rows.take(_arrow(rest))
        hit = _nonzero(pc.match_substring_regex(pool, shape.regex))  # anchored: a row fails at its "msg"
        if not len(hit):
            continue
        where, rest = rest[hit], np.delete(rest, hit)
        found = _groups(pool.take(_arrow(hit)), shape.regex)
        ts, callers = _strings(found["v0"]), _strings(found[f"v{shape.roles.index(('caller', 'STRING'))}"])
        if shape.message is None:  # printf text: the printf shapes say which rows are hot
            for at, events, _structured in _printf_events(found[f"v{shape.roles.index('msg')}"]):
                picked.append((where[at], events, [ts[i] for i in at], [callers[i] for i in at]))
            continue
        picked.append((where, _json_events(shape, found), ts, callers))
    if not picked:
        return empty
    where = np.concatenate([w for w, _, _, _ in picked])
    order = np.argsort(where, kind="stable").tolist()
    events = [e for _, evs, _, _ in picked for e in evs]
    ts = [t for _, _, times, _ in picked for t in times]
    callers = [c for _, _, _, cs in picked for c in cs]
    stamps = json_stamps([ts[i] for i in order])
    keep = [k for k, stamp in enumerate(stamps) if stamp is not None]  # a ts datetime cannot hold: per-line
    order = [order[k] for k in keep]
    block_rows = index[where[order]]
    texts = _strings(pc.utf8_slice_codeunits(block.rows.take(_arrow(block_rows)), 0, -1))
    files = _caller_files()
    n = len(order)
    return HotRows(block_rows.tolist(), [events[i] for i in order], [False] * n, texts, [None] * n,
                   [(float(ts[i]),) for i in order], [files(callers[i]) for i in order], [stamps[k] for k in keep],
                   block.lengths()[block_rows].tolist())


_YEARS_1000_TO_9999 = (-30610224000, 253402300800)  # epoch seconds: the years isoformat and strftime agree on


def json_stamps(ts: list[str]) -> list[str | None]:
    """``lines._json_ts`` of each JSON "ts" text (epoch ms), in bulk: the seconds and microseconds split and
    rounded as ``datetime.fromtimestamp`` does (half to even), the date and time by numpy; a ts outside
    years 1000-9999 (or negative) goes through ``_json_ts`` itself."""
    seconds = np.array([float(t) for t in ts], dtype=np.float64) / 1000.0
    whole = np.trunc(seconds)
    micro = np.rint((seconds - whole) * 1e6)
    carry = micro >= 1e6
    whole, micro = whole + carry, micro - carry * 1e6
    plain = (seconds >= 0) & (whole >= _YEARS_1000_TO_9999[0]) & (whole < _YEARS_1000_TO_9999[1])
    if not plain.all():
        return [_json_ts(t) for t in ts]
    clock = np.datetime_as_string(whole.astype(np.int64).astype("datetime64[s]"), unit="s").tolist()
    return [f"{c}.{m:06d}Z" for c, m in zip(clock, micro.astype(np.int64).tolist(), strict=True)]


def _json_events(shape: JsonShape, found: dict[str, pa.Array]) -> list[Event]:
    """The Events of the rows one structured JSON shape matched: each row's values as json.loads reads them
    (a key given twice keeps its first value, as ``lines._dup_tolerant`` does), through ``structured_event``."""
    columns, keys = [], []
    objects: dict[str, Any] = {}

    def kobj(text: str) -> Any:
        value = objects.get(text)
        if value is None:
            value = objects[text] = text[1:-1] if text[:1] == '"' else json.loads(text, object_pairs_hook=_dup_tolerant)
        return value

    by_key: dict[str, list[list]] = {}  # key -> its columns, in row text order
    for i, role in enumerate(shape.roles):
        if not isinstance(role, tuple):
            continue
        key, form = role
        texts = found[f"v{i}"]
        if form in ("INT", "ARRAY"):
            column = _values(texts, form)
        elif form == "GOMAP":
            column = [json.loads(text, object_pairs_hook=_dup_tolerant) for text in _strings(texts)]
        elif form == "KOBJ":
            column = [kobj(text) if text else _ABSENT for text in _strings(texts)]
        else:  # STRING; an optional key that is not there reads as ""
            column = [text[1:-1] if text else _ABSENT for text in _strings(texts)]
        by_key.setdefault(key, []).append(column)
    mixed = False
    for key, given in by_key.items():
        first = given[0]
        for later in given[1:]:
            first = [value if value is not _ABSENT else other for value, other in zip(first, later, strict=True)]
        absent = sum(1 for value in first if value is _ABSENT)
        if absent < len(first):  # a key no row has (1.21: no logger) is left out
            columns.append(first)
            keys.append(key)
            mixed = mixed or absent > 0
    message = shape.message
    if mixed:  # an optional key some rows have
        return [structured_event(message, {k: v for k, v in zip(keys, values, strict=True) if v is not _ABSENT})
                for values in zip(*columns, strict=True)]
    return [structured_event(message, dict(zip(keys, values, strict=True))) for values in zip(*columns, strict=True)]


_ABSENT = object()


def _caller_files():
    """caller ('pkg/file.go:NN') -> the file name ``_json_record`` counts, or None (no caller), cached."""
    names: dict[str, str | None] = {}

    def name(caller: str) -> str | None:
        found = names.get(caller, _ABSENT)
        if found is _ABSENT:
            file = caller[1:-1].rsplit(":", 1)[0] if caller else ""
            found = names[caller] = file.rsplit("/", 1)[-1] if file else None
        return found

    return name


def _halves(column: pa.Array, separator: str) -> tuple[pa.Array, pa.Array]:
    """Each row cut at the first ``separator`` (which every row holds): the text before, the text after."""
    parts = pc.list_flatten(pc.split_pattern(column, separator, max_splits=1))
    if len(parts) != 2 * len(column):
        raise ValueError(f"columnar: a row without {separator!r}")
    return parts.take(_arrow(np.arange(0, len(parts), 2))), parts.take(_arrow(np.arange(1, len(parts), 2)))


# -- a whole input -----------------------------------------------------------------------------------
def usable(path: str) -> bool:
    """True when this input can be read by blocks (a plain regular file) and the columnar parser is on."""
    return enabled() and path != "-" and os.path.isfile(path) and block_readable(path)


@dataclass
class ByteRange:
    """One part of a plain file (parts/): its lines in bytes [start, end) (line starts; ``end`` None: to the
    file's end), the first numbered ``first_number``. The reader counts repairs in ``repairs``, leaves the
    fragments still held in ``unwrapper``, and sets ``resume`` (offset, line number) when an over-long line
    makes the per-line reader take over before ``end``."""

    start: int
    end: int | None
    first_number: int
    repairs: Repairs
    unwrapper: Unwrapper
    resume: tuple[int, int] | None = None


def columnar_events(path: str, index: int, parser, tally, progress=None, part: ByteRange | None = None
                    ) -> Iterator[Event]:
    """Every event of one plain input in order, keeping ``tally`` and ``parser`` exactly as the per-line
    loop (``pipeline.classified_events`` over ``unwrap_lines(iter_physical_lines(...))``) would.

    With ``part``, only the lines of that byte range (the caller checked its head: ``head_passes_through``;
    it reads on per line from where the range ends or ``part.resume`` says, and finishes the unwrapper)."""
    from ..pipeline import PARSED, Progress, classified_events

    repairs = Repairs() if part is None else part.repairs
    unwrapper = Unwrapper() if part is None else part.unwrapper

    def per_line(phys) -> Iterator[Event]:
        return classified_events(unwrapper.push(phys), parser, tally, progress, index)

    blocks = iter_blocks(path) if part is None else iter_blocks(path, None, part.start, part.end, part.first_number)
    size = os.path.getsize(path)
    checked = part is not None
    buckets = tally.buckets
    for block in blocks:
        if isinstance(block, RestPerLine) and part is not None:
            part.resume = (block.offset, block.number)
            return
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
        ready = not unwrapper.pending and parser.hot_ready()  # only per-line rows change it
        take = parser.take_hot
        for hot_row, event, structured, text, pid, moment, file, stamp, chars, record in zip(
                hot.rows, hot.events, hot.structured, hot.texts, hot.pids, hot.moments, hot.files, hot.stamps,
                hot.chars, hot.json, strict=True):
            number = first + hot_row
            if row < hot_row:
                for r in range(row, hot_row):
                    yield from per_line(decode_line(block.raw(r), True, False, index, first + r, repairs))
                ready = not unwrapper.pending and parser.hot_ready()
            row = hot_row + 1
            if ready and take(event, structured, text, index, number, pid, moment, file, stamp, record):
                tally.total += 1
                tally.chars += chars
                buckets[PARSED] += 1
                yield event
                if progress is not None and tally.total % 50000 == 0:
                    progress(Progress.of(index, tally, parser.features.kinds))
            else:  # a repeated record, an open multi-line value or a held fragment: the per-line way
                yield from per_line(decode_line(block.raw(hot_row), True, False, index, number, repairs))
                ready = not unwrapper.pending and parser.hot_ready()
        for r in range(row, n):
            yield from per_line(decode_line(block.raw(r), block.ended or r < n - 1, False, index, first + r,
                                            repairs))
    if part is not None:
        return
    tally.notes.extend(repairs.notes(path))
    yield from classified_events(unwrapper.finish(), parser, tally, progress, index)


def head_passes_through(path: str, index: int, start: int, first_number: int) -> bool:
    """True when the per-line reader started at byte ``start`` (as for one part of a file) would learn no
    prefix and find no colors in the lines it reads first (read/prefixes.py ``strip_prefixes``)."""
    lines = iter_lines_from(path, index, start, first_number, Repairs())
    return passes_through([phys.text for phys in islice(lines, SAMPLE_LINES)])


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
