"""The one pool of worker processes a run uses: local processes, or a Dask cluster for fleets.

Work goes in with ``submit`` and comes back with ``result``, in whatever order the caller asks for
it; the pool starts on the first ``submit`` (a run that does all its work here starts none).
"""

from __future__ import annotations

import pickle
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from enum import StrEnum
from typing import Any

from ..gctuning import collector_off


class Engine(StrEnum):
    local = "local"
    dask = "dask"


class EngineError(Exception):
    """The engine could not run (e.g. dask is not installed or the scheduler is unreachable)."""


def packed(work: Callable[..., object], *args: object) -> bytes:
    """Run ``work`` in a worker and pickle its result there, with the collector off.

    Results are hundreds of thousands of small objects: unpickling them with the collector on
    (as the pool would) took six times as long as with it off.
    """
    result = work(*args)
    with collector_off():
        return pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)


def unpacked(future: Future) -> object:
    data = future.result()
    with collector_off():
        return pickle.loads(data)


class WorkerPool:
    """``workers`` local processes, or a Dask cluster (``scheduler``'s, else a local one); use it in a
    ``with`` block, which shuts it down."""

    def __init__(self, workers: int, engine: Engine | str = Engine.local, scheduler: str | None = None) -> None:
        self.workers, self.engine, self.scheduler = max(workers, 1), Engine(engine), scheduler
        self._executor: ProcessPoolExecutor | None = None
        self._client: Any = None
        self._cluster: Any = None

    def submit(self, work: Callable[..., object], *args: object) -> Any:
        """Start ``work(*args)`` in a worker; the returned handle gives its result to ``result``."""
        if self.engine is Engine.dask:
            return self._dask().submit(work, *args, pure=False)
        if self._executor is None:
            self._executor = ProcessPoolExecutor(max_workers=self.workers)
        return self._executor.submit(packed, work, *args)

    def result(self, handle: Any) -> Any:
        """The result of submitted work (waiting for it); a worker's exception is raised here."""
        return handle.result() if self.engine is Engine.dask else unpacked(handle)

    @staticmethod
    def cancel(handle: Any) -> None:
        handle.cancel()

    def _dask(self) -> Any:
        if self._client is not None:
            return self._client
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError as exc:  # pragma: no cover - depends on the installation
            raise EngineError("the dask engine needs 'pip install dask distributed'") from exc
        try:
            if self.scheduler:
                self._client = Client(self.scheduler, timeout="20s")
            else:
                self._cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=True,
                                             dashboard_address=None)
                self._client = Client(self._cluster)
        except OSError as exc:
            raise EngineError(f"cannot reach the dask scheduler {self.scheduler}: {exc}") from exc
        return self._client

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._executor is not None:
            self._executor.shutdown()
        if self._client is not None:
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()
