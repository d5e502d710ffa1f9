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
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, NamedTuple

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from ..model import AnalysisResult, Attempt, NodeResult, Score
from ..run.picks import is_pod
from ..times import FullTimes
from . import charts
from .across import Across, discrepancy_data
from .charts import pod_label
from .explain import Explanation, Loss, contribution, explain_attempt, node_total
from .png import PngFiles
from .ranking import heat_columns, rank_nodes, ranks, rest_summary
from .svg import GapRow, gap_chart, gap_rows
from .timeline_html import StoryAttempt, timeline_view

TEMPLATES = Path(__file__).with_name("templates")
SCRIPT = TEMPLATES / "report.js"
MAX_SECTIONS = 200  # attempts drawn in detail (each has a chart)
MAX_TABLE_ROWS = 2000  # rows of the attempts table
MAX_DISCREPANCY_ROWS = 25  # per attempt; the count says how many there are
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


class Gap(NamedTuple):
    """A section's gap-to-the-winner chart before it is drawn (its colours are known at the end)."""

    rows: list[GapRow]
    hidden: frozenset[str]


def _cell(score: Score | None) -> Cell | None:
    if score is None:
        return None
    prov = ", ".join(f"{k}: {v}" for k, v in sorted(score.provenance.items()))
    return Cell(contribution(score), score.hidden, prov, score.recomputed)


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


def _row(seq: int, a: Attempt, exp: Explanation) -> dict[str, Any]:
    """A row of the attempts table, but its start time (``_timed`` adds it once the year is known)."""
    return {"seq": seq, "anchor": _anchor(seq), "pod": a.pod, "attempt": a.attempt,
            "outcome": a.outcome.value,
            "winner": a.winner, "total": exp.winner_total, "runner_up": exp.runner_up, "margin": exp.margin,
            "evaluated": a.evaluated_nodes, "feasible": a.feasible_nodes,
            "discrepancies": len(a.discrepancies), "unexplained": _unexplained(a), "complete": a.complete}


def _timed(row: dict[str, Any], when: StoryAttempt, times: FullTimes) -> dict[str, Any]:
    """The row (or section) with the attempt's start as a full timestamp when its year is known."""
    full = times.of(when)  # type: ignore[arg-type]
    return {**row, "started": full.text or when.started_at, "started_provenance": full.provenance}


def _unexplained(a: Attempt) -> int:
    """Discrepancies nothing explains (a tie or a known hidden component is explained, not an error)."""
    return sum(1 for d in a.discrepancies if not discrepancy_data(d).get("explained", False))


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


def _section(seq: int, a: Attempt, exp: Explanation) -> tuple[dict[str, Any], Gap | None]:
    """An attempt's detail section, but its start time and gap chart (``_finished`` adds them at the end, when
    the year and every plugin's colour are known), and the chart's rows."""
    plugins = list(dict.fromkeys(s.plugin for n in a.nodes for s in n.scores))
    hidden = sorted({s.plugin for n in a.nodes for s in n.scores if s.hidden})
    losses = {loss.node: loss for loss in exp.losses}
    runner = losses.get(exp.runner_up) if exp.runner_up else None
    rank = ranks(a)
    ranking = rank_nodes(a)
    failure = a.failure
    found = [discrepancy_data(d) for d in a.discrepancies]
    behind = [n for n in ranking.top if n.node in losses and node_total(n) is not None]
    gap = Gap(gap_rows([losses[n.node] for n in behind],
                       [f"{rank.get(n.node, '?')}. {n.node} ({node_total(n):,})" for n in behind]),
              frozenset(hidden)) if a.winner else None
    return {
        **_row(seq, a, exp),
        "started_at": a.started_at, "profile": a.profile, "stream": a.stream,
        "outcome_provenance": _value(a.outcome_provenance),
        "selected_node": a.selected_node, "bound_node": a.bound_node,
        "span": a.span, "incomplete_reason": a.incomplete_reason,
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
    }, gap


def _finished(section: dict[str, Any], gap: Gap | None, when: StoryAttempt, times: FullTimes,
              colors: dict[str, str]) -> dict[str, Any]:
    return {**_timed(section, when, times),
            "gap_chart": gap_chart(gap.rows, colors, gap.hidden) if gap is not None else None}


def _overview(result: AnalysisResult, across: Across) -> dict[str, Any]:
    kinds = across.kinds
    return {
        "inputs": list(result.inputs), "format": result.format, "lines": result.lines,
        "ignored": sorted(result.lines.ignored_by_reason.items()),
        "pods": len(across.pods), "attempts": across.count,
        "outcomes": sorted(across.outcomes.items()),
        "incomplete": across.incomplete,
        "discrepancy_kinds": sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0])),
        "discrepancies": sum(kinds.values()),
        "hidden_nodes": across.hidden_nodes,
        "weights": sorted(result.config.weights.items()),
        "weights_provenance": _value(result.config.weights_provenance),
        "notes": list(result.notes),
    }


def _gap_band(gap: int | None) -> str:
    """A heat-map cell's class by how far the node is behind the winner: g0 (tied or the winner) .. g5."""
    if gap is None:
        return ""
    return next((name for limit, name in GAP_BANDS if gap <= limit), "g5")


def _heatmap(across: Across) -> dict[str, Any] | None:
    """Attempts x the nodes that ranked near the top: each cell the node's total, shaded by its gap."""
    if not across.scored:
        return None
    shown = across.heat
    columns = heat_columns([row for _, row in shown])
    rows = []
    for seq, row in shown:
        best = row.totals.get(row.winner) if row.winner else None
        cells = []
        for name in columns:
            total = row.totals.get(name)
            gap = best - total if best is not None and total is not None else None
            cells.append({"total": total, "rank": row.ranks.get(name), "gap": gap, "band": _gap_band(gap),
                          "winner": name == row.winner, "filtered": name in row.filtered})
        rows.append({"seq": seq, "anchor": _anchor(seq), "label": pod_label(row), "cells": cells,
                     "nodes": row.scored})
    return {"columns": columns, "rows": rows, "total": across.scored, "bands": GAP_BANDS}


class NodeData:
    """Every node of every detailed attempt, compactly, for the page's full node tables: node names once, then
    per attempt column arrays, kept as JSON text (a 5,000-node attempt is a few hundred kB of it).

    A column that is all null is null; "node" is null when the attempt lists the names in their order.
    Ranks and gaps are not stored: the page's script derives them from the totals as ranks() does.
    """

    def __init__(self) -> None:
        self.names: dict[str, int] = {}
        self.attempts: list[str] = []  # '"attempt-N":{...}'

    def add(self, seq: int, a: Attempt) -> None:
        plugins = list(dict.fromkeys(s.plugin for n in a.nodes for s in n.scores))
        index = [self.names.setdefault(n.node, len(self.names)) for n in a.nodes]
        columns = {
            "plugins": plugins,
            "hidden": sorted({s.plugin for n in a.nodes for s in n.scores if s.hidden}),
            "winner": a.winner,
            "node": None if index == list(range(len(index))) else index,
            "filter": "".join(FILTER_CODES.get(n.filter.value, "u") for n in a.nodes),
            "logged": _column([n.total_logged for n in a.nodes]),
            "recomputed": _column([n.total_recomputed for n in a.nodes]),
            "values": [_column([_contribution_of(n, p) for n in a.nodes]) for p in plugins],
        }
        self.attempts.append(f"{_json(_anchor(seq))}:{_json(columns)}")

    def script_json(self) -> str:
        """The data block's text: ``{"names": [...], "attempts": {...}}`` as compact JSON, safe in a script tag."""
        return _script_safe(f'{{"names":{_json(list(self.names))},"attempts":{{{",".join(self.attempts)}}}}}')


def _column(values: list[int | None]) -> list[int | None] | None:
    return values if any(v is not None for v in values) else None


def _contribution_of(node: NodeResult, plugin: str) -> int | None:
    score = node.score(plugin)
    return contribution(score) if score is not None else None


def _json(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def _script_safe(text: str) -> str:
    """JSON safe inside a <script type="application/json"> block: no '<', '>' or '&' can end or open a tag."""
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def page_script() -> tuple[str, str]:
    """The page's one inline script and the CSP source that allows exactly it ('sha256-...')."""
    code = SCRIPT.read_text(encoding="utf-8")
    digest = base64.b64encode(hashlib.sha256(code.encode("utf-8")).digest()).decode("ascii")
    return code, f"'sha256-{digest}'"


def _deciders(counts: Counter, colors: dict[str, str]) -> list[dict[str, Any]]:
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    most = max((c for _, c in ordered), default=1)
    return [{"plugin": p, "count": c, "width": round(300 * c / most), "color": colors.get(p, charts.HIDDEN_COLOR)}
            for p, c in ordered]


class ReportPage:
    """A consumer of the attempt stream keeping what the report page shows, so no attempt is held: the
    overview's running counts (``Across``), the first ``max_rows`` table rows, the first ``max_sections`` detail
    sections and their nodes' data, the heat map's rows, and for the pods' timelines a ``StoryAttempt`` of
    every attempt (about 0.7 kB with its pod name: no nodes). Times and chart colours are finished by ``render``.
    With ``pngs``, each attempt's PNG file is written as it comes.
    """

    def __init__(self, pod: str | None = None, max_sections: int = MAX_SECTIONS, max_rows: int = MAX_TABLE_ROWS,
                 pngs: PngFiles | None = None) -> None:
        self.pod, self.max_sections, self.max_rows, self.pngs = pod, max_sections, max_rows, pngs
        self.across = Across()
        self.story: list[StoryAttempt] = []  # every attempt of the log, for the timelines
        self.rows: list[tuple[dict[str, Any], StoryAttempt]] = []
        self.sections: list[tuple[dict[str, Any], Gap | None, StoryAttempt]] = []
        self.node_data = NodeData()
        self._names: dict[str, str] = {}  # one copy of each pod and node name

    def add(self, attempt: Attempt) -> None:
        seq = len(self.story)
        when = StoryAttempt(attempt, self._names)
        self.story.append(when)
        if self.pngs is not None:
            self.pngs.add(attempt)
        if self.pod is not None and not is_pod(attempt, self.pod):
            return
        exp = explain_attempt(attempt)
        shown = self.across.count
        self.across.add(seq, attempt, exp)
        if shown < self.max_rows:
            self.rows.append((_row(seq, attempt, exp), when))
        if shown < self.max_sections:
            self.sections.append((*_section(seq, attempt, exp), when))
            self.node_data.add(seq, attempt)

    def render(self, result: AnalysisResult, times: FullTimes, progress: Progress | None = None) -> str:
        """The page, with ``result``'s header (inputs, format, lines, config, notes, story lines).

        ``progress(done, total)`` is called as the attempt sections are finished.
        """
        colors = charts.plugin_colors(self.across.plugins)
        sections = []
        for done, (section, gap, when) in enumerate(self.sections, start=1):
            sections.append(_finished(section, gap, when, times, colors))
            if progress is not None:
                progress(done, len(self.sections))
        env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                          trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
        env.filters["plain"] = plain
        env.filters["breakable"] = breakable
        script, script_source = page_script()
        pod = self.pod
        return env.get_template("report.html.j2").render(
            title=pod or ", ".join(Path(p).name for p in result.inputs),
            pod=pod,
            overview=_overview(result, self.across),
            rows=[_timed(row, when, times) for row, when in self.rows],
            sections=sections,
            total=self.across.count, max_rows=self.max_rows, max_sections=self.max_sections,
            heatmap=_heatmap(self.across),
            deciders=_deciders(self.across.deciders, colors),
            hidden_label=charts.HIDDEN_LABEL, node_total=node_total, colors=colors,
            script=script, script_source=script_source, data=self.node_data.script_json(),
            timeline=timeline_view(replace(result, attempts=tuple(self.story)), pod, times),
        )


def render_html(result: AnalysisResult, pod: str | None = None, max_sections: int = MAX_SECTIONS,
                max_rows: int = MAX_TABLE_ROWS, progress: Progress | None = None) -> str:
    """The report page as a string (all of the log's attempts, or one pod's).

    ``progress(done, total)`` is called as the kept attempt sections are finished (their times and gap charts;
    the sections themselves are built as the attempts are added).
    """
    page = ReportPage(pod, max_sections, max_rows)
    for attempt in result.attempts:
        page.add(attempt)
    return page.render(result, FullTimes.for_result(result), progress)


def write_html(result: AnalysisResult, path: Path, pod: str | None = None, progress: Progress | None = None
               ) -> Path:
    """Write the report to ``path`` (UTF-8) and return it."""
    path.write_text(render_html(result, pod=pod, progress=progress), encoding="utf-8")
    return path
