"""check, explain and snapshot consume the attempt stream (analyzer.run.fold) instead of collecting every
attempt: the streamed path must give what the collected path (analyze_reconciled) gives, on real logs,
and its memory must not grow with the log."""

from __future__ import annotations

import json
import logging
import tracemalloc
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import LAB, PUBLIC, legacy_log, needs_shared
from typer.testing import CliRunner

from analyzer.cli import app
from analyzer.read import blocks
from analyzer.reconcile import memo
from analyzer.reconcile.findings import CheckFindings
from analyzer.reconstruct import shared
from analyzer.regress.snapshot import snapshot, snapshot_text
from analyzer.run.batch import analyze_reconciled
from analyzer.run.fold import collected_fold, fold_reconciled
from analyzer.synth import write_log
from analyzer.times import FullTimes

pytestmark = needs_shared

REAL_LOGS = [
    ("legacy-5-nodes", [legacy_log("b-heterogeneous-5nodes")]),
    ("v1.19-prefer-avoid", [LAB / "v1.19.1-prefer-avoid" / "v1.19.1-prefer-avoid.log"]),
    ("v1.30-five-nodes", [LAB / "v1.30.6-five-nodes" / "v1.30.6-five-nodes.log"]),
    ("v1.21-json", [LAB / "v1.21.0-pre-five-nodes-json" / "v1.21.0-pre-five-nodes-json.log"]),
    ("extender-public", [PUBLIC / "07-mumoshu-node-index-extender-host-scores.log"]),
    # the first input states no version, the second does: the whole log's plan is not its head's
    ("read-twice", [PUBLIC / "07-mumoshu-node-index-extender-host-scores.log",
                    LAB / "v1.30.6-three-nodes" / "v1.30.6-three-nodes.log"]),
]


class Every:
    """A consumer keeping every attempt, to compare the stream with the collected result."""

    def __init__(self, version: str | None) -> None:
        self.version = version
        self.attempts: list = []

    def add(self, attempt) -> None:
        self.attempts.append(attempt)


@pytest.mark.parametrize("paths", [p for _, p in REAL_LOGS], ids=[name for name, _ in REAL_LOGS])
def test_the_stream_a_command_consumes_is_the_collected_result(paths: list[Path], caplog):
    logs = [str(p) for p in paths]
    collected, weights = analyze_reconciled(logs)
    with caplog.at_level(logging.INFO, logger="analyzer.run.fold"):
        folded = fold_reconciled(logs, Every)
    assert tuple(folded.consumer.attempts) == collected.attempts
    assert folded.attempts == len(collected.attempts) > 0
    assert folded.header == replace(collected, attempts=())
    assert folded.weights == weights
    assert folded.consumer.version == collected.format.k8s_version
    read_twice = "reconciled again" in caplog.text
    assert read_twice == (len(paths) == 2)  # only the two-input log's head misleads
    times = FullTimes.for_result(collected)
    assert [folded.times.of(a) for a in collected.attempts] == [times.of(a) for a in collected.attempts]


@pytest.mark.parametrize("paths", [p for _, p in REAL_LOGS], ids=[name for name, _ in REAL_LOGS])
def test_check_findings_streamed_equal_the_collected_ones(paths: list[Path]):
    logs = [str(p) for p in paths]
    collected, weights = analyze_reconciled(logs)
    found = fold_reconciled(logs, CheckFindings).consumer
    held = collected_fold(collected, weights, CheckFindings).consumer
    assert [g.to_dict() for g in found.groups()] == [g.to_dict() for g in held.groups()]
    assert found.inference() == held.inference()
    records: dict[str, list] = {}
    for a in collected.attempts:
        for d in a.discrepancies:
            records.setdefault(d.kind, []).append((a.pod, a.attempt, d.to_dict()))
    assert {k: [(ref.pod, ref.attempt, d.to_dict()) for ref, d in v] for k, v in found.records().items()} == records
    assert found.unexplained == sum(not d.explained for a in collected.attempts for d in a.discrepancies)


def test_legacy_inference_from_distinct_equations_fits_as_one_row_per_node():
    """b-heterogeneous-5nodes (v1.14.1): 24 node totals, 21 at the +100000 constant; the least-squares fit
    over the distinct equations, each weighted by its repeats, gives the per-row fit's values (1.33, 0.60)."""
    inference = fold_reconciled([str(legacy_log("b-heterogeneous-5nodes"))], CheckFindings).consumer.inference()
    assert (inference.constant, inference.rows, inference.residuals) == (100000, 24, ((0, 21), (-100000, 2), (6, 1)))
    assert inference.notes[2:] == ("BalancedResourceAllocation: best fit 1.33 is not close to an integer weight",
                                   "LeastRequestedPriority: best fit 0.60 is not close to an integer weight")


@pytest.mark.parametrize("paths", [p for _, p in REAL_LOGS], ids=[name for name, _ in REAL_LOGS])
def test_snapshot_written_piece_by_piece_equals_the_collected_snapshot(paths: list[Path], tmp_path: Path):
    logs = [str(p) for p in paths]
    expected = snapshot_text(snapshot(analyze_reconciled(logs)[0]))
    out = CliRunner().invoke(app, ["-j1", "snapshot", *logs])
    assert out.exit_code == 0
    assert out.stdout == expected
    written = tmp_path / "snap.json"
    assert CliRunner().invoke(app, ["-j1", "snapshot", *logs, "--out", str(written)]).exit_code == 0
    assert written.read_text(encoding="utf-8") == expected


def test_explain_keeps_one_pod_and_hints_the_first_names():
    log = str(LAB / "v1.30.6-five-nodes" / "v1.30.6-five-nodes.log")
    collected, _ = analyze_reconciled([log])
    pods = sorted({a.pod for a in collected.attempts})
    out = CliRunner().invoke(app, ["-j1", "explain", "--pod", "no/such-pod", log])
    assert out.exit_code == 2
    assert f"pods in the log: {', '.join(pods[:8])}{'...' if len(pods) > 8 else ''}" in out.stderr


def _peak_while_checking(path: Path) -> int:
    tracemalloc.start()
    try:
        fold_reconciled([str(path)], CheckFindings)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def bound_tables(monkeypatch, limit: int = 256) -> None:
    """Bound every memo and sharing table low, so that two logs of different sizes both fill them."""
    for module, name in ((memo, "_LIMIT"), (memo, "_PARSED_LIMIT"), (shared, "_LIMIT"), (shared, "_NODE_LIMIT")):
        monkeypatch.setattr(module, name, limit)


def test_check_memory_does_not_grow_with_the_log(tmp_path: Path, monkeypatch):
    """A generated 50-node v1.30 log of 1.5 MB and one of 6 MB (80 attempts, a finding on none): the peak
    may not grow with the attempts (it did while the assembler kept every handed-on attempt's nodes).
    The score memo and the shared inputs are bounded tables that fill as distinct scores come; here they
    are bounded low, so both logs fill them and what is left to compare is what grows without bound; and the
    columnar reader's blocks are made small, so both logs hold a whole block's hot rows at some point."""
    bound_tables(monkeypatch)
    monkeypatch.setattr(blocks, "BLOCK_BYTES", 256 * 1024)
    sizes = {}
    for mb in (1.5, 6):
        path = tmp_path / f"{mb}.log"
        with open(path, "w", encoding="utf-8") as fh:
            write_log(fh, "1.30", 50, pods=10**9, seed=5, max_bytes=int(mb * 1_000_000))
        sizes[mb] = _peak_while_checking(path)
    assert sizes[6] < sizes[1.5] * 1.5, sizes


NO_RECORDS = [LAB / "v1.30.6-three-nodes" / "v1.30.6-three-nodes.log"]


@pytest.mark.parametrize("paths", [p for _, p in REAL_LOGS] + [NO_RECORDS], ids=[n for n, _ in REAL_LOGS] + ["none"])
def test_check_json_written_record_by_record_is_the_one_document(paths: list[Path]):
    """check -o json writes its "discrepancies" record by record: the text is exactly what dumping the whole
    document at once gives, and its counts are the collected result's."""
    from analyzer.report.jsonout import dumps

    logs = [str(p) for p in paths]
    out = CliRunner().invoke(app, ["-j1", "check", "-o", "json", *logs])
    data = json.loads(out.stdout)
    assert out.stdout == dumps(data)
    collected, _ = analyze_reconciled(logs)
    assert {k: len(v) for k, v in data["discrepancies"].items()} == dict(
        Counter(d.kind for a in collected.attempts for d in a.discrepancies))
