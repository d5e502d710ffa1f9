"""The public score calculator: what one resource scorer gives one node, in one Kubernetes version.

``score()`` is what reconcile uses to recompute a logged resource line, and what ``schedlog score``
prints for operators; ``explain()`` returns the same number with the arithmetic, step by step. The
version rules (``versions.VersionProfile``) and the arithmetic (``resources``) are not repeated here:
this module only names the plugin, applies the rules that need the pod's own requests (scalar resources
it does not request, best-effort skips, the node without the pod) and dispatches.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from analyzer.model import ResourceInputs
from analyzer.scoring import resources as R
from analyzer.scoring import versions as V

LEAST, MOST, BALANCED, RTCR = "least", "most", "balanced", "rtcr"

# kind -> the name the calculator prints (the scoring strategy / plugin name of current releases)
PLUGIN_NAMES: Mapping[str, str] = {
    LEAST: "LeastAllocated", MOST: "MostAllocated", BALANCED: "BalancedAllocation", RTCR: "RequestedToCapacityRatio",
}
# Every accepted name, folded (lower case, no spaces): the logged scorer names of versions.SCORER_KINDS
# (legacy priorities included) and the short forms.
_NAMES: Mapping[str, str] = {
    **{name.lower().replace(" ", ""): kind for name, kind in V.SCORER_KINDS.items()},
    "least": LEAST, "most": MOST, "balanced": BALANCED, "rtcr": RTCR, "balancedallocation": BALANCED,
}
# Resources the scheduler never treats as scalar (extended) resources.
NATIVE_RESOURCES = frozenset({"cpu", "memory", "ephemeral-storage"})


class ScoreInputError(ValueError):
    """The inputs do not describe a node to score (unknown plugin, negative amount, missing shape ...)."""


@dataclass(frozen=True)
class Explained:
    """A score with the rules it was computed under and the arithmetic that produced it."""

    plugin: str
    version: str
    score: int | None  # None: the plugin does not score this pod in this version
    max_score: int
    steps: tuple[str, ...]
    notes: tuple[str, ...]  # what the reader should know about the version's rules (patch level, newer than table)


def plugin_kind(plugin: str) -> str:
    """'least' | 'most' | 'balanced' | 'rtcr' for any current or legacy name; ScoreInputError otherwise."""
    kind = _KIND_OF.get(plugin)  # reconcile asks for the same few names once per recomputed line
    if kind is not None:
        return kind
    kind = _NAMES.get(plugin.strip().strip('"').lower().replace(" ", ""))
    if kind is None:
        names = ", ".join(PLUGIN_NAMES.values())
        raise ScoreInputError(f"unknown plugin {plugin!r}: use one of {names} (or a legacy priority name)")
    if len(_KIND_OF) < 1024:
        _KIND_OF[plugin] = kind
    return kind


_KIND_OF: dict[str, str] = {}  # a name as given -> its kind (only names that have one)


def score(
    plugin: str, version: str | tuple[int, ...] | V.VersionProfile, allocatable: Mapping[str, int],
    requested: Mapping[str, int], *, pod_requests: Mapping[str, int] | None = None,
    weights: Mapping[str, int] | None = None, shape: Sequence[tuple[int, int]] | None = None,
) -> int | None:
    """The score ``plugin`` gives a node in ``version``; None when the plugin does not score this pod.

    ``allocatable``/``requested``: resource name -> amount (cpu in millicores, memory in bytes, extended
    resources in units); ``requested`` is the node's total including the incoming pod, as the scheduler
    computes it. ``pod_requests``: the pod's own requests (needed for best-effort skips from 1.33 and the
    1.36 BalancedAllocation rule). ``weights``: configured resources and weights (default cpu=1,
    memory=1). ``shape``: RequestedToCapacityRatio (utilisation, score) points, scores 0-10.
    Raises ScoreInputError (a ValueError) for inputs that cannot be scored.
    """
    return _compute(plugin, version, allocatable, requested, pod_requests, weights, shape, None)


def explain(
    plugin: str, version: str | tuple[int, ...] | V.VersionProfile, allocatable: Mapping[str, int],
    requested: Mapping[str, int], *, pod_requests: Mapping[str, int] | None = None,
    weights: Mapping[str, int] | None = None, shape: Sequence[tuple[int, int]] | None = None,
) -> Explained:
    """``score()`` with the arithmetic and the version notes that applied."""
    prof = _profile(version)
    steps: list[str] = []
    result = _compute(plugin, prof, allocatable, requested, pod_requests, weights, shape, steps)
    shown = prof.version or (0, 0)
    label = f"{shown[0]}.{shown[1]}" + (f".{prof.patch}" if prof.patch is not None else "")
    era_notes = next((r.notes for r in V.ERAS if r.era == prof.era), ())
    return Explained(PLUGIN_NAMES[plugin_kind(plugin)], label, result, prof.max_score, tuple(steps),
                     tuple(n for n in prof.notes if n and n not in era_notes))


def _profile(version: str | tuple[int, ...] | V.VersionProfile) -> V.VersionProfile:
    try:
        return V.profile_for(version)
    except ValueError as exc:
        raise ScoreInputError(str(exc)) from exc


def _amounts(what: str, values: Mapping[str, int] | None) -> dict[str, int]:
    """A copy of the amounts, checked: whole numbers >= 0 (ScoreInputError names the first that is not)."""
    out = dict(values or {})
    for v in out.values():  # the common case, plain ints, checked in one pass
        if type(v) is not int or v < 0:
            return _amounts_checked(what, out)
    return out


def _amounts_checked(what: str, values: Mapping[str, int]) -> dict[str, int]:
    out: dict[str, int] = {}
    for name, v in (values or {}).items():
        if isinstance(v, bool) or not isinstance(v, int) or v < 0:
            raise ScoreInputError(f"{what} {name}={v!r}: amounts are whole numbers >= 0")
        out[name] = v
    return out


def _compute(
    plugin: str, version: str | tuple[int, ...] | V.VersionProfile, allocatable: Mapping[str, int],
    requested: Mapping[str, int], pod_requests: Mapping[str, int] | None, weights: Mapping[str, int] | None,
    shape: Sequence[tuple[int, int]] | None, trace: R.Trace,
) -> int | None:
    """score() and explain(): check the inputs, apply the rules that need the pod's requests, dispatch."""
    kind = plugin_kind(plugin)
    prof = _profile(version)
    alloc, req = _amounts("allocatable", allocatable), _amounts("requested", requested)
    pod = None if pod_requests is None else _amounts("pod request", pod_requests)
    w = None if weights is None else _amounts("weight", weights)
    if w is not None and any(v == 0 for v in w.values()):
        raise ScoreInputError("resource weights must be >= 1")
    names = list(w) if w else list(R.DEFAULT_RESOURCE_WEIGHTS)
    if pod is not None and prof.unrequested_scalar_zero:
        alloc, req = _drop_unrequested_scalars(alloc, req, pod, names, trace)
    if kind == LEAST:
        return R.least_allocated(alloc, req, prof, w, trace)
    if kind == MOST:
        return R.most_allocated(alloc, req, prof, w, trace)
    if kind == BALANCED:
        return _balanced(alloc, req, prof, pod, names, trace)
    return R.requested_to_capacity_ratio(alloc, req, prof, _shape(shape), w, trace)


def _shape(shape: Sequence[tuple[int, int]] | None) -> list[tuple[int, int]]:
    """The shape points, checked as the scheduler's config validation does (utilisation 0-100, rising; score 0-10)."""
    if not shape:
        raise ScoreInputError("RequestedToCapacityRatio needs the configured shape, e.g. 0=10,100=0")
    points = [(int(u), int(s)) for u, s in shape]
    for i, (u, s) in enumerate(points):
        if not 0 <= u <= R.MAX_UTILIZATION or not 0 <= s <= R.MAX_CUSTOM_PRIORITY_SCORE:
            raise ScoreInputError(f"shape point {u}={s}: utilisation must be 0-100 and score 0-10")
        if i and u <= points[i - 1][0]:
            raise ScoreInputError("shape utilisation values must rise from one point to the next")
    return points


def _drop_unrequested_scalars(alloc: dict[str, int], req: dict[str, int], pod: Mapping[str, int],
                              names: Sequence[str], trace: R.Trace) -> tuple[dict[str, int], dict[str, int]]:
    """From 1.22 (PR #103169) a scalar resource the pod does not request is scored as allocatable 0."""
    alloc, req = dict(alloc), dict(req)
    for r in names:
        if r not in NATIVE_RESOURCES and pod.get(r, 0) == 0 and alloc.get(r, 0):
            alloc[r] = req[r] = 0
            if trace is not None:
                trace.append(f"{r}: the pod does not request it, so it counts as allocatable 0 (PR #103169)")
    return alloc, req


def _balanced(alloc: dict[str, int], req: dict[str, int], prof: V.VersionProfile, pod: Mapping[str, int] | None,
              names: list[str], trace: R.Trace) -> int | None:
    if prof.balanced_skip_best_effort and pod is not None and all(pod.get(r, 0) == 0 for r in names):
        if trace is not None:
            trace.append("the pod requests none of " + ", ".join(names) + ": PreScore returns Skip, no score "
                         "(PR #130260)")
        return None
    without = None if pod is None else {r: max(0, req.get(r, 0) - pod.get(r, 0)) for r in req}
    try:
        return R.balanced_allocation(alloc, req, prof, resources=names, trace=trace, without=without)
    except R.MissingInput as exc:
        raise ScoreInputError(str(exc)) from exc


def recompute_line(
    inputs: ResourceInputs, version: str | tuple[int, ...] | V.VersionProfile, *,
    weights: Mapping[str, int] | None = None, shape: Sequence[tuple[int, int]] | None = None,
) -> int | None:
    """The score a logged resource line should print, from the amounts it prints; None when unknown.

    The function is picked from the scorer name (``versions.scorer_kind``). ``weights`` are the configured
    resource weights (default: weight 1 for every printed resource, which is what the default config
    prints). RequestedToCapacityRatio needs the configured ``shape``, and the 1.36 BalancedAllocation rule
    the pod's own requests, which no line prints: without them the result is None.
    """
    kind = V.scorer_kind(inputs.scorer)
    if kind is None or (kind == RTCR and shape is None):
        return None
    prof = _profile(version)
    requested = R.true_requested(inputs, prof)
    allocatable = dict(inputs.allocatable)
    if weights is None:
        weights = {r: 1 for r in allocatable} or dict(R.DEFAULT_RESOURCE_WEIGHTS)
    try:
        return score(kind, prof, allocatable, requested, weights=weights, shape=shape)
    except ScoreInputError:
        return None
