"""Where to cut a file: at lines that begin a scheduling cycle, with what each part needs from before it.

Planning reads the file by pread (not mmap: a mapped file's scanned pages count as resident memory):
the cut points near equal shares, line numbers there, the node add/delete lines before each cut, and
where each part's warm-up lines start.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from ..parse.lines import RECENT_RECORDS, LineParser
from ..read.wrappers import LogicalLine

ENV_MIN_BYTES = "SCHEDLOG_MIN_CHUNK_BYTES"
MIN_CHUNK_BYTES = 4 * 1024 * 1024  # smaller parts cost more in starting workers and priming than they save
# The first line of a cycle: the dequeue line where the log has it, else the cycle-start line.
CYCLE_MARKERS = ("About to try and schedule pod", "Attempting to schedule pod")
# Every line that adds a node to or removes one from the scheduler's cache contains one of these
# (tests/test_parts.py checks them against parse/printf.py DISPATCH and parse/structured.py STATEMENTS).
NODE_MARKERS = ("Add event for node", "add event for node", "Delete event for node", "delete event for node",
                "NodeTree")
# The first part is read in the calling process, which need not pickle and unpickle its result: a
# slightly larger share keeps it from waiting for the workers (those two steps cost ~5 % of a part).
FIRST_SHARE = 1.08
_COUNT_BLOCK = 16 * 1024 * 1024
# the markers grouped by how they end, so a block is searched once per group: (ending, markers)
_MARKER_TAILS = tuple((tail.encode(), tuple(m.encode() for m in NODE_MARKERS if m.endswith(tail)))
                      for tail in ("event for node", "NodeTree"))
if sum(len(whole) for _, whole in _MARKER_TAILS) != len(NODE_MARKERS):  # a new marker must end like one of these
    raise AssertionError("parts/plan.py: a NODE_MARKERS entry has no ending in _MARKER_TAILS")
_MARKER_OVERLAP = max(map(len, NODE_MARKERS)) - 1  # a marker across a block's end is found in the longer read
_LINE_GUESS = 8192  # bytes read to find the end of a node line (a longer one is read in blocks)
_NOT_SPLIT = (b"\x1f\x8b", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")  # gzip, UTF-8 / UTF-16 byte-order marks


@dataclass(frozen=True)
class Chunk:
    """One part of a file: where it starts (byte offset, line number) and where the next part starts."""

    index: int
    offset: int
    first_line: int
    end_line: int | None  # the next part's first line; None for the last part
    warm_offset: int  # the lines from here to ``offset`` prime the parser's memory
    warm_first_line: int
    node_lines: tuple[bytes, ...] = ()  # the node add/delete lines before ``offset``, in file order
    end_offset: int | None = None  # the next part's offset; None for the last part (or when not known)


def min_chunk_bytes() -> int:
    """The smallest part worth a worker (``SCHEDLOG_MIN_CHUNK_BYTES`` overrides it, e.g. for tests)."""
    value = os.environ.get(ENV_MIN_BYTES, "")
    return int(value) if value.isdigit() and int(value) > 0 else MIN_CHUNK_BYTES


def plan_chunks(path: str, jobs: int, min_bytes: int | None = None, max_bytes: int | None = None
                ) -> list[Chunk] | None:
    """The parts to read ``path`` in on ``jobs`` workers, or None when it is not worth or not safe to split.

    One part per job, at least ``min_bytes`` each; with ``max_bytes`` (streaming, to bound memory)
    as many more as keep each part under it. Only plain uncompressed files are split (gzip streams
    and pipes cannot be entered in the middle).
    """
    min_bytes = min_bytes or min_chunk_bytes()
    if jobs < 2 or path == "-":
        return None
    try:
        size = os.path.getsize(path)
        parts = min(jobs, size // min_bytes)
        if max_bytes:
            parts = max(parts, -(-size // max_bytes))
        if parts < 2:
            return None
        with open(path, "rb") as fh:
            if fh.read(4).startswith(_NOT_SPLIT):
                return None
            return _chunks(_FileBytes(fh.fileno(), size), size, parts)
    except (OSError, ValueError):
        return None


def _chunks(data: _FileBytes, size: int, parts: int) -> list[Chunk] | None:
    starts = [0]
    share = size / (parts - 1 + FIRST_SHARE)  # the first part is read by the calling process itself
    for i in range(1, parts):
        start = _cycle_start_near(data, int(share * (FIRST_SHARE + i - 1)), starts[-1])
        if start is not None and start > starts[-1]:
            starts.append(start)
    if len(starts) < 2:
        return None
    numbers, line, done = [1], 1, 0
    for start in starts[1:]:
        line += _count_newlines(data, done, start)
        numbers.append(line)
        done = start
    node_lines = _node_lines(data, starts[-1])
    chunks = []
    for i, (start, number) in enumerate(zip(starts, numbers, strict=True)):
        warm_offset, warm_lines = _lines_back(data, start, RECENT_RECORDS + 64) if i else (0, 0)
        end_line, end_offset = (numbers[i + 1], starts[i + 1]) if i + 1 < len(numbers) else (None, None)
        before = tuple(line for offset, line in node_lines if offset < start)
        chunks.append(Chunk(i, start, number, end_line, warm_offset, number - warm_lines, before, end_offset))
    return chunks


def _node_lines(data: _FileBytes, end: int) -> list[tuple[int, bytes]]:
    """Every line before ``end`` that may add or remove a node: one read of the file, every marker searched
    in each block (a line is looked up in its block when it lies there, not by reading a block per line)."""
    starts: set[int] = set()
    for lo in range(0, end, data.BLOCK):
        block = data[lo:min(lo + data.BLOCK + _MARKER_OVERLAP, end)]
        for tail, whole in _MARKER_TAILS:
            hit = block.find(tail)
            while hit >= 0:
                at = next((at for m in whole if (at := hit + len(tail) - len(m)) >= 0 and block.startswith(m, at)), -1)
                if at >= 0:
                    newline = block.rfind(b"\n", 0, at)
                    starts.add(lo + newline + 1 if newline >= 0 else data.rfind(b"\n", 0, lo + at) + 1)
                hit = block.find(tail, hit + len(tail))
    return [(start, _line_at(data, start)) for start in sorted(starts)]


def _line_at(data: _FileBytes, start: int) -> bytes:
    """The line that begins at ``start`` (without its newline)."""
    head = data[start:start + _LINE_GUESS]
    stop = head.find(b"\n")
    if stop >= 0:
        return head[:stop]
    stop = data.find(b"\n", start)
    return data[start:stop if stop >= 0 else len(data)]


def _cycle_start_near(data: _FileBytes, target: int, floor: int) -> int | None:
    """The offset of the first cycle-start line at or after ``target``, else of the last one after ``floor``."""
    pos = target
    while (hit := _find_marker(data, pos, len(data), forward=True)) is not None:
        start = _cycle_line_start(data, hit)
        if start is not None and start >= target:
            return start
        pos = hit + 1
    pos = target
    while (hit := _find_marker(data, floor, pos, forward=False)) is not None:
        start = _cycle_line_start(data, hit)
        if start is not None and floor < start <= target:
            return start
        pos = hit
    return None


def _find_marker(data: _FileBytes, lo: int, hi: int, forward: bool) -> int | None:
    """The nearest occurrence of any cycle marker in [lo, hi): the first when ``forward``, else the last."""
    if forward:
        hits = [h for h in (data.find(m.encode(), lo, hi) for m in CYCLE_MARKERS) if h >= 0]
        return min(hits) if hits else None
    hits = [h for h in (data.rfind(m.encode(), lo, hi) for m in CYCLE_MARKERS) if h >= 0]
    return max(hits) if hits else None


def _cycle_line_start(data: _FileBytes, hit: int) -> int | None:
    """Where the cycle that the marker at ``hit`` belongs to starts (its dequeue line when there is one),
    or None when that line only mentions a marker."""
    start = data.rfind(b"\n", 0, hit) + 1
    end = data.find(b"\n", hit)
    line = data[start:end if end >= 0 else len(data)]
    if not _begins_cycle(line.decode("utf-8", "replace")):
        return None
    if CYCLE_MARKERS[0].encode() not in line and start > 0:  # the dequeue line just before belongs to it
        prev = data.rfind(b"\n", 0, start - 1) + 1
        if CYCLE_MARKERS[0].encode() in data[prev:start]:
            start = prev
    return start


def _begins_cycle(text: str) -> bool:
    """True when the line parses as a dequeue or cycle-start statement (not merely mentioning one)."""
    verdicts = list(LineParser().classify(LogicalLine(0, 0, text)))
    return any(v.event is not None and v.event.kind in ("dequeue", "attempt_start") for v in verdicts)


def _count_newlines(data: _FileBytes, start: int, end: int) -> int:
    count = 0
    for block in range(start, end, _COUNT_BLOCK):
        count += data[block:min(block + _COUNT_BLOCK, end)].count(b"\n")
    return count


def _lines_back(data: _FileBytes, offset: int, lines: int) -> tuple[int, int]:
    """(offset, count): the start of the line ``lines`` lines before ``offset`` (or of the file)."""
    count, hi = 0, offset - 1  # the line end just before ``offset`` closes the first line back
    while hi > 0:
        lo = max(0, hi - _FileBytes.BLOCK)
        block = data[lo:hi]
        n = block.count(b"\n")
        if count + n >= lines:
            pos = len(block)
            for _ in range(lines - count):
                pos = block.rfind(b"\n", 0, pos)
            return lo + pos + 1, lines
        count, hi = count + n, lo
    return 0, count + 1 if offset > 0 else 0


class _FileBytes:
    """mmap-like reading of a file (slices, find, rfind) by pread, without mapping it: the pages of
    a mapped file that a scan touches count as the process's resident memory."""

    BLOCK = 1 << 20

    def __init__(self, fd: int, size: int) -> None:
        self.fd, self.size = fd, size

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, span: slice) -> bytes:
        start, stop = max(span.start or 0, 0), min(self.size if span.stop is None else span.stop, self.size)
        return os.pread(self.fd, stop - start, start) if stop > start else b""

    def find(self, needle: bytes, start: int = 0, end: int | None = None) -> int:
        """The first offset in [start, end) where ``needle`` lies wholly inside, or -1."""
        end = self.size if end is None else min(end, self.size)
        pos = start
        while pos < end:
            block = self[pos:min(pos + self.BLOCK + len(needle) - 1, end)]
            hit = block.find(needle)
            if hit >= 0:
                return pos + hit
            pos += self.BLOCK
        return -1

    def rfind(self, needle: bytes, start: int = 0, end: int | None = None) -> int:
        """The last offset in [start, end) where ``needle`` lies wholly inside, or -1."""
        end = self.size if end is None else min(end, self.size)
        pos = end
        while pos > start:
            lo = max(start, pos - self.BLOCK)
            hit = self[lo:min(pos + len(needle) - 1, end)].rfind(needle)
            if hit >= 0:
                return lo + hit
            pos = lo
        return -1
