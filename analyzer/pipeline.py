"""The pipeline, end to end: read -> parse -> reconstruct, collected into one AnalysisResult.

This is the Python API the CLI and every renderer stand on; nothing here prints.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, fields, replace

from .gctuning import fewer_collections
from .model import AnalysisResult, Attempt, FormatInfo, LineCounts, frozen_map
from .parse.eras import detect_encoding, detect_era, detect_wrapper
from .parse.events import Event, EventRun
from .parse.lines import IGNORED, PARSED, UNRECOGNIZED, FormatFeatures, LineParser
from .read.sources import iter_physical_lines
from .read.wrappers import LogicalLine, unwrap_lines
from .reconstruct.assembler import STORY_ALSO_HANDLED, STORY_KINDS, Assembler, assemble
from .reconstruct.cache import cache_facts
from .reconstruct.config import config_from_events
from .run.numbering import AttemptNumbers

MAX_UNRECOGNIZED_SAMPLES = 200
PROGRESS_LINES = 50000  # a progress line about every this many lines (after a run of hot rows ends)
@dataclass
class LineTally:
    """Running line accounting for all inputs (every physical line lands in exactly one bucket once read;
    while the columnar parser hands on a run of hot rows, ``total`` is exact and the buckets and ``chars``
    catch up when the run ends: see lines.ALONE_KINDS)."""

    total: int = 0
    buckets: Counter = field(default_factory=Counter)
    ignored_reasons: Counter = field(default_factory=Counter)
    samples: list[tuple[int, int, str]] = field(default_factory=list)
    damaged: int = 0
    notes: list[str] = field(default_factory=list)
    chars: int = 0  # characters read, line ends included (bytes, for ASCII logs): for progress only

    def freeze(self) -> LineCounts:
        return LineCounts(total=self.total, parsed=self.buckets[PARSED], ignored=self.buckets[IGNORED],
                          unrecognized=self.buckets[UNRECOGNIZED],
                          ignored_by_reason=frozen_map(dict(sorted(self.ignored_reasons.items()))),
                          unrecognized_samples=tuple(self.samples), damaged=self.damaged)

    def merge(self, other: LineTally) -> None:
        self.total += other.total
        self.buckets.update(other.buckets)
        self.ignored_reasons.update(other.ignored_reasons)
        self.samples.extend(other.samples[: MAX_UNRECOGNIZED_SAMPLES - len(self.samples)])
        self.damaged += other.damaged
        self.notes.extend(other.notes)
        self.chars += other.chars

    def count_line(self, logical) -> None:
        """Account one logical line read (and the CRI fragments folded into it) before its verdict."""
        folded = 1 + logical.joined
        self.total += folded
        self.damaged += logical.damaged
        self.chars += len(logical.text) + folded


@dataclass(frozen=True)
class Progress:
    """How far the reading of one input has come, for a progress line."""

    index: int  # which input
    lines: int
    chars: int  # characters read (bytes, for ASCII logs)
    cycles: int  # scheduling cycles started

    @classmethod
    def of(cls, index: int, tally: LineTally, kinds: Counter) -> Progress:
        """From the line accounting and the event kinds counted so far (``FormatFeatures.kinds``)."""
        return cls(index, tally.total, tally.chars, max(kinds["dequeue"], kinds["attempt_start"]))


ProgressFn = Callable[[Progress], None]


def iter_events(paths: Sequence[str], tally: LineTally, features: FormatFeatures,
                progress: ProgressFn | None = None, first_index: int = 0, runs: bool = False
                ) -> Iterator[Event | EventRun]:
    """Every scheduler event of every input, in input order, while keeping the line accounting
    (``runs``: a run of hot rows as one EventRun, for ``assemble``; see ``columnar.columnar_events``)."""
    from .parse import columnar  # numpy and pyarrow: imported when logs are read, not when the CLI starts

    for index, path in enumerate(paths, start=first_index):
        parser = LineParser(features)
        if columnar.usable(path):  # a plain file: its hot lines in bulk, the same events and accounting
            yield from columnar.columnar_events(path, index, parser, tally, progress, runs=runs)
        else:
            yield from classified_events(unwrap_lines(iter_physical_lines(path, index, tally.notes)), parser,
                                         tally, progress, index)
        for verdict in parser.finish():
            if verdict.event is not None:
                yield verdict.event


def classified_events(lines: Iterable[LogicalLine], parser: LineParser, tally: LineTally,
                      progress: ProgressFn | None = None, index: int = 0, end_line: int | None = None,
                      past_end: list[LogicalLine] | None = None) -> Iterator[Event]:
    """The one loop that reads lines: count each, classify it, count its verdicts, yield its events.

    With ``end_line`` it stops before the first line numbered ``end_line`` or later and puts that line
    in ``past_end`` (a part of a file ends there).
    """
    for logical in lines:
        if end_line is not None and logical.number >= end_line:
            past_end.append(logical)
            return
        tally.count_line(logical)
        for verdict in parser.classify(logical):
            count_verdict(tally, verdict, logical)
            if verdict.event is not None:
                yield verdict.event
        if progress is not None and tally.total % PROGRESS_LINES == 0:
            progress(Progress.of(index, tally, parser.features.kinds))


def count_verdict(tally: LineTally, verdict, logical) -> None:
    """Count one verdict's lines in its bucket (and keep a sample of unrecognized ones)."""
    lines = verdict.lines  # CRI 'P' fragments joined into a record share its bucket
    if lines == 0:
        return
    tally.buckets[verdict.bucket] += lines
    if verdict.bucket == IGNORED:
        tally.ignored_reasons[verdict.reason or "other"] += lines
    elif verdict.bucket == UNRECOGNIZED and len(tally.samples) < MAX_UNRECOGNIZED_SAMPLES:
        tally.samples.append((logical.input, logical.number, logical.text[:500]))


@dataclass
class PartialResult:
    """What one input yields on its own; picklable, so inputs can be analyzed in other processes."""

    index: int
    path: str
    tally: LineTally
    features: FormatFeatures
    attempts: list[tuple[int, Attempt]]  # (start sequence within this input, attempt)
    config_events: list[Event]


def analyze_input(path: str, index: int = 0, progress: ProgressFn | None = None
                  ) -> PartialResult:
    """Read, parse and reconstruct one input; ``index`` is its position among all inputs."""
    part = PartialResult(index, path, LineTally(), FormatFeatures(), [], [])
    with fewer_collections():
        part.attempts = list(read_input(part, progress))
    return part


def read_input(part: PartialResult, progress: ProgressFn | None = None) -> Iterator[tuple[int, Attempt]]:
    """Read one whole input into ``part`` (line accounting, format features, config events as they come),
    handing on its (start sequence, attempt) pairs in start order."""
    assembler = Assembler()
    part.config_events = assembler.config_events
    events = iter_events([part.path], part.tally, part.features, progress, first_index=part.index, runs=True)
    yield from in_start_order(assemble(events, assembler), assembler)


def in_start_order(finished: Iterable[tuple[int, Attempt]], assembler: Assembler) -> Iterator[tuple[int, Attempt]]:
    """The assembler's finished (start sequence, attempt) pairs in start order, each handed on as soon as
    every attempt started before it is final (so a stream holds only the few still waiting)."""
    waiting: list[tuple[int, Attempt]] = []
    for pair in finished:
        heapq.heappush(waiting, pair)
        lowest_open = assembler.min_open_seq()
        while waiting and (lowest_open is None or waiting[0][0] < lowest_open):
            yield heapq.heappop(waiting)
    while waiting:
        yield heapq.heappop(waiting)


def merge_features(into: FormatFeatures, other: FormatFeatures) -> None:
    """Add one input's format features to the running total (counters add, lists extend)."""
    for f in fields(FormatFeatures):
        mine, theirs = getattr(into, f.name), getattr(other, f.name)
        if isinstance(mine, Counter):
            mine.update(theirs)
        elif isinstance(mine, list):
            mine.extend(theirs)
        else:
            setattr(into, f.name, mine + theirs)


def combine(partials: Sequence[PartialResult]) -> AnalysisResult:
    """Merge per-input partial results, in input order, into the result one sequential pass gives."""
    tally = LineTally()
    features = FormatFeatures()
    attempts: list[Attempt] = []
    config_events: list[Event] = []
    numbers = AttemptNumbers()
    for part in sorted(partials, key=lambda p: p.index):
        tally.merge(part.tally)
        merge_features(features, part.features)
        config_events.extend(part.config_events)
        attempts += [numbers.across_inputs(attempt) for _, attempt in part.attempts]
        numbers.next_input()
    config, version, component_yaml = config_from_events(config_events)
    config = replace(config, component_config=component_yaml)
    fmt = FormatInfo(era=detect_era(features), encoding=detect_encoding(features),
                     wrapper=detect_wrapper(features), k8s_version=version,
                     version_source="logged" if version else None)
    paths = tuple(p.path for p in sorted(partials, key=lambda p: p.index))
    parse_notes = tuple(f"{paths[i] if i < len(paths) else i}: {text}" for i, text in features.notes)
    story = tuple(e for e in config_events if e.kind in STORY_KINDS or e.kind in STORY_ALSO_HANDLED)
    return AnalysisResult(inputs=paths, format=fmt, lines=tally.freeze(), attempts=tuple(attempts),
                          config=config, notes=tuple(tally.notes) + parse_notes, story=story,
                          cache=cache_facts(config_events) or None)


def analyze_paths(paths: Sequence[str], progress: ProgressFn | None = None
                  ) -> AnalysisResult:
    """Read, parse and reconstruct the given logs ('-' is stdin). Raises InputError for bad inputs."""
    from .run.batch import analyze_paths as collected

    return collected(paths, progress)


def attempts_for(result: AnalysisResult, pod: str, attempt: int | None = None) -> list[Attempt]:
    """The attempts of one pod ('ns/name' or bare name), optionally only attempt number N."""
    from .run.picks import is_pod

    chosen = [a for a in result.attempts if is_pod(a, pod)]
    if attempt is not None:
        chosen = [a for a in chosen if a.attempt == attempt]
    return chosen


def all_events(paths: Iterable[str]) -> list[Event]:
    """Every event of the inputs (a debugging aid for tests and the REPL)."""
    return list(iter_events(list(paths), LineTally(), FormatFeatures()))
