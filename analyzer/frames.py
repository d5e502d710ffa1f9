"""Tidy tables of an analysis (attempts, nodes, scores, discrepancies) for pandas users and exports.

One row per item, a fixed column order and nullable dtypes (Int64, boolean, string), so a table
has the same schema whether a log has one attempt or a million, and chunks can be appended.
Every score value keeps its provenance in a sibling ``<value>_provenance`` column.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .model import AnalysisResult, Attempt, NodeResult, Score
from .report.explain import contribution
from .report.ranking import ranks
from .times import FullTimes

if TYPE_CHECKING:
    import pandas as pd  # imported where frames are made: export's CSV and JSON Lines never need it (34 MB)

TABLES = ("attempts", "nodes", "scores", "discrepancies")
CHUNK = 2000  # attempts per chunk when tables are built (and exported) incrementally
# ... or fewer, when they hold this many nodes: 2,000 attempts of 50 nodes (a 150 MB log) took 500 MB as frames
CHUNK_NODES = 5_000

Column = tuple[str, str]  # (name, pandas dtype)

ATTEMPT_COLUMNS: tuple[Column, ...] = (
    ("seq", "Int64"), ("pod", "string"), ("attempt", "Int64"), ("started_at", "string"),
    ("started_at_time", "datetime64[us]"), ("started_at_time_provenance", "string"),
    ("profile", "string"), ("outcome", "string"), ("outcome_provenance", "string"),
    ("selected_node", "string"), ("bound_node", "string"), ("winner", "string"),
    ("evaluated_nodes", "Int64"), ("feasible_nodes", "Int64"), ("scored_nodes", "Int64"),
    ("failure_message", "string"), ("complete", "boolean"), ("incomplete_reason", "string"),
    ("stream", "string"), ("input", "Int64"), ("first_line", "Int64"), ("last_line", "Int64"),
    ("discrepancies", "Int64"),
)
NODE_COLUMNS: tuple[Column, ...] = (
    ("seq", "Int64"), ("pod", "string"), ("attempt", "Int64"), ("node", "string"),
    ("filter", "string"), ("filter_provenance", "string"), ("total_logged", "Int64"),
    ("total_recomputed", "Int64"), ("visible_sum", "Int64"), ("rank", "Int64"), ("winner", "boolean"),
)
SCORE_VALUES = ("raw", "normalized", "weight", "weighted", "recomputed")
SCORE_COLUMNS: tuple[Column, ...] = (
    ("seq", "Int64"), ("pod", "string"), ("attempt", "Int64"), ("node", "string"), ("plugin", "string"),
    ("logged_as", "string"), ("hidden", "boolean"),
    *((c, d) for v in SCORE_VALUES for c, d in ((v, "Int64"), (f"{v}_provenance", "string"))),
    ("contribution", "Int64"),
)
DISCREPANCY_COLUMNS: tuple[Column, ...] = (
    ("seq", "Int64"), ("pod", "string"), ("attempt", "Int64"), ("kind", "string"), ("node", "string"),
    ("plugin", "string"), ("logged", "Int64"), ("recomputed", "Int64"), ("amount", "Int64"),
    ("attribution", "string"), ("explanation", "string"), ("confidence", "string"), ("explained", "boolean"),
    ("nodes", "string"), ("node_list", "object"),
)
LIST_COLUMNS = frozenset({"node_list"})  # cells hold a list of strings (CSV: a JSON array)
SCHEMAS: dict[str, tuple[Column, ...]] = {
    "attempts": ATTEMPT_COLUMNS, "nodes": NODE_COLUMNS, "scores": SCORE_COLUMNS,
    "discrepancies": DISCREPANCY_COLUMNS,
}


def _attempt_row(seq: int, a: Attempt, times: FullTimes) -> dict[str, Any]:
    span = a.span
    full = times.of(a)
    return {
        "seq": seq, "pod": a.pod, "attempt": a.attempt, "started_at": a.started_at,
        "started_at_time": full.datetime(), "started_at_time_provenance": full.provenance, "profile": a.profile,
        "outcome": a.outcome.value, "outcome_provenance": _value(a.outcome_provenance),
        "selected_node": a.selected_node, "bound_node": a.bound_node, "winner": a.winner,
        "evaluated_nodes": a.evaluated_nodes, "feasible_nodes": a.feasible_nodes,
        "scored_nodes": sum(1 for n in a.nodes if n.scores),
        "failure_message": a.failure.message if a.failure else None, "complete": a.complete,
        "incomplete_reason": a.incomplete_reason, "stream": a.stream,
        "input": span.input if span else None, "first_line": span.first_line if span else None,
        "last_line": span.last_line if span else None, "discrepancies": len(a.discrepancies),
    }


def _node_row(seq: int, a: Attempt, n: NodeResult, rank: dict[str, int]) -> dict[str, Any]:
    return {
        "seq": seq, "pod": a.pod, "attempt": a.attempt, "node": n.node, "filter": n.filter.value,
        "filter_provenance": _value(n.filter_provenance), "total_logged": n.total_logged,
        "total_recomputed": n.total_recomputed, "visible_sum": n.visible_sum, "rank": rank.get(n.node),
        "winner": n.node == a.winner,
    }


def _node_rows(seq: int, a: Attempt) -> list[dict[str, Any]]:
    rank = ranks(a)
    return [_node_row(seq, a, n, rank) for n in a.nodes]


def _score_row(seq: int, a: Attempt, n: NodeResult, s: Score) -> dict[str, Any]:
    row: dict[str, Any] = {"seq": seq, "pod": a.pod, "attempt": a.attempt, "node": n.node, "plugin": s.plugin,
                           "logged_as": s.logged_as, "hidden": s.hidden}
    for name in SCORE_VALUES:
        value = s.value(name)
        row[name] = value
        default = "recomputed" if name == "recomputed" and value is not None else None
        row[f"{name}_provenance"] = s.provenance.get(name, default)
    row["contribution"] = contribution(s)
    return row


def _discrepancy_rows(seq: int, a: Attempt, times: FullTimes) -> list[dict[str, Any]]:
    rows = []
    for d in a.discrepancies:
        data = d.to_dict() if hasattr(d, "to_dict") else dict(d)
        rows.append({"seq": seq, "pod": a.pod, "attempt": a.attempt,
                     **{c: _scalar(data.get(c)) for c, _ in DISCREPANCY_COLUMNS[3:] if c not in LIST_COLUMNS},
                     "node_list": [str(n) for n in data.get("nodes") or ()]})
    return rows


def _value(enum_or_none: Any) -> str | None:
    return enum_or_none.value if enum_or_none is not None else None


def _scalar(value: Any) -> Any:
    """Scalars as they are, lists comma-joined, anything else as its string form (cells hold scalars)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return ",".join(map(str, value)) if value else None
    return str(value)


ROW_BUILDERS: dict[str, Callable[[int, Attempt, FullTimes], list[dict[str, Any]]]] = {
    "attempts": lambda seq, a, times: [_attempt_row(seq, a, times)],
    "nodes": lambda seq, a, times: _node_rows(seq, a),
    "scores": lambda seq, a, times: [_score_row(seq, a, n, s) for n in a.nodes for s in n.scores],
    "discrepancies": _discrepancy_rows,
}


def frame(table: str, rows: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """A DataFrame with exactly the table's columns, in order, with its dtypes (also when empty)."""
    import pandas as pd

    schema = SCHEMAS[table]
    data = {name: _column([row.get(name) for row in rows], dtype) for name, dtype in schema}
    return pd.DataFrame(data, columns=[name for name, _ in schema])


def _column(values: list[Any], dtype: str) -> Any:
    import pandas as pd

    if dtype != "object":
        return pd.array(values, dtype=dtype)
    cells = np.empty(len(values), dtype=object)  # lists as cells: pd.array would read them as rows
    cells[:] = values
    return cells


def iter_frames(result: AnalysisResult, chunk: int = CHUNK) -> Iterator[dict[str, pd.DataFrame]]:
    """The tables in chunks of ``chunk`` attempts (at least one chunk, possibly empty)."""
    return iter_attempt_frames(result.attempts, chunk, FullTimes.for_result(result))


def iter_attempt_frames(attempts: Iterable[Attempt], chunk: int = CHUNK, times: FullTimes | None = None
                        ) -> Iterator[dict[str, pd.DataFrame]]:
    """The tables of attempts as they come (e.g. from analyzer.stream), ``chunk`` attempts at a time.

    ``times`` gives full start times (without it, only where the log shows the year).
    """
    times = times or FullTimes(())
    for part in _parts(attempts, chunk):
        yield _chunk_frames(part, times)


def _parts(attempts: Iterable[Attempt], chunk: int) -> Iterator[list[tuple[int, Attempt]]]:
    """The numbered attempts in chunks of ``chunk`` attempts or CHUNK_NODES nodes (at least one, maybe empty)."""
    part: list[tuple[int, Attempt]] = []
    emitted = False
    nodes = 0
    for seq, attempt in enumerate(attempts):
        part.append((seq, attempt))
        nodes += len(attempt.nodes)
        if len(part) == chunk or nodes >= CHUNK_NODES:
            yield part
            part, emitted, nodes = [], True, 0
    if part or not emitted:
        yield part


def _chunk_frames(part: Sequence[tuple[int, Attempt]], times: FullTimes) -> dict[str, pd.DataFrame]:
    return {table: frame(table, [row for seq, a in part for row in build(seq, a, times)])
            for table, build in ROW_BUILDERS.items()}


def to_frames(result: AnalysisResult) -> dict[str, pd.DataFrame]:
    """The four tidy tables of the whole analysis: attempts, nodes, scores, discrepancies."""
    import pandas as pd

    chunks = list(iter_frames(result))
    if len(chunks) == 1:
        return chunks[0]
    return {table: pd.concat([c[table] for c in chunks], ignore_index=True) for table in TABLES}


class TableWriter:
    """Appends chunks of one table to one file: CSV, Parquet (pyarrow) or JSON Lines. export writes Parquet so;
    its CSV and JSON Lines come from tablefiles.TextTable, which must give the bytes written here."""

    def __init__(self, path: Path, fmt: str, table: str | None = None) -> None:
        self.path, self.fmt, self.table = path, fmt, table
        self._file: Any = None
        self._parquet: Any = None

    def write(self, df: pd.DataFrame) -> None:
        if self.fmt == "parquet":
            self._write_parquet(df)
            return
        first = self._file is None
        if first:
            self._file = self.path.open("w", encoding="utf-8", newline="")
        if self.fmt == "csv":
            lists = {c: df[c].map(_json_cell) for c in df.columns if c in LIST_COLUMNS}
            df.assign(**lists).to_csv(self._file, header=first, index=False, lineterminator="\n")
        else:
            for record in df.astype(object).where(df.notna(), None).to_dict(orient="records"):
                self._file.write(json.dumps(record, ensure_ascii=False, default=_json_value) + "\n")

    def _write_parquet(self, df: pd.DataFrame) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        schema = arrow_schema(self.table) if self.table else None
        table = pa.Table.from_pandas(df, schema=schema, preserve_index=False)
        if self._parquet is None:
            self._parquet = pq.ParquetWriter(self.path, table.schema)
        self._parquet.write_table(table.cast(self._parquet.schema))

    def close(self) -> None:
        for handle in (self._file, self._parquet):
            if handle is not None:
                handle.close()


def _json_cell(value: Any) -> str | None:
    """A list cell as JSON text (a CSV cell holds one string)."""
    return None if value is None else json.dumps(list(value), ensure_ascii=False)


def _json_value(value: Any) -> Any:
    """What json.dumps cannot write itself: timestamps as ISO 8601, lists and arrays as lists."""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, (tuple, np.ndarray)):
        return list(value)
    return str(value)


def arrow_schema(table: str):
    """The Parquet schema of a table: its pandas dtypes, list columns as lists of strings (even when empty)."""
    import pyarrow as pa

    schema = pa.Schema.from_pandas(frame(table, []), preserve_index=False)
    for name in LIST_COLUMNS & {n for n, _ in SCHEMAS[table]}:
        schema = schema.set(schema.get_field_index(name), pa.field(name, pa.list_(pa.string())))
    return schema


EXPORT_EXTENSIONS = {"csv": "csv", "parquet": "parquet", "json": "jsonl"}


def export_tables(result: AnalysisResult, directory: Path, fmt: str, chunk: int = CHUNK) -> list[Path]:
    """Write each table to ``directory/<table>.<ext>`` chunk by chunk; returns the files written."""
    return export_attempts(result.attempts, directory, fmt, chunk, FullTimes.for_result(result))


def export_attempts(attempts: Iterable[Attempt], directory: Path, fmt: str, chunk: int = CHUNK,
                    times: FullTimes | None = None) -> list[Path]:
    """Like export_tables for attempts that arrive one by one: memory holds one chunk at a time.

    ``times`` gives full start times (FullTimes(paths, year) for a stream; see analyzer.times).
    """
    paths = [directory / f"{table}.{EXPORT_EXTENSIONS[fmt]}" for table in TABLES]
    if fmt == "parquet":
        writers: dict[str, Any] = {t: TableWriter(p, fmt, t) for p, t in zip(paths, TABLES, strict=True)}
    else:  # CSV and JSON Lines a row at a time, without pandas (the same bytes)
        from .tablefiles import TextTable

        writers = {t: TextTable(p, fmt, SCHEMAS[t]) for p, t in zip(paths, TABLES, strict=True)}
    times = times or FullTimes(())
    try:
        for part in _parts(attempts, chunk):
            if fmt == "parquet":
                for table, df in _chunk_frames(part, times).items():
                    writers[table].write(df)
                continue
            for table, build in ROW_BUILDERS.items():
                writers[table].write(row for seq, a in part for row in build(seq, a, times))
    finally:
        for writer in writers.values():
            writer.close()
    return paths
