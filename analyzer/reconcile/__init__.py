"""Stage 6, reconcile: compare what the log says with the reference scoring and explain the differences.

Order: resolve the version (user > logged > era signature) and the weights (user --config > logged >
version defaults); complete every score (weight, normalized/weighted, recomputed resource scores);
attribute each node's hidden remainder; check the ranking; put the findings on ``Attempt.discrepancies``.
"""

from __future__ import annotations

from dataclasses import replace

from ..model import AnalysisResult, Attempt, Score
from ..scoring.versions import canonical_plugin_name, profile_for
from .checks import incomplete_check, ranking_checks
from .discrepancy import KINDS, Discrepancy
from .hidden import reconcile_hidden
from .scores import ScoringContext, complete_node
from .version import SIGNATURE, VersionError, resolve_version
from .weights import WeightSource, resolve_weights

__all__ = ["KINDS", "Discrepancy", "VersionError", "WeightSource", "reconcile_attempt", "reconcile_result",
           "reconcile_with_weights", "unexplained"]


def reconcile_attempt(attempt: Attempt, ctx: ScoringContext) -> Attempt:
    """One attempt with completed scores, recomputed totals and its discrepancies."""
    found: list[Discrepancy] = []
    nodes = []
    for node in attempt.nodes:
        node = replace(node, scores=tuple(_registered_name(s, ctx.version) for s in node.scores
                                          if not s.hidden))  # re-reconcile cleanly
        done, issues = complete_node(node, attempt.profile, ctx)
        nodes.append(done)
        found += issues
    attempt = replace(attempt, nodes=tuple(nodes))
    attempt, hidden = reconcile_hidden(attempt, ctx)
    found += hidden + ranking_checks(attempt) + incomplete_check(attempt)
    return replace(attempt, discrepancies=tuple(found))


def _registered_name(score: Score, version: str) -> Score:
    """The score under the name its priority/plugin is registered as in this version (the parser, not
    knowing the version, names 1.17-1.18 resource lines after the legacy priority)."""
    name = canonical_plugin_name(score.plugin, version)
    return score if name == score.plugin else replace(score, plugin=name)


def reconcile_result(result: AnalysisResult, k8s_version: str | None = None,
                     config_path: str | None = None) -> AnalysisResult:
    """The result with every attempt reconciled. Raises VersionError / scoring.config.ConfigError."""
    return reconcile_with_weights(result, k8s_version, config_path)[0]


def reconcile_with_weights(result: AnalysisResult, k8s_version: str | None = None,
                           config_path: str | None = None) -> tuple[AnalysisResult, WeightSource]:
    """Like reconcile_result, also returning the weights applied and where they came from."""
    version, source = resolve_version(result, k8s_version)
    fmt = replace(result.format, k8s_version=version, version_source=source)
    weights = resolve_weights(result, version, config_path, version_trusted=source != SIGNATURE)
    if version is None:
        note = "version unknown (no version line, era not recognised): scores were not reconciled"
        return replace(result, format=fmt, notes=result.notes + (note,)), weights
    ctx = ScoringContext(profile_for(version), weights, version, source)
    attempts = tuple(reconcile_attempt(a, ctx) for a in result.attempts)
    note = f"reconciled as Kubernetes {version} ({source}); weights from {weights.origin}"
    notes = tuple(n for n in result.notes if not n.startswith("reconciled as ")) + (note,)
    return replace(result, format=fmt, attempts=attempts, notes=notes), weights


def unexplained(result: AnalysisResult) -> list[tuple[Attempt, Discrepancy]]:
    """Every discrepancy not fully explained, with its attempt."""
    return [(a, d) for a in result.attempts for d in a.discrepancies if not d.explained]
