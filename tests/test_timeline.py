"""schedlog timeline: each pod's story agrees with the lab runs' facts.json, and real queue/informer lines
(tests/data/public/timeline-*.log, sources in SOURCES-timeline.md) land in it with their times and lines."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import LAB, PUBLIC, needs_shared
from typer.testing import CliRunner

from analyzer.cli import app
from analyzer.pipeline import analyze_paths
from analyzer.timeline import build_stories

DATA = Path(__file__).parent / "data" / "public"
runner = CliRunner()


def _stories(path: Path | str) -> dict:
    return {s.pod: s for s in build_stories(analyze_paths([str(path)]))}


def _framework_runs() -> list[Path]:
    return sorted(p for p in LAB.glob("*/facts.json") if p.parent.name != "v1.14.1") if LAB.is_dir() else []


@needs_shared
@pytest.mark.parametrize("facts_path", _framework_runs(), ids=lambda p: p.parent.name)
def test_every_lab_pod_agrees_with_facts(facts_path: Path) -> None:
    facts = json.loads(facts_path.read_text())
    stories = _stories(next(facts_path.parent.glob("*.log")))
    assert facts["pods"]
    for pod in facts["pods"]:
        story = stories[f"{pod['namespace']}/{pod['name']}"]
        assert story.outcome == pod["outcome"]
        assert story.node == (pod.get("nodeName") or None)
        assert story.attempts == len(pod["schedulingAttempts"])
        attempts = [e for e in story.entries if e.kind == "attempt"]
        assert [e.details["attempt"] for e in attempts] == list(range(1, story.attempts + 1))
        assert all(e.line > 0 for e in story.entries)
        assert [(e.input, e.line) for e in story.entries] == sorted((e.input, e.line) for e in story.entries)


@needs_shared
@pytest.mark.parametrize("run", ["a-tutorial-3nodes", "b-heterogeneous-5nodes"])
def test_legacy_lab_pods_agree_with_facts(run: str) -> None:
    facts = json.loads((LAB / "v1.14.1" / run / "facts.json").read_text())
    stories = _stories(LAB / "v1.14.1" / run / "scheduler.log")
    for pod in facts["pods"]:
        story = stories[pod["pod"]]
        assert story.outcome == ("bound" if pod["final_state"] == "Bound" else "unschedulable")
        assert story.node == pod.get("bound_to")
        assert story.attempts == len(pod["attempt_seqs"])


@needs_shared
def test_lab_five_nodes_queue_moves_and_failed_attempt() -> None:
    """v1.30.6: huge-cpu is seen (line 263), queued on PodAdd, fails on cpu, then goes to the unschedulable pods."""
    story = _stories(LAB / "v1.30.6-five-nodes" / "v1.30.6-five-nodes.log")["default/huge-cpu"]
    kinds = [(e.kind, e.line) for e in story.entries]
    assert kinds == [("seen", 263), ("queue", 264), ("attempt", 291), ("preemption", 296), ("queue", 297)]
    assert story.entries[1].details["event"] == "PodAdd" and story.entries[1].details["queue"] == "Active"
    assert story.entries[4].details["event"] == "ScheduleAttemptFailure"
    assert story.entries[4].details["queue_name"] == "unschedulablePods"
    assert story.entries[2].details["reasons"]["Insufficient cpu"] == 3
    assert story.last_reason == "3 Insufficient cpu"
    web1 = _stories(LAB / "v1.30.6-five-nodes" / "v1.30.6-five-nodes.log")["default/web-1"]
    attempt = next(e for e in web1.entries if e.kind == "attempt")
    assert (attempt.details["node"], attempt.details["runner_up"]) == ("worker-large", "worker-small")
    assert attempt.details["margin"] == 473 - 461  # facts.json totals of worker-large and worker-small


def test_public_custom_scheduler_sample_bound_with_queue_move() -> None:
    story = _stories(DATA / "timeline-v1.29-custom-scheduler-sample.log")["default/sample"]
    assert [e.kind for e in story.entries] == ["deleted", "seen", "queue", "attempt", "assigned", "bound"]
    assert story.entries[0].details == {"scheduled": True}  # the earlier pod of that name, not this one
    assert (story.outcome, story.node) == ("bound", "master-node")
    assert story.first.line == 2
    assert story.waited_seconds == pytest.approx(20.470503 - 20.452157)
    assert story.entries[3].details["evaluated_nodes"] == 4 and story.entries[3].details["feasible_nodes"] == 4


def test_public_kueue_pod_deleted_while_pending() -> None:
    story = _stories(DATA / "timeline-v1.31-kueue4140-deleted-while-pending.log")["e2e-tas-fmr5x/test-pod"]
    assert [e.kind for e in story.entries] == ["seen", "deleted"]
    assert story.outcome == "deleted" and story.attempts == 0
    assert story.waited_seconds == pytest.approx(14.345818 - 4.258997)
    assert story.entries[0].at == "2025-02-03T15:52:04.258997"  # the CRI wrapper gives the year


def test_public_queue_hint() -> None:
    story = _stories(DATA / "timeline-k8sbeta-2025-dra-queue-hint.log")["dra-1603/tester-1"]
    (entry,) = story.entries
    assert entry.kind == "queue"
    assert entry.details["event"] == "resource.k8s.io/DeviceClassUpdate" and entry.details["hint"] == 1
    assert story.outcome == "pending"


# Built from the format strings of pkg/scheduler/internal/queue/scheduling_queue.go (see
# tests/data/public/SOURCES-timeline.md): no public paste shows these, so they are not kept as real lines.
SOURCE_FORMAT_LOG = Path(__file__).parent / "data" / "timeline-source-format.log"


def test_source_format_gate_and_backoff() -> None:
    story = _stories(SOURCE_FORMAT_LOG)["ns1/gated-pod"]
    assert [e.kind for e in story.entries] == ["seen", "gated", "gated", "queue", "attempt", "backoff"]
    assert story.entries[1].details["plugin"] == "SchedulingGates"
    assert story.entries[3].details["event"] == "UpdatePodSchedulingGatesEliminated"
    assert story.outcome == "unschedulable" and story.last_reason == "3 Insufficient cpu"


@needs_shared
def test_public_kueue_sts_waited_longest_with_four_attempts() -> None:
    """corpus/public 27: sts-0 fails three times (04:51:22-04:51:53), then binds at 04:51:57.976422."""
    stories = _stories(PUBLIC / "27-kueue-issue3901-v1.31-cri-prefixed-nofit-then-bound.log")
    story = stories["e2e-tas-sts-fpmn5/sts-0"]
    assert (story.outcome, story.node, story.attempts) == ("bound", "kind-worker", 4)
    assert story.waited_seconds == pytest.approx(57.976422 - 22.347134)
    assert max(stories.values(), key=lambda s: s.waited_seconds or 0) is story


def test_cli_json_contract_and_pod_filter() -> None:
    path = str(DATA / "timeline-v1.29-custom-scheduler-sample.log")
    out = runner.invoke(app, ["timeline", path, "-o", "json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["schema"] == "schedlog/v1"
    (pod,) = data["pods"]
    assert (pod["pod"], pod["outcome"], pod["node"]) == ("default/sample", "bound", "master-node")
    attempts = [e for e in pod["timeline"] if e["kind"] == "attempt"]
    assert len(attempts) == 1 and attempts[0]["line"] == 4  # the cycle starts at "About to try"
    assert all({"at", "line", "kind"} <= set(e) for e in pod["timeline"])
    table = runner.invoke(app, ["timeline", path, "--pod", "sample"])
    assert table.exit_code == 0 and "moved to activeQ on PodAdd" in table.output
    missing = runner.invoke(app, ["timeline", path, "--pod", "nope/none"])
    assert missing.exit_code == 2 and "no line about pod nope/none" in missing.output


@needs_shared
def test_summary_lists_longest_pending_with_last_reason() -> None:
    path = str(PUBLIC / "27-kueue-issue3901-v1.31-cri-prefixed-nofit-then-bound.log")
    out = runner.invoke(app, ["summary", path, "-o", "json"])
    assert out.exit_code == 0, out.output
    first = json.loads(out.output)["longest_pending"][0]
    assert (first["pod"], first["outcome"], first["attempts"]) == ("e2e-tas-sts-fpmn5/sts-0", "bound", 4)
    assert first["last_reason"] == "7 node(s) didn't match Pod's node affinity/selector"
    table = runner.invoke(app, ["summary", path])
    assert "longest pending      e2e-tas-sts-fpmn5/sts-0: 35.6s" in table.output


@needs_shared
def test_printf_era_informer_lines_start_and_end_the_story() -> None:
    """v1.19.1: 'add event for unscheduled pod default/web-rs-7xk2p' (printf) is first sight; the informer's
    'delete event for unscheduled pod' after the bind is the bind seen, not a deletion."""
    story = _stories(LAB / "v1.19.1-prefer-avoid" / "v1.19.1-prefer-avoid.log")["default/web-rs-7xk2p"]
    assert [(e.kind, e.line) for e in story.entries] == [("seen", 48), ("attempt", 49), ("bound", 81),
                                                         ("assigned", 90)]
    assert story.waited_seconds == pytest.approx(18.871893 - 18.870474)


@needs_shared
def test_report_has_pod_lanes_and_sections_without_new_script() -> None:
    from analyzer.report.html import render_html

    result = analyze_paths([str(PUBLIC / "27-kueue-issue3901-v1.31-cri-prefixed-nofit-then-bound.log")])
    page = render_html(result)
    assert '<h2 id="timeline">Pods over time</h2>' in page
    assert page.count('<div class="pod-timeline">') == 6
    part = page[page.index('<h2 id="timeline">'):page.index('<h2 id="attempts">')]
    assert "<script" not in part and re.search(r"\son\w+=", part) is None  # no script, no event handler
    assert page.count("<script>") == 1  # the CSP allows exactly one inline script, by its hash
    lanes = page[page.index('<svg class="lanes"'):]
    lanes = lanes[:lanes.index("</svg>")]
    assert lanes.index("e2e-tas-sts-fpmn5/sts-0") < lanes.index("ranks-pytorch-worker-0")  # longest wait first
    assert "waited 35.6s" in lanes


def test_source_format_preemption_then_bind_after_the_victim_goes() -> None:
    stories = _stories(SOURCE_FORMAT_LOG)
    urgent = stories["ns1/urgent"]
    assert [e.kind for e in urgent.entries] == ["seen", "queue", "attempt", "preemption", "queue", "queue",
                                                "attempt", "bound"]
    pre = urgent.entries[3]
    assert pre.line == 11 and pre.details["nominated_node"] == "node-2"
    assert pre.details["victims"] == [{"pod": "ns1/batch-1", "node": "node-2"}]
    assert urgent.entries[5].details["event"] == "AssignedPodDelete" and urgent.entries[5].details["hint"] == 1
    assert (urgent.outcome, urgent.node, urgent.attempts) == ("bound", "node-2", 2)
    assert urgent.last_reason == "3 Insufficient memory"  # why it waited, though it is bound now
    victim = stories["ns1/batch-1"]
    assert victim.outcome == "deleted" and [e.line for e in victim.entries] == [14]
    # pending until the end of the log: 10:00:00.000001 -> 10:01:00.500300
    assert stories["ns1/gated-pod"].waited_seconds == pytest.approx(60.500299)
    assert (urgent.waited_until, stories["ns1/gated-pod"].waited_until) == ("bind", "log-end")


def test_report_keeps_first_and_last_entries_of_a_long_story(tmp_path: Path) -> None:
    """A pod retried 30 times (an attempt and a queue move each): the page shows its first and last 20 entries."""
    from analyzer.report.timeline_html import timeline_view
    from analyzer.times import FullTimes

    lines = []
    for i in range(30):
        t = f"I0301 10:{i:02d}:00.000000       1"
        lines += [f'{t} schedule_one.go:98] "Attempting to schedule pod" pod="ns/stuck"',
                  f'{t} schedule_one.go:1061] "Unable to schedule pod; no fit; waiting" pod="ns/stuck" '
                  f'err="0/2 nodes are available: 2 Insufficient cpu."',
                  f'{t} scheduling_queue.go:768] "Pod moved to an internal scheduling queue" pod="ns/stuck" '
                  f'event="ScheduleAttemptFailure" queue="Unschedulable"']
    log = tmp_path / "stuck.log"
    log.write_text("\n".join(lines) + "\n")
    result = analyze_paths([str(log)])
    (pod,) = timeline_view(result, None, FullTimes(result.inputs, 2026))["pods"]
    assert pod["attempts"] == 30 and pod["left_out"] == 20 and len(pod["entries"]) == 40
    assert pod["entries"][0]["line"] == 1 and pod["entries"][-1]["line"] == 90
    assert pod["waited"] == "29m00s"


def test_thousand_node_log_lists_the_top_pods_and_counts_the_rest(tmp_path: Path) -> None:
    """Real size: a generated 1,000-node log of 12 pods; the table shows --top 5 and counts 7 more, JSON has all."""
    from conftest import generated_log

    path = str(generated_log(tmp_path, nodes=1000, pods=12, seed=3))
    table = runner.invoke(app, ["timeline", path, "--top", "5"])
    assert table.exit_code == 0, table.output
    rows = table.output.splitlines()
    assert rows[0].split()[:2] == ["pod", "outcome"] and len(rows) == 1 + 5 + 1
    assert rows[-1].startswith("... and 7 more pods")
    data = json.loads(runner.invoke(app, ["timeline", path, "-o", "json"]).output)
    assert len(data["pods"]) == 12
    waits = [p["waited_seconds"] for p in data["pods"]]
    shown = [line.split()[0] for line in rows[1:6]]
    by_pod = {p["pod"]: p for p in data["pods"]}
    assert [by_pod[name]["waited_seconds"] for name in shown] == sorted(waits, reverse=True)[:5]
    for pod in data["pods"]:
        assert pod["outcome"] == "bound" and pod["attempts"] == 1
        assert [e["kind"] for e in pod["timeline"]] == ["seen", "attempt", "bound", "assigned"]


def test_cli_bad_input_is_one_line_and_top_zero_lists_every_pod(tmp_path: Path) -> None:
    junk = tmp_path / "notes.txt"
    junk.write_text("just some notes\nnothing from a scheduler\n")
    bad = runner.invoke(app, ["timeline", str(junk)])
    assert bad.exit_code == 2 and "not a kube-scheduler log" in bad.output and "Traceback" not in bad.output
    every = runner.invoke(app, ["timeline", str(SOURCE_FORMAT_LOG), "--top", "0", "--no-headers"])
    assert [line.split()[0] for line in every.output.splitlines()] == ["ns1/gated-pod", "ns1/urgent", "ns1/batch-1"]
