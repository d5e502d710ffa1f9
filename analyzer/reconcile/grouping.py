"""Group check's findings across attempts and nodes by (kind, attribution, pattern), so that thousands of
identical records (the hidden +100000 on every node of every attempt) read as one finding, and the nodes
that break the pattern (a node whose preferAvoidPods annotation names the pod's controller) are named.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ..model import AnalysisResult, Attempt
from .discrepancy import HIDDEN, INCOMPLETE, KINDS, Discrepancy

AVOIDED = "avoided"  # the pattern of a hidden binary component that scored 0 on a node
NOTHING_HIDDEN = "nothing hidden (logged total = visible sum)"


def _sign(value: int | None) -> int:
    return 0 if not value else (1 if value > 0 else -1)


def _hidden_pattern(d: Discrepancy) -> object:
    """Explained hidden parts: the exact amount (the attribution fixes it); a component that scored 0:
    AVOIDED; unexplained leftovers: only their sign (the amounts are shown as a range)."""
    if d.explained:
        return d.amount if d.amount else AVOIDED
    return _sign(d.amount)


def _reason(d: Discrepancy) -> str:
    return d.explanation.split(":", 1)[0]


# kind -> what, besides kind, explained, attribution and plugin, tells two records apart
PATTERNS: dict[str, Callable[[Discrepancy], object]] = {HIDDEN: _hidden_pattern, INCOMPLETE: _reason}


@dataclass(frozen=True)
class Outlier:
    """A node where a group's pattern does not hold, in how many of the group's attempts, and why."""

    node: str
    attempts: int
    reason: str

    def to_dict(self) -> dict:
        return {"node": self.node, "attempts": self.attempts, "reason": self.reason}


@dataclass(eq=False)  # compared and hashed by identity: one object per group
class FindingGroup:
    """Every record of one (kind, explained, attribution, plugin, pattern), with the attempts they are in."""

    kind: str
    explained: bool
    attribution: str | None
    plugin: str | None
    pattern: object
    items: list[tuple[int, Attempt, Discrepancy]] = field(default_factory=list)  # (attempt index, attempt, record)
    scored: list[int] = field(default_factory=list)  # per item: nodes with a logged total in its attempt
    exceptions: list[Outlier] = field(default_factory=list)

    @property
    def attempts(self) -> int:
        return len({i for i, _, _ in self.items})

    @property
    def node_hits(self) -> int:
        """How many (attempt, node) pairs the group's records cover."""
        return sum(len(d.nodes) or (1 if d.node else 0) for _, _, d in self.items)

    @property
    def confidences(self) -> list[str]:
        return sorted({d.confidence for _, _, d in self.items}, key=("low", "medium", "high").index)

    @property
    def short_label(self) -> str:
        """How this group explains a node, in a few words (used to say why a node is another group's exception)."""
        if self.kind == HIDDEN and self.pattern == AVOIDED:
            return "its preferAvoidPods annotation names the pod's controller"
        if self.kind == HIDDEN and self.explained:
            return f"+{self.pattern} instead"
        return f"{self.kind}{'' if self.explained else ' (unexplained)'}"

    def to_dict(self) -> dict:
        amounts = [d.amount for _, _, d in self.items if d.amount is not None]
        return {
            "kind": self.kind, "explained": self.explained, "attribution": self.attribution, "plugin": self.plugin,
            "records": len(self.items), "attempts": self.attempts, "node_hits": self.node_hits,
            "amount": {"min": min(amounts), "max": max(amounts)} if amounts else None,
            "scored_nodes": {"min": min(self.scored), "max": max(self.scored)} if self.scored else None,
            "confidence": self.confidences,
            "exceptions": [e.to_dict() for e in self.exceptions],
        }


def _scored_nodes(attempt: Attempt) -> tuple[str, ...]:
    """The nodes of an attempt with a logged total: where a per-node pattern can hold or not."""
    return tuple(n.node for n in attempt.nodes if n.total_logged is not None)


def group_findings(result: AnalysisResult) -> list[FindingGroup]:
    """The attempts' discrepancies grouped, in KINDS order, unexplained groups first, larger groups first;
    each hidden-part group knows its exceptions (scored nodes its records leave out, and why)."""
    groups: dict[tuple, FindingGroup] = {}
    for index, attempt in enumerate(result.attempts):
        scored = None
        for d in attempt.discrepancies:
            pattern = PATTERNS.get(d.kind, lambda _d: None)(d)
            key = (d.kind, d.explained, d.attribution, d.plugin, pattern)
            group = groups.get(key)
            if group is None:
                group = groups[key] = FindingGroup(d.kind, d.explained, d.attribution, d.plugin, pattern)
            if scored is None:
                scored = _scored_nodes(attempt)
            group.items.append((index, attempt, d))
            group.scored.append(len(scored))
    ordered = sorted(groups.values(), key=lambda g: (
        KINDS.index(g.kind) if g.kind in KINDS else len(KINDS), g.explained, -len(g.items)))
    _find_exceptions(ordered)
    return ordered


def _find_exceptions(groups: Sequence[FindingGroup]) -> None:
    """For each explained hidden part: the scored nodes of its attempts that do not carry it, named with the
    group that explains them instead (or 'nothing hidden'). One attempt at a time, so memory stays flat."""
    by_attempt: dict[int, list[tuple[FindingGroup, Attempt, Discrepancy]]] = {}
    for g in groups:
        if g.kind == HIDDEN:
            for index, attempt, d in g.items:
                by_attempt.setdefault(index, []).append((g, attempt, d))
    missing: dict[FindingGroup, Counter] = {}
    for records in by_attempt.values():
        parts = [(g, a, d) for g, a, d in records if g.explained and g.pattern != AVOIDED]
        if not parts:
            continue
        covering: dict[str, FindingGroup] = {}
        for g, _, d in records:
            for node in d.nodes:
                covering.setdefault(node, g)
        for g, attempt, d in parts:
            carried = set(d.nodes)
            for node in _scored_nodes(attempt):
                if node not in carried:
                    other = covering.get(node)
                    reason = other.short_label if other is not None and other is not g else NOTHING_HIDDEN
                    missing.setdefault(g, Counter())[(node, reason)] += 1
    for g, found in missing.items():
        g.exceptions = [Outlier(node, n, reason) for (node, reason), n in
                        sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))]
