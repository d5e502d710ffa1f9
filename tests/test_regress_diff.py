"""schedlog diff: two logs of one workload across versions: plugins, implied weights, winners.

Runs on the in-repo copies in samples/lab (test_samples.py checks they are byte-identical to ../shared).
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

from typer.testing import CliRunner

from analyzer.cli import app
from analyzer.regress import implied_weight_changes

SAMPLES = Path(__file__).resolve().parents[1] / "samples" / "lab"


def framework_log(run_name: str) -> Path:
    return SAMPLES / run_name / f"{run_name}.log"


def facts(path: Path) -> dict:
    return json.loads(path.read_text())


def run(*args: object):
    return CliRunner().invoke(app, [str(a) for a in args])


def bound_node(run_name: str, pod: str) -> str:
    return next(p["nodeName"] for p in facts(SAMPLES / run_name / "facts.json")["pods"] if p["name"] == pod)


def test_v119_to_v130_three_nodes():
    old, new = framework_log("v1.19.1-three-nodes"), framework_log("v1.30.6-three-nodes")
    res = run("diff", old, new, "-o", "json")
    assert res.exit_code == 1, res.output
    data = json.loads(res.stdout)
    assert data["same"] is False
    assert "NodePreferAvoidPods" in data["plugins_gone"]  # removed from Kubernetes in 1.23
    assert "SelectorSpread" in data["plugins_gone"] and data["plugins_new"] == ["NodeResourcesFit"]
    [weight] = data["weights"]  # PodTopologySpread (200 in both) and the rest kept their weight
    assert weight == {"plugin": "TaintToleration", "ratio": "3", "before": 1, "after": 3,
                      "basis": "one-logged", "examples": [[100, 300]], "pairs": 3}
    # facts.json of both runs: nginx bound to node-3; the diff must agree that the winner did not move.
    assert bound_node("v1.19.1-three-nodes", "nginx") == "node-3"
    assert bound_node("v1.30.6-three-nodes", "nginx") == "node-3"
    old_keys = ("pod", "attempt", "before", "after", "moved")  # the JSON only gains keys
    assert [{k: w[k] for k in old_keys} for w in data["winners"]] == [
        {"pod": "default/nginx", "attempt": 1, "before": "node-3", "after": "node-3", "moved": False}]
    assert (data["winners"][0]["tie_break"], data["winners"][0]["state"]) == (False, "same")
    text = run("diff", old, new).stdout
    assert "plugins gone: InterPodAffinity, NodeAffinity, NodePreferAvoidPods," in text
    assert "TaintToleration: weight 1 -> 3" in text
    assert "winners: 0 of 1 matched attempts moved" in text
    every = run("diff", old, new, "-v").stdout  # -v: every winner and every change, one line each
    assert "default/nginx #1: winner unchanged (node-3)" in every
    assert "default/nginx #1 node-1: TaintToleration weighted 100 -> 300 (+200)" in every
    assert len(every.splitlines()) == 9 + len(data["changes"])  # 9: names, plugins, weights, winners


def test_weights_implied_when_neither_log_prints_them():
    res = run("diff", framework_log("v1.19.1-three-nodes"), framework_log("v1.23.9-three-nodes"), "-ojson")
    weights = {w["plugin"]: (w["before"], w["after"], w["basis"]) for w in json.loads(res.stdout)["weights"]}
    assert weights == {"TaintToleration": (1, 3, "implied")}  # v1beta3: TaintToleration 3


def test_v121_to_v130_five_nodes_finds_both_weight_changes_and_no_moved_winner():
    res = run("diff", framework_log("v1.21.0-pre-five-nodes-json"), framework_log("v1.30.6-five-nodes"),
              "-o", "json")
    data = json.loads(res.stdout)
    weights = {w["plugin"]: (w["before"], w["after"]) for w in data["weights"]}
    assert weights == {"NodeAffinity": (1, 2), "TaintToleration": (1, 3)}  # v1beta1 all 1 -> v1 defaults
    assert len(data["winners"]) == 9 and not any(w["moved"] for w in data["winners"])
    for w in data["winners"]:  # facts.json agrees in both runs
        name = w["pod"].split("/")[1]
        assert (w["before"] or "") == bound_node("v1.21.0-pre-five-nodes-json", name)
        assert (w["after"] or "") == bound_node("v1.30.6-five-nodes", name)


def test_same_log_twice_and_moved_winner(tmp_path):
    log = framework_log("v1.30.6-three-nodes")
    res = run("diff", log, log)
    assert res.exit_code == 0 and res.stdout.endswith("no differences\n")
    text = log.read_text()
    binds = ('node="node-3" evaluatedNodes', 'logger="Bind.DefaultBinder" pod="default/nginx" node="node-3"')
    for bind in binds:
        assert text.count(bind) == 1
        text = text.replace(bind, bind.replace("node-3", "node-1"))
    moved = tmp_path / "moved.log"
    moved.write_text(text)
    res = run("diff", log, moved)
    assert res.exit_code == 1
    assert "winners: 1 of 1 matched attempts moved" in res.stdout
    assert "default/nginx #1: winner moved node-3 -> node-1" in res.stdout


def test_diff_bad_input_exits_2(tmp_path):
    empty = tmp_path / "empty.log"
    empty.write_text("")
    res = run("diff", framework_log("v1.30.6-three-nodes"), empty)
    assert res.exit_code == 2 and "empty input" in res.stderr and "Traceback" not in res.stderr


def _snap(era: str, weights: dict, scores: dict[str, dict[str, int]]) -> dict:
    nodes = [{"node": n, "filter": "passed", "total": None, "scores": {"weighted": s}}
             for n, s in scores.items()]
    return {"log": {"era": era}, "weights": weights,
            "attempts": [{"pod": "ns/p", "attempt": 1, "nodes": nodes}]}


def test_implied_weights_need_one_consistent_ratio():
    a = _snap("framework-1.19-1.20", {}, {"n1": {"A": 100, "B": 50, "C": 0, "D": 10000},
                                          "n2": {"A": 40, "B": 20, "C": 0, "D": 0}})
    b = _snap("structured-1.25+", {}, {"n1": {"A": 300, "B": 60, "C": 0, "D": 20000},
                                       "n2": {"A": 120, "B": 20, "C": 5, "D": 0}})
    changes = {c.plugin: c for c in implied_weight_changes(a, b)}
    assert set(changes) == {"A", "D"}  # B: 50->60 but 20->20 (scores moved); C: 0->5 says nothing
    assert (changes["A"].ratio, changes["A"].before, changes["A"].after) == (Fraction(3), 1, 3)
    # D reaches 10000 and 20000: at most 100 per weight unit, so at least weight 100 -> 200.
    assert (changes["D"].before, changes["D"].after, changes["D"].basis) == (100, 200, "implied")
    logged = _snap("structured-1.25+", {"A": 6}, {"n1": {"A": 300}, "n2": {"A": 120}})
    [one] = implied_weight_changes(a, logged)
    assert (one.before, one.after, one.basis) == (2, 6, "one-logged")


def test_legacy_scale_caps_at_ten():
    a = _snap("legacy-1.10-1.16", {}, {"n1": {"X": 30}})
    b = _snap("legacy-1.10-1.16", {}, {"n1": {"X": 15}})
    [change] = implied_weight_changes(a, b)
    assert (change.ratio, change.before, change.after) == (Fraction(1, 2), 4, 2)  # 30 needs weight >= 3
