"""Read a diff at cluster size: the changes folded into patterns (a uniform shift is one line), winner moves
split into real moves and tie-breaks, and only the residue (what fits no pattern) listed per node, capped.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ..report.brief import SAMPLES, count, sample, span
from .compare import Change
from .weights import WeightChange

LIST_AT_MOST = 5  # a kind of change with this many instances or fewer is listed as is, not summarized
RESIDUE_LINES = 10  # residue lines shown; the heading says how many there are in all
GLOBAL = ("log", "weight")  # changes about the whole log, always listed
ATTEMPT_LEVEL = ("plugin-gone", "plugin-new")  # with no node: a plugin scored in one run's attempt only
TIE_BREAK = " (tie-break: they tied, the scheduler picked at random)"


# -- winners ----------------------------------------------------------------------------------------
def _tied(attempt: Mapping[str, Any] | None, first: str | None, second: str | None) -> bool:
    """True when both nodes share the top total of this run's attempt (logged totals, else its tie record)."""
    if attempt is None or first is None or second is None:
        return False
    totals = {n["node"]: n["total"] for n in attempt.get("nodes", ())}
    if totals.get(first) is not None and totals.get(first) == totals.get(second):
        return True
    return any(d.get("kind") == "tie" and {first, second} <= set(d.get("nodes") or ())
               for d in attempt.get("discrepancies", ()))


def winner_state(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> str:
    """moved | tie-break (the old and new winners tied in either run) | same | the outcome when neither run
    placed the pod (e.g. 'unschedulable'), or 'unplaced' when the outcomes differ."""
    old = before.get("winner") if before else None
    new = after.get("winner") if after else None
    if old != new:
        return "tie-break" if _tied(before, old, new) or _tied(after, old, new) else "moved"
    if old is not None:
        return "same"
    outcomes = {(x or {}).get("outcome") for x in (before, after)}
    return outcomes.pop() if len(outcomes) == 1 and None not in outcomes else "unplaced"


def winner_counts(states: Iterable[str]) -> str:
    """'0 of 21 matched attempts moved; 13 tie-breaks (...); 8 on the same node; 2 unschedulable in both'."""
    tally = Counter(states)
    total = sum(tally.values())
    parts = [f"{tally.pop('moved', 0)} of {total} matched attempts moved"]
    breaks = tally.pop("tie-break", 0)
    if breaks:
        parts.append(f"{count(breaks, 'tie-break')} (the old and new winners tied: a random pick, not a move)")
    same = tally.pop("same", 0)
    if same:
        parts.append(f"{same} on the same node")
    parts += [f"{n} {state} in both" if state != "unplaced" else f"{n} placed in neither"
              for state, n in sorted(tally.items())]
    return "; ".join(parts)


# -- what the two snapshots hold (the denominators of "on all N nodes") -----------------------------
def _scores(node: Mapping[str, Any]) -> dict[str, tuple[str, int]]:
    return {plugin: (fld, value) for fld, values in node.get("scores", {}).items() for plugin, value in values.items()}


@dataclass
class Pairs:
    """(attempt, node) pairs both runs scored: per plugin, and with a logged total on both sides."""

    plugin: dict[str, int] = field(default_factory=Counter)
    totals: int = 0
    scoring: tuple[Counter, Counter] = field(default_factory=lambda: (Counter(), Counter()))  # attempts per plugin
    # (pod, attempt, node) -> sum of weighted scores in A and B (None when a side has a non-weighted score),
    # for the nodes asked about only (those whose total changed)
    sums: dict[tuple, tuple[int | None, int | None]] = field(default_factory=dict)


def pairs(a: Mapping[str, Any], b: Mapping[str, Any], summed: set[tuple] | frozenset = frozenset()) -> Pairs:
    """Count what both snapshots scored; the weighted sums of the (pod, attempt, node) keys in ``summed``."""
    out = Pairs()
    theirs = _by_key(b)
    for attempt in a.get("attempts", ()):
        other = theirs.get((attempt["pod"], attempt["attempt"]))
        if other is None:
            continue
        nodes = {n["node"]: n for n in other["nodes"]}
        for side, run in zip(out.scoring, (attempt, other), strict=True):
            side.update({p for n in run["nodes"] for p in _scores(n)})
        for node in attempt["nodes"]:
            twin = nodes.get(node["node"])
            if twin is None:
                continue
            mine, yours = _scores(node), _scores(twin)
            for plugin in mine.keys() & yours.keys():
                out.plugin[plugin] += 1
            if node["total"] is not None and twin["total"] is not None:
                out.totals += 1
            key = (attempt["pod"], attempt["attempt"], node["node"])
            if key in summed:
                out.sums[key] = (_weighted_sum(mine), _weighted_sum(yours))
    return out


def _weighted_sum(scores: Mapping[str, tuple[str, int]]) -> int | None:
    if not scores or any(fld != "weighted" for fld, _ in scores.values()):
        return None
    return sum(value for _, value in scores.values())


# -- patterns ---------------------------------------------------------------------------------------
def _attempts(changes: Sequence[Change]) -> int:
    return len({(c.pod, c.attempt) for c in changes})


def _nodes(changes: Sequence[Change]) -> int:
    return len({c.node for c in changes})


def _delta(c: Change) -> int | float | None:
    if isinstance(c.before, int | float) and isinstance(c.after, int | float):
        return c.after - c.before
    return None


def _signed(value: float) -> str:
    return f"{int(value):+d}" if value == int(value) else f"{value:+.6g}"


@dataclass
class Summary:
    """The diff's changes as pattern lines plus the residue (per-node lines that fit no pattern)."""

    lines: list[str] = field(default_factory=list)
    residue: list[Change] = field(default_factory=list)
    patterns: list[dict[str, Any]] = field(default_factory=list)  # the JSON form of the pattern lines

    def add(self, text: str, **data: Any) -> None:
        self.lines.append(text)
        self.patterns.append({"text": text, **data})


def _score_patterns(out: Summary, changes: list[Change], held: Pairs, weights: Mapping[str, WeightChange]) -> None:
    """Per plugin (and printed field): one line when every node both runs scored changed by the same amount,
    else a line with the range when there are many; the changes off the uniform amount go to the residue."""
    by_plugin: dict[tuple, list[Change]] = {}
    for c in changes:
        printed = c.text.split(f": {c.plugin} ", 1)[-1].split(" ", 1)[0]  # 'weighted', 'raw', ...
        by_plugin.setdefault((c.plugin, printed), []).append(c)
    for (plugin, fld), group in sorted(by_plugin.items()):
        deltas = Counter(_delta(c) for c in group)
        (common, n), = deltas.most_common(1)
        scored = held.plugin.get(plugin, 0)
        w = weights.get(plugin)
        label = f"{plugin} weight {w.before} -> {w.after}" if w else plugin
        values = {(c.before, c.after) for c in group}
        before, after = next(iter(values))
        how = f"{fld} {before} -> {after} ({_signed(common)})" if len(values) == 1 and common is not None \
            else f"{fld} {_signed(common)}" if common is not None else fld
        if common is not None and n == len(group) == scored and n > 1:
            out.add(f"{label}: {how} on all {count(_nodes(group), 'node')} in {count(_attempts(group), 'attempt')}",
                    kind="score", plugin=plugin, delta=common, changed=n, scored=scored, uniform=True)
            continue
        if len(group) <= LIST_AT_MOST:
            out.residue += group
            continue
        if len(deltas) == 1 and common is not None:  # one amount, but not on every node: count the others
            out.add(f"{label}: {how} on {n:,} of {scored:,} node scores in {count(_attempts(group), 'attempt')}; "
                    f"the other {scored - n:,} unchanged", kind="score", plugin=plugin, delta=common, changed=n,
                    scored=scored, uniform=False)
            continue
        shown = [d for d in deltas if d is not None]
        often = f", most often {_signed(common)} ({n:,})" if len(deltas) > 1 and common is not None else ""
        out.add(f"{label} {fld}: changed on {len(group):,} of {scored:,} node scores in "
                f"{count(_attempts(group), 'attempt')}, by {span(shown, signed=True)}{often}",
                kind="score", plugin=plugin, delta=None, changed=len(group), scored=scored, uniform=False)
        out.residue += [c for c in group if _delta(c) != common or n * 2 <= len(group)]


def _total_patterns(out: Summary, changes: list[Change], held: Pairs) -> None:
    """Totals: one line with the range, and whether each is exactly the sum of that node's score changes."""
    if not changes:
        return
    adds_up, off = [], []
    for c in changes:
        a, b = held.sums.get((c.pod, c.attempt, c.node), (None, None))
        fits = None not in (a, b, c.before, c.after) and c.after - c.before == b - a
        (adds_up if fits else off).append(c)
    if len(changes) <= LIST_AT_MOST and off:
        out.residue += changes
        return
    why = "on every one the sum of the score changes (plugins gone and new included)" if not off else \
        f"the sum of the score changes on {len(adds_up):,}; not on {len(off):,} (listed below)" if adds_up else \
        "not the sum of the logged score changes (a hidden or unlogged part changed; listed below)"
    deltas = [d for d in map(_delta, changes) if d is not None]
    out.add(f"totals: changed on {len(changes):,} of {held.totals:,} node totals in "
            f"{count(_attempts(changes), 'attempt')}, by {span(deltas, signed=True)}: {why}",
            kind="total", changed=len(changes), scored=held.totals, adding_up=len(adds_up))
    out.residue += off


def _plugin_patterns(out: Summary, changes: list[Change], held: Pairs) -> None:
    """Attempt-level 'no longer scored' / 'newly scored': one line per state and share of the attempts that
    scored the plugin (in A for gone, in B for new), naming the plugins."""
    for kind, state, scoring in (("plugin-gone", "no longer scored", held.scoring[0]),
                                 ("plugin-new", "newly scored", held.scoring[1])):
        per_plugin = Counter(c.plugin for c in changes if c.kind == kind)
        by_share: dict[tuple[int, int], list[str]] = {}
        for plugin, n in sorted(per_plugin.items()):
            by_share.setdefault((n, scoring[plugin]), []).append(plugin)
        for (n, of), plugins in sorted(by_share.items(), reverse=True):
            where = f"in all {n} attempts that scored them" if n == of > 1 else \
                "in the one attempt that scored them" if n == of else \
                f"in {n} of the {of} attempts that scored them"
            out.add(f"{state} {where}: {sample(plugins, 6)}", kind=kind, plugins=plugins, attempts=n, of=of)


def shortened(change: Change) -> Change:
    """The change with a line that names at most a few nodes (a tie record may hold thousands)."""
    record = change.before or change.after
    if not change.kind.startswith("discrepancy-") or not isinstance(record, Mapping) \
            or len(record.get("nodes") or ()) <= SAMPLES:
        return change
    head, nodes = change.text.split(" nodes=", 1)[0], list(record["nodes"])
    return replace(change, text=f"{head} nodes={','.join(nodes[:SAMPLES])} and {len(nodes) - SAMPLES:,} more")


def _other_patterns(out: Summary, changes: list[Change]) -> None:
    """Any other kind (filter, node-missing, failure, discrepancy-new, ...): listed when few, else counted."""
    by_kind: dict[str, list[Change]] = {}
    for c in map(shortened, changes):
        key = c.kind
        if c.kind.startswith("discrepancy-"):
            key = f"{(c.before or c.after or {}).get('kind')} findings {c.kind.split('-')[1]}"
        by_kind.setdefault(key, []).append(c)
    for key, group in sorted(by_kind.items()):
        if len(group) <= LIST_AT_MOST:
            out.residue += group
            continue
        where = f" on {count(_nodes(group), 'node')}" if group[0].node else ""
        out.add(f"{key}: {len(group):,} in {count(_attempts(group), 'attempt')}{where}, e.g. {group[0].text}",
                kind=key, changed=len(group))
        out.residue += group


def summarize(changes: Sequence[Change], a: Mapping[str, Any], b: Mapping[str, Any],
              weights: Iterable[WeightChange] = (), skip: Iterable[str] = ()) -> Summary:
    """The changes from snapshot A to B as patterns and residue; kinds in ``skip`` are left out (diff shows
    winners in a section of their own)."""
    out = Summary()
    skip = set(skip)
    kept = [c for c in changes if c.kind not in skip]
    held = pairs(a, b, {(c.pod, c.attempt, c.node) for c in kept if c.kind == "total"})
    out.lines += [c.text for c in kept if c.kind in GLOBAL]
    attempt_level = [c for c in kept if c.kind in ATTEMPT_LEVEL and c.node is None]
    _plugin_patterns(out, attempt_level, held)
    _score_patterns(out, [c for c in kept if c.kind == "score"], held, {w.plugin: w for w in weights})
    _total_patterns(out, [c for c in kept if c.kind == "total"], held)
    rest = [c for c in kept if c.kind not in GLOBAL and c.kind not in ("score", "total")
            and not (c.kind in ATTEMPT_LEVEL and c.node is None)]
    winners = [c for c in rest if c.kind == "winner"]
    if winners:
        first, second = _by_key(a), _by_key(b)
        rest = [c for c in rest if c.kind != "winner"]
        _winner_patterns(out, [_with_tie_break(c, first, second) for c in winners])
    _other_patterns(out, rest)
    return out


def _winner_patterns(out: Summary, changes: list[Change]) -> None:
    """Winner changes: listed when few; else one line counting real moves apart from tie-breaks, and the
    real moves in the residue."""
    breaks = [c for c in changes if c.text.endswith(TIE_BREAK)]
    if len(changes) <= LIST_AT_MOST:
        out.residue += changes
        return
    moved = [c for c in changes if c not in breaks]
    example = f", e.g. {breaks[0].text.removesuffix(TIE_BREAK)}" if breaks else ""
    out.add(f"winners: {len(moved):,} moved, {count(len(breaks), 'tie-break')} (the old and new winners tied: "
            f"a random pick){example}", kind="winner", moved=len(moved), tie_breaks=len(breaks))
    out.residue += moved


def _by_key(snapshot: Mapping[str, Any]) -> dict[tuple, Mapping[str, Any]]:
    return {(x["pod"], x["attempt"]): x for x in snapshot.get("attempts", ())}


def _with_tie_break(change: Change, first: Mapping[tuple, Any], second: Mapping[tuple, Any]) -> Change:
    """A winner change whose old and new winners tied in either run, said to be a tie-break."""
    key = (change.pod, change.attempt)
    if winner_state(first.get(key), second.get(key)) != "tie-break":
        return change
    return replace(change, text=change.text + TIE_BREAK)


def residue_lines(residue: Sequence[Change], after_patterns: bool = True, indent: str = "  ") -> list[str]:
    """The residue, attempt-level changes first, capped at RESIDUE_LINES lines with a count of the rest; under
    a heading when it follows pattern lines or is capped, else one line per change as before."""
    if not residue:
        return []
    # attempt-level changes (a moved winner, a new failure) before per-node ones
    ordered = sorted(residue, key=lambda c: (c.node is not None, c.pod or "", c.attempt or 0, c.node or "",
                                             c.plugin or ""))
    capped = len(ordered) > RESIDUE_LINES
    if not after_patterns and not capped:
        return [f"{indent}{c.text}" for c in ordered]
    what = "outside these patterns, " if after_patterns else ""
    cap = f"; the first {RESIDUE_LINES}, -v lists every one" if capped else ""
    return [f"{indent}{what}{count(len(ordered), 'change')}{cap}:",
            *(f"{indent}  {c.text}" for c in ordered[:RESIDUE_LINES])]
