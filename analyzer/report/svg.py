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
TAIL_RATIO = 2  # hidden/unaccounted parts are drawn at most this many times the widest logged difference


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


def gap_rows(losses: Sequence[Loss], labels: Sequence[str]) -> list[GapRow]:
    """The rows of the chart for these losers (in the order given), labelled as given."""
    return [GapRow(label, loss.margin, loss.behind_on, loss.ahead_on)
            for label, loss in zip(labels, losses, strict=True)]


def gap_chart(rows: Sequence[GapRow], colors: dict[str, str], hidden: frozenset[str] = frozenset()) -> str | None:
    """The chart's SVG markup, or None when no row has a known margin.

    A hidden or unaccounted part many times larger than the logged plugins' differences (a legacy
    log's +100000) is drawn shortened, with its number written on it, so the small parts stay visible.
    """
    rows = [r for r in rows if r.margin is not None]
    if not rows:
        return None
    plugins = list(dict.fromkeys(p for r in rows for p, _ in (*r.behind, *r.ahead)))
    if any(r.unaccounted for r in rows):
        plugins.append(UNACCOUNTED)
    tail = frozenset(hidden | {UNACCOUNTED})
    parts = [_parts(r) for r in rows]
    visible = max((sum(v for p, v, _ in row if p not in tail) for row in parts), default=0)
    cap = max(visible, 1) * TAIL_RATIO if visible else None
    drawn = [[(p, v, sign, v if cap is None or p not in tail else min(v, cap)) for p, v, sign in row]
             for row in parts]
    shortened = any(width < v for row in drawn for _, v, _, width in row)
    left = max(sum(w for _, _, sign, w in row if sign < 0) for row in drawn)
    right = max(max(sum(w for _, _, sign, w in row if sign > 0) for row in drawn), 1)
    legend_lines = _legend_layout([f"{p} (hidden)" if p in hidden else p for p in plugins])
    top = LEGEND_ROW * len(legend_lines) + 8
    height = top + ROW * len(rows) + 26
    scale = (WIDTH - LABEL - MARGIN_TEXT) / (left + right)
    zero = LABEL + left * scale
    out = [f'<svg class="gap-chart" xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
           f'viewBox="0 0 {WIDTH} {height}" role="img" font-family="DejaVu Sans, Verdana, sans-serif" '
           'font-size="12">']
    out += _legend(legend_lines, plugins, colors, hidden)
    for i, (row, segments) in enumerate(zip(rows, drawn, strict=True)):
        y = top + i * ROW
        out.append(f'<text x="{LABEL - 8}" y="{y + BAR - 3}" text-anchor="end">{escape(_short(row.label, 34))}'
                   f'<title>{escape(row.label)}</title></text>')
        out += _segments(segments, zero, y, scale, colors, hidden)
        end = zero + sum(w for _, _, sign, w in segments if sign > 0) * scale
        note = "tied with the winner" if row.margin == 0 else f"{row.margin:,} behind"
        out.append(f'<text x="{end + 6:.1f}" y="{y + BAR - 3}" fill="#333">{note}</text>')
    bottom = top + ROW * len(rows)
    out.append(f'<line x1="{zero:.1f}" y1="{top - 4}" x2="{zero:.1f}" y2="{bottom}" stroke="#333" stroke-width="1"/>')
    out.append(f'<text x="{zero:.1f}" y="{bottom + 16}" text-anchor="middle" fill="#555" font-size="11">'
               "\u2190 ahead of the winner | points behind the winner \u2192"
               + (" (hidden/unaccounted parts shortened)" if shortened else "") + "</text>")
    out.append("</svg>")
    return "".join(out)


def _parts(row: GapRow) -> list[tuple[str, int, int]]:
    """(plugin, points, +1 behind / -1 ahead) of a row, the unaccounted remainder last on its side."""
    extra = row.unaccounted
    return ([(p, v, 1) for p, v in row.behind] + ([(UNACCOUNTED, extra, 1)] if extra > 0 else [])
            + [(p, v, -1) for p, v in row.ahead] + ([(UNACCOUNTED, -extra, -1)] if extra < 0 else []))


def _segments(segments: Sequence[tuple[str, int, int, float]], zero: float, y: int, scale: float,
              colors: dict[str, str], hidden: frozenset[str]) -> list[str]:
    """The row's rects: behind parts from zero rightwards, ahead parts from zero leftwards."""
    out = []
    ends = {1: zero, -1: zero}
    for plugin, points, sign, drawn in segments:
        width = drawn * scale
        x = ends[sign] if sign > 0 else ends[sign] - width
        ends[sign] += width * sign
        what = "behind" if sign > 0 else "ahead of"
        short = drawn < points
        out.append(f'<rect x="{x:.1f}" y="{y}" width="{width:.1f}" height="{BAR}" '
                   f'fill="{_color(plugin, colors, hidden)}" stroke="#fff" stroke-width="0.5"'
                   + (' stroke-dasharray="3 2"' if short else "") + ">"
                   f"<title>{escape(plugin)}: {points:,} points {what} the winner (derived"
                   + ("; drawn shortened" if short else "") + ")</title></rect>")
        if width >= MIN_LABEL_PX or short:
            out.append(f'<text x="{x + width / 2:.1f}" y="{y + BAR - 3}" text-anchor="middle" '
                       f'font-size="10" fill="#111">{points:,}</text>')
    return out


def _color(plugin: str, colors: dict[str, str], hidden: frozenset[str]) -> str:
    if plugin == UNACCOUNTED:
        return UNACCOUNTED_COLOR
    return HIDDEN_COLOR if plugin in hidden else colors.get(plugin, HIDDEN_COLOR)


def _legend_layout(names: Sequence[str]) -> list[list[tuple[int, float]]]:
    """Legend entries in lines that fit the width: (entry index, x) per entry, sized by the shown name."""
    lines: list[list[tuple[int, float]]] = [[]]
    x = 0.0
    for i, name in enumerate(names):
        width = 22 + 7.0 * len(name)
        if lines[-1] and x + width > WIDTH:
            lines.append([])
            x = 0.0
        lines[-1].append((i, x))
        x += width + 14
    return lines


def _legend(lines: Sequence[Sequence[tuple[int, float]]], plugins: Sequence[str], colors: dict[str, str],
            hidden: frozenset[str]) -> list[str]:
    out = []
    for row, line in enumerate(lines):
        y = 4 + row * LEGEND_ROW
        for i, x in line:
            plugin = plugins[i]
            name = f"{plugin} (hidden)" if plugin in hidden else plugin
            out.append(f'<rect x="{x:.0f}" y="{y}" width="14" height="14" fill="{_color(plugin, colors, hidden)}"/>'
                       f'<text x="{x + 19:.0f}" y="{y + 12}">{escape(name)}</text>')
    return out


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"
