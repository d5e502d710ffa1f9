"""Batch runs: the attempt stream collected into one AnalysisResult (and reconciled with the whole
log's version and weights). This is the Python API the CLI and every renderer stand on."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..model import AnalysisResult
from ..pipeline import ProgressFn
from .pool import Engine, EngineError
from .stream import AttemptStream

if TYPE_CHECKING:
    from ..reconcile.weights import WeightSource

log = logging.getLogger(__name__)


def analyze_paths(paths: Sequence[str], progress: ProgressFn | None = None) -> AnalysisResult:
    """Read, parse and reconstruct the given logs in this process ('-' is stdin). Raises InputError."""
    return AttemptStream(paths, reconcile=False, progress=progress, bounded=False).collect()


def analyze_many(paths: Sequence[str], jobs: int = 1, engine: Engine | str = Engine.local,
                 scheduler: str | None = None, progress: ProgressFn | None = None) -> AnalysisResult:
    """Analyze inputs with ``jobs`` workers (not reconciled). One input, stdin, or jobs=1 runs in this process."""
    return _stream(paths, jobs, Engine(engine), scheduler, progress, reconcile=False).collect()


def analyze_reconciled(paths: Sequence[str], jobs: int = 1, engine: Engine | str = Engine.local,
                       scheduler: str | None = None, progress: ProgressFn | None = None,
                       k8s_version: str | None = None, config: str | None = None
                       ) -> tuple[AnalysisResult, WeightSource]:
    """Analyze and reconcile: the result and the weights applied.

    When local workers read the logs they reconcile too, under the version and weights the head of the
    first input states (``parts.preamble``: up to its second cycle); when the whole log turns out to say
    otherwise (a restart with another config, a format told only later) the collected attempts are
    reconciled again here (``reconcile.undo`` first takes each back to what was parsed), without reading
    the inputs again. Raises VersionError / ConfigError for a bad --k8s-version / --config.
    """
    from ..reconcile import apply_plan, plan, reconcile_with_plan, reconcile_with_weights

    engine = Engine(engine)
    stream = _stream(paths, jobs, engine, scheduler, progress, reconcile=True, k8s_version=k8s_version, config=config)
    if engine is Engine.dask or stream.here_only:
        stream.reconcile = False  # reconciled once, here, with what the whole log states
        return reconcile_with_weights(stream.collect(), k8s_version, config)
    result = stream.collect()
    ahead = stream.context
    final = plan(result, k8s_version, config)
    if ahead is not None and final.context == ahead:
        return apply_plan(result, final), final.weights
    if ahead is not None:
        log.info("reconciled again: the whole log states another version or weights than its start; "
                 "the %d collected attempts are reconciled under the whole log's plan", len(result.attempts))
    return reconcile_with_plan(result, final), final.weights


def _stream(paths: Sequence[str], jobs: int, engine: Engine, scheduler: str | None, progress: ProgressFn | None,
            reconcile: bool, k8s_version: str | None = None, config: str | None = None) -> AttemptStream:
    """The stream a batch run collects: every unit started at once; stdin cannot go to Dask workers."""
    stream = AttemptStream(paths, reconcile, k8s_version, config, progress, jobs, bounded=False, engine=engine,
                           scheduler=scheduler)
    if engine is Engine.dask and "-" in paths:
        raise EngineError("stdin ('-') cannot be sent to dask workers; give file paths")
    return stream
