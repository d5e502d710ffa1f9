"""Batch runs over many inputs (a local process pool or a Dask cluster): kept for callers of the old
module; the run itself lives in ``analyzer.run``."""

from .run.batch import analyze_many, analyze_reconciled
from .run.pool import Engine, EngineError

__all__ = ["Engine", "EngineError", "analyze_many", "analyze_reconciled"]
