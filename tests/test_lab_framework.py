"""Framework-era lab runs (1.19-1.30): every decision and logged score matches facts.json."""

from __future__ import annotations

import pytest
from conftest import FRAMEWORK_RUNS, LAB, analysis, facts, framework_log, needs_shared, physical_line_count

pytestmark = needs_shared


@pytest.fixture(params=FRAMEWORK_RUNS)
def run(request):
    name = request.param
    return name, analysis(str(framework_log(name))), facts(LAB / name / "facts.json")


def _attempts_by_pod(result):
    out = {}
    for a in result.attempts:
        out.setdefault(a.pod, []).append(a)
    return out


def test_every_line_is_accounted_and_none_unrecognized(run):
    name, result, _ = run
    assert result.lines.total == physical_line_count(framework_log(name))
    assert result.lines.parsed + result.lines.ignored + result.lines.unrecognized == result.lines.total
    assert result.lines.unrecognized == 0, result.lines.unrecognized_samples


def test_outcomes_and_bound_nodes_match_facts(run):
    _, result, truth = run
    by_pod = _attempts_by_pod(result)
    for pod in truth["pods"]:
        key = f"{pod['namespace']}/{pod['name']}"
        attempts = by_pod[key]
        assert len(attempts) == len(pod["schedulingAttempts"]), key
        last = attempts[-1]
        if pod["outcome"] == "bound":
            assert last.outcome.value == "bound", key
            assert last.bound_node == pod["nodeName"], key
        else:
            assert pod["outcome"] == "unschedulable"
            assert last.outcome.value == "unschedulable", key
            assert last.failure.message == pod["podScheduledCondition"]["message"], key


def test_selected_host_of_every_attempt_matches_facts(run):
    _, result, truth = run
    by_pod = _attempts_by_pod(result)
    for pod in truth["pods"]:
        key = f"{pod['namespace']}/{pod['name']}"
        for got, want in zip(by_pod[key], pod["schedulingAttempts"], strict=True):
            select = want.get("select", {})
            assert got.selected_node == (select.get("host") or None), key
            if select.get("feasibleCount") is not None and got.feasible_nodes is not None:
                assert got.feasible_nodes == select["feasibleCount"], key


def test_logged_totals_and_plugin_scores_match_facts(run):
    _, result, truth = run
    by_pod = _attempts_by_pod(result)
    checked = 0
    for pod in truth["pods"]:
        key = f"{pod['namespace']}/{pod['name']}"
        for got, want in zip(by_pod[key], pod["schedulingAttempts"], strict=True):
            if "score" not in want:
                assert not any(n.scores for n in got.nodes), f"{key}: no score phase, yet scores"
                continue
            scores = want["score"]["scores"]
            assert {n.node for n in got.nodes if n.scores} == set(scores), key
            for node_name, node_truth in scores.items():
                node = got.node(node_name)
                assert node.total_logged == node_truth["total"], (key, node_name)
                assert node.filter.value == "passed"
                for score in node.scores:
                    if score.weighted is not None:
                        assert score.weighted == node_truth["plugins"][score.plugin], (key, node_name, score.plugin)
                        checked += 1
    assert checked > 0


def test_unschedulable_failure_histogram_sums_to_node_count(run):
    _, result, _ = run
    for a in result.attempts:
        if a.failure is not None and a.failure.total_nodes:
            assert sum(a.failure.reasons.values()) >= a.failure.total_nodes - 0  # a node may give 2 reasons
            assert a.failure.reasons


def test_version_is_taken_from_the_log(run):
    name, result, truth = run
    assert result.format.k8s_version == truth["k8sVersion"]


def test_filter_verdicts_agree_with_the_real_filter_results(run):
    """Verdicts the log implies (score lines, evaluated/feasible counts, the node list) match facts."""
    _, result, truth = run
    by_pod = _attempts_by_pod(result)
    judged = failed = 0
    for pod in truth["pods"]:
        key = f"{pod['namespace']}/{pod['name']}"
        for got, want in zip(by_pod[key], pod["schedulingAttempts"], strict=True):
            feasible = set(want["filter"]["feasibleNodes"] or ())
            rejected = set(want["filter"]["rejectedNodes"] or ())
            for node in got.nodes:
                if node.filter.value == "passed":
                    assert node.node in feasible, (key, node.node, node.filter_provenance)
                elif node.filter.value == "failed":
                    assert node.node in rejected, (key, node.node, node.filter_provenance)
                    failed += 1
                judged += node.filter.value != "unknown"
            if got.complete and want["filter"]["numAllNodes"] == len(feasible | rejected):
                assert {n.node for n in got.nodes if n.filter.value != "unknown"} == feasible | rejected, key
    assert judged > 0
    if any(p["outcome"] == "unschedulable" or len(p["schedulingAttempts"][0]["filter"]["feasibleNodes"] or ()) <
           p["schedulingAttempts"][0]["filter"]["numAllNodes"] for p in truth["pods"]):
        assert failed > 0
