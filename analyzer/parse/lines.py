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
from typing import Any

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
    KLOG_FILE_HEADER,
    KLOG_HEADER,
    ClockWatch,
    klog_timestamp,
    looks_like_record,
)
from .printf import parse_printf
from .structured import MULTILINE, split_structured, structured_event

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
        if len(stripped) > 4096:
            body = hashlib.blake2b(stripped.encode(), digest_size=16).hexdigest()
        key = (line.wrapper_ts, line.source, body)  # exact, not hash(): the same verdicts on every run
        if key in self._recent:
            return True
        self._recent[key] = None
        if len(self._recent) > RECENT_RECORDS:
            self._recent.popitem(last=False)
        return False

    # -- the columnar parser's hot rows (parse/columnar.py) ------------------------------------------
    def hot_ready(self) -> bool:
        """True when a plain klog record line would touch only the state ``take_hot`` keeps: no
        multi-line value is open and no component-config record is collecting lines."""
        return not self._in_block and self._config is None

    def take_hot(self, event: Event, structured: bool, text: str, input_index: int, number: int, pid: str | None,
                 moment: tuple, file: str | None, ts: str, json_record: bool = False) -> bool:
        """Account one unwrapped, unprefixed klog line whose message (structured, or printf) became ``event``
        (the one ``_message`` builds) exactly as ``classify`` would, and stamp the event; False, with
        nothing changed, when the line repeats a recent record (``classify`` must then take it).

        ``text`` is the whole line (clean ASCII, nothing to strip), ``moment`` its (month, day, time).
        ``json_record``: the line is a JSON record (``_json_record``'s way): ``moment`` is (epoch ms,), ``pid``
        None, ``file`` the caller's file name or None, and ``structured`` is not used.
        Only kinds without extra handling in ``_stamp`` come here (hotshapes._NOT_HOT_KINDS)."""
        key = (None, None, text)
        recent = self._recent
        if key in recent:
            return False
        recent[key] = None
        if len(recent) > RECENT_RECORDS:
            recent.popitem(last=False)
        f = self.features
        f.wrappers["none"] += 1
        f.encodings["json" if json_record else "text"] += 1
        self._input = input_index
        self._clock.see("json" if json_record else pid, moment, number)
        if file is not None:
            f.files[file] += 1
        if structured and not json_record:
            f.styles["structured"] += 1
        self._printf_open = not (structured or json_record)
        self._crashing = self._duplicate = False
        self._fit_error = self._record_component = None
        stream = self._stream_names.get((input_index, None, pid))
        if stream is None:
            stream = self._stream_names[(input_index, None, pid)] = stream_name(input_index, None, pid)
        event.ts, event.stream, event.input, event.line = ts, stream, input_index, number
        f.kinds[event.kind] += 1
        f.pod_forms[event.pod_form] += 1
        if event.kind == "resource_score":
            f.styles[event.data.get("line_style", "?")] += 1
        return True

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
        key = (line.input, line.source, pid)
        stream = self._stream_names.get(key)
        if stream is None:  # built once per process seen
            stream = self._stream_names[key] = stream_name(line.input, line.source, pid)
        event.stream = stream
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
        if event.kind == "resource_score":
            f.styles[event.data.get("line_style", "?")] += 1
        if event.kind == "version":
            f.versions.append(str(event.data.get("version")))
        if event.kind == "bound" and "is bound successfully" in line.text:
            f.styles["bound-quoted" if '"' in line.text else "bound-printf"] += 1
        if event.kind == "host_total" and "=>" not in (line.text or ""):
            f.host_without_arrow += 1

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
