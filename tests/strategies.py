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
