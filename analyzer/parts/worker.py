"""Read one part of a file in a worker: prime, read its lines, then finish its attempts past its end."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..gctuning import fewer_collections
from ..model import Attempt
from ..parse.events import Event, EventRun
from ..parse.lines import CRASH_PREFIXES, STRUCTURED_CRASH, FormatFeatures, LineParser, ParserMarks
from ..pipeline import LineTally, PartialResult, iter_events
from ..read.sources import Repairs
from ..read.wrappers import LogicalLine
from ..reconcile import reconcile_attempt
from ..reconstruct.assembler import CONFIG_KINDS, Assembler, freeze_handed
from .plan import CYCLE_MARKERS, NODE_MARKERS, Chunk
from .reading import part_events

if TYPE_CHECKING:
    from ..reconcile.scores import ScoringContext

PODLESS_BIND = "Successfully bound pod to node"  # the message of a bind line, which 1.19 JSON logs without its pod
PREAMBLE_LINES = 200_000  # the head read to plan the reconciliation stops here at the latest


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
    # bind lines without their pod (1.19 JSON): (line, first line of the attempt it went to, or None), for
    # those in the part and those past its end that went to its own attempts; the merger checks them
    podless_binds: list[tuple[int, int | None]] = field(default_factory=list)


def analyze_chunk(path: str, input_index: int, chunk: Chunk, context: ScoringContext | None = None
                  ) -> ChunkResult:
    """Read, parse and reconstruct one part of a file, finishing the attempts that start in it
    (and reconcile them under ``context``, when the caller knows the version and weights already)."""
    with fewer_collections():
        result = _analyze_chunk(path, input_index, chunk)
        if context is not None:
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
    end = chunk.end_line
    past_end: list[LogicalLine] = []
    events, lines = part_events(path, input_index, parser, tally, repairs, chunk.offset, chunk.first_line,
                                chunk.end_offset, end, past_end, runs=True)
    for event in events:
        if type(event) is EventRun:
            _feed_run(assembler, event, result)
        else:
            _feed(assembler, event, result, owned=None)
    if past_end:
        result.marks = parser.marks()
        _overrun(parser, assembler, past_end[0], lines, result)
    else:
        if end is not None:
            result.inexact.append("the file ended before this part did (it changed while it was read)")
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
    if chunk.index and any("/" not in attempt.pod and attempt.pod != "?" for _, _, attempt in result.attempts):
        result.inexact.append("a pod named without its namespace (an earlier part may name it in full)")
    if assembler.custom_resource_order:
        result.inexact.append("the config orders the scored resources, which later parts do not see")
    if len({attempt.stream for _, _, attempt in result.attempts}) > 1:
        result.inexact.append("several scheduler processes write to this file")
    if any(w != "none" for w in features.wrappers):
        result.inexact.append("wrapped lines (container runtime or kubectl)")
    return result


def _feed(assembler: Assembler, event: Event, result: ChunkResult, owned: int | None) -> None:
    for draft in assembler.feed(event):
        _keep(assembler, draft, result, owned)
    last = assembler.last_draft
    mine = last is not None and (owned is None or last.seq <= owned)
    if owned is not None and mine:
        result.claims.add(event.line)
    if event.kind == "bound" and event.pod is None and (owned is None or mine):
        result.podless_binds.append((event.line, last.first_line if last is not None else None))


def _feed_run(assembler: Assembler, run: EventRun, result: ChunkResult) -> None:
    """``_feed`` of each event of a run of hot rows (before the part's end: no line is claimed). A run with a
    bind line that names no pod goes event by event, so that ``_feed`` notes where each such line went."""
    if any(event.kind == "bound" and event.pod is None for event in run):
        for event in run:
            _feed(assembler, event, result, owned=None)
        return
    for draft in assembler.feed_run(run):
        _keep(assembler, draft, result, owned=None)


def _keep(assembler: Assembler, draft, result: ChunkResult, owned: int | None) -> None:
    if owned is None or draft.seq <= owned:
        result.attempts.append((draft.seq, draft.started, freeze_handed(draft, assembler)))


def _overrun(parser: LineParser, assembler: Assembler, first, lines, result: ChunkResult) -> None:
    """Past the part's end: follow the lines that can still change this part's open attempts.

    While a stream's running cycle is this part's, every line is parsed (``Host X => Score N`` names
    no pod); after that only lines naming an open attempt's pod, cycle starts, node lines and bind lines that name
    no pod (1.19 JSON: they go to the oldest attempt waiting for its bind, maybe one of this part's).
    """
    owned = assembler.started_count
    parser.features = FormatFeatures()  # the next part counts these lines
    always = CYCLE_MARKERS + NODE_MARKERS + CRASH_PREFIXES + (STRUCTURED_CRASH, "Starting Kubernetes Scheduler")

    def watch() -> tuple[bool, tuple[str, ...]]:
        return assembler.runs_cycle_from(owned), tuple(assembler.open_pod_names(owned))

    running, names = watch()
    logical = first
    while names:
        text = logical.text
        if running or any(n in text for n in names) or any(m in text for m in always):
            for verdict in parser.classify(logical):
                if verdict.event is not None:
                    _feed(assembler, verdict.event, result, owned)
            running, names = watch()
        elif _podless_bind(text):  # goes to the oldest attempt waiting for its bind, maybe one of this part's
            for verdict in parser.classify(logical):
                if verdict.event is not None and verdict.event.kind == "bound" and verdict.event.pod is None:
                    _feed(assembler, verdict.event, result, owned)
            running, names = watch()
        else:
            parser.remember(logical)  # so a later repeat of it is told as one pass tells it
        result.overrun_lines += 1
        logical = next(lines, None)
        if logical is None:
            for draft in assembler.finish():
                _keep(assembler, draft, result, owned)
            return


def _podless_bind(text: str) -> bool:
    """Whether the line may be a bind line that does not name its pod (1.19 JSON lost its key/values)."""
    return PODLESS_BIND in text and '"pod"' not in text and "pod=" not in text


def _prime_cluster(input_index: int, node_lines: tuple[bytes, ...], assembler: Assembler) -> None:
    """Feed the node add/delete lines before the part so inference sees the cache one pass would see."""
    parser = LineParser()
    for raw in node_lines:
        for verdict in parser.classify(LogicalLine(input_index, 0, raw.decode("utf-8", "replace"))):
            event = verdict.event
            if event is not None and event.kind in ("node_added", "node_deleted"):
                list(assembler.feed(event))


def _warm_up(parser: LineParser, path: str, input_index: int, chunk: Chunk) -> None:
    """Run the lines just before the part through the parser, for its memory only (counted elsewhere)."""
    features, parser.features = parser.features, FormatFeatures()
    events, _ = part_events(path, input_index, parser, LineTally(), Repairs(), chunk.warm_offset,
                            chunk.warm_first_line, chunk.offset, chunk.first_line, [], runs=True)
    deque(events, maxlen=0)  # the events and counts are the previous part's; only the parser's memory is kept
    parser.features = features
    parser.clear_marks()
