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


class Range:
    """The lowest and highest of the values seen so far (what ``brief.span`` shows), none kept."""

    __slots__ = ("low", "high")

    def __init__(self) -> None:
        self.low: int | None = None
        self.high: int | None = None

    def see(self, value: int) -> None:
        if self.low is None or value < self.low:
            self.low = value
        if self.high is None or value > self.high:
            self.high = value

    def values(self) -> list[int]:
        """The range as values ``min``/``max``/``span`` read: [], [v] or [low, high]."""
        if self.low is None:
            return []
        return [self.low] if self.low == self.high else [self.low, self.high]

    def to_dict(self) -> dict | None:
        return None if self.low is None else {"min": self.low, "max": self.high}


@dataclass(eq=False)  # compared and hashed by identity: one object per group
class FindingGroup:
    """One (kind, explained, attribution, plugin, pattern) of records, summed up as they come: counts, ranges,
    the first record and the nodes named; never the records themselves (check -v and -o json read those from
    ``CheckFindings.records``)."""

    kind: str
    explained: bool
    attribution: str | None
    plugin: str | None
    pattern: object
    records: int = 0
    attempts: int = 0
    node_hits: int = 0  # how many (attempt, node) pairs the group's records cover
    first: tuple[AttemptRef, Discrepancy] | None = None
    widest: tuple[AttemptRef, Discrepancy] | None = None  # the first record naming the most nodes
    amounts: Range = field(default_factory=Range)
    scored: Range = field(default_factory=Range)  # per record: nodes with a logged total in its attempt
    scored_some: Range = field(default_factory=Range)  # the same, leaving out attempts with no such node
    scored_total: int = 0
    sizes: Range = field(default_factory=Range)  # how many nodes each record names in ``nodes``
    node_counts: dict[str, int] = field(default_factory=dict)  # node -> records naming it
    exceptions: list[Outlier] = field(default_factory=list)
    _confidences: set[str] = field(default_factory=set)
    _last_attempt: int = -1

    def add(self, index: int, ref: AttemptRef, d: Discrepancy, scored: int) -> None:
        """One more record, from the attempt numbered ``index`` (attempts come in order)."""
        self.records += 1
        if index != self._last_attempt:
            self.attempts, self._last_attempt = self.attempts + 1, index
        named = d.nodes or ((d.node,) if d.node else ())
        self.node_hits += len(named)
        counts = self.node_counts
        for node in named:
            counts[node] = counts.get(node, 0) + 1
        if self.first is None:
            self.first = self.widest = (ref, d)
        elif len(d.nodes) > len(self.widest[1].nodes):
            self.widest = (ref, d)
        self.sizes.see(len(d.nodes))
        if d.amount is not None:
            self.amounts.see(d.amount)
        self.scored.see(scored)
        if scored:
            self.scored_some.see(scored)
        self.scored_total += scored
        self._confidences.add(d.confidence)

    @property
    def confidences(self) -> list[str]:
        return sorted(self._confidences, key=("low", "medium", "high").index)

    @property
    def short_label(self) -> str:
        """How this group explains a node, in a few words (used to say why a node is another group's exception)."""
        if self.kind == HIDDEN and self.pattern == AVOIDED:
            return "its preferAvoidPods annotation names the pod's controller"
        if self.kind == HIDDEN and self.explained:
            return f"+{self.pattern} instead"
        return f"{self.kind}{'' if self.explained else ' (unexplained)'}"

    def to_dict(self) -> dict:
        return {
            "kind": self.kind, "explained": self.explained, "attribution": self.attribution, "plugin": self.plugin,
            "records": self.records, "attempts": self.attempts, "node_hits": self.node_hits,
            "amount": self.amounts.to_dict(), "scored_nodes": self.scored.to_dict(),
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

    Keeps each group's running sums and, for the nodes that break an explained hidden part's pattern, a
    count per (group, node, groups covering the node); never the attempts nor their records."""

    def __init__(self) -> None:
        self._groups: dict[tuple, FindingGroup] = {}
        self._missing: dict[tuple[FindingGroup, str, tuple[FindingGroup, ...]], int] = {}
        self._names: dict[str, str] = {}
        self._index = 0

    def add(self, attempt: Attempt) -> list[tuple[AttemptRef, Discrepancy]]:
        """Group the attempt's findings; returns them (compact, with the attempt's reference), in order."""
        index, self._index = self._index, self._index + 1
        if not attempt.discrepancies:
            return []
        ref = AttemptRef(attempt.pod, attempt.attempt)
        scored = _scored_nodes(attempt)
        added, hidden = [], []
        for d in attempt.discrepancies:
            d = self._compact(d)
            pattern = PATTERNS.get(d.kind, lambda _d: None)(d)
            key = (d.kind, d.explained, d.attribution, d.plugin, pattern)
            group = self._groups.get(key)
            if group is None:
                group = self._groups[key] = FindingGroup(d.kind, d.explained, d.attribution, d.plugin, pattern)
            group.add(index, ref, d, len(scored))
            added.append((ref, d))
            if d.kind == HIDDEN:
                hidden.append((group, d))
        if any(g.explained and g.pattern != AVOIDED for g, _ in hidden):
            self._count_missing(hidden, scored)
        return added

    def _count_missing(self, hidden: list[tuple[FindingGroup, Discrepancy]], scored: tuple[str, ...]) -> None:
        """For each explained hidden part of one attempt: its scored nodes that do not carry it, each with the
        groups that cover the node in this attempt (which of them explains it is decided once the groups'
        order is known, in ``groups``)."""
        covering: dict[str, list[FindingGroup]] = {}
        for g, d in hidden:
            for node in d.nodes:
                covers = covering.setdefault(node, [])
                if g not in covers:
                    covers.append(g)
        missing = self._missing
        for g, d in hidden:
            if not g.explained or g.pattern == AVOIDED:
                continue
            carried = set(d.nodes)
            for node in scored:
                if node not in carried:
                    key = (g, self._name(node), tuple(covering.get(node, ())))
                    missing[key] = missing.get(key, 0) + 1

    def groups(self) -> list[FindingGroup]:
        ordered = sorted(self._groups.values(), key=lambda g: (
            KINDS.index(g.kind) if g.kind in KINDS else len(KINDS), g.explained, -g.records))
        _find_exceptions(ordered, self._missing)
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
                     missing: dict[tuple[FindingGroup, str, tuple[FindingGroup, ...]], int]) -> None:
    """For each explained hidden part: the scored nodes of its attempts that do not carry it, named with the
    group that explains them instead (the first, in the groups' order, of those covering the node in that
    attempt), or 'nothing hidden'."""
    rank = {g: i for i, g in enumerate(groups)}
    found: dict[FindingGroup, Counter] = {}
    for (g, node, covering), n in missing.items():
        other = min(covering, key=rank.__getitem__) if covering else None
        reason = other.short_label if other is not None and other is not g else NOTHING_HIDDEN
        found.setdefault(g, Counter())[(node, reason)] += n
    for g, outliers in found.items():
        g.exceptions = [Outlier(node, n, reason) for (node, reason), n in
                        sorted(outliers.items(), key=lambda kv: (-kv[1], kv[0]))]
