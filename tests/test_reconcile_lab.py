"""Reconciliation on the lab runs: weights, recomputed totals and hidden components equal facts.json."""

from __future__ import annotations

from functools import cache

import pytest
import yaml
from conftest import (
    FRAMEWORK_RUNS,
    LAB,
    LEGACY_RUNS,
    analysis,
    check_findings,
    facts,
    framework_log,
    legacy_log,
    needs_shared,
)

from analyzer.reconcile import reconcile_result

pytestmark = needs_shared


@cache
def reconciled(path: str):
    return reconcile_result(analysis(path))


def _score_weights(run: str) -> dict[str, int]:
    """Weights the framework really instantiated (effective-config.yaml frameworkPlugins, not the log)."""
    plugins = yaml.safe_load((LAB / run / "effective-config.yaml").read_text())["frameworkPlugins"]
    prof = plugins["default-scheduler"]
    score = prof.get("ScorePlugin") or prof["Score"]["Enabled"]
    return {p["Name"]: p["Weight"] for p in score}


def _framework_scored(run: str):
    """(attempt, facts score map) pairs for every attempt that scored, in log order per pod."""
    result = reconciled(str(framework_log(run)))
    truth = facts(LAB / run / "facts.json")
    pairs = []
    for pod in truth["pods"]:
        name = f"{pod['namespace']}/{pod['name']}"
        mine = [a for a in result.attempts if a.pod == name]
        assert len(mine) == len(pod["schedulingAttempts"]), name
        for got, want in zip(mine, pod["schedulingAttempts"], strict=True):
            if "score" in want:
                pairs.append((got, want["score"]["scores"]))
    return result, pairs


@pytest.mark.parametrize("run", FRAMEWORK_RUNS)
def test_framework_runs_have_no_unexplained_discrepancy(run):
    result = reconciled(str(framework_log(run)))
    assert result.format.version_source == "logged"
    assert check_findings(result).unexplained == 0
    kinds = {d.kind for a in result.attempts for d in a.discrepancies}
    assert kinds <= {"tie", "incomplete"}, kinds


@pytest.mark.parametrize("run", FRAMEWORK_RUNS)
def test_framework_weights_and_recomputed_totals_match_facts(run):
    result, pairs = _framework_scored(run)
    weights = _score_weights(run)
    assert pairs
    for attempt, scores in pairs:
        assert {n.node for n in attempt.nodes if n.scores} == set(scores)
        for node in (n for n in attempt.nodes if n.scores):
            want = scores[node.node]
            assert node.total_logged == want["total"]
            assert node.total_recomputed == want["total"], (attempt.pod, node.node)
            for s in node.scores:
                assert s.weight == weights[s.plugin], (run, s.plugin)
                assert s.weighted == want["plugins"][s.plugin]
                assert s.normalized * s.weight == s.weighted and 0 <= s.normalized <= 100
                if s.inputs is not None:
                    assert s.recomputed == s.inputs.score == s.raw


def test_v1_19_prefer_avoid_visible_npap_needs_no_hidden_component():
    result = reconciled(str(framework_log("v1.19.1-prefer-avoid")))
    npap = [s for a in result.attempts for n in a.nodes for s in n.scores if s.plugin == "NodePreferAvoidPods"]
    assert {s.weighted for s in npap} == {0, 1000000}
    assert all(s.normalized in (0, 100) and not s.hidden for s in npap)
    assert not any(s.hidden for a in result.attempts for n in a.nodes for s in n.scores)


def test_v1_30_weights_come_from_the_logged_plugins_dump():
    result = reconciled(str(framework_log("v1.30.6-five-nodes")))
    fit = next(s for a in result.attempts for n in a.nodes for s in n.scores if s.plugin == "TaintToleration")
    assert fit.weight == 3 and fit.provenance["weight"] == "observed"
    assert fit.provenance["normalized"] == "derived"


def test_v1_23_weights_come_from_the_component_config_the_log_printed():
    result = reconciled(str(framework_log("v1.23.9-three-nodes")))
    node = result.attempts[0].nodes[0]
    assert node.score("TaintToleration").provenance["weight"] == "observed"
    assert node.score("TaintToleration").weight == 3
    assert node.score("NodeAffinity").weight == 2


def test_v1_19_prints_no_config_so_default_weights_are_inferred_but_resource_ratio_is_derived():
    result = reconciled(str(framework_log("v1.19.1-three-nodes")))
    node = result.attempts[0].nodes[0]
    assert node.score("TaintToleration").provenance["weight"] == "inferred"
    assert (node.score("PodTopologySpread").weight, node.score("NodePreferAvoidPods").weight) == (2, 10000)
    assert node.score("NodeResourcesLeastAllocated").provenance["weight"] == "derived"


def _legacy(run: str):
    return reconciled(str(legacy_log(run))), facts(LAB / "v1.14.1" / run / "facts.json")


@pytest.mark.parametrize("run", LEGACY_RUNS)
def test_legacy_hidden_amount_is_npap_plus_image_locality(run):
    result, truth = _legacy(run)
    assert (result.format.k8s_version, result.format.version_source) == ("1.14", "signature")
    scored = [w for w in truth["attempts"] if w.get("priority_final_scores")]
    mine = [a for a in result.attempts if any(n.total_logged is not None for n in a.nodes)]
    assert len(mine) == len(scored) > 0
    for got, want in zip(mine, scored, strict=True):
        final = want["priority_final_scores"]
        totals = {t["host"]: t["score"] for t in want["totals_from_PrioritizeNodes"]}
        assert {n.node for n in got.nodes if n.total_logged is not None} == set(totals)
        for node in (n for n in got.nodes if n.total_logged is not None):
            hidden = {s.plugin: s.weighted for s in node.scores if s.hidden}
            expected = final["NodePreferAvoidPodsPriority"][node.node] * 10000 + \
                final["ImageLocalityPriority"][node.node]
            assert node.total_logged - node.visible_sum == expected
            assert hidden.get("NodePreferAvoidPodsPriority", 0) == \
                final["NodePreferAvoidPodsPriority"][node.node] * 10000
            assert hidden.get("ImageLocalityPriority", 0) == final["ImageLocalityPriority"][node.node]
            assert node.total_recomputed == totals[node.node]


@pytest.mark.parametrize("run", LEGACY_RUNS)
def test_legacy_runs_are_fully_explained(run):
    result, _ = _legacy(run)
    assert check_findings(result).unexplained == 0
    kinds = {d.kind for a in result.attempts for d in a.discrepancies}
    assert "hidden-component" in kinds and not kinds & {"formula-mismatch", "weight-mismatch", "winner-not-max"}


def test_legacy_visible_weighted_scores_equal_facts():
    result, truth = _legacy("b-heterogeneous-5nodes")
    want = next(w for w in truth["attempts"] if w["pod"].endswith("ml-train-5c4f7"))
    got = next(a for a in result.attempts if a.pod == "ml/ml-train-5c4f7")
    for node in got.nodes:
        for s in node.scores:
            assert s.weighted == want["priority_final_scores"][s.plugin][node.node] * s.weight
            if not s.hidden:
                assert s.provenance["weight"] == "inferred"
            if s.inputs is not None:
                assert s.recomputed == s.inputs.score


def test_highmem_lacks_npap_for_frontend_pods_only():
    result, _ = _legacy("b-heterogeneous-5nodes")
    for a in result.attempts:
        node = a.node("worker-highmem-4")
        if node is None or node.total_logged is None:
            continue
        npap = node.score("NodePreferAvoidPodsPriority")
        avoided = [d for d in a.discrepancies if d.nodes == ("worker-highmem-4",) and d.amount == 0]
        if a.pod.startswith("shop/frontend-"):
            assert npap.weighted == 0 and node.total_logged == 35
            assert avoided and avoided[0].explained and "preferAvoidPods annotation" in avoided[0].explanation
        else:
            assert npap.weighted == 100000 and not avoided


def test_ml_train_image_locality_six_on_large_node():
    result, _ = _legacy("b-heterogeneous-5nodes")
    a = next(a for a in result.attempts if a.pod == "ml/ml-train-5c4f7")
    assert a.node("worker-large-3").score("ImageLocalityPriority").weighted == 6
    assert a.node("worker-std-2").score("ImageLocalityPriority") is None
    story = [d.explanation for d in a.discrepancies if d.nodes == ("worker-large-3",)]
    assert story == ["visible 30/32, logged 100030/100038: +100006 on worker-large-3 = NodePreferAvoidPods "
                     "(weight 10000 × score 10) + ImageLocality (weight 1 × score 6), not logged in this version"]


def test_tutorial_tie_lists_all_three_nodes():
    result, truth = _legacy("a-tutorial-3nodes")
    ties = [d for a in result.attempts for d in a.discrepancies if d.kind == "tie"]
    assert len(ties) == 1 and ties[0].explained
    assert set(ties[0].nodes) == {"node1", "node2", "node3"} and ties[0].logged == 100037
    assert truth["attempts"][0]["suggested_host"] in ties[0].nodes
