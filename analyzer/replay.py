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

    def to_dict(self) -> dict[str, Any]:
        return {
            "dump_line": self.dump_line, "dump_time": self.dump_time, "provenance": self.provenance,
            "pod_requests": dict(self.pod_requests) if self.pod_requests is not None else None,
            "pod_requests_provenance": self.pod_requests_provenance,
            "weights": dict(self.weights), "weights_provenance": self.weights_provenance,
            "ranking": list(self.ranking),
            "nodes": [{"node": n.node, "allocatable": dict(n.allocatable),
                       "requested": dict(n.requested) if n.requested is not None else None,
                       "fits": n.fits, "scores": dict(n.scores), "total": n.total, "rank": n.rank,
                       "scores_provenance": "recomputed", "total_provenance": "derived",
                       "notes": list(n.notes)} for n in self.nodes],
            "caveats": list(self.caveats), "disagreements": list(self.disagreements),
        }


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
           version: str | None = None) -> list[AttemptReplay]:
    """One AttemptReplay per attempt that follows a dump in the same scheduler process."""
    facts: CacheFacts | None = result.cache
    if not facts or not facts.dumps:
        return []
    version = version or result.format.k8s_version
    out = []
    for attempt in result.attempts:
        dump = _dump_before(facts, attempt)
        if dump is not None:
            out.append(_replay_attempt(result, facts, dump, attempt, pod_requests, version))
    return out


def _order(attempt: Attempt) -> tuple[int, int] | None:
    return (attempt.span.input, attempt.span.first_line) if attempt.span else None


def _dump_before(facts: CacheFacts, attempt: Attempt) -> CacheDump | None:
    at = _order(attempt)
    if at is None:
        return None
    before = [d for d in facts.dumps if d.at.order < at and _same_process(d.at.stream, attempt.stream)]
    return before[-1] if before else None


def _same_process(dump_stream: str, attempt_stream: str | None) -> bool:
    return attempt_stream is None or dump_stream == attempt_stream


@dataclass
class _State:
    allocatable: dict[str, int]
    requested: dict[str, int] | None
    notes: list[str]
    assumed: list[str] = field(default_factory=list)  # pods the scheduler placed here after the dump


def _state_at(result: AnalysisResult, facts: CacheFacts, dump: CacheDump, attempt: Attempt,
              pod_requests: Mapping[str, Mapping[str, int]] | None) -> dict[str, _State]:
    """The nodes as the cache held them when ``attempt`` started: the dump plus what happened since."""
    state = {n.name: _State(dict(n.allocatable), dict(n.requested), []) for n in dump.nodes if not n.deleted}
    where = {p.key: n.name for n in dump.nodes for p in n.pods}
    start = _order(attempt)
    steps: list[tuple[tuple[int, int], str, str | None, str | None]] = []
    for other in result.attempts:
        pos = _order(other)
        if (pos is None or not (dump.at.order < pos < start) or not other.winner
                or other.outcome in (Outcome.ERROR, Outcome.UNSCHEDULABLE)):
            continue
        steps.append((pos, "assumed", other.pod, other.winner))
    steps += [(c.at.order, c.kind, c.pod, c.node) for c in facts.changes if dump.at.order < c.at.order < start]
    for _, kind, pod, node in sorted(steps, key=lambda s: s[0]):
        _apply(state, where, kind, pod, node, pod_requests)
    return state


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
        state[node].notes.append("updated after the dump: its allocatable may have changed")
    elif kind == "node_deleted" and node in state:
        del state[node]


def _add(node: _State, requests: Mapping[str, int] | None, sign: int, what: str) -> None:
    if requests is None or node.requested is None:
        node.requested = None
        node.notes.append(f"{what}; its requests are unknown, so the node's requested amounts are too")
        return
    for r, q in requests.items():
        node.requested[r] = node.requested.get(r, 0) + sign * q


def _plugins(version: str | None) -> tuple[str, str]:
    v = parse_version(version) or (1, 30)
    return next((fit, bal) for first, fit, bal in _PLUGINS if v >= first)


def _replay_attempt(result: AnalysisResult, facts: CacheFacts, dump: CacheDump, attempt: Attempt,
                    pod_requests: Mapping[str, Mapping[str, int]] | None, version: str | None) -> AttemptReplay:
    state = _state_at(result, facts, dump, attempt, pod_requests)
    fit_name, bal_name = _plugins(version)
    logged = result.config.weights
    weights = {name: logged.get(name, 1) for name in (fit_name, bal_name)}
    weights_prov = "observed" if all(n in logged for n in weights) else "inferred"
    pod = (pod_requests or {}).get(attempt.pod)
    caveats = [REQUESTED_CAVEAT] if pod is not None else ["the pod's requests are not in the log and were not "
                                                          "given: node states only, no scores"]
    if version is None:
        caveats.append("the Kubernetes version is unknown: scored with the rules of 1.30")
    nodes = [_score_node(name, st, pod, version, fit_name, bal_name, weights) for name, st in sorted(state.items())]
    ranked = sorted((n for n in nodes if n.total is not None and n.fits), key=lambda n: (-n.total, n.node))
    ranks = {n.node: i for i, n in enumerate(ranked, start=1)}
    nodes = [_with_rank(n, ranks.get(n.node)) for n in nodes]
    return AttemptReplay(attempt.pod, attempt.attempt, dump.at.line, dump.at.ts, dict(pod) if pod is not None else None,
                         "inferred" if pod is not None else "absent", tuple(nodes), tuple(n.node for n in ranked),
                         weights, weights_prov, tuple(caveats), tuple(_disagreements(attempt, state, pod)))


def _with_rank(node: ReplayedNode, rank: int | None) -> ReplayedNode:
    return ReplayedNode(node.node, node.allocatable, node.requested, node.fits, node.scores, node.total, rank,
                        node.notes)


def _score_node(name: str, st: _State, pod: Mapping[str, int] | None, version: str | None, fit_name: str,
                bal_name: str, weights: Mapping[str, int]) -> ReplayedNode:
    notes = tuple(st.notes)
    if st.assumed:
        shown = ", ".join(st.assumed[:5]) + (f" and {len(st.assumed) - 5} more" if len(st.assumed) > 5 else "")
        notes += (f"{len(st.assumed)} pod(s) placed here since the dump: {shown}",)
    if pod is None or st.requested is None or not st.allocatable:
        return ReplayedNode(name, st.allocatable, st.requested, None, {}, None, None, notes)
    alloc = {r: st.allocatable.get(r, 0) for r in RESOURCES}
    fits = all(st.requested.get(r, 0) + q <= st.allocatable.get(r, 0) for r, q in pod.items() if q) and \
        st.requested.get("pods", 0) < st.allocatable.get("pods", 1 << 62)
    nz = non_zero(pod)
    fit_req = {r: st.requested.get(r, 0) + nz[r] for r in RESOURCES}
    bal_req = {r: st.requested.get(r, 0) + pod.get(r, 0) for r in RESOURCES}
    scorer_version = version or "1.30"
    pod_res = {r: pod.get(r, 0) for r in RESOURCES}
    scores: dict[str, int] = {}
    for plugin, kind, req in ((fit_name, "least", fit_req), (bal_name, "balanced", bal_req)):
        try:
            value = calculator.score(kind, scorer_version, alloc, req, pod_requests=pod_res)
        except calculator.ScoreInputError:
            value = None
        if value is not None:
            scores[plugin] = value * weights[plugin]
    total = sum(scores.values()) if scores else None
    return ReplayedNode(name, st.allocatable, st.requested, fits, scores, total, None, notes)


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
