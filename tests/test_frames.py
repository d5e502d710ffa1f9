"""Tidy tables (analyzer.frames) and `schedlog export`: row counts, values and dtypes against lab facts."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from conftest import (
    FRAMEWORK_RUNS,
    LAB,
    LEGACY_RUNS,
    analysis,
    facts,
    framework_log,
    generated_log,
    legacy_log,
    needs_shared,
)
from typer.testing import CliRunner

from analyzer.cli import app
from analyzer.frames import SCHEMAS, TABLES, export_tables, iter_frames, to_frames
from analyzer.model import AnalysisResult, FormatInfo, LineCounts

RUNS = [("legacy", r) for r in LEGACY_RUNS] + [("framework", r) for r in FRAMEWORK_RUNS]


def log_of(kind: str, run: str) -> Path:
    return legacy_log(run) if kind == "legacy" else framework_log(run)


def expected(kind: str, run: str) -> dict[tuple[str, int], dict]:
    """What facts.json says per (pod, attempt): outcome, chosen node, node totals, filter reasons."""
    if kind == "legacy":
        truth = facts(LAB / "v1.14.1" / run / "facts.json")
        return {(a["pod"], a["pod_attempt"]): {
            "outcome": "bound" if a["outcome"] == "scheduled" else "unschedulable",
            "winner": a.get("suggested_host") or None,
            "totals": {h["host"]: h["score"] for h in a.get("totals_from_PrioritizeNodes", [])},
            "plugins": {}, "message": a.get("error_message"),
            "reasons": Counter(r for calls in a.get("predicate_calls_per_node", {}).values() for c in calls
                               if not c["fit"] for r in c.get("reasons", []))
            if a["outcome"] != "scheduled" else None,
        } for a in truth["attempts"]}
    truth = facts(LAB / run / "facts.json")
    out = {}
    for pod in truth["pods"]:
        key = f"{pod['namespace']}/{pod['name']}"
        for number, want in enumerate(pod["schedulingAttempts"], start=1):
            scores = want.get("score", {}).get("scores", {})
            rejected = want["filter"].get("rejectedNodes") or {}
            host = want.get("select", {}).get("host") or None
            reasons = Counter(r for node in rejected.values() for r in node["reasons"])
            out[(key, number)] = {
                "outcome": "bound" if host else "unschedulable", "winner": host,
                "totals": {n: s["total"] for n, s in scores.items()},
                "plugins": {n: s["plugins"] for n, s in scores.items()},
                "message": pod["podScheduledCondition"].get("message") if not host else None,
                "reasons": None if host else reasons,
            }
    return out


@pytest.fixture(params=RUNS, ids=[f"{k}:{r}" for k, r in RUNS])
def run(request):
    kind, name = request.param
    return kind, name, to_frames(analysis(str(log_of(kind, name))))


@needs_shared
def test_one_attempt_row_per_facts_attempt_with_its_outcome_and_node(run):
    kind, name, frames = run
    truth = expected(kind, name)
    attempts = frames["attempts"]
    assert len(attempts) == len(truth)
    assert list(attempts["seq"]) == list(range(len(truth)))
    for row in attempts.itertuples():
        want = truth[(row.pod, row.attempt)]
        assert row.outcome == want["outcome"], (row.pod, row.attempt)
        assert (row.winner if not pd.isna(row.winner) else None) == want["winner"], (row.pod, row.attempt)


@needs_shared
def test_node_totals_and_ranks_match_facts(run):
    kind, name, frames = run
    truth = expected(kind, name)
    nodes = frames["nodes"]
    scored = nodes[nodes["total_logged"].notna()]
    assert len(scored) == sum(len(t["totals"]) for t in truth.values())
    for row in scored.itertuples():
        totals = truth[(row.pod, row.attempt)]["totals"]
        assert row.total_logged == totals[row.node], (row.pod, row.node)
        assert row.rank == 1 + sum(1 for t in totals.values() if t > totals[row.node])
    winners = scored[scored["winner"]]
    assert set(zip(winners["pod"], winners["attempt"], winners["node"], strict=True)) == {
        (pod, n, t["winner"]) for (pod, n), t in truth.items() if t["winner"] and t["totals"]}


@needs_shared
def test_framework_score_rows_carry_the_weighted_values_of_facts():
    checked = 0
    for name in FRAMEWORK_RUNS:
        truth = expected("framework", name)
        scores = to_frames(analysis(str(framework_log(name))))["scores"]
        assert len(scores) > 0 or not any(t["plugins"] for t in truth.values()), name
        for row in scores[scores["weighted"].notna()].itertuples():
            assert row.weighted == truth[(row.pod, row.attempt)]["plugins"][row.node][row.plugin], (name, row)
            assert row.weighted_provenance == "observed"
            checked += 1
    assert checked > 100


@needs_shared
def test_legacy_score_rows_per_node_and_priority():
    name = "b-heterogeneous-5nodes"
    truth = facts(LAB / "v1.14.1" / name / "facts.json")
    scores = to_frames(analysis(str(legacy_log(name))))["scores"]
    visible = scores[~scores["hidden"]]
    expected_rows = sum(len(a.get("totals_from_PrioritizeNodes", [])) for a in truth["attempts"]) * 6
    assert len(visible) == expected_rows  # six printed priorities per scored node in 1.14
    for row in visible.itertuples():
        want = next(a for a in truth["attempts"] if a["pod"] == row.pod and a["pod_attempt"] == row.attempt)
        assert row.contribution == want["priority_final_scores"][row.plugin][row.node], row


def test_columns_and_dtypes_are_fixed_even_without_attempts():
    empty = AnalysisResult(inputs=("x.log",), format=FormatInfo(), lines=LineCounts(), attempts=())
    frames = to_frames(empty)
    assert list(frames) == list(TABLES)
    for table, df in frames.items():
        assert len(df) == 0
        assert [(c, str(df[c].dtype)) for c in df.columns] == [(c, str(pd.array([], dtype=d).dtype))
                                                                for c, d in SCHEMAS[table]]


@needs_shared
def test_chunked_tables_equal_whole_tables():
    result = analysis(str(framework_log("v1.30.6-five-nodes")))
    chunks = list(iter_frames(result, chunk=2))
    assert len(chunks) == 5  # 9 attempts in chunks of 2
    whole = to_frames(result)
    for table in TABLES:
        joined = pd.concat([c[table] for c in chunks], ignore_index=True)
        pd.testing.assert_frame_equal(joined, whole[table])


@needs_shared
@pytest.mark.parametrize("fmt", ["csv", "parquet", "json"])
def test_export_round_trips(tmp_path, fmt):
    result = analysis(str(framework_log("v1.30.6-five-nodes")))
    paths = export_tables(result, tmp_path, fmt, chunk=4)
    assert [p.name.split(".")[0] for p in paths] == list(TABLES)
    whole = to_frames(result)
    readers = {"csv": pd.read_csv, "parquet": pd.read_parquet,
               "json": lambda p: pd.DataFrame([json.loads(line) for line in p.read_text().splitlines()])}
    for path, table in zip(paths, TABLES, strict=True):
        back = readers[fmt](path) if path.stat().st_size else pd.DataFrame()
        assert len(back) == len(whole[table]), table
        if len(back):
            assert list(back.columns) == list(whole[table].columns)
    scores = readers[fmt](tmp_path / f"scores.{paths[2].suffix[1:]}")
    assert sorted(scores["weighted"].dropna().astype(int)) == sorted(whole["scores"]["weighted"].dropna())
    if fmt == "parquet":
        pd.testing.assert_frame_equal(pd.read_parquet(paths[2]), whole["scores"], check_dtype=False)
        assert str(pd.read_parquet(paths[0])["evaluated_nodes"].dtype) == "Int64"


@needs_shared
def test_export_cli(tmp_path):
    runner = CliRunner()
    out = tmp_path / "tables"
    log = str(framework_log("v1.30.6-five-nodes"))
    ok = runner.invoke(app, ["export", log, "-f", "csv", "-o", str(out), "-q"])
    assert ok.exit_code == 0, ok.output
    assert len(pd.read_csv(out / "attempts.csv")) == 9
    bad = runner.invoke(app, ["export", str(tmp_path / "missing.log"), "-o", str(out)])
    assert bad.exit_code == 2
    assert "Traceback" not in bad.output


def test_discrepancy_rows_render_whatever_to_dict_gives():
    class Finding:
        def to_dict(self):
            return {"kind": "tie", "node": None, "plugin": None, "logged": 7, "recomputed": None, "amount": 0,
                    "attribution": "selectHost", "explanation": "a tie", "confidence": "high",
                    "explained": True, "nodes": ["a", "b"], "per_node": [{"node": "a"}]}

    from analyzer.model import Attempt

    result = AnalysisResult(inputs=("x",), format=FormatInfo(), lines=LineCounts(),
                            attempts=(replace(Attempt(pod="ns/p", attempt=1), discrepancies=(Finding(),)),))
    rows = to_frames(result)["discrepancies"]
    assert rows.to_dict("records") == [{
        "seq": 0, "pod": "ns/p", "attempt": 1, "kind": "tie", "node": None, "plugin": None, "logged": 7,
        "recomputed": None, "amount": 0, "attribution": "selectHost", "explanation": "a tie",
        "confidence": "high", "explained": True, "nodes": "a,b", "node_list": ["a", "b"]}]


@pytest.mark.parametrize("fmt", ["csv", "parquet", "json"])
def test_discrepancy_node_lists_round_trip_as_lists(tmp_path, fmt):
    from analyzer.analysis import analyze

    result = analyze(generated_log(tmp_path, nodes=100, pods=4, seed=5)).result
    want = [list(d.nodes) for a in result.attempts for d in a.discrepancies]
    assert any(len(nodes) > 1 for nodes in want), "the generated log should hold a tie"
    (tmp_path / "out").mkdir()
    found = export_tables(result, tmp_path / "out", fmt, chunk=1)[3]
    if fmt == "csv":
        got = [json.loads(cell) for cell in pd.read_csv(found)["node_list"]]
    elif fmt == "parquet":
        got = [list(cell) for cell in pd.read_parquet(found)["node_list"]]
    else:
        got = [json.loads(line)["node_list"] for line in found.read_text().splitlines()]
    assert got == want
    assert [n.split(",") for n in to_frames(result)["discrepancies"]["nodes"]] == want  # the old column stays


def test_the_data_dictionary_documents_every_column_of_every_table():
    """docs/tables.md: one '## table' section per table, a '| `column` | dtype |' row per column, in order."""
    text = (Path(__file__).resolve().parents[1] / "docs" / "tables.md").read_text()
    sections = dict(re.findall(r"^## (\w+)\n(.*?)(?=^## |\Z)", text, flags=re.M | re.S))
    assert list(sections) == list(TABLES)
    for table, body in sections.items():
        rows = re.findall(r"^\| `(\w+)` \| ([^|]+?) \| (.+?) \|$", body, flags=re.M)
        assert [(name, dtype.split(" ")[0]) for name, dtype, _ in rows] == list(SCHEMAS[table]), table
        assert all(len(meaning) > 10 for _, _, meaning in rows), table
