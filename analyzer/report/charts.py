"""Matplotlib figure builders shared by the HTML report and the PNG files, deterministic by construction.

Figures are built with ``matplotlib.figure.Figure`` (no pyplot global state) under fixed rc settings,
and rendered to PNG bytes without a Software/date stamp, so the same analysis gives identical bytes.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..model import Attempt, NodeResult
from .explain import Explanation, contribution, explain_attempt, node_total

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from .ranking import HeatRow

DPI = 100
RC = {
    "font.family": "DejaVu Sans", "font.size": 9, "axes.titlesize": 10, "axes.labelsize": 9,
    "legend.fontsize": 8, "xtick.labelsize": 8, "ytick.labelsize": 8, "figure.dpi": DPI,
    "savefig.dpi": DPI, "svg.hashsalt": "schedlog", "path.simplify": False, "hatch.linewidth": 0.8,
}
PALETTE = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7",
           "#9c755f", "#86bcb6", "#d37295", "#a0cbe8", "#8cd17d", "#b6992d", "#499894", "#fabfd2")
HIDDEN_COLOR, GAP_COLOR, LOGGED_COLOR, RECOMPUTED_COLOR = "#9e9e9e", "#ffffff", "#000000", "#d62728"
HIDDEN_LABEL = "hidden: not printed in the log"
GAP_LABEL = "unaccounted:\nlogged total minus known parts"
COMPRESS_RATIO = 4  # draw hidden/unaccounted parts shortened when they exceed this many times the visible sum
MAX_HEATMAP_ROWS, MAX_HEATMAP_COLS = 60, 12  # the cross-attempt heat maps (HTML and PNG): attempts, nodes
TIE = "(tie: picked at random)"
UNSEEN = "(no logged plugin: lead is in hidden/unaccounted parts)"


def plugin_colors(plugins: Iterable[str]) -> dict[str, str]:
    """A fixed colour per plugin name, by sorted name, so every chart of a report agrees."""
    return {p: PALETTE[i % len(PALETTE)] for i, p in enumerate(sorted(set(plugins)))}


def render_png(fig: Figure) -> bytes:
    """PNG bytes of a figure, without metadata that would change between runs."""
    from .mpl import rc_context

    buf = io.BytesIO()
    with rc_context(RC):
        fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return buf.getvalue()


def pod_label(attempt: Attempt | HeatRow) -> str:
    return f"{attempt.pod} #{attempt.attempt}"


@dataclass(frozen=True)
class Segment:
    """One piece of a node's stacked bar."""

    label: str
    value: int
    kind: str  # visible | hidden | gap


def segments(node: NodeResult) -> list[Segment]:
    """A node's bar: visible plugin contributions, then hidden ones, then any unaccounted remainder."""
    visible = [Segment(s.plugin, contribution(s) or 0, "visible") for s in node.scores if not s.hidden]
    hidden = [Segment(s.plugin, contribution(s) or 0, "hidden") for s in node.scores if s.hidden]
    parts = visible + hidden
    known = sum(p.value for p in parts)
    if node.total_logged is not None and node.total_logged > known:
        parts.append(Segment(GAP_LABEL, node.total_logged - known, "gap"))
    return parts


@dataclass(frozen=True)
class Scale:
    """Maps score values to bar positions, shortening the hidden/unaccounted tail when it dwarfs the rest."""

    visible: int
    tail: int
    drawn_tail: float

    def __call__(self, value: float) -> float:
        if value <= self.visible or self.tail == 0:
            return value
        if value <= self.visible + self.tail:
            return self.visible + (value - self.visible) * self.drawn_tail / self.tail
        return self.visible + self.drawn_tail + (value - self.visible - self.tail)

    @property
    def compressed(self) -> bool:
        return self.tail > 0 and self.drawn_tail < self.tail


def node_scale(parts: Sequence[Segment], widest_visible: int) -> Scale:
    visible = sum(p.value for p in parts if p.kind == "visible")
    tail = sum(p.value for p in parts if p.kind != "visible")
    limit = max(widest_visible, 1) * COMPRESS_RATIO
    return Scale(visible, tail, float(min(tail, max(limit * 0.25, 1)) if tail > limit else tail))


def attempt_figure(attempt: Attempt, colors: dict[str, str] | None = None) -> Figure:
    """The attempt's chart: stacked contributions per node, else its failure reasons, else a note."""
    from .mpl import rc_context

    with rc_context(RC):
        if any(n.scores for n in attempt.nodes):
            return _score_figure(attempt, colors or colors_for([attempt]))
        if attempt.failure is not None and attempt.failure.reasons:
            return _failure_figure(attempt)
        return _note_figure(attempt)


def _score_figure(attempt: Attempt, colors: dict[str, str]) -> Figure:
    from .mpl import Figure, Patch
    from .ranking import TOP_NODES, ordered

    every = [n for n in ordered(attempt) if n.scores or n.total_logged is not None]
    scored = every[:TOP_NODES]  # winner first, then by total: a real cluster's 100+ bars are unreadable
    winner = attempt.winner
    bars = [(n, segments(n)) for n in scored]
    widest = max((sum(p.value for p in parts if p.kind == "visible") for _, parts in bars), default=0)
    fig = Figure(figsize=(10, 1.6 + 0.45 * len(bars)))
    ax = fig.add_subplot(1, 1, 1)
    legend: dict[str, object] = {}
    marks: dict[str, object] = {}
    compressed = False
    for row, (node, parts) in enumerate(bars):
        scale = node_scale(parts, widest)
        compressed |= scale.compressed
        start = 0
        for part in parts:
            left, right = scale(start), scale(start + part.value)
            style = _style(part, colors)
            ax.barh(row, right - left, left=left, height=0.6, edgecolor="#444444", linewidth=0.4, **style)
            if part.kind != "visible" and part.value:
                ax.text((left + right) / 2, row, f"{part.value:+,}", ha="center", va="center", fontsize=7,
                        bbox={"facecolor": "white", "edgecolor": "none", "pad": 1})
            legend.setdefault(_legend_label(part), Patch(**style, edgecolor="#444444", linewidth=0.4,
                                                         label=_legend_label(part)))
            start += part.value
        _mark_totals(ax, row, node, scale, marks)
    ends = [node_scale(parts, widest)(max(sum(p.value for p in parts), node_total(n) or 0,
                                          n.total_recomputed or 0)) for n, parts in bars]
    ax.set_xlim(0, max(ends + [1]) * 1.15)
    if compressed:  # ticks only where the axis is to scale
        ax.set_xticks([t for t in ax.get_xticks() if 0 <= t <= widest])
    ax.set_yticks(range(len(bars)), [_node_label(n, winner) for n, _ in bars])
    ax.invert_yaxis()
    ax.set_xlabel("weighted contribution to the node's total" + (" (hidden/unaccounted parts not to scale)"
                                                                  if compressed else ""))
    exp = explain_attempt(attempt)
    margin = "" if exp.margin is None else (f", tied with {', '.join(exp.tied_with)}" if exp.margin == 0
                                             else f", margin {exp.margin:,} over {exp.runner_up}")
    top = f" (top {len(scored)} of {len(every)} scored nodes)" if len(every) > len(scored) else ""
    ax.set_title(f"{pod_label(attempt)}: {attempt.outcome.value}"
                 + (f" on {winner}" if winner else "") + margin + top, loc="left")
    order = {"visible": 0, "hidden": 1, "gap": 2}
    handles = sorted(legend.items(), key=lambda kv: order[_kind_of(kv[0])])
    ax.legend(handles=[h for _, h in handles] + list(marks.values()), loc="upper left",
              bbox_to_anchor=(1.01, 1.0), frameon=False)
    ax.grid(axis="x", color="#e0e0e0", linewidth=0.5)
    ax.set_axisbelow(True)
    fig.subplots_adjust(left=0.2, right=0.64, top=1 - 0.45 / fig.get_figheight(),
                        bottom=0.55 / fig.get_figheight())
    return fig


def _style(part: Segment, colors: dict[str, str]) -> dict:
    return {
        "visible": {"facecolor": colors.get(part.label, PALETTE[0])},
        "hidden": {"facecolor": HIDDEN_COLOR, "hatch": "//"},
        "gap": {"facecolor": GAP_COLOR, "hatch": ".."},
    }[part.kind]


def _kind_of(label: str) -> str:
    return "gap" if label == GAP_LABEL else "hidden" if label.endswith(f"({HIDDEN_LABEL})") else "visible"


def _legend_label(part: Segment) -> str:
    return {"visible": part.label, "hidden": f"{part.label}\n({HIDDEN_LABEL})", "gap": GAP_LABEL}[part.kind]


def _mark_totals(ax, row: int, node: NodeResult, scale: Scale, legend: dict[str, object]) -> None:
    """Logged total: black bar end tick; recomputed total: red diamond (when it differs or stands alone)."""
    from matplotlib.lines import Line2D

    marks = (("logged total", node.total_logged, LOGGED_COLOR, "|", 16),
             ("recomputed total", node.total_recomputed, RECOMPUTED_COLOR, "D", 5))
    for label, value, color, marker, size in marks:
        if value is None:
            continue
        ax.plot([scale(value)], [row], marker=marker, color=color, markersize=size, markeredgewidth=2,
                linestyle="none")
        legend.setdefault(label, Line2D([], [], marker=marker, color=color, linestyle="none",
                                        markersize=size * 0.6, markeredgewidth=2, label=label))
    total = node_total(node)
    if total is not None:
        ax.annotate(f"{total:,}", (scale(total), row), xytext=(8, 0), textcoords="offset points",
                    va="center", fontsize=8)


def _node_label(node: NodeResult, winner: str | None) -> str:
    return f"\u2605 {node.node}" if node.node == winner else node.node


def _failure_figure(attempt: Attempt) -> Figure:
    from .mpl import Figure

    reasons = sorted(attempt.failure.reasons.items(), key=lambda kv: (-kv[1], kv[0]))
    labels = [_short(r, 70) for r, _ in reasons]
    width = _label_inches(labels) + 5
    fig = Figure(figsize=(width, 1.4 + 0.35 * len(reasons)))
    ax = fig.add_subplot(1, 1, 1)
    ax.barh(range(len(reasons)), [c for _, c in reasons], color="#e15759", height=0.6)
    ax.set_yticks(range(len(reasons)), labels)
    ax.invert_yaxis()
    total = attempt.failure.total_nodes
    ax.set_xlabel("nodes rejected with this reason" + (f" (of {total} nodes)" if total else ""))
    ax.set_title(f"{pod_label(attempt)}: {attempt.outcome.value}, filter reasons", loc="left")
    ax.xaxis.get_major_locator().set_params(integer=True)
    fig.subplots_adjust(left=_label_inches(labels) / width, right=0.95, top=1 - 0.4 / fig.get_figheight(),
                        bottom=0.5 / fig.get_figheight())
    return fig


def _note_figure(attempt: Attempt) -> Figure:
    from .mpl import Figure

    fig = Figure(figsize=(9, 1.2))
    fig.text(0.02, 0.5, f"{pod_label(attempt)}: {attempt.outcome.value}"
             + (f" on {attempt.winner}" if attempt.winner else "")
             + f". No score phase in the log ({_feasible_note(attempt)}).", va="center")
    return fig


def _feasible_note(attempt: Attempt) -> str:
    if attempt.feasible_nodes is not None:
        return f"{attempt.feasible_nodes} feasible node(s)"
    return "no score lines"


def _label_inches(labels: Iterable[str]) -> float:
    """Roughly how wide (inches) the longest tick label is at the 8 pt tick font."""
    return 0.3 + 0.062 * max((len(label) for label in labels), default=0)


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def heatmap_figure(attempts: Sequence[Attempt]) -> Figure | None:
    """The heat map of these attempts' first scored ones (see ``heatmap_chart``)."""
    from .ranking import HeatRow, scored

    return heatmap_chart([HeatRow.of(a) for a in [a for a in attempts if scored(a)][:MAX_HEATMAP_ROWS]])


def heatmap_chart(rows: Sequence[HeatRow]) -> Figure | None:
    """Attempts x the nodes that ranked near the top, coloured by rank within the attempt (1 = winner),
    cells labelled with the total."""
    rows = rows[:MAX_HEATMAP_ROWS]
    if not rows:
        return None
    import numpy as np

    from .mpl import Figure, rc_context
    from .ranking import heat_columns

    nodes = heat_columns(rows, MAX_HEATMAP_COLS)

    grid = np.full((len(rows), len(nodes)), np.nan)
    with rc_context(RC):
        labels = [pod_label(row) for row in rows]
        left = _label_inches(labels)
        width = max(left + 1.0 * len(nodes) + 1.5, 7.0)
        fig = Figure(figsize=(width, 1.6 + 0.3 * len(rows)))
        ax = fig.add_subplot(1, 1, 1)
        for i, row in enumerate(rows):
            for j, name in enumerate(nodes):
                if name in row.ranks:
                    grid[i, j] = row.ranks[name]
                    ax.text(j, i, f"{row.totals[name]:,}", ha="center", va="center", fontsize=7,
                            fontweight="bold" if name == row.winner else "normal")
                elif name in row.filtered:
                    ax.text(j, i, "filtered", ha="center", va="center", fontsize=6, color="#777777")
        worst = int(max(2, np.nanmax(grid)))
        image = ax.imshow(grid, cmap="RdYlGn_r", aspect="auto", vmin=1, vmax=worst, alpha=0.75)
        ax.set_xticks(range(len(nodes)), nodes, rotation=30, ha="right")
        ax.set_yticks(range(len(rows)), labels)
        ax.set_title("Final score per node (colour: rank, 1 = best; bold: chosen)", loc="left")
        fig.colorbar(image, ax=ax, label="rank", fraction=0.03, ticks=range(1, worst + 1))
        fig.subplots_adjust(left=left / width, right=1 - 1.2 / width,
                            top=1 - 0.35 / fig.get_figheight(), bottom=1.0 / fig.get_figheight())
    return fig


def deciding_plugin(attempt: Attempt, exp: Explanation | None = None) -> str | None:
    """The plugin that gave the winner its largest lead over the runner-up (TIE when they tied).

    ``exp`` is the attempt's explanation when the caller has it already (it costs a pass over the nodes).
    """
    exp = exp or explain_attempt(attempt)
    if exp.runner_up is None or exp.margin is None:
        return None
    if exp.margin == 0:
        return TIE
    loss = next(loss for loss in exp.losses if loss.node == exp.runner_up)
    return loss.behind_on[0][0] if loss.behind_on else UNSEEN


def deciders_chart(counted: Counter, colors: dict[str, str]) -> Figure | None:
    """How often each plugin gave the winner its largest lead over the runner-up (``deciding_plugin``, counted
    over the attempts shown), the most frequent first, each in its plugin's colour."""
    counts = sorted(counted.items(), key=lambda kv: (-kv[1], kv[0]))
    if not counts:
        return None
    from .mpl import Figure, rc_context

    with rc_context(RC):
        left = _label_inches(p for p, _ in counts)
        width = left + 5.5
        fig = Figure(figsize=(width, 1.3 + 0.35 * len(counts)))
        ax = fig.add_subplot(1, 1, 1)
        ax.barh(range(len(counts)), [c for _, c in counts], height=0.6,
                color=[colors.get(p, HIDDEN_COLOR) for p, _ in counts])
        ax.set_yticks(range(len(counts)), [p for p, _ in counts])
        ax.invert_yaxis()
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.set_xlabel("attempts where it gave the winner its largest lead over the runner-up")
        ax.set_title("Which plugin decided the winner", loc="left")
        fig.subplots_adjust(left=left / width, right=0.95, top=1 - 0.35 / fig.get_figheight(),
                            bottom=0.5 / fig.get_figheight())
    return fig


def colors_for(attempts: Iterable[Attempt]) -> dict[str, str]:
    return plugin_colors(s.plugin for a in attempts for n in a.nodes for s in n.scores)
