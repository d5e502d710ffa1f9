"""Version resolution, weight precedence (--config > logged > defaults) and weight inference."""

from __future__ import annotations

import pytest
from conftest import LAB, analysis, check_findings, facts, framework_log, legacy_log, needs_shared

from analyzer.model import AnalysisResult, FormatInfo, LineCounts
from analyzer.parse.eras import ERA_SIGNATURES
from analyzer.reconcile import reconcile_result
from analyzer.reconcile.version import ERA_GUESS, VersionError, resolve_version
from analyzer.scoring.config import ConfigError


def _bare(era: str | None, version: str | None = None) -> AnalysisResult:
    fmt = FormatInfo(era=era, k8s_version=version, version_source="logged" if version else None)
    return AnalysisResult(inputs=("x",), format=fmt, lines=LineCounts(), attempts=())


def test_version_precedence_user_logged_signature():
    assert resolve_version(_bare("structured-1.25+", "v1.30.6"), "1.23") == ("1.23", "user")
    assert resolve_version(_bare("structured-1.25+", "v1.30.6")) == ("v1.30.6", "logged")
    assert resolve_version(_bare("legacy-1.10-1.16")) == ("1.14", "signature")
    assert resolve_version(_bare(None)) == (None, None)
    with pytest.raises(VersionError):
        resolve_version(_bare("legacy-1.3"), "banana")


def test_every_era_label_has_a_guess():
    labels = {label for _, label in ERA_SIGNATURES} - {"unknown"}
    assert labels <= set(ERA_GUESS), labels - set(ERA_GUESS)


def test_unknown_version_leaves_scores_alone():
    r = reconcile_result(_bare(None))
    assert r.format.k8s_version is None and "not reconciled" in r.notes[-1]


@needs_shared
def test_user_config_weight_that_contradicts_the_log_is_a_weight_mismatch(tmp_path):
    cfg = tmp_path / "sched.yaml"
    cfg.write_text("apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\n"
                   "profiles:\n- schedulerName: default-scheduler\n  plugins:\n    multiPoint:\n      enabled:\n"
                   "      - name: TaintToleration\n        weight: 1\n      - name: NodeResourcesFit\n"
                   "        weight: 2\n")
    r = reconcile_result(analysis(str(framework_log("v1.30.6-three-nodes"))), config_path=str(cfg))
    found = [d for a in r.attempts for d in a.discrepancies if d.kind == "weight-mismatch"]
    plugins = {d.plugin for d in found}
    assert plugins == {"TaintToleration", "NodeResourcesFit"}
    taint = next(d for d in found if d.plugin == "TaintToleration")
    assert taint.logged == 300 and "exceeds 100" in taint.explanation and not taint.explained
    fit = next(d for d in found if d.plugin == "NodeResourcesFit")
    assert fit.recomputed == 2 * fit.logged  # raw x configured weight 2 vs the logged weighted (weight 1)
    assert check_findings(r).unexplained > 0


@needs_shared
def test_legacy_policy_config_changes_the_hidden_remainder(tmp_path):
    policy = tmp_path / "policy.json"
    policy.write_text('{"kind": "Policy", "apiVersion": "v1", "priorities": ['
                      '{"name": "LeastRequestedPriority", "weight": 2}, {"name": "BalancedResourceAllocation", '
                      '"weight": 1}, {"name": "SelectorSpreadPriority", "weight": 1}, {"name": '
                      '"NodeAffinityPriority", "weight": 1}, {"name": "TaintTolerationPriority", "weight": 1}, '
                      '{"name": "InterPodAffinityPriority", "weight": 1}, {"name": "NodePreferAvoidPodsPriority", '
                      '"weight": 10000}, {"name": "ImageLocalityPriority", "weight": 1}]}')
    r = reconcile_result(analysis(str(legacy_log("a-tutorial-3nodes"))), config_path=str(policy))
    node = r.attempts[0].nodes[0]
    assert node.score("LeastRequestedPriority").weight == 2
    assert node.score("LeastRequestedPriority").provenance["weight"] == "derived"
    assert node.visible_sum == 45  # LeastRequested 8 counted twice
    assert check_findings(r).unexplained > 0  # the real run used weight 1: 100037 - 45 is no hidden combination


def test_bad_config_raises_config_error(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: Nope\n")
    with pytest.raises(ConfigError):
        reconcile_result(_bare("structured-1.25+", "v1.30.6"), config_path=str(bad))


@needs_shared
def test_inference_on_legacy_five_nodes_recovers_weights_constant_and_residuals():
    r = reconcile_result(analysis(str(legacy_log("b-heterogeneous-5nodes"))))
    inf = check_findings(r).inference()
    solved = {w.plugin: w.weight for w in inf.weights if w.weight is not None}
    assert solved == {"BalancedResourceAllocation": 1, "LeastRequestedPriority": 1, "NodeAffinityPriority": 1,
                      "TaintTolerationPriority": 1}
    assert inf.constant == 100000
    truth = facts(LAB / "v1.14.1" / "b-heterogeneous-5nodes" / "facts.json")
    expected: dict[int, int] = {}
    for att in truth["attempts"]:
        final = att.get("priority_final_scores")
        if not final:
            continue
        for node in final["NodePreferAvoidPodsPriority"]:
            res = (final["NodePreferAvoidPodsPriority"][node] - 10) * 10000 + final["ImageLocalityPriority"][node]
            expected[res] = expected.get(res, 0) + 1
    assert dict(inf.residuals) == expected == {0: 21, -100000: 2, 6: 1}


@needs_shared
def test_inference_on_framework_uses_ratios_and_divisibility():
    r = reconcile_result(analysis(str(framework_log("v1.19.1-prefer-avoid"))))
    inf = check_findings(r).inference()
    by = {w.plugin: w for w in inf.weights}
    assert by["NodeResourcesLeastAllocated"].method == "raw/weighted ratio"
    assert by["NodeResourcesLeastAllocated"].weight == 1
    assert by["NodePreferAvoidPods"].weight == 10000 and by["NodePreferAvoidPods"].agrees
    assert 2 in by["PodTopologySpread"].candidates and by["PodTopologySpread"].agrees
    assert inf.constant == 0 and dict(inf.residuals) == {0: inf.rows} and inf.rows == 20


COMPONENT_RUNS = ["v1.21.0-pre-three-nodes", "v1.21.0-pre-five-nodes-json", "v1.23.9-three-nodes",
                  "v1.30.6-three-nodes", "v1.30.6-three-nodes-json"]


@needs_shared
@pytest.mark.parametrize("run", COMPONENT_RUNS)
def test_component_config_dump_gives_the_instantiated_weights(run):
    """The 'Using component config' YAML the log prints (banner / klog block forms) -> frameworkPlugins weights."""
    import yaml

    from analyzer.pipeline import all_events
    from analyzer.reconcile.weights import weights_from_component_yaml
    from analyzer.reconstruct.config import config_from_events

    _, version, text = config_from_events(all_events([str(framework_log(run))]))
    assert text, "the lab log prints its component config"
    plugins = yaml.safe_load((LAB / run / "effective-config.yaml").read_text())["frameworkPlugins"]
    prof = plugins["default-scheduler"]
    truth = {p["Name"]: p["Weight"] for p in (prof.get("ScorePlugin") or prof["Score"]["Enabled"])}
    assert weights_from_component_yaml(text, version) == {"default-scheduler": truth}


@needs_shared
def test_component_config_is_used_when_the_result_carries_it():
    """Weights come from the YAML (observed) when the pipeline keeps it on result.config.component_config."""
    from dataclasses import replace
    from types import SimpleNamespace

    from analyzer.pipeline import all_events
    from analyzer.reconcile.weights import COMPONENT_CONFIG, resolve_weights
    from analyzer.reconstruct.config import config_from_events

    log = str(framework_log("v1.23.9-three-nodes"))
    _, version, text = config_from_events(all_events([log]))
    result = replace(analysis(log), config=SimpleNamespace(weights={}, component_config=text))
    ws = resolve_weights(result, version)
    assert ws.origin == COMPONENT_CONFIG and ws.provenance.value == "observed"
    assert ws.weights_for(None)["TaintToleration"] == 3


@needs_shared
def test_reconcile_is_idempotent():
    once = reconcile_result(analysis(str(legacy_log("b-heterogeneous-5nodes"))))
    twice = reconcile_result(once)
    assert twice.attempts == once.attempts
