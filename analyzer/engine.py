"""Run the pipeline over many inputs at once: a local process pool, or a Dask cluster for fleets.

Each input is analyzed on its own (``pipeline.analyze_input``) and the partial results are merged in
input order (``pipeline.combine``), so every engine and every job count gives the same result as one
sequential pass. Locally, a large plain file is also split into parts (``chunks``) so one file uses
every core; parts that cannot reproduce one pass exactly are dropped and the file is read in one pass.
"""

from __future__ import annotations

import itertools
import logging
from collections import Counter
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from .gctuning import fewer_collections
from .model import AnalysisResult
from .parts import Chunk, analyze_chunk, merge, plan_chunks, preamble
from .pipeline import LineTally, PartialResult, Progress, ProgressFn, analyze_input, analyze_paths, combine
from .read.sources import check_input
from .run.pool import Engine, EngineError, WorkerPool

if TYPE_CHECKING:
    from .reconcile.scores import ScoringContext
    from .reconcile.weights import WeightSource

log = logging.getLogger(__name__)


def _whole_input(path: str, index: int, context: ScoringContext | None = None) -> PartialResult:
    """One input analyzed on its own (reconciled under ``context`` when given)."""
    part = analyze_input(path, index)
    if context is not None:
        from .reconcile import reconcile_attempt

        with fewer_collections():
            part.attempts = [(seq, reconcile_attempt(attempt, context)) for seq, attempt in part.attempts]
    return part


def _progress_of(index: int, done: list[Any]) -> Progress:
    """Progress over the finished parts (or the whole input) of one input."""
    tally, kinds = LineTally(), Counter()
    for part in done:
        tally.merge(part.tally)
        kinds.update(part.features.kinds)
    return Progress.of(index, tally, kinds)


def _local(paths: Sequence[str], plans: Sequence[list[Chunk] | None], jobs: int,
           progress: ProgressFn | None = None, context: ScoringContext | None = None
           ) -> list[PartialResult]:
    """Whole inputs and parts of large ones (``plans``) over ``jobs`` processes; parts are merged per
    input, in order. With ``context`` every attempt comes back reconciled."""
    work: list[tuple[int, Callable[..., Any], tuple]] = []
    for index, (path, chunks) in enumerate(zip(paths, plans, strict=True)):
        if chunks is None:
            work.append((index, _whole_input, (path, index, context)))
        else:
            work += [(index, analyze_chunk, (path, index, chunk, context)) for chunk in chunks]
    results: dict[int, list[Any]] = {}
    # no more items than jobs (one file in parts): this process reads the first one itself, sparing
    # its pickling; more items (many files): a pool of ``jobs`` workers, so none waits on this process
    here = 1 if len(work) <= jobs else 0
    with WorkerPool(jobs - here) as pool:
        handles = [pool.submit(run, *args) for _, run, args in work[here:]]
        done = [run(*args) for _, run, args in work[:here]]
        for (index, _, _), result in zip(work, itertools.chain(done, map(pool.result, handles)), strict=True):
            results.setdefault(index, []).append(result)
            if progress is not None:
                progress(_progress_of(index, results[index]))
    partials = []
    for index, path in enumerate(paths):
        got = results[index]
        if isinstance(got[0], PartialResult):
            partials.append(got[0])
            continue
        merged, why = merge(path, index, got)
        if merged is None:
            log.info("%s: read in one pass, its parts would differ (%s)", path, why)
            merged = _whole_input(path, index, context)
        partials.append(merged)
    return partials


def _dask(paths: Sequence[str], jobs: int, scheduler: str | None) -> list[PartialResult]:
    with WorkerPool(jobs, Engine.dask, scheduler) as pool:
        handles = [pool.submit(analyze_input, path, index) for index, path in enumerate(paths)]
        return [pool.result(handle) for handle in handles]


def _split_plans(paths: Sequence[str], jobs: int) -> list[list[Chunk] | None] | None:
    """Each input's parts for the local pool (None: read whole); None when the only input is read
    whole, so this process reads it without a pool."""
    plans = [plan_chunks(path, jobs) for path in paths]
    return None if len(paths) == 1 and plans[0] is None else plans


def analyze_many(paths: Sequence[str], jobs: int = 1, engine: Engine | str = Engine.local,
                 scheduler: str | None = None, progress: ProgressFn | None = None
                 ) -> AnalysisResult:
    """Analyze inputs with ``jobs`` workers. One input, stdin, or jobs=1 runs in this process."""
    engine = Engine(engine)
    if engine is Engine.local and (jobs <= 1 or "-" in paths):
        return analyze_paths(paths, progress=progress)  # it checks its inputs itself
    for path in paths:  # bad inputs fail here, with one line, before any worker starts
        check_input(path)
    if "-" in paths:
        raise EngineError("stdin ('-') cannot be sent to dask workers; give file paths")
    if engine is Engine.dask:
        return combine(_dask(paths, max(jobs, 1), scheduler))
    plans = _split_plans(paths, jobs)
    if plans is None:
        return combine([analyze_input(paths[0], 0, progress)])
    return combine(_local(paths, plans, jobs, progress))


def analyze_reconciled(paths: Sequence[str], jobs: int = 1, engine: Engine | str = Engine.local,
                       scheduler: str | None = None, progress: ProgressFn | None = None,
                       k8s_version: str | None = None, config: str | None = None
                       ) -> tuple[AnalysisResult, WeightSource]:
    """Analyze and reconcile: the result and the weights applied.

    Locally with several jobs the workers reconcile too, under the version and weights the head of
    the first input states (``parts.preamble``: up to its second cycle); when the whole log turns
    out to say otherwise (a restart with another config, a format told only later) the attempts are
    read again and reconciled here.
    Raises VersionError / ConfigError for a bad --k8s-version / --config.
    """
    from .reconcile import apply_plan, plan, reconcile_with_weights

    if Engine(engine) is not Engine.local or jobs <= 1 or "-" in paths:
        return reconcile_with_weights(analyze_many(paths, jobs, engine, scheduler, progress), k8s_version, config)
    for path in paths:
        check_input(path)
    plans = _split_plans(paths, jobs)
    if plans is None:
        return reconcile_with_weights(combine([analyze_input(paths[0], 0, progress)]), k8s_version, config)
    ahead = plan(combine([preamble(paths[0], 0)]), k8s_version, config).context
    result = combine(_local(paths, plans, jobs, progress, ahead))
    final = plan(result, k8s_version, config)
    if ahead is not None and final.context == ahead:
        return apply_plan(result, final), final.weights
    if ahead is not None:
        log.info("reconciled again: the whole log states another version or weights than its start")
        result = combine(_local(paths, plans, jobs, progress))
    return reconcile_with_weights(result, k8s_version, config)
