"""The self-contained HTML report: overview, attempts table, one section per attempt, cross-attempt views.

One file, no network: charts are inline SVG or HTML, and the page carries a CSP that forbids any
fetch and runs exactly one inline script (sorting and filtering tables, building a full node table
on request), allowed by its sha256 hash. Everything taken from the log is escaped (jinja2
autoescaping, or JSON with ``<>&`` escaped inside the data block). Real cluster sizes stay readable
and small: each attempt shows its top nodes, a gap-to-the-winner chart and counts for the rest;
every node stays in the data block, from which the page builds the full table when asked.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from ..model import AnalysisResult, Attempt, NodeResult, Score
from ..times import FullTimes
from . import charts
from .explain import Explanation, Loss, contribution, explain_attempt, node_total
from .png import select
from .ranking import heat_columns, rank_nodes, ranks, rest_summary
from .svg import gap_chart, gap_rows
from .timeline_html import timeline_view

TEMPLATES = Path(__file__).with_name("templates")
SCRIPT = TEMPLATES / "report.js"
MAX_SECTIONS = 200  # attempts drawn in detail (each has a chart)
MAX_TABLE_ROWS = 2000  # rows of the attempts table
MAX_DISCREPANCY_ROWS = 25  # per attempt; the count says how many there are
MAX_HEATMAP_ROWS = 60  # attempts in the cross-attempt heat map
GAP_BANDS = ((0, "g0"), (2, "g1"), (5, "g2"), (10, "g3"), (25, "g4"))  # (up to this many points behind, class)
FILTER_CODES = {"passed": "p", "failed": "f", "unknown": "u"}
Progress = Callable[[int, int], None]  # (attempts rendered, attempts to render)


@dataclass(frozen=True)
class Cell:
    """One plugin's value for one node, with what the reader needs to judge it."""

    value: int | None
    hidden: bool
    provenance: str  # e.g. "weighted: observed"
    recomputed: int | None


def _cell(score: Score | None) -> Cell | None:
    if score is None:
        return None
    prov = ", ".join(f"{k}: {v}" for k, v in sorted(score.provenance.items()))
    return Cell(contribution(score), score.hidden, prov, score.recomputed)


def _discrepancy_to_dict(d: Any) -> dict[str, Any]:
    """Whatever the reconcile stage put there, as plain data (rendered generically)."""
    return d.to_dict() if hasattr(d, "to_dict") else dict(d)


def plain(value: Any) -> str:
    """A table cell's text for any JSON-like value: lists joined, objects as key=value, None empty."""
    if value is None:
        return ""
    if isinstance(value, dict):
        return ", ".join(f"{k}={plain(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return "; ".join(plain(v) for v in value)
    return str(value)


CAMEL_HUMP = re.compile(r"(?<=[a-z])(?=[A-Z])")


def breakable(name: str) -> Markup:
    """A CamelCase name (escaped) that may wrap between its words: NodeResources<wbr>Fit."""
    return Markup("<wbr>").join(escape(part) for part in CAMEL_HUMP.split(name))


def _value(enum_or_none: Any) -> str | None:
    return enum_or_none.value if enum_or_none is not None else None


def _anchor(seq: int) -> str:
    return f"attempt-{seq}"


def _row(seq: int, a: Attempt, exp: Explanation, times: FullTimes) -> dict[str, Any]:
    full = times.of(a)
    return {"seq": seq, "anchor": _anchor(seq), "pod": a.pod, "attempt": a.attempt,
            "started": full.text or a.started_at, "started_provenance": full.provenance,
            "outcome": a.outcome.value,
            "winner": a.winner, "total": exp.winner_total, "runner_up": exp.runner_up, "margin": exp.margin,
            "evaluated": a.evaluated_nodes, "feasible": a.feasible_nodes,
            "discrepancies": len(a.discrepancies), "unexplained": _unexplained(a), "complete": a.complete}


def _unexplained(a: Attempt) -> int:
    """Discrepancies nothing explains (a tie or a known hidden component is explained, not an error)."""
    return sum(1 for d in a.discrepancies if not _discrepancy_to_dict(d).get("explained", False))


def _node_view(node: NodeResult, plugins: Sequence[str], rank: dict[str, int], winner: str | None,
               losses: dict[str, Loss]) -> dict[str, Any]:
    loss = losses.get(node.node)
    return {"node": node.node, "winner": node.node == winner, "filter": node.filter.value,
            "gap": 0 if node.node == winner and node_total(node) is not None else loss.margin if loss else None,
            "filter_provenance": _value(node.filter_provenance) or "unknown",
            "total_logged": node.total_logged, "total_recomputed": node.total_recomputed,
            "visible_sum": node.visible_sum, "rank": rank.get(node.node),
            "mismatch": None not in (node.total_logged, node.total_recomputed)
            and node.total_logged != node.total_recomputed,
            "cells": [_cell(node.score(p)) for p in plugins]}


def _section(seq: int, a: Attempt, exp: Explanation, times: FullTimes, colors: dict[str, str]) -> dict[str, Any]:
    plugins = list(dict.fromkeys(s.plugin for n in a.nodes for s in n.scores))
    hidden = sorted({s.plugin for n in a.nodes for s in n.scores if s.hidden})
    losses = {loss.node: loss for loss in exp.losses}
    runner = losses.get(exp.runner_up) if exp.runner_up else None
    rank = ranks(a)
    ranking = rank_nodes(a)
    failure = a.failure
    found = [_discrepancy_to_dict(d) for d in a.discrepancies]
    behind = [n for n in ranking.top if n.node in losses and node_total(n) is not None]
    return {
        **_row(seq, a, exp, times),
        "started_at": a.started_at, "profile": a.profile, "stream": a.stream,
        "outcome_provenance": _value(a.outcome_provenance),
        "selected_node": a.selected_node, "bound_node": a.bound_node,
        "span": a.span, "incomplete_reason": a.incomplete_reason,
        "gap_chart": gap_chart(gap_rows([losses[n.node] for n in behind],
                                        [f"{rank.get(n.node, '?')}. {n.node} ({node_total(n):,})" for n in behind]),
                               colors, frozenset(hidden)) if a.winner else None,
        "plugins": plugins, "hidden": hidden,
        "nodes": [_node_view(n, plugins, rank, a.winner, losses) for n in ranking.top],
        "node_count": len(a.nodes), "rest": rest_summary(ranking), "more": ranking.rest,
        "tied_with": list(exp.tied_with),
        "behind_on": list(runner.behind_on) if runner else [],
        "ahead_on": list(runner.ahead_on) if runner else [],
        "failure": failure,
        "reasons": sorted(failure.reasons.items(), key=lambda kv: (-kv[1], kv[0])) if failure else [],
        "preemption": a.preemption,
        "discrepancies": found[:MAX_DISCREPANCY_ROWS], "discrepancy_count": len(found),
        "discrepancy_keys": list(dict.fromkeys(k for d in found for k in d if k != "per_node")),
    }


def _overview(result: AnalysisResult, attempts: Sequence[Attempt]) -> dict[str, Any]:
    kinds = Counter(str(_discrepancy_to_dict(d).get("kind")) for a in attempts for d in a.discrepancies)
    return {
        "inputs": list(result.inputs), "format": result.format, "lines": result.lines,
        "ignored": sorted(result.lines.ignored_by_reason.items()),
        "pods": len({a.pod for a in attempts}), "attempts": len(attempts),
        "outcomes": sorted(Counter(a.outcome.value for a in attempts).items()),
        "incomplete": sum(1 for a in attempts if not a.complete),
        "discrepancy_kinds": sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0])),
        "discrepancies": sum(kinds.values()),
        "hidden_nodes": sum(1 for a in attempts for n in a.nodes if any(s.hidden for s in n.scores)),
        "weights": sorted(result.config.weights.items()),
        "weights_provenance": _value(result.config.weights_provenance),
        "notes": list(result.notes),
    }


def _gap_band(gap: int | None) -> str:
    """A heat-map cell's class by how far the node is behind the winner: g0 (tied or the winner) .. g5."""
    if gap is None:
        return ""
    return next((name for limit, name in GAP_BANDS if gap <= limit), "g5")


def _heatmap(numbered: Sequence[tuple[int, Attempt]], limit: int = MAX_HEATMAP_ROWS) -> dict[str, Any] | None:
    """Attempts x the nodes that ranked near the top: each cell the node's total, shaded by its gap."""
    scored = [(seq, a) for seq, a in numbered if any(node_total(n) is not None for n in a.nodes)]
    if not scored:
        return None
    shown = scored[:limit]
    columns = heat_columns([a for _, a in shown])
    rows = []
    for seq, a in shown:
        rank, winner = ranks(a), a.node(a.winner) if a.winner else None
        best = node_total(winner) if winner else None
        cells = []
        for name in columns:
            node, total = a.node(name), None
            if node is not None:
                total = node_total(node)
            gap = best - total if best is not None and total is not None else None
            cells.append({"total": total, "rank": rank.get(name), "gap": gap, "band": _gap_band(gap),
                          "winner": name == a.winner,
                          "filtered": node is not None and total is None and node.filter.value == "failed"})
        rows.append({"seq": seq, "anchor": _anchor(seq), "label": f"{a.pod} #{a.attempt}", "cells": cells,
                     "nodes": sum(1 for n in a.nodes if node_total(n) is not None)})
    return {"columns": columns, "rows": rows, "total": len(scored), "bands": GAP_BANDS}


def _node_data(numbered: Sequence[tuple[int, Attempt]]) -> dict[str, Any]:
    """Every node of every detailed attempt, compactly: node names once, then per attempt column arrays.

    A column that is all null is null; "node" is null when the attempt lists the names in their order.
    Ranks and gaps are not stored: the page's script derives them from the totals as ranks() does.
    """
    names: dict[str, int] = {}
    attempts = {}
    for seq, a in numbered:
        plugins = list(dict.fromkeys(s.plugin for n in a.nodes for s in n.scores))
        index = [names.setdefault(n.node, len(names)) for n in a.nodes]
        attempts[_anchor(seq)] = {
            "plugins": plugins,
            "hidden": sorted({s.plugin for n in a.nodes for s in n.scores if s.hidden}),
            "winner": a.winner,
            "node": None if index == list(range(len(index))) else index,
            "filter": "".join(FILTER_CODES.get(n.filter.value, "u") for n in a.nodes),
            "logged": _column([n.total_logged for n in a.nodes]),
            "recomputed": _column([n.total_recomputed for n in a.nodes]),
            "values": [_column([_contribution_of(n, p) for n in a.nodes]) for p in plugins],
        }
    return {"names": list(names), "attempts": attempts}


def _column(values: list[int | None]) -> list[int | None] | None:
    return values if any(v is not None for v in values) else None


def _contribution_of(node: NodeResult, plugin: str) -> int | None:
    score = node.score(plugin)
    return contribution(score) if score is not None else None


def script_json(data: Any) -> str:
    """JSON safe inside a <script type="application/json"> block: no '<', '>' or '&' can end or open a tag."""
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def page_script() -> tuple[str, str]:
    """The page's one inline script and the CSP source that allows exactly it ('sha256-...')."""
    code = SCRIPT.read_text(encoding="utf-8")
    digest = base64.b64encode(hashlib.sha256(code.encode("utf-8")).digest()).decode("ascii")
    return code, f"'sha256-{digest}'"


def _deciders(attempts: Sequence[Attempt], explained: dict[int, Explanation], colors: dict[str, str]
              ) -> list[dict[str, Any]]:
    counts = sorted(charts.deciders(attempts, explained).items(), key=lambda kv: (-kv[1], kv[0]))
    most = max((c for _, c in counts), default=1)
    return [{"plugin": p, "count": c, "width": round(300 * c / most), "color": colors.get(p, charts.HIDDEN_COLOR)}
            for p, c in counts]


def render_html(result: AnalysisResult, pod: str | None = None, max_sections: int = MAX_SECTIONS,
                max_rows: int = MAX_TABLE_ROWS, progress: Progress | None = None) -> str:
    """The report page as a string (all of the log's attempts, or one pod's).

    ``progress(done, total)`` is called as the attempt sections are built (the slow part).
    """
    attempts = select(result, pod)
    colors = charts.colors_for(attempts)
    seqs = {id(a): i for i, a in enumerate(result.attempts)}
    numbered = [(seqs[id(a)], a) for a in attempts]
    detailed = numbered[:max_sections]
    explained = {id(a): explain_attempt(a) for a in attempts}
    times = FullTimes.for_result(result)
    sections = []
    for done, (seq, a) in enumerate(detailed, start=1):
        sections.append(_section(seq, a, explained[id(a)], times, colors))
        if progress is not None:
            progress(done, len(detailed))
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["plain"] = plain
    env.filters["breakable"] = breakable
    script, script_source = page_script()
    return env.get_template("report.html.j2").render(
        title=pod or ", ".join(Path(p).name for p in result.inputs),
        pod=pod,
        overview=_overview(result, attempts),
        rows=[_row(seq, a, explained[id(a)], times) for seq, a in numbered[:max_rows]],
        sections=sections,
        total=len(numbered), max_rows=max_rows, max_sections=max_sections,
        heatmap=_heatmap(numbered),
        deciders=_deciders(attempts, explained, colors),
        hidden_label=charts.HIDDEN_LABEL, node_total=node_total, colors=colors,
        script=script, script_source=script_source, data=script_json(_node_data(detailed)),
        timeline=timeline_view(result, pod, times),
    )


def write_html(result: AnalysisResult, path: Path, pod: str | None = None, progress: Progress | None = None
               ) -> Path:
    """Write the report to ``path`` (UTF-8) and return it."""
    path.write_text(render_html(result, pod=pod, progress=progress), encoding="utf-8")
    return path
