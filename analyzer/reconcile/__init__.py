"""Stage 6, reconcile: compare what the log says with the reference scoring and explain the differences.

Order: resolve the version (user > logged > era signature) and the weights (user --config > logged >
version defaults); complete every score (weight, normalized/weighted, recomputed resource scores);
attribute each node's hidden remainder; check the ranking; put the findings on ``Attempt.discrepancies``.
An attempt reconciled before is first taken back to what was parsed (``undo``), so reconciling it again
under another version or weights gives what reconciling it once under those gives.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from operator import is_

from ..gctuning import fewer_collections
from ..model import AnalysisResult, Attempt, FormatInfo, NodeResult, Score, evolve
from ..scoring.versions import canonical_plugin_name, profile_for
from .checks import incomplete_check, ranking_checks
from .discrepancy import KINDS, Discrepancy
from .hidden import reconcile_hidden, visible_sum
from .memo import NodeDone, ScoreMemo, memo_for
from .scores import ScoringContext, complete_scores
from .undo import unreconciled, unreconciled_node
from .version import SIGNATURE, VersionError, resolve_version
from .weights import WeightSource, resolve_weights

__all__ = ["KINDS", "Discrepancy", "Plan", "VersionError", "WeightSource", "apply_plan", "plan",
           "reconcile_attempt", "reconcile_result", "reconcile_with_plan", "reconcile_with_weights",
           "unreconciled"]


def reconcile_attempt(attempt: Attempt, ctx: ScoringContext) -> Attempt:
    """One attempt with completed scores, recomputed totals and its discrepancies. An attempt reconciled
    before (under this or another plan) is first taken back to what was parsed (``undo``)."""
    found: list[Discrepancy] = []
    parsed, done = [], []
    profile, memo = attempt.profile, memo_for(ctx)
    for node in attempt.nodes:
        entry = memo.parsed_node(node, profile)  # this very node reconciled before (the assembler shares nodes)
        if entry is None:
            as_parsed = unreconciled_node(node)
            entry = _node_done(as_parsed, profile, ctx, memo)
            if as_parsed is node:
                memo.remember_parsed(node, profile, entry)
            node = as_parsed
        parsed.append(node)
        done.append(entry)
        if entry.issues:
            found += entry.issues
    nodes, hidden = reconcile_hidden(profile, parsed, done, ctx, memo)
    attempt = evolve(attempt, nodes=nodes)
    found += hidden + ranking_checks(attempt) + incomplete_check(attempt)
    return evolve(attempt, discrepancies=tuple(found))


def _node_done(node: NodeResult, profile: str | None, ctx: ScoringContext, memo: ScoreMemo) -> NodeDone:
    """A parsed node's scores completed, their visible sum and the findings on the way."""
    done = memo.completed_node(node.scores, profile)
    if done is not None:  # the same scores completed before without findings
        return NodeDone(done[0], done[1], ())
    scores, issues = complete_scores(node.node, _registered_names(node.scores, ctx.version), profile, ctx)
    done = (scores, visible_sum(scores))
    if not issues:
        memo.remember_node(node.scores, profile, done)
    return NodeDone(done[0], done[1], tuple(issues))


def _registered_names(scores: tuple[Score, ...], version: str) -> tuple[Score, ...]:
    """The scores under their registered names; the same tuple when that changes nothing."""
    named = tuple(_registered_name(s, version) for s in scores)
    return scores if all(map(is_, named, scores)) else named


def _registered_name(score: Score, version: str) -> Score:
    """The score under the name its priority/plugin is registered as in this version (the parser, not
    knowing the version, names 1.17-1.18 resource lines after the legacy priority)."""
    name = canonical_plugin_name(score.plugin, version)
    return score if name == score.plugin else evolve(score, plugin=name, parsed_plugin=score.plugin)


def reconcile_result(result: AnalysisResult, k8s_version: str | None = None,
                     config_path: str | None = None) -> AnalysisResult:
    """The result with every attempt reconciled. Raises VersionError / scoring.config.ConfigError."""
    return reconcile_with_weights(result, k8s_version, config_path)[0]


@dataclass(frozen=True)
class Plan:
    """What reconciling needs from the whole log: the version, the weights, and the scoring context."""

    format: FormatInfo
    weights: WeightSource
    context: ScoringContext | None  # None when no version could be told
    note: str


def plan(result: AnalysisResult, k8s_version: str | None = None, config_path: str | None = None) -> Plan:
    """Resolve version and weights from a result's header (format, config); attempts are not looked at."""
    version, source = resolve_version(result, k8s_version)
    fmt = replace(result.format, k8s_version=version, version_source=source)
    weights = resolve_weights(result, version, config_path, version_trusted=source != SIGNATURE)
    if version is None:
        note = "version unknown (no version line, era not recognised): scores were not reconciled"
        return Plan(fmt, weights, None, note)
    context = ScoringContext(profile_for(version), weights, version, source)
    return Plan(fmt, weights, context, f"reconciled as Kubernetes {version} ({source}); weights from {weights.origin}")


def apply_plan(result: AnalysisResult, p: Plan, attempts: tuple[Attempt, ...] | None = None) -> AnalysisResult:
    """The result with the plan's format and note (and the given, already reconciled, attempts)."""
    notes = tuple(n for n in result.notes if not n.startswith("reconciled as ")) + (p.note,)
    return replace(result, format=p.format, notes=notes,
                   attempts=result.attempts if attempts is None else attempts)


def reconcile_with_weights(result: AnalysisResult, k8s_version: str | None = None,
                           config_path: str | None = None) -> tuple[AnalysisResult, WeightSource]:
    """Like reconcile_result, also returning the weights applied and where they came from."""
    p = plan(result, k8s_version, config_path)
    return reconcile_with_plan(result, p), p.weights


def reconcile_with_plan(result: AnalysisResult, p: Plan) -> AnalysisResult:
    """The result reconciled under a plan made already; with no version to go by, its attempts as parsed."""
    if p.context is None:
        return apply_plan(result, p, tuple(unreconciled(a) for a in result.attempts))
    with fewer_collections():
        attempts = tuple(reconcile_attempt(a, p.context) for a in result.attempts)
    return apply_plan(result, p, attempts)

