"""The live terminal view of ``schedlog follow --watch``: what the follower has seen so far, redrawn as it comes.

``WatchState`` keeps bounded counters and short lists (flat memory over a long run); ``watch_view`` builds
the rich renderable from it, so the view is testable without a terminal.
"""

from __future__ import annotations

import threading
from collections import Counter, OrderedDict, deque

from rich.console import Group
from rich.table import Table
from rich.text import Text

from ..model import Attempt, Outcome
from ..report.text import evaluated_feasible, failure_note
from .follower import Final, Item, Leader, Pending
from .render import _margin, _time, summary

RECENT = 12  # decisions shown
WAITING_SHOWN = 12  # pods still waiting, shown (the most recent)
WAITING_KEPT = 5000  # pods still waiting, remembered (oldest forgotten first: memory stays flat)
TOP_REASONS = 10


class WatchState:
    """What the view shows, updated with each item; a lock keeps the redraw thread and the follower apart."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.recent: deque[Attempt] = deque(maxlen=RECENT)
        self.waiting: OrderedDict[str, tuple[Attempt, str]] = OrderedDict()  # pod -> (latest attempt, its state)
        self.outcomes: Counter = Counter()
        self.reasons: Counter = Counter()  # unschedulable attempts naming each reason
        self.discrepancies: Counter = Counter()  # (kind, explained) -> count
        self.leader: Leader | None = None

    def observe(self, item: Item) -> None:
        with self.lock:
            if isinstance(item, Leader):
                self.leader = item
            elif isinstance(item, Pending):
                self._wait(item.attempt, "pending")
            elif isinstance(item, Final):
                self._final(item.attempt)

    def _final(self, a: Attempt) -> None:
        self.recent.append(a)
        self.outcomes[a.outcome.value] += 1
        if a.failure is not None:
            self.reasons.update(a.failure.reasons.keys())
        self.discrepancies.update((d.kind, d.explained) for d in a.discrepancies)
        if a.outcome is Outcome.BOUND:
            self.waiting.pop(a.pod, None)
        else:
            self._wait(a, a.outcome.value)

    def _wait(self, a: Attempt, state: str) -> None:
        self.waiting.pop(a.pod, None)
        self.waiting[a.pod] = (a, state)
        while len(self.waiting) > WAITING_KEPT:
            self.waiting.popitem(last=False)


def watch_view(state: WatchState, lines: Counter | None = None) -> Group:
    """The view: a summary line, the latest decisions, pods still waiting with their last reason, the
    unschedulable reasons and the discrepancies counted so far. ``lines``: lines read, by bucket."""
    with state.lock:
        head = Text(summary(state.outcomes, Counter(), state.leader), style="bold")
        if lines is not None:
            head.append("  |  lines: " + ", ".join(f"{lines.get(b, 0)} {b}" for b in ("parsed", "ignored",
                                                                                       "unrecognized")))
        parts = [head, _recent(state), _waiting(state), _counts("Unschedulable reasons (attempts)", "reason",
                                                                  state.reasons.most_common(TOP_REASONS))]
        kinds = [(("" if explained else "! ") + kind, n) for (kind, explained), n in state.discrepancies.most_common()]
        parts.append(_counts("Discrepancies (!: unexplained)", "kind", kinds))
    return Group(*parts)


def _recent(state: WatchState) -> Table:
    table = Table(title="Latest decisions", title_justify="left", expand=False)
    for column in ("time", "pod", "outcome", "node", "eval/feas"):
        table.add_column(column, no_wrap=True)
    table.add_column("margin")
    for a in reversed(state.recent):
        table.add_row(_time(a), f"{a.pod} #{a.attempt}", a.outcome.value, a.winner or "-", evaluated_feasible(a),
                      _margin(a))
    return table


def _waiting(state: WatchState) -> Table:
    table = Table(title=f"Pods waiting ({len(state.waiting)})", title_justify="left")
    table.add_column("pod", no_wrap=True)
    table.add_column("state", no_wrap=True)
    table.add_column("last reason")
    for a, how in list(reversed(state.waiting.values()))[:WAITING_SHOWN]:
        note = failure_note(a) or a.incomplete_reason or ""
        table.add_row(f"{a.pod} #{a.attempt}", how, note.splitlines()[0] if note else "-")
    return table


def _counts(title: str, what: str, rows: list[tuple[str, int]]) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column(what)
    table.add_column("count", justify="right")
    for name, n in rows:
        table.add_row(name, str(n))
    if not rows:
        table.add_row("none so far", "0")
    return table
