"""Prefixes before the klog header (journald, grep, stern, quotes, indentation): every corpus log
wrapped in each style gives the attempts and scores of the bare log.

What may differ, and why: ``format.wrapper`` (it names the prefix), each attempt's ``stream`` (stern
names the pod and container, which becomes part of the stream, as kubectl --prefix does) and the year
of ``started_at`` where the prefix's time gives the year klog leaves out (journalctl -o short-iso,
stern --timestamps). The line accounting must be the same: every physical line keeps its bucket and
reason.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import LAB, PUBLIC, REPO, needs_shared
from strategies import PREFIX_STYLES, PREFIX_YEAR, with_prefix

from analyzer import analyze_paths
from analyzer.read.prefixes import learn_prefix, record_start
from analyzer.report.jsonout import attempt_to_dict

CORPUS = sorted(
    [*LAB.glob("*/*.log"), *LAB.glob("v1.14.1/*/*.log"), *PUBLIC.glob("*.log"),
     *(REPO / "samples").glob("**/*.log")]
) if LAB.is_dir() else []


YEAR = re.compile(r"^\d{4}-")


def _attempts(result, year: str | None = None) -> list[dict]:
    """The attempts as JSON, without their stream; ``year``: the year the prefix gave, taken off again."""
    out = []
    for attempt in result.attempts:
        data = attempt_to_dict(attempt)
        data.pop("stream")
        if year and (data["started_at"] or "").startswith(f"{year}-"):  # the prefix's time gave klog's year
            data["started_at"] = YEAR.sub("--", data["started_at"])
            assert data["started_at_full"].startswith(f"{year}-")  # a full time, observed from the prefix
            assert data["started_at_full_provenance"] == "observed"
            data["started_at_full"] = data["started_at_full_provenance"] = None  # as the bare log (no year)
        out.append(data)
    return out


YEAR_STYLES = ("journald-iso", "journald-iso-colon", "stern-timestamps")  # their time says the year


def _accounting(result) -> tuple:
    c = result.lines
    return c.total, c.parsed, c.ignored, c.unrecognized, dict(c.ignored_by_reason)


@needs_shared
@pytest.mark.parametrize("style", sorted(PREFIX_STYLES))
@pytest.mark.parametrize("log", CORPUS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_corpus_log_behind_every_prefix_gives_the_bare_result(tmp_path, log: Path, style: str):
    bare = analyze_paths([str(log)])
    wrapped = tmp_path / "wrapped.log"
    wrapped.write_bytes(with_prefix(log.read_bytes(), style))
    result = analyze_paths([str(wrapped)])
    assert _accounting(result) == _accounting(bare)
    year = PREFIX_YEAR if style in YEAR_STYLES else None
    assert json.dumps(_attempts(result, year), sort_keys=True) == json.dumps(_attempts(bare), sort_keys=True)
    for wrapped_attempt, bare_attempt in zip(result.attempts, bare.attempts, strict=True):
        if year and (bare_attempt.started_at or "").startswith("--"):  # klog text: no year of its own
            assert wrapped_attempt.started_at.startswith(f"{year}-")
    assert result.config == bare.config
    assert result.format.era == bare.format.era and result.format.encoding == bare.format.encoding
    if style != "indent":  # the parser strips blanks around any line itself: an indent needs no rule
        assert result.format.wrapper != "none"


@pytest.mark.parametrize(("line", "start"), [
    ("May 21 20:52:25 host kube-scheduler[91664]: I0521 20:52:25.000001   91664 scheduler.go:597] x", 44),
    ("3888:I0521 20:52:25.000001       1 scheduler.go:597] x", 5),
    ("3888:16:39:40.797553       1 scheduler.go:597] x", 5),
    ("> schedule_one.go:646] x", 2),
    ('host kube-scheduler[1]: {"ts":1,"msg":"x"}', 24),
    ("f.log:2024-05-21T20:52:25.1Z stderr F I0521 20:52:25.000001 1 a.go:1] x", 6),
    ("I0521 20:52:25.000001       1 scheduler.go:597] x", 0),
    ("no record here: map[a:1] and scheme.go:29\"", None),
])
def test_record_start(line, start):
    assert record_start(line) == start


def test_a_prefix_no_shape_knows_is_generalized_from_the_lines():
    lines = [f"[node-{i % 3}] |ctl| I0521 20:52:2{i}.000001       1 a.go:{i}] message {i}" for i in range(6)]
    rule = learn_prefix(lines)
    assert rule is not None and rule.name == "prefix"
    assert rule.regex.match("[node-7] |ctl| \tcontinuation").end() == len("[node-7] |ctl| ")


def test_records_at_column_zero_learn_no_prefix():
    assert learn_prefix(["I0521 20:52:25.000001       1 a.go:1] m", "\tcontinuation", "3:x"]) is None


# -- real captures found in public material (tests/data/public/SOURCES.md) ---------------------------
DATA = REPO / "tests" / "data" / "public"


def _real(name: str):
    return analyze_paths([str(DATA / name)])


def test_cut_down_headers_keep_pid_and_both_cycles():
    """'16:39:40.797553       1 scheduler.go:597] ...': no severity, no date, still read (pid kept)."""
    result = _real("cut-headers-kind-v1.20-bound-and-taint.log")
    assert result.lines.unrecognized == 0
    first, second = result.attempts
    assert (first.pod, first.outcome.value, first.bound_node) == ("default/nginx", "bound", "kind-worker")
    assert (first.evaluated_nodes, first.feasible_nodes) == (3, 2)
    assert first.stream == "0:1"
    assert second.outcome.value == "unschedulable"
    assert dict(second.failure.reasons) == {
        "node(s) had taint {node-role.kubernetes.io/master: }, that the pod didn't tolerate": 1,
        "node(s) had taint {key: }, that the pod didn't tolerate": 2}


@pytest.mark.parametrize(("name", "reasons"), [
    ("journald-kthw642-v1.18-startup.log", {"startup": 9}),
    ("journald-zh-month-opsnull598-v1.18-systemd.log", {"component:systemd": 3, "startup": 8}),
    ("journald-ru-month-systemctl-status-v1.28-with-controller-manager.log",
     {"component:kube-controller-manager": 8, "component:systemd": 1, "informer": 4, "leader-election": 1,
      "trace": 5}),
])
def test_journald_captures_in_any_locale_are_scheduler_lines(name, reasons):
    """Month names in English, Chinese or Russian; systemd's and other programs' lines are ignored by name."""
    result = _real(name)
    assert result.format.wrapper == "journald"
    assert result.lines.unrecognized == 0
    assert dict(result.lines.ignored_by_reason) == reasons


def test_journald_short_iso_stream_with_kubelet_and_containerd():
    result = _real("journald-iso-combined-kubelet-containerd.log")
    assert [(a.pod, a.bound_node) for a in result.attempts] == [("default/kata-lite-120000", "test-node")]
    assert dict(result.lines.ignored_by_reason) == {"component:containerd": 3, "component:kubelet": 1}


def test_journald_error_line_loses_its_prefix():
    result = _real("journald-cern-v1.7-pvc-not-bound.log")
    assert result.format.wrapper == "journald"
    # both records behind the journald prefix are read: the error line and the pod's event
    assert (result.lines.parsed, result.lines.unrecognized) == (2, 0)
    (attempt,) = result.attempts
    assert (attempt.pod, attempt.outcome.value) == ("federation-system/fed-apiserver-364715109-2g09m", "error")
    assert attempt.failure.message == 'PersistentVolumeClaim is not bound: "fed-apiserver-etcd-claim"'


def test_grep_over_several_components_logs():
    """grep -H over /tmp/*.log: etcd, kube-apiserver and kube-controller-manager lines are told by file name."""
    result = _real("grep-H-arktos-multi-component-bound.log")
    assert result.format.wrapper == "grep"
    assert result.lines.unrecognized == 0
    assert {k: v for k, v in result.lines.ignored_by_reason.items() if k.startswith("component:")} == {
        "component:etcd": 3, "component:kube-apiserver": 1, "component:kube-controller-manager": 2}
    (attempt,) = result.attempts
    assert (attempt.bound_node, attempt.evaluated_nodes, attempt.feasible_nodes) == ("ip-172-31-29-26", 2, 1)


def test_bare_dequeued_name_and_qualified_start_are_one_pod():
    """v1.7 dequeues 'kube-dns-autoscaler-...' and then starts 'kube-system/kube-dns-autoscaler-...'."""
    result = _real("timestamps-kubermatic201-v1.7-bare-then-qualified-pod.log")
    assert [(a.pod, a.attempt) for a in result.attempts] == [("kube-system/kube-dns-autoscaler-3067162316-k8jw4", 1)]
    assert result.attempts[0].outcome.value == "error"


@pytest.mark.parametrize("path", [*sorted(DATA.glob("*.log")), *sorted(PUBLIC.glob("*.log"))], ids=lambda p: p.name)
def test_no_file_with_a_scheduler_line_is_rejected(path):
    from typer.testing import CliRunner

    from analyzer.cli import app

    run = CliRunner().invoke(app, ["summary", str(path)])
    assert run.exit_code == 0, run.output


def _v17_retry(tmp_path, namespaces: list[str]):
    """The kubermatic#201 capture, then a cycle per other namespace, then a retry whose start line is
    lost: only its bare dequeue line ('About to try and schedule pod NAME') remains."""
    src = (DATA / "timestamps-kubermatic201-v1.7-bare-then-qualified-pod.log").read_text().splitlines()
    lines = list(src)
    for ns in namespaces:
        lines.append(src[1].replace("kube-system/", f"{ns}/"))
    lines.append(src[0].replace("12:23:11.527912", "12:23:43.527912"))
    path = tmp_path / "retry.log"
    path.write_text("\n".join(lines) + "\n")
    return analyze_paths([str(path)])


def test_a_later_bare_name_is_the_one_namespaced_pod_seen_before(tmp_path):
    result = _v17_retry(tmp_path, [])
    pod = "kube-system/kube-dns-autoscaler-3067162316-k8jw4"
    assert [(a.pod, a.attempt) for a in result.attempts] == [(pod, 1), (pod, 2)]


def test_a_bare_name_two_namespaces_share_stays_bare(tmp_path):
    result = _v17_retry(tmp_path, ["other"])
    assert [a.pod for a in result.attempts] == ["kube-system/kube-dns-autoscaler-3067162316-k8jw4",
                                                "other/kube-dns-autoscaler-3067162316-k8jw4",
                                                "kube-dns-autoscaler-3067162316-k8jw4"]


@pytest.mark.parametrize(("name", "reasons"), [
    ("healthz-httplog-leader-election-v1.29-custom-scheduler.log",
     {"healthz": 4, "httplog": 4, "leader-election": 12}),
    ("feature-gates-healthz-kubespray3956-v1.9-docker-logs.log", {"feature-gates": 1, "startup": 2}),
    ("healthz-wrap-go-sample-extender2-v1.15-standby.log",
     {"healthz": 1, "httplog": 1, "informer": 3, "leader-election": 6}),
    ("journald-padded-day-k8s70730-v1.10-round-trippers.log", {"api-client": 3, "leader-election": 1}),
    ("grafana-time-lines-spot268-v1.3x-leader-election.log", {"leader-election": 2, "viewer-timestamp": 2}),
])
def test_the_schedulers_own_housekeeping_is_ignored_by_source_file(name, reasons):
    """healthz probes, httplog, feature gates, leader election: known by their file.go, never unrecognized."""
    result = _real(name)
    assert result.lines.unrecognized == 0
    assert dict(result.lines.ignored_by_reason) == reasons


@needs_shared
def test_zap_json_of_other_programs_beside_klog_json(tmp_path):
    """etcd's and a CNI agent's zap JSON lines ("level", a text "ts") in a JSON scheduler log: ignored as
    zap-json, the scheduler's attempts unchanged."""
    log = LAB / "v1.30.6-three-nodes-json" / "v1.30.6-three-nodes-json.log"
    zap = (DATA / "zap-json-etcd-snapshot-and-aws-node.txt").read_text()
    mixed = tmp_path / "mixed.log"
    mixed.write_text(log.read_text() + zap)
    result, bare = analyze_paths([str(mixed)]), analyze_paths([str(log)])
    assert result.lines.ignored_by_reason["zap-json"] == 4
    assert result.lines.unrecognized == bare.lines.unrecognized
    assert json.dumps(_attempts(result), sort_keys=True) == json.dumps(_attempts(bare), sort_keys=True)


@needs_shared
def test_two_scheduler_pods_behind_stern_stay_apart(tmp_path):
    """stern names the pod on every line: two replicas' records interleaved are two streams."""
    from strategies import read_lines, records

    five, three = (LAB / run / f"{run}.log" for run in ("v1.30.6-five-nodes", "v1.30.6-three-nodes"))
    a = [[b"kube-scheduler-a kube-scheduler " + line for line in rec] for rec in records(read_lines(five))]
    b = [[b"kube-scheduler-b kube-scheduler " + line for line in rec] for rec in records(read_lines(three))]
    mixed = [line for pair in zip(a, b, strict=False) for rec in pair for line in rec]
    mixed += [line for rec in a[len(b):] + b[len(a):] for line in rec]
    path = tmp_path / "stern.log"
    path.write_bytes(b"\n".join(mixed) + b"\n")
    result = analyze_paths([str(path)])
    assert result.format.wrapper == "stern"
    streams = {a.stream.split(":")[1] for a in result.attempts}
    assert streams == {"pod/kube-scheduler-a/kube-scheduler", "pod/kube-scheduler-b/kube-scheduler"}
    by_stream = {s: [(x.pod, x.outcome.value, x.bound_node) for x in result.attempts if s in x.stream] for s in streams}
    for stream, log in (("pod/kube-scheduler-a/kube-scheduler", five), ("pod/kube-scheduler-b/kube-scheduler", three)):
        assert by_stream[stream] == [(x.pod, x.outcome.value, x.bound_node) for x in analyze_paths([str(log)]).attempts]


def test_journalctl_own_lines_and_systemd_lines_are_not_scheduler_work():
    """'-- Logs begin at ...' and systemd's unit lines, in a paste without one scheduler record."""
    result = analyze_paths([str(DATA / "journald-markers-opsnull260-v1.10-systemd-only.txt")])
    assert result.format.wrapper == "journald"
    assert result.lines.unrecognized == 0
    assert dict(result.lines.ignored_by_reason) == {"component:systemd": 2, "journald-marker": 1}
