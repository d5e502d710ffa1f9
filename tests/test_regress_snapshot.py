"""Snapshots: what they hold, and that they do not depend on timestamps, PIDs, line numbers or paths."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from analyzer import analyze
from analyzer.regress import SCHEMA, SnapshotError, compare, load_snapshot, snapshot, snapshot_text

SAMPLES = Path(__file__).resolve().parents[1] / "samples" / "lab"
THREE_30 = SAMPLES / "v1.30.6-three-nodes" / "v1.30.6-three-nodes.log"
KLOG_HEADER = re.compile(r"^([IWEF])\d{4} \d\d:\d\d:\d\d\.\d{6}\s+\d+ ", re.MULTILINE)


def snap(path: Path) -> dict:
    return snapshot(analyze(path).result)


def test_snapshot_holds_decisions_and_logged_scores():
    data = snap(THREE_30)
    assert data["schema"] == SCHEMA
    assert data["log"] == {"k8s_version": "v1.30.6", "era": "structured-1.25+", "encoding": "text"}
    assert data["weights"]["TaintToleration"] == 3  # printed in the 1.30 plugin config dump
    [attempt] = data["attempts"]
    keys = ("pod", "attempt", "outcome", "winner", "evaluated_nodes", "feasible_nodes")
    assert {k: attempt[k] for k in keys} == {"pod": "default/nginx", "attempt": 1, "outcome": "bound",
                                             "winner": "node-3", "evaluated_nodes": 3, "feasible_nodes": 3}
    # facts.json: totals 471 / 494 / 501; node-3 ImageLocality 4, NodeResourcesFit 98, TaintToleration 300.
    totals = [(n["node"], n["total"]) for n in attempt["nodes"]]
    assert totals == [("node-1", 471), ("node-2", 494), ("node-3", 501)]
    assert attempt["nodes"][2]["scores"] == {"weighted": {
        "ImageLocality": 4, "NodeResourcesBalancedAllocation": 99,
        "NodeResourcesFit": 98, "TaintToleration": 300}}
    text = snapshot_text(data)
    for volatile in ("started_at", "stream", "lines", "16:08:56", "12385", str(SAMPLES)):
        assert volatile not in text


def test_legacy_snapshot_says_which_number_the_log_prints():
    data = snap(SAMPLES / "v1.14.1" / "b-heterogeneous-5nodes" / "scheduler.log")
    assert data["log"]["k8s_version"] is None  # 1.14 never prints its version; a guess does not go in
    ml = next(a for a in data["attempts"] if a["pod"] == "ml/ml-train-5c4f7")
    large = next(n for n in ml["nodes"] if n["node"] == "worker-large-3")
    assert large["total"] == 100038
    assert set(large["scores"]) == {"raw", "normalized"}  # resource lines: the map score; others: the reduce
    assert large["scores"]["normalized"]["TaintTolerationPriority"] == 10
    assert "NodePreferAvoidPodsPriority" not in json.dumps(large["scores"])  # hidden: never printed
    failed = next(a for a in data["attempts"] if a["pod"] == "reports/batch-report-7b2kx")
    assert failed["outcome"] == "unschedulable" and failed["winner"] is None
    reasons = {"Insufficient cpu": 5, "Insufficient memory": 4}  # facts: "4 Insufficient memory, 5 ... cpu"
    assert failed["failure"] == {"reasons": reasons, "total_nodes": 5}


def test_attempts_and_nodes_are_sorted():
    data = snap(SAMPLES / "v1.30.6-five-nodes" / "v1.30.6-five-nodes.log")
    keys = [(a["pod"], a["attempt"]) for a in data["attempts"]]
    assert keys == sorted(keys) and len(keys) == 9
    for attempt in data["attempts"]:
        assert [n["node"] for n in attempt["nodes"]] == sorted(n["node"] for n in attempt["nodes"])
        for node in attempt["nodes"]:
            for values in node["scores"].values():
                assert list(values) == sorted(values)


def test_timestamps_pids_line_numbers_and_paths_do_not_matter(tmp_path):
    text = THREE_30.read_text()
    shifted = KLOG_HEADER.sub(lambda m: f"{m.group(1)}0301 01:02:03.000001   99999 ", text)
    assert shifted != text and shifted.count("99999") > 100
    moved = tmp_path / "elsewhere" / "other-name.log"
    moved.parent.mkdir()
    moved.write_text("\n\n\n" + shifted)  # three more lines: every line number moves
    assert snapshot_text(snap(moved)) == snapshot_text(snap(THREE_30))


def test_two_runs_of_one_workload_snapshot_the_same():
    # Separate processes (other PIDs, timestamps, encoding) that made the same decisions.
    text = snap(THREE_30)
    json_run = snap(SAMPLES / "v1.30.6-three-nodes-json" / "v1.30.6-three-nodes-json.log")
    assert compare(text, json_run, ignore=["log"]) == []
    # 1.19 JSON drops the bind line's key/values: only evaluated/feasible counts are lost.
    old = snap(SAMPLES / "v1.19.1-three-nodes" / "v1.19.1-three-nodes.log")
    old_json = snap(SAMPLES / "v1.19.1-three-nodes-json" / "v1.19.1-three-nodes-json.log")
    assert [(c.kind, c.before, c.after) for c in compare(old, old_json, ignore=["log"])] == \
        [("evaluated_nodes", 3, None), ("feasible_nodes", 3, None)]


def test_load_snapshot_refuses_what_is_not_one(tmp_path):
    with pytest.raises(SnapshotError, match="no such file|No such file"):
        load_snapshot(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(SnapshotError, match="not a JSON snapshot"):
        load_snapshot(bad)
    with pytest.raises(SnapshotError, match="not a schedlog snapshot"):
        load_snapshot(SAMPLES / "v1.30.6-three-nodes" / "facts.json")
    bad.write_text(json.dumps({"schema": SCHEMA}))
    with pytest.raises(SnapshotError, match="no 'attempts' list"):
        load_snapshot(bad)
