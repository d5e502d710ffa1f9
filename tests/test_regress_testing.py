"""analyzer.testing: the assert helpers and the scheduler_log fixtures, on the saved lab samples."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer import analyze, testing
from analyzer.testing import assert_scheduled, assert_scores, assert_unschedulable, find_attempt, load_log

# The fixtures, taken into this module; a project registers analyzer.testing as a pytest plugin instead.
schedlog_log = testing.schedlog_log
scheduler_log = testing.scheduler_log

SAMPLES = Path(__file__).resolve().parents[1] / "samples" / "lab"
THREE_30 = "samples/lab/v1.30.6-three-nodes/v1.30.6-three-nodes.log"  # relative to the rootdir
FIVE_30 = SAMPLES / "v1.30.6-five-nodes" / "v1.30.6-five-nodes.log"
LEGACY_B = SAMPLES / "v1.14.1" / "b-heterogeneous-5nodes" / "scheduler.log"


@pytest.mark.scheduler_log(THREE_30)
def test_marker_fixture_and_passing_asserts(scheduler_log):
    # facts.json: nginx bound to node-3; its TaintToleration 300 and ImageLocality 4 on node-3.
    attempt = assert_scheduled(scheduler_log, "default/nginx", "node-3")
    assert attempt.attempt == 1
    assert_scores(scheduler_log, "nginx", "node-3", {"TaintToleration": 300, "ImageLocality": 4,
                                                     "NodeResourcesFit": 98})


@pytest.mark.scheduler_log(THREE_30)
def test_failing_asserts_name_what_the_log_says(scheduler_log):
    with pytest.raises(AssertionError, match=r"nginx #1: expected bound on node-1, but was bound on node-3"):
        assert_scheduled(scheduler_log, "default/nginx", "node-1")
    with pytest.raises(AssertionError, match=r"TaintToleration is 300 \(weighted\), expected 100"):
        assert_scores(scheduler_log, "default/nginx", "node-2", {"TaintToleration": 100})
    with pytest.raises(AssertionError, match=r"NodePreferAvoidPods not scored"):
        assert_scores(scheduler_log, "default/nginx", "node-2", {"NodePreferAvoidPods": 0})
    with pytest.raises(AssertionError, match=r"no scores for node node-9 \(scored nodes: node-1, node-2,"):
        assert_scores(scheduler_log, "default/nginx", "node-9", {"TaintToleration": 300})
    with pytest.raises(AssertionError, match=r"expected unschedulable, was bound on node-3"):
        assert_unschedulable(scheduler_log, "default/nginx")
    with pytest.raises(AssertionError,
                       match=r"no attempt for pod default/ghost \(pods in the log: default/nginx\)"):
        assert_scheduled(scheduler_log, "default/ghost", "node-3")


@pytest.mark.parametrize("scheduler_log", [FIVE_30], indirect=True)
def test_indirect_parametrization_and_unschedulable(scheduler_log):
    # facts.json: huge-cpu (32 CPU) is unschedulable after one attempt:
    # "0/5 nodes are available: ... 2 Insufficient memory, 3 Insufficient cpu."
    assert len(scheduler_log.attempts_for("default/huge-cpu")) == 1
    assert_unschedulable(scheduler_log, "default/huge-cpu", reason="Insufficient cpu")
    assert_unschedulable(scheduler_log, "default/huge-cpu", reason="insufficient CPU", attempt=1)
    with pytest.raises(AssertionError, match=r"not for 'free ports': .*memory \(2\), Insufficient cpu \(3\)"):
        assert_unschedulable(scheduler_log, "default/huge-cpu", reason="free ports")
    assert_scheduled(scheduler_log, "default/gpu-job", "worker-gpu")


def test_legacy_scores_are_checked_as_logged():
    # facts.json (v1.14.1 b): ml-train lands on worker-large-3; SelectorSpread 10 and Balanced 8 there are
    # printed before the weight (1), TaintToleration 10 too.
    attempt = assert_scheduled(LEGACY_B, "ml/ml-train-5c4f7", "worker-large-3")
    assert attempt.node("worker-large-3").total_logged == 100038
    assert_scores(str(LEGACY_B), "ml-train-5c4f7", "worker-large-3", {"TaintTolerationPriority": 10})
    with pytest.raises(AssertionError, match=r"TaintTolerationPriority is 10 \(normalized\), expected 3"):
        assert_scores(LEGACY_B, "ml-train-5c4f7", "worker-large-3", {"TaintTolerationPriority": 3})
    assert_unschedulable(LEGACY_B, "reports/batch-report-7b2kx", reason="Insufficient memory")


def test_helpers_accept_analysis_and_result_and_load_once(schedlog_log):
    analysis = schedlog_log(SAMPLES / "v1.30.6-three-nodes" / "v1.30.6-three-nodes.log")
    assert schedlog_log(str(SAMPLES / "v1.30.6-three-nodes" / "v1.30.6-three-nodes.log")) is analysis
    assert load_log(SAMPLES / "v1.30.6-three-nodes" / "v1.30.6-three-nodes.log") is analysis
    assert_scheduled(analysis.result, "default/nginx", "node-3")
    fresh = analyze(SAMPLES / "v1.30.6-three-nodes" / "v1.30.6-three-nodes.log")
    assert find_attempt(fresh, "default/nginx").winner == "node-3"


def test_changed_file_is_analysed_again(tmp_path):
    log = tmp_path / "copy.log"
    text = (SAMPLES / "v1.30.6-three-nodes" / "v1.30.6-three-nodes.log").read_text()
    log.write_text(text)
    assert_scheduled(log, "default/nginx", "node-3")
    log.write_text(text.replace('node="node-3" evaluatedNodes', 'node="node-2" evaluatedNodes'))
    with pytest.raises(AssertionError, match="was bound on node-2"):
        assert_scheduled(log, "default/nginx", "node-3")
