"""One way to print a table for every command: boxed on a terminal, plain aligned columns when piped.

Cells are never cut: a terminal table that would not fit first drops its optional columns, then is
printed as plain columns (a long pod or node name widens the line instead of being shortened).
``-o wide`` adds the wide-only columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.console import Console
from rich.table import Table
from rich.text import Text

GAP = "  "  # between plain columns


@dataclass(frozen=True)
class Column:
    """A table column: its header, alignment, and when it is shown."""

    header: str
    right: bool = False  # numbers align right
    optional: bool = False  # dropped on a terminal too narrow for it (always shown when piped)
    wide: bool = False  # shown with -o wide only


@dataclass
class TableData:
    """Rows of text cells under columns; ``title`` is shown on a terminal only."""

    columns: list[Column]
    rows: list[list[str]] = field(default_factory=list)
    title: str | None = None


def cell(value: object) -> str:
    """A table cell's text: the value, or "-" where there is none."""
    return "-" if value is None else str(value)


def plain_lines(columns: list[Column], rows: list[list[str]], headers: bool = True) -> list[str]:
    """Aligned columns separated by two spaces, no box characters, no trailing blanks (for grep and awk)."""
    body = [[c.header for c in columns]] if headers else []
    last = len(columns) - 1  # an empty cell reads as '-' so awk still counts fields; a trailing one may stay empty
    body += [[(cell or "-") if i < last else cell for i, cell in enumerate(row)] for row in rows]
    if not body:
        return []
    widths = [max(len(row[i]) for row in body) for i in range(len(columns))]
    return [GAP.join(cell.rjust(w) if col.right else cell.ljust(w)
                     for col, cell, w in zip(columns, row, widths, strict=True)).rstrip()
            for row in body]


def boxed_width(columns: list[Column], rows: list[list[str]]) -> int:
    """The width of the boxed rich table: each cell padded by one space each side, a border between."""
    widths = [max([len(c.header)] + [len(row[i]) for row in rows]) for i, c in enumerate(columns)]
    return sum(widths) + 3 * len(widths) + 1


def _pick(table: TableData, wide: bool) -> tuple[list[Column], list[list[str]]]:
    keep = [i for i, c in enumerate(table.columns) if wide or not c.wide]
    return [table.columns[i] for i in keep], [[row[i] for i in keep] for row in table.rows]


def render_table(table: TableData, console: Console, *, wide: bool = False, headers: bool = True) -> None:
    """Print the table: boxed when the console is a terminal and it fits, else plain aligned columns."""
    columns, rows = _pick(table, wide)
    if not console.is_terminal:
        _print_lines(console, plain_lines(columns, rows, headers))
        return
    while boxed_width(columns, rows) > console.width and any(c.optional for c in columns) and not wide:
        drop = max(i for i, c in enumerate(columns) if c.optional)  # the rightmost optional column first
        columns = columns[:drop] + columns[drop + 1:]
        rows = [row[:drop] + row[drop + 1:] for row in rows]
    if boxed_width(columns, rows) > console.width:
        _print_lines(console, plain_lines(columns, rows, headers))
        return
    rich_table = Table(title=table.title, show_header=headers)
    for c in columns:
        rich_table.add_column(c.header, justify="right" if c.right else "left", no_wrap=True)
    for row in rows:
        rich_table.add_row(*(Text(cell) for cell in row))  # cells are text, never markup
    console.print(rich_table, markup=False, highlight=False)


def _print_lines(console: Console, lines: list[str]) -> None:
    for line in lines:
        console.print(line, markup=False, highlight=False, soft_wrap=True)
