"""explain for people: nodes as rows ranked by total (winner first), plugins as columns, fitted to the width.

By default the winner and the top nodes are shown, the rest as counts and ranges; ``--node X`` adds X
and a "why not X" breakdown (X beside the winner, plugin by plugin, ordered by what each cost X);
``--all`` shows every node; ``-o wide`` shows every plugin under its full name.
"""

from __future__ import annotations

import textwrap
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from rich.console import Console

from ..model import Attempt, FilterVerdict, NodeResult
from ..reconcile.discrepancy import TIE
from .brief import count
from .explain import contribution, explain_attempt, node_counts, node_total
from .ranking import TOP_NODES, ranks
from .tables import Column, cell, plain_lines

TOP = TOP_NODES  # nodes shown by default, the winner first (the report shows as many)
WINNER_MARK, TIE_MARK = "*", "="
UNWEIGHTED_MARK, RECOMPUTED_MARK = "°", "r"
MAX_REASONS, MAX_NOTES = 8, 3


@dataclass(frozen=True)
class ExplainView:
    """What to show: the nodes named with --node, every node (--all), full plugin names (-o wide)."""

    nodes: tuple[str, ...] = ()
    all_nodes: bool = False
    wide: bool = False
    width: int = 80


@dataclass(frozen=True)
class Ranked:
    """A scored node in ranking order; rank is 1 + the number of nodes with a higher total (ties share it)."""

    node: NodeResult
    total: int | None
    rank: int | None


def is_scored(node: NodeResult) -> bool:
    """A node that reached scoring: it has plugin scores or a total."""
    return bool(node.scores) or node_total(node) is not None


def rank_nodes(attempt: Attempt) -> list[Ranked]:
    """The scored nodes, the winner first, then by total (highest first) and name; no total comes last.
    Ranks are the report's (``ranking.ranks``), so both views number the nodes alike."""
    rank_of = ranks(attempt)
    ranked = [Ranked(n, node_total(n), rank_of.get(n.node)) for n in attempt.nodes if is_scored(n)]
    return sorted(ranked, key=lambda r: (r.node.node != attempt.winner, r.total is None, -(r.total or 0), r.node.node))


def plugin_order(attempt: Attempt) -> list[str]:
    """Plugins in the order the log first shows them."""
    return list(dict.fromkeys(s.plugin for n in attempt.nodes for s in n.scores))


def abbreviations(plugins: Iterable[str]) -> dict[str, str]:
    """Short column headers: the capitals of the name without a legacy 'Priority' suffix (NodeResourcesFit ->
    NRF), else its first three letters; a number is added when two would be the same."""
    short: dict[str, str] = {}
    for plugin in plugins:
        base = plugin.removesuffix("Priority") or plugin
        caps = "".join(ch for ch in base if ch.isupper() or ch.isdigit())
        candidate = caps if len(caps) >= 2 else base[:3]
        name, n = candidate, 2
        while name in short.values():
            name, n = f"{candidate}{n}", n + 1
        short[plugin] = name
    return short


def plugin_value(node: NodeResult, plugin: str, hidden: set[str]) -> int | None:
    """What the plugin added to the node's total; a hidden component missing on a node with a total is 0
    there (reconcile attributes each node's whole hidden remainder, as explain_attempt does)."""
    score = node.score(plugin)
    if score is None:
        return 0 if plugin in hidden and node_total(node) is not None else None
    return contribution(score)


def _cell(node: NodeResult, plugin: str, hidden: set[str]) -> str:
    score = node.score(plugin)
    unweighted = score is not None and score.weighted is None
    return cell(plugin_value(node, plugin, hidden)) + (UNWEIGHTED_MARK if unweighted else "")


def _total_cell(node: NodeResult) -> str:
    if node.total_logged is not None:
        return str(node.total_logged)
    return cell(node.total_recomputed) + (RECOMPUTED_MARK if node.total_recomputed is not None else "")


def _spread(nodes: list[NodeResult], plugin: str, hidden: set[str]) -> int | None:
    """max - min of a plugin's contribution over the nodes (None: the plugin is the same on all of them)."""
    values = [plugin_value(n, plugin, hidden) for n in nodes]
    if len(set(values)) <= 1:
        return None
    known = [v for v in values if v is not None]
    return max(known) - min(known) if known else 0


def _wrap(text: str, width: int, indent: str = "  ") -> list[str]:
    return textwrap.wrap(text, width=width, subsequent_indent=indent, break_on_hyphens=False,
                         break_long_words=False) or [""]


class _Page:
    """The lines of one attempt's explanation."""

    def __init__(self, attempt: Attempt, view: ExplainView) -> None:
        self.attempt, self.view, self.lines = attempt, view, []
        self.ranked = rank_nodes(attempt)
        self.by_name = {r.node.node: r for r in self.ranked}
        self.hidden = {s.plugin for n in attempt.nodes for s in n.scores if s.hidden}
        # the gap column counts from the winner's total; from the top total when the log names no winner
        self.has_winner = attempt.winner in self.by_name
        self.reference = self.by_name[attempt.winner].total if self.has_winner else \
            self.ranked[0].total if self.ranked else None

    def say(self, text: str, indent: str = "  ") -> None:
        self.lines += _wrap(text, self.view.width, indent)

    # -- the parts, top to bottom ------------------------------------------------------------------
    def header(self) -> None:
        a = self.attempt
        self.lines.append(f"{a.pod} attempt {a.attempt}: {a.outcome.value}" + (f" -> {a.winner}" if a.winner else ""))
        evaluated, feasible = node_counts(a)
        counts = []
        if evaluated is not None:
            counts.append(f"{evaluated:,} evaluated")
        if feasible is not None:
            counts.append(f"{feasible:,} feasible")
        if a.evaluated_nodes is None and a.feasible_nodes is None and counts:
            counts[-1] += " (from the failure message)"
        counts.append(f"{len(self.ranked):,} scored in the log")
        self.say("nodes: " + ", ".join(counts))
        exp = explain_attempt(a)
        if exp.winner and exp.winner_total is not None:
            ahead = f"winner {exp.winner} with {exp.winner_total}"
            tied = [r.node.node for r in self.ranked if r.total == exp.winner_total and r.node.node != exp.winner]
            if tied:
                ahead += (f"; {count(len(tied), 'other node')} tie at {exp.winner_total} "
                          "(the scheduler picks one of the top nodes at random)")
            elif exp.runner_up is not None:
                ahead += f"; runner-up {exp.runner_up} by {exp.margin}"
            self.say(ahead)

    def ranking(self) -> None:
        if not self.ranked:
            return
        shown = self._shown_rows()
        plugins = plugin_order(self.attempt)
        scored_nodes = [r.node for r in self.ranked]
        varying = [p for p in plugins if _spread(scored_nodes, p, self.hidden) is not None]
        same = [p for p in plugins if p not in varying]
        if self.view.wide:
            columns_for, heads = plugins, {p: p for p in plugins}
        else:
            varying.sort(key=lambda p: -(_spread(scored_nodes, p, self.hidden) or 0))  # the most decisive first
            columns_for, heads = varying, abbreviations(varying)
        reference = self.reference
        rows = []
        for r in shown:
            if r is None:
                rows.append(["...", " ", " ", " "] + [" "] * len(columns_for))  # a gap in the ranking
                continue
            mark = WINNER_MARK if r.node.node == self.attempt.winner else \
                TIE_MARK if self.has_winner and r.total is not None and r.total == reference else ""
            gap = reference - r.total if reference is not None and r.total is not None else None
            rows.append([cell(r.rank), f"{r.node.node} {mark}".rstrip(), _total_cell(r.node), cell(gap)]
                        + [_cell(r.node, p, self.hidden) for p in columns_for])
        fixed = [Column("rank", right=True), Column("node"), Column("total", right=True), Column("gap", right=True)]
        dropped: list[str] = []
        while True:
            columns = fixed + [Column(heads[p], right=True) for p in columns_for]
            table = plain_lines(columns, [row[:len(columns)] for row in rows])
            if self.view.wide or not columns_for or max(map(len, table)) <= self.view.width:
                break
            dropped.insert(0, columns_for.pop())  # the least decisive plugin column goes first
        self.lines += [""] + table
        self._rest()
        self.lines.append("")
        self._legend(columns_for, heads, same, dropped, shown)

    def _shown_rows(self) -> list[Ranked | None]:
        """The winner and top nodes (every node with --all), then the --node ones; None marks a gap."""
        if self.view.all_nodes:
            return list(self.ranked)
        top = self.ranked[:TOP]
        position = {r.node.node: i for i, r in enumerate(self.ranked)}
        extra = sorted({position[n] for n in self.view.nodes if n in position and position[n] >= TOP})
        rows: list[Ranked | None] = list(top)
        last = len(top) - 1
        for at in extra:
            r = self.ranked[at]
            if at != last + 1:
                rows.append(None)
            rows.append(r)
            last = at
        return rows

    def _rest(self) -> None:
        """One line for the feasible nodes not shown, one for the filtered ones, one for the others."""
        a, view = self.attempt, self.view
        shown = {r.node.node for r in (self.ranked if view.all_nodes else self._shown_rows()) if r is not None}
        rest = [r for r in self.ranked if r.node.node not in shown]
        if rest:
            totals = [r.total for r in rest if r.total is not None]
            span = f"totals {min(totals)}-{max(totals)}" if totals else "no total logged"
            self.say(f"{count(len(rest), 'more feasible node')} ({span}; --all shows them)")
        filtered = [n for n in a.nodes if not is_scored(n) and n.filter is FilterVerdict.FAILED]
        if filtered:
            how = Counter(n.filter_provenance.value if n.filter_provenance else "unknown" for n in filtered)
            provenance = ", ".join(f"{n} {p}" if len(how) > 1 else p for p, n in how.most_common())
            reasons = "reasons below" if self.attempt.failure and self.attempt.failure.reasons else self._reasons()
            self.say(f"{count(len(filtered), 'node')} filtered out ({provenance}; {reasons})")
            if view.all_nodes:
                self.say("  filtered: " + ", ".join(n.node for n in filtered), indent="    ")
        unknown = [n for n in a.nodes if not is_scored(n) and n.filter is not FilterVerdict.FAILED]
        if unknown:
            self.say(f"{count(len(unknown), 'more node')} named in the log without a score "
                     "(filter verdict unknown)")
            if view.all_nodes:
                self.say("  " + ", ".join(n.node for n in unknown), indent="    ")

    def _reasons(self) -> str:
        failure = self.attempt.failure
        if failure and failure.reasons:
            top = sorted(failure.reasons.items(), key=lambda kv: (-kv[1], kv[0]))
            return "reasons over all nodes: " + ", ".join(f"{n} {r}" for r, n in top[:3]) + \
                (", ..." if len(top) > 3 else "")
        return "reasons not logged per node"

    def _legend(self, shown: list[str], heads: dict[str, str], same: list[str], dropped: list[str],
                rows: list[Ranked | None]) -> None:
        def name(plugin: str) -> str:
            return plugin + (" (hidden: not logged, inferred)" if plugin in self.hidden else "")

        if not self.view.wide and shown:
            self.say("columns: " + ", ".join(f"{heads[p]}={name(p)}" for p in shown))
        nodes = [r.node for r in self.ranked]
        if same:
            values = [f"{name(p)} {_cell(nodes[0], p, self.hidden)}" for p in same]
            self.say(f"same on every scored node: {', '.join(values)}")
        if dropped:
            self.say(f"not shown, too narrow: {', '.join(dropped)} (-o wide shows every plugin)")
        marks = [f"{WINNER_MARK} chosen by the scheduler"] if self.has_winner else []
        if self.has_winner and any(r is not None and r.node.node != self.attempt.winner and r.total is not None
                                   and r.total == self.reference for r in rows):
            marks.append(f"{TIE_MARK} tied with it")
        marks.append("gap: points behind the winner" if self.has_winner else
                     "gap: points behind the top total (the log names no winner)")
        cells = [_cell(r.node, p, self.hidden) for r in rows if r is not None for p in shown] + \
            [_total_cell(r.node) for r in rows if r is not None]
        if any(c.endswith(UNWEIGHTED_MARK) for c in cells):
            marks.append(f"{UNWEIGHTED_MARK} logged before weighting")
        if any(c.endswith(RECOMPUTED_MARK) for c in cells):
            marks.append(f"{RECOMPUTED_MARK} total recomputed (not logged)")
        self.say("; ".join(marks))

    def failure(self) -> None:
        failure = self.attempt.failure
        if failure is None:
            return
        self.lines.append("")
        self.say(f"unschedulable: {failure.message.split('. preemption:')[0]}")
        self._histogram(failure.reasons)
        if failure.preemption_reasons:
            self.lines.append("preemption:")
            self._histogram(failure.preemption_reasons)

    def _histogram(self, reasons: Mapping[str, int]) -> None:
        top = sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))
        for reason, n in top[:MAX_REASONS]:
            self.say(f"  {n:>5,}  {reason}", indent=" " * 9)
        if len(top) > MAX_REASONS:
            self.say(f"  {count(len(top) - MAX_REASONS, 'more reason')} (-o json lists them all)")

    def notes(self) -> None:
        """What check says about this attempt (ties are already said above: they are not errors)."""
        notes = [d for d in self.attempt.discrepancies if getattr(d, "kind", None) != TIE]
        if not notes:
            return
        self.lines.append("")
        for d in notes[:MAX_NOTES]:
            mark = "explained" if getattr(d, "explained", False) else "UNEXPLAINED"
            self.say(f"check ({mark}): {self._note(d)}")
        if len(notes) > MAX_NOTES:
            self.say(f"{count(len(notes) - MAX_NOTES, 'more check note')}: schedlog check lists them all")

    def _note(self, d: object) -> str:
        """The discrepancy's own sentence when short; else its kind, amount, nodes and attribution."""
        text = str(getattr(d, "explanation", d))
        if len(text) <= 2 * self.view.width or not hasattr(d, "kind"):
            return text
        nodes = tuple(getattr(d, "nodes", ()) or ((d.node,) if d.node else ()))
        where = ", ".join(nodes) if len(nodes) <= 3 else f"{len(nodes):,} nodes"
        amount = f"{d.amount:+} " if d.amount is not None else ""
        cause = f" = {d.attribution}" if d.attribution else ""
        return f"{d.kind}: {amount}on {where}{cause} (schedlog check -o json has every value)"

    def why_not(self, name: str) -> None:
        """X beside the winner, plugin by plugin, the plugins that cost X the most first."""
        a = self.attempt
        self.lines.append("")
        node = a.node(name)
        if node is None:
            self.say(f"why not {name}? this attempt's log lines do not name it")
            return
        if name == a.winner:
            r = self.by_name.get(name)
            self.say(f"why not {name}? it is the node the scheduler chose"
                     + (f" (total {r.total}, rank {r.rank})" if r and r.total is not None else ""))
            return
        if not is_scored(node):
            verdict = "did not pass filtering" if node.filter is FilterVerdict.FAILED else "got no score"
            how = f" ({node.filter_provenance.value})" if node.filter_provenance else ""
            self.say(f"why not {name}? it {verdict}{how}; {self._reasons()}")
            return
        winner = a.node(a.winner) if a.winner else None
        me = self.by_name[name]
        if winner is None:
            self.say(f"why not {name}? rank {cell(me.rank)}, total {cell(me.total)}; the log names no winner")
            return
        wtotal = node_total(winner)
        gap = wtotal - me.total if wtotal is not None and me.total is not None else None
        behind = "tied with" if gap == 0 else f"{gap} behind" if gap is not None else "beside"
        self.say(f"why not {name}? rank {cell(me.rank)} of {len(self.ranked):,}, total {cell(me.total)}: "
                 f"{behind} the winner {winner.node} ({cell(wtotal)})"
                 + (" -- the scheduler picks one of the top nodes at random" if gap == 0 else ""))
        rows = []
        for plugin in plugin_order(a):
            m, t = plugin_value(node, plugin, self.hidden), plugin_value(winner, plugin, self.hidden)
            cost = t - m if m is not None and t is not None else None
            label = plugin + (" (hidden)" if plugin in self.hidden else "")
            rows.append((cost, [label, cell(t), cell(m), cell(cost)]))
        rows.sort(key=lambda row: (row[0] is None, -(row[0] or 0)))
        columns = [Column("plugin"), Column("winner", right=True), Column("this node", right=True),
                   Column("cost", right=True)]
        body = [cells for _, cells in rows] + [["total", cell(wtotal), cell(me.total), cell(gap)]]
        self.lines += ["  " + line for line in plain_lines(columns, body)]
        self.say("cost: points the node got less than the winner from that plugin (negative: more)")


def explain_lines(attempt: Attempt, view: ExplainView) -> list[str]:
    """The explanation of one attempt as lines of plain text, at most ``view.width`` wide (names excepted)."""
    page = _Page(attempt, view)
    page.header()
    if not attempt.nodes:
        page.say("the log names no node for this cycle (no score lines, no predicate lines)")
    page.ranking()
    if not page.ranked and attempt.nodes:
        page._rest()
    page.failure()
    page.notes()
    for name in view.nodes:
        page.why_not(name)
    return page.lines


def render_explain(attempt: Attempt, console: Console, view: ExplainView) -> None:
    for line in explain_lines(attempt, view):
        console.print(line, markup=False, highlight=False, soft_wrap=True)
