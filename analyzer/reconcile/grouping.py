"""Group check's findings across attempts and nodes by (kind, attribution, pattern), so that thousands of
identical records (the hidden +100000 on every node of every attempt) read as one finding, and the nodes
that break the pattern (a node whose preferAvoidPods annotation names the pod's controller) are named.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import NamedTuple

from ..model import Attempt
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
    items: list[tuple[int, AttemptRef, Discrepancy]] = field(default_factory=list)  # (attempt index, attempt, record)
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


class AttemptRef(NamedTuple):
    """The attempt a finding is in, as check prints it (the attempt itself is not kept)."""

    pod: str
    attempt: int


class FindingGrouper:
    """The attempts' discrepancies grouped: ``add`` each attempt in log order, then ``groups()``: in KINDS
    order, unexplained groups first, larger groups first; each hidden-part group knows its exceptions
    (scored nodes its records leave out, and why).

    Keeps the findings (node names shared across attempts) and, for attempts with an explained hidden
    part, the names of their scored nodes; never the attempts."""

    def __init__(self) -> None:
        self._groups: dict[tuple, FindingGroup] = {}
        self._hidden: list[tuple[list[tuple[FindingGroup, Discrepancy]], tuple[str, ...]]] = []
        self._names: dict[str, str] = {}
        self._index = 0

    def add(self, attempt: Attempt) -> list[tuple[AttemptRef, Discrepancy]]:
        """Group the attempt's findings; returns them (compact, with the attempt's reference), in order."""
        index, self._index = self._index, self._index + 1
        if not attempt.discrepancies:
            return []
        ref = AttemptRef(attempt.pod, attempt.attempt)
        scored = tuple(self._name(n) for n in _scored_nodes(attempt))
        added, hidden = [], []
        for d in attempt.discrepancies:
            d = self._compact(d)
            pattern = PATTERNS.get(d.kind, lambda _d: None)(d)
            key = (d.kind, d.explained, d.attribution, d.plugin, pattern)
            group = self._groups.get(key)
            if group is None:
                group = self._groups[key] = FindingGroup(d.kind, d.explained, d.attribution, d.plugin, pattern)
            group.items.append((index, ref, d))
            group.scored.append(len(scored))
            added.append((ref, d))
            if d.kind == HIDDEN:
                hidden.append((group, d))
        if any(g.explained and g.pattern != AVOIDED for g, _ in hidden):
            self._hidden.append((hidden, scored))
        return added

    def groups(self) -> list[FindingGroup]:
        ordered = sorted(self._groups.values(), key=lambda g: (
            KINDS.index(g.kind) if g.kind in KINDS else len(KINDS), g.explained, -len(g.items)))
        _find_exceptions(ordered, self._hidden)
        return ordered

    def _name(self, name: str) -> str:
        return self._names.setdefault(name, name)

    def _compact(self, d: Discrepancy) -> Discrepancy:
        """The record with its node names shared with earlier attempts' (each attempt parses its own)."""
        if not d.nodes and not d.per_node and d.node is None:
            return d
        name = self._name
        return replace(d, node=None if d.node is None else name(d.node), nodes=tuple(map(name, d.nodes)),
                       per_node=tuple((name(n), logged, recomputed) for n, logged, recomputed in d.per_node))


def _find_exceptions(groups: Sequence[FindingGroup],
                     hidden: list[tuple[list[tuple[FindingGroup, Discrepancy]], tuple[str, ...]]]) -> None:
    """For each explained hidden part: the scored nodes of its attempts that do not carry it, named with the
    group that explains them instead (or 'nothing hidden'). One attempt at a time, so memory stays flat."""
    rank = {g: i for i, g in enumerate(groups)}
    missing: dict[FindingGroup, Counter] = {}
    for records, scored in hidden:
        records = sorted(records, key=lambda r: rank[r[0]])  # a node covered twice: the first group, in order
        covering: dict[str, FindingGroup] = {}
        for g, d in records:
            for node in d.nodes:
                covering.setdefault(node, g)
        for g, d in records:
            if not g.explained or g.pattern == AVOIDED:
                continue
            carried = set(d.nodes)
            for node in scored:
                if node not in carried:
                    other = covering.get(node)
                    reason = other.short_label if other is not None and other is not g else NOTHING_HIDDEN
                    missing.setdefault(g, Counter())[(node, reason)] += 1
    for g, found in missing.items():
        g.exceptions = [Outlier(node, n, reason) for (node, reason), n in
                        sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))]
