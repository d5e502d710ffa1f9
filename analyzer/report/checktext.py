"""check's default text: one line per group of findings (counts, ranges, named exceptions, an example),
so that a 1,000-node log whose findings share one pattern stays a screenful. `check -v` lists every record.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import groupby

from ..reconcile.discrepancy import FORMULA, HIDDEN, INCOMPLETE, TIE, WEIGHT, WINNER
from ..reconcile.grouping import AVOIDED, FindingGroup
from .brief import SAMPLES, count, sample, span

INDENT, MORE = "  ", "      "
WIDTH = 160  # a longer first line moves its [explained, confidence] mark to the next line
MAX_REASONS = 3  # exception reasons shown per group before "and N more"
_PART = re.compile(r" \(weight (\d+) × score (\d+)\)")


def _short_parts(attribution: str | None) -> str:
    """'NodePreferAvoidPods (weight 10000 × score 10)' -> 'NodePreferAvoidPods 10000×10'."""
    return _PART.sub(r" \1×\2", attribution or "?")


def _mark(g: FindingGroup) -> str:
    return f"  [{'explained' if g.explained else 'UNEXPLAINED'}, {'/'.join(g.confidences)} confidence]"


def _head(g: FindingGroup, with_nodes: bool = True) -> str:
    nodes = g.scored_some.values()
    where = f" x {span(nodes)} {'node' if max(nodes) == 1 else 'nodes'}" if with_nodes and nodes else ""
    return count(g.attempts, "attempt") + where


def _nodes_of(g: FindingGroup) -> list[str]:
    """The distinct nodes the group's records name, most frequent first."""
    seen = g.node_counts
    return sorted(seen, key=lambda n: (-seen[n], n))


def _where(g: FindingGroup) -> str:
    """'on every node', 'on every node except 1 node' or 'on 40 of 1,000 node totals, e.g. a, b, c'."""
    hits, total = g.node_hits, g.scored_total
    if hits >= total > 1 or (hits == total == 1 and g.records > 1):
        return "on every node"
    if g.exceptions and hits * 2 > total:
        names = sorted({e.node for e in g.exceptions})
        return f"on every node except {', '.join(names) if len(names) <= SAMPLES else count(len(names), 'node')}"
    named = _nodes_of(g)
    if len(named) <= SAMPLES:
        return f"on {sample(named)}"
    return f"on {hits:,} of {total:,} node totals, e.g. {sample(named)}"


def _exception_lines(g: FindingGroup) -> list[str]:
    """One line per reason the pattern breaks: the nodes (named, or counted with examples) and why."""
    if not g.exceptions or g.node_hits * 2 <= g.scored_total:
        return []
    ordered = sorted(g.exceptions, key=lambda e: e.reason)
    reasons = [(reason, list(outs)) for reason, outs in groupby(ordered, key=lambda e: e.reason)]
    reasons.sort(key=lambda r: -sum(e.attempts for e in r[1]))
    lines = []
    for reason, outs in reasons[:MAX_REASONS]:
        names = [e.node for e in sorted(outs, key=lambda e: (-e.attempts, e.node))]
        if len({e.attempts for e in outs}) == 1 and len(names) <= SAMPLES:
            each = " each" if len(names) > 1 else ""
            lines.append(f"{MORE}{', '.join(names)} in {count(outs[0].attempts, 'attempt')}{each}: {reason}")
        else:
            lines.append(f"{MORE}{count(len(names), 'node')} in {span(e.attempts for e in outs)} attempts each, "
                         f"e.g. {sample(names)}: {reason}")
    if len(reasons) > MAX_REASONS:
        rest = sum(len(outs) for _, outs in reasons[MAX_REASONS:])
        lines.append(f"{MORE}... and {count(rest, 'node')} with other reasons (-v lists every record)")
    return lines


def _hidden(g: FindingGroup) -> list[str]:
    amounts = g.amounts.values()
    if g.explained and g.pattern == AVOIDED:
        _, d = g.first
        full = re.search(r"no \+(\d+)", d.explanation)
        lost = f" +{full.group(1)}" if full else ""
        plugin = (g.attribution or "?").split(" ")[0]
        return [f"{_head(g, False)}: no {plugin}{lost} on {sample(_nodes_of(g))}: {g.short_label}{_mark(g)}"]
    if g.explained:
        return [f"{_head(g)}: +{g.pattern} = {_short_parts(g.attribution)} (unlogged) {_where(g)}{_mark(g)}",
                *_exception_lines(g)]
    if g.pattern == -1:
        return [f"{_head(g)}: the visible scores exceed the logged total by {span(-a for a in amounts)} "
                f"{_where(g)}: no hidden component can subtract{_mark(g)}"]
    could = ""
    if g.attribution and ":" in g.attribution:
        names = [n.strip() for n in g.attribution.split(":", 1)[1].split(",")]
        could = f"; {count(len(names), 'plugin')} with no score line could hold it, e.g. {names[0]}"
    where = _where(g)
    said = f"{where} is not explained by a known hidden component" if where == "on every node" else \
        f"is not explained by a known hidden component {where}"
    return [f"{_head(g)}: {span(amounts)} {said}{could}{_mark(g)}"]


def _formula(g: FindingGroup) -> list[str]:
    attempt, d = g.first
    deltas = g.amounts.values()
    formula = (g.attribution or "reference formula").removeprefix(f"{g.plugin} ")
    return [f"{_head(g, False)}: {g.plugin} on {count(g.records, 'node score')} differs from the {formula} by "
            f"{span(deltas, signed=True)} (e.g. {attempt.pod} #{attempt.attempt} on {d.node}: log {d.logged}, "
            f"formula {d.recomputed}){_mark(g)}"]


def _weight(g: FindingGroup) -> list[str]:
    attempt, d = g.first
    return [f"{_head(g, False)}: {g.plugin}: {count(g.records, 'logged weighted score')} do not fit the "
            f"{g.attribution} (e.g. {attempt.pod} #{attempt.attempt} on {d.node}: logged {d.logged}){_mark(g)}"]


def _winner(g: FindingGroup) -> list[str]:
    attempt, d = g.first
    gaps = g.amounts.values()
    return [f"{_head(g, False)}: the chosen node scored {span(gaps)} below the top total (e.g. {attempt.pod} "
            f"#{attempt.attempt}: {d.node} with {d.logged}, top {d.recomputed}){_mark(g)}"]


def _incomplete(g: FindingGroup) -> list[str]:
    attempt, _ = g.first
    example = f"{'e.g. ' if g.records > 1 else ''}{attempt.pod} #{attempt.attempt}"
    return [f"{_head(g, False)}: {g.pattern}: only what the log shows is checked ({example}){_mark(g)}"]


def _other(g: FindingGroup) -> list[str]:
    _, d = g.first
    return [f"{_head(g, False)}: {g.records} records like: {d.explanation}{_mark(g)}"]


DESCRIBE: dict[str, Callable[[FindingGroup], list[str]]] = {
    HIDDEN: _hidden, FORMULA: _formula, WEIGHT: _weight, WINNER: _winner, INCOMPLETE: _incomplete}


def tie_line(groups: list[FindingGroup]) -> str:
    """Every tie in one neutral line: several nodes at the top total is normal, the scheduler picks at random."""
    attempt, d = max((g.widest for g in groups), key=lambda item: len(item[1].nodes))  # the first widest
    sizes = [size for g in groups for size in g.sizes.values()]
    records = sum(g.records for g in groups)

    def line(tied: str) -> str:
        example = f"{'e.g. ' if records > 1 else ''}{attempt.pod} #{attempt.attempt}: {tied} at {d.logged}"
        return (f"{TIE}: {count(records, 'attempt')} had {span(sizes)} nodes sharing the top total ({example}); "
                "the scheduler picks one at random, not an error")

    named = line(", ".join(d.nodes)) if len(d.nodes) <= SAMPLES else ""
    return named if named and len(named) <= WIDTH else line(f"{len(d.nodes):,}")


def finding_lines(groups: list[FindingGroup]) -> list[str]:
    """The grouped findings, kind by kind: a header with the record counts, then one entry per group."""
    lines: list[str] = []
    for kind, same_kind in groupby(groups, key=lambda g: g.kind):
        same_kind = list(same_kind)
        lines.append("")
        if kind == TIE:
            lines.append(tie_line(same_kind))
            continue
        records = sum(g.records for g in same_kind)
        n_open = sum(g.records for g in same_kind if not g.explained)
        lines.append(f"{kind}: {records} ({records - n_open} explained, {n_open} unexplained)"
                     f"{'' if len(same_kind) == 1 else ', ' + count(len(same_kind), 'pattern')}")
        for g in same_kind:
            first, *rest = DESCRIBE.get(kind, _other)(g)
            lines += [*_fit(INDENT + first), *rest]
    return lines


def _fit(line: str) -> list[str]:
    """The line, or, when it is longer than WIDTH, the line with its example '(e.g. ...)' and its closing
    [mark] moved to continuation lines (the mark joins the example when both fit)."""
    if len(line) <= WIDTH:
        return [line]
    text, sep, mark = line.rpartition("  [")
    text, mark = (text, f"[{mark}") if sep else (line, "")
    head, eg, example = text.partition(" (e.g. ")
    if eg:
        example = example.removesuffix(")")
    else:
        head, eg, example = text.partition(", e.g. ")
    rest = [f"{MORE}e.g. {example}"] if eg else []
    if not eg:
        head = text
    if mark and rest and len(rest[-1]) + 2 + len(mark) <= WIDTH:
        rest[-1] += f"  {mark}"
    elif mark:
        rest.append(MORE + mark)
    return [head, *rest]
