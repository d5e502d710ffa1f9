"""How a followed log's items are written: one text line or one JSON object per line, and the summary."""

from __future__ import annotations

import json
from collections import Counter

from ..model import Attempt
from ..report.explain import explain_attempt
from ..report.jsonout import attempt_to_dict
from ..report.text import evaluated_feasible, failure_note
from ..times import FullTimes
from .follower import Final, Item, Leader, Pending

_LEADER_HOW = {"lease": "its leader-election line", "schedules": "the one that schedules (inferred)",
               "lost": "lost the lease: no longer leads"}
_SUMMARY_HOW = {"schedules": " (inferred)", "lost": " (lost the lease)"}


def text_line(item: Item, show_stream: bool = False) -> str:
    """One line for people: time, pod #n, outcome, node, evaluated/feasible, margin, discrepancy flags."""
    if isinstance(item, Leader):
        how = _LEADER_HOW.get(item.how, item.how)
        return f"leader  {item.stream}  ({how}, line {item.line})"
    a = item.attempt
    state = "pending" if isinstance(item, Pending) else a.outcome.value
    node = a.bound_node or a.selected_node or "-"
    parts = [_time(a), f"{a.pod} #{a.attempt}", state, node, evaluated_feasible(a), _margin(a)]
    flags = Counter(("!" if not d.explained else "") + d.kind for d in a.discrepancies
                    if not (isinstance(item, Pending) and d.kind == "incomplete"))  # pending: incomplete, of course
    if flags:  # one flag per kind of discrepancy, with its count; "!" marks the unexplained
        parts.append("[" + ", ".join(f"{n} {kind}" if n > 1 else kind for kind, n in flags.items()) + "]")
    note = failure_note(a) or (a.incomplete_reason if isinstance(item, Final) else None)
    if note:
        parts.append(note.splitlines()[0])
    if show_stream:
        parts.append(f"({a.stream})")
    return "  ".join(parts)


def json_line(item: Item, times: FullTimes) -> str:
    """One JSON object: a final attempt as the schedlog/v1 attempt object; {"pending": attempt}; {"leader": ...}."""
    if isinstance(item, Leader):
        data: dict = {"leader": {"stream": item.stream, "how": item.how, "line": item.line}}
    elif isinstance(item, Pending):
        data = {"pending": attempt_to_dict(item.attempt, times)}
    else:
        data = attempt_to_dict(item.attempt, times)
    return json.dumps(data, ensure_ascii=False)


def summary(outcomes: Counter, by_stream: Counter, leader: Leader | None) -> str:
    """One line: attempts by outcome, and who led."""
    total = sum(outcomes.values())
    text = f"{total} attempt{'s' if total != 1 else ''}"
    if total:
        text += ": " + ", ".join(f"{n} {outcome}" for outcome, n in outcomes.most_common())
    if leader is not None:
        text += f"; leader {leader.stream}" + _SUMMARY_HOW.get(leader.how, "")
    if len(by_stream) > 1:
        text += "; by process: " + ", ".join(f"{s} {n}" for s, n in by_stream.most_common())
    return text


def _time(a: Attempt) -> str:
    return (a.started_at or "-").rsplit("T", 1)[-1]


def _margin(a: Attempt) -> str:
    """The winner's lead over the runner-up, as the log's (or the recomputed) totals give it."""
    if not a.winner:
        return "-"
    exp = explain_attempt(a)
    if exp.margin is None:
        return "margin -"
    if exp.margin == 0:
        return f"tied with {', '.join(exp.tied_with)}"
    return f"margin {exp.margin} over {exp.runner_up}"


__all__ = ["Final", "json_line", "summary", "text_line"]
