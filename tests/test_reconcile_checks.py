"""Attempt-level checks on real logs edited in the model: winner-not-max, a missing NodePreferAvoidPods
line in 1.19-1.22, and no discrepancy at all where the numbers are consistent."""

from __future__ import annotations

from dataclasses import replace

from conftest import REPO, check_findings, needs_shared, public

from analyzer import analyze_paths
from analyzer.reconcile import reconcile_result

SEED = str(REPO / "samples" / "seed-article" / "scheduler.log")


def test_winner_not_max_when_the_bound_node_scored_lower():
    r = analyze_paths([SEED])
    (a,) = r.attempts
    low = a.nodes[1].node  # 100028
    edited = replace(r, attempts=(replace(a, bound_node=low, selected_node=low),))
    (got,) = reconcile_result(edited).attempts
    (d,) = [d for d in got.discrepancies if d.kind == "winner-not-max"]
    assert (d.node, d.logged, d.recomputed, d.amount, d.explained) == (low, 100028, 100029, 1, False)
    assert check_findings(reconcile_result(edited)).unexplained > 0


def test_consistent_numbers_give_no_hidden_or_ranking_discrepancy():
    r = analyze_paths([SEED])
    (a,) = r.attempts
    nodes = tuple(replace(n, total_logged=n.total_logged - 100000) for n in a.nodes)
    (got,) = reconcile_result(replace(r, attempts=(replace(a, nodes=nodes),))).attempts
    assert [d.kind for d in got.discrepancies] == ["tie"]
    assert [n.total_recomputed for n in got.nodes] == [29, 28, 29]


@needs_shared
def test_missing_npap_line_in_1_22_is_the_hidden_million():
    r = analyze_paths([str(public("01-"))])
    (a,) = r.attempts
    nodes = tuple(replace(n, scores=tuple(s for s in n.scores if s.plugin != "NodePreferAvoidPods"))
                  for n in a.nodes)
    (got,) = reconcile_result(replace(r, attempts=(replace(a, nodes=nodes),))).attempts
    (d,) = [d for d in got.discrepancies if d.kind == "hidden-component"]
    assert d.explained and d.amount == 1000000 and d.attribution.startswith("NodePreferAvoidPods")
    assert [n.total_recomputed for n in got.nodes] == [n.total_logged for n in got.nodes]
