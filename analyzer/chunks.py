"""One large file on several cores: split it at cycle starts, finish each part's attempts, merge the parts.

A part starts at a line that begins a scheduling cycle ("About to try and schedule pod"). Its worker
first primes what the lines before it decided: the nodes the cache holds (node add/delete lines found
by a byte search), and the parser's memory of the last records (duplicates, clocks, open values). It
then reads its own lines, and past its end only the lines that can still change an attempt it started
(lines naming that pod, cycle starts, node lines) until every such attempt is final. Lines it routed to
its own attempts there are "claimed": the next part drops the drafts those lines made it open ("the log
starts inside this cycle" for a cycle that really started earlier). Attempt numbers are counted again
over the merged parts.

When a part sees something this cannot reproduce exactly (several processes writing to one file, a
pod renamed by a later line, a bind line without its pod, a wrapper), ``merge`` returns None and the
caller reads the file in one pass: the parts only ever give the result one pass gives.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from .gctuning import fewer_collections
from .model import Attempt
from .parse.events import Event
from .parse.lines import RECENT_RECORDS, FormatFeatures, LineParser, ParserMarks
from .pipeline import LineTally, PartialResult, count_verdict, iter_events, merge_features
from .read.sources import Repairs, iter_lines_from
from .read.wrappers import unwrap_lines
from .reconstruct.assembler import CONFIG_KINDS, Assembler, freeze

if TYPE_CHECKING:
    from .reconcile.scores import ScoringContext

ENV_MIN_BYTES = "SCHEDLOG_MIN_CHUNK_BYTES"
MIN_CHUNK_BYTES = 4 * 1024 * 1024  # smaller parts cost more in starting workers and priming than they save
# The first line of a cycle: the dequeue line where the log has it, else the cycle-start line.
CYCLE_MARKERS = ("About to try and schedule pod", "Attempting to schedule pod")
# Every line that adds a node to or removes one from the scheduler's cache contains one of these
# (tests/test_chunks.py checks them against parse/printf.py DISPATCH and parse/structured.py STATEMENTS).
NODE_MARKERS = ("Add event for node", "add event for node", "Delete event for node", "delete event for node",
                "NodeTree")
# The first part is read in the calling process, which need not pickle and unpickle its result: a
# slightly larger share keeps it from waiting for the workers (those two steps cost ~5 % of a part).
FIRST_SHARE = 1.08
PREAMBLE_LINES = 200_000  # the head read to plan the reconciliation stops here at the latest
_COUNT_BLOCK = 16 * 1024 * 1024
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


@dataclass
class ChunkResult:
    """What one worker found in its part; picklable."""

    chunk: Chunk
    tally: LineTally
    features: FormatFeatures
    marks: ParserMarks
    repairs: Repairs
    attempts: list[tuple[int, bool, Attempt]]  # (start sequence, cycle start seen, attempt)
    config_events: list[Event]
    claims: set[int] = field(default_factory=set)  # later parts' line numbers routed to this part's attempts
    inexact: list[str] = field(default_factory=list)  # why the parts would not add up to one pass
    overrun_lines: int = 0  # lines read past the part's end


def min_chunk_bytes() -> int:
    """The smallest part worth a worker (``SCHEDLOG_MIN_CHUNK_BYTES`` overrides it, e.g. for tests)."""
    value = os.environ.get(ENV_MIN_BYTES, "")
    return int(value) if value.isdigit() and int(value) > 0 else MIN_CHUNK_BYTES


# -- planning (main process) ------------------------------------------------------------------------
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


def _chunks(mm: _FileBytes, size: int, parts: int) -> list[Chunk] | None:
    starts = [0]
    share = size / (parts - 1 + FIRST_SHARE)  # the first part is read by the calling process itself
    for i in range(1, parts):
        start = _cycle_start_near(mm, int(share * (FIRST_SHARE + i - 1)), starts[-1])
        if start is not None and start > starts[-1]:
            starts.append(start)
    if len(starts) < 2:
        return None
    numbers, line, done = [1], 1, 0
    for start in starts[1:]:
        line += _count_newlines(mm, done, start)
        numbers.append(line)
        done = start
    node_lines = _node_lines(mm, starts[-1])
    chunks = []
    for i, (start, number) in enumerate(zip(starts, numbers, strict=True)):
        warm_offset, warm_lines = _lines_back(mm, start, RECENT_RECORDS + 64) if i else (0, 0)
        end_line = numbers[i + 1] if i + 1 < len(numbers) else None
        before = tuple(line for offset, line in node_lines if offset < start)
        chunks.append(Chunk(i, start, number, end_line, warm_offset, number - warm_lines, before))
    return chunks


def _node_lines(mm: _FileBytes, end: int) -> list[tuple[int, bytes]]:
    """Every line before ``end`` that may add or remove a node (a byte search: one pass per marker)."""
    starts: set[int] = set()
    for marker in NODE_MARKERS:
        needle, pos = marker.encode(), 0
        while (hit := mm.find(needle, pos, end)) >= 0:
            starts.add(mm.rfind(b"\n", 0, hit) + 1)
            pos = hit + len(needle)
    out = []
    for start in sorted(starts):
        stop = mm.find(b"\n", start)
        out.append((start, mm[start:stop if stop >= 0 else len(mm)]))
    return out


def _cycle_start_near(mm: _FileBytes, target: int, floor: int) -> int | None:
    """The offset of the first cycle-start line at or after ``target``, else of the last one after ``floor``."""
    pos = target
    while (hit := _find_marker(mm, pos, len(mm), forward=True)) is not None:
        start = _cycle_line_start(mm, hit)
        if start is not None and start >= target:
            return start
        pos = hit + 1
    pos = target
    while (hit := _find_marker(mm, floor, pos, forward=False)) is not None:
        start = _cycle_line_start(mm, hit)
        if start is not None and floor < start <= target:
            return start
        pos = hit
    return None


def _find_marker(mm: _FileBytes, lo: int, hi: int, forward: bool) -> int | None:
    """The nearest occurrence of any cycle marker in [lo, hi): the first when ``forward``, else the last."""
    if forward:
        hits = [h for h in (mm.find(m.encode(), lo, hi) for m in CYCLE_MARKERS) if h >= 0]
        return min(hits) if hits else None
    hits = [h for h in (mm.rfind(m.encode(), lo, hi) for m in CYCLE_MARKERS) if h >= 0]
    return max(hits) if hits else None


def _cycle_line_start(mm: _FileBytes, hit: int) -> int | None:
    """Where the cycle that the marker at ``hit`` belongs to starts (its dequeue line when there is one),
    or None when that line only mentions a marker."""
    start = mm.rfind(b"\n", 0, hit) + 1
    end = mm.find(b"\n", hit)
    line = mm[start:end if end >= 0 else len(mm)]
    if not _begins_cycle(line.decode("utf-8", "replace")):
        return None
    if CYCLE_MARKERS[0].encode() not in line and start > 0:  # the dequeue line just before belongs to it
        prev = mm.rfind(b"\n", 0, start - 1) + 1
        if CYCLE_MARKERS[0].encode() in mm[prev:start]:
            start = prev
    return start


def _begins_cycle(text: str) -> bool:
    """True when the line parses as a dequeue or cycle-start statement (not merely mentioning one)."""
    from .read.wrappers import LogicalLine

    verdicts = list(LineParser().classify(LogicalLine(0, 0, text)))
    return any(v.event is not None and v.event.kind in ("dequeue", "attempt_start") for v in verdicts)


def _count_newlines(mm: _FileBytes, start: int, end: int) -> int:
    count = 0
    for block in range(start, end, _COUNT_BLOCK):
        count += mm[block:min(block + _COUNT_BLOCK, end)].count(b"\n")
    return count


def _lines_back(mm: _FileBytes, offset: int, lines: int) -> tuple[int, int]:
    """(offset, count): the start of the line ``lines`` lines before ``offset`` (or of the file)."""
    count, hi = 0, offset - 1  # the line end just before ``offset`` closes the first line back
    while hi > 0:
        lo = max(0, hi - _FileBytes.BLOCK)
        block = mm[lo:hi]
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


# -- one part (worker process) ----------------------------------------------------------------------
def analyze_chunk(path: str, input_index: int, chunk: Chunk, context: ScoringContext | None = None
                  ) -> ChunkResult:
    """Read, parse and reconstruct one part of a file, finishing the attempts that start in it
    (and reconcile them under ``context``, when the caller knows the version and weights already)."""
    with fewer_collections():
        result = _analyze_chunk(path, input_index, chunk)
        if context is not None:
            from .reconcile import reconcile_attempt

            result.attempts = [(seq, started, reconcile_attempt(attempt, context))
                               for seq, started, attempt in result.attempts]
        return result


def preamble(path: str, index: int) -> PartialResult:
    """What the head of a log says (version, config dump, and the format of its first full cycle):
    enough to plan the reconciliation before the parts are read. Logs without a version line are
    told by their line shapes, so the head runs to the start of the second cycle (or PREAMBLE_LINES)."""
    tally, features = LineTally(), FormatFeatures()
    config = []
    cycles = 0
    for event in iter_events([path], tally, features, first_index=index):
        if event.kind == "dequeue" or (event.kind == "attempt_start" and features.kinds["dequeue"] == 0):
            cycles += 1
            if cycles == 2:
                break
        if event.kind in CONFIG_KINDS:
            config.append(event)
        if tally.total >= PREAMBLE_LINES:
            break
    return PartialResult(index, path, tally, features, [], config)


def _analyze_chunk(path: str, input_index: int, chunk: Chunk) -> ChunkResult:
    tally, features, repairs = LineTally(), FormatFeatures(), Repairs()
    parser, assembler = LineParser(features), Assembler()
    if chunk.index:
        _prime_cluster(input_index, chunk.node_lines, assembler)
        _warm_up(parser, path, input_index, chunk)
    result = ChunkResult(chunk, tally, features, ParserMarks(), repairs, [], [])
    lines = unwrap_lines(iter_lines_from(path, input_index, chunk.offset, chunk.first_line, repairs,
                                         count_until=chunk.end_line))
    end = chunk.end_line
    for logical in lines:
        if end is not None and logical.number >= end:
            result.marks = parser.marks()
            _overrun(parser, assembler, logical, lines, result)
            break
        tally.damaged += logical.damaged
        tally.total += 1 + logical.joined
        for verdict in parser.classify(logical):
            count_verdict(tally, verdict, logical)
            if verdict.event is not None:
                _feed(assembler, verdict.event, result, owned=None)
    else:
        for verdict in parser.finish(notes=False):
            if verdict.event is not None:
                _feed(assembler, verdict.event, result, owned=None)
        result.marks = parser.marks()
        for draft in assembler.finish():
            _keep(assembler, draft, result, owned=None)
    result.config_events = [e for e in assembler.config_events
                            if e.line >= chunk.first_line and (end is None or e.line < end)]
    if assembler.renames:
        result.inexact.append("a pod's namespace was learned after its bare name")
    if len({attempt.stream for _, _, attempt in result.attempts}) > 1:
        result.inexact.append("several scheduler processes write to this file")
    if any(w != "none" for w in features.wrappers):
        result.inexact.append("wrapped lines (container runtime or kubectl)")
    return result


def _feed(assembler: Assembler, event: Event, result: ChunkResult, owned: int | None) -> None:
    if event.kind == "bound" and event.pod is None:
        result.inexact.append("a bind line without its pod (1.19 JSON)")
    for draft in assembler.feed(event):
        _keep(assembler, draft, result, owned)
    last = assembler.last_draft
    if owned is not None and last is not None and last.seq <= owned:
        result.claims.add(event.line)


def _keep(assembler: Assembler, draft, result: ChunkResult, owned: int | None) -> None:
    if owned is None or draft.seq <= owned:
        result.attempts.append((draft.seq, draft.started, freeze(draft, assembler.cluster_nodes(draft.stream))))


def _overrun(parser: LineParser, assembler: Assembler, first, lines, result: ChunkResult) -> None:
    """Past the part's end: follow the lines that can still change this part's open attempts.

    While a stream's running cycle is this part's, every line is parsed (``Host X => Score N`` names
    no pod); after that only lines naming an open attempt's pod, cycle starts and node lines.
    """
    owned = assembler._seq
    parser.features = FormatFeatures()  # the next part counts these lines
    always = CYCLE_MARKERS + NODE_MARKERS
    streams = assembler._streams.values()

    def watch() -> tuple[bool, tuple[str, ...]]:
        running = any(s.current is not None and s.current.seq <= owned for s in streams)
        return running, tuple({d.name for s in streams for d in s.open if d.seq <= owned})

    running, names = watch()
    logical = first
    while names:
        text = logical.text
        if running or any(n in text for n in names) or any(m in text for m in always):
            for verdict in parser.classify(logical):
                if verdict.event is not None:
                    _feed(assembler, verdict.event, result, owned)
            running, names = watch()
        result.overrun_lines += 1
        logical = next(lines, None)
        if logical is None:
            for draft in assembler.finish():
                _keep(assembler, draft, result, owned)
            return


def _prime_cluster(input_index: int, node_lines: tuple[bytes, ...], assembler: Assembler) -> None:
    """Feed the node add/delete lines before the part so inference sees the cache one pass would see."""
    from .read.wrappers import LogicalLine

    parser = LineParser()
    for raw in node_lines:
        for verdict in parser.classify(LogicalLine(input_index, 0, raw.decode("utf-8", "replace"))):
            event = verdict.event
            if event is not None and event.kind in ("node_added", "node_deleted"):
                list(assembler.feed(event))


def _warm_up(parser: LineParser, path: str, input_index: int, chunk: Chunk) -> None:
    """Run the lines just before the part through the parser, for its memory only (counted elsewhere)."""
    features, parser.features = parser.features, FormatFeatures()
    lines = unwrap_lines(iter_lines_from(path, input_index, chunk.warm_offset, chunk.warm_first_line, Repairs(),
                                         count_until=chunk.warm_first_line))
    for logical in lines:
        if logical.number >= chunk.first_line:
            break
        for _ in parser.classify(logical):
            pass
    parser.features = features
    parser.clear_marks()


# -- merging (main process) -------------------------------------------------------------------------
class PartMerger:
    """Merge the parts of one file in order, handing on each part's attempts as it is added."""

    def __init__(self, path: str, input_index: int) -> None:
        self.path, self.index = path, input_index
        self.tally, self.features, self.marks, self.repairs = LineTally(), FormatFeatures(), ParserMarks(), Repairs()
        self.config_events: list[Event] = []
        self._claimed: set[int] = set()
        self._numbers: Counter = Counter()
        self.handed_on = 0

    def add(self, part: ChunkResult) -> tuple[list[Attempt] | None, str | None]:
        """(this part's attempts as one pass gives them, None), or (None, why the parts cannot be merged)."""
        if part.inexact:
            return None, part.inexact[0]
        out = []
        for _, started, attempt in sorted(part.attempts, key=lambda item: item[0]):
            if attempt.span.first_line in self._claimed:
                if started:  # one pass folded this cycle start into an earlier part's attempt
                    return None, f"line {attempt.span.first_line}: a cycle start continues an earlier cycle"
                continue  # opened for a line an earlier part routed to its own attempt
            self._numbers[attempt.pod] += 1
            if attempt.attempt != self._numbers[attempt.pod]:
                attempt = replace(attempt, attempt=self._numbers[attempt.pod])
            out.append(attempt)
        self._claimed |= part.claims
        self.tally.merge(part.tally)
        merge_features(self.features, part.features)
        self.marks.merge(part.marks)
        self.repairs.merge(part.repairs)
        self.config_events += part.config_events
        self.handed_on += len(out)
        return out, None

    def finish(self, attempts: list[Attempt] | None = None) -> PartialResult:
        """The file's PartialResult (its notes complete), holding ``attempts`` when given."""
        self.features.notes += [(self.index, note) for note in self.marks.notes()]
        self.tally.notes += self.repairs.notes(self.path)
        numbered = list(enumerate(attempts or []))
        return PartialResult(self.index, self.path, self.tally, self.features, numbered, self.config_events)


def merge(path: str, input_index: int, parts: list[ChunkResult]) -> tuple[PartialResult | None, str | None]:
    """(the parts of one file as the PartialResult one pass gives, None) or (None, why they cannot be)."""
    merger = PartMerger(path, input_index)
    attempts: list[Attempt] = []
    for part in sorted(parts, key=lambda p: p.chunk.index):
        got, why = merger.add(part)
        if got is None:
            return None, why
        attempts += got
    return merger.finish(attempts), None
