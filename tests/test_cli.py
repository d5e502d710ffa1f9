"""The command line: output formats, the JSON contract, exit codes and one-line errors."""

from __future__ import annotations

import json

from conftest import LAB, framework_log, legacy_log, needs_shared
from typer.testing import CliRunner

from analyzer.cli import app

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


@needs_shared
def test_summary_json_has_contract_keys_and_counts():
    res = run("summary", str(framework_log("v1.30.6-five-nodes")), "-o", "json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["schema"] == "schedlog/v1"
    assert data["format"] == {"era": "structured-1.25+", "encoding": "text", "wrapper": "none",
                              "k8s_version": "v1.30.6", "version_source": "logged"}
    assert data["lines"]["total"] == 409
    assert data["lines"]["parsed"] + data["lines"]["ignored"] + data["lines"]["unrecognized"] == 409
    truth = json.loads((LAB / "v1.30.6-five-nodes" / "facts.json").read_text())
    assert data["pods"] == len(truth["pods"])
    assert data["outcomes"]["unschedulable"] == sum(1 for p in truth["pods"] if p["outcome"] == "unschedulable")


@needs_shared
def test_attempts_json_contract():
    res = run("attempts", str(legacy_log("b-heterogeneous-5nodes")), "-o", "json")
    assert res.exit_code == 0
    data = json.loads(res.stdout)
    attempt = data["attempts"][4]
    assert attempt["pod"] == "ml/ml-train-5c4f7" and attempt["attempt"] == 1
    assert attempt["outcome"] == "bound" and attempt["bound_node"] == "worker-large-3"
    node = next(n for n in attempt["nodes"] if n["node"] == "worker-large-3")
    assert node["total_logged"] == 100038
    assert node["filter"] == "passed" and node["filter_provenance"] == "observed"
    score = next(s for s in node["scores"] if s["plugin"] == "LeastRequestedPriority")
    assert score["logged_as"] == "LeastResourceAllocation"
    assert score["provenance"]["raw"] == "observed"
    assert set(score) >= {"plugin", "raw", "normalized", "weight", "weighted", "provenance"}
    failed = data["attempts"][3]
    assert failed["outcome"] == "unschedulable"
    assert failed["failure"]["reasons"] == {"Insufficient cpu": 5, "Insufficient memory": 4}


@needs_shared
def test_explain_names_winner_and_margin():
    res = run("explain", str(legacy_log("b-heterogeneous-5nodes")), "--pod", "ml/ml-train-5c4f7", "-o", "json")
    assert res.exit_code == 0
    exp = json.loads(res.stdout)["attempts"][0]["explanation"]
    assert exp["winner"] == "worker-large-3" and exp["winner_total"] == 100038
    assert exp["runner_up"] == "worker-std-2" and exp["margin"] == 8
    table = run("explain", str(legacy_log("b-heterogeneous-5nodes")), "--pod", "ml/ml-train-5c4f7")
    assert "worker-large-3" in table.stdout and "100038" in table.stdout


@needs_shared
def test_explain_unknown_pod_is_exit_2():
    res = run("explain", str(framework_log("v1.30.6-three-nodes")), "--pod", "default/nope")
    assert res.exit_code == 2
    assert "no attempt for pod default/nope" in res.stderr


def test_missing_file_is_one_line_exit_2(tmp_path):
    res = run("summary", str(tmp_path / "missing.log"))
    assert res.exit_code == 2
    assert res.stderr.strip().count("\n") == 0 and "no such file" in res.stderr
    assert "Traceback" not in res.output


def test_not_a_log_is_exit_2(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("hello\nworld\n")
    res = run("summary", str(text))
    assert res.exit_code == 2
    assert "no kube-scheduler log lines found" in res.stderr


def test_help_documents_exit_codes():
    res = run("--help")
    assert res.exit_code == 0
    assert "Exit codes: 0 ok, 1 unexplained discrepancies" in res.stdout
