"""The reference scorers against kube-scheduler's own unit-test tables (tests/data/upstream_scoring).

Every node of every transcribed case goes through the public calculator ``analyzer.scoring.score`` with
the release the table belongs to; the expected score is the upstream test's. A table that stops matching
means a version rule in ``analyzer/scoring/versions.py`` is wrong for that release.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analyzer.scoring import ScoreInputError, explain, score
from analyzer.scoring.calculator import plugin_kind
from analyzer.scoring.resources import broken_linear
from analyzer.scoring.versions import RULE_CHANGES, profile_for

TABLES = Path(__file__).parent / "data" / "upstream_scoring"


def _tables() -> list[tuple[str, dict]]:
    return [(p.name, json.loads(p.read_text(encoding="utf-8"))) for p in sorted(TABLES.glob("*.json"))]


def _node_params() -> list:
    out = []
    for fname, table in _tables():
        for case in table["cases"]:
            for node in case["nodes"]:
                out.append(pytest.param(table, case, node, id=f"{fname}:{case['name']}:{node['node']}"))
    return out


@pytest.mark.parametrize(("table", "case", "node"), _node_params())
def test_upstream_case(table: dict, case: dict, node: dict):
    weights = case.get("weights", table.get("weights"))
    shape = case.get("shape", table.get("shape"))
    got = score(table["plugin"], table["release"], node["allocatable"], node["requested"],
                pod_requests=node["pod_requests"], weights=weights, shape=[tuple(p) for p in shape] if shape else None)
    assert got == node["expected"], (table["file"], table["release"], case["name"], node["node"])


def test_tables_cite_their_source_and_cover_every_scorer_and_era():
    tables = _tables()
    assert len(tables) >= 22
    for name, t in tables:
        assert t["file"].endswith("_test.go"), name
        assert t.get("commit") or t.get("index_id"), name
        assert t["release_basis"] and t["cases"], name
        assert all(item["why"] for item in t["left_out"]), name
    assert {plugin_kind(t["plugin"]) for _, t in tables} == {"least", "most", "balanced", "rtcr"}
    releases = {profile_for(t["release"]).era for _, t in tables}
    assert len(releases) >= 9  # every era row from 1.4-1.9 to 1.28-1.36
    nodes = sum(len(c["nodes"]) for _, t in tables for c in t["cases"])
    assert nodes >= 200


@pytest.mark.parametrize(("points", "checks"), [
    # TestBrokenLinearFunction (legacy priorities 1.16 and NodeResourcesFit 1.23+ carry the same table)
    ([(10, 1), (90, 9)], {-10: 1, 0: 1, 9: 1, 10: 1, 15: 1, 19: 1, 20: 2, 89: 8, 90: 9, 99: 9, 100: 9, 110: 9}),
    ([(0, 2), (40, 10), (100, 0)], {-10: 2, 0: 2, 20: 6, 30: 8, 40: 10, 70: 5, 100: 0, 110: 0}),
    ([(0, 2), (40, 2), (100, 2)], {-10: 2, 0: 2, 20: 2, 30: 2, 40: 2, 70: 2, 100: 2, 110: 2}),
])
def test_broken_linear_points(points, checks):
    assert {p: broken_linear(points, p) for p in checks} == checks


def test_rtcr_utilisation_rounds_down_from_1_22():
    # cpu 1000/3000 with shape {0:10, 100:0}: 1.22+ utilisation 33 -> 67; before, 100 - 66 = 34 -> 66
    args = ({"cpu": 3000}, {"cpu": 1000})
    kw = {"weights": {"cpu": 1}, "shape": [(0, 10), (100, 0)]}
    assert score("RequestedToCapacityRatio", "1.22", *args, **kw) == 67
    assert score("RequestedToCapacityRatio", "1.21", *args, **kw) == 66


def test_balanced_skips_best_effort_pods_from_1_33():
    alloc, req = {"cpu": 4000, "memory": 4000}, {"cpu": 1000, "memory": 3000}
    assert score("BalancedAllocation", "1.33", alloc, req, pod_requests={}) is None
    assert score("BalancedAllocation", "1.32", alloc, req, pod_requests={}) == 75
    assert score("BalancedAllocation", "1.33", alloc, req) == 75  # requests unknown: scored as logged


@pytest.mark.parametrize(("without", "pod", "expected"), [
    # the three anchor points of kubernetes#135573's description
    ({"cpu": 1000, "memory": 1000}, {"cpu": 1000, "memory": 1000}, 75),  # balance unchanged
    ({"cpu": 0, "memory": 0}, {"cpu": 4000, "memory": 0}, 50),  # perfectly balanced -> perfectly imbalanced
    ({"cpu": 4000, "memory": 0}, {"cpu": 0, "memory": 4000}, 100),  # perfectly imbalanced -> balanced
])
def test_balanced_scores_the_change_of_balance_in_1_36(without, pod, expected):
    alloc = {"cpu": 4000, "memory": 4000}
    req = {r: without[r] + pod[r] for r in alloc}
    assert score("BalancedAllocation", "1.36", alloc, req, pod_requests=pod) == expected
    with pytest.raises(ScoreInputError, match="pod's own requests"):
        score("BalancedAllocation", "1.36", alloc, req)


def test_versions_past_the_table_say_so():
    notes = explain("LeastAllocated", "1.40.2", {"cpu": 10}, {"cpu": 5}).notes
    assert any("newer than the rules table" in n and "1.36" in n for n in notes)
    assert not any("newer than" in n for n in explain("LeastAllocated", "1.34", {"cpu": 10}, {"cpu": 5}).notes)


def test_every_rule_change_cites_a_pull_request():
    assert all("PR #" in c.source and c.first >= (1, 16) for c in RULE_CHANGES)


def test_legacy_names_are_aliases():
    alloc, req = {"cpu": 4000, "memory": 10000}, {"cpu": 3000, "memory": 5000}
    values = {score(name, "1.17", alloc, req) for name in
              ("LeastAllocated", "LeastRequestedPriority", "NodeResourcesLeastAllocated", "leastallocated")}
    assert values == {37}
    with pytest.raises(ScoreInputError, match="unknown plugin"):
        score("NodeAffinity", "1.17", alloc, req)
