"""A file read in parts gives the same parts whether each part is read by the columnar stage or line by
line: the same attempts, line accounting, format features, marks, repairs, claims and overrun."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from conftest import REPO
from test_columnar import _fuzzed_lines
from test_parts import chunked

from analyzer.parse import columnar
from analyzer.parts import plan_chunks
from analyzer.read import blocks
from analyzer.report.jsonout import attempt_to_dict, dumps, result_to_dict
from analyzer.synth import ERAS, write_log

FEATURE_COUNTERS = ("wrappers", "encodings", "files", "kinds", "styles", "pod_forms")


def _parts(path: str, columns: bool, jobs: int, min_bytes: int) -> tuple:
    """(merged result or None, why, the parts) as test_parts.chunked gives them, read by the columns or not."""
    before = columnar.enabled()
    columnar.set_enabled(columns)
    try:
        return chunked(path, jobs, min_bytes)
    finally:
        columnar.set_enabled(before)


def _assert_parts_alike(path: str, jobs: int, min_bytes: int) -> list:
    """Each part read by the columns equals the same part read line by line; so do the merged parts."""
    *line_merged, line_parts = _parts(path, False, jobs, min_bytes)
    *col_merged, col_parts = _parts(path, True, jobs, min_bytes)
    assert len(line_parts) == len(col_parts) >= 3
    for line, col in zip(line_parts, col_parts, strict=True):
        assert [(seq, started, attempt_to_dict(a)) for seq, started, a in col.attempts] == \
            [(seq, started, attempt_to_dict(a)) for seq, started, a in line.attempts]
        assert col.tally == line.tally
        assert col.features == line.features
        for name in FEATURE_COUNTERS:  # also the order keys came in
            assert list(getattr(col.features, name)) == list(getattr(line.features, name))
        assert (col.marks, col.repairs, col.claims) == (line.marks, line.repairs, line.claims)
        assert (col.inexact, col.overrun_lines, col.config_events) == \
            (line.inexact, line.overrun_lines, line.config_events)
    assert col_merged[1] == line_merged[1]  # why the parts could not be merged, or None
    if line_merged[0] is not None:
        assert dumps(result_to_dict(col_merged[0])) == dumps(result_to_dict(line_merged[0]))
    return col_parts


@pytest.mark.parametrize("era", ERAS)
def test_generated_text_logs_in_parts_read_alike(tmp_path, era):
    path = tmp_path / f"{era}.log"
    with open(path, "w", encoding="utf-8") as fh:
        write_log(fh, era, nodes=12, pods=60, seed=5)
    parts = _assert_parts_alike(str(path), 6, 20_000)
    assert sum(p.tally.total for p in parts) > 3000
    assert not any(p.inexact for p in parts)


@pytest.mark.parametrize("era", ["1.21", "1.30"])
def test_generated_json_logs_in_parts_read_alike(tmp_path, era):
    path = tmp_path / f"{era}.json.log"
    with open(path, "w", encoding="utf-8") as fh:
        write_log(fh, era, nodes=12, pods=60, fmt="json", seed=5)
    _assert_parts_alike(str(path), 6, 20_000)


@pytest.mark.parametrize("block_bytes", [None, 4096])
@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::SyntaxWarning")  # _unquote on junk
def test_fuzzed_log_in_parts_reads_alike(tmp_path, monkeypatch, block_bytes):
    path = tmp_path / "fuzzed.log"
    path.write_bytes(b"\n".join(_fuzzed_lines(1)) + b"\nI1128 16:09:00.000001   12407 x.go:1] no line end")
    if block_bytes:
        monkeypatch.setattr(blocks, "BLOCK_BYTES", block_bytes)
    _assert_parts_alike(str(path), 8, 10_000)


def test_parts_take_the_columns_and_fall_back_on_a_prefix(tmp_path, monkeypatch):
    """The parts of a plain file are read by blocks (warm-ups included); a part whose head the per-line
    reader would learn a prefix from is read line by line, and so is the file's tail after an over-long line."""
    ranges = []
    real = columnar.columnar_events

    def spy(*args, part=None, **kwargs):
        ranges.append(part)
        return real(*args, part=part, **kwargs)

    monkeypatch.setattr(columnar, "columnar_events", spy)
    monkeypatch.setattr("analyzer.read.sources.MAX_LINE_BYTES", 3000)
    buf = __import__("io").StringIO()
    write_log(buf, "1.30", nodes=12, pods=60, seed=5)
    lines = buf.getvalue().splitlines()
    lines.insert(len(lines) // 2, "x" * 9000)
    path = tmp_path / "long.log"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    parts = _assert_parts_alike(str(path), 6, 20_000)
    taken = [r for r in ranges if r is not None]
    assert len(taken) == 2 * len(parts) - 1  # every part and every warm-up
    resumed = sum(r.resume is not None for r in taken)  # the part and the warm-ups holding the over-long line
    assert 1 <= resumed < len(taken)
    ranges.clear()
    prefixed = tmp_path / "journald.log"
    prefixed.write_text("\n".join(f"May 21 20:52:25 host kube-scheduler[91664]: {line}" for line in lines[:4000])
                        + "\n", encoding="utf-8")
    _assert_parts_alike(str(prefixed), 6, 20_000)
    assert [r for r in ranges if r is not None] == []  # no part by the columns (one pass may read it whole)


@pytest.mark.parametrize("command", ["attempts", "check"])
def test_cli_json_in_parts_is_byte_identical(tmp_path, command):
    """--jobs 2 in parts, by the columns or per line, and --jobs 1 give the same bytes."""
    path = tmp_path / "x.log"
    with open(path, "w", encoding="utf-8") as fh:
        write_log(fh, "1.30", nodes=20, pods=60, seed=4)
    assert len(plan_chunks(str(path), 2, 50_000)) == 2
    outputs = []
    for value, jobs in (("line", "2"), ("", "2"), ("", "1")):
        env = dict(os.environ, SCHEDLOG_PARSER=value, PYTHONPATH=str(REPO), SCHEDLOG_MIN_CHUNK_BYTES="50000")
        run = subprocess.run([sys.executable, "-m", "analyzer", "--jobs", jobs, command, str(path), "-o", "json"],
                             env=env, capture_output=True, cwd=REPO)
        assert run.returncode in (0, 1), run.stderr
        outputs.append(run.stdout)
    assert outputs[0] == outputs[1] == outputs[2]
    assert len(outputs[0]) > 1000
