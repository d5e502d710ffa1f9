"""Reconciliation on real public excerpts: 01 (1.22, NodePreferAvoidPods visible), 08 (extender, hidden
remainder 105), 09 (v1.3, hidden TaintToleration 10). Expected values are the facts in SOURCES.md."""

from __future__ import annotations

from conftest import PUBLIC, check_findings, needs_shared, public

from analyzer import analyze_paths
from analyzer.reconcile import reconcile_result

pytestmark = needs_shared


def reconciled(prefix: str, **kw):
    return reconcile_result(analyze_paths([str(public(prefix))]), **kw)


def test_public_01_sums_match_with_visible_npap():
    result = reconciled("01-")
    a = result.attempts[0]
    totals = {n.node: (n.total_logged, n.total_recomputed) for n in a.nodes}
    assert totals == {"harvester-node-0": (1000358, 1000358), "harvester-node-1": (1000433, 1000433),
                      "harvester-node-2": (1000437, 1000437)}
    for n in a.nodes:
        assert n.score("NodePreferAvoidPods").weighted == 1000000
        assert n.score("NodePreferAvoidPods").normalized == 100
        assert not any(s.hidden for s in n.scores)
    assert {n.node: n.score("NodeResourcesBalancedAllocation").recomputed for n in a.nodes} == \
        {"harvester-node-0": 0, "harvester-node-1": 45, "harvester-node-2": 46}
    assert {n.node: n.score("NodeResourcesLeastAllocated").recomputed for n in a.nodes} == \
        {"harvester-node-0": 4, "harvester-node-1": 34, "harvester-node-2": 37}
    assert {d.kind for d in a.discrepancies} == {"incomplete"}
    assert check_findings(result).unexplained == 0


def test_public_08_extender_times_ten_and_remainder_105():
    result = reconciled("08-")
    assert (result.format.k8s_version, result.format.version_source) == ("1.18", "signature")
    a = result.attempts[0]
    ext = {n.node: n.score("extender:http://192.168.60.89:8889/").weighted for n in a.nodes}
    assert ext == {"192.168.60.238": 20, "192.168.60.237": 50}
    assert {n.node: n.visible_sum for n in a.nodes} == {"192.168.60.238": 299, "192.168.60.237": 333}
    hidden = [d for d in a.discrepancies if d.kind == "hidden-component"]
    npap = [d for d in hidden if d.explained]
    rest = [d for d in hidden if not d.explained]
    assert len(npap) == 1 and npap[0].amount == 1000000 and "NodePreferAvoidPods" in npap[0].attribution
    assert len(rest) == 1 and rest[0].amount == 105
    assert set(rest[0].nodes) == {"192.168.60.238", "192.168.60.237"}
    assert "TaintToleration" in rest[0].attribution and rest[0].confidence == "low"
    for n in a.nodes:
        assert n.total_recomputed == n.total_logged - 105
        # a 1.17-1.18 plugin that still logs under the legacy scorer's name is shown under the plugin's name
        balanced = n.score("NodeResourcesBalancedAllocation")
        assert n.score("BalancedResourceAllocation") is None and balanced.logged_as == "BalancedResourceAllocation"
        assert balanced.recomputed == balanced.raw


def test_public_09_hidden_taint_toleration_ten():
    result = reconciled("09-")
    assert result.format.k8s_version == "1.3"
    a = result.attempts[0]
    node = a.node("vm")
    assert (node.visible_sum, node.total_logged, node.total_recomputed) == (28, 38, 38)
    hidden = node.score("TaintTolerationPriority")
    assert hidden.hidden and hidden.weighted == 10 and hidden.provenance["weighted"] == "inferred"
    d = next(d for d in a.discrepancies if d.kind == "hidden-component")
    assert d.explained and d.amount == 10
    assert d.explanation == ("visible 28, logged 38: +10 on vm = TaintToleration (weight 1 × score 10), "
                             "not logged in this version")
    assert node.score("LeastRequestedPriority").recomputed == 9
    assert node.score("BalancedResourceAllocation").recomputed == 9


def test_user_version_overrides_the_era_guess():
    result = reconciled("09-", k8s_version="1.14")
    assert (result.format.k8s_version, result.format.version_source) == ("1.14", "user")
    d = [d for d in result.attempts[0].discrepancies if d.kind == "hidden-component"]
    # 1.14 prints TaintToleration but hides ImageLocality (0-10): the same 10 gets the 1.14 explanation
    assert len(d) == 1 and d[0].amount == 10 and d[0].attribution.startswith("ImageLocality")
    assert d[0].confidence == "medium"


def test_every_public_excerpt_reconciles_without_error():
    for path in sorted(PUBLIC.glob("*.log")):
        result = reconcile_result(analyze_paths([str(path)]))
        assert result.format.version_source in ("logged", "signature"), path.name
