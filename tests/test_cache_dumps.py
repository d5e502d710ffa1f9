# ruff: noqa: W291, E501  (verbatim log lines: the dumper writes trailing spaces and long lines)
"""SIGUSR2 cache dumps and comparer lines of every release, read into node-state snapshots (issue 14).

Where each input comes from is said next to it: real lines found with the `search` tool where public ones
exist, otherwise lines written from that release's format string in dumper.go / comparer.go (read with
`read_file` on kubernetes/kubernetes: pkg/scheduler/internal/cache/debugger and backend/cache/debugger).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from typer.testing import CliRunner

from analyzer.cli import app
from analyzer.parse.dumps import parse_resources
from analyzer.pipeline import analyze_paths
from analyzer.replay import replay

runner = CliRunner()


def analyze_text(tmp_path: Path, text: str, name: str = "scheduler.log"):
    path = tmp_path / name
    path.write_text(text)
    return analyze_paths([str(path)]), path


# <= 1.14 (printNodeInfo of v1.14: "\nNode name: %+v\nRequested Resources: %+v\nAllocatable Resources:%+v\n
# Number of Pods: %v\nPods:\n", a Resource value printed with %+v; printPod "name: %v, namespace: %v, uid: %v,
# phase: %v, nominated node: %v\n"; queue "Dump of scheduling queue:\n%s"; comparer Warningf "cache mismatch:
# missed nodes: %s; redundant nodes: %s"). No public log shows one: written from those format strings.
LEGACY_114 = """\
I0312 10:00:00.000100       1 dumper.go:48] Dump of cached NodeInfo
I0312 10:00:00.000200       1 dumper.go:50] 
Node name: node-a
Requested Resources: {MilliCPU:1100 Memory:1073741824 EphemeralStorage:0 AllowedPodNumber:0 ScalarResources:map[]}
Allocatable Resources:{MilliCPU:4000 Memory:8589934592 EphemeralStorage:0 AllowedPodNumber:110 ScalarResources:map[]}
Number of Pods: 2
Pods:
name: web-1, namespace: default, uid: 0a1, phase: Running, nominated node: 
name: dns-2, namespace: kube-system, uid: 0a2, phase: Running, nominated node: 

I0312 10:00:00.000300       1 dumper.go:50] 
Node name: node-b
Requested Resources: {MilliCPU:0 Memory:0 EphemeralStorage:0 AllowedPodNumber:0 ScalarResources:map[]}
Allocatable Resources:{MilliCPU:2000 Memory:4294967296 EphemeralStorage:0 AllowedPodNumber:110 ScalarResources:map[nvidia.com/gpu:1]}
Number of Pods: 0
Pods:

I0312 10:00:00.000400       1 dumper.go:60] Dump of scheduling queue:
name: big, namespace: default, uid: 0b1, phase: Pending, nominated node: 

W0312 10:00:00.000500       1 comparer.go:65] cache mismatch: missed nodes: [node-c]; redundant nodes: []
W0312 10:00:00.000600       1 comparer.go:69] cache mismatch: missed pods: []; redundant pods: [0a2 0a3]
"""


def test_legacy_dump_one_entry_per_node(tmp_path):
    result, _ = analyze_text(tmp_path, LEGACY_114)
    assert result.lines.unrecognized == 0
    (dump,) = result.cache.dumps
    assert dump.style == "legacy" and dump.provenance == "observed"
    assert [n.name for n in dump.nodes] == ["node-a", "node-b"]
    a, b = dump.nodes
    assert a.requested == {"cpu": 1100, "memory": 1073741824, "ephemeral-storage": 0, "pods": 0}
    assert a.allocatable["pods"] == 110 and a.pod_count == 2 and a.deleted is None
    assert [p.key for p in a.pods] == ["default/web-1", "kube-system/dns-2"]
    assert b.allocatable["nvidia.com/gpu"] == 1 and b.pods == ()
    assert [p.key for p in dump.queue] == ["default/big"]
    first, second = result.cache.mismatches
    assert first.missed_nodes == ("node-c",) and first.redundant_nodes == ()
    assert second.redundant_pods == ("0a2", "0a3")


# 1.15-1.23: real output from kubernetes/kubernetes PR #85526 ("Print nominated pods when dumping scheduler
# cached NodeInfo", sample output in its description, 2019-11); the excerpt ends inside the third pod line,
# so the first two pods are kept. The nominated section is written from the same release's format string.
PR85526 = """\
I1107 04:53:39.441992   14176 dumper.go:49]
Node name: 127.0.0.1
Requested Resources: {MilliCPU:3260 Memory:216006656 EphemeralStorage:0 AllowedPodNumber:0 ScalarResources:map[]}
Allocatable Resources:{MilliCPU:4000 Memory:6114476032 EphemeralStorage:35851334802 AllowedPodNumber:110 ScalarResources:map[hugepages-2Mi:0]}
Scheduled Pods(number: 4):
name: kube-dns-547db76c8f-w2pks, namespace: kube-system, uid: cb8c03ea-f957-4f8d-a91d-cfcd84f3ab2d, phase: Running, nominated node:
name: nginx-5c67ffbd47-xg2vw, namespace: default, uid: c801e107-cd68-419f-b582-ecd7e6b7bc3e, phase: Running, nominated node:
Nominated Pods(number: 1):
name: big, namespace: default, uid: e5f6, phase: Pending, nominated node: 127.0.0.1
"""


def test_scheduled_and_nominated_pods_1_15_to_1_23(tmp_path):
    head = "I1107 04:53:39.441000   14176 dumper.go:47] Dump of cached NodeInfo\n"
    result, _ = analyze_text(tmp_path, head + PR85526)
    (node,) = result.cache.dumps[0].nodes
    assert node.name == "127.0.0.1" and node.pod_count == 4
    assert node.requested["cpu"] == 3260 and node.allocatable["memory"] == 6114476032
    assert node.allocatable["hugepages-2Mi"] == 0 and node.allocatable["ephemeral-storage"] == 35851334802
    assert [p.name for p in node.pods] == ["kube-dns-547db76c8f-w2pks", "nginx-5c67ffbd47-xg2vw"]
    assert [(p.name, p.nominated_node) for p in node.nominated] == [("big", "127.0.0.1")]


# 1.24+: a real dump excerpt from a public notes file (found with find_string "Dump of cached NodeInfo"),
# with its elisions ("Requested Resources: ...", "...") and 4-space indents as pasted.
BLOG_124 = """\
I0105 03:32:31.936642       1 dumper.go:52] "Dump of cached NodeInfo" nodes=<
    Node name: NODENAME1
    Deleted: false
    Requested Resources: ...
    Scheduled Pods(number: 41):
    name: POD_NAME, namespace: POD_NAMESPACE, uid: 23c63c58-cc36-48be-97d9-f4f6088a709d, phase: Running, nominated node:
    name: POD_NAME, namespace: POD_NAMESPACE, uid: 04b3b3b4-52a3-46d0-b7ff-aa748eecd404, phase: Running, nominated node:
    ...


    Node name: NODENAME2
    Deleted: false
    Requested Resources: ...
    Scheduled Pods(number: 53):
    name: POD_NAME, namespace: POD_NAMESPACE, uid: 7cbce63f-3fb9-404a-a69b-6728592e6b2, phase: Running, nominated node:
    ...
 >
"""


def test_structured_dump_1_24_real_excerpt(tmp_path):
    result, _ = analyze_text(tmp_path, BLOG_124)
    (dump,) = result.cache.dumps
    assert dump.style == "structured"
    assert [(n.name, n.deleted, n.pod_count, len(n.pods)) for n in dump.nodes] == [
        ("NODENAME1", False, 41, 2), ("NODENAME2", False, 53, 1)]
    assert dump.nodes[0].requested == {}  # elided in the excerpt: nothing is made up
    assert result.lines.unrecognized == 0


# 1.26+ (printNodeInfo "Node name: %s\nDeleted: %t\nRequested Resources: %+v\nAllocatable Resources:%+v\n
# Scheduled Pods(number: %v):\n", *framework.Resource printed as &{...}; queue line with summary=) written
# from the format strings, in a CRI file where every continuation line carries its own prefix.
STRUCTURED_126 = [
    'I0105 03:32:31.936642       1 dumper.go:52] "Dump of cached NodeInfo" nodes=<',
    "\tNode name: node-1",
    "\tDeleted: false",
    "\tRequested Resources: &{MilliCPU:1500 Memory:2147483648 EphemeralStorage:0 AllowedPodNumber:0 "
    "ScalarResources:map[]}",
    "\tAllocatable Resources:&{MilliCPU:4000 Memory:8589934592 EphemeralStorage:0 AllowedPodNumber:110 "
    "ScalarResources:map[example.com/gpu:2]}",
    "\tScheduled Pods(number: 1):",
    "\tname: web-0, namespace: default, uid: a1b2, phase: Running, nominated node: ",
    "\t",
    "\t",
    "\tNode name: node-2",
    "\tDeleted: true",
    "\tRequested Resources: &{MilliCPU:0 Memory:0 EphemeralStorage:0 AllowedPodNumber:0 ScalarResources:map[]}",
    "\tAllocatable Resources:&{MilliCPU:0 Memory:0 EphemeralStorage:0 AllowedPodNumber:0 ScalarResources:map[]}",
    "\tScheduled Pods(number: 0):",
    " >",
    'I0105 03:32:31.936700       1 dumper.go:60] "Dump of scheduling queue" '
    'summary="activeQ:0; backoffQ:1; unschedulablePods:1" pods=<',
    "\tname: batch-9, namespace: default, uid: e5f6, phase: Pending, nominated node: node-1",
    " >",
    'I0105 03:32:31.936800       1 comparer.go:62] "Cache mismatch" missedNodes=[] redundantNodes=["node-2"]',
    'I0105 03:32:31.936900       1 comparer.go:66] "Cache mismatch" missedPods=[u1 u2] redundantPods=[]',
]


def test_structured_dump_1_26_in_a_cri_file(tmp_path):
    cri = "".join(f"2024-01-05T03:32:31.9366{i:02d}123Z stderr F {line}\n" for i, line in enumerate(STRUCTURED_126))
    result, _ = analyze_text(tmp_path, cri, "0.log")
    assert result.format.wrapper == "cri" and result.lines.unrecognized == 0
    (dump,) = result.cache.dumps
    one, two = dump.nodes
    assert one.requested["cpu"] == 1500 and one.allocatable["example.com/gpu"] == 2
    assert [p.uid for p in one.pods] == ["a1b2"] and two.deleted is True
    assert dump.queue_summary == {"activeQ": 0, "backoffQ": 1, "unschedulablePods": 1}
    assert [(p.name, p.nominated_node) for p in dump.queue] == [("batch-9", "node-1")]
    nodes, pods = result.cache.mismatches
    assert nodes.redundant_nodes == ("node-2",) and pods.missed_pods == ("u1", "u2")


def test_json_logging_dumps(tmp_path):
    # JSON logging, 1.24-1.3x: the nodes value is the same text as a string (klog's JSON backend);
    # newest releases (backend/cache/debugger dumper.go with MarshalLog): a list of objects, here the
    # sampleNodes() of dumper_format_test.go.
    text_value = "\n".join(line[1:] for line in STRUCTURED_126[1:14])
    listed = [{"name": "node-1", "deleted": False,
               "requested": {"milliCPU": 1500, "memory": 2147483648, "ephemeralStorage": 0, "allowedPodNumber": 0},
               "allocatable": {"milliCPU": 4000, "memory": 8589934592, "ephemeralStorage": 0,
                               "allowedPodNumber": 0},
               "pods": [{"name": "web-0", "namespace": "default", "uid": "a1b2", "phase": "Running"}],
               "nominatedPods": [{"name": "batch-9", "namespace": "default", "uid": "e5f6", "phase": "Pending",
                                  "nominatedNode": "node-1"}]}]
    lines = [{"ts": 1704425551936.6, "caller": "debugger/dumper.go:52", "msg": "Dump of cached NodeInfo", "v": 0,
              "nodes": text_value},
             {"ts": 1704425552936.6, "caller": "debugger/dumper.go:52", "msg": "Dump of cached NodeInfo", "v": 0,
              "nodes": listed},
             {"ts": 1704425552937.6, "caller": "debugger/comparer.go:62", "msg": "Cache mismatch", "v": 0,
              "missedNodes": ["node-3"], "redundantNodes": []}]
    result, _ = analyze_text(tmp_path, "".join(json.dumps(o) + "\n" for o in lines))
    first, second = result.cache.dumps
    assert first.style == "structured" and [n.name for n in first.nodes] == ["node-1", "node-2"]
    assert second.style == "json-list" and second.nodes[0].requested["cpu"] == 1500
    assert [p.key for p in second.nodes[0].nominated] == ["default/batch-9"]
    assert result.cache.mismatches[0].missed_nodes == ("node-3",)


def test_resource_printing_forms():
    assert parse_resources("&{MilliCPU:5 Memory:7 EphemeralStorage:0 AllowedPodNumber:3 "
                           "ScalarResources:map[a.io/x:2 hugepages-1Gi:0]}") == {
        "cpu": 5, "memory": 7, "ephemeral-storage": 0, "pods": 3, "a.io/x": 2, "hugepages-1Gi": 0}
    assert parse_resources({"milliCPU": 5, "memory": 7, "scalarResources": {"a.io/x": 2}}) == {
        "cpu": 5, "memory": 7, "a.io/x": 2}


def test_summary_and_check_show_dumps_and_comparer_findings(tmp_path):
    _, path = analyze_text(tmp_path, LEGACY_114)
    res = runner.invoke(app, ["summary", str(path)])
    assert res.exit_code == 0, res.output
    assert "cache dump" in res.stdout and "2 nodes, 2 pods on them, 1 pending in the queue" in res.stdout
    assert "2 mismatch warning(s)" in res.stdout
    res = runner.invoke(app, ["check", str(path)])
    assert "cache-mismatch: 2 comparer warning(s)" in res.stdout
    assert "1 nodes the API has and the cache lacks: node-c" in res.stdout
    assert "2 pods (UIDs) the cache holds and the API no longer has: 0a2, 0a3" in res.stdout
    data = json.loads(runner.invoke(app, ["check", str(path), "-o", "json"]).stdout)
    assert data["cache"]["mismatches"][0]["missed_nodes"] == ["node-c"]
    data = json.loads(runner.invoke(app, ["summary", str(path), "-o", "json"]).stdout)
    (dump,) = data["cache_dumps"]
    assert dump["node_count"] == 2 and dump["provenance"] == "observed"
    assert dump["nodes"][0]["requested"]["cpu"] == 1100 and data["cache_mismatches"][1]["redundant_pods"]


def test_a_thousand_node_dump_reads_quickly_and_replays_in_bounded_output(tmp_path):
    entries = []
    for i in range(1000):
        entries += [f"\tNode name: worker-{i:04d}", "\tDeleted: false",
                    f"\tRequested Resources: &{{MilliCPU:{i % 7 * 500} Memory:{i % 5 * 2**30} EphemeralStorage:0 "
                    "AllowedPodNumber:0 ScalarResources:map[]}",
                    "\tAllocatable Resources:&{MilliCPU:8000 Memory:34359738368 EphemeralStorage:0 "
                    "AllowedPodNumber:110 ScalarResources:map[]}", "\tScheduled Pods(number: 60):",
                    *(f"\tname: app-{i}-{j}, namespace: default, uid: u{i}-{j}, phase: Running, nominated node: "
                      for j in range(60)), "\t", "\t"]
    log = ['I0105 03:32:31.000000       1 dumper.go:52] "Dump of cached NodeInfo" nodes=<', *entries, " >"]
    for k in range(20):  # --v=2..4 cycles after the dump
        log += [f'I0105 03:33:{k:02d}.000000       1 schedule_one.go:97] "Attempting to schedule pod" pod="default/p{k}"',
                f'I0105 03:33:{k:02d}.100000       1 schedule_one.go:297] "Successfully bound pod to node" '
                f'pod="default/p{k}" node="worker-{k:04d}" evaluatedNodes=1000 feasibleNodes=1000']
    started = time.perf_counter()
    result, path = analyze_text(tmp_path, "\n".join(log) + "\n")
    assert time.perf_counter() - started < 6  # 67,000 dump lines: about 1 s (12 s when they were appended one by one)
    assert len(result.cache.dumps[0].nodes) == 1000
    assert sum(len(n.pods) for n in result.cache.dumps[0].nodes) == 60000
    requests = {f"default/p{k}": {"cpu": 1000, "memory": 2**30} for k in range(20)}
    started = time.perf_counter()
    replays = replay(result, requests, keep=10)
    assert time.perf_counter() - started < 20
    assert len(replays) == 20 and all(r.node_count == 1000 and r.fitting_nodes == 1000 for r in replays)
    last = replays[-1]
    # pod 1000m / 1Gi on 8 CPUs / 32Gi: a node with 0 CPU and 3Gi requested (i % 7 == 0, i % 5 == 3) scores
    # least 87 + balanced 100 = 187, more than an empty one (least (87 + 96) // 2 = 91 + balanced 95 = 186);
    # the 29 such nodes tie, and equal totals rank by name
    top = {n.node: n for n in last.nodes}
    assert top["worker-0028"].scores == {"NodeResourcesFit": 87, "NodeResourcesBalancedAllocation": 100}
    assert last.ranking == tuple(f"worker-{i:04d}" for i in range(28, 1000, 35))[:10]
    every = replay(result, requests)[-1]  # keep=None: every node
    assert next(n for n in every.nodes if n.node == "worker-0035").total == 186 and len(every.nodes) == 1000
    assert next(n for n in every.nodes if n.node == "worker-0000").requested["cpu"] == 1000  # p0 placed there
    assert len(last.nodes) == 11 and last.changed_nodes == 19  # top 10 and the winner; 19 binds before it


def test_replay_applies_cache_events_after_the_dump(tmp_path):
    # the dump of STRUCTURED_126, then 1.30 eventhandlers lines (messages from eventhandlers.go) and two cycles
    log = STRUCTURED_126[:15] + [
        'I0105 03:33:00.000000       1 eventhandlers.go:280] "Delete event for scheduled pod" pod="default/web-0"',
        'I0105 03:33:00.100000       1 eventhandlers.go:101] "Add event for node" node="node-3"',
        'I0105 03:33:00.200000       1 eventhandlers.go:120] "Update event for node" node="node-1"',
        'I0105 03:33:01.000000       1 schedule_one.go:97] "Attempting to schedule pod" pod="default/a"',
        'I0105 03:33:01.100000       1 schedule_one.go:297] "Successfully bound pod to node" pod="default/a" '
        'node="node-1" evaluatedNodes=2 feasibleNodes=2',
        'I0105 03:33:02.000000       1 eventhandlers.go:140] "Delete event for node" node="node-3"',
        'I0105 03:33:03.000000       1 schedule_one.go:97] "Attempting to schedule pod" pod="default/b"',
        'I0105 03:33:03.100000       1 schedule_one.go:297] "Successfully bound pod to node" pod="default/b" '
        'node="node-1" evaluatedNodes=1 feasibleNodes=1',
    ]
    result, path = analyze_text(tmp_path, "\n".join(log) + "\n")
    requests = {"default/web-0": {"cpu": 1500, "memory": 2147483648}, "default/a": {"cpu": 500, "memory": 2**30},
                "default/b": {"cpu": 100}}
    first, second = replay(result, requests)
    one = {n.node: n for n in first.nodes}
    assert sorted(one) == ["node-1", "node-3"]  # node-2 was deleted in the dump
    assert one["node-1"].requested["cpu"] == 0  # web-0's 1500m left with it
    assert one["node-1"].notes == ("updated after the dump: its allocatable may have changed",)
    assert one["node-3"].requested is None and one["node-3"].scores == {}
    assert first.ranking == ("node-1",) and one["node-1"].fits
    two = {n.node: n for n in second.nodes}
    assert sorted(two) == ["node-1"] and two["node-1"].requested["cpu"] == 500  # a was placed there
    assert second.pod_requests == {"cpu": 100} and two["node-1"].scores["NodeResourcesFit"] > 0
    assert "1 pod(s) placed here since the dump: default/a" in two["node-1"].notes
