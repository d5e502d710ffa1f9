"""The "gap to the winner by plugin" chart as inline SVG: small, sharp at any zoom, and fast to make.

One row per top node after the winner: each plugin where the node scored less than the winner is
a bar segment to the right of zero (the points it cost the node), each plugin where it scored more
is a segment to the left, so the bar's net length is the margin. Whatever the logged totals differ
by beyond the logged plugins is an "unaccounted" segment. Every text is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from .explain import Loss

WIDTH, LABEL, MARGIN_TEXT = 900, 250, 150  # px: whole chart, node labels, the margin text at the right
ROW, BAR, LEGEND_ROW = 24, 15, 22
UNACCOUNTED = "unaccounted (logged totals beyond the logged plugins)"
UNACCOUNTED_COLOR, HIDDEN_COLOR = "#d9d9d9", "#9e9e9e"
MIN_LABEL_PX = 26  # a segment this wide gets its number written inside


@dataclass(frozen=True)
class GapRow:
    """One node's bar: (plugin, points) it lost (behind) and won (ahead) against the winner, and the margin."""

    label: str
    margin: int | None
    behind: tuple[tuple[str, int], ...]
    ahead: tuple[tuple[str, int], ...]

    @property
    def unaccounted(self) -> int:
        if self.margin is None:
            return 0
        return self.margin - (sum(v for _, v in self.behind) - sum(v for _, v in self.ahead))

    @property
    def right(self) -> int:
        return sum(v for _, v in self.behind) + max(self.unaccounted, 0)

    @property
    def left(self) -> int:
        return sum(v for _, v in self.ahead) + max(-self.unaccounted, 0)


def gap_rows(losses: Sequence[Loss], labels: Sequence[str]) -> list[GapRow]:
    """The rows of the chart for these losers (in the order given), labelled as given."""
    return [GapRow(label, loss.margin, loss.behind_on, loss.ahead_on)
            for label, loss in zip(labels, losses, strict=True)]


def gap_chart(rows: Sequence[GapRow], colors: dict[str, str], hidden: frozenset[str] = frozenset()) -> str | None:
    """The chart's SVG markup, or None when no row has a known margin."""
    rows = [r for r in rows if r.margin is not None]
    if not rows:
        return None
    plugins = list(dict.fromkeys(p for r in rows for p, _ in (*r.behind, *r.ahead)))
    if any(r.unaccounted for r in rows):
        plugins.append(UNACCOUNTED)
    legend_lines = _legend_layout(plugins)
    top = LEGEND_ROW * len(legend_lines) + 8
    height = top + ROW * len(rows) + 26
    left = max(r.left for r in rows)
    right = max(max(r.right for r in rows), 1)
    plot = WIDTH - LABEL - MARGIN_TEXT
    scale = plot / (left + right)
    zero = LABEL + left * scale
    out = [f'<svg class="gap-chart" xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
           f'viewBox="0 0 {WIDTH} {height}" role="img" font-family="DejaVu Sans, Verdana, sans-serif" '
           'font-size="12">']
    out += _legend(legend_lines, colors, hidden)
    for i, row in enumerate(rows):
        y = top + i * ROW
        out.append(f'<text x="{LABEL - 8}" y="{y + BAR - 3}" text-anchor="end">{escape(_short(row.label, 34))}'
                   f'<title>{escape(row.label)}</title></text>')
        out += _segments(row, zero, y, scale, colors, hidden)
        end = zero + row.right * scale
        note = "tied with the winner" if row.margin == 0 else f"{row.margin:,} behind"
        out.append(f'<text x="{max(end, zero) + 6:.1f}" y="{y + BAR - 3}" fill="#333">{note}</text>')
    bottom = top + ROW * len(rows)
    out.append(f'<line x1="{zero:.1f}" y1="{top - 4}" x2="{zero:.1f}" y2="{bottom}" stroke="#333" stroke-width="1"/>')
    out.append(f'<text x="{zero:.1f}" y="{bottom + 16}" text-anchor="middle" fill="#555" font-size="11">'
               "\u2190 ahead of the winner | points behind the winner \u2192</text>")
    out.append("</svg>")
    return "".join(out)


def _segments(row: GapRow, zero: float, y: int, scale: float, colors: dict[str, str],
              hidden: frozenset[str]) -> list[str]:
    """The row's rects: behind parts from zero rightwards, ahead parts from zero leftwards."""
    out = []
    unaccounted = row.unaccounted
    for parts, sign in (((*row.behind, *(((UNACCOUNTED, unaccounted),) if unaccounted > 0 else ())), 1),
                        ((*row.ahead, *(((UNACCOUNTED, -unaccounted),) if unaccounted < 0 else ())), -1)):
        at = zero
        for plugin, points in parts:
            width = points * scale
            x = at if sign > 0 else at - width
            what = "behind" if sign > 0 else "ahead of"
            out.append(f'<rect x="{x:.1f}" y="{y}" width="{width:.1f}" height="{BAR}" '
                       f'fill="{_color(plugin, colors, hidden)}" stroke="#fff" stroke-width="0.5">'
                       f"<title>{escape(plugin)}: {points:,} points {what} the winner (derived)</title></rect>")
            if width >= MIN_LABEL_PX:
                out.append(f'<text x="{x + width / 2:.1f}" y="{y + BAR - 3}" text-anchor="middle" '
                           f'font-size="10" fill="#111">{points:,}</text>')
            at += width * sign
    return out


def _color(plugin: str, colors: dict[str, str], hidden: frozenset[str]) -> str:
    if plugin == UNACCOUNTED:
        return UNACCOUNTED_COLOR
    return HIDDEN_COLOR if plugin in hidden else colors.get(plugin, HIDDEN_COLOR)


def _legend_layout(plugins: Sequence[str]) -> list[list[tuple[str, float]]]:
    """Legend entries in lines that fit the width: (plugin, x) per entry."""
    lines: list[list[tuple[str, float]]] = [[]]
    x = 0.0
    for plugin in plugins:
        width = 22 + 7.0 * len(plugin)
        if lines[-1] and x + width > WIDTH:
            lines.append([])
            x = 0.0
        lines[-1].append((plugin, x))
        x += width + 14
    return lines


def _legend(lines: Sequence[Sequence[tuple[str, float]]], colors: dict[str, str], hidden: frozenset[str]
            ) -> list[str]:
    out = []
    for i, line in enumerate(lines):
        y = 4 + i * LEGEND_ROW
        for plugin, x in line:
            name = f"{plugin} (hidden)" if plugin in hidden else plugin
            out.append(f'<rect x="{x:.0f}" y="{y}" width="14" height="14" fill="{_color(plugin, colors, hidden)}"/>'
                       f'<text x="{x + 19:.0f}" y="{y + 12}">{escape(name)}</text>')
    return out


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"
