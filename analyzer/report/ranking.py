"""The nodes of an attempt in rank order, cut to a top N with counts and ranges for the rest.

Real clusters have 100-5,000 nodes: a reader needs the winner, the runner-up and the few nodes
close to them, and only counts and total ranges for the others (which stay in the data).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from ..model import Attempt, FilterVerdict, NodeResult
from .brief import count
from .explain import node_total

TOP_NODES = 10  # nodes shown in full per attempt (winner first, then by total)
HEAT_COLUMNS = 12  # nodes (columns) of the cross-attempt heat map
HEAT_TOP_RANK = 3  # a node earns a heat-map column by ranking this high in some attempt


@dataclass(frozen=True)
class Ranking:
    """An attempt's nodes: the ``top`` shown in full, and what the rest amount to."""

    top: tuple[NodeResult, ...]  # winner first, then by total (highest first), then by name
    more_scored: int  # scored nodes beyond the top
    more_range: tuple[int, int] | None  # (lowest, highest) total of those
    filtered: int  # nodes the filter rejected (never scored), not in the top
    unscored: int  # other nodes beyond the top: passed or unknown filter, no total

    @property
    def rest(self) -> int:
        return self.more_scored + self.filtered + self.unscored


def ranks(attempt: Attempt) -> dict[str, int]:
    """Competition rank (1 = best) of every node that has a total; ties share a rank."""
    totals = {n.node: node_total(n) for n in attempt.nodes}
    first: dict[int, int] = {}  # total -> 1 + how many totals are higher (its first place, highest first)
    for place, total in enumerate(sorted((t for t in totals.values() if t is not None), reverse=True), start=1):
        first.setdefault(total, place)
    return {name: first[t] for name, t in totals.items() if t is not None}


def ordered(attempt: Attempt) -> list[NodeResult]:
    """Every node: the scored ones winner first then by total, then the unscored in log order."""
    winner = attempt.winner
    scored = [n for n in attempt.nodes if node_total(n) is not None]
    scored.sort(key=lambda n: (n.node != winner, -(node_total(n) or 0), n.node))
    return scored + [n for n in attempt.nodes if node_total(n) is None]


def rank_nodes(attempt: Attempt, top: int = TOP_NODES) -> Ranking:
    """The top nodes (scored ones first; unscored ones only when too few were scored) and the rest counted."""
    nodes = ordered(attempt)
    shown, rest = nodes[:top], nodes[top:]
    totals = [t for t in map(node_total, rest) if t is not None]
    filtered = sum(1 for n in rest if node_total(n) is None and n.filter is FilterVerdict.FAILED)
    return Ranking(tuple(shown), len(totals), (min(totals), max(totals)) if totals else None, filtered,
                   len(rest) - len(totals) - filtered)


def rest_summary(ranking: Ranking) -> list[str]:
    """Plain-English lines for the nodes beyond the top, e.g. '90 more feasible nodes (totals 480-510)'."""
    lines = []
    if ranking.more_scored:
        low, high = ranking.more_range or (0, 0)
        span = f"total {low:,}" if low == high else f"totals {low:,}\u2013{high:,}"
        lines.append(f"{count(ranking.more_scored, 'more feasible node')} ({span})")
    if ranking.filtered:
        lines.append(f"{ranking.filtered:,} filtered")
    if ranking.unscored:
        lines.append(f"{ranking.unscored:,} more without a score")
    return lines


@dataclass(frozen=True)
class HeatRow:
    """What the heat maps keep of one attempt: its label, its winner, every node's total and rank, and the
    nodes the filter rejected; not the scores, so a row of a 5,000-node attempt stays small."""

    pod: str
    attempt: int
    winner: str | None
    totals: dict[str, int | None]  # node name -> its total (the first node of that name, as Attempt.node finds)
    ranks: dict[str, int]  # as ranks() gives them
    filtered: frozenset[str]  # nodes without a total that the filter rejected
    scored: int  # how many nodes have a total

    @classmethod
    def of(cls, attempt: Attempt) -> HeatRow:
        totals: dict[str, int | None] = {}
        filtered = set()
        for node in attempt.nodes:
            if node.node not in totals:
                totals[node.node] = total = node_total(node)
                if total is None and node.filter is FilterVerdict.FAILED:
                    filtered.add(node.node)
        return cls(attempt.pod, attempt.attempt, attempt.winner, totals, ranks(attempt), frozenset(filtered),
                   sum(1 for n in attempt.nodes if node_total(n) is not None))


def scored(attempt: Attempt) -> bool:
    """Whether some node of the attempt has a total (the heat maps show only such attempts)."""
    return any(node_total(n) is not None for n in attempt.nodes)


def heat_columns(rows: Sequence[HeatRow], limit: int = HEAT_COLUMNS) -> list[str]:
    """The nodes worth a heat-map column: most often among the top ranks, then best total rank, then name."""
    near_top: Counter = Counter()
    best: dict[str, int] = {}
    for row in rows:
        for node, rank in row.ranks.items():
            if rank <= HEAT_TOP_RANK or node == row.winner:
                near_top[node] += 1
            best[node] = min(best.get(node, rank), rank)
    chosen = sorted(near_top, key=lambda n: (-near_top[n], best[n], n))
    if len(chosen) < limit:  # few attempts: fill with the next best ranked nodes
        chosen += sorted((n for n in best if n not in near_top), key=lambda n: (best[n], n))
    return chosen[:limit]
