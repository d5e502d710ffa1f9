"""Stage 6, reconcile: compare what the log says with the reference scoring and explain differences.

Placeholder while the stage is being built: returns the result unchanged.
"""

from __future__ import annotations

from ..model import AnalysisResult


def reconcile_result(result: AnalysisResult, k8s_version: str | None = None,
                     config_path: str | None = None) -> AnalysisResult:
    return result
