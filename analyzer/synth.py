"""Synthetic kube-scheduler v10 logs in each era's real line shapes, for benchmarks and round-trip tests.

The line shapes are copied from the lab runs (/work/shared/corpus/lab); the scores follow simple,
documented formulas so the numbers add up: LeastAllocated is the floor-average of (cap-req)*100/cap,
BalancedAllocation is 1-|cpu-mem| (1.14-1.21) or 1-std (1.30), weighted sums make the totals, and
legacy totals carry the hidden NodePreferAvoidPods +100000. Output is streamed, so memory stays flat.

    python -m analyzer.synth --era 1.21 --nodes 50 --pods 1000 --format text -o /tmp/x.log --seed 1
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import deque
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import IO, Any

ERAS = ("1.14", "1.19", "1.21", "1.30")
FORMATS = ("text", "json")
GI = 1 << 30
MI = 1 << 20
EPOCH_MS = 1795881600000  # 2026-11-28T16:00:00Z, the day the lab runs were recorded
NODE_SHAPES = ((2000, 4 * GI), (4000, 8 * GI), (8000, 16 * GI), (16000, 64 * GI), (8000, 32 * GI))
POD_CPU = (100, 250, 500, 1000)
POD_MEM = (128 * MI, 256 * MI, 512 * MI, GI)
APPS = ("web", "api", "cache", "worker", "batch", "db", "queue", "auth")
NAMESPACES = ("default", "shop", "payments", "reports", "infra")
HIGH_WATER, LOW_WATER = 0.75, 0.5  # a node above HIGH_WATER sheds its oldest pods down to LOW_WATER

# Per era: score plugin -> weight (framework eras), in the order the era logs them.
WEIGHTS: dict[str, dict[str, int]] = {
    "1.19": {
        "NodeResourcesBalancedAllocation": 1,
        "NodeResourcesLeastAllocated": 1,
        "NodeAffinity": 1,
        "NodePreferAvoidPods": 10000,
        "TaintToleration": 1,
        "SelectorSpread": 1,
        "ImageLocality": 1,
        "InterPodAffinity": 1,
        "PodTopologySpread": 2,
    },
    "1.21": {
        "NodePreferAvoidPods": 10000,
        "PodTopologySpread": 2,
        "TaintToleration": 1,
        "NodeResourcesBalancedAllocation": 1,
        "ImageLocality": 1,
        "InterPodAffinity": 1,
        "NodeResourcesLeastAllocated": 1,
        "NodeAffinity": 1,
    },
    "1.30": {
        "TaintToleration": 3,
        "NodeResourcesFit": 1,
        "NodeResourcesBalancedAllocation": 1,
        "ImageLocality": 1,
    },
}
# The other plugins' raw (normalized) scores: constant, except ImageLocality which varies per node.
FIXED_RAW = {
    "NodeAffinity": 0,
    "NodePreferAvoidPods": 100,
    "TaintToleration": 100,
    "SelectorSpread": 100,
    "InterPodAffinity": 0,
    "PodTopologySpread": 100,
}
# 1.30 JSON 'caller': the source file's package directory, as the lab's JSON run printed it.
CALLER_DIRS = {"resource_allocation.go": "noderesources", "default_binder.go": "defaultbinder",
               "scheduling_queue.go": "queue", "framework.go": "runtime", "reflector.go": "cache",
               "shared_informer.go": "cache", "main.go": "app"}
LEGACY_HIDDEN_TOTAL = 100000  # NodePreferAvoidPodsPriority: 10 x weight 10000, never printed per node


@dataclass(frozen=True)
class Rec:
    """One log record before rendering: printf text (kv is None) or a structured message with key/values."""

    file: str
    msg: str
    kv: tuple[tuple[str, Any], ...] | None = None
    v: int = 10
    logger: str | None = None


@dataclass
class Node:
    """A node's capacity and the pods currently placed on it (oldest first)."""

    name: str
    cpu: int
    mem: int
    used_cpu: int = 0
    used_mem: int = 0
    pods: deque = field(default_factory=deque)
    image_score: int = 0
    avoids_pods: bool = False  # its preferAvoidPods annotation names every pod's controller


@dataclass(frozen=True)
class Pod:
    """A pending pod."""

    ns: str
    name: str
    cpu: int
    mem: int

    @property
    def key(self) -> str:
        return f"{self.ns}/{self.name}"


# -- scores ---------------------------------------------------------------------------------------
def least_allocated(cap: tuple[int, int], req: tuple[int, int], scale: int = 100) -> int:
    """Floor-average over cpu and memory of (cap-req)*scale/cap (0 when over capacity)."""
    parts = [((c - r) * scale) // c if r <= c else 0 for c, r in zip(cap, req, strict=True)]
    return sum(parts) // len(parts)


def balanced(era: str, cap: tuple[int, int], req: tuple[int, int]) -> int:
    """BalancedResourceAllocation: 1-|cpu-mem| on a 0-10 (1.14) or 0-100 scale; 1.30 uses 1-std."""
    cpu, mem = (r / c for c, r in zip(cap, req, strict=True))
    if era == "1.14":
        return 0 if cpu >= 1 or mem >= 1 else int((1 - abs(cpu - mem)) * 10)
    if era == "1.30":
        return int((1 - abs(cpu - mem) / 2) * 100)
    return int((1 - abs(cpu - mem)) * 100)


def raw_scores(era: str, node: Node, pod: Pod) -> dict[str, int]:
    """Every scored plugin's raw score for pod on node (framework eras)."""
    cap, req = (node.cpu, node.mem), (node.used_cpu + pod.cpu, node.used_mem + pod.mem)
    out = dict(
        FIXED_RAW, ImageLocality=node.image_score, NodeResourcesBalancedAllocation=balanced(era, cap, req)
    )
    if node.avoids_pods:
        out["NodePreferAvoidPods"] = 0
    out["NodeResourcesLeastAllocated"] = out["NodeResourcesFit"] = least_allocated(cap, req)
    return out


# -- one scheduling attempt per era ----------------------------------------------------------------
def _gomap(cpu: int, mem: int) -> str:
    return f"map[cpu:{cpu} memory:{mem}]"


def _legacy_attempt(pod: Pod, feasible: list[Node], all_nodes: int) -> tuple[list[Rec], Node]:
    short = pod.name
    recs = [
        Rec("scheduling_queue.go:908", f"About to try and schedule pod {pod.key}"),
        Rec("scheduler.go:453", f"Attempting to schedule pod: {pod.key}"),
    ]
    for n in feasible:
        recs.append(
            Rec(
                "predicates.go:829",
                f"Schedule Pod {pod.key} on Node {n.name} is allowed, "
                f"Node is running only {len(n.pods)} out of 110 Pods.",
            )
        )
    totals: dict[str, int] = {}
    for n in feasible:
        cap, req = (n.cpu, n.mem), (n.used_cpu + pod.cpu, n.used_mem + pod.mem)
        shape = (
            f"{short} -> {n.name}: {{}}, capacity {n.cpu} millicores {n.mem} memory bytes, "
            f"total request {req[0]} millicores {req[1]} memory bytes, score {{}}"
        )
        bal, least = balanced("1.14", cap, req), least_allocated(cap, req, 10)
        recs.append(Rec("resource_allocation.go:78", shape.format("BalancedResourceAllocation", bal)))
        recs.append(Rec("resource_allocation.go:78", shape.format("LeastResourceAllocation", least)))
        totals[n.name] = (0 if n.avoids_pods else LEGACY_HIDDEN_TOTAL) + bal + least + 10 + 0 + 0 + 10
    for file, subject, priority, score in (
        ("generic_scheduler.go:726", f"{short}_{pod.ns}", "TaintTolerationPriority", 10),
        ("interpod_affinity.go:237", short, "InterPodAffinityPriority", 0),
        ("generic_scheduler.go:726", f"{short}_{pod.ns}", "NodeAffinityPriority", 0),
        ("selector_spreading.go:146", short, "SelectorSpreadPriority", 10),
        ("generic_scheduler.go:726", f"{short}_{pod.ns}", "SelectorSpreadPriority", 10),
    ):
        recs.extend(Rec(file, f"{subject} -> {n.name}: {priority}, Score: ({score})") for n in feasible)
    recs.extend(Rec("generic_scheduler.go:781", f"Host {n.name} => Score {totals[n.name]}") for n in feasible)
    best = max(feasible, key=lambda n: totals[n.name])
    recs += [
        Rec("scheduler_binder.go:269", f'AssumePodVolumes for pod "{pod.key}", node "{best.name}"'),
        Rec(
            "scheduler_binder.go:279",
            f'AssumePodVolumes for pod "{pod.key}", node "{best.name}": all PVCs bound and nothing to do',
        ),
        Rec("factory.go:733", f"Attempting to bind {short} to {best.name}"),
        Rec("cache.go:309", f"Finished binding for pod uid-{pod.ns}-{short}. Can be expired."),
        Rec(
            "scheduler.go:572",
            f"pod {pod.key} is bound successfully on node {best.name}, "
            f"{all_nodes} nodes evaluated, {len(feasible)} nodes were found feasible",
        ),
        Rec(
            "event.go:209",
            f'Event(v1.ObjectReference{{Kind:"Pod", Namespace:"{pod.ns}", Name:"{short}", '
            f'UID:"uid-{pod.ns}-{short}", APIVersion:"v1", ResourceVersion:"", FieldPath:""}}): '
            f"type: 'Normal' reason: 'Scheduled' Successfully assigned {pod.key} to {best.name}",
        ),
    ]
    return recs, best


def _resource_map_lines(era: str, pod: Pod, feasible: list[Node], file: str) -> list[Rec]:
    recs = []
    for n in feasible:
        req = (n.used_cpu + pod.cpu, n.used_mem + pod.mem)
        scores = raw_scores(era, n, pod)
        for plugin in ("NodeResourcesBalancedAllocation", "NodeResourcesLeastAllocated"):
            recs.append(
                Rec(
                    file,
                    f"{pod.name} -> {n.name}: {plugin}, map of allocatable resources "
                    f"{_gomap(n.cpu, n.mem)}, map of requested resources {_gomap(*req)} "
                    f",score {scores[plugin]},",
                    v=0,
                )
            )
    return recs


def _framework_attempt(era: str, pod: Pod, feasible: list[Node], all_nodes: int) -> tuple[list[Rec], Node]:
    weights = WEIGHTS[era]
    raw = {n.name: raw_scores(era, n, pod) for n in feasible}
    weighted = {n.name: {p: raw[n.name][p] * w for p, w in weights.items()} for n in feasible}
    totals = {name: sum(s.values()) for name, s in weighted.items()}
    best = max(feasible, key=lambda n: totals[n.name])
    pod_kv = (("pod", pod.key),)
    if era == "1.19":
        recs = [
            Rec("scheduling_queue.go:812", f"About to try and schedule pod {pod.key}"),
            Rec("scheduler.go:452", f"Attempting to schedule pod: {pod.key}"),
        ]
        recs += _resource_map_lines(era, pod, feasible, "resource_allocation.go:79")
        for plugin in weights:
            listing = " ".join(f"{{{n.name} {weighted[n.name][plugin]}}}" for n in feasible)
            recs.append(
                Rec("generic_scheduler.go:535", f"Plugin {plugin} scores on {pod.key} => [{listing}]", v=0)
            )
        recs += [
            Rec("generic_scheduler.go:591", f"Host {n.name} => Score {totals[n.name]}", v=0) for n in feasible
        ]
        recs += [
            Rec("default_binder.go:51", f"Attempting to bind {pod.key} to {best.name}"),
            Rec("cache.go:371", f"Finished binding for pod uid-{pod.ns}-{pod.name}. Can be expired."),
            Rec(
                "scheduler.go:597",
                "Successfully bound pod to node",
                pod_kv
                + (("node", best.name), ("evaluatedNodes", all_nodes), ("feasibleNodes", len(feasible))),
                v=0,
            ),
        ]
        return recs, best
    q, s = (
        ("scheduling_queue.go:849", "scheduler.go:459")
        if era == "1.21"
        else ("schedule_one.go:84", "schedule_one.go:97")
    )
    recs = [
        Rec(q, "About to try and schedule pod", pod_kv, v=4),
        Rec(s, "Attempting to schedule pod", pod_kv, v=3),
    ]
    if era == "1.21":
        recs += _resource_map_lines(era, pod, feasible, "resource_allocation.go:78")
        order = [(p, n) for p in weights for n in feasible]
        score_file, final_file, bind_file, bound_file = (
            "generic_scheduler.go:450",
            "generic_scheduler.go:507",
            "default_binder.go:51",
            "scheduler.go:604",
        )
    else:
        for n in feasible:
            req = [n.used_cpu + pod.cpu, n.used_mem + pod.mem]
            scores = raw_scores(era, n, pod)
            for logger, scorer, plugin in (
                ("Score.NodeResourcesFit", "LeastAllocated", "NodeResourcesFit"),
                (
                    "Score.NodeResourcesBalancedAllocation",
                    "NodeResourcesBalancedAllocation",
                    "NodeResourcesBalancedAllocation",
                ),
            ):
                recs.append(
                    Rec(
                        "resource_allocation.go:76",
                        "Listed internal info for allocatable resources, requested resources and score",
                        pod_kv
                        + (
                            ("node", n.name),
                            ("resourceAllocationScorer", scorer),
                            ("allocatableResource", [n.cpu, n.mem]),
                            ("requestedResource", req),
                            ("resourceScore", scores[plugin]),
                        ),
                        logger=logger,
                    )
                )
        order = [(p, n) for n in feasible for p in weights]
        score_file, final_file, bind_file, bound_file = (
            "schedule_one.go:799",
            "schedule_one.go:866",
            "default_binder.go:53",
            "schedule_one.go:304",
        )
    recs += [
        Rec(
            score_file,
            "Plugin scored node for pod",
            pod_kv + (("plugin", p), ("node", n.name), ("score", weighted[n.name][p])),
            v=0,
        )
        for p, n in order
    ]
    recs += [
        Rec(
            final_file,
            "Calculated node's final score for pod",
            pod_kv + (("node", n.name), ("score", totals[n.name])),
            v=0,
        )
        for n in feasible
    ]
    recs.append(
        Rec(
            bind_file,
            "Attempting to bind pod to node",
            pod_kv + (("node", best.name),),
            v=3,
            logger="Bind.DefaultBinder" if era == "1.30" else None,
        )
    )
    recs.append(
        Rec(
            bound_file,
            "Successfully bound pod to node",
            pod_kv + (("node", best.name), ("evaluatedNodes", all_nodes), ("feasibleNodes", len(feasible))),
            v=2,
        )
    )
    return recs, best


def _no_fit(era: str, pod: Pod, nodes: int) -> list[Rec]:
    reason = f"0/{nodes} nodes are available: {nodes} Insufficient cpu."
    if era == "1.14":
        return [Rec("factory.go:647", f"Unable to schedule {pod.key}: no fit: {reason}; waiting")]
    if era == "1.19":
        return [Rec("factory.go:445", f"Unable to schedule {pod.key}: no fit: {reason}; waiting")]
    return [
        Rec(
            "schedule_one.go:1061" if era == "1.30" else "scheduler.go:353",
            "Unable to schedule pod; no fit; waiting",
            (("pod", pod.key), ("err", reason)),
            v=2,
        )
    ]


# -- noise, era by era -----------------------------------------------------------------------------
# Cache-event noise per era: event -> eventhandlers.go line (the lab logs' numbers; 1.14 logs none).
EVENT_LINES: dict[str, dict[str, int]] = {
    "1.14": {},
    "1.19": {"add-unscheduled": 173, "delete-unscheduled": 205, "add-scheduled": 225, "delete-scheduled": 243,
             "add-node": 104},
    "1.21": {"add-unscheduled": 164, "delete-unscheduled": 201, "add-scheduled": 221, "delete-scheduled": 240,
             "add-node": 101},
    "1.30": {"add-unscheduled": 128, "delete-unscheduled": 175, "add-scheduled": 202, "delete-scheduled": 232,
             "add-node": 75},
}


def _event_rec(era: str, what: str, pod: Pod) -> list[Rec]:
    """Cache event noise ('add event for unscheduled pod' and friends): printf in 1.19, structured after."""
    line = EVENT_LINES[era].get(what)
    if line is None:
        return []
    verb, _, state = what.partition("-")
    text = f"{verb} event for {state} pod"
    if era == "1.19":
        trailing = " " if what == "add-scheduled" else ""  # 1.19 really ends this one with a space
        return [Rec(f"eventhandlers.go:{line}", f"{text} {pod.key}{trailing}", v=3)]
    return [Rec(f"eventhandlers.go:{line}", text[0].upper() + text[1:], (("pod", pod.key),), v=3)]


def _preamble(era: str, nodes: list[Node]) -> list[Rec]:
    recs = {
        "1.14": [
            Rec("factory.go:331", "Creating scheduler from algorithm provider 'DefaultProvider'"),
            Rec(
                "factory.go:412",
                "Creating scheduler with fit predicates 'map[CheckNodeUnschedulable:{} "
                "GeneralPredicates:{} MatchInterPodAffinity:{} PodToleratesNodeTaints:{}]' and "
                "priority functions 'map[BalancedResourceAllocation:{} "
                "InterPodAffinityPriority:{} LeastRequestedPriority:{} NodeAffinityPriority:{} "
                "NodePreferAvoidPodsPriority:{} SelectorSpreadPriority:{} "
                "TaintTolerationPriority:{}]'",
            ),
        ],
        "1.19": [
            Rec("factory.go:209", "Creating scheduler from algorithm provider 'DefaultProvider'"),
            Rec("main.go:344", "Starting Kubernetes Scheduler version v1.19.1"),
        ],
        "1.21": [
            Rec(
                "factory.go:194",
                "Creating scheduler from algorithm provider",
                (("algorithmProvider", "DefaultProvider"),),
            ),
            Rec("main.go:347", "Starting Kubernetes Scheduler version v1.21.0-beta.1+prerelease"),
        ],
        "1.30": [
            Rec(
                "framework.go:373",
                "the scheduler starts to work with those plugins",
                (
                    (
                        "Plugins",
                        {
                            "Score": {
                                "Enabled": [{"Name": p, "Weight": w} for p, w in WEIGHTS["1.30"].items()],
                                "Disabled": None,
                            }
                        },
                    ),
                ),
            ),
            Rec("main.go:345", "Starting Kubernetes Scheduler", (("version", "v1.30.6"),)),
        ],
    }[era]
    for kind in ("Node", "Pod", "PersistentVolume", "Service"):
        recs.append(
            Rec(
                "reflector.go:243",
                f"Listing and watching *v1.{kind} from k8s.io/client-go/informers/factory.go:134",
                v=4,
            )
        )
    line = EVENT_LINES[era].get("add-node")
    for n in nodes if line else ():
        if era == "1.19":
            recs.append(Rec(f"eventhandlers.go:{line}", f'add event for node "{n.name}"', v=3))
        else:
            recs.append(Rec(f"eventhandlers.go:{line}", "Add event for node", (("node", n.name),), v=3))
    if era == "1.14":  # the legacy cache logs each node it adds to its tree instead
        recs += [Rec("node_tree.go:93", f"Added node {n.name} in group  to NodeTree", v=2) for n in nodes]
    recs.append(Rec("shared_informer.go:270", "caches populated", v=4))
    return recs


# -- simulation ------------------------------------------------------------------------------------
def _nodes(count: int, rng: random.Random, avoiding: Collection[str] = ()) -> list[Node]:
    nodes = []
    for i in range(count):
        cpu, mem = NODE_SHAPES[rng.randrange(len(NODE_SHAPES))]
        name = f"worker-{i:04d}"
        nodes.append(Node(name, cpu, mem, image_score=rng.choice((0, 0, 0, 4, 23)), avoids_pods=name in avoiding))
    return nodes


def _pod(index: int, rng: random.Random) -> Pod:
    """A pending pod; about one in 400 asks for more CPU than any node has and cannot fit."""
    suffix = "".join(rng.choice("bcdfghjklmnpqrstvwxz2456789") for _ in range(5))
    cpu = 64000 if rng.random() < 0.0025 else rng.choice(POD_CPU)
    return Pod(rng.choice(NAMESPACES), f"{rng.choice(APPS)}-{index}-{suffix}", cpu, rng.choice(POD_MEM))


def _place(node: Node, pod: Pod) -> list[Pod]:
    """Add pod to node and evict the oldest pods while it is above the high-water mark; the evicted pods."""
    node.pods.append(pod)
    node.used_cpu += pod.cpu
    node.used_mem += pod.mem
    evicted = []
    if node.used_cpu > node.cpu * HIGH_WATER or node.used_mem > node.mem * HIGH_WATER:
        while node.pods and (node.used_cpu > node.cpu * LOW_WATER or node.used_mem > node.mem * LOW_WATER):
            old = node.pods.popleft()
            node.used_cpu -= old.cpu
            node.used_mem -= old.mem
            evicted.append(old)
    return evicted


def blocks(era: str, nodes: int, pods: int, seed: int = 0, avoiding: Collection[str] = ()) -> Iterator[list[Rec]]:
    """The records of a synthetic run, lazily, in blocks: the preamble, then one block per pod.
    ``avoiding``: node names whose preferAvoidPods annotation names every pod's controller."""
    if era not in ERAS:
        raise ValueError(f"unknown era {era!r}; expected one of {', '.join(ERAS)}")
    rng = random.Random(seed)
    cluster = _nodes(nodes, rng, frozenset(avoiding))
    yield _preamble(era, cluster)
    for index in range(pods):
        pod = _pod(index, rng)
        block = _event_rec(era, "add-unscheduled", pod)
        feasible = [n for n in cluster if n.used_cpu + pod.cpu <= n.cpu and n.used_mem + pod.mem <= n.mem]
        if not feasible:
            yield block + _no_fit(era, pod, nodes)
            continue
        attempt = _legacy_attempt if era == "1.14" else partial(_framework_attempt, era)
        recs, best = attempt(pod, feasible, nodes)
        block += recs
        block += _event_rec(era, "delete-unscheduled", pod) + _event_rec(era, "add-scheduled", pod)
        for old in _place(best, pod):
            block += _event_rec(era, "delete-scheduled", old)
        if index % 500 == 499:
            block.append(
                Rec(
                    "reflector.go:530",
                    "k8s.io/client-go/informers/factory.go:134: Watch close - "
                    f"*v1.Pod total {rng.randrange(1, 900)} items received",
                    v=4,
                )
            )
        yield block


# -- rendering -------------------------------------------------------------------------------------
def _go_value(value: Any) -> str:
    """A key/value value as klog's text format prints it: quoted strings, bare numbers, JSON otherwise."""
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, int):
        return str(value)
    return json.dumps(value, separators=(",", ":"))


class Clock:
    """Strictly increasing fake time: microseconds since EPOCH_MS, a few microseconds per record."""

    def __init__(self, rng: random.Random) -> None:
        self.us = 0
        self._rng = rng

    def tick(self) -> int:
        self.us += 3 + self._rng.randrange(40)
        return self.us

    def klog(self) -> str:
        us = self.tick() + 16 * 3600 * 10**6
        seconds, micros = divmod(us, 10**6)
        minutes, sec = divmod(seconds, 60)
        hours, mins = divmod(minutes, 60)
        return f"1128 {hours % 24:02d}:{mins:02d}:{sec:02d}.{micros:06d}"


def text_renderer(era: str, clock: Clock, pid: int = 12407) -> Callable[[Rec], str]:
    """klog text: 'I1128 16:08:58.963419   12407 file.go:NN] message'."""

    def render(rec: Rec) -> str:
        if rec.kv is None:
            msg = rec.msg
        else:
            kv = ((("logger", rec.logger),) if rec.logger else ()) + rec.kv
            msg = json.dumps(rec.msg) + "".join(f" {k}={_go_value(v)}" for k, v in kv)
        return f"I{clock.klog()} {pid:7d} {rec.file}] {msg}\n"

    return render


def json_renderer(era: str, clock: Clock) -> Callable[[Rec], str]:
    """JSON logging as each era wrote it (1.19/1.21: ts,msg,v + keys; 1.30: logger, caller, pod objects)."""

    def render(rec: Rec) -> str:
        ts = repr((EPOCH_MS * 1000 + clock.tick()) / 1000)
        if era == "1.30":
            head = f'{{"ts":{ts},' + (f'"logger":{json.dumps(rec.logger)},' if rec.logger else "")
            caller = f"{CALLER_DIRS.get(rec.file.split(':')[0], 'scheduler')}/{rec.file}"
            head += f'"caller":"{caller}","msg":{json.dumps(rec.msg)}'
            kv = dict(rec.kv or ())
            pod = kv.pop("pod", None)
            parts = [head]
            if pod is not None:
                ns, name = pod.split("/", 1)
                obj = json.dumps({"name": name, "namespace": ns}, separators=(",", ":"))
                parts.append(f'"pod":{obj},"v":{rec.v},"pod":{obj}')
            else:
                parts.append(f'"v":{rec.v}')
            if "node" in kv and rec.msg in (
                "Attempting to bind pod to node",
                "Listed internal info for allocatable resources, requested resources and score",
            ):
                kv["node"] = {"name": kv["node"]}
            parts += [f"{json.dumps(k)}:{json.dumps(v, separators=(',', ':'))}" for k, v in kv.items()]
            return ",".join(parts) + "}\n"
        if rec.kv is None:
            return f'{{"ts":{ts},"msg":{json.dumps(rec.msg + chr(10))},"v":{rec.v}}}\n'
        if era == "1.19" and rec.msg == "Successfully bound pod to node":
            return (
                f'{{"ts":{ts},"msg":"Successfully bound pod to node","v":{rec.v}}}\n'  # 1.19 drops the keys
            )
        body = "".join(f",{json.dumps(k)}:{json.dumps(v, separators=(',', ':'))}" for k, v in rec.kv)
        return f'{{"ts":{ts},"msg":{json.dumps(rec.msg)},"v":{rec.v}{body}}}\n'

    return render


def write_log(
    out: IO[str],
    era: str,
    nodes: int,
    pods: int,
    fmt: str = "text",
    seed: int = 0,
    max_bytes: int | None = None,
    avoiding: Collection[str] = (),
) -> int:
    """Stream a synthetic log to out; stop at the first pod boundary past max_bytes. Characters written."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    if fmt == "json" and era == "1.14":
        raise ValueError("the legacy era (1.14) has no JSON logging")
    clock = Clock(random.Random(seed + 1))
    render = (text_renderer if fmt == "text" else json_renderer)(era, clock)
    written = 0
    for block in blocks(era, nodes, pods, seed, avoiding):
        chunk = "".join(map(render, block))
        out.write(chunk)
        written += len(chunk)
        if max_bytes is not None and written >= max_bytes:
            break
    return written


def main(argv: list[str] | None = None) -> int:
    """CLI: python -m analyzer.synth --era 1.21 --nodes 50 --pods 1000 --format text -o FILE [--seed S]."""
    ap = argparse.ArgumentParser(prog="python -m analyzer.synth", description=__doc__.splitlines()[0])
    ap.add_argument("--era", choices=ERAS, required=True)
    ap.add_argument("--nodes", type=int, default=10)
    ap.add_argument("--pods", type=int, default=100)
    ap.add_argument("--format", choices=FORMATS, default="text")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--max-bytes", type=int, default=None, help="stop after about this many bytes")
    ap.add_argument("--prefer-avoid", action="append", default=[], metavar="NODE",
                    help="a node (e.g. worker-0042) whose preferAvoidPods annotation names every pod's "
                         "controller: NodePreferAvoidPods scores 0 there; repeatable")
    ap.add_argument("-o", "--output", default="-")
    args = ap.parse_args(argv)
    if args.nodes < 1 or args.pods < 0:
        ap.error("--nodes must be >= 1 and --pods >= 0")
    try:
        if args.output == "-":
            write_log(sys.stdout, args.era, args.nodes, args.pods, args.format, args.seed, args.max_bytes,
                      args.prefer_avoid)
        else:
            with open(args.output, "w", encoding="utf-8", newline="\n", buffering=1 << 20) as out:
                write_log(out, args.era, args.nodes, args.pods, args.format, args.seed, args.max_bytes,
                          args.prefer_avoid)
    except ValueError as exc:
        ap.error(str(exc))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
