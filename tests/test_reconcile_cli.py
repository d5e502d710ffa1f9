"""check and whatif on the command line: exit codes 0/1/2, JSON shape, what-if re-ranking vs facts."""

from __future__ import annotations

import json

from conftest import LAB, REPO, facts, framework_log, legacy_log, needs_shared, public
from typer.testing import CliRunner

from analyzer.cli import app

runner = CliRunner()
SEED = str(REPO / "samples" / "seed-article" / "scheduler.log")


def run(*args: str):
    return runner.invoke(app, list(args))


def test_check_seed_json_groups_by_kind():
    res = run("check", SEED, "-o", "json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["schema"] == "schedlog/v1" and data["unexplained"] == 0 and data["exit_code"] == 0
    assert (data["k8s_version"], data["version_source"]) == ("1.14", "signature")
    assert data["summary"]["hidden-component"] == {"total": 1, "explained": 1, "unexplained": 0}
    (d,) = data["discrepancies"]["hidden-component"]
    assert d["pod"] == "default/app" and d["amount"] == 100000 and d["explained"] is True
    assert [p["logged"] for p in d["per_node"]] == [100029, 100028, 100029]
    assert data["inferred_config"]["constant"] == 100000
    assert data["weights"]["origin"] == "defaults" and data["weights"]["provenance"] == "inferred"


@needs_shared
def test_check_exit_1_on_unexplained_public_08():
    res = run("check", str(public("08-")))
    assert res.exit_code == 1, res.output
    assert "105 on every node is not explained" in res.output
    assert res.output.rstrip().endswith("1 unexplained discrepancy")


@needs_shared
def test_check_exit_0_on_every_lab_run():
    for path in [framework_log(r.name) for r in LAB.iterdir() if r.is_dir() and r.name != "v1.14.1"] + \
            [legacy_log("a-tutorial-3nodes"), legacy_log("b-heterogeneous-5nodes")]:
        res = run("check", str(path))
        assert res.exit_code == 0, (path, res.output)


def test_check_bad_inputs_exit_2(tmp_path):
    res = run("check", str(tmp_path / "missing.log"))
    assert res.exit_code == 2 and "Traceback" not in res.output
    res = run("check", SEED, "--k8s-version", "banana")
    assert res.exit_code == 2 and "--k8s-version 'banana'" in res.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: kubescheduler.config.k8s.io/v9\nkind: KubeSchedulerConfiguration\n")
    res = run("check", SEED, "--config", str(bad))
    assert res.exit_code == 2 and len(res.output.strip().splitlines()) == 1
    res = run("check", SEED, "--config", str(tmp_path / "nope.yaml"))
    assert res.exit_code == 2


def test_whatif_bad_weights_exit_2():
    res = run("whatif", SEED, "--weight", "TaintToleration")
    assert res.exit_code == 2 and "PLUGIN=N" in res.output
    res = run("whatif", SEED, "--weight", "NoSuchPlugin=3")
    assert res.exit_code == 2 and "NoSuchPlugin" in res.output


def test_whatif_seed_breaks_the_tie_with_more_balanced_weight():
    res = run("whatif", SEED, "-w", "LeastRequestedPriority=3", "-o", "json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["attempts"] == 1 and data["changed"] == []  # 5+4x3 on .223 and .225 still tie, .224 lower


@needs_shared
def test_whatif_matches_a_rescoring_of_facts():
    """New totals = Σ weight' x priority_final_scores from facts.json (hidden priorities included)."""
    log = legacy_log("b-heterogeneous-5nodes")
    res = run("whatif", str(log), "-w", "NodeAffinityPriority=0", "-w", "LeastRequestedPriority=5", "-o", "json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    truth = facts(LAB / "v1.14.1" / "b-heterogeneous-5nodes" / "facts.json")
    weights = {p["name"]: p["weight"] for p in truth["priorities"]}
    weights.update({"NodeAffinityPriority": 0, "LeastRequestedPriority": 5})
    expected_changes = []
    for att in truth["attempts"]:
        final = att.get("priority_final_scores")
        if not final:
            continue
        nodes = att["prioritized_nodes_order"]
        totals = {n: sum(weights[p] * final[p][n] for p in final) for n in nodes}
        top = max(totals.values())
        if totals[att["suggested_host"]] < top:
            expected_changes.append((att["pod"], sorted(n for n, t in totals.items() if t == top), totals))
    got = [(c["pod"], sorted(c["new_winners"]), c["new_totals"]) for c in data["changed"]]
    assert got == expected_changes
    assert [c[0] for c in got] == ["shop/cache-warmer-p2lqz"]
