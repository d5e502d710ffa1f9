"""Public excerpts (corpus/public): every scheduler line is understood and the documented facts hold."""

from __future__ import annotations

import pytest
from conftest import PUBLIC, analysis, needs_shared, physical_line_count, public

pytestmark = needs_shared

EXCERPTS = sorted(p.name for p in PUBLIC.glob("*.log")) if PUBLIC.is_dir() else []


def _only(result):
    assert len(result.attempts) == 1, [a.pod for a in result.attempts]
    return result.attempts[0]


def _totals(attempt):
    return {n.node: n.total_logged for n in attempt.nodes if n.total_logged is not None}


@pytest.mark.parametrize("name", EXCERPTS)
def test_no_unrecognized_lines(name):
    result = analysis(str(PUBLIC / name))
    assert result.lines.total == physical_line_count(PUBLIC / name)
    assert result.lines.parsed + result.lines.ignored + result.lines.unrecognized == result.lines.total
    assert result.lines.unrecognized == 0, result.lines.unrecognized_samples
    assert result.lines.parsed > 0


@pytest.mark.parametrize(("prefix", "totals", "winner"), [
    ("01", {"harvester-node-0": 1000358, "harvester-node-1": 1000433, "harvester-node-2": 1000437}, "harvester-node-2"),
    ("02", {"harvester-node-0": 1000359, "harvester-node-1": 1000455, "harvester-node-2": 1000459}, "harvester-node-2"),
    ("03", {"harvester-node-0": 1000359, "harvester-node-1": 1000455, "harvester-node-2": 1000461}, "harvester-node-2"),
    ("04", {"harvester-node-0": 1000358, "harvester-node-1": 1000433, "harvester-node-2": 1000437}, "harvester-node-2"),
    ("05", {"harvester-node-0": 1000358, "harvester-node-1": 1000433, "harvester-node-2": 1000382}, "harvester-node-1"),
])
def test_harvester_totals_sums_and_bind(prefix, totals, winner):
    """Headerless v1.22 pastes: bare-name resource lines and ns/name plugin lines make one attempt."""
    attempt = _only(analysis(str(public(prefix))))
    assert attempt.pod.startswith("default/virt-launcher-")
    assert _totals(attempt) == totals
    assert attempt.selected_node == winner
    for node in attempt.nodes:
        assert sum(s.weighted for s in node.scores if s.weighted is not None) == node.total_logged


def test_01_logged_plugin_and_resource_values():
    attempt = _only(analysis(str(public("01"))))
    node0 = attempt.node("harvester-node-0")
    assert node0.score("NodePreferAvoidPods").weighted == 1000000
    assert node0.score("ImageLocality").weighted == 54
    balanced = node0.score("NodeResourcesBalancedAllocation")
    assert (balanced.raw, balanced.weighted) == (0, 0)
    assert balanced.inputs.requested == {"cpu": 9960, "memory": 15166603264}
    assert attempt.node("harvester-node-1").score("NodeResourcesLeastAllocated").raw == 34


def test_06_prefix_stripped_v125():
    attempt = _only(analysis(str(public("06"))))
    assert _totals(attempt) == {"kind-worker2": 696, "kind-worker": 396}
    assert attempt.node("kind-worker2").score("TaintToleration").weighted == 300
    assert attempt.node("kind-worker").score("TaintToleration").weighted == 0
    assert attempt.selected_node == "kind-worker2"


def test_07_extender_totals_without_pod():
    attempt = _only(analysis(str(public("07"))))
    assert _totals(attempt) == {"ip-10-0-1-72.ap-northeast-1.compute.internal": 107,
                                "ip-10-0-1-9.ap-northeast-1.compute.internal": 109,
                                "ip-10-0-1-236.ap-northeast-1.compute.internal": 74,
                                "ip-10-0-1-59.ap-northeast-1.compute.internal": 98}
    assert not attempt.complete


def test_08_extender_scores_and_totals():
    attempt = _only(analysis(str(public("08"))))
    assert attempt.pod == "default/nginx-deployment-85ff79dd56-972cg"
    assert _totals(attempt) == {"192.168.60.238": 1000404, "192.168.60.237": 1000438}
    ext = "extender:http://192.168.60.89:8889/"
    assert attempt.node("192.168.60.238").score(ext).raw == 2
    assert attempt.node("192.168.60.237").score(ext).raw == 5
    assert attempt.node("192.168.60.237").score("SelectorSpreadPriority").normalized == 100


def test_09_v13_host_score_without_arrow():
    result = analysis(str(public("09")))
    attempt = _only(result)
    assert result.format.era == "legacy-1.3"
    node = attempt.node("vm")
    assert node.total_logged == 38
    visible = {s.plugin: (s.normalized if s.normalized is not None else s.raw) for s in node.scores}
    assert visible == {"NodeAffinityPriority": 0, "LeastRequestedPriority": 9, "BalancedResourceAllocation": 9,
                       "SelectorSpreadPriority": 10}
    assert sum(visible.values()) == 28


def test_12_plugin_list_format():
    attempt = _only(analysis(str(public("12"))))
    assert attempt.node("node2").score("NodeResourcesBalancedAllocation").weighted == 95
    assert attempt.node("node1").score("NodeResourcesLeastAllocated").weighted == 77
    assert attempt.node("node1").score("NodePreferAvoidPods").weighted == 1000000


def test_13_contextual_prefix_and_unschedulable():
    attempt = _only(analysis(str(public("13"))))
    assert attempt.outcome.value == "unschedulable"
    assert dict(attempt.failure.reasons) == {"node(s) did not have enough free storage": 1}
    assert attempt.failure.total_nodes == 1
    assert attempt.preemption is not None and attempt.preemption.ran


def test_14_prefix_stripped_v114_resource_lines():
    attempt = _only(analysis(str(public("14"))))
    node3 = attempt.node("Node03")
    assert node3.score("BalancedResourceAllocation").raw == 9
    assert node3.score("LeastRequestedPriority").inputs.allocatable == {"cpu": 23900, "memory": 67167186944}


def test_22_out_of_order_timestamps_still_one_attempt():
    attempt = _only(analysis(str(public("22"))))
    assert attempt.node("kubenode03").score("LeastRequestedPriority").raw == 5
    assert attempt.node("kubenode02").score("BalancedResourceAllocation").raw == 8


def test_26_cri_wrapped_json_line():
    result = analysis(str(public("26")))
    assert result.format.encoding == "json"
    assert result.format.wrapper == "cri"
    assert [a.pod for a in result.attempts] == ["gc-5422/simpletest.rc-zgd47"]


def test_27_cri_prefixed_nofit_then_bound():
    result = analysis(str(public("27")))
    assert result.format.wrapper == "cri"
    sts0 = [a for a in result.attempts if a.pod == "e2e-tas-sts-fpmn5/sts-0"]
    assert [a.outcome.value for a in sts0] == ["unschedulable"] * 3 + ["bound"]
    for a in sts0[:3]:
        assert a.failure.total_nodes == 9
        assert sum(a.failure.reasons.values()) == 9
        assert sum(a.failure.preemption_reasons.values()) == 9
        assert a.failure.reasons["Insufficient example.com/gpu"] == 1
    bound = {a.pod.split("/")[1]: a.bound_node for a in result.attempts if a.outcome.value == "bound"}
    assert bound["sts-1"] == "kind-worker2" and bound["sts-2"] == "kind-worker3"
    assert all(a.feasible_nodes == 1 and a.evaluated_nodes == 9 for a in result.attempts if a.bound_node)


def test_30_trace_continuation_lines_are_ignored():
    result = analysis(str(public("30")))
    attempt = _only(result)
    assert attempt.bound_node == "node7.ocp4rony.dfw.ocp.run"
    assert (attempt.evaluated_nodes, attempt.feasible_nodes) == (3, 1)
    assert attempt.complete
    assert result.lines.ignored_by_reason["trace"] == 4  # the trace.go head and its 3 Trace[...] lines


def test_33_bound_successfully_with_counts():
    result = analysis(str(public("33")))
    counts = [(a.evaluated_nodes, a.feasible_nodes) for a in result.attempts]
    assert counts == [(4, 2), (4, 3), (4, 3), (3, 1), (3, 1), (4, 2)]
    assert result.attempts[3].bound_node == "k8s-helperdev36-11495506-0"


def test_35_klog_file_header_is_ignored():
    result = analysis(str(public("35")))
    attempt = _only(result)
    assert result.lines.ignored_by_reason["klog-file-header"] == 1
    values = {n.node: n.score("ImageLocality").weighted for n in attempt.nodes}
    assert values == {"10.10.33.57": 100, "10.10.33.58": 22, "10.10.33.61": 0}
