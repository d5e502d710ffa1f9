"""The pipeline, end to end: read -> parse -> reconstruct, collected into one AnalysisResult.

This is the Python API the CLI and every renderer stand on; nothing here prints.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace

from .model import AnalysisResult, Attempt, FormatInfo, LineCounts, frozen_map
from .parse.eras import detect_encoding, detect_era, detect_wrapper
from .parse.events import Event
from .parse.lines import IGNORED, PARSED, UNRECOGNIZED, FormatFeatures, LineParser
from .read.sources import check_input, iter_physical_lines
from .read.wrappers import unwrap_lines
from .reconstruct.assembler import Assembler, assemble
from .reconstruct.config import config_from_events

MAX_UNRECOGNIZED_SAMPLES = 200


@dataclass
class LineTally:
    """Running line accounting for all inputs (every physical line lands in exactly one bucket)."""

    total: int = 0
    buckets: Counter = field(default_factory=Counter)
    ignored_reasons: Counter = field(default_factory=Counter)
    samples: list[tuple[int, int, str]] = field(default_factory=list)
    damaged: int = 0
    notes: list[str] = field(default_factory=list)

    def freeze(self) -> LineCounts:
        return LineCounts(total=self.total, parsed=self.buckets[PARSED], ignored=self.buckets[IGNORED],
                          unrecognized=self.buckets[UNRECOGNIZED],
                          ignored_by_reason=frozen_map(dict(sorted(self.ignored_reasons.items()))),
                          unrecognized_samples=tuple(self.samples), damaged=self.damaged)


def iter_events(paths: Sequence[str], tally: LineTally, features: FormatFeatures,
                progress: Callable[[int, int], None] | None = None) -> Iterator[Event]:
    """Every scheduler event of every input, in input order, while keeping the line accounting."""
    for index, path in enumerate(paths):
        parser = LineParser(features)
        physical = iter_physical_lines(path, index, tally.notes)
        for logical in unwrap_lines(physical):
            tally.damaged += logical.damaged
            folded = 1 + logical.joined
            tally.total += folded
            for verdict in parser.classify(logical):
                _count(tally, verdict, logical)
                if verdict.event is not None:
                    yield verdict.event
            if progress is not None and tally.total % 50000 == 0:
                progress(index, tally.total)
        for verdict in parser.finish():
            if verdict.event is not None:
                yield verdict.event


def _count(tally: LineTally, verdict, logical) -> None:
    lines = verdict.lines  # CRI 'P' fragments joined into a record share its bucket
    if lines == 0:
        return
    tally.buckets[verdict.bucket] += lines
    if verdict.bucket == IGNORED:
        tally.ignored_reasons[verdict.reason or "other"] += lines
    elif verdict.bucket == UNRECOGNIZED and len(tally.samples) < MAX_UNRECOGNIZED_SAMPLES:
        tally.samples.append((logical.input, logical.number, logical.text[:500]))


def analyze_paths(paths: Sequence[str], progress: Callable[[int, int], None] | None = None
                  ) -> AnalysisResult:
    """Read, parse and reconstruct the given logs ('-' is stdin). Raises InputError for bad inputs."""
    for path in paths:
        check_input(path)
    tally = LineTally()
    features = FormatFeatures()
    assembler = Assembler()
    finished = sorted(assemble(iter_events(paths, tally, features, progress), assembler),
                      key=lambda pair: pair[0])
    attempts: list[Attempt] = [a for _, a in finished]
    config, version, component_yaml = config_from_events(assembler.config_events)
    config = replace(config, component_config=component_yaml)
    fmt = FormatInfo(era=detect_era(features), encoding=detect_encoding(features),
                     wrapper=detect_wrapper(features), k8s_version=version,
                     version_source="logged" if version else None)
    return AnalysisResult(inputs=tuple(paths), format=fmt, lines=tally.freeze(), attempts=tuple(attempts),
                          config=config, notes=tuple(tally.notes))


def attempts_for(result: AnalysisResult, pod: str, attempt: int | None = None) -> list[Attempt]:
    """The attempts of one pod ('ns/name' or bare name), optionally only attempt number N."""
    chosen = [a for a in result.attempts if a.pod == pod or a.pod.rsplit("/", 1)[-1] == pod]
    if attempt is not None:
        chosen = [a for a in chosen if a.attempt == attempt]
    return chosen


def all_events(paths: Iterable[str]) -> list[Event]:
    """Every event of the inputs (a debugging aid for tests and the REPL)."""
    return list(iter_events(list(paths), LineTally(), FormatFeatures()))
