"""Classify every logical line into exactly one bucket and turn scheduler statements into Events.

Buckets: ``parsed`` (an Event), ``ignored`` (known and not about scheduling decisions, with a reason)
and ``unrecognized``. Multi-line records (klog ``key=<`` blocks, printf messages that span lines,
the component-config dump) are followed so their continuation lines are accounted as such.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter, OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import compress
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from ..read.prefixes import record_start
from ..read.wrappers import LogicalLine
from .dumps import COLLECTED_KINDS, legacy_entry_event
from .events import Event
from .ignore import (
    IGNORED_EXACT_LINES,
    ignored_component_reason,
    ignored_file_reason,
    ignored_line_reason,
    ignored_message_reason,
)
from .klog import (
    CUT_HEADER,
    FILE_ONLY_HEADER,
    HASHED_RECORD_CHARS,
    KLOG_FILE_HEADER,
    KLOG_HEADER,
    ClockWatch,
    klog_timestamp,
    looks_like_record,
)
from .printf import parse_printf
from .structured import MULTILINE, split_structured, structured_event

if TYPE_CHECKING:
    from .columnar import HotRows

PARSED, IGNORED, UNRECOGNIZED = "parsed", "ignored", "unrecognized"
_LOGGER_PREFIX = re.compile(r'[A-Za-z0-9_./-]+: "')  # klogr 2.100 contextual names before the message
RECENT_RECORDS = 4096  # how far back an exactly repeated record line is recognized as a duplicate
HELD_KINDS = COLLECTED_KINDS | {"component_config"}  # records whose following lines are collected into data["text"]
# How a crash of the scheduler process shows in its log: klog's HandleCrash line, the Go runtime's own
# panic / fatal error lines (headerless) and klog Fatal (severity F, which exits the process).
# (analyzer/parts/worker.py follows these markers past a part's end, like cycle starts.)
CRASH_PREFIXES = ("Observed a panic: ", "panic: ", "fatal error: ")
STRUCTURED_CRASH = "Observed a panic"  # '"Observed a panic" panic="..." panicGoValue="..." stacktrace=<'
# 1.2-1.6 FitError: "pod (<name>) failed to fit in any node" then, on lines without a header, one line per
# node: "fit failure on node (<node>): <reason>, <reason>" -- the only per-node filter verdicts those eras log
FIT_ERROR_HEAD = "failed to fit in any node"
FIT_NODE_LINE = re.compile(r"fit failure on node \((?P<node>[^()\s]+)\): (?P<reasons>.+?)\s*(?:; retrying)?$")
# the kinds whose failure text can be a FitError head, and the data key of that text (analyzer/parse/events.py)
_FIT_ERROR_TEXT = {"schedule_error": "err", "no_fit": "err", "event_failed_scheduling": "message"}
# event kinds that show the process is scheduling: a version line after one of them is a restart
_SCHEDULING_KINDS = frozenset({"dequeue", "attempt_start", "bind_attempt", "bound", "no_fit", "schedule_error"})
# kinds whose line changes more of the parser's state than its counters (a FitError head, a restart, a held
# record): ``take_hot`` never takes them (parse/hotshapes.py checks its shapes against this)
STATEFUL_KINDS = frozenset(_FIT_ERROR_TEXT) | {"version"} | HELD_KINDS
HOST_WITHOUT_ARROW = object()  # the mark of a "Host X Score N" line (FormatFeatures.host_without_arrow)


def event_mark(kind: str, data: dict[str, Any], text: str | None) -> Any:
    """What ``_stamp`` counts for an event beyond its kind and pod form: the ``styles`` entry of a resource line
    or a printf bind line, HOST_WITHOUT_ARROW, or None (``text``: the line the event came from)."""
    if kind == "resource_score":
        return data.get("line_style", "?")
    if kind == "bound" and "is bound successfully" in text:
        return "bound-quoted" if '"' in text else "bound-printf"
    if kind == "host_total" and "=>" not in (text or ""):
        return HOST_WITHOUT_ARROW
    return None


_MARKED_KINDS = frozenset({"resource_score", "bound", "host_total"})  # the kinds event_mark may mark
# Kinds the columnar parser hands on alone, never inside a run of hot rows. A run's counters (tally.chars and
# buckets, FormatFeatures) are added only after all its events are handed on, so they lag inside a run;
# tally.total does not. parts.preamble reads FormatFeatures.kinds at a cycle start (dequeue, attempt_start)
# and stops there, so at those events every counter must be exact (tests: test_counts_are_exact_where_they_are_read).
ALONE_KINDS = frozenset({"dequeue", "attempt_start"})


def hot_tags(events: list[Event], texts: list[str], files: list[str | None], json_records: list[bool],
             printf: list[bool]) -> list[tuple]:
    """What ``LineParser._count_hot`` counts for each hot row (parse/columnar.py HotRows): its kind, pod form,
    stream, file, whether it is a JSON record or structured klog text, and its ``event_mark``.

    The tuples are made by ``zip`` (in C): this runs on every hot row."""
    kinds = list(map(_KIND, events))
    marks: list[Any] = [None] * len(events)
    if _MARKED_KINDS.intersection(kinds):
        for i in compress(range(len(kinds)), map(_MARKED_KINDS.__contains__, kinds)):  # (in C to the marked rows)
            marks[i] = event_mark(kinds[i], events[i].data, texts[i])
    structured = [not (is_json or is_printf) for is_json, is_printf in zip(json_records, printf, strict=True)]
    return list(zip(kinds, map(_POD_FORM, events), map(_STREAM, events), files, json_records, structured, marks,
                    strict=True))


_KIND, _POD_FORM, _STREAM = attrgetter("kind"), attrgetter("pod_form"), attrgetter("stream")


def record_key(wrapper_ts: str | None, source: str | None, body: str) -> Any:
    """The repeated-record window's key for a record line: the text itself for an unwrapped line of one
    source (the columnar parser's hot rows), else with the wrapper's time and the source."""
    return body if wrapper_ts is None and source is None else (wrapper_ts, source, body)


def crash_text(message: str, severity: str | None) -> str | None:
    """What a crashing process says (the panic value, the fatal message), or None for any other line.

    Info lines are never crashes (checked first: this runs on every line); the Go runtime's own lines
    have no header, klog's HandleCrash logs at E and klog Fatal at F.
    """
    if severity == "I" or severity == "W":
        return None
    if severity == "F":
        return message.split("\n", 1)[0].strip()
    for prefix in CRASH_PREFIXES:
        if message.startswith(prefix):
            return message[len(prefix):].split("\n", 1)[0].strip()
    return None


def stream_name(input_index: int, source: str | None, pid: str | None) -> str:
    """The name of one process's stream of lines: "input[:source][:pid]" (``Event.stream``)."""
    return ":".join([str(input_index), *(p for p in (source, pid) if p)])


@dataclass(slots=True)
class Classified:
    """The verdict for one logical line (and the physical lines folded into it)."""

    bucket: str
    reason: str | None = None
    event: Event | None = None
    lines: int = 1


@dataclass
class FormatFeatures:
    """What the parser saw that tells the era, encoding and wrapper of a log."""

    encodings: Counter = field(default_factory=Counter)
    wrappers: Counter = field(default_factory=Counter)
    files: Counter = field(default_factory=Counter)
    kinds: Counter = field(default_factory=Counter)
    styles: Counter = field(default_factory=Counter)
    pod_forms: Counter = field(default_factory=Counter)
    versions: list[str] = field(default_factory=list)
    host_without_arrow: int = 0
    notes: list[tuple[int, str]] = field(default_factory=list)  # (input index, what was odd about it)


@dataclass
class ParserMarks:
    """The oddities one input's parser noticed, as line numbers and counts; parts of a file add up."""

    unclosed: list[int] = field(default_factory=list)  # where a multi-line value never got its '>'
    duplicates: list[int] = field(default_factory=list)  # repeated record lines
    backwards: int = 0  # lines whose time is earlier than the line before from the same process
    first_backwards: int = 0
    rollovers: list[int] = field(default_factory=list)  # where the year turned (Dec 31 -> Jan 1)

    def merge(self, later: ParserMarks) -> None:
        """Add the marks of the part of the file that comes after this one."""
        self.unclosed += later.unclosed
        self.duplicates += later.duplicates
        self.backwards += later.backwards
        self.first_backwards = self.first_backwards or later.first_backwards
        self.rollovers += later.rollovers

    def notes(self) -> list[str]:
        out = [f"line {number}: a multi-line value (key=<) never got its closing '>'" for number in self.unclosed]
        if self.duplicates:
            n = len(self.duplicates)
            out.append(f"{n} record{'s' if n > 1 else ''} repeated an earlier line exactly "
                       f"(ignored as 'duplicate'), first at line {self.duplicates[0]}")
        clock = ClockWatch(backwards=self.backwards, first_backwards=self.first_backwards,
                           rollovers=list(self.rollovers))
        return out + clock.notes()


def _json_ts(value: Any) -> str | None:
    """JSON logging's ts (epoch milliseconds, fractional) as ISO 8601 UTC."""
    try:
        moment = datetime.fromtimestamp(float(value) / 1000.0, tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None
    if moment.year >= 1000:  # isoformat is 3x faster than strftime; strftime's %Y does not pad years < 1000
        return moment.isoformat(timespec="microseconds")[:-len("+00:00")] + "Z"
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f") + "Z"


def _dup_tolerant(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        out.setdefault(key, value)  # 1.30 prints pod twice; keep the first
    return out


class LineParser:
    """Stateful classifier for one input; call ``classify`` for each logical line in order."""

    def __init__(self, features: FormatFeatures | None = None) -> None:
        self.features = features or FormatFeatures()
        self._in_block = False  # inside a klog multi-line value (key=< ... >)
        self._block_line = 0  # where that value started
        self._printf_open = False  # the previous record was printf text and may continue
        self._config: Event | None = None  # a component-config record still collecting lines
        self._held: list[str] = []  # its lines so far (joined once at the end: a dump can have 100,000s)
        self._recent: OrderedDict[tuple, None] = OrderedDict()  # recent record lines, oldest first
        self._duplicate = False  # the current record repeats an earlier one (its continuation too)
        self._duplicates: list[int] = []  # line numbers of repeated records
        self._unclosed: list[int] = []  # lines where a multi-line value never got its closing '>'
        self._clock = ClockWatch()
        self._input = 0
        self._stream_names: dict[tuple, str] = {}
        self._record_component: str | None = None  # the program that wrote the last record (journald, stern)
        self._crashing = False  # a crash was reported and its trace lines may follow
        self._fit_error: Event | None = None  # a 1.2-1.6 FitError whose per-node lines may follow
        self._scheduling: set[str] = set()  # streams that did scheduling work (their next version line: a restart)

    # -- public -------------------------------------------------------------------------------
    def classify(self, line: LogicalLine) -> list[Classified]:
        """The verdict for this line (a list: a finished component-config record may come first)."""
        self.features.wrappers[line.wrapper] += 1
        self._input = line.input
        folded = 1 + line.joined
        text = line.text
        stripped = text.strip()
        if self._in_block:
            if KLOG_HEADER.match(stripped) is None:  # block lines: tab-indented YAML, ' >' at the end
                self._in_block = stripped != ">"
                return [self._continuation(text, folded)]
            if self._seen(line, stripped):  # the block's own header line, sent twice
                self._duplicates.append(line.number)
                return [Classified(IGNORED, "duplicate", lines=folded)]
            self._in_block = False  # a new record: the value above lost its closing '>'
            self._unclosed.append(self._block_line)
        elif looks_like_record(stripped) and self._seen(line, stripped):
            out = self._flush_config()
            self._duplicate, self._printf_open = True, True  # its continuation lines are repeats too
            self._duplicates.append(line.number)
            if stripped.endswith("=<"):
                self._in_block, self._block_line = True, line.number
            out.append(Classified(IGNORED, "duplicate", lines=folded))
            return out
        verdict = self._classify_record(line, stripped)
        if verdict is None:  # a continuation of the previous record
            return [self._continuation(text, folded)]
        if verdict.bucket != PARSED and line.component is not None:
            reason = ignored_component_reason(line.component)  # another program's line: say whose
            if reason:
                verdict = Classified(IGNORED, reason)
        self._duplicate = False
        self._record_component = line.component
        if self._in_block:
            self._block_line = line.number
        out = self._flush_config()
        verdict.lines = folded
        if verdict.event is not None:
            self._locate(verdict.event, line)
            if verdict.event.kind in HELD_KINDS:
                # hold the event until its continuation lines are collected; count the head line now
                self._config, verdict.event = verdict.event, None
        out.append(verdict)
        return out

    def remember(self, line: LogicalLine) -> None:
        """Keep the repeated-record window as ``classify`` would, for a line the caller skips."""
        stripped = line.text.strip()
        if looks_like_record(stripped):
            self._seen(line, stripped)

    def finish(self, notes: bool = True) -> Iterator[Classified]:
        """Flush a record still open at the end of the input, and leave notes on what was odd
        (``notes=False``: only in ``marks()``, for a caller that merges the marks of several parts)."""
        if self._in_block:
            self._unclosed.append(self._block_line)
            self._in_block = False
        if notes:
            self.features.notes.extend((self._input, note) for note in self.marks().notes())
        yield from self._flush_config()

    def marks(self) -> ParserMarks:
        """What was odd so far (unclosed values, repeated records, clock trouble), as mergeable data."""
        clock = self._clock
        return ParserMarks(list(self._unclosed), list(self._duplicates), clock.backwards, clock.first_backwards,
                           list(clock.rollovers))

    def clear_marks(self) -> None:
        """Forget the marks but keep the state (recent records, open values, clocks): after a warm-up
        over lines another worker accounts for."""
        self._unclosed, self._duplicates = [], []
        self._clock.backwards = self._clock.first_backwards = 0
        self._clock.rollovers = []

    def _continuation(self, text: str, folded: int) -> Classified:
        """A line that continues the previous record; a repeated record's lines stay 'duplicate'."""
        if self._duplicate:
            return Classified(IGNORED, "duplicate", lines=folded)
        self._collect(text)
        return Classified(IGNORED, "continuation", lines=folded)

    def _seen(self, line: LogicalLine, stripped: str) -> bool:
        """True when this exact record line (time to the microsecond, pid, text) appeared recently."""
        body = stripped
        if len(stripped) > HASHED_RECORD_CHARS:
            body = hashlib.blake2b(stripped.encode(), digest_size=16).hexdigest()
        return self._remember(record_key(line.wrapper_ts, line.source, body))  # exact, not hash(): stable verdicts

    def _remember(self, key: Any) -> bool:
        """True when ``key`` is in the repeated-record window; else add it (the oldest drops out)."""
        recent = self._recent
        if key in recent:
            return True
        recent[key] = None
        if len(recent) > RECENT_RECORDS:
            recent.popitem(last=False)
        return False

    # -- the columnar parser's hot rows (parse/columnar.py) ------------------------------------------
    def hot_ready(self) -> bool:
        """True when a plain klog record line would touch only the state ``take_hot`` keeps: no
        multi-line value is open and no component-config record is collecting lines."""
        return not self._in_block and self._config is None

    def take_hot(self, hot: HotRows, i: int) -> bool:
        """Account hot row ``i`` (an unwrapped, unprefixed, clean line whose message became ``hot.events[i]``,
        the Event ``_message`` or ``_json_record`` builds, already stamped) exactly as ``classify`` would;
        False, with nothing changed, when the line repeats a recent record (``classify`` must then take it)."""
        if self._remember(hot.texts[i]):
            return False
        self._clock.see(hot.clocks[i], hot.moment(i), hot.events[i].line)
        self._taken(hot, i)
        self._count_hot(hot.tags[i], 1)
        return True

    def take_hot_run(self, hot: HotRows, a: int, b: int) -> bool:
        """``take_hot`` of rows a..b-1 (consecutive lines) at once, but for the counters (``count_hot``, once
        their events are handed on); False, with nothing changed, when a row repeats a recent record, two rows of
        the block have the same text (``HotRows.distinct``: the whole block, simpler than per run and rare), or the
        run's clock is not one process's going forward (the caller then takes them one by one)."""
        keys = hot.texts[a:b]
        if not (hot.distinct and self._recent.keys().isdisjoint(keys) and hot.steady(a, b)):
            return False
        if not self._clock.see_run(hot.clocks[a], hot.moment(a), hot.moment(b - 1)):
            return False
        recent = self._recent
        recent.update(dict.fromkeys(keys))
        for _ in range(len(recent) - RECENT_RECORDS):
            recent.popitem(last=False)
        self._taken(hot, b - 1)
        return True

    def count_hot(self, hot: HotRows, a: int, b: int) -> None:
        """Count rows a..b-1 taken by ``take_hot_run`` (in first-seen order, so each counter's keys come in the
        order ``take_hot`` row by row would add them)."""
        for tag, n in Counter(hot.tags[a:b]).items():
            self._count_hot(tag, n)

    def _taken(self, hot: HotRows, last: int) -> None:
        """The state a hot row leaves (``last``: the last row taken)."""
        self._input = hot.events[last].input
        self._printf_open = hot.printf[last]
        self._crashing = self._duplicate = False
        self._fit_error = self._record_component = None

    def _count_hot(self, tag: tuple, n: int) -> None:
        """Count ``n`` hot rows of one ``hot_tags`` tag, as ``classify`` and ``_stamp`` count them."""
        kind, form, stream, file, json_record, structured, mark = tag
        f = self.features
        f.wrappers["none"] += n
        f.encodings["json" if json_record else "text"] += n
        if file is not None:
            f.files[file] += n
        if structured and not json_record:
            f.styles["structured"] += n
        f.kinds[kind] += n
        f.pod_forms[form] += n
        self._count_mark(mark, n)
        if kind in _SCHEDULING_KINDS:
            self._scheduling.add(stream)

    def _count_mark(self, mark: Any, n: int) -> None:
        if mark is HOST_WITHOUT_ARROW:
            self.features.host_without_arrow += n
        elif mark is not None:
            self.features.styles[mark] += n

    # -- records ------------------------------------------------------------------------------
    def _classify_record(self, line: LogicalLine, stripped: str) -> Classified | None:
        if not stripped:
            return Classified(IGNORED, "blank")
        if stripped in IGNORED_EXACT_LINES:
            return Classified(IGNORED, IGNORED_EXACT_LINES[stripped])
        if stripped[0] == "{":
            verdict = self._json_record(stripped, line)
            if verdict is not None:
                return verdict
        m = KLOG_HEADER.match(stripped)
        if m:
            self.features.encodings["text"] += 1
            self._clock.see(m["pid"], (m["month"], m["day"], m["time"]), line.number)
            return self._message(m["msg"], m["file"], line, pid=m["pid"],
                                 ts=(m["month"], m["day"], m["time"]), severity=m["sev"])
        if stripped.startswith(KLOG_FILE_HEADER):
            self._printf_open = False
            return Classified(IGNORED, "klog-file-header")
        m = CUT_HEADER.match(stripped) or FILE_ONLY_HEADER.match(stripped)
        if m:
            self.features.encodings["text"] += 1
            return self._message(m["msg"], m["file"], line, pid=m.groupdict().get("pid"))
        if ".go:" in stripped or '{"' in stripped:  # cheap test before the search
            start = record_start(stripped)
            if start:  # a record behind a prefix this file's learned one did not remove
                return self._classify_record(line, stripped[start:])
        reason = ignored_line_reason(stripped)
        if reason:
            self._printf_open = False
            return Classified(IGNORED, reason)
        # No header: a prefix-stripped paste of a message, or a continuation line (of the same program's record).
        continuing = self._printf_open and line.component == self._record_component
        if continuing and self._fit_error is not None:
            verdict = self._fit_node_line(stripped, line)
            if verdict is not None:
                return verdict
        verdict = self._message(stripped, None, line, headerless=True)
        if verdict.bucket == UNRECOGNIZED and continuing:
            self._printf_open = True
            return None
        if verdict.bucket != UNRECOGNIZED:
            self.features.encodings["text"] += 1
        return verdict

    def _message(self, msg: str, file: str | None, line: LogicalLine, pid: str | None = None,
                 ts: tuple[str, str, str] | None = None, headerless: bool = False,
                 severity: str | None = None) -> Classified:
        if file:
            self.features.files[file.rsplit("/", 1)[-1]] += 1
        crash = crash_text(msg, severity)
        if crash is not None:
            return self._crash(crash, line, pid, ts)
        event: Event | None
        structured = msg[:1] == '"' or (': "' in msg[:120] and _LOGGER_PREFIX.match(msg) is not None)
        self._printf_open = False
        if structured:
            split = split_structured(msg)
            if split is not None:
                _prefix, message, values = split
                if any(v is MULTILINE for v in values.values()):
                    self._in_block = True
                if message == STRUCTURED_CRASH:  # apimachinery >= 0.30: the panic value is a key
                    return self._crash(str(values.get("panic", message)), line, pid, ts)
                event = structured_event(message, values)
                self.features.styles["structured"] += 1
                if event is not None:
                    self._stamp(event, line, pid, ts)
                    return Classified(PARSED, event=event)
                reason = ignored_file_reason(file) or ignored_message_reason(message)
                if reason:
                    return Classified(IGNORED, reason)
                return Classified(UNRECOGNIZED)
        first_line = msg.split("\n", 1)[0]
        event = parse_printf(first_line) or legacy_entry_event(msg, file)
        if event is not None:
            self._printf_open = True
            if event.kind in HELD_KINDS:
                event.data["text"] = msg.split("\n", 1)[1] if "\n" in msg else ""
            self._stamp(event, line, pid, ts)
            return Classified(PARSED, event=event)
        reason = ignored_file_reason(file) or ignored_message_reason(first_line)
        if reason:
            self._printf_open = not headerless
            return Classified(IGNORED, reason)
        if not headerless:
            self._printf_open = True
        return Classified(UNRECOGNIZED)

    def _json_record(self, text: str, line: LogicalLine) -> Classified | None:
        try:
            obj = json.loads(text, object_pairs_hook=_dup_tolerant)
        except ValueError:
            return None
        if not isinstance(obj, dict) or "msg" not in obj:
            return None
        self.features.encodings["json"] += 1
        self._printf_open = False
        msg = obj.get("msg")
        if not isinstance(msg, str):
            return Classified(UNRECOGNIZED)
        caller = obj.get("caller")
        file = caller.rsplit(":", 1)[0] if isinstance(caller, str) else None
        if file:
            self.features.files[file.rsplit("/", 1)[-1]] += 1
        ts = _json_ts(obj.get("ts"))
        if ts is not None:
            self._clock.see("json", (float(obj["ts"]),), line.number)
        event = None if msg.endswith("\n") else structured_event(msg, obj)
        if event is None:
            event = parse_printf(msg.rstrip("\n").split("\n", 1)[0]) or legacy_entry_event(msg.split("\n", 1)[0], file)
            if event is not None and event.kind in HELD_KINDS:
                event.data["text"] = msg.split("\n", 1)[1] if "\n" in msg else ""
        if event is not None:
            if event.kind == "component_config" and isinstance(obj.get("config"), str):
                event.data["text"] = obj["config"]
            self._stamp(event, line, None, None, iso=ts)
            return Classified(PARSED, event=event)
        if "level" in obj and "v" not in obj:  # zap's JSON (etcd, CNI agents): klog's JSON has "v", never "level"
            return Classified(IGNORED, "zap-json")
        reason = ignored_file_reason(file) or ignored_message_reason(msg)
        return Classified(IGNORED, reason) if reason else Classified(UNRECOGNIZED)

    # -- helpers ------------------------------------------------------------------------------
    def _fit_node_line(self, text: str, line: LogicalLine) -> Classified | None:
        """A FitError's "fit failure on node (<node>): <reasons>" line as an observed filter failure."""
        m = FIT_NODE_LINE.match(text)
        if m is None:
            return None
        head = self._fit_error
        event = Event("filter_fail", pod=head.pod, node=m["node"], pod_form=head.pod_form,
                      data={"detail": m["reasons"], "fit_error": True})
        self._stamp(event, line, None, None, iso=head.ts)
        event.stream = head.stream  # the record's own process, which the header-less line does not name
        self._fit_error, self._printf_open = head, True
        return Classified(PARSED, event=event)

    def _crash(self, text: str, line: LogicalLine, pid: str | None, ts: tuple[str, str, str] | None) -> Classified:
        """A crash line: one panic event and note per crash; the rest of its report is trace."""
        self._printf_open = True  # the goroutine dump that follows has no headers
        if self._crashing:
            return Classified(IGNORED, "panic-trace")
        event = Event("panic", data={"message": text})
        self._stamp(event, line, pid, ts)
        self._crashing = True
        self.features.notes.append((line.input, f"line {line.number}: the scheduler panicked: {text}"))
        return Classified(PARSED, event=event)

    def _stamp(self, event: Event, line: LogicalLine, pid: str | None, ts: tuple[str, str, str] | None,
               iso: str | None = None) -> None:
        year = int(line.wrapper_ts[:4]) if line.wrapper_ts else None
        if ts is not None:
            event.ts = klog_timestamp(*ts, year=year)
        else:
            event.ts = iso or (line.wrapper_ts.rstrip("Z") if line.wrapper_ts else None)
        event.stream = stream = self.stream(line.input, line.source, pid)
        self._crashing = False
        self._fit_error = None  # only a FitError head opens the header-less per-node lines after it
        text_key = _FIT_ERROR_TEXT.get(event.kind)
        if text_key is not None:
            message = event.data.get(text_key)
            if isinstance(message, str) and message.endswith(FIT_ERROR_HEAD):
                self._fit_error = event
        if event.kind in _SCHEDULING_KINDS:
            self._scheduling.add(stream)
        elif event.kind == "version" and stream in self._scheduling:
            event.data["restart"] = True
            self.features.notes.append((line.input, f"line {line.number}: the scheduler restarted "
                                                    f"(version {event.data.get('version')})"))
        f = self.features
        f.kinds[event.kind] += 1
        f.pod_forms[event.pod_form] += 1
        self._count_mark(event_mark(event.kind, event.data, line.text), 1)
        if event.kind == "version":
            f.versions.append(str(event.data.get("version")))

    def stream(self, input_index: int, source: str | None, pid: str | None) -> str:
        """``stream_name``, built once per process seen."""
        key = (input_index, source, pid)
        stream = self._stream_names.get(key)
        if stream is None:
            stream = self._stream_names[key] = stream_name(input_index, source, pid)
        return stream

    def _locate(self, event: Event, line: LogicalLine) -> None:
        event.input, event.line = line.input, line.number

    def _collect(self, text: str) -> None:
        if self._config is not None:
            self._held.append(text)

    def _flush_config(self) -> list[Classified]:
        """The component-config record being collected, now complete ([] when there is none)."""
        if self._config is None:
            return []
        event, self._config = self._config, None
        if self._held:
            existing = event.data.get("text") or ""
            event.data["text"] = "\n".join([existing, *self._held] if existing else self._held)
            self._held = []
        return [Classified(PARSED, "component-config", event=event, lines=0)]
