"""Facts the lines state, on real public excerpts kept in tests/data/public/facts-*.log (SOURCES-facts.md).

Each category of issue 12 that these cover: outcomes only in recorded events (2), error paths (3),
1.8-1.10 preemption (4), panics (5), score inputs in newer shapes with redacted names (6), fork pod
keys and debug-build lines (7); plus the public corpus in ../shared where the same shapes occur.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import physical_line_count
from hypothesis import HealthCheck, given, settings
from strategies import fact_logs, fact_of, join, read_lines, shift_dates, with_pid

from analyzer import analyze_paths
from analyzer.parse import fastpath
from analyzer.parse.printf import parse_printf
from analyzer.report.jsonout import attempt_to_dict

DATA = Path(__file__).resolve().parent / "data" / "public"
EXCERPTS = sorted(p.name for p in DATA.glob("facts-*.log"))
ACCOUNTED = EXCERPTS  # the journald one too, now that the prefix layer reads it


def result_of(prefix: str):
    matches = sorted(DATA.glob(f"facts-{prefix}*.log"))
    assert len(matches) == 1, matches
    return analyze_paths([str(matches[0])])


def by_pod(result, pod: str):
    return [a for a in result.attempts if a.pod == pod]


@pytest.mark.parametrize("name", ACCOUNTED)
def test_every_line_is_accounted_and_none_unrecognized(name):
    result = analyze_paths([str(DATA / name)])
    assert result.lines.total == physical_line_count(DATA / name)
    assert result.lines.parsed + result.lines.ignored + result.lines.unrecognized == result.lines.total
    assert result.lines.unrecognized == 0, result.lines.unrecognized_samples


@pytest.mark.parametrize("name", EXCERPTS)
def test_fast_path_and_lark_agree(name):
    fast = [attempt_to_dict(a) for a in analyze_paths([str(DATA / name)]).attempts]
    with fastpath.lark_only():
        slow = [attempt_to_dict(a) for a in analyze_paths([str(DATA / name)]).attempts]
    assert fast == slow


# -- 2. outcomes only in recorded events ---------------------------------------------------------
def test_pr67591_events_are_the_only_record_of_outcomes():
    result = result_of("k8s-pr67591")
    bound = by_pod(result, "default/nginx-xxrvd")
    assert [(a.outcome.value, a.bound_node, a.outcome_provenance.value) for a in bound] == \
        [("bound", "10.62.40.149", "observed")]
    failed = by_pod(result, "default/nginx-bjg2h")
    assert [a.outcome.value for a in failed] == ["unschedulable", "unschedulable"]  # two retries, 10 s apart
    for a in failed:
        assert a.failure.total_nodes == 1 and dict(a.failure.reasons) == {"Insufficient cpu": 1}
        assert not a.complete and a.incomplete_reason == "the log starts inside this cycle"


def test_updatepod_bind_line_and_scheduled_event_make_one_bound_attempt():
    result = result_of("updatepod")
    assert len(result.attempts) == 1
    a = result.attempts[0]
    node = "ip-172-23-1-12.us-west-2.compute.internal"
    assert (a.pod, a.outcome.value, a.selected_node, a.bound_node, a.complete) == \
        ("default/myschedule-cpu-80", "bound", node, node, True)


def test_issue38105_event_for_a_pod_without_other_lines_is_its_own_attempt():
    result = result_of("k8s-issue38105")
    assert [(a.outcome.value, a.bound_node) for a in by_pod(result, "backtory/realtime-api-0")] == [("bound", "k8s-3")]
    other = by_pod(result, "backtory/game-connectivity-api-1875989870-y452d")
    assert [(a.outcome.value, a.bound_node) for a in other] == [("bound", "k8s-4")]


def test_lab_114_events_repeat_logged_outcomes_without_double_counting():
    """The 1.14 lab runs log a Scheduled / FailedScheduling event after every bind and no-fit line."""
    from conftest import LEGACY_RUNS, legacy_log, needs_shared  # noqa: F401

    if not LEGACY_RUNS:
        pytest.skip("../shared is absent")
    for run in LEGACY_RUNS:
        result = analyze_paths([str(legacy_log(run))])
        assert all(a.complete for a in result.attempts), run
        pods = [a.pod for a in result.attempts]
        assert len(pods) == len(set(pods)), run  # one attempt each: the events added none
        assert result.lines.unrecognized == 0


# -- 3. error paths -----------------------------------------------------------------------------
def test_tidb_extender_500_is_an_error_attempt_with_its_reason():
    result = result_of("tidb-operator")
    [a] = result.attempts
    assert (a.pod, a.outcome.value, a.outcome_provenance.value) == ("tidb21/demo-tikv-0", "error", "observed")
    assert a.failure.message == "Failed filter with extender at URL http://127.0.0.1:10262/scheduler/filter, code 500"
    assert result.lines.ignored_by_reason["predicate-error"] == 6  # "Node not found, <node>" names no pod


def test_kubermatic_no_nodes_registered_is_the_reason_of_the_failed_cycle():
    result = result_of("kubermatic")
    failed = by_pod(result, "kube-system/kube-dns-autoscaler-3067162316-k8jw4")
    assert len(failed) == 1  # "Failed to schedule pod", its reason line and the event are one cycle
    a = failed[0]
    assert (a.outcome.value, a.failure.message, a.complete) == \
        ("error", "no nodes are registered to the cluster", True)
    assert result.lines.ignored_by_reason["queue"] == 1  # the "Backing off 32s" line


def test_issue86669_pod_less_error_line_and_its_retrying_line_are_one_error():
    result = result_of("k8s-issue86669")
    [a] = result.attempts
    assert (a.pod, a.outcome.value) == ("test-f5ajcq-1/medium-statefulset-0-19", "error")
    assert a.failure.message == ('running "VolumeBinding" filter plugin for pod "medium-statefulset-0-19": '
                                 "pod has unbound immediate PersistentVolumeClaims")
    assert result.lines.ignored_by_reason["queue"] == 1  # "is already present in the active queue"


def test_issue94437_each_retrying_line_is_one_error_attempt_with_the_node_not_found():
    result = result_of("k8s-issue94437")
    web = by_pod(result, "default/web-1")
    assert [a.outcome.value for a in web] == ["error"] * 5 and [a.attempt for a in web] == [1, 2, 3, 4, 5]
    assert {a.failure.message for a in web} == {'Failed to bind volumes: failed to get node "kind-worker": '
                                                'node "kind-worker" not found'}
    assert result.lines.ignored_by_reason["queue"] == 1 and result.lines.ignored_by_reason["duplicate"] == 1


def test_kubeadm_workshop_failedscheduling_events_are_error_attempts():
    result = result_of("kubeadm-workshop")
    pod = by_pod(result, "kube-system/self-hosted-kube-scheduler-2660681130-r0php")
    assert [(a.outcome.value, a.failure.message) for a in pod] == [("error", "no nodes available to schedule pods")] * 2
    assert result.lines.ignored_by_reason["events"] == 1  # the Endpoints LeaderElection event


def test_issue60770_pv_not_found_with_the_spaced_pod_key():
    """1.9 "Error scheduling <ns> <name>: ...; retrying", behind a journald prefix (read here from the message)."""
    line = (DATA / "facts-k8s-issue60770-v1.9-journald-pv-not-found-retrying.log").read_text()
    message = line.split("factory.go:913] ", 1)[1].rstrip("\n")
    event = parse_printf(message)
    assert (event.kind, event.pod, event.pod_form) == ("schedule_error", "rubix-skykube/svc-221087-0", "ns name")
    assert event.data["err"] == 'persistentvolume "pvc-ff9e7a1a-2003-11e8-a139-0a14b2585426" not found ' \
        "(repeated 10 times)"


# -- 4. preemption, 1.8-1.10 --------------------------------------------------------------------
def test_preempting_line_nominates_the_node_and_keeps_the_failure_reasons():
    result = result_of("priority-preempt")
    [a] = result.attempts
    assert (a.pod, a.outcome.value) == ("default/nginx-high", "unschedulable")
    assert dict(a.failure.reasons) == {"Insufficient cpu": 1}
    p = a.preemption
    assert (p.ran, p.nominated_node, p.victim_count, p.potential_nodes) == (True, "kube-node1", 1, ("kube-node1",))


def test_legacy_fit_failure_lists_give_their_reason_counts():
    """1.5-1.9 FitError texts list "<reason> (<count>)": the 1.9 event above, and the text of kubernetes
    issue #41070's title (a 1.5/1.6 event, https://github.com/kubernetes/kubernetes/issues/41070)."""
    from analyzer.reconstruct.failure import parse_failure

    title = "pod failed to fit in any node fit failure summary on nodes : PodToleratesNodeTaints (1)"
    assert dict(parse_failure(title).reasons) == {"PodToleratesNodeTaints": 1}
    nine = "No nodes are available that match all of the predicates: Insufficient cpu (1), MatchNodeSelector (2)."
    assert dict(parse_failure(nine).reasons) == {"Insufficient cpu": 1, "MatchNodeSelector": 2}


def test_found_placement_in_the_failure_text_nominates_the_node(tmp_path):
    """kubernetes PR #140180 (https://github.com/kubernetes/kubernetes/pull/140180): a successful preemption
    is written into the FailedScheduling text; its description's example, in the no-fit line that carries it."""
    text = "0/1 nodes are available: 1 Insufficient cpu. preemption: found a potential placement for pod on node X."
    log = tmp_path / "placement.log"
    log.write_text('I0702 10:00:00.000001       1 schedule_one.go:1061] "Unable to schedule pod; no fit; waiting" '
                   f'pod="default/high" err="{text}"\n')
    [a] = analyze_paths([str(log)]).attempts
    assert (a.outcome.value, dict(a.failure.reasons)) == ("unschedulable", {"Insufficient cpu": 1})
    assert (a.preemption.ran, a.preemption.nominated_node, a.preemption.victim_count) == (True, "X", None)


# -- 5. panics ----------------------------------------------------------------------------------
def test_panic_cuts_the_running_cycle_and_is_noted():
    result = result_of("k8s-issue38105")
    cut = by_pod(result, "backtory/realtime-api-1")
    assert [a.complete for a in cut] == [False]
    assert cut[0].incomplete_reason.startswith("the scheduler panicked at line 8: ")
    assert "invalid memory address or nil pointer dereference" in cut[0].incomplete_reason
    assert [n for n in result.notes if "panicked" in n] == [
        f"{DATA / 'facts-k8s-issue38105-v1.5-events-then-panic.log'}: line 8: the scheduler panicked: "
        '"invalid memory address or nil pointer dereference" (runtime error: invalid memory address or '
        "nil pointer dereference)"]
    done = by_pod(result, "backtory/realtime-api-0")
    assert done[0].complete  # already bound before the panic: not cut


def test_issue86908_panic_and_its_goroutine_trace():
    """A 1.17 panic in a Score plugin: one note, and the 13 trace lines are the record's continuation."""
    result = result_of("k8s-issue86908")
    assert [n.split(": ", 1)[1] for n in result.notes] == [
        'line 1: the scheduler panicked: "invalid memory address or nil pointer dereference" (runtime error: '
        "invalid memory address or nil pointer dereference)"]
    assert (result.lines.parsed, dict(result.lines.ignored_by_reason)) == (1, {"continuation": 13})


def test_structured_observed_a_panic_line_and_its_stacktrace_block():
    """apimachinery >= 0.30 logs the crash as '"Observed a panic" panic=... stacktrace=<' (the same code in
    every component; this excerpt is Kueue's, kube-scheduler >= 1.31 prints the same)."""
    result = result_of("kueue-issue3693")
    assert [n.split(": ", 1)[1] for n in result.notes if "panicked" in n] == [
        "line 1: the scheduler panicked: runtime error: invalid memory address or nil pointer dereference"]
    assert (result.lines.parsed, result.lines.ignored_by_reason["continuation"], result.lines.unrecognized) == (1, 5, 0)


# -- 6. score inputs: Go-slice values and redacted names ----------------------------------------
def test_issue122131_listing_lines_with_go_slices_and_redacted_names():
    result = result_of("k8s-issue122131")
    [a] = result.attempts
    assert a.pod == "<redacted>"
    node = a.node("<nodename>")
    fit = node.score("NodeResourcesFit")
    assert (fit.logged_as, fit.raw) == ("LeastAllocated", 18)
    assert dict(fit.inputs.allocatable) == {"cpu": 8000, "memory": 14554681344}
    assert dict(fit.inputs.requested) == {"cpu": 5728, "memory": 13233029120}
    balanced = node.score("NodeResourcesBalancedAllocation")
    assert balanced.raw == 88 and dict(balanced.inputs.requested) == {"cpu": 994, "memory": 5105516544}
    assert node.score("TaintToleration").weighted == 300


# -- 7. forks and debug builds ------------------------------------------------------------------
def test_arktos_three_part_pod_key_is_one_pod_and_debug_lines_are_known():
    result = result_of("arktos")
    [a] = result.attempts
    assert a.pod == "arktos/y0g937-testns/latency-deployment-306-8566f7d674-4dftj"
    assert (a.outcome.value, a.bound_node, a.evaluated_nodes, a.feasible_nodes, a.complete) == \
        ("bound", "hollow-node-1-xpj4t", 101, 100, True)
    assert result.lines.ignored_by_reason["debug-build"] == 3


# -- 5. restarts: a lab log cut inside a cycle, then the same scheduler starting again -----------
def test_restart_cuts_the_open_cycle_and_is_noted(tmp_path):
    from conftest import framework_log, needs_shared  # noqa: F401

    log = framework_log("v1.19.1-three-nodes")
    if not log.is_file():
        pytest.skip("../shared is absent")
    lines = read_lines(log)
    start = next(i for i, line in enumerate(lines) if b"Attempting to schedule pod: default/nginx" in line)
    restarted = tmp_path / "restarted.log"
    # the process dies 3 lines into the cycle; restarted in its container (pid 1 again, as before),
    # it logs the same run again a day later
    restarted.write_bytes(join(with_pid(lines[: start + 3], 1) + with_pid(shift_dates(lines, b"1129"), 1)))
    result = analyze_paths([str(restarted)])
    version_line = start + 3 + 4  # the second run's "Starting Kubernetes Scheduler" (line 4 of the log)
    first = result.attempts[0]
    assert (first.pod, first.complete, first.incomplete_reason) == \
        ("default/nginx", False, f"the scheduler restarted at line {version_line}")
    assert [n.split(": ", 1)[1] for n in result.notes if "restarted" in n] == \
        [f"line {version_line}: the scheduler restarted (version v1.19.1)"]
    whole = analyze_paths([str(log)])
    assert [attempt_to_dict(a)["outcome"] for a in result.attempts[1:]] == \
        [attempt_to_dict(a)["outcome"] for a in whole.attempts]
    from analyzer.reconcile import reconcile_result

    [d] = [d for d in reconcile_result(result).attempts[0].discrepancies if d.kind == "incomplete"]
    assert d.explained and d.attribution == "process stop"
    assert d.explanation == (f"the scheduler restarted at line {version_line}: the process stopped inside this "
                             "cycle, so only what is shown is checked")


# -- 10. a bind after a failed cycle of the same pod opens the next cycle -------------------------
def test_bind_after_a_failed_cycle_opens_the_next_attempt(tmp_path):
    """A filtered paste (grep for the pod) keeps the no-fit and the later bind but no cycle start:
    the 1.14 lab's own no-fit line for batch-report, then a bind in the same era's shape."""
    log = tmp_path / "grep-pod.log"
    log.write_text(
        "I1128 16:04:36.727134    8503 factory.go:647] Unable to schedule reports/batch-report-7b2kx: no fit: "
        "0/5 nodes are available: 4 Insufficient memory, 5 Insufficient cpu.; waiting\n"
        "I1128 16:05:36.237810    8503 factory.go:733] Attempting to bind batch-report-7b2kx to worker-large-3\n"
        "I1128 16:05:36.237888    8503 scheduler.go:572] pod reports/batch-report-7b2kx is bound successfully "
        "on node worker-large-3, 5 nodes evaluated, 1 nodes were found feasible\n")
    result = analyze_paths([str(log)])
    failed, bound = result.attempts
    assert (failed.outcome.value, failed.selected_node, failed.failure.total_nodes) == ("unschedulable", None, 5)
    assert (bound.pod, bound.attempt, bound.outcome.value, bound.selected_node, bound.bound_node) == \
        ("reports/batch-report-7b2kx", 2, "bound", "worker-large-3", "worker-large-3")


# -- the same shapes, generated: every story gives exactly its facts, fast path or lark -----------
@settings(max_examples=60, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(log=fact_logs())
def test_generated_fact_lines_give_their_facts(tmp_path_factory, log):
    path = tmp_path_factory.mktemp("facts") / "facts.log"
    path.write_bytes(log.data)
    result = analyze_paths([str(path)])
    assert result.lines.unrecognized == 0, result.lines.unrecognized_samples
    got: dict[str, list] = {}
    for attempt in result.attempts:
        got.setdefault(attempt.pod, []).append(fact_of(attempt))
    assert got == log.expected
    with fastpath.lark_only():
        slow = analyze_paths([str(path)])
    assert [attempt_to_dict(a) for a in slow.attempts] == [attempt_to_dict(a) for a in result.attempts]


# -- 6. resource lists follow the configured scoringStrategy order -------------------------------
def _swap_pairs(line: str) -> str:
    import re

    return re.sub(r"Resource=\[(\d+),(\d+)\]", r"Resource=[\2,\1]", line)


def test_resource_lists_are_read_in_the_configured_order(tmp_path):
    """The 1.30 lab run, with NodeResourcesFit configured as memory, cpu: the scheduler prints its lists in
    that order, so the run's own lines are swapped accordingly; the amounts must come out the same."""
    from conftest import framework_log

    log = framework_log("v1.30.6-five-nodes")
    if not log.is_file():
        pytest.skip("../shared is absent")
    text = log.read_text()
    fit_order = "scoringStrategy:\n\t        resources:\n\t        - name: cpu\n\t          weight: 1\n" \
        "\t        - name: memory\n\t          weight: 1\n"
    assert fit_order in text
    swapped = text.replace(fit_order, fit_order.replace("name: cpu", "name: CPU").replace("name: memory", "name: cpu")
                           .replace("name: CPU", "name: memory"))
    swapped = "".join(_swap_pairs(ln) if 'logger="Score.NodeResourcesFit"' in ln else ln
                      for ln in swapped.splitlines(keepends=True))
    path = tmp_path / "memory-first.log"
    path.write_text(swapped)

    def inputs(result):
        return [(a.pod, n.node, s.plugin, dict(s.inputs.allocatable), dict(s.inputs.requested))
                for a in result.attempts for n in a.nodes for s in n.scores if s.inputs is not None]

    got, want = inputs(analyze_paths([str(path)])), inputs(analyze_paths([str(log)]))
    assert got == want and len(got) > 10
    from test_parts import chunked

    merged, why, _ = chunked(str(path), 4, 2000)
    assert merged is None and "orders the scored resources" in why


# -- 7. per-node filter verdicts the old FitError states ------------------------------------------
FIT_ERROR_37232 = [  # the FitError text of kubernetes issue #37232 (1.4, kubectl describe), one node per line
    "pod (jenkins-master-645022479-ov9ka) failed to fit in any node",
    "fit failure on node (gke-warpdrive-default-pool-eae1f3b0-spgr): Insufficient cpu",
    "fit failure on node (gke-warpdrive-default-pool-eae1f3b0-jitr): Insufficient cpu",
    "fit failure on node (gke-warpdrive-default-pool-eae1f3b0-3qqu): Insufficient cpu",
    "fit failure on node (gke-warpdrive-default-pool-eae1f3b0-530e): Insufficient cpu",
]


def test_fit_error_node_lines_are_observed_filter_failures(tmp_path):
    """1.4 logs a FitError through 'Error scheduling <ns> <name>: <error>; retrying' and its event; the
    error's lines after the first have no header. Each names a node that failed and why."""
    head, *nodes = FIT_ERROR_37232
    ref = ('Event(api.ObjectReference{Kind:"Pod", Namespace:"default", Name:"jenkins-master-645022479-ov9ka", '
           'UID:"u", APIVersion:"v1", ResourceVersion:"1", FieldPath:""})')
    log = tmp_path / "fit-error-1.4.log"
    pod = "jenkins-master-645022479-ov9ka"
    log.write_text("\n".join([
        f"I1121 10:00:00.000001       1 scheduler.go:96] Attempting to schedule pod: default/{pod}",
        f"E1121 10:00:00.000002       1 factory.go:500] Error scheduling default {pod}: {head}",
        *nodes, "; retrying",
        f"I1121 10:00:00.000003       1 event.go:217] {ref}: type: 'Warning' reason: 'FailedScheduling' {head}",
        *nodes, ""]))
    result = analyze_paths([str(log)])
    assert result.lines.unrecognized == 0
    [a] = result.attempts
    assert (a.outcome.value, a.complete) == ("unschedulable", True)
    assert dict(a.failure.reasons) == {"Insufficient cpu": 4}
    failed = {n.node: (n.filter.value, n.filter_provenance.value, n.filter_reasons) for n in a.nodes}
    assert failed == {line.split("(")[1].split(")")[0]: ("failed", "observed", ("Insufficient cpu",))
                      for line in nodes}
    node = attempt_to_dict(a)["nodes"][0]
    assert node["filter_reasons"] == ["Insufficient cpu"]
