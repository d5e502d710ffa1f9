"""diff and verify at cluster size: a uniform shift is one line, tie-breaks are not moves, the residue is capped.

Real lab runs (samples/lab, byte-identical to ../shared) and generated 1,000-node logs of one workload
in the 1.21 and 1.30 eras (the synthetic cluster and pods depend on the seed only).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from analyzer.cli import app
from analyzer.cli.regress import log_snapshot
from analyzer.regress import compare
from analyzer.regress.logdiff import LogDiff, diff_snapshots, render_changes, render_diff
from analyzer.regress.patterns import RESIDUE_LINES, summarize
from analyzer.synth import write_log

LAB = Path(__file__).resolve().parents[1] / "samples" / "lab"
AVOID = LAB / "v1.19.1-prefer-avoid"
NODES, PODS = 1000, 6


def run(*args: object):
    return CliRunner().invoke(app, [str(a) for a in args])


def framework_log(name: str) -> Path:
    return LAB / name / f"{name}.log"


def changes_section(text: str) -> list[str]:
    lines = text.splitlines()
    return lines[next(i for i, line in enumerate(lines) if line.startswith("changes (")) + 1:]


def test_lab_uniform_weight_shift_is_one_line():
    old, new = framework_log("v1.19.1-three-nodes"), framework_log("v1.30.6-three-nodes")
    data = json.loads(run("diff", old, new, "-o", "json").stdout)
    taint = [c for c in data["changes"] if c["plugin"] == "TaintToleration" and c["kind"] == "score"]
    assert {(c["before"], c["after"]) for c in taint} == {(100, 300)} and len(taint) == 3  # every node
    section = changes_section(run("diff", old, new).stdout)
    [line] = [line for line in section if "TaintToleration" in line]
    assert line == "  TaintToleration weight 1 -> 3: weighted 100 -> 300 (+200) on all 3 nodes in 1 attempt"
    # The totals move by exactly the score changes (NodePreferAvoidPods' 1000000 gone, +200, +1 on node-2).
    assert any(line.startswith("  totals: changed on 3 of 3 node totals in 1 attempt, by -1000100..-1000099: "
                               "on every one the sum of the score changes") for line in section)
    # The residue: the one node whose BalancedAllocation moved (98 -> 99 in the logs), listed as is.
    balanced = [c for c in data["changes"] if c["plugin"] == "NodeResourcesBalancedAllocation"]
    assert [(c["node"], c["before"], c["after"]) for c in balanced] == [("node-2", 98, 99)]
    assert section[-1] == "    default/nginx #1 node-2: NodeResourcesBalancedAllocation weighted 98 -> 99 (+1)"
    assert len(section) == 9  # 3 log lines, gone, new, TaintToleration, totals, residue heading and line


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> tuple[str, str, LogDiff, dict, dict]:
    """The 1.21 and 1.30 logs, their diff and snapshots (analyzed once: `diff` is this plus rendering)."""
    out = tmp_path_factory.mktemp("diff")
    paths = []
    for era in ("1.21", "1.30"):
        path = out / f"{era}.log"
        with path.open("w", encoding="utf-8") as fh:
            write_log(fh, era, NODES, PODS, seed=3)
        paths.append(str(path))
    a, b = paths
    first, second = log_snapshot([a], True), log_snapshot([b], True)
    return a, b, diff_snapshots(first, second), first, second


def test_generated_1000_nodes_uniform_shift_and_capped_residue(generated):
    a, b, diff, _, _ = generated
    text, data = render_diff(diff, a, b), diff.to_dict()
    lines = text.splitlines()
    assert len(lines) <= 35, text
    taint = [c for c in data["changes"] if c["plugin"] == "TaintToleration" and c["kind"] == "score"]
    attempts = len({c["pod"] for c in taint})
    assert attempts == PODS and len(taint) == NODES * attempts  # every node of every attempt: 100 -> 300
    assert {(c["before"], c["after"]) for c in taint} == {(100, 300)}
    assert f"  TaintToleration weight 1 -> 3: weighted 100 -> 300 (+200) on all 1,000 nodes in {attempts} attempts" \
        in lines
    assert not any("TaintToleration weighted" in line for line in lines)  # no per-node TaintToleration line
    balanced = [c for c in data["changes"] if c["plugin"] == "NodeResourcesBalancedAllocation"]
    deltas = [c["after"] - c["before"] for c in balanced]
    summary = next(line for line in lines if line.startswith("  NodeResourcesBalancedAllocation weighted: "))
    assert f"changed on {len(balanced):,} of {NODES * attempts:,} node scores" in summary
    assert f"by {min(deltas):+d}..{max(deltas):+d}" in summary
    assert f"  outside these patterns, {len(balanced):,} changes; the first {RESIDUE_LINES}, -v lists every one:" \
        in lines
    assert sum(line.startswith("    ") for line in lines) == RESIDUE_LINES
    assert lines[lines.index("winners: 0 of 6 matched attempts moved; 6 on the same node") + 1].startswith("changes")
    assert data["winner_states"] == {"same": PODS}
    every = render_diff(diff, a, b, verbose=True).splitlines()
    assert len(every) == len(lines) - len(changes_section(text)) + PODS + len(data["changes"])


@pytest.fixture
def rebound(tmp_path) -> Path:
    """The prefer-avoid run with batch-rs bound to node-b (tied with node-a at 1000590: a tie-break) and
    standalone bound to node-a (1000587, below node-b's 1000593: a real move)."""
    text = framework_log("v1.19.1-prefer-avoid").read_text()
    for pod, old, new in (("batch-rs-q2v7c", "node-a", "node-b"), ("standalone", "node-b", "node-a")):
        for line in (f"bind default/{pod} to {old}", f'pod="default/{pod}" node="{old}"'):
            assert text.count(line) == 1
            text = text.replace(line, line.replace(old, new))
    path = tmp_path / "rebound.log"
    path.write_text(text)
    return path


def test_tie_breaks_are_counted_apart_from_moves(rebound):
    res = run("diff", framework_log("v1.19.1-prefer-avoid"), rebound)
    assert "winners: 1 of 5 matched attempts moved; 1 tie-break (the old and new winners tied" in res.stdout
    assert "  default/standalone #1: winner moved node-b -> node-a" in res.stdout
    assert "  tie-breaks, e.g. default/batch-rs-q2v7c #1: winner node-a -> node-b" in res.stdout
    data = json.loads(run("diff", framework_log("v1.19.1-prefer-avoid"), rebound, "-o", "json").stdout)
    states = {w["pod"]: (w["moved"], w["tie_break"]) for w in data["winners"]}
    assert states["default/batch-rs-q2v7c"] == (True, True) and states["default/standalone"] == (True, False)
    assert data["winner_states"] == {"moved": 1, "same": 3, "tie-break": 1}
    verify = run("verify", rebound, AVOID / "expected.json")
    assert verify.exit_code == 1
    assert "default/batch-rs-q2v7c #1: winner node-a -> node-b (tie-break: they tied" in verify.stdout
    assert "default/standalone #1: winner node-b -> node-a\n" in verify.stdout


def test_never_unchanged_none():
    old, new = framework_log("v1.21.0-pre-five-nodes-json"), framework_log("v1.30.6-five-nodes")
    data = json.loads(run("diff", old, new, "-o", "json").stdout)
    unplaced = [w for w in data["winners"] if w["before"] is None]
    assert [(w["pod"], w["state"]) for w in unplaced] == [("default/huge-cpu", "unschedulable")]
    for args in ((), ("-v",)):
        text = run("diff", old, new, *args).stdout
        assert "(None)" not in text
    assert "1 unschedulable in both" in run("diff", old, new).stdout
    assert "default/huge-cpu #1: unschedulable in both runs" in run("diff", old, new, "-v").stdout


def test_verify_at_1000_nodes_reads_like_diff(generated):
    """verify of the 1.30 log against the 1.21 snapshot: the same patterns, the full list only on -v."""
    a, b, diff, first, second = generated
    changes = compare(first, second)
    assert [c.to_dict() for c in changes] == [c.to_dict() for c in diff.changes]  # what -o json prints
    text = render_changes(changes, "expected.json", b, summarize(changes, first, second))
    lines = text.splitlines()
    assert len(lines) <= 30 and lines[2] == f"{len(changes)} differences:"
    assert f"  TaintToleration: weighted 100 -> 300 (+200) on all 1,000 nodes in {PODS} attempts" in lines
    assert any(line.startswith("  default/") and "winner" in line for line in lines) is False  # none moved
    assert len(render_changes(changes, "expected.json", b).splitlines()) == 3 + len(changes)


def test_generated_tie_breaks_are_ties_in_the_logs(tmp_path):
    """1.19 vs 1.30 of one generated workload (100 nodes): BalancedAllocation's formula changed, so some pods
    land elsewhere; a changed winner is a tie-break exactly when the logged totals tie in one of the runs."""
    snaps = []
    for era in ("1.19", "1.30"):
        path = tmp_path / f"{era}.log"
        with path.open("w", encoding="utf-8") as fh:
            write_log(fh, era, 100, 30, seed=3)
        snaps.append(log_snapshot([str(path)], True))
    diff = diff_snapshots(*snaps)
    totals = [{x["pod"]: {n["node"]: n["total"] for n in x["nodes"]} for x in s["attempts"]} for s in snaps]
    changed = [w for w in diff.winners if w.moved]
    for w in changed:
        tied = any(t[w.pod][w.before] == t[w.pod][w.after] for t in totals)
        assert w.tie_break is tied, w
    breaks = sum(w.tie_break for w in changed)
    assert 0 < breaks < len(changed)  # both kinds happen in this workload
    text = render_diff(diff)
    assert f"winners: {len(changed) - breaks} of 30 matched attempts moved; {breaks} tie-breaks" in text
    assert sum(" winner moved " in line for line in text.splitlines()) == len(changed) - breaks


def test_plugins_gone_per_attempt_fold_into_one_line_per_share():
    old, new = framework_log("v1.21.0-pre-five-nodes-json"), framework_log("v1.30.6-five-nodes")
    data = json.loads(run("diff", old, new, "-o", "json").stdout)
    gone = {}
    for c in data["changes"]:
        if c["kind"] == "plugin-gone" and c["node"] is None:
            gone.setdefault(c["plugin"], set()).add(c["pod"])
    # NodeAffinity stays scored for the one pod with a preferred node affinity (zone-a-preferred, weight 1 -> 2)
    assert {p: len(pods) for p, pods in gone.items()} == {
        "InterPodAffinity": 6, "NodeAffinity": 5, "NodePreferAvoidPods": 6, "NodeResourcesLeastAllocated": 6,
        "PodTopologySpread": 6}
    lines = changes_section(run("diff", old, new).stdout)
    assert "  no longer scored in all 6 attempts that scored them: InterPodAffinity, NodePreferAvoidPods, " \
           "NodeResourcesLeastAllocated, PodTopologySpread" in lines
    assert "  no longer scored in 5 of the 6 attempts that scored them: NodeAffinity" in lines
    assert not any("no longer scored (was on" in line for line in lines)  # the per-attempt lines are on -v


def _snapshot(values: dict[str, int], totals: bool = True) -> dict:
    """One attempt over the given nodes, each scored by plugin X with the given weighted value."""
    nodes = [{"node": n, "filter": "passed", "total": v if totals else None, "scores": {"weighted": {"X": v}}}
             for n, v in values.items()]
    return {"schema": "schedlog-snapshot/1", "log": {}, "weights": {},
            "attempts": [{"pod": "ns/p", "attempt": 1, "outcome": "bound", "winner": "n00", "evaluated_nodes": None,
                          "feasible_nodes": None, "complete": True, "failure": None, "nodes": nodes,
                          "discrepancies": []}]}


def test_one_amount_on_most_nodes_counts_the_unchanged_ones():
    before = {f"n{i:02d}": 10 for i in range(20)}
    after = {n: v + (5 if n >= "n03" else 0) for n, v in before.items()}  # n00-n02 unchanged
    a, b = _snapshot(before), _snapshot(after)
    summary = summarize(compare(a, b), a, b)
    assert "X: weighted 10 -> 15 (+5) on 17 of 20 node scores in 1 attempt; the other 3 unchanged" in summary.lines
    assert "totals: changed on 17 of 20 node totals in 1 attempt, by +5: on every one the sum of the score " \
           "changes (plugins gone and new included)" in summary.lines
    assert summary.residue == []
    after["n00"] = 99  # now one node moves by another amount: it is the residue, named
    b = _snapshot(after)
    summary = summarize(compare(a, b), a, b)
    assert "X weighted: changed on 18 of 20 node scores in 1 attempt, by +5..+89, most often +5 (17)" in summary.lines
    assert [c.node for c in summary.residue if c.kind == "score"] == ["n00"]
