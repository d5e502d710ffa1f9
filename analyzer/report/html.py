"""The self-contained HTML report: overview, attempts table, one section per attempt, cross-attempt charts.

One file, no network: charts are embedded as base64 PNG and the page carries a CSP that forbids any
fetch. Everything taken from the log goes through jinja2 autoescaping. Big logs stay usable: detail
sections and table rows stop at fixed limits, and the page says so.
"""

from __future__ import annotations

import base64
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from ..model import AnalysisResult, Attempt, NodeResult, Score
from . import charts
from .explain import contribution, explain_attempt, node_total
from .png import select

TEMPLATES = Path(__file__).with_name("templates")
MAX_SECTIONS = 200  # attempts drawn in detail (each has a chart)
MAX_TABLE_ROWS = 2000  # rows of the attempts table


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


def _png_uri(fig) -> str | None:
    if fig is None:
        return None
    return "data:image/png;base64," + base64.b64encode(charts.render_png(fig)).decode("ascii")


def _value(enum_or_none: Any) -> str | None:
    return enum_or_none.value if enum_or_none is not None else None


def _anchor(seq: int) -> str:
    return f"attempt-{seq}"


def _row(seq: int, a: Attempt) -> dict[str, Any]:
    exp = explain_attempt(a)
    return {"seq": seq, "anchor": _anchor(seq), "pod": a.pod, "attempt": a.attempt,
            "outcome": a.outcome.value,
            "winner": a.winner, "total": exp.winner_total, "runner_up": exp.runner_up, "margin": exp.margin,
            "evaluated": a.evaluated_nodes, "feasible": a.feasible_nodes,
            "discrepancies": len(a.discrepancies), "complete": a.complete}


def _node_view(node: NodeResult, plugins: Sequence[str], rank: dict[str, int], winner: str | None
               ) -> dict[str, Any]:
    return {"node": node.node, "winner": node.node == winner, "filter": node.filter.value,
            "filter_provenance": _value(node.filter_provenance) or "unknown",
            "total_logged": node.total_logged, "total_recomputed": node.total_recomputed,
            "visible_sum": node.visible_sum, "rank": rank.get(node.node),
            "mismatch": None not in (node.total_logged, node.total_recomputed)
            and node.total_logged != node.total_recomputed,
            "cells": [_cell(node.score(p)) for p in plugins]}


def _section(seq: int, a: Attempt, colors: dict[str, str]) -> dict[str, Any]:
    from ..frames import ranks

    exp = explain_attempt(a)
    plugins = list(dict.fromkeys(s.plugin for n in a.nodes for s in n.scores))
    hidden = sorted({s.plugin for n in a.nodes for s in n.scores if s.hidden})
    runner = next((loss for loss in exp.losses if loss.node == exp.runner_up), None)
    rank = ranks(a)
    failure = a.failure
    found = [_discrepancy_to_dict(d) for d in a.discrepancies]
    return {
        **_row(seq, a),
        "started_at": a.started_at, "profile": a.profile, "stream": a.stream,
        "outcome_provenance": _value(a.outcome_provenance),
        "selected_node": a.selected_node, "bound_node": a.bound_node,
        "span": a.span, "incomplete_reason": a.incomplete_reason,
        "chart": _png_uri(charts.attempt_figure(a, colors)),
        "plugins": plugins, "hidden": hidden,
        "nodes": [_node_view(n, plugins, rank, a.winner) for n in a.nodes],
        "tied_with": list(exp.tied_with),
        "behind_on": list(runner.behind_on) if runner else [],
        "ahead_on": list(runner.ahead_on) if runner else [],
        "failure": failure,
        "reasons": sorted(failure.reasons.items(), key=lambda kv: (-kv[1], kv[0])) if failure else [],
        "preemption": a.preemption,
        "discrepancies": found,
        "discrepancy_keys": list(dict.fromkeys(k for d in found for k in d)),
        "decider": charts.deciding_plugin(a),
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


def render_html(result: AnalysisResult, pod: str | None = None, max_sections: int = MAX_SECTIONS,
                max_rows: int = MAX_TABLE_ROWS) -> str:
    """The report page as a string (all of the log's attempts, or one pod's)."""
    attempts = select(result, pod)
    colors = charts.colors_for(attempts)
    seqs = {id(a): i for i, a in enumerate(result.attempts)}
    numbered = [(seqs[id(a)], a) for a in attempts]
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["plain"] = plain
    return env.get_template("report.html.j2").render(
        title=pod or ", ".join(Path(p).name for p in result.inputs),
        pod=pod,
        overview=_overview(result, attempts),
        rows=[_row(seq, a) for seq, a in numbered[:max_rows]],
        sections=[_section(seq, a, colors) for seq, a in numbered[:max_sections]],
        total=len(numbered), max_rows=max_rows, max_sections=max_sections,
        heatmap=_png_uri(charts.heatmap_figure(attempts)), heatmap_rows=charts.MAX_HEATMAP_ROWS,
        deciders=_png_uri(charts.deciders_figure(attempts)),
        decider_counts=sorted(charts.deciders(attempts).items(), key=lambda kv: (-kv[1], kv[0])),
        hidden_label=charts.HIDDEN_LABEL, node_total=node_total,
    )


def write_html(result: AnalysisResult, path: Path, pod: str | None = None) -> Path:
    """Write the report to ``path`` (UTF-8) and return it."""
    path.write_text(render_html(result, pod=pod), encoding="utf-8")
    return path
