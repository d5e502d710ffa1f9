"""Legacy lab runs (v1.14.1 predicates/priorities): decisions, visible scores and totals match facts."""

from __future__ import annotations

import pytest
from conftest import LAB, LEGACY_RUNS, analysis, facts, legacy_log, needs_shared, physical_line_count

pytestmark = needs_shared

# The names the priorities are logged under in 1.14 -> registered priority names (facts use those).
VISIBLE = {"BalancedResourceAllocation", "LeastRequestedPriority", "TaintTolerationPriority",
           "NodeAffinityPriority", "SelectorSpreadPriority", "InterPodAffinityPriority"}


@pytest.fixture(params=LEGACY_RUNS)
def run(request):
    name = request.param
    return name, analysis(str(legacy_log(name))), facts(LAB / "v1.14.1" / name / "facts.json")


def test_lines_accounted(run):
    name, result, _ = run
    assert result.lines.total == physical_line_count(legacy_log(name))
    assert result.lines.unrecognized == 0, result.lines.unrecognized_samples
    assert result.format.era.startswith("legacy")


def test_attempts_outcomes_and_hosts(run):
    _, result, truth = run
    assert len(result.attempts) == len(truth["attempts"])
    for got, want in zip(result.attempts, truth["attempts"], strict=True):
        assert got.pod == want["pod"]
        assert got.attempt == want["pod_attempt"]
        if want["outcome"] == "scheduled":
            assert got.outcome.value == "bound"
            assert got.bound_node == want["suggested_host"]
            assert (got.evaluated_nodes, got.feasible_nodes) == (want["evaluated_nodes"], want["feasible_nodes"])
        else:
            assert got.outcome.value == "unschedulable"
            assert got.failure.message == want["error_message"]


def test_totals_and_visible_priority_scores(run):
    _, result, truth = run
    checked = 0
    for got, want in zip(result.attempts, truth["attempts"], strict=True):
        for host in want.get("totals_from_PrioritizeNodes", []):
            node = got.node(host["host"])
            assert node.total_logged == host["score"], (want["pod"], host)
            for score in node.scores:
                assert score.plugin in VISIBLE, score.plugin
                final = want["priority_final_scores"][score.plugin][host["host"]]
                seen = score.normalized if score.normalized is not None else score.raw
                assert seen == final, (want["pod"], host["host"], score.plugin)
                checked += 1
        scored = {h["host"] for h in want.get("totals_from_PrioritizeNodes", [])}
        assert {n.node for n in got.nodes if n.scores} == scored
    assert checked > 0


def test_resource_inputs_are_kept(run):
    _, result, _ = run
    inputs = [s.inputs for a in result.attempts for n in a.nodes for s in n.scores if s.inputs]
    assert inputs
    assert all(i.allocatable["cpu"] > 0 and i.requested["memory"] > 0 for i in inputs)
    assert {i.scorer for i in inputs} == {"BalancedResourceAllocation", "LeastResourceAllocation"}


def test_filter_verdicts_agree_with_the_predicates_that_ran(run):
    """Observed and inferred verdicts never contradict what the predicates really returned."""
    _, result, truth = run
    judged = 0
    for got, want in zip(result.attempts, truth["attempts"], strict=True):
        calls = want.get("predicate_calls_per_node", {})
        for node in got.nodes:
            if node.filter.value == "unknown" or node.node not in calls:
                continue
            passed_all = all(c["fit"] for c in calls[node.node])
            assert passed_all == (node.filter.value == "passed"), (want["pod"], node.node, node.filter_provenance)
            judged += 1
    assert judged > 0
