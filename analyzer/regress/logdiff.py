"""Diff two logs of the same workload: changes, plugins appearing or disappearing, weights, winners."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .compare import Change, compare
from .weights import WeightChange, implied_weight_changes


@dataclass(frozen=True)
class Winner:
    """Where one attempt's pod landed in each log (None: not bound / not selected, or attempt absent)."""

    pod: str
    attempt: int
    before: str | None
    after: str | None

    @property
    def moved(self) -> bool:
        return self.before != self.after

    @property
    def text(self) -> str:
        state = f"moved {self.before} -> {self.after}" if self.moved else f"unchanged ({self.before})"
        return f"{self.pod} #{self.attempt}: winner {state}"


@dataclass(frozen=True)
class LogDiff:
    """Everything `schedlog diff` reports, as data."""

    changes: tuple[Change, ...]
    plugins_gone: tuple[str, ...]  # scored somewhere in A, nowhere in B
    plugins_new: tuple[str, ...]
    weights: tuple[WeightChange, ...]
    winners: tuple[Winner, ...]  # every attempt present in both logs

    @property
    def same(self) -> bool:
        return not self.changes

    def to_dict(self) -> dict[str, Any]:
        return {
            "same": self.same,
            "plugins_gone": list(self.plugins_gone),
            "plugins_new": list(self.plugins_new),
            "weights": [w.to_dict() for w in self.weights],
            "winners": [{"pod": w.pod, "attempt": w.attempt, "before": w.before, "after": w.after,
                         "moved": w.moved} for w in self.winners],
            "changes": [c.to_dict() for c in self.changes],
        }


def scored_plugins(snapshot: Mapping[str, Any]) -> set[str]:
    return {plugin for attempt in snapshot["attempts"] for node in attempt["nodes"]
            for values in node["scores"].values() for plugin in values}


def diff_snapshots(a: Mapping[str, Any], b: Mapping[str, Any], tolerances: Mapping[str, float] | None = None,
                   ignore: tuple[str, ...] = ()) -> LogDiff:
    """Compare snapshot A with snapshot B, matching attempts by pod and attempt number."""
    first, second = scored_plugins(a), scored_plugins(b)
    theirs = {(x["pod"], x["attempt"]): x for x in b["attempts"]}
    winners = tuple(Winner(x["pod"], x["attempt"], x["winner"], theirs[(x["pod"], x["attempt"])]["winner"])
                    for x in a["attempts"] if (x["pod"], x["attempt"]) in theirs)
    return LogDiff(tuple(compare(a, b, tolerances, ignore)), tuple(sorted(first - second)),
                   tuple(sorted(second - first)), tuple(implied_weight_changes(a, b)), winners)


def render_diff(diff: LogDiff, name_a: str = "A", name_b: str = "B") -> str:
    """The diff as plain text: summary first (plugins, weights, winners), then every change."""
    lines = [f"--- {name_a}", f"+++ {name_b}"]
    if diff.same:
        return "\n".join([*lines, "no differences"]) + "\n"
    lines.append(f"plugins gone: {', '.join(diff.plugins_gone) or 'none'}")
    lines.append(f"plugins new: {', '.join(diff.plugins_new) or 'none'}")
    lines += ["weight changes:"] + [f"  {w.text}" for w in diff.weights] if diff.weights \
        else ["weight changes: none inferable"]
    moved = sum(w.moved for w in diff.winners)
    lines.append(f"winners: {moved} of {len(diff.winners)} matched attempts moved" if diff.winners
                 else "winners: no attempt is in both logs (not the same workload?)")
    lines += [f"  {w.text}" for w in diff.winners]
    lines.append(f"changes ({len(diff.changes)}):")
    lines += [f"  {c.text}" for c in diff.changes]
    return "\n".join(lines) + "\n"


def render_changes(changes: list[Change] | tuple[Change, ...], expected: str, actual: str) -> str:
    """A verify failure as plain text: one line per change."""
    head = [f"--- expected {expected}", f"+++ actual {actual}", f"{len(changes)} differences:"]
    return "\n".join(head + [f"  {c.text}" for c in changes]) + "\n"
