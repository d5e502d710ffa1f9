"""The constructed seed-article sample: its story, its recomputable resource lines, its README."""

from __future__ import annotations

from conftest import REPO, check_findings
from typer.testing import CliRunner

from analyzer import analyze_paths
from analyzer.cli import app
from analyzer.reconcile import reconcile_result

SEED = REPO / "samples" / "seed-article"
STORY = ("visible 29/28/29, logged 100029/100028/100029: +100000 on every node = NodePreferAvoidPods "
         "(weight 10000 × score 10), not logged in this version")


def result():
    return reconcile_result(analyze_paths([str(SEED / "scheduler.log")]))


def test_seed_parses_completely():
    r = analyze_paths([str(SEED / "scheduler.log")])
    assert r.lines.unrecognized == 0 and r.format.era == "legacy-1.10-1.16"
    (a,) = r.attempts
    assert a.pod == "default/app" and a.outcome.value == "bound" and a.complete
    assert [n.total_logged for n in a.nodes] == [100029, 100028, 100029]


def test_seed_story_and_numbers():
    r = result()
    (a,) = r.attempts
    assert [n.visible_sum for n in a.nodes] == [29, 28, 29]
    assert [n.total_recomputed for n in a.nodes] == [100029, 100028, 100029]
    hidden = [d for d in a.discrepancies if d.kind == "hidden-component"]
    assert [d.explanation for d in hidden] == [STORY]
    assert hidden[0].explained and hidden[0].amount == 100000 and hidden[0].node is None
    assert hidden[0].per_node == tuple((n.node, n.total_logged, n.visible_sum) for n in a.nodes)
    assert check_findings(r).unexplained == 0


def test_seed_resource_lines_recompute_under_1_14_formulas():
    (a,) = result().attempts
    lines = [s for n in a.nodes for s in n.scores if s.inputs is not None]
    assert len(lines) == 6
    assert all(s.recomputed == s.raw == s.normalized for s in lines)
    assert not [d for d in a.discrepancies if d.kind == "formula-mismatch"]


def test_seed_tie_between_first_and_third_node():
    (a,) = result().attempts
    tie = next(d for d in a.discrepancies if d.kind == "tie")
    assert tie.explained and tie.nodes == (a.nodes[0].node, a.nodes[2].node) and a.winner == a.nodes[0].node


def test_seed_check_prints_the_story_and_exits_0():
    res = CliRunner().invoke(app, ["check", str(SEED / "scheduler.log")])
    assert res.exit_code == 0, res.output
    assert res.output.splitlines()[3] == ("  1 attempt x 3 nodes: +100000 = NodePreferAvoidPods 10000×10 (unlogged) "
                                          "on every node  [explained, medium confidence]")
    assert "every logged number is explained" in res.output
    every = CliRunner().invoke(app, ["check", str(SEED / "scheduler.log"), "-v"])  # one line per record
    assert STORY in every.output.splitlines()[3]


def test_seed_readme_says_constructed():
    text = (SEED / "README.md").read_text()
    assert "constructed, not a real capture" in text
