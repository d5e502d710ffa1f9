"""Damage operators and hypothesis strategies that turn real lab logs into damaged ones.

Every operator takes the clean log as a list of byte lines (no line ends) and returns the damaged
bytes plus the indexes of the clean lines it left untouched, so tests can tell which attempts must
survive unchanged.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from hypothesis import strategies as st

from analyzer.model import AnalysisResult, Attempt
from analyzer.report.jsonout import attempt_to_dict

Lines = list[bytes]
KLOG_PID = re.compile(rb"^([IWEF]\d{4} \d\d:\d\d:\d\d\.\d{6})(\s+)(\d+) ")
KLOG_HEAD = re.compile(rb"^[IWEF]\d{4} \d\d:\d\d:\d\d\.\d{6}\s+\d+ [^\s:\]]+:\d+\] ")
KLOG_TIME = re.compile(rb"^([IWEF])(\d\d)(\d\d) (\d\d:\d\d:\d\d\.\d{6})")


def read_lines(path) -> Lines:
    """The clean log as byte lines without their line ends."""
    data = Path(path).read_bytes()
    return data.split(b"\n")[:-1] if data.endswith(b"\n") else data.split(b"\n")


def join(lines: Sequence[bytes], end: bytes = b"\n") -> bytes:
    return b"".join(line + end for line in lines)


# -- what an attempt is, without where it sits in the file ----------------------------------------
def signature(attempt: Attempt, keep_time: bool = True) -> str:
    """The attempt as JSON text minus line numbers and stream (they move when lines are added)."""
    data = attempt_to_dict(attempt)
    data.pop("lines")
    data.pop("stream")
    # verdicts inferred from context outside the attempt's own lines (the cluster's node list) may
    # legitimately be missing when that context is damaged or cut off; compare what the attempt shows
    data["nodes"] = [n for n in data["nodes"] if n["scores"] or n["total_logged"] is not None
                     or n["filter_provenance"] == "observed"]
    if not keep_time:
        for key in ("started_at", "started_at_full", "started_at_full_provenance"):
            data.pop(key)
    return json.dumps(data, sort_keys=True)


def complete_signatures(result: AnalysisResult, keep_time: bool = True) -> list[str]:
    return [signature(a, keep_time) for a in result.attempts if a.complete]


def line_span(attempt: Attempt) -> range:
    assert attempt.span is not None
    return range(attempt.span.first_line - 1, attempt.span.last_line)  # 0-based clean line indexes


def buckets_add_up(result: AnalysisResult) -> bool:
    c = result.lines
    return c.parsed + c.ignored + c.unrecognized == c.total


# -- damage operators ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Damaged:
    """A damaged log and the clean line indexes whose bytes and relative order are unchanged."""

    data: bytes
    untouched: frozenset[int]


def truncate(lines: Lines, at: int, cut: int = 0) -> Damaged:
    """Keep lines before ``at``; of line ``at`` keep ``cut`` bytes and no line end (a file cut short)."""
    kept = lines[:at]
    data = join(kept)
    if cut and at < len(lines):
        data += lines[at][:cut]
    return Damaged(data, frozenset(range(at)))


def splice(lines: Lines, start: int, stop: int) -> Damaged:
    """Remove lines [start, stop) (a hole, e.g. a lost log chunk)."""
    return Damaged(join(lines[:start] + lines[stop:]),
                   frozenset(i for i in range(len(lines)) if not start <= i < stop))


def duplicate(lines: Lines, index: int, times: int = 1) -> Damaged:
    """Repeat one line (a log shipper retrying)."""
    out = lines[: index + 1] + [lines[index]] * times + lines[index + 1:]
    return Damaged(join(out), frozenset(i for i in range(len(lines)) if i != index))


def corrupt(lines: Lines, index: int, offset: int, junk: bytes) -> Damaged:
    """Overwrite bytes of one line with junk (bit rot, a bad disk block)."""
    line = lines[index]
    offset = min(offset, len(line))
    bad = line[:offset] + junk + line[offset + len(junk):]
    return Damaged(join(lines[:index] + [bad] + lines[index + 1:]),
                   frozenset(i for i in range(len(lines)) if i != index))


def records(lines: Lines) -> list[Lines]:
    """Group lines into records: a klog header or JSON line and the continuation lines after it.

    Processes sharing a file write whole records (one write each), so interleaving is per record.
    """
    out: list[Lines] = []
    for line in lines:
        if out and not _starts_record(line):
            out[-1].append(line)
        else:
            out.append([line])
    return out


def interleave(first: Lines, second: Lines, pattern: Sequence[bool]) -> bytes:
    """Merge two logs record by record (pattern True takes from ``second``); each keeps its order."""
    a, b = records(first), records(second)
    out: Lines = []
    i = j = 0
    for take_second in pattern:
        if take_second and j < len(b):
            out += b[j]
            j += 1
        elif i < len(a):
            out += a[i]
            i += 1
    for rest in a[i:] + b[j:]:
        out += rest
    return join(out)


def with_pid(lines: Lines, pid: int) -> Lines:
    """The same log as if another process (another replica, or a restart) wrote it."""
    return [KLOG_PID.sub(lambda m: m[1] + m[2] + str(pid).encode() + b" ", line, count=1) for line in lines]


def shift_dates(lines: Lines, month_day: bytes) -> Lines:
    """Every klog header moved to one month+day (MMDD), keeping the time of day."""
    return [KLOG_TIME.sub(lambda m: m[1] + month_day + b" " + m[4], line, count=1) for line in lines]


def strip_headers(lines: Lines) -> Lines:
    """Drop the klog header ('I1128 16:09:06.122968   12473 file.go:NN] '), as pastes often do."""
    return [KLOG_HEAD.sub(b"", line, count=1) for line in lines]


PREFIX_YEAR = "1999"  # the year in the prefix styles' times: no real log has it, so tests can take it off again
# What people put before each line of a scheduler log they capture or paste: (line number) -> prefix.
PREFIX_STYLES: dict[str, Callable[[int], bytes]] = {
    "journald": lambda n: b"May 21 20:52:25 master-1 kube-scheduler[91664]: ",
    "journald-cyrillic": lambda n: "сен  7 11:45:14 node180 kube-scheduler[566]: ".encode(),
    "journald-precise": lambda n: b"May 21 20:52:25.%06d master-1 kube-scheduler[91664]: " % n,
    "journald-iso": lambda n: b"1999-05-21T20:52:25+0000 master-1 kube-scheduler[91664]: ",
    "journald-iso-colon": lambda n: b"1999-05-21T20:52:25+00:00 master-1 kube-scheduler[91664]: ",
    "grep-n": lambda n: b"%d:" % n,
    "grep-Hn": lambda n: b"kube-scheduler.log:%d:" % n,
    "grep-H": lambda n: b"/var/log/kube-scheduler.log:",
    "stern": lambda n: b"kube-scheduler-master kube-scheduler ",
    "stern-timestamps": lambda n: b"kube-scheduler-master kube-scheduler 1999-05-21T20:52:25.123456789Z ",
    "stern-color": lambda n: b"\x1b[32mkube-scheduler-master\x1b[0m \x1b[34mkube-scheduler\x1b[0m ",
    "quote": lambda n: b"> ",
    "indent": lambda n: b"    ",
}


def with_prefix(data: bytes, style: str) -> bytes:
    """Every line of a log (blank ones too) behind one prefix style; line ends are kept."""
    prefix = PREFIX_STYLES[style]
    lines = data.split(b"\n")
    tail = lines.pop() if lines and lines[-1] == b"" else None
    out = b"\n".join(prefix(n) + line for n, line in enumerate(lines, start=1))
    return out + (b"\n" if tail is not None else b"")


def gzip_bytes(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


def _starts_record(line: bytes) -> bool:
    return bool(KLOG_PID.match(line.lstrip())) or line.startswith(b"{")


@st.composite
def damaged_logs(draw, lines: Lines) -> Damaged:
    """One to three damage operators applied in turn (untouched sets are intersected)."""
    n = len(lines)
    current = list(lines)
    untouched = set(range(n))
    origin = list(range(n))  # clean index of each current line, or -1 for an added/changed line
    for _ in range(draw(st.integers(1, 3))):
        op = draw(st.sampled_from(["truncate", "splice", "duplicate", "resend", "corrupt", "interleave"]))
        m = len(current)
        if m < 2:
            break
        if op == "truncate":
            at = draw(st.integers(m // 2, m - 1))
            cut = draw(st.integers(0, max(0, len(current[at]) - 1)))
            untouched -= {origin[k] for k in range(at, m)}
            current, origin = current[:at] + ([current[at][:cut]] if cut else []), \
                origin[:at] + ([-1] if cut else [])
        elif op == "splice":
            start = draw(st.integers(0, m - 1))
            stop = draw(st.integers(start + 1, min(m, start + 20)))
            untouched -= {origin[k] for k in range(start, stop)}
            current, origin = current[:start] + current[stop:], origin[:start] + origin[stop:]
        elif op == "duplicate":
            k = draw(st.integers(0, m - 1))
            untouched.discard(origin[k])
            current = current[: k + 1] + [current[k]] + current[k + 1:]
            origin = origin[: k + 1] + [-1] + origin[k + 1:]
        elif op == "resend":  # a log shipper sends a run of lines again right after the original
            start = draw(st.integers(0, m - 1))
            stop = draw(st.integers(start + 1, min(m, start + 40)))
            untouched -= {origin[k] for k in range(start, stop)}
            current = current[:stop] + current[start:stop] + current[stop:]
            origin = origin[:stop] + [-1] * (stop - start) + origin[stop:]
        elif op == "corrupt":
            k = draw(st.integers(0, m - 1))
            junk = draw(st.binary(min_size=1, max_size=8))
            off = draw(st.integers(0, len(current[k])))
            untouched.discard(origin[k])
            current[k] = current[k][:off] + junk + current[k][off + len(junk):]
            origin[k] = -1
        else:  # interleave a foreign replica (another PID) into the stream
            start = draw(st.integers(0, len(records(lines)) - 1))
            chunk = [ln for rec in records(lines)[start: start + draw(st.integers(1, 30))] for ln in rec]
            foreign = with_pid(chunk, 99999)
            if foreign == chunk:
                continue  # JSON lines carry no PID: another replica's lines could not be told apart
            starts = [k for k in range(m) if _starts_record(current[k])] + [m]
            at = draw(st.sampled_from(starts))
            current = current[:at] + foreign + current[at:]
            origin = origin[:at] + [-1] * len(foreign) + origin[at:]
    untouched.discard(-1)
    return Damaged(join(current), frozenset(untouched))


@st.composite
def prefixed_damaged_logs(draw, lines: Lines) -> Damaged:
    """A damaged log (``damaged_logs``), then every line put behind one prefix style (or none).

    A prefix changes no attempt, so the untouched lines are the damage's untouched lines.
    """
    damaged = draw(damaged_logs(lines))
    style = draw(st.sampled_from([None, *sorted(PREFIX_STYLES)]))
    return damaged if style is None else Damaged(with_prefix(damaged.data, style), damaged.untouched)


# -- the line shapes of issue 12's facts, as small generated logs with the facts they state -------
_NAME = st.from_regex(r"[a-z][a-z0-9]{0,8}(-[a-z0-9]{1,5}){0,2}", fullmatch=True)
_NODE = st.one_of(_NAME, st.from_regex(r"10\.\d{1,3}\.\d{1,3}\.\d{1,3}", fullmatch=True),
                  st.sampled_from(["<nodename>", "ip-10-0-1-9.ec2.internal"]))


@dataclass(frozen=True)
class FactLog:
    """A generated log and, per pod, the outcomes (and bound node or failure message) it must give."""

    data: bytes
    expected: dict[str, list[tuple[str, str | None]]]


def _klog(second: int, file: str, message: str, sev: str = "I") -> str:
    return f"{sev}0621 16:04:{second:02d}.{second * 1000:06d}       1 {file}] {message}"


def _event_ref(ns: str, name: str) -> str:
    return (f'Event(v1.ObjectReference{{Kind:"Pod", Namespace:"{ns}", Name:"{name}", UID:"u-{name}", '
            f'APIVersion:"v1", ResourceVersion:"1", FieldPath:""}})')


def _event(second: int, pod: str, kind: str, reason: str, message: str) -> str:
    """A recorded event line for a pod ('ns/name') as client-go logs it."""
    return _klog(second, "event.go:218", f"{_event_ref(*pod.split('/'))}: type: '{kind}' reason: '{reason}' {message}")


def _start(second: int, pod: str) -> str:
    return _klog(second, "scheduler.go:453", f"Attempting to schedule pod: {pod}")


@st.composite
def fact_logs(draw) -> FactLog:
    """One to four pods, each with one story told in the shapes the issue names (real eras' spellings)."""
    stories = draw(st.lists(st.sampled_from(["event-bound", "bind+event", "nofit+event", "failed+retrying",
                                            "failed+nonodes", "selecting+retrying", "preempting", "panic", "goslice",
                                            "fork-key", "fit-error"]),
                            min_size=1, max_size=4))
    lines: list[str] = []
    expected: dict[str, list[tuple[str, str | None]]] = {}
    t = 0
    names = draw(st.lists(_NAME, min_size=len(stories), max_size=len(stories), unique=True))
    for story, name in zip(stories, names, strict=True):
        ns, node = draw(_NAME), draw(_NODE)
        pod, t = f"{ns}/{name}", t + 1
        failed = _klog(t, "scheduler.go:160", f"Failed to schedule pod: {pod}")
        if story == "event-bound":
            lines.append(_event(t, pod, "Normal", "Scheduled", f"Successfully assigned {pod} to {node}"))
            expected[pod] = [("bound", node)]
        elif story == "bind+event":
            lines += [_start(t, pod), _klog(t, "factory.go:706", f"Attempting to bind {name} to {node}"),
                      _event(t, pod, "Normal", "Scheduled", f"Successfully assigned {name} to {node}")]
            expected[pod] = [("bound", node)]
        elif story == "nofit+event":
            message = "0/3 nodes are available: 3 Insufficient cpu."
            no_fit = f"Unable to schedule {pod}: no fit: {message}; waiting"
            lines += [_start(t, pod), _klog(t, "factory.go:647", no_fit),
                      _event(t, pod, "Warning", "FailedScheduling", message)]
            expected[pod] = [("unschedulable", message)]
        elif story == "failed+retrying":
            message = f"Failed filter with extender at URL http://{node}:10262/scheduler/filter, code 500"
            lines += [_start(t, pod), failed,
                      _klog(t, "factory.go:1519", f"Error scheduling {pod}: {message}; retrying", "E")]
            expected[pod] = [("error", message)]
        elif story == "failed+nonodes":
            no_nodes = f"Unable to schedule {ns} {name}: no nodes are registered to the cluster; waiting"
            lines += [_start(t, pod), failed, _klog(t, "factory.go:517", no_nodes)]
            expected[pod] = [("error", "no nodes are registered to the cluster")]
        elif story == "selecting+retrying":  # 1.17 logs the pod-less line first, 1.14 after (both real)
            message = f'running "VolumeBinding" filter plugin for pod "{name}": pod has unbound immediate ' \
                'PersistentVolumeClaims'
            pair = [_klog(t, "scheduler.go:641", f"error selecting node for pod: {message}", "E"),
                    _klog(t, "factory.go:452", f"Error scheduling {pod}: {message}; retrying", "E")]
            lines += [_start(t, pod), *(pair if draw(st.booleans()) else pair[::-1])]
            expected[pod] = [("error", message)]
        elif story == "fit-error":  # 1.2-1.6: the error and its event, one header-less line per failed node
            nodes = draw(st.lists(_NAME, min_size=1, max_size=3, unique=True))
            reasons = [draw(st.sampled_from(["Insufficient cpu", "Insufficient memory, PodFitsHostPorts"]))
                       for _ in nodes]
            per_node = [f"fit failure on node ({n}): {r}" for n, r in zip(nodes, reasons, strict=True)]
            head = f"pod ({name}) failed to fit in any node"
            lines += [_start(t, pod), _klog(t, "factory.go:500", f"Error scheduling {ns} {name}: {head}", "E"),
                      *per_node, "; retrying", _event(t, pod, "Warning", "FailedScheduling", head), *per_node]
            expected[pod] = [("unschedulable", "\n".join([head, *per_node]))]
        elif story == "preempting":
            count = draw(st.integers(1, 3))
            victims = [f"{ns}/{name}-victim{i}" for i in range(count)]
            reasons = f"No nodes are available that match all of the predicates: Insufficient cpu ({count})."
            lines += [_start(t, pod), failed, _event(t, pod, "Warning", "FailedScheduling", reasons),
                      _klog(t, "scheduler.go:209", f"Preempting {count} pod(s) on node {node} to make room for {pod}.")]
            lines += [_event(t, v, "Normal", "Preempted", f"Preempted by {pod} on node {node}") for v in victims]
            expected[pod] = [("unschedulable", f"preempt:{node}:{count}:{','.join(victims)}")]
        elif story == "panic":
            lines += [_start(t, pod),
                      _klog(t, "runtime.go:64", 'Observed a panic: "invalid memory address or nil pointer '
                                                'dereference"', "E"),
                      "goroutine 1 [running]:"]
            expected[pod] = [("unknown", "panicked")]
        elif story == "goslice":
            cpu, mem, score = draw(st.integers(1, 64000)), draw(st.integers(1, 2**40)), draw(st.integers(0, 100))
            lines.append(_klog(t, "resource_allocation.go:74",
                               '"Listing internal info for allocatable resources, requested resources and score" '
                               f'pod="{pod}" node="{node}" resourceAllocationScorer="LeastAllocated" '
                               f"allocatableResource=[{cpu} {mem}] requestedResource=[{cpu // 2} {mem // 2}] "
                               f"resourceScore={score}"))
            expected[pod] = [("unknown", f"inputs:{node}:{cpu}:{mem}:{score}")]
        else:  # fork-key
            pod = f"{draw(_NAME)}/{ns}/{name}"
            lines += [_klog(t, "scheduler.go:458", f"Attempting to schedule pod: {pod}"),
                      _klog(t, "scheduler.go:417", f"Attempting to bind pod: {pod}"),
                      _klog(t, "scheduler.go:596", f"pod {pod} is bound successfully on node {node}, 3 nodes "
                                                   "evaluated, 2 nodes were found feasible")]
            expected[pod] = [("bound", node)]
    return FactLog("".join(line + "\n" for line in lines).encode(), expected)


def fact_of(attempt: Attempt) -> tuple[str, str | None]:
    """What a FactLog expects of an attempt, read back from the attempt."""
    outcome = attempt.outcome.value
    if outcome == "bound":
        return outcome, attempt.bound_node
    if attempt.preemption is not None and attempt.preemption.nominated_node:
        p = attempt.preemption
        return outcome, f"preempt:{p.nominated_node}:{p.victim_count}:{','.join(v for v, _ in p.victims)}"
    if attempt.failure is not None:
        return outcome, attempt.failure.message
    for node in attempt.nodes:
        for score in node.scores:
            if score.inputs is not None:
                alloc = score.inputs.allocatable
                return outcome, f"inputs:{node.node}:{alloc['cpu']}:{alloc['memory']}:{score.raw}"
    if attempt.incomplete_reason and "panicked" in attempt.incomplete_reason:
        return outcome, "panicked"  # (a crash also ends any earlier cycle still waiting for its outcome)
    return outcome, None
