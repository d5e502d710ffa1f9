"""Run the pipeline over many inputs at once: a local process pool, or a Dask cluster for fleets.

Each input is analyzed on its own (``pipeline.analyze_input``) and the partial results are merged in
input order (``pipeline.combine``), so every engine and every job count gives the same result as one
sequential pass.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from enum import StrEnum

from .model import AnalysisResult
from .pipeline import PartialResult, analyze_input, analyze_paths, combine
from .read.sources import check_input


class Engine(StrEnum):
    local = "local"
    dask = "dask"


class EngineError(Exception):
    """The engine could not run (e.g. dask is not installed or the scheduler is unreachable)."""


def _local(paths: Sequence[str], jobs: int) -> list[PartialResult]:
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(analyze_input, paths, range(len(paths))))


def _dask(paths: Sequence[str], jobs: int, scheduler: str | None) -> list[PartialResult]:
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise EngineError("the dask engine needs 'pip install dask distributed'") from exc
    cluster = None
    try:
        if scheduler:
            client = Client(scheduler, timeout="20s")
        else:
            cluster = LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True,
                                   dashboard_address=None)
            client = Client(cluster)
    except OSError as exc:
        raise EngineError(f"cannot reach the dask scheduler {scheduler}: {exc}") from exc
    try:
        futures = client.map(analyze_input, list(paths), list(range(len(paths))), pure=False)
        return client.gather(futures)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def analyze_many(paths: Sequence[str], jobs: int = 1, engine: Engine | str = Engine.local,
                 scheduler: str | None = None, progress: Callable[[int, int], None] | None = None
                 ) -> AnalysisResult:
    """Analyze inputs with ``jobs`` workers. One input, stdin, or jobs=1 runs in this process."""
    engine = Engine(engine)
    if engine is Engine.local and (jobs <= 1 or len(paths) <= 1 or "-" in paths):
        return analyze_paths(paths, progress=progress)  # it checks its inputs itself
    for path in paths:  # bad inputs fail here, with one line, before any worker starts
        check_input(path)
    if "-" in paths:
        raise EngineError("stdin ('-') cannot be sent to dask workers; give file paths")
    partials = _dask(paths, max(jobs, 1), scheduler) if engine is Engine.dask else _local(paths, jobs)
    return combine(partials)
