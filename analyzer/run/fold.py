"""Commands that need only part of each attempt: the reconciled attempt stream fed to a consumer, so that
memory holds what the output needs, not every attempt (issue 13, item 4).

The attempts a consumer sees are those ``batch.analyze_reconciled`` collects, in the same order and
reconciled the same way: under the plan the head of the log gives while streaming, and when the whole
log states another version or weights than its head, read again and reconciled under the whole log's
plan. Stdin (which cannot be read twice) and Dask runs collect instead and feed the collected attempts.
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

    @property
    def result(self) -> AnalysisResult:
        """The collected result when there is one, else the header (for what reads only the header)."""
        return self.collected if self.collected is not None else self.header


def fold_reconciled(paths: Sequence[str], make: Callable[[str | None], C], jobs: int = 1,
                    engine: Engine | str = Engine.local, scheduler: str | None = None,
                    progress: ProgressFn | None = None, k8s_version: str | None = None,
                    config: str | None = None) -> Folded[C]:
    """Feed the reconciled attempts of ``paths`` to a consumer made by ``make(version)`` (the version they are
    reconciled as; made again when the log has to be read twice). Raises what ``analyze_reconciled`` raises
    (InputError, VersionError, ConfigError...)."""
    from ..reconcile import apply_plan, plan, reconcile_attempt

    engine = Engine(engine)
    if engine is Engine.dask or "-" in paths:
        result, weights = analyze_reconciled(paths, jobs, engine, scheduler, progress, k8s_version, config)
        return collected_fold(result, weights, make)
    stream = AttemptStream(paths, True, k8s_version, config, progress, jobs, engine=engine, scheduler=scheduler)
    consumer, count, times = _feed(stream, make, lambda: _version(stream.context))
    ahead = stream.context
    stream.reconcile = False  # the header as read, for the whole log's plan
    head = stream.header()
    final = plan(head, k8s_version, config)
    if final.context == ahead:  # the same plan, or no version either way
        return Folded(apply_plan(head, final), final.weights, consumer, count, times)
    log.info("reconciled again: the whole log states another version or weights than its start")
    again = AttemptStream(paths, False, progress=progress, jobs=jobs, engine=engine, scheduler=scheduler)
    context = final.context
    consumer, count, times = _feed(again, make, lambda: _version(context),
                                   (lambda a: reconcile_attempt(a, context)) if context else None)
    return Folded(apply_plan(again.header(), final), final.weights, consumer, count, times)


def collected_fold(result: AnalysisResult, weights: WeightSource, make: Callable[[str | None], C]) -> Folded[C]:
    """A collected result fed to a consumer (the consumer then sees exactly what the streamed run gives)."""
    consumer, count, times = _feed(result.attempts, make, lambda: result.format.k8s_version, inputs=result.inputs)
    return Folded(replace(result, attempts=()), weights, consumer, count, times, collected=result)


def _version(context: ScoringContext | None) -> str | None:
    return context.version if context is not None else None


def _feed(attempts: Iterable[Attempt], make: Callable[[str | None], C], version: Callable[[], str | None],
          finish: Callable[[Attempt], Attempt] | None = None, inputs: Sequence[str] | None = None
          ) -> tuple[C, int, FullTimes]:
    """Every attempt to the consumer, made at the first attempt (when the stream knows its plan)."""
    consumer: C | None = None
    times = FullTimes(inputs if inputs is not None else getattr(attempts, "paths", ()))
    count = 0
    with fewer_collections():
        for attempt in attempts:
            if finish is not None:
                attempt = finish(attempt)
            if consumer is None:
                consumer = make(version())
            times.see((attempt,))
            consumer.add(attempt)
            count += 1
    return (consumer if consumer is not None else make(version())), count, times
