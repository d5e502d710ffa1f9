"""check at cluster size: findings grouped across attempts and nodes, exceptions named, every record on -v.

A generated 1,000-node v1.14 log (NodePreferAvoidPods hidden +100000, one node whose preferAvoidPods
annotation names every pod's controller) and the real v1.14.1 lab run where facts.json shows such a node.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from analyzer.cli import app
from analyzer.synth import write_log

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
HETEROGENEOUS = SAMPLES / "lab" / "v1.14.1" / "b-heterogeneous-5nodes"
NODES, PODS, AVOIDING = 1000, 8, "worker-0042"
WIDTH = 160


def run(*args: object):
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def big_legacy_log(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("check") / "v1.14-1000-nodes.log"
    with path.open("w", encoding="utf-8") as out:
        write_log(out, "1.14", NODES, PODS, seed=1, avoiding=[AVOIDING])
    return path


@pytest.fixture(scope="module")
def big_check(big_legacy_log):
    text, data = run("check", big_legacy_log), run("check", big_legacy_log, "-o", "json")
    assert text.exit_code == 0 and data.exit_code == 0, text.output
    return text.stdout, json.loads(data.stdout)


def test_one_pattern_reads_as_a_screenful_with_the_exception_named(big_check):
    text, data = big_check
    lines = text.splitlines()
    assert len(lines) <= 30, text
    assert max(map(len, lines)) <= WIDTH, text
    # Every record says what the line says: +100000 on every scored node but the avoiding one.
    hidden = data["discrepancies"]["hidden-component"]
    gaps = {(d["pod"], p["node"]): p["logged"] - p["recomputed"] for d in hidden for p in d["per_node"]}
    assert {g for (_, node), g in gaps.items() if node != AVOIDING} == {100000}
    assert {g for (_, node), g in gaps.items() if node == AVOIDING} == {0}
    attempts = len({pod for pod, _ in gaps})
    part = next(line for line in lines if "+100000 = NodePreferAvoidPods 10000×10" in line)
    assert part.strip().startswith(f"{attempts} attempts x {NODES} nodes:")
    assert part.split("  [")[0].endswith(f"on every node except {AVOIDING}")
    assert f"{AVOIDING} in {attempts} attempts: its preferAvoidPods annotation names the pod's controller" in text
    assert f"no NodePreferAvoidPods +100000 on {AVOIDING}" in text
    assert "visible " not in text  # the per-record value lists are for -v


def test_ties_are_one_neutral_line(big_check):
    text, data = big_check
    ties = data["discrepancies"]["tie"]
    assert ties and all(t["explained"] for t in ties)
    [line] = [line for line in text.splitlines() if "tie" in line]
    sizes = sorted(len(t["nodes"]) for t in ties)
    assert line.startswith(f"tie: {len(ties)} attempts had {sizes[0]}-{sizes[-1]} nodes sharing the top total")
    assert "not an error" in line and "UNEXPLAINED" not in line


def test_json_keeps_every_record_and_adds_groups(big_check):
    _, data = big_check
    hidden = data["discrepancies"]["hidden-component"]
    assert data["summary"]["hidden-component"] == {"total": 2 * len(data["discrepancies"]["tie"]),
                                                   "explained": len(hidden), "unexplained": 0}
    groups = [g for g in data["groups"] if g["kind"] == "hidden-component"]
    assert [g["records"] for g in groups] == [len(hidden) // 2] * 2
    part = next(g for g in groups if g["amount"] == {"min": 100000, "max": 100000})
    assert part["exceptions"] == [{"node": AVOIDING, "attempts": part["attempts"],
                                   "reason": "its preferAvoidPods annotation names the pod's controller"}]
    assert part["scored_nodes"] == {"min": NODES, "max": NODES} and part["node_hits"] == (NODES - 1) * part["attempts"]


def test_verbose_lists_every_record():
    data = json.loads(run("check", HETEROGENEOUS / "scheduler.log", "-o", "json").stdout)
    res = run("check", HETEROGENEOUS / "scheduler.log", "-v")
    assert res.exit_code == 0
    records = sum(len(v) for v in data["discrepancies"].values())
    listed = [line for line in res.stdout.splitlines() if line.endswith("confidence]")]
    assert len(listed) == records == 11
    assert "visible 27/36/36/35, logged 100027/100036/100036/35" in res.stdout  # today's per-record values


def test_lab_run_names_the_node_facts_json_shows_avoiding_the_controller():
    facts = json.loads((HETEROGENEOUS / "facts.json").read_text())
    avoiding: dict[str, int] = {}
    for attempt in facts["attempts"]:
        for node, score in (attempt.get("priority_final_scores") or {}).get("NodePreferAvoidPodsPriority", {}).items():
            if score == 0:
                avoiding[node] = avoiding.get(node, 0) + 1
    assert avoiding == {"worker-highmem-4": 2}
    res = run("check", HETEROGENEOUS / "scheduler.log")
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert len(lines) <= 30 and max(map(len, lines)) <= WIDTH
    part = next(i for i, line in enumerate(lines) if "+100000 = NodePreferAvoidPods 10000×10" in line)
    assert lines[part].endswith("on every node except worker-highmem-4, worker-large-3")
    assert "      worker-highmem-4 in 2 attempts: its preferAvoidPods annotation names the pod's controller" in lines
    assert "no NodePreferAvoidPods +100000 on worker-highmem-4" in res.stdout
    # ml-train's worker-large-3 also carries a hidden ImageLocality: its own pattern, and an exception above
    assert "+100006 = NodePreferAvoidPods 10000×10 + ImageLocality 1×6 (unlogged) on worker-large-3" in res.stdout
    assert "worker-large-3 in 1 attempt: +100006 instead" in res.stdout


LAB_LOGS = sorted((SAMPLES / "lab").rglob("*.log"))


@pytest.mark.parametrize("args", [[str(p)] for p in LAB_LOGS] + [
    [str(HETEROGENEOUS / "scheduler.log"), "--k8s-version", "1.18"],  # unexplained leftovers, formula mismatches
    [str(LAB_LOGS[-1]), "--k8s-version", "1.14"],
    [str(SAMPLES / "seed-article" / "scheduler.log"), "--k8s-version", "1.3"],
], ids=lambda args: "-".join(Path(args[0]).parts[-2:] + tuple(args[1:])))
def test_no_line_longer_than_the_width_on_real_logs(args):
    res = run("check", *args)
    assert res.exit_code in (0, 1), res.output
    assert max(map(len, res.stdout.splitlines())) <= WIDTH, res.stdout


def test_residuals_line_names_the_five_most_common_values():
    from analyzer.cli.check import _inference_lines
    from analyzer.reconcile.infer import Inference

    residuals = tuple((r, 100 - r) for r in range(8))  # 8 distinct values, most common first
    [line] = [x for x in _inference_lines(Inference(rows=sum(n for _, n in residuals), constant=0,
                                                     residuals=residuals)) if "residuals" in x]
    assert line == ("  residuals: +0 on 100 nodes, +1 on 99 nodes, +2 on 98 nodes, +3 on 97 nodes, +4 on 96 nodes, "
                    "3 other values on 282 nodes")  # 95 + 94 + 93
