"""Replay a cache dump forward and score from it: what the resource scorers saw in attempts logged without
resource lines (--v=4..9), and where a log has resource lines too, whether they agree with the replay.

A dump (provenance observed) gives each node's Requested and Allocatable. Each later attempt that picked a
node adds its pod there (the scheduler assumes the pod at the end of its cycle); pod deletions, node
adds, updates and deletions change the state. Amounts that follow are derived; recomputed scores use the
reference calculator (analyzer.scoring.score), and totals and rankings built from them are derived.
The log never prints a pod's requests: without ``pod_requests`` a replay gives node states only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from typing import Any

from .model import AnalysisResult, Attempt, Outcome
from .reconstruct.cache import CacheDump, CacheFacts
from .scoring import calculator
from .scoring.quantity import parse_quantity
from .scoring.versions import parse_version

# The scheduler's defaults for a container without a request, in NonZeroRequested (Fit scoring).
DEFAULT_MILLI_CPU, DEFAULT_MEMORY = 100, 200 * 1024 * 1024
RESOURCES = ("cpu", "memory")
# (first version, Fit-like plugin, balanced plugin): the resource scorers' names by release
_PLUGINS: tuple[tuple[tuple[int, int], str, str], ...] = (
    ((1, 23), "NodeResourcesFit", "NodeResourcesBalancedAllocation"),
    ((1, 17), "NodeResourcesLeastAllocated", "NodeResourcesBalancedAllocation"),
    ((0, 0), "LeastRequestedPriority", "BalancedResourceAllocation"),
)
SCOPE_CAVEAT = ("a dump has no labels, taints or unschedulable flags: the ranking covers the resource scorers "
                "and the resource fit only, not the other filters and scorers")
REQUESTED_CAVEAT = ("the dump prints Requested; NodeResourcesFit scores from NonZeroRequested, which counts "
                    "100m CPU / 200Mi memory for each container without a request, so the Fit scores assume "
                    "every pod on the node requests both")


@dataclass(frozen=True)
class ReplayedNode:
    """One node's replayed state for one attempt and, when the pod's requests are known, its scores."""

    node: str
    allocatable: Mapping[str, int]
    requested: Mapping[str, int] | None  # Requested before the pod; None when a change made it unknown
    fits: bool | None = None  # the pod's requests fit the free amounts (NodeResourcesFit filter, resources only)
    scores: Mapping[str, int] = field(default_factory=dict)  # plugin -> weighted score (recomputed)
    total: int | None = None  # sum of the resource scorers (derived)
    rank: int | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class AttemptReplay:
    """The replayed cache for one attempt: node states, resource scores and ranking, or the disagreements."""

    pod: str
    attempt: int
    dump_line: int
    dump_time: str | None
    pod_requests: Mapping[str, int] | None
    pod_requests_provenance: str  # inferred (given by the caller, not in the log) | absent
    nodes: tuple[ReplayedNode, ...]
    ranking: tuple[str, ...]  # nodes that fit, best resource total first (ties by name)
    weights: Mapping[str, int]
    weights_provenance: str
    caveats: tuple[str, ...] = ()
    disagreements: tuple[str, ...] = ()  # logged resource lines that differ from the replayed state
    provenance: str = "derived"
    node_count: int = 0  # nodes in the replayed cache (``nodes`` may list fewer: see replay's ``keep``)
    fitting_nodes: int | None = None  # nodes whose free resources hold the pod (None: its requests unknown)
    changed_nodes: int = 0  # nodes whose state changed since the dump (pods placed, updates, additions)

    def to_dict(self) -> dict[str, Any]:
        return {
            "dump_line": self.dump_line, "dump_time": self.dump_time, "provenance": self.provenance,
            "pod_requests": dict(self.pod_requests) if self.pod_requests is not None else None,
            "pod_requests_provenance": self.pod_requests_provenance,
            "weights": dict(self.weights), "weights_provenance": self.weights_provenance,
            "ranking": list(self.ranking), "node_count": self.node_count, "fitting_nodes": self.fitting_nodes,
            "changed_nodes": self.changed_nodes,
            "nodes": [{"node": n.node, "allocatable": dict(n.allocatable),
                       "requested": dict(n.requested) if n.requested is not None else None,
                       "fits": n.fits, "scores": dict(n.scores), "total": n.total, "rank": n.rank,
                       "scores_provenance": "recomputed", "total_provenance": "derived",
                       "notes": list(n.notes)} for n in self.nodes],
            "caveats": list(self.caveats), "disagreements": list(self.disagreements),
        }


class PodsError(ValueError):
    """A --pods file that cannot be read as pod objects."""


def load_pod_requests(path: str) -> dict[str, dict[str, int]]:
    """ns/name -> requests from a file of pod objects: a PodList (or a List) in YAML or JSON, or one Pod."""
    import yaml

    try:
        with open(path, encoding="utf-8") as f:
            data = yaml.safe_load(f)
        items = data.get("items", [data]) if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise PodsError(f"{path}: not a PodList or a Pod (YAML or JSON)")
        return pod_requests_from_podlist([i for i in items if isinstance(i, dict) and i.get("kind", "Pod") == "Pod"])
    except (OSError, yaml.YAMLError, ValueError, TypeError, AttributeError) as exc:
        if isinstance(exc, PodsError):
            raise
        raise PodsError(f"{path}: cannot read pod objects: {str(exc).splitlines()[0]}") from exc


def pod_requests_from_podlist(items: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """ns/name -> requests (cpu millicores, memory bytes, others in units) from v1 Pod objects (a PodList's items):
    the sum over containers, at least each init container's, plus the overhead."""
    out: dict[str, dict[str, int]] = {}
    for pod in items:
        meta, spec = pod.get("metadata") or {}, pod.get("spec") or {}
        total: dict[str, int] = {}
        for c in spec.get("containers") or ():
            for r, q in _requests(c).items():
                total[r] = total.get(r, 0) + q
        for c in spec.get("initContainers") or ():
            for r, q in _requests(c).items():
                total[r] = max(total.get(r, 0), q)
        for r, q in (spec.get("overhead") or {}).items():
            total[r] = total.get(r, 0) + object_amount(str(q), r)
        out[f"{meta.get('namespace') or 'default'}/{meta.get('name')}"] = total
    return out


def _requests(container: dict[str, Any]) -> dict[str, int]:
    requests = ((container.get("resources") or {}).get("requests")) or {}
    return {r: object_amount(str(q), r) for r, q in requests.items()}


def object_amount(text: str, resource: str) -> int:
    """A quantity as a Kubernetes object writes it, in the log's unit: cpu "2" is 2000 millicores."""
    text = text.strip()
    if resource == "cpu" and not text.endswith("m"):
        return int(Fraction(text) * 1000) if text.replace(".", "", 1).isdigit() else parse_quantity(text, "")
    return parse_quantity(text, resource)


def non_zero(requests: Mapping[str, int]) -> dict[str, int]:
    """The pod's requests as NonZeroRequested counts them (pod level: a missing cpu or memory request
    counts as the per-container default once)."""
    out = dict(requests)
    out["cpu"] = requests.get("cpu") or DEFAULT_MILLI_CPU
    out["memory"] = requests.get("memory") or DEFAULT_MEMORY
    return out


def replay(result: AnalysisResult, pod_requests: Mapping[str, Mapping[str, int]] | None = None,
           version: str | None = None, keep: int | None = None) -> list[AttemptReplay]:
    """One AttemptReplay per attempt that follows a dump in the same scheduler process, in log order.

    The cache is replayed once, forward: each attempt sees the dump plus every bind and cache change
    logged between the dump and its start. ``keep``: list only the ``keep`` best-ranked nodes and the
    node the scheduler picked (None: every node).
    """
    facts: CacheFacts | None = result.cache
    if not facts or not facts.dumps:
        return []
    version = version or result.format.k8s_version
    timeline: list[tuple[tuple[int, int], int, Any]] = [(d.at.order, 0, d) for d in facts.dumps]
    timeline += [(c.at.order, 1, c) for c in facts.changes]
    timeline += [(_order(a), 2, a) for a in result.attempts if a.span is not None]
    states: dict[str, tuple[CacheDump, dict[str, _State], dict[str, str]]] = {}  # per scheduler process
    out = []
    for _, rank, item in sorted(timeline, key=lambda t: (t[0], t[1])):
        if rank == 0:
            states[item.at.stream] = (item, {n.name: _State(dict(n.allocatable), dict(n.requested), [])
                                             for n in item.nodes if not n.deleted},
                                      {p.key: n.name for n in item.nodes for p in n.pods})
            continue
        stream = item.at.stream if rank == 1 else item.stream
        current = states.get(stream or "")
        if current is None:
            continue
        dump, state, where = current
        if rank == 1:
            _apply(state, where, item.kind, item.pod, item.node, pod_requests)
            continue
        out.append(_replay_attempt(result, dump, state, item, pod_requests, version, keep))
        if item.winner and item.outcome not in (Outcome.ERROR, Outcome.UNSCHEDULABLE):
            _apply(state, where, "assumed", item.pod, item.winner, pod_requests)
    return out


def _order(attempt: Attempt) -> tuple[int, int]:
    return (attempt.span.input, attempt.span.first_line) if attempt.span else (0, 0)


@dataclass
class _State:
    allocatable: dict[str, int]
    requested: dict[str, int] | None
    notes: list[str]
    assumed: list[str] = field(default_factory=list)  # pods the scheduler placed here after the dump


def _apply(state: dict[str, _State], where: dict[str, str], kind: str, pod: str | None, node: str | None,
           pod_requests: Mapping[str, Mapping[str, int]] | None) -> None:
    known = (pod_requests or {}).get(pod or "")
    if kind == "assumed" and node in state:
        where[pod or ""] = node
        state[node].assumed.append(pod or "?")
        _add(state[node], known, +1, f"{pod} assumed here after the dump")
    elif kind == "pod_deleted" and pod in where and where[pod] in state:
        _add(state[where.pop(pod)], known, -1, f"{pod} deleted after the dump")
    elif kind == "node_added" and node and node not in state:
        state[node] = _State({}, None, ["added after the dump: its amounts are not in the log"])
    elif kind == "node_updated" and node in state:
        note = "updated after the dump: its allocatable may have changed"
        if note not in state[node].notes:
            state[node].notes.append(note)
    elif kind == "node_deleted" and node in state:
        del state[node]


def _add(node: _State, requests: Mapping[str, int] | None, sign: int, what: str) -> None:
    if requests is None or node.requested is None:
        if node.requested is not None:
            node.notes.append(f"{what}; its requests are unknown, so the node's requested amounts are too")
        node.requested = None
        return
    for r, q in requests.items():
        node.requested[r] = node.requested.get(r, 0) + sign * q


def _plugins(version: str | None) -> tuple[str, str]:
    v = parse_version(version) or (1, 30)
    return next((fit, bal) for first, fit, bal in _PLUGINS if v >= first)


def _replay_attempt(result: AnalysisResult, dump: CacheDump, state: Mapping[str, _State], attempt: Attempt,
                    pod_requests: Mapping[str, Mapping[str, int]] | None, version: str | None,
                    keep: int | None) -> AttemptReplay:
    fit_name, bal_name = _plugins(version)
    logged = result.config.weights
    weights = {name: logged.get(name, 1) for name in (fit_name, bal_name)}
    weights_prov = "observed" if all(n in logged for n in weights) else "inferred"
    pod = (pod_requests or {}).get(attempt.pod)
    caveats = [REQUESTED_CAVEAT] if pod is not None else ["the pod's requests are not in the log and were not "
                                                          "given: node states only, no scores"]
    caveats.append(SCOPE_CAVEAT)
    if version is None:
        caveats.append("the Kubernetes version is unknown: scored with the rules of 1.30")
    plugins = ((fit_name, "least", weights[fit_name]), (bal_name, "balanced", weights[bal_name]))
    pod_key = None if pod is None else tuple(sorted(pod.items()))
    evaluated = {name: _evaluate(_key(st, pod_key), pod_key, version or "1.30", plugins)
                 for name, st in state.items()}
    ranked = sorted((name for name, (fits, _, total) in evaluated.items() if fits and total is not None),
                    key=lambda name: (-evaluated[name][2], name))
    ranks = {name: i for i, name in enumerate(ranked, start=1)}
    wanted = sorted(state) if keep is None else sorted(set(ranked[:keep]) | ({attempt.winner} & set(state)))
    nodes = [_view(name, state[name], evaluated[name], ranks.get(name)) for name in wanted]
    shown = ranked if keep is None else ranked[:keep]
    return AttemptReplay(attempt.pod, attempt.attempt, dump.at.line, dump.at.ts, dict(pod) if pod is not None else None,
                         "inferred" if pod is not None else "absent", tuple(nodes), tuple(shown),
                         weights, weights_prov, tuple(caveats), tuple(_disagreements(attempt, state, pod)),
                         node_count=len(state), fitting_nodes=len(ranked) if pod is not None else None,
                         changed_nodes=sum(1 for st in state.values() if st.notes or st.assumed))


def _key(st: _State, pod: tuple | None) -> tuple | None:
    """What a node's scores depend on: its allocatable and requested amounts of the resources that matter."""
    if pod is None or st.requested is None or not st.allocatable:
        return None
    names = sorted(set(RESOURCES) | {r for r, q in pod if q})
    return tuple((r, st.allocatable.get(r, 0), st.requested.get(r, 0)) for r in names)


@lru_cache(maxsize=1 << 16)
def _evaluate(key: tuple | None, pod_key: tuple | None, version: str,
              plugins: tuple[tuple[str, str, int], ...]) -> tuple[bool | None, tuple, int | None]:
    """(fits, ((plugin, weighted score), ...), total) for one node's amounts; nodes of one shape and load
    (common in large clusters) are scored once."""
    if key is None or pod_key is None:
        return None, (), None
    pod = dict(pod_key)
    alloc = {r: a for r, a, _ in key}
    requested = {r: q for r, _, q in key}
    fits = all(requested.get(r, 0) + q <= alloc.get(r, 0) for r, q in pod.items() if q)
    nz = non_zero(pod)
    on_node = {"least": {r: requested[r] + nz[r] for r in RESOURCES},
               "balanced": {r: requested[r] + pod.get(r, 0) for r in RESOURCES}}
    node_alloc = {r: alloc[r] for r in RESOURCES}
    pod_res = {r: pod.get(r, 0) for r in RESOURCES}
    scores = []
    for plugin, kind, weight in plugins:
        try:
            value = calculator.score(kind, version, node_alloc, on_node[kind], pod_requests=pod_res)
        except calculator.ScoreInputError:
            value = None
        if value is not None:
            scores.append((plugin, value * weight))
    return fits, tuple(scores), (sum(v for _, v in scores) if scores else None)


def _view(name: str, st: _State, evaluated: tuple, rank: int | None) -> ReplayedNode:
    fits, scores, total = evaluated
    notes = tuple(st.notes)
    if st.assumed:
        shown = ", ".join(st.assumed[:5]) + (f" and {len(st.assumed) - 5} more" if len(st.assumed) > 5 else "")
        notes += (f"{len(st.assumed)} pod(s) placed here since the dump: {shown}",)
    requested = None if st.requested is None else dict(st.requested)
    return ReplayedNode(name, dict(st.allocatable), requested, fits, dict(scores), total, rank, notes)


def _disagreements(attempt: Attempt, state: Mapping[str, _State], pod: Mapping[str, int] | None) -> list[str]:
    """Where the attempt's own resource lines print other amounts than the replayed cache."""
    out = []
    for node in attempt.nodes:
        for s in node.scores:
            if s.inputs is None:
                continue
            st = state.get(node.node)
            if st is None:
                out.append(f"{node.node}: scored by {s.plugin} but not in the replayed cache")
                break
            for r, logged in s.inputs.allocatable.items():
                if r in st.allocatable and st.allocatable[r] != logged:
                    out.append(f"{node.node}: {s.plugin} printed allocatable {r} {logged}, "
                               f"the replayed cache has {st.allocatable[r]}")
            if pod is not None and st.requested is not None:
                with_pod = non_zero(pod) if s.plugin == "NodeResourcesFit" or "Least" in s.plugin else pod
                for r, logged in s.inputs.requested.items():
                    if r in RESOURCES and st.requested.get(r, 0) + with_pod.get(r, 0) != logged:
                        out.append(f"{node.node}: {s.plugin} printed requested {r} {logged}, the replayed cache "
                                   f"with the pod gives {st.requested.get(r, 0) + with_pod.get(r, 0)}")
    return sorted(set(out))
