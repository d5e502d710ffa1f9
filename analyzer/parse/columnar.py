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

For the assembler (``runs=True``: ``pipeline.read_input``, the part workers) a run of hot rows comes as one
EventRun, which ``Assembler.feed_run`` applies in bulk; every other consumer gets the Events one by one.

``SCHEDLOG_PARSER=line`` (or ``set_enabled(False)``) keeps the per-line fast path without columns;
``SCHEDLOG_PARSER=lark`` turns the regex fast paths off altogether, and with them this module.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache, partial
from itertools import chain, islice, repeat
from operator import itemgetter

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..read.blocks import LineBlock, RestPerLine, block_readable, iter_blocks
from ..read.prefixes import SAMPLE_LINES, passes_through
from ..read.sources import Repairs, decode_line, iter_lines_from
from ..read.wrappers import Unwrapper
from ..switch import Switch
from . import fastpath
from .events import Event, EventRun, build_events
from .hotshapes import (
    HOT_PRINTF_RULES,
    JSON_HEADER_ROLES,
    STRUCTURED_START,
    JsonShape,
    PrintfShape,
    dispatched,
    header_start_re2,
    hot_shapes,
    json_header_re2,
    json_shapes,
    printf_shapes,
)
from .lines import ALONE_KINDS, STATEFUL_KINDS, _dup_tolerant, _json_ts, hot_tags, stream_name
from .structured import _bare, _number, structured_event, structured_events

_switch = Switch(fastpath.ENV_VAR, ("lark", "line"))
set_enabled = _switch.set_enabled  # tests and benchmarks compare the columnar and the per-line parser


def enabled() -> bool:
    """Whether whole plain inputs are read by the columnar parser (it also needs the regex fast path)."""
    return _switch.on and fastpath.enabled()


# -- one block -------------------------------------------------------------------------------------
@dataclass
class HotRows:
    """The rows of one block that fully match a hot shape, in row order: their Events, stamped as ``take_hot``
    would stamp them, and what ``LineParser.take_hot``/``take_hot_run`` need to account them."""

    rows: np.ndarray  # each one's row in the block (int64, ascending)
    events: list[Event]
    texts: list[str]  # the whole line, LF cut (the repeated-record window's key)
    files: list[str | None]  # the file name counted in FormatFeatures.files (None: a JSON record without caller)
    printf: list[bool]  # klog text with a printf message (the lines after it may continue it)
    json: list[bool]  # a JSON record (klog's --logging-format=json), else klog text
    clocks: list[str]  # the ClockWatch stream of each row: its pid, or "json"
    times: np.ndarray  # float64: each row's time, ordered as ClockWatch orders its moments
    chars: np.ndarray  # each row's length in bytes, LF included
    tags: list[tuple] = field(init=False)  # lines.hot_tags: what the parser counts for each row
    distinct: bool = field(init=False)  # no two rows have the same text
    _breaks: np.ndarray = field(init=False)  # running count of rows whose clock differs from or is behind the last
    _chars: np.ndarray = field(init=False)  # running sum of chars, from 0

    def __post_init__(self) -> None:
        self.tags = hot_tags(self.events, self.texts, self.files, self.json, self.printf)
        self.distinct = len(set(self.texts)) == len(self.texts)
        clocks = np.array(self.clocks, dtype=object)
        breaks = np.zeros(len(self.rows), dtype=np.int64)
        breaks[1:] = (clocks[1:] != clocks[:-1]) | (self.times[1:] < self.times[:-1])
        self._breaks = np.cumsum(breaks)
        self._chars = np.concatenate([[0], np.cumsum(self.chars)])

    def __len__(self) -> int:
        return len(self.rows)

    def moment(self, i: int) -> tuple:
        """Row ``i``'s moment as ClockWatch keeps it: (month, day, time) of klog text, (epoch ms,) of JSON."""
        if self.json[i]:
            return (float(self.times[i]),)
        text = self.texts[i]
        return text[1:3], text[3:5], text[6:21]

    def steady(self, a: int, b: int) -> bool:
        """True when rows a..b-1 are one process's and their time never goes back."""
        return bool(self._breaks[b - 1] == self._breaks[a])

    def chars_of(self, a: int, b: int) -> int:
        return int(self._chars[b] - self._chars[a])

    def runs(self) -> list[tuple[int, int]]:
        """The rows cut into runs of consecutive lines, each row of a kind in ALONE_KINDS a run of its own."""
        n = len(self.rows)
        if not n:
            return []
        alone = np.fromiter((tag[0] in ALONE_KINDS for tag in self.tags), dtype=bool, count=n)
        cut = (self.rows[1:] != self.rows[:-1] + 1) | alone[1:] | alone[:-1]
        starts = [0, *(np.flatnonzero(cut) + 1).tolist()]
        return list(zip(starts, [*starts[1:], n], strict=True))


@dataclass
class _Group:
    """The rows one hot shape took, in the shape's order (``_assemble`` puts the groups in row order)."""

    rows: np.ndarray  # block rows
    events: list[Event]  # stamped
    times: np.ndarray
    files: list[str | None]
    clocks: list[str]
    printf: bool
    json: bool


def _strings(array: pa.Array) -> list:
    return array.to_pylist()


def _decoded(column: pa.Array, read: Callable[[str], object] | None = None) -> list:
    """Each row's text (or ``read`` of it), worked out once per distinct text, the rows sharing one object each:
    for columns that repeat a few names (pods, nodes, plugins, files), where it is cheaper than a str per row."""
    encoded = pc.dictionary_encode(column)
    values = np.empty(len(encoded.dictionary), dtype=object)
    texts = _strings(encoded.dictionary)
    values[:] = texts if read is None else [read(text) for text in texts]
    indices = encoded.indices
    return values[np.frombuffer(indices.buffers()[1], dtype=np.int32, count=len(indices),
                                offset=indices.offset * 4)].tolist()


def _unquoted(text: str) -> str:
    return text[1:-1]


def _values(column: pa.Array, form: str) -> list:
    """A shape's value column as the per-line fast path's values (``fastpath.fast_split``).

    INT and ARRAY values are read by Arrow's cast to int64, which reads a ``-?[0-9]+`` text as ``int()`` does and
    refuses the rest (too large, a fraction, an exponent, an empty array): then the column is read row by row.
    (The cast also reads '0x1f'; the forms' regexes let only digits, '-' and for ARRAY '.eE+' through.)"""
    if form == "STRING":  # rows with a backslash are left out, so the text between the quotes is the value
        return _decoded(column, _unquoted)
    if form == "INT":
        try:
            return _strings(pc.cast(column, pa.int64()))
        except pa.ArrowInvalid:
            return [_bare(text) for text in _strings(column)]
    if form == "ARRAY":
        try:
            return _strings(pc.cast(pc.split_pattern(pc.utf8_slice_codeunits(column, 1, -1), ","),
                                    pa.list_(pa.int64())))
        except pa.ArrowInvalid:
            return [fastpath.array_value(text, _number) for text in _strings(column)]
    return _strings(column)


_NUMBER_TERMINALS = frozenset({"INT", "SIGNED_INT"})  # printf tokens read as numbers (the others repeat a few names)


def _printf_rows(msg: pa.Array) -> list[tuple[np.ndarray, PrintfShape, list[list[str]]]]:
    """The rows whose printf message fully matches a hot shape (the one ``fast_printf`` would pick): per shape,
    where they are and the columns of its captured tokens (``_printf_events`` builds their Events)."""
    rows = _nonzero(pc.invert(pc.or_(pc.starts_with(msg, '"'), pc.match_substring_regex(msg, STRUCTURED_START))))
    if not len(rows):
        return []
    if len(rows) < len(msg):
        msg = msg.take(_arrow(rows))
    out = []
    tests: dict = {}
    for rule in HOT_PRINTF_RULES:
        where = _nonzero(dispatched(msg, rule, tests))
        if not len(where):
            continue  # (the shapes are built, with the grammar's parser, only for a log that has such lines)
        shapes = [shape for shape in printf_shapes() if shape.compiled.shape.rule == rule]
        for n, shape in enumerate(shapes, start=1):  # fast_printf takes the first shape of the rule that matches
            candidates = msg.take(_arrow(where))
            ok, found = _extract(candidates, shape.regex)
            if len(ok):
                out.append((rows[where[ok]], shape, [_strings(found[f"v{i}"]) if terminal in _NUMBER_TERMINALS
                                                     else _decoded(found[f"v{i}"])
                                                     for i, terminal in enumerate(shape.compiled.shape.expects)]))
            if n < len(shapes):  # the next shape gets the rows the Python regex of this one cannot match, of those
                left = np.setdiff1d(np.arange(len(where)), ok, assume_unique=True)  # its RE2 one did not take (the
                if len(left):  # rows it took match its loose regex too)
                    loose = pc.match_substring_regex(candidates.take(_arrow(left)), shape.loose)
                    left = left[_nonzero(pc.invert(loose))]
                where = where[left]
                if not len(where):
                    break
    return out


def _printf_events(shape: PrintfShape, columns: list[list[str]], input_index: int, lines: list[int],
                   ts: list[str], streams: Iterable[str], keep: list[int] | None = None) -> list[Event]:
    """The stamped Events of one hot printf shape's rows (those at ``keep``, default all), from the columns of
    their tokens: a column at a time (printf.COLUMN_BUILDS), else one by one by the printf Transformer's methods."""
    from .printf import _TRANSFORMER, COLUMN_BUILDS

    if keep is not None:
        columns = [_pick(column, keep) for column in columns]
    compiled = shape.compiled.shape
    by_columns = COLUMN_BUILDS.get(compiled.name)
    if by_columns is not None:
        return build_events(len(lines), input_index=input_index, lines=lines, ts=ts, streams=streams,
                            **by_columns(*columns))
    methods = fastpath._plain_methods(_TRANSFORMER)
    events = [compiled.build(methods, values) for values in zip(*columns, strict=True)]
    stateful = {event.kind for event in events} & STATEFUL_KINDS
    if stateful:
        raise ValueError(f"columnar shape {compiled.name}: gives {sorted(stateful)} events")
    return _stamp_events(events, input_index, lines, ts, streams)


def _stamp_events(events: list[Event], input_index: int, lines: list[int], ts: list[str],
                  streams: Iterable[str]) -> list[Event]:
    """Stamp Events built one by one as take_hot stamps them (``structured_events`` builds them stamped)."""
    for event, line, moment, stream in zip(events, lines, ts, streams, strict=True):
        event.input, event.line, event.ts, event.stream = input_index, line, moment, stream
    return events


MAX_ONE_PASS_GROUPS = 4  # RE2 reads groups in one pass (fast) only for a few of them at a time
_GROUP = re.compile(r"\(\?P<(v\d+)>")


def _extract(column: pa.Array, regex: str) -> tuple[np.ndarray, dict[str, pa.Array]]:
    """(which rows match ``regex`` in full, each named group's text on those rows).

    The groups are read a few at a time, each pass with the others made non-capturing (the same regex, so
    the same text for each group); the first pass says which rows match, the others read only those."""
    chunks = _group_chunks(regex)
    first = pc.extract_regex(column, chunks[0][1])
    ok = _nonzero(first.is_valid())
    if not len(ok):
        return ok, {}
    if len(ok) < len(column):
        column, first = column.take(_arrow(ok)), first.take(_arrow(ok))
    found = {name: first.field(name) for name in chunks[0][0]}
    for names, part in chunks[1:]:
        result = pc.extract_regex(column, part)
        found.update((name, result.field(name)) for name in names)
    return ok, found


@cache
def _group_chunks(regex: str) -> tuple[tuple[tuple[str, ...], str], ...]:
    """``regex`` as one regex per few of its named groups (the others made non-capturing): RE2 reads a few
    groups in one pass (fast), more of them in a slower way."""
    names = _GROUP.findall(regex)
    out = []
    for start in range(0, max(len(names), 1), MAX_ONE_PASS_GROUPS):
        chunk = tuple(names[start:start + MAX_ONE_PASS_GROUPS])
        out.append((chunk, _GROUP.sub(lambda m, keep=chunk: m.group(0) if m.group(1) in keep else "(?:", regex)))
    return tuple(out)


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


def _pick(items: list, order: list[int]) -> list:
    """``[items[i] for i in order]``, in C."""
    if len(order) > 1:
        return list(itemgetter(*order)(items))
    return [items[i] for i in order]


StreamNames = Callable[[str | None], str]  # pid (None: a JSON record) -> the Event's stream


def hot_rows(block: LineBlock, index: int = 0, streams: StreamNames | None = None) -> HotRows:
    """Find and build the hot rows of one block of input ``index`` (klog text rows and JSON rows), in row order;
    ``streams`` names each pid's stream (``LineParser.stream``)."""
    if streams is None:
        streams = partial(stream_name, index, None)
    return _assemble(block, _klog_groups(block, index, streams) + _json_groups(block, index, streams))


def _assemble(block: LineBlock, groups: list[_Group]) -> HotRows:
    """The groups' rows in row order, with the texts and lengths of their lines."""
    if not groups:
        empty = np.zeros(0, dtype=np.int64)
        return HotRows(empty, [], [], [], [], [], [], np.zeros(0), empty)
    rows = np.concatenate([g.rows for g in groups])
    order = np.argsort(rows, kind="stable")
    rows = rows[order]
    pick = order.tolist()

    def joined(name: str) -> list:
        return list(chain.from_iterable(getattr(g, name) for g in groups))

    flags = {name: np.concatenate([np.full(len(g.rows), getattr(g, name)) for g in groups])[order].tolist()
             for name in ("printf", "json")}
    texts = _strings(pc.utf8_slice_codeunits(block.rows.take(_arrow(rows)), 0, -1))
    return HotRows(rows, _pick(joined("events"), pick), texts, _pick(joined("files"), pick), flags["printf"],
                   flags["json"], _pick(joined("clocks"), pick), np.concatenate([g.times for g in groups])[order],
                   block.lengths()[rows])


# Lmmdd hh:mm:ss.uuuuuu: where the header's digits are, and the ts klog_timestamp gives ("--mm-ddThh:mm:ss.uuuuuu")
_HEADER_DIGITS = np.array([1, 2, 3, 4, 6, 7, 9, 10, 12, 13, 15, 16, 17, 18, 19, 20])
_DIGIT_WEIGHTS = 10 ** np.arange(len(_HEADER_DIGITS) - 1, -1, -1, dtype=np.int64)
_TS_FROM_HEADER = np.array([-1, -1, 1, 2, -1, 3, 4, -1, *range(6, 21)])  # -1: the literal in _TS_LITERALS
_TS_LITERALS = np.frombuffer(b"--..-..T" + b"." * 15, dtype=np.uint8)


def _klog_times(block: LineBlock, rows: np.ndarray) -> tuple[list[str], np.ndarray]:
    """The klog rows' Event ts (``klog_timestamp`` without a year) and their times as numbers (mmddhhmmssuuuuuu:
    ordered as the (month, day, time) moments are, all digits being ASCII)."""
    raw = np.frombuffer(block.data, dtype=np.uint8)
    head = raw[block.starts[rows].astype(np.int64)[:, None] + np.arange(21)]
    times = ((head[:, _HEADER_DIGITS] - ord("0")).astype(np.int64) @ _DIGIT_WEIGHTS).astype(np.float64)
    text = np.where(_TS_FROM_HEADER >= 0, head[:, np.maximum(_TS_FROM_HEADER, 0)], _TS_LITERALS)
    n, width = text.shape
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int32)
    ts = pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(np.ascontiguousarray(text).tobytes()))
    return _strings(ts), times


def _candidate_rows(block: LineBlock, shape: Callable[[np.ndarray, np.ndarray], np.ndarray]
                    ) -> tuple[np.ndarray, pa.Array]:
    """The clean, ended rows whose first and last bytes ``shape(first, last)`` accepts: their positions in the
    block and the rows themselves (none when the block is empty)."""
    if not len(block):
        return np.zeros(0, np.int64), block.rows
    raw = np.frombuffer(block.data, dtype=np.uint8)
    candidate = block.clean & shape(raw[block.starts[:-1]], raw[np.maximum(block.starts[1:] - 2, 0)])
    if not block.ended:
        candidate[-1] = False  # its end is in the next block
    index_rows = np.flatnonzero(candidate)
    rows = block.rows if len(index_rows) == len(block) else block.rows.take(_arrow(index_rows))
    return index_rows, rows


def _klog_groups(block: LineBlock, index: int, streams: StreamNames) -> list[_Group]:
    """The hot klog text rows of one block (clean rows whose header and message match exactly), by shape.

    The header regex only says yes or no (RE2's fast path); a row it accepts has the klog layout, so its
    fields are cut at fixed places and at the first ']' (nothing before the message may hold one).
    """
    # E and F lines may be crash lines; a line ending in spaces is stripped by the per-line path
    index_rows, rows = _candidate_rows(block, lambda first, last: ((first == ord("I")) | (first == ord("W")))
                                       & (last != ord(" ")))
    if not len(index_rows):
        return []
    klog = _nonzero(pc.match_substring_regex(rows, header_start_re2()))  # (candidate rows end with their only LF)
    if not len(klog):
        return []
    if len(klog) < len(rows):
        index_rows, rows = index_rows[klog], rows.take(_arrow(klog))
    heads, rest = _halves(rows, "]")
    msg = pc.if_else(pc.starts_with(rest, " "), pc.utf8_slice_codeunits(rest, 1, -1),
                     pc.utf8_slice_codeunits(rest, 0, -1))
    plain = _without_backslash(block, index_rows, msg)
    pids, file_line = _halves(pc.utf8_ltrim(pc.utf8_slice_codeunits(heads, 21), characters=" "), " ")
    files = _halves(file_line, ":")[0]
    single = pc.count_distinct(pids).as_py() == 1

    def group(where: np.ndarray, build: Callable[..., list[Event]], printf: bool) -> _Group:
        """The rows at ``where`` (of the klog rows), their Events by ``build(input, lines, ts, streams)``."""
        block_rows = index_rows[where]
        ts, times = _klog_times(block, block_rows)
        take = _arrow(where)
        clocks = [pids[0].as_py()] * len(where) if single else _strings(pids.take(take))
        names = repeat(streams(clocks[0]), len(where)) if single else map(streams, clocks)
        events = build(index, (block_rows + block.first_number).tolist(), ts, names)
        return _Group(block_rows, events, times, _file_names(files.take(take)), clocks, printf, False)

    groups = []
    for shape in hot_shapes():
        where = _nonzero(pc.starts_with(msg, shape.selector))
        where = where[plain[where]]
        if not len(where):
            continue
        ok, found = _extract(msg.take(_arrow(where)), shape.regex)
        if not len(ok):
            continue
        columns = {key: _values(found[f"v{i}"], form) for i, (key, form) in enumerate(shape.keys)}
        groups.append(group(where[ok], partial(structured_events, shape.message, columns), False))
    for where, shape, columns in _printf_rows(msg):
        groups.append(group(where, partial(_printf_events, shape, columns), True))
    return groups


_BACKSLASH = ord("\\")


def _without_backslash(block: LineBlock, index_rows: np.ndarray, msg: pa.Array) -> np.ndarray:
    """Whether each row's message holds no backslash (bool per row): rows without one anywhere in the block's bytes
    are found by numpy; only the few others have their message searched."""
    raw = np.frombuffer(block.data, dtype=np.uint8)
    found = np.flatnonzero(raw == _BACKSLASH)
    plain = np.ones(len(index_rows), dtype=bool)
    if len(found):
        rows_with = np.unique(np.searchsorted(block.starts, found, side="right") - 1)
        suspects = np.flatnonzero(np.isin(index_rows, rows_with))
        if len(suspects):
            in_msg = pc.match_substring(msg.take(_arrow(suspects)), "\\")
            plain[suspects[_nonzero(in_msg)]] = False
    return plain


def _file_names(files: pa.Array) -> list[str]:
    """Each row's file ('pkg/file.go') as FormatFeatures.files counts it ('file.go'), worked out once per name."""
    return _decoded(files, _base_name)


def _base_name(path: str) -> str:
    return path.rsplit("/", 1)[-1]


def _json_groups(block: LineBlock, index: int, streams: StreamNames) -> list[_Group]:
    """The hot JSON rows of one block (hotshapes.json_shapes), by shape: the Events and what take_hot needs, as
    ``LineParser._json_record`` gives them from ``json.loads`` of the row."""
    index_rows, rows = _candidate_rows(block, lambda first, last: (first == ord("{")) & (last == ord("}")))
    if not len(index_rows):
        return []
    stream = streams(None)
    groups = []

    def group(where: np.ndarray, ts: list[str], files: list[str | None], build: Callable[..., list[Event]]) -> None:
        """The rows at ``where`` (of the JSON rows): their Events by ``build(input, lines, ts, streams)``; a row
        whose ts a datetime cannot hold goes per line."""
        times, stamps = _json_times(ts)
        keep = [k for k, stamp in enumerate(stamps) if stamp is not None]
        if len(keep) < len(stamps):
            where, times, stamps, files = where[keep], times[keep], _pick(stamps, keep), _pick(files, keep)
            build = partial(build, keep=keep)
        block_rows = index_rows[where]
        n = len(where)
        events = build(index, (block_rows + block.first_number).tolist(), stamps, repeat(stream, n))
        groups.append(_Group(block_rows, events, times, files, ["json"] * n, False, True))

    # each row's head and "msg" in one pass (json_header_re2), so each structured shape's layouts run only on the
    # rows with its message and read only the rest; the printf shape on the rows no structured shape took
    header = pc.extract_regex(rows, json_header_re2())
    messages = header.field("m")
    rest = np.ones(len(rows), dtype=bool)
    for shape in json_shapes():
        pool = _nonzero(pc.equal(messages, shape.message)) if shape.message is not None else np.flatnonzero(rest)
        if not len(pool):
            continue
        if shape.message is not None:
            for where, found in _json_layouts(rows, pool, shape, header):
                rest[where] = False
                group(where, _strings(found["v0"]), _decoded(found[f"v{shape.roles.index(_CALLER)}"], _caller_file),
                      partial(_json_events, shape, found))
            continue
        # printf text: its regex only says which rows are whole (the header pass read their ts, caller and text, as
        # its groups would: _PRINTF_ROLES); the printf shapes say which rows are hot
        if shape.roles != _PRINTF_ROLES:
            raise ValueError(f"columnar: the JSON printf shape now reads {shape.roles}, not {_PRINTF_ROLES}")
        hit = _nonzero(pc.match_substring_regex(rows if len(pool) == len(rows) else rows.take(_arrow(pool)),
                                                shape.regex))
        if not len(hit):
            continue
        where = pool[hit]
        rest[where] = False
        heads = header.take(_arrow(where))
        ts, files = _strings(heads.field("ts")), _decoded(heads.field("caller"), _caller_file)
        for at, printf, columns in _printf_rows(heads.field("m")):
            picked = at.tolist()
            group(where[at], _pick(ts, picked), _pick(files, picked), partial(_printf_events, printf, columns))
    return groups


_CALLER = ("caller", "STRING")
_PRINTF_ROLES = ("ts", _CALLER, "msg")
_LAYOUT_ORDER: dict[str, list[int]] = {}  # shape source -> its variants, the one that took most rows last first


def _json_layouts(rows: pa.Array, pool: np.ndarray, shape: JsonShape, header: pa.StructArray
                  ) -> Iterator[tuple[np.ndarray, dict[str, pa.Array]]]:
    """The pool rows each layout of a structured shape matches (hotshapes.json_variants: they split the shape's
    rows), with every group of the shape: the variant's own, the header pass's ("ts", "logger", "caller"), and
    '' for a group the layout leaves out (a missing context pair, or a key's second value)."""
    order = _LAYOUT_ORDER.setdefault(shape.source, list(range(len(shape.variants))))
    taken = []
    for k in list(order):
        if not len(pool):
            break
        variant = shape.variants[k]
        hit, found = _extract(rows if len(pool) == len(rows) else rows.take(_arrow(pool)), variant.regex)
        taken.append((len(hit), k))
        if not len(hit):
            continue
        where = pool[hit]
        pool = np.delete(pool, hit)
        heads = header.take(_arrow(where))
        blank = _blank(len(where))
        for i, role in enumerate(shape.roles):
            if i not in variant.groups:
                found[f"v{i}"] = heads.field(_HEADER_FIELDS[role]) if role in _HEADER_FIELDS else blank
        yield where, found
    if taken and max(taken)[1] != order[0]:
        order.remove(max(taken)[1])
        order.insert(0, max(taken)[1])


_HEADER_FIELDS = dict(zip(JSON_HEADER_ROLES, ("ts", "logger", "caller"), strict=True))


def _blank(n: int) -> pa.Array:
    """``n`` empty strings (a group that took part in no row reads as '')."""
    return pa.StringArray.from_buffers(n, pa.py_buffer(np.zeros(n + 1, dtype=np.int32)), pa.py_buffer(b""))


_YEARS_1000_TO_9999 = (-30610224000, 253402300800)  # epoch seconds: the years isoformat and strftime agree on


def _json_times(ts: list[str]) -> tuple[np.ndarray, list[str | None]]:
    """Each JSON "ts" text (epoch ms) as ``float`` and as ``lines._json_ts`` gives it, in bulk: the seconds and
    microseconds split and rounded as ``datetime.fromtimestamp`` does (half to even), the date and time by numpy;
    a ts outside years 1000-9999 (or negative) goes through ``_json_ts`` itself."""
    ms = np.array([float(t) for t in ts], dtype=np.float64)
    seconds = ms / 1000.0
    whole = np.trunc(seconds)
    micro = np.rint((seconds - whole) * 1e6)
    carry = micro >= 1e6
    whole, micro = whole + carry, micro - carry * 1e6
    plain = (seconds >= 0) & (whole >= _YEARS_1000_TO_9999[0]) & (whole < _YEARS_1000_TO_9999[1])
    if not plain.all():
        return ms, [_json_ts(t) for t in ts]
    clock = np.datetime_as_string(whole.astype(np.int64).astype("datetime64[s]"), unit="s").tolist()
    return ms, [f"{c}.{m:06d}Z" for c, m in zip(clock, micro.astype(np.int64).tolist(), strict=True)]


def _json_events(shape: JsonShape, found: dict[str, pa.Array], input_index: int = 0, lines: list[int] | None = None,
                 ts: list[str | None] | None = None, streams: Iterable[str] | None = None,
                 keep: list[int] | None = None) -> list[Event]:
    """The Events of the rows one structured JSON shape matched (those at ``keep``, default all): each row's
    values as json.loads reads them (a key given twice keeps its first value, as ``lines._dup_tolerant`` does),
    as ``structured_event`` builds them, stamped (by default as an unstamped Event is)."""
    by_key: dict[str, tuple[str, pa.Array]] = {}  # key -> its form and texts (the first given in a row; "": none)
    for i, role in enumerate(shape.roles):
        if not isinstance(role, tuple):
            continue
        key, form = role
        texts = found[f"v{i}"] if keep is None else found[f"v{i}"].take(_arrow(np.array(keep)))
        if key in by_key:
            first_form, earlier = by_key[key]
            if first_form != form:  # the earlier text is read by its own form below: both must agree
                raise ValueError(f"JSON shape {shape.message!r}: key {key!r} given as {first_form} and as {form}")
            texts = pc.if_else(pc.equal(earlier, ""), texts, earlier)
        by_key[key] = form, texts
    columns, keys = [], []
    mixed = False
    for key, (form, texts) in by_key.items():
        absent = pc.sum(pc.equal(texts, "")).as_py() or 0
        if absent == len(texts):  # a key no row has (1.21: no logger) is left out
            continue
        column = _json_values(texts, form)
        if absent:  # an optional key some rows have
            column = [_ABSENT if text == "" else value for text, value in zip(_strings(texts), column, strict=True)]
            mixed = True
        columns.append(column)
        keys.append(key)
    n = len(columns[0]) if columns else len(found["v0"]) if keep is None else len(keep)
    lines = [0] * n if lines is None else lines
    ts = [None] * n if ts is None else ts
    streams = repeat("", n) if streams is None else streams
    message = shape.message
    if mixed:  # an optional key some rows have
        events = [structured_event(message, {k: v for k, v in zip(keys, values, strict=True) if v is not _ABSENT})
                  for values in zip(*columns, strict=True)]
        return _stamp_events(events, input_index, lines, ts, streams)
    return structured_events(message, dict(zip(keys, columns, strict=True)), input_index, lines, ts, streams)


_ABSENT = object()


_KOBJ_OBJECT = re.compile(r'\{"name":"(?P<name>[^"\\]*)"(?:,"namespace":"(?P<namespace>[^"\\]*)")?\}')


def _kobj(text: str) -> str | dict[str, str]:
    """A klog.KObj value as json.loads reads it, from its text in the form hotshapes.JSON_KOBJ allows."""
    if text[:1] == '"':
        return text[1:-1]
    m = _KOBJ_OBJECT.fullmatch(text)
    if m is None:
        return json.loads(text, object_pairs_hook=_dup_tolerant)
    return {k: v for k, v in m.groupdict().items() if v is not None}


def _json_values(texts: pa.Array, form: str) -> list:
    """A JSON shape's value column as json.loads reads the values (KOBJ: each distinct text read once)."""
    if form in ("INT", "ARRAY"):
        return _values(texts, form)
    if form == "GOMAP":
        return [json.loads(text, object_pairs_hook=_dup_tolerant) for text in _strings(texts)]
    if form == "STRING":
        return _decoded(texts, _unquoted)
    return _decoded(texts, _kobj_or_absent)  # KOBJ: a string or an object (one object per text, as json.loads reads it)


def _kobj_or_absent(text: str) -> object:
    return _kobj(text) if text else _ABSENT


def _caller_file(caller: str) -> str | None:
    """A caller's text ('"pkg/file.go:NN"', quoted; "": none) as the file name ``_json_record`` counts, or None."""
    file = caller[1:-1].rsplit(":", 1)[0] if caller else ""
    return file.rsplit("/", 1)[-1] if file else None


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


MIN_RUN = 8  # shorter runs of hot rows are taken row by row (the same accounting, less set-up)


def columnar_events(path: str, index: int, parser, tally, progress=None, part: ByteRange | None = None,
                    runs: bool = False) -> Iterator[Event | EventRun]:
    """Every event of one plain input in order, keeping ``tally`` and ``parser`` exactly as the per-line
    loop (``pipeline.classified_events`` over ``unwrap_lines(iter_physical_lines(...))``) would.

    With ``runs``, the events of a run of hot rows come as one EventRun (for ``Assembler.feed_run``; ``tally.total``
    counts the whole run when it is handed on); ``events.expand`` gives them one by one.

    With ``part``, only the lines of that byte range (the caller checked its head: ``head_passes_through``;
    it reads on per line from where the range ends or ``part.resume`` says, and finishes the unwrapper)."""
    from ..pipeline import PARSED, PROGRESS_LINES, Progress, classified_events

    repairs = Repairs() if part is None else part.repairs
    unwrapper = Unwrapper() if part is None else part.unwrapper

    def per_line(physical: Iterable) -> Iterator[Event]:
        """The per-line path for these physical lines (one classify loop for a stretch of them)."""
        logical = (line for phys in physical for line in unwrapper.push(phys))
        return classified_events(logical, parser, tally, progress, index)

    def rows_per_line(block: LineBlock, rows: Iterable[int]) -> Iterator[Event]:
        n, first = len(block), block.first_number
        return per_line(decode_line(block.raw(r), block.ended or r < n - 1, False, index, first + r, repairs)
                        for r in rows)

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
            yield from per_line(iter_lines_from(path, index, block.offset, block.number, repairs))
            break
        if not checked:
            checked = True
            if not _passes_through(block, index, size):  # a prefix or colors: the per-line reader strips them
                yield from _all_per_line(path, index, parser, tally, progress, blocks)
                return
        hot = hot_rows(block, index, partial(parser.stream, index, None))
        row, rows = 0, hot.rows.tolist()
        ready = not unwrapper.pending and parser.hot_ready()  # only per-line rows change it
        for a, b in hot.runs():
            if row < rows[a]:
                yield from rows_per_line(block, range(row, rows[a]))
                ready = not unwrapper.pending and parser.hot_ready()
            row = rows[b - 1] + 1
            if ready and b - a >= MIN_RUN and parser.take_hot_run(hot, a, b):
                before = tally.total
                try:
                    if runs:
                        tally.total += b - a
                        yield EventRun(islice(hot.events, a, b))
                    else:
                        for event in hot.events[a:b]:
                            tally.total += 1
                            yield event
                finally:  # counted once handed on (up to where a caller stopped)
                    taken = tally.total - before
                    parser.count_hot(hot, a, a + taken)
                    tally.chars += hot.chars_of(a, a + taken)
                    buckets[PARSED] += taken
                if progress is not None and tally.total // PROGRESS_LINES != before // PROGRESS_LINES:
                    progress(Progress.of(index, tally, parser.features.kinds))
                continue
            for i in range(a, b):
                if ready and parser.take_hot(hot, i):
                    tally.total += 1
                    tally.chars += int(hot.chars[i])
                    buckets[PARSED] += 1
                    yield hot.events[i]
                    if progress is not None and tally.total % PROGRESS_LINES == 0:
                        progress(Progress.of(index, tally, parser.features.kinds))
                else:  # a repeated record, an open multi-line value or a held fragment: the per-line way
                    yield from rows_per_line(block, (rows[i],))
                    ready = not unwrapper.pending and parser.hot_ready()
        yield from rows_per_line(block, range(row, len(block)))
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
