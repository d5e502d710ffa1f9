"""A v1.30 lab run cut to its --v=4 lines, plus a SIGUSR2 dump written in 1.30's format from the run's own
inputs, recomputes the resource scores and rankings of the full --v=10 run (issue 14, part 1).

What the cut keeps: every line except the V(5)+ statements of a cycle (see V5_PLUS: per-plugin scores,
resource lines and final totals at V(10), the PostFilter status and preemption candidates at V(5)), so the
attempts, binds and cache events stay. The dump is generated (no public 1.30 dump of this cluster exists):
node entries in dumper.go's 1.30 format (`Node name:`, `Deleted:`, `Requested Resources: &{...}`,
`Allocatable Resources:&{...}`, `Scheduled Pods(number: N):`), Requested summed from existing-pods.yaml and
Allocatable from nodes.yaml. The log never states a pod's requests: they come from pods.yaml here.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from conftest import LAB, needs_shared

from analyzer.pipeline import analyze_paths
from analyzer.replay import REQUESTED_CAVEAT, object_amount, pod_requests_from_podlist, replay

RUN = LAB / "v1.30.6-five-nodes"
V5_PLUS = ('"Plugin scored node for pod"', '"Listed internal info for allocatable resources',
           '"Calculated node\'s final score for pod"', '"Status after running PostFilter plugins for pod"',
           '"Selected candidates from a pool of nodes"')
RESOURCE_PLUGINS = ("NodeResourcesFit", "NodeResourcesBalancedAllocation")


def _items(name: str) -> list[dict]:
    return yaml.safe_load((RUN / name).read_text())["items"]


def dump_lines(header: str) -> list[str]:
    """A 1.30 "Dump of cached NodeInfo" record for the run's nodes and existing pods (klog text, tab-indented)."""
    pods = _items("existing-pods.yaml")
    requests = pod_requests_from_podlist(pods)
    entries = []
    for node in _items("nodes.yaml"):
        name, alloc = node["metadata"]["name"], node["status"]["allocatable"]
        on_node = [p for p in pods if p["spec"].get("nodeName") == name]
        cpu = sum(requests[f"default/{p['metadata']['name']}"].get("cpu", 0) for p in on_node)
        mem = sum(requests[f"default/{p['metadata']['name']}"].get("memory", 0) for p in on_node)
        entry = [f"Node name: {name}", "Deleted: false",
                 f"Requested Resources: &{{MilliCPU:{cpu} Memory:{mem} EphemeralStorage:0 AllowedPodNumber:0 "
                 "ScalarResources:map[]}",
                 f"Allocatable Resources:&{{MilliCPU:{object_amount(alloc['cpu'], 'cpu')} "
                 f"Memory:{object_amount(alloc['memory'], 'memory')} "
                 f"EphemeralStorage:{object_amount(alloc['ephemeral-storage'], 'ephemeral-storage')} "
                 f"AllowedPodNumber:{alloc['pods']} ScalarResources:map[]}}",
                 f"Scheduled Pods(number: {len(on_node)}):"]
        entry += [f"name: {p['metadata']['name']}, namespace: default, uid: uid-{p['metadata']['name']}, "
                  "phase: Running, nominated node: " for p in on_node]
        entries.append(entry)
    body = []
    for i, entry in enumerate(entries):
        body += ([""] if i else []) + entry  # klog: node entries are separated by a blank line
    return [f'{header}] "Dump of cached NodeInfo" nodes=<', *("\t" + line for line in body), " >"]


def cut_to_v4(lines: list[str]) -> list[str]:
    return [line for line in lines if not any(marker in line for marker in V5_PLUS)]


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> tuple:
    full_lines = (RUN / "v1.30.6-five-nodes.log").read_text().splitlines()
    first = next(i for i, line in enumerate(full_lines) if '"About to try and schedule pod"' in line)
    header = full_lines[first].split("]", 1)[0].replace("schedule_one.go:84", "dumper.go:52")
    cut = cut_to_v4(full_lines[:first]) + dump_lines(header) + cut_to_v4(full_lines[first:])
    path = Path(tmp_path_factory.mktemp("replay")) / "v4-with-dump.log"
    path.write_text("\n".join(cut) + "\n")
    requests = pod_requests_from_podlist(_items("pods.yaml") + _items("existing-pods.yaml"))
    full = analyze_paths([str(RUN / "v1.30.6-five-nodes.log")])
    v4 = analyze_paths([str(path)])
    return full, v4, requests


@needs_shared
def test_the_cut_log_has_no_resource_lines_and_one_dump(runs):
    full, v4, _ = runs
    assert [a.pod for a in v4.attempts] == [a.pod for a in full.attempts]
    assert all(not s.inputs for a in v4.attempts for n in a.nodes for s in n.scores)
    assert len(v4.cache.dumps) == 1
    dump = v4.cache.dumps[0]
    assert [n.name for n in dump.nodes] == ["worker-small", "worker-medium", "worker-large", "worker-gpu",
                                            "worker-cordoned"]
    assert dump.node("worker-medium").requested["cpu"] == 2000
    assert dump.node("worker-large").allocatable["memory"] == 64 * 1024 ** 3
    assert [p.name for p in dump.node("worker-small").pods] == ["existing-agent"]


@needs_shared
def test_replay_recomputes_the_resource_scores_and_ranking_of_the_v10_run(runs):
    full, v4, requests = runs
    replays = {(r.pod, r.attempt): r for r in replay(v4, requests)}
    checked = 0
    for attempt in full.attempts:
        logged = {n.node: {s.plugin: s.weighted for s in n.scores if s.plugin in RESOURCE_PLUGINS}
                  for n in attempt.nodes if n.scores}
        if not logged:
            continue
        rep = replays[(attempt.pod, attempt.attempt)]
        assert rep.provenance == "derived" and rep.pod_requests_provenance == "inferred"
        by_node = {n.node: n for n in rep.nodes}
        for node, scores in logged.items():
            assert by_node[node].scores == scores, (attempt.pod, node)
            checked += 1
        v10_order = sorted(logged, key=lambda n: (-sum(logged[n].values()), n))
        assert [n for n in rep.ranking if n in logged] == v10_order, attempt.pod
    assert checked >= 15


@needs_shared
def test_replay_follows_the_binds(runs):
    full, v4, requests = runs
    replays = {r.pod: r for r in replay(v4, requests)}
    medium = next(n for n in replays["default/besteffort"].nodes if n.node == "worker-medium")
    before = [a.pod for a in full.attempts[: [a.pod for a in full.attempts].index("default/besteffort")]
              if a.bound_node == "worker-medium"]
    assert before == ["default/web-2"]  # the v10 run's own record
    assert medium.requested["cpu"] == 2250  # existing-api 2000 + web-2 250
    assert medium.notes == ("1 pod(s) placed here since the dump: default/web-2",)
    huge = replays["default/huge-cpu"]
    assert huge.ranking == ()  # 32 CPUs fit on no node
    assert REQUESTED_CAVEAT in huge.caveats


@needs_shared
def test_without_pod_requests_the_replay_says_so_and_scores_nothing(runs):
    _, v4, _ = runs
    rep = replay(v4)[0]
    assert rep.pod_requests_provenance == "absent" and rep.pod_requests is None
    assert all(not n.scores and n.total is None for n in rep.nodes)
    assert "not in the log" in rep.caveats[0]


@needs_shared
def test_a_full_log_with_a_dump_agrees_with_its_resource_lines(runs, tmp_path):
    full, _, requests = runs
    lines = (RUN / "v1.30.6-five-nodes.log").read_text().splitlines()
    first = next(i for i, line in enumerate(lines) if '"About to try and schedule pod"' in line)
    header = lines[first].split("]", 1)[0]
    path = tmp_path / "v10-with-dump.log"
    path.write_text("\n".join(lines[:first] + dump_lines(header) + lines[first:]) + "\n")
    result = analyze_paths([str(path)])
    reps = replay(result, requests)
    assert reps and all(r.disagreements == () for r in reps)
    # a dump that is off by 1 CPU on worker-large: every attempt that scored worker-large says so
    wrong = path.read_text().replace("MilliCPU:4000 Memory:8589934592 EphemeralStorage:0",
                                     "MilliCPU:5000 Memory:8589934592 EphemeralStorage:0")
    path.write_text(wrong)
    reps = replay(analyze_paths([str(path)]), requests)
    flagged = [r for r in reps if any("worker-large" in d and "requested cpu" in d for d in r.disagreements)]
    assert flagged


@needs_shared
def test_explain_shows_the_replayed_ranking_with_pods_and_says_when_requests_are_absent(tmp_path):
    import json

    from typer.testing import CliRunner

    from analyzer.cli import app

    full_lines = (RUN / "v1.30.6-five-nodes.log").read_text().splitlines()
    first = next(i for i, line in enumerate(full_lines) if '"About to try and schedule pod"' in line)
    header = full_lines[first].split("]", 1)[0].replace("schedule_one.go:84", "dumper.go:52")
    log = tmp_path / "v4.log"
    log.write_text("\n".join(cut_to_v4(full_lines[:first]) + dump_lines(header) + cut_to_v4(full_lines[first:])))
    runner = CliRunner()
    res = runner.invoke(app, ["--pods", str(RUN / "pods.yaml"), "explain", str(log), "--pod", "default/ssd-db"])
    assert res.exit_code == 0, res.output
    assert "pod requests cpu 1000m, memory 2.00Gi (inferred: given with --pods, not in the log)" in res.stdout
    # worker-large (the v10 run's winner among the 2 feasible nodes): Fit 74 + Balanced 90, as the v10 log says
    row = next(line for line in res.stdout.splitlines() if "worker-large" in line and "cpu 4500m" in line)
    assert row.split()[2:5] == ["74", "90", "164"]
    res = runner.invoke(app, ["explain", str(log), "--pod", "default/ssd-db"])
    assert "the pod's requests are not in the log (give them with --pods) - node states only" in res.stdout
    data = json.loads(runner.invoke(app, ["--pods", str(RUN / "pods.yaml"), "attempts", str(log), "-o",
                                          "json"]).stdout)
    replayed = [a["cache_replay"] for a in data["attempts"]]
    assert all(r["provenance"] == "derived" and r["pod_requests_provenance"] == "inferred" for r in replayed)
    assert data["attempts"][0]["cache_replay"]["nodes"][0]["scores_provenance"] == "recomputed"
    res = runner.invoke(app, ["--pods", str(tmp_path / "missing.yaml"), "attempts", str(log)])
    assert res.exit_code == 2 and "cannot read pod objects" in res.output


@needs_shared
def test_check_reports_resource_lines_that_disagree_with_the_replayed_dump(tmp_path):
    from typer.testing import CliRunner

    from analyzer.cli import app

    lines = (RUN / "v1.30.6-five-nodes.log").read_text().splitlines()
    first = next(i for i, line in enumerate(lines) if '"About to try and schedule pod"' in line)
    dump = [line.replace("MilliCPU:16000", "MilliCPU:15000") for line in dump_lines(lines[first].split("]", 1)[0])]
    path = tmp_path / "stale.log"
    path.write_text("\n".join(lines[:first] + dump + lines[first:]) + "\n")
    res = CliRunner().invoke(app, ["--pods", str(RUN / "pods.yaml"), "check", str(path)])
    assert "cache-dump: 1 dump(s); 9 attempt(s) after one, " in res.stdout
    assert "cache-dump: 1 dump(s); 9 attempt(s) after one, 5 whose resource lines disagree" in res.stdout
    # the 5 attempts that scored worker-large, each by both resource scorers
    assert "  5 attempt(s): worker-large: NodeResourcesFit printed allocatable cpu 16000, the replayed cache has " \
           "15000" in res.stdout
    assert "  5 attempt(s): worker-large: NodeResourcesBalancedAllocation printed allocatable cpu 16000" in res.stdout
