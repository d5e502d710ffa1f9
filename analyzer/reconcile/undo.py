"""Undo the reconcile stage: a reconciled attempt back to exactly what the parser and assembler gave.

Reconciling changes only what it owns: a printed score's plugin name (to the version's registered name,
``Score.parsed_plugin`` keeps the parsed one), the numbers it fills in (weight, normalized or weighted,
recomputed: each one it adds a provenance entry for, ``Score.parsed_provenance`` keeps the parsed
entries), the hidden scores it adds, each node's recomputed total and the attempt's discrepancies.
Undoing exactly these lets an attempt be reconciled again under another version or weights with the
result of reconciling the parsed attempt once; an observed number is never touched, and no filled-in
number outlives the plan that made it.
"""

from __future__ import annotations

from operator import is_

from ..model import Attempt, NodeResult, Score, evolve

FILLED_IN = ("weight", "normalized", "weighted", "recomputed")  # the numbers reconciling may fill in


def unreconciled_score(score: Score) -> Score:
    """The score as parsed: its parsed name and provenance, and none of the numbers reconciling filled in."""
    parsed = score.parsed_provenance
    if parsed is None and score.parsed_plugin is None:
        return score
    if parsed is None:
        parsed = score.provenance
    cleared = {name: None for name in FILLED_IN if name in score.provenance and name not in parsed}
    plugin = score.plugin if score.parsed_plugin is None else score.parsed_plugin
    return evolve(score, plugin=plugin, provenance=parsed, parsed_plugin=None, parsed_provenance=None, **cleared)


def unreconciled_node(node: NodeResult) -> NodeResult:
    """The node as parsed: no hidden scores, no recomputed total, each printed score as parsed."""
    if node.total_recomputed is None:
        for s in node.scores:
            if s.hidden or s.parsed_provenance is not None or s.parsed_plugin is not None:
                break
        else:
            return node  # never reconciled (the common case): what the rest finds, without a new tuple
    scores = tuple(unreconciled_score(s) for s in node.scores if not s.hidden)
    if node.total_recomputed is None and len(scores) == len(node.scores) and \
            all(a is b for a, b in zip(scores, node.scores, strict=True)):
        return node
    return evolve(node, scores=scores, total_recomputed=None)


def unreconciled(attempt: Attempt) -> Attempt:
    """The attempt as the assembler gave it (the same object when it was not reconciled)."""
    nodes = [unreconciled_node(n) for n in attempt.nodes]
    if not attempt.discrepancies and all(map(is_, nodes, attempt.nodes)):
        return attempt
    return evolve(attempt, nodes=tuple(nodes), discrepancies=())
