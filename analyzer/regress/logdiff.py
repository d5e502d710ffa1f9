"""Diff two logs of the same workload: changes, plugins appearing or disappearing, weights, winners."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .compare import Change, compare
from .patterns import RESIDUE_LINES, Summary, residue_lines, summarize, winner_counts, winner_state
from .weights import WeightChange, implied_weight_changes


@dataclass(frozen=True)
class Winner:
    """Where one attempt's pod landed in each log (None: not bound / not selected, or attempt absent)."""

    pod: str
    attempt: int
    before: str | None
    after: str | None
    state: str = ""  # moved | tie-break | same | the outcome of both runs when neither placed the pod

    @property
    def moved(self) -> bool:
        return self.before != self.after

    @property
    def tie_break(self) -> bool:
        """The winner changed, but the old and new winners tied in one of the runs: a random pick."""
        return self.state == "tie-break"

    @property
    def text(self) -> str:
        if self.tie_break:
            return f"{self.pod} #{self.attempt}: winner {self.before} -> {self.after} (tie-break: they tied)"
        if self.moved:
            return f"{self.pod} #{self.attempt}: winner moved {self.before} -> {self.after}"
        if self.before is None:
            state = "placed in neither run" if self.state in ("", "unplaced") else f"{self.state} in both runs"
            return f"{self.pod} #{self.attempt}: {state}"
        return f"{self.pod} #{self.attempt}: winner unchanged ({self.before})"


@dataclass(frozen=True)
class LogDiff:
    """Everything `schedlog diff` reports, as data."""

    changes: tuple[Change, ...]
    plugins_gone: tuple[str, ...]  # scored somewhere in A, nowhere in B
    plugins_new: tuple[str, ...]
    weights: tuple[WeightChange, ...]
    winners: tuple[Winner, ...]  # every attempt present in both logs
    summary: Summary | None = None  # the changes as patterns and residue

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
                         "moved": w.moved, "tie_break": w.tie_break, "state": w.state} for w in self.winners],
            "changes": [c.to_dict() for c in self.changes],
            "winner_states": dict(sorted(Counter(w.state for w in self.winners).items())),
            "patterns": self.summary.patterns if self.summary else [],
        }


def scored_plugins(snapshot: Mapping[str, Any]) -> set[str]:
    return {plugin for attempt in snapshot["attempts"] for node in attempt["nodes"]
            for values in node["scores"].values() for plugin in values}


def diff_snapshots(a: Mapping[str, Any], b: Mapping[str, Any], tolerances: Mapping[str, float] | None = None,
                   ignore: tuple[str, ...] = ()) -> LogDiff:
    """Compare snapshot A with snapshot B, matching attempts by pod and attempt number."""
    first, second = scored_plugins(a), scored_plugins(b)
    theirs = {(x["pod"], x["attempt"]): x for x in b["attempts"]}
    winners = tuple(Winner(x["pod"], x["attempt"], x["winner"], theirs[(x["pod"], x["attempt"])]["winner"],
                           winner_state(x, theirs[(x["pod"], x["attempt"])]))
                    for x in a["attempts"] if (x["pod"], x["attempt"]) in theirs)
    changes = tuple(compare(a, b, tolerances, ignore))
    weights = tuple(implied_weight_changes(a, b))
    return LogDiff(changes, tuple(sorted(first - second)), tuple(sorted(second - first)), weights, winners,
                   summarize(changes, a, b, weights, skip=("winner",)))


def render_diff(diff: LogDiff, name_a: str = "A", name_b: str = "B", verbose: bool = False) -> str:
    """The diff as plain text: summary first (plugins, weights, winners), then the changes as patterns and
    the residue that fits none (verbose, or without a summary: every winner and every change)."""
    lines = [f"--- {name_a}", f"+++ {name_b}"]
    if diff.same:
        return "\n".join([*lines, "no differences"]) + "\n"
    lines.append(f"plugins gone: {', '.join(diff.plugins_gone) or 'none'}")
    lines.append(f"plugins new: {', '.join(diff.plugins_new) or 'none'}")
    lines += ["weight changes:"] + [f"  {w.text}" for w in diff.weights] if diff.weights \
        else ["weight changes: none inferable"]
    lines.append(f"winners: {winner_counts(w.state or ('moved' if w.moved else 'same') for w in diff.winners)}"
                 if diff.winners else "winners: no attempt is in both logs (not the same workload?)")
    brief = diff.summary is not None and not verbose
    shown = [w for w in diff.winners if w.state == "moved" or (w.moved and not w.state)] if brief else diff.winners
    lines += [f"  {w.text}" for w in shown[:RESIDUE_LINES if brief else None]]
    if brief and len(shown) > RESIDUE_LINES:
        lines.append(f"  ... and {len(shown) - RESIDUE_LINES:,} more moved winners (-v lists every one)")
    breaks = [w for w in diff.winners if w.tie_break]
    if brief and breaks:
        lines.append(f"  tie-breaks, e.g. {'; '.join(w.text.split(' (')[0] for w in breaks[:2])}")
    lines.append(f"changes ({len(diff.changes)}):")
    if brief:
        lines += [f"  {text}" for text in diff.summary.lines] + residue_lines(diff.summary.residue,
                                                                                bool(diff.summary.lines))
    else:
        lines += [f"  {c.text}" for c in diff.changes]
    return "\n".join(lines) + "\n"


def render_changes(changes: list[Change] | tuple[Change, ...], expected: str, actual: str,
                   summary: Summary | None = None) -> str:
    """A verify failure as plain text: the summary's patterns and residue, or (no summary) one line per change."""
    head = [f"--- expected {expected}", f"+++ actual {actual}", f"{len(changes)} differences:"]
    if summary is None:
        return "\n".join(head + [f"  {c.text}" for c in changes]) + "\n"
    return "\n".join(head + [f"  {text}" for text in summary.lines]
                     + residue_lines(summary.residue, bool(summary.lines))) + "\n"
