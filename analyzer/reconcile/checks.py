"""Attempt-level checks: did the highest total win, was there a tie, is the attempt cut by the log's edges."""

from __future__ import annotations

from ..model import Attempt
from .discrepancy import INCOMPLETE, TIE, WINNER, Discrepancy


def _totals(attempt: Attempt) -> dict[str, int]:
    """Logged totals; recomputed ones only for a complete attempt that logged none (a cut attempt's
    visible sums miss the lines before the cut)."""
    logged = {n.node: n.total_logged for n in attempt.nodes if n.total_logged is not None}
    if logged or not attempt.complete:
        return logged
    return {n.node: n.total_recomputed for n in attempt.nodes if n.total_recomputed is not None}


def ranking_checks(attempt: Attempt) -> list[Discrepancy]:
    """winner-not-max when the chosen node's total is below the top; tie when several share the top."""
    totals = _totals(attempt)
    if len(totals) < 2:
        return []
    top = max(totals.values())
    leaders = tuple(n for n, t in totals.items() if t == top)
    out: list[Discrepancy] = []
    winner = attempt.winner
    if winner is not None and winner in totals and totals[winner] < top:
        out.append(Discrepancy(
            WINNER, winner, None, totals[winner], top, top - totals[winner], None,
            f"{winner} was chosen with {totals[winner]}, but {', '.join(leaders)} scored {top} "
            f"({top - totals[winner]} more)", "high", explained=False, nodes=(winner, *leaders)))
    if len(leaders) > 1:
        chose = f" (it chose {winner})" if winner in leaders else ""
        out.append(Discrepancy(
            TIE, None, None, top, None, 0, "selectHost",
            f"{', '.join(leaders)} tie at {top}: the scheduler picks among equal top scores at random{chose}",
            "high", explained=True, nodes=leaders,
            per_node=tuple((n, top, None) for n in leaders)))
    return out


def incomplete_check(attempt: Attempt) -> list[Discrepancy]:
    """An attempt cut by the start or end of the log: missing lines are expected, not a fault."""
    if attempt.complete:
        return []
    reason = attempt.incomplete_reason or "the log starts or ends inside this cycle"
    stopped = reason.startswith(("the scheduler panicked", "the scheduler restarted"))
    missing = "the process stopped inside this cycle" if stopped else "lines outside the log are missing"
    return [Discrepancy(INCOMPLETE, None, None, None, None, None, "process stop" if stopped else "log boundary",
                        f"{reason}: {missing}, so only what is shown is checked", "high", explained=True)]
