"""export writes CSV and JSON Lines without pandas (analyzer/tablefiles.py): the bytes must be what pandas
writes for the same frames (frames.TableWriter, the reference), on real and generated logs and on the
cells pandas formats by itself (times of every resolution, missing cells, list cells, floats in Int64)."""

from __future__ import annotations

import io
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
from conftest import LAB, framework_log, generated_log, legacy_log, needs_shared

from analyzer.frames import CHUNK, SCHEMAS, TABLES, TableWriter, export_tables, frame, iter_frames
from analyzer.tablefiles import TextTable, time_texts


def _reference(result, directory: Path, fmt: str, chunk: int) -> list[Path]:
    """The tables as the frames write them (what export wrote before tablefiles)."""
    directory.mkdir()
    writers = {t: TableWriter(directory / f"{t}.{fmt}", fmt, t) for t in TABLES}
    for frames in iter_frames(result, chunk):
        for table, df in frames.items():
            writers[table].write(df)
    for writer in writers.values():
        writer.close()
    return [directory / f"{t}.{fmt}" for t in TABLES]


def _same_files(result, tmp_path: Path, chunk: int = CHUNK) -> None:
    for fmt in ("csv", "json"):
        want = _reference(result, tmp_path / f"want-{fmt}", fmt, chunk)
        (tmp_path / f"got-{fmt}").mkdir()
        got = export_tables(result, tmp_path / f"got-{fmt}", fmt, chunk)
        for w, g in zip(want, got, strict=True):
            assert g.read_bytes() == w.read_bytes(), (fmt, g.name)


@needs_shared
@pytest.mark.parametrize("log", [
    lambda: framework_log("v1.30.6-five-nodes"), lambda: legacy_log(sorted(p.name for p in (LAB / "v1.14.1")
                                                                           .iterdir() if p.is_dir())[0]),
    lambda: framework_log("v1.21.0-pre-five-nodes-json"),
], ids=["1.30", "1.14", "1.21-json"])
def test_text_tables_are_the_bytes_pandas_writes_on_lab_logs(tmp_path, log):
    from analyzer.analysis import analyze

    _same_files(analyze(log()).result, tmp_path, chunk=3)


def test_text_tables_are_the_bytes_pandas_writes_on_a_generated_log_with_ties(tmp_path):
    from analyzer.analysis import analyze

    result = analyze(generated_log(tmp_path, nodes=100, pods=4, seed=5)).result  # reconciled: ties are found
    assert any(len(d.nodes) > 1 for a in result.attempts for d in a.discrepancies)  # list cells are written
    assert result.attempts and all(a.nodes for a in result.attempts)
    _same_files(result, tmp_path)


def _csv(df: pd.DataFrame) -> str:
    out = io.StringIO()
    df.to_csv(out, index=False, lineterminator="\n")
    return out.getvalue()


TIMES = {
    "dates only": [datetime(2026, 11, 28), None, datetime(2026, 12, 1)],
    "seconds": [datetime(2026, 11, 28, 16, 0, 1), datetime(2026, 11, 28)],
    "milliseconds": [datetime(2026, 11, 28, 16, 0, 1, 250_000), None, datetime(2026, 11, 28, 16)],
    "microseconds": [datetime(2026, 11, 28, 16, 0, 1, 250_000), datetime(2026, 11, 28, 16, 0, 1, 7)],
    "none": [None, None],
}


@pytest.mark.parametrize("times", TIMES.values(), ids=TIMES.keys())
def test_times_are_written_as_pandas_writes_them(tmp_path, times):
    rows = [{"seq": i, "started_at_time": t, "complete": i % 2 == 0, "evaluated_nodes": float(i)}
            for i, t in enumerate(times)]
    pandas = _csv(pd.DataFrame({"t": pd.array(times, dtype="datetime64[us]"), "x": 0})).splitlines()[1:]
    assert time_texts(times) == [line.split(",")[0] for line in pandas]
    for fmt in ("csv", "json"):
        want, got = tmp_path / f"want.{fmt}", tmp_path / f"got.{fmt}"
        writer = TableWriter(want, fmt)
        writer.write(frame("attempts", rows))
        writer.close()
        table = TextTable(got, fmt, SCHEMAS["attempts"])
        table.write(iter(rows))
        table.close()
        assert got.read_bytes() == want.read_bytes(), fmt


def test_a_slice_of_rows_shares_one_time_format_as_in_pandas(tmp_path):
    """pandas formats 100,000 cells at a time: with 2,000 columns a slice is 50 rows, and the first 50
    times (midnight) are written as dates while the next ones carry microseconds."""
    schema = (("t", "datetime64[us]"), *((f"c{i}", "Int64") for i in range(1999)))
    times = [datetime(2026, 1, 1)] * 50 + [datetime(2026, 1, 2, 3, 4, 5, 6)] * 70
    df = pd.DataFrame({"t": pd.array(times, dtype="datetime64[us]"),
                       **{name: pd.array(range(120), dtype="Int64") for name, _ in schema[1:]}})
    table = TextTable(tmp_path / "t.csv", "csv", schema)
    table.write({"t": t, **{name: i for name, _ in schema[1:]}} for i, t in enumerate(times))
    table.close()
    text = (tmp_path / "t.csv").read_text()
    assert text == _csv(df)
    lines = text.splitlines()
    assert lines[1].startswith("2026-01-01,0,") and lines[51].startswith("2026-01-02 03:04:05.000006,")


def test_export_does_not_import_pandas_for_csv_and_json(tmp_path):
    """pandas costs 34 MB of RSS: the CSV and JSON Lines exports must not load it (Parquet does)."""
    log = generated_log(tmp_path, nodes=20, pods=3, seed=2)
    probe = ("import sys; from typer.testing import CliRunner; from analyzer.cli import app; "
             f"r = CliRunner().invoke(app, ['export', {str(log)!r}, '--out-dir', {str(tmp_path / 'out')!r}, "
             "'-f', sys.argv[1], '-q']); assert r.exit_code == 0, r.output; print('pandas' in sys.modules)")
    loaded = {fmt: subprocess.run([sys.executable, "-c", probe, fmt], capture_output=True, text=True, check=True,
                                  cwd=Path(__file__).resolve().parents[1]).stdout.strip()
              for fmt in ("csv", "json", "parquet")}
    assert loaded == {"csv": "False", "json": "False", "parquet": "True"}
    assert (tmp_path / "out" / "scores.csv").stat().st_size > 0
