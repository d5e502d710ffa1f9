"""The Python API: ``analyze(paths) -> Analysis``, collected once and rendered many ways.

Like a profiler session object: the analysis is computed once (read, parse, reconstruct,
reference scoring, reconcile) and every output (tables, JSON, HTML, PNG, exports) renders from it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .model import AnalysisResult, Attempt, evolve

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Analysis:
    """One analysis of one or more logs."""

    result: AnalysisResult

    @property
    def attempts(self) -> tuple[Attempt, ...]:
        return self.result.attempts

    def attempts_for(self, pod: str, attempt: int | None = None) -> list[Attempt]:
        from .pipeline import attempts_for

        return attempts_for(self.result, pod, attempt)

    def to_dict(self) -> dict:
        from .report.jsonout import result_to_dict

        return result_to_dict(self.result)

    def to_frames(self) -> dict[str, pd.DataFrame]:
        """Tidy tables: attempts, nodes, scores, discrepancies (one row per item, provenance kept)."""
        from .frames import to_frames

        return to_frames(self.result)

    def to_html(self, path: str | Path, pod: str | None = None) -> Path:
        from .report.html import write_html

        return write_html(self.result, Path(path), pod=pod)

    def to_png(self, directory: str | Path, pod: str | None = None) -> list[Path]:
        from .report.png import write_pngs

        return write_pngs(self.result, Path(directory), pod=pod)


def analyze(paths: str | Path | Sequence[str | Path], k8s_version: str | None = None,
            config: str | Path | None = None, progress=None, jobs: int = 1, engine: str = "local",
            scheduler: str | None = None, year: int | None = None) -> Analysis:
    """Analyze scheduler logs end to end. Raises analyzer.read.sources.InputError on bad input.

    ``jobs``/``engine``/``scheduler`` spread several inputs over worker processes or a Dask cluster,
    and (locally) read a large plain file in parts; the result is the same as one sequential pass.
    ``year`` is the year the logs start in, for full timestamps (klog prints no year).
    """
    from .run.batch import analyze_reconciled

    if isinstance(paths, (str, Path)):
        paths = [paths]
    result, _weights = analyze_reconciled([str(p) for p in paths], jobs=jobs, engine=engine, scheduler=scheduler,
                                          progress=progress, k8s_version=k8s_version,
                                          config=str(config) if config else None)
    return Analysis(result if year is None else evolve(result, year=year))
