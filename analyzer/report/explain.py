"""Why the winner won: margins to every other node and the plugins that made the difference."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..model import Attempt, NodeResult, Score


def contribution(score: Score) -> int | None:
    """What a score added to the node's total, as far as the log (and known weights) tell."""
    if score.weighted is not None:
        return score.weighted
    if score.normalized is not None and score.weight is not None:
        return score.normalized * score.weight
    return score.normalized if score.normalized is not None else score.raw


def node_total(node: NodeResult) -> int | None:
    """The total to rank by: the logged one, else the recomputed one."""
    return node.total_logged if node.total_logged is not None else node.total_recomputed


@dataclass(frozen=True)
class Loss:
    node: str
    total: int | None
    margin: int | None  # winner's total minus this node's
    behind_on: tuple[tuple[str, int], ...]  # (plugin, how much less than the winner), largest first
    ahead_on: tuple[tuple[str, int], ...]
    filtered_out: bool = False


@dataclass(frozen=True)
class Explanation:
    winner: str | None
    winner_total: int | None
    runner_up: str | None
    margin: int | None
    tied_with: tuple[str, ...]
    losses: tuple[Loss, ...]


def explain_attempt(attempt: Attempt) -> Explanation:
    winner_name = attempt.winner
    winner = attempt.node(winner_name) if winner_name else None
    wtotal = node_total(winner) if winner else None
    wscores = {s.plugin: contribution(s) for s in winner.scores} if winner else {}
    hidden = {s.plugin for n in attempt.nodes for s in n.scores if s.hidden}
    losses = []
    for node in attempt.nodes:
        if node.node == winner_name:
            continue
        total = node_total(node)
        margin = wtotal - total if wtotal is not None and total is not None else None
        mine_by_plugin = {s.plugin: contribution(s) for s in node.scores}
        behind, ahead = [], []
        for plugin in dict.fromkeys([*mine_by_plugin, *wscores]):
            mine, theirs = mine_by_plugin.get(plugin), wscores.get(plugin)
            if plugin in hidden and total is not None and wtotal is not None:
                # reconcile attributed each node's whole hidden remainder: a missing part is 0 there
                mine, theirs = mine or 0, theirs or 0
            if mine is None or theirs is None or mine == theirs:
                continue
            (behind if theirs > mine else ahead).append((plugin, abs(theirs - mine)))
        behind.sort(key=lambda p: (-p[1], p[0]))
        ahead.sort(key=lambda p: (-p[1], p[0]))
        losses.append(Loss(node.node, total, margin, tuple(behind), tuple(ahead),
                           filtered_out=node.filter.value == "failed"))
    ranked = sorted((loss for loss in losses if loss.margin is not None), key=lambda loss: loss.margin)
    runner = ranked[0] if ranked else None
    tied = tuple(loss.node for loss in ranked if loss.margin == 0)
    return Explanation(winner_name, wtotal, runner.node if runner else None, runner.margin if runner else None,
                       tied, tuple(losses))


def explanation_to_dict(exp: Explanation) -> dict:
    return {
        "winner": exp.winner,
        "winner_total": exp.winner_total,
        "runner_up": exp.runner_up,
        "margin": exp.margin,
        "tied_with": list(exp.tied_with),
        "losers": [
            {"node": loss.node, "total": loss.total, "margin": loss.margin,
             "behind_on": [{"plugin": p, "by": v} for p, v in loss.behind_on],
             "ahead_on": [{"plugin": p, "by": v} for p, v in loss.ahead_on]}
            for loss in exp.losses
        ],
    }


# "0/100 nodes are available: ..." -- a FitError message gives the feasible and evaluated node counts
_NODES_AVAILABLE = re.compile(r"^(\d+)/(\d+) nodes are available")


def node_counts(attempt: Attempt) -> tuple[int | None, int | None]:
    """(evaluated, feasible) as the log gives them; for an unschedulable attempt that logs no counts,
    derived from its '0/N nodes are available' message (the model's own fields stay as logged)."""
    evaluated, feasible = attempt.evaluated_nodes, attempt.feasible_nodes
    if evaluated is None and feasible is None and attempt.failure:
        m = _NODES_AVAILABLE.match(attempt.failure.message)
        if m:
            return int(m[2]), int(m[1])
        return attempt.failure.total_nodes, None
    return evaluated, feasible
