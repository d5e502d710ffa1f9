"""CSV and JSON Lines tables written a row at a time, byte for byte what pandas writes for the same frames.

``export`` writes these without pandas: importing it (34 MB) and a chunk's frames and CSV buffers (~30 MB)
made export the one command near 300 MB at 1 GB. A cell is first made what ``frames.frame``'s dtype
would make it (an Int64 cell an int, a string cell a str, ...), then written as pandas writes that dtype.
Parquet still goes through the frames (``frames.TableWriter``). tests/test_tablefiles.py compares both.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import Any

from .frames import _json_cell, _json_value

TIME = "datetime64[us]"
CSV_CELLS = 100_000  # pandas' to_csv formats its rows in slices of this many cells (a slice's times share a format)


def _as_int(value: Any) -> int:
    if isinstance(value, float) and not value.is_integer():
        raise TypeError(f"cannot safely cast non-equivalent float {value} to int64")
    return int(value)


def _as_time(value: datetime) -> datetime:
    if value.tzinfo is not None:
        raise ValueError("cannot supply both a tz and a timezone-naive dtype (i.e. datetime64[us])")
    return value


# What a cell becomes in a column of each dtype (pd.array's conversions); a missing cell stays None.
COERCE: dict[str, Callable[[Any], Any]] = {
    "Int64": _as_int,
    "string": lambda value: value if isinstance(value, str) else str(value),
    "boolean": bool,
    TIME: _as_time,
    "object": lambda value: value,
}


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _csv_text(dtype: str, value: Any) -> str:
    """A cell (already coerced) as to_csv writes it: a missing one empty, a list column's cell as JSON."""
    if value is None:
        return ""
    if dtype == "object":
        return _json_cell(value)
    return value if dtype == "string" else str(value)


def time_texts(values: list[datetime | None]) -> list[str]:
    """Times as to_csv writes one slice of a datetime64[us] column: the date alone when every time is
    midnight, else with as many fraction digits (none, 3 or 6) as the finest time in the slice needs."""
    present = [v for v in values if v is not None]
    if all(not (v.hour or v.minute or v.second or v.microsecond) for v in present):
        return ["" if v is None else f"{v.year}-{v.month:02d}-{v.day:02d}" for v in values]
    fraction = (lambda us: f".{us:06d}") if any(v.microsecond % 1000 for v in present) else (
        (lambda us: f".{us // 1000:03d}") if any(v.microsecond for v in present) else (lambda us: ""))
    return ["" if v is None else f"{v.year}-{v.month:02d}-{v.day:02d} {v.hour:02d}:{v.minute:02d}:{v.second:02d}"
            f"{fraction(v.microsecond)}" for v in values]


class TextTable:
    """One table's file, CSV or JSON Lines, written chunk by chunk as frames.TableWriter writes the frames."""

    def __init__(self, path: Path, fmt: str, schema: tuple[tuple[str, str], ...]) -> None:
        self.path, self.fmt = path, fmt
        self.names = [name for name, _ in schema]
        self.dtypes = [dtype for _, dtype in schema]
        self._coerce = [COERCE[dtype] for dtype in self.dtypes]
        self._times = [i for i, dtype in enumerate(self.dtypes) if dtype == TIME]
        self._slice = max(CSV_CELLS // len(schema), 1)
        self._file: Any = None
        self._csv: Any = None

    def write(self, rows: Iterable[dict[str, Any]]) -> None:
        """One chunk's rows (what frames.frame would make one frame of); the file opens at the first chunk."""
        if self._file is None:
            self._file = self.path.open("w", encoding="utf-8", newline="")
            if self.fmt == "csv":
                self._csv = csv.writer(self._file, lineterminator="\n")
                self._csv.writerow(self.names)
        cells = (self._cells(row) for row in rows)
        if self._csv is None:
            for values in cells:
                record = dict(zip(self.names, values, strict=True))
                self._file.write(json.dumps(record, ensure_ascii=False, default=_json_value) + "\n")
        elif not self._times:
            self._csv.writerows([_csv_text(d, v) for d, v in zip(self.dtypes, values, strict=True)]
                                for values in cells)
        else:
            for batch in _batches(cells, self._slice):
                self._csv.writerows(self._csv_rows(batch))

    def _cells(self, row: dict[str, Any]) -> list[Any]:
        values = (row.get(name) for name in self.names)
        return [None if _missing(v) else coerce(v) for coerce, v in zip(self._coerce, values, strict=True)]

    def _csv_rows(self, batch: list[list[Any]]) -> list[list[str]]:
        texts = [[_csv_text(d, v) for d, v in zip(self.dtypes, values, strict=True)] for values in batch]
        for column in self._times:
            for text, time in zip(texts, time_texts([values[column] for values in batch]), strict=True):
                text[column] = time
        return texts

    def close(self) -> None:
        if self._file is not None:
            self._file.close()


def _batches(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch
