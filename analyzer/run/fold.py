"""Commands that need only part of each attempt: the reconciled attempt stream fed to a consumer, so that
memory holds what the output needs, not every attempt (issue 13, item 4).

The attempts a consumer sees are those ``batch.analyze_reconciled`` collects, in the same order and
reconciled the same way: under the plan the head of the log gives while streaming, and when the whole
log states another version or weights than its head, read again and reconciled under the whole log's
plan (by the workers that read it, as on the first read). Stdin (which cannot be read twice) and Dask
runs collect instead and feed the collected attempts.

A cache dump's replay (``replay``) needs every attempt logged after the dump: with ``replays`` the fold
keeps the attempts from the first dump read on (none on a log without dumps), so the log is read once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar

from ..gctuning import fewer_collections
from ..model import AnalysisResult, Attempt
from ..pipeline import ProgressFn
from ..times import FullTimes
from .batch import analyze_reconciled
from .pool import Engine
from .stream import AttemptStream

if TYPE_CHECKING:
    from ..reconcile.scores import ScoringContext
    from ..reconcile.weights import WeightSource

log = logging.getLogger(__name__)


class Consumer(Protocol):
    """Takes the attempts one by one, in log order, and keeps what its output needs."""

    def add(self, attempt: Attempt) -> None: ...


C = TypeVar("C", bound=Consumer)


@dataclass
class Folded(Generic[C]):
    """A run fed to a consumer: the result's header (no attempts), the weights, the consumer and the count."""

    header: AnalysisResult  # format, lines, config, notes, cache, as the collected result has them; attempts ()
    weights: WeightSource
    consumer: C
    attempts: int  # how many attempts the consumer saw
    times: FullTimes  # full timestamps, anchored on every input's first attempt (as FullTimes.for_result)
    collected: AnalysisResult | None = None  # the whole result, when the run had to collect it
    after_dumps: tuple[Attempt, ...] = ()  # the attempts from the first cache dump on (kept with ``replays``)

    @property
    def result(self) -> AnalysisResult:
        """What a cache replay reads: the collected result when there is one, else the header with the
        attempts from the first dump on (those a replay scores: it skips the attempts before a dump)."""
        return self.collected if self.collected is not None else replace(self.header, attempts=self.after_dumps)


def fold_reconciled(paths: Sequence[str], make: Callable[[str | None], C], jobs: int = 1,
                    engine: Engine | str = Engine.local, scheduler: str | None = None,
                    progress: ProgressFn | None = None, k8s_version: str | None = None,
                    config: str | None = None, replays: bool = True) -> Folded[C]:
    """Feed the reconciled attempts of ``paths`` to a consumer made by ``make(version)`` (the version they are
    reconciled as; made again when the log has to be read twice); with ``replays``, keep what a cache replay
    needs. Raises what ``analyze_reconciled`` raises (InputError, VersionError, ConfigError...)."""
    from ..reconcile import apply_plan, plan

    engine = Engine(engine)
    if engine is Engine.dask or "-" in paths:
        return _collected(paths, make, jobs, engine, scheduler, progress, k8s_version, config)
    stream = AttemptStream(paths, True, k8s_version, config, progress, jobs, engine=engine, scheduler=scheduler)
    consumer, count, times, kept = _stream_feed(stream, make, replays)
    ahead = stream.context
    head = _as_read(stream)
    final = plan(head, k8s_version, config)
    if final.context != ahead:  # not the same plan (nor no version either way): read again, under the whole log's
        log.info("reconciled again: the whole log states another version or weights than its start")
        stream = AttemptStream(paths, True, progress=progress, jobs=jobs, engine=engine, scheduler=scheduler,
                               plan=final)
        consumer, count, times, kept = _stream_feed(stream, make, replays)
        head = _as_read(stream)
    header = apply_plan(head, final)
    if kept is not None and not kept.covers(header):
        log.info("collected: a cache dump was read after attempts logged after it")  # not seen on any log
        return _collected(paths, make, jobs, engine, scheduler, progress, k8s_version, config)
    return Folded(header, final.weights, consumer, count, times, after_dumps=tuple(kept or ()))


def _as_read(stream: AttemptStream) -> AnalysisResult:
    """The header of a stream read to its end, as read (not planned)."""
    stream.reconcile = False
    return stream.header()


def _stream_feed(stream: AttemptStream, make: Callable[[str | None], C], replays: bool
                 ) -> tuple[C, int, FullTimes, AfterDumps | None]:
    return _feed(stream, make, lambda: _version(stream.context), stream.paths,
                 (lambda: stream.dumped) if replays else None)


def _collected(paths: Sequence[str], make: Callable[[str | None], C], jobs: int, engine: Engine,
               scheduler: str | None, progress: ProgressFn | None, k8s_version: str | None,
               config: str | None) -> Folded[C]:
    """Every attempt collected (``analyze_reconciled``), then fed to the consumer."""
    result, weights = analyze_reconciled(paths, jobs, engine, scheduler, progress, k8s_version, config)
    return collected_fold(result, weights, make)


def collected_fold(result: AnalysisResult, weights: WeightSource, make: Callable[[str | None], C]) -> Folded[C]:
    """A collected result fed to a consumer (the consumer then sees exactly what the streamed run gives)."""
    consumer, count, times, _ = _feed(result.attempts, make, lambda: result.format.k8s_version, result.inputs)
    return Folded(replace(result, attempts=()), weights, consumer, count, times, collected=result)


class AfterDumps(list[Attempt]):
    """The attempts handed on once the stream has read a cache dump (those a replay can score), and the
    log position of the last one left out before, to tell that none left out comes after a dump."""

    def __init__(self) -> None:
        super().__init__()
        self.last_left_out: tuple[int, int] = (-1, -1)  # (input, first line)

    def see(self, attempt: Attempt, dumped: bool) -> None:
        if dumped:
            self.append(attempt)
        elif attempt.span is not None:
            self.last_left_out = max(self.last_left_out, (attempt.span.input, attempt.span.first_line))

    def covers(self, header: AnalysisResult) -> bool:
        """Whether every attempt a replay of the header's dumps scores was kept."""
        dumps = header.cache.dumps if header.cache is not None else ()
        return not dumps or self.last_left_out < min(dump.at.order for dump in dumps)


def _version(context: ScoringContext | None) -> str | None:
    return context.version if context is not None else None


def _feed(attempts: Iterable[Attempt], make: Callable[[str | None], C], version: Callable[[], str | None],
          inputs: Sequence[str], dumped: Callable[[], bool] | None = None
          ) -> tuple[C, int, FullTimes, AfterDumps | None]:
    """Every attempt to the consumer, made at the first attempt (when a stream knows its plan); with
    ``dumped`` (whether the stream has read a cache dump yet), the attempts from the first dump on kept too."""
    kept = AfterDumps() if dumped is not None else None
    consumer: C | None = None
    times = FullTimes(inputs)
    count = 0
    with fewer_collections():
        for attempt in attempts:
            if consumer is None:
                consumer = make(version())
            times.see((attempt,))
            consumer.add(attempt)
            if kept is not None:
                kept.see(attempt, dumped())
            count += 1
    return (consumer if consumer is not None else make(version())), count, times, kept
