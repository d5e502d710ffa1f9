"""Integer-exact resource-allocation scores (Least/Most/Balanced/RequestedToCapacityRatio), per version.

Each function takes the node's allocatable and requested amounts (requested = what is already on the
node plus the incoming pod, exactly as the scheduler's resource line prints it) and returns the raw score
the scorer would return, 0..max_score. The era differences come from ``versions.VersionProfile``:

* Least: per resource ``(cap - req) * max / cap`` (Go integer division), 0 when cap is 0 or req > cap.
* Most: per resource ``req * max / cap``; when req > cap it is 0 (<=1.21.2) or req is capped (PR #102925).
* Least/Most are combined as (cpu + memory) / 2 up to 1.18, then as a weighted average
  sum(score_r * w_r) / sum(w_r) (1.28+ leaves out resources with allocatable 0).
* Balanced: see ``balanced_allocation``; float64 arithmetic mirrored operation by operation so that
  truncation lands where Go's does.

Why here and not in the parser: the parser records what a line says (``ResourceInputs``); deciding what
the line *should* say is the reference implementation's job, and it is the only place that knows the
version quirks (1.10-1.11 printed total request = requested + capacity).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence

from analyzer.model import ResourceInputs
from analyzer.scoring import versions as V
from analyzer.scoring.versions import VersionProfile

DEFAULT_RESOURCE_WEIGHTS: Mapping[str, int] = {"cpu": 1, "memory": 1}
LEGACY_RESOURCES = ("cpu", "memory")
MAX_UTILIZATION = 100  # RequestedToCapacityRatio utilization axis
MAX_CUSTOM_PRIORITY_SCORE = 10  # RequestedToCapacityRatio shape scores are 0..10

ProfileLike = VersionProfile | str | tuple[int, ...]
Trace = list[str] | None  # a list to receive the arithmetic step by step, or None


def go_div(a: int, b: int) -> int:
    """Go integer division: truncates toward zero (Python's // floors)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def _profile(p: ProfileLike) -> VersionProfile:
    return V.profile_for(p)


def _resource_order(weights: Mapping[str, int] | None, profile: VersionProfile) -> list[tuple[str, int]]:
    """(resource, weight) pairs the scorer iterates: cpu+memory up to 1.18, the configured ones after."""
    if profile.combine_rule == V.COMBINE_AVERAGE2:
        return [(r, 1) for r in LEGACY_RESOURCES]
    if weights is None:
        weights = DEFAULT_RESOURCE_WEIGHTS
    return [(r, int(w)) for r, w in weights.items()]


def _note(trace: Trace, line: str) -> None:
    """Record one step of the arithmetic when the caller asked for it (``trace`` is a list)."""
    if trace is not None:
        trace.append(line)


def _combine(per_resource: Iterable[tuple[str, int, int, int]], profile: VersionProfile, trace: Trace = None) -> int:
    """Weighted integer average of (resource, score, weight, allocatable), per the era's rule."""
    node_score = weight_sum = 0
    terms: list[tuple[int, int]] = []
    for name, score, weight, alloc in per_resource:
        if profile.skip_zero_allocatable and alloc == 0:
            _note(trace, f"{name}: allocatable 0, left out")
            continue
        node_score += score * weight
        weight_sum += weight
        terms.append((score, weight))
    if weight_sum == 0:
        _note(trace, "no resource left: score 0")
        return 0
    result = go_div(node_score, weight_sum)
    if trace is not None:  # the text only when asked for: this runs for every recomputed line
        shown = " + ".join(f"{score} x {weight}" for score, weight in terms)
        trace.append(f"({shown}) / {weight_sum} = {result} (integer division)")
    return result


def least_requested_score(requested: int, capacity: int, max_score: int) -> int:
    """One resource's LeastAllocated score: unused share of capacity on a 0..max_score scale."""
    if capacity == 0 or requested > capacity:
        return 0
    return go_div((capacity - requested) * max_score, capacity)


def most_requested_score(requested: int, capacity: int, max_score: int, rule: str) -> int:
    """One resource's MostAllocated score: used share of capacity on a 0..max_score scale."""
    if capacity == 0:
        return 0
    if requested > capacity:
        if rule == V.MOST_ZERO_OVER:
            return 0
        requested = capacity
    return go_div(requested * max_score, capacity)


def _per_resource_mean(
    allocatable: Mapping[str, int], requested: Mapping[str, int], profile: ProfileLike,
    weights: Mapping[str, int] | None, score_one: Callable[[int, int, VersionProfile], int],
    formula: str, over: str, trace: Trace,
) -> int:
    """Score each resource with ``score_one(requested, capacity, profile)`` and combine them as the era did.

    ``formula`` (with {req}, {cap}, {max}) is one resource's arithmetic in the trace, ``over`` what happens
    when the request exceeds the allocatable amount.
    """
    prof = _profile(profile)
    parts = []
    for r, w in _resource_order(weights, prof):
        req, cap = requested.get(r, 0), allocatable.get(r, 0)
        one = score_one(req, cap, prof)
        if trace is None:
            pass  # the text only when asked for: this runs for every recomputed line
        elif cap and req > cap:
            trace.append(f"{r}: requested {req} > allocatable {cap}{over} -> {one}")
        elif cap:
            trace.append(f"{r}: {formula.format(req=req, cap=cap, max=prof.max_score)} = {one}")
        parts.append((r, one, w, cap))
    if prof.combine_rule == V.COMBINE_AVERAGE2:
        _note(trace, "cpu and memory averaged with weight 1 each (before 1.19)")
    return _combine(parts, prof, trace)


def least_allocated(
    allocatable: Mapping[str, int], requested: Mapping[str, int], profile: ProfileLike,
    weights: Mapping[str, int] | None = None, trace: Trace = None,
) -> int:
    """LeastRequestedPriority / NodeResourcesLeastAllocated / NodeResourcesFit LeastAllocated score."""
    return _per_resource_mean(allocatable, requested, profile, weights,
                              lambda req, cap, prof: least_requested_score(req, cap, prof.max_score),
                              "({cap} - {req}) x {max} / {cap}", "", trace)


def most_allocated(
    allocatable: Mapping[str, int], requested: Mapping[str, int], profile: ProfileLike,
    weights: Mapping[str, int] | None = None, trace: Trace = None,
) -> int:
    """MostRequestedPriority / NodeResourcesMostAllocated / NodeResourcesFit MostAllocated score."""
    prof = _profile(profile)
    over = "" if prof.most_rule == V.MOST_ZERO_OVER else ", requested capped at allocatable (PR #102925)"
    return _per_resource_mean(allocatable, requested, prof, weights,
                              lambda req, cap, prof: most_requested_score(req, cap, prof.max_score, prof.most_rule),
                              "{req} x {max} / {cap}", over, trace)


def _fraction(requested: int, capacity: int) -> float:
    """Legacy fractionOfCapacity: requested / capacity in float64, 1 when capacity is 0."""
    if capacity == 0:
        return 1.0
    return float(requested) / float(capacity)


class MissingInput(ValueError):
    """The rule of this version needs an input the caller did not give (e.g. the pod's own requests)."""


def balanced_allocation(
    allocatable: Mapping[str, int], requested: Mapping[str, int], profile: ProfileLike,
    resources: Sequence[str] | None = None, trace: Trace = None, without: Mapping[str, int] | None = None,
) -> int:
    """BalancedResourceAllocation / NodeResourcesBalancedAllocation score.

    diff-10minus (<=1.9) and diff-legacy (1.10-1.21): 0 when the cpu or memory fraction is >= 1, else
    ``int(10 - d*10)`` resp. ``int((1 - d) * max)`` with d = |cpuFraction - memoryFraction|.
    diff-capped (1.19.13-1.19.15, 1.20.9-1.20.11, 1.21.3-1.21.5): fractions capped at 1, no zero rule.
    stddev (1.22+): fractions (capped at 1) of every configured resource with allocatable > 0;
    std = |f0 - f1| / 2 for two, population std-dev for more, 0 for fewer; ``int((1 - std) * max)``.
    stddev-delta (1.36+): ``max/2 + (max/2 + stddev score - stddev score of ``without``) / 2``, where
    ``without`` is the node's requests without the incoming pod (MissingInput when not given).
    ``resources`` (stddev only) defaults to cpu, memory.
    """
    prof = _profile(profile)
    rule = prof.balanced_rule
    if rule in (V.BALANCED_DIFF_10MINUS, V.BALANCED_DIFF_LEGACY, V.BALANCED_DIFF_CAPPED):
        return _balanced_diff(allocatable, requested, prof, trace)
    names = list(resources) if resources is not None else list(LEGACY_RESOURCES)
    if rule == V.BALANCED_STDDEV_DELTA and without is None:
        raise MissingInput(f"BalancedAllocation in {_label(prof)} compares the node with and without the pod: "
                           "give the pod's own requests")
    with_pod = _stddev_score(allocatable, requested, names, prof.max_score, trace, "with the pod")
    if rule != V.BALANCED_STDDEV_DELTA or without is None:
        return with_pod
    without_pod = _stddev_score(allocatable, without, names, prof.max_score, trace, "without the pod")
    half = prof.max_score // 2
    result = half + go_div(half + with_pod - without_pod, 2)
    _note(trace, f"{half} + ({half} + {with_pod} - {without_pod}) / 2 = {result} (PR #135573)")
    return result


def _label(prof: VersionProfile) -> str:
    return "this version" if prof.version is None else f"{prof.version[0]}.{prof.version[1]}"


def _balanced_diff(allocatable: Mapping[str, int], requested: Mapping[str, int], prof: VersionProfile,
                   trace: Trace) -> int:
    """The cpu/memory difference rules used up to 1.21 (see balanced_allocation)."""
    rule = prof.balanced_rule
    cpu = _fraction(requested.get("cpu", 0), allocatable.get("cpu", 0))
    mem = _fraction(requested.get("memory", 0), allocatable.get("memory", 0))
    if trace is not None:  # float text only when asked for
        trace.append(f"cpu fraction {cpu:.4f}, memory fraction {mem:.4f} (1 when allocatable is 0)")
    if rule == V.BALANCED_DIFF_CAPPED:
        cpu, mem = min(cpu, 1.0), min(mem, 1.0)
        _note(trace, "fractions capped at 1 (PR #102925 cherry-pick)")
    elif cpu >= 1 or mem >= 1:
        _note(trace, "a fraction is >= 1: score 0")
        return 0
    diff = abs(cpu - mem)
    if rule == V.BALANCED_DIFF_10MINUS:
        result = int(10 - diff * 10)
        if trace is not None:
            trace.append(f"int(10 - {diff:.4f} x 10) = {result}")
        return result
    result = int((1 - diff) * float(prof.max_score))
    if trace is not None:
        trace.append(f"int((1 - {diff:.4f}) x {prof.max_score}) = {result}")
    return result


def _stddev_score(allocatable: Mapping[str, int], requested: Mapping[str, int], names: Sequence[str],
                  max_score: int, trace: Trace, label: str) -> int:
    """``int((1 - std) * max)`` over the fractions (capped at 1) of the resources with allocatable > 0."""
    fractions: list[float] = []
    total = 0.0
    for r in names:
        alloc = allocatable.get(r, 0)
        if alloc == 0:
            _note(trace, f"{r}: allocatable 0, left out")
            continue
        f = min(float(requested.get(r, 0)) / float(alloc), 1.0)
        total += f
        fractions.append(f)
    std = 0.0
    if len(fractions) == 2:
        std = abs((fractions[0] - fractions[1]) / 2)
    elif len(fractions) > 2:
        mean = total / float(len(fractions))
        acc = 0.0
        for f in fractions:
            acc = acc + (f - mean) * (f - mean)
        std = math.sqrt(acc / float(len(fractions)))
    result = int((1 - std) * float(max_score))
    if trace is not None:  # the text only when asked for: this runs for every recomputed line
        shown = ", ".join(f"{f:.4f}" for f in fractions)
        trace.append(f"{label}: fractions [{shown}] (capped at 1), std {std:.4f}, int((1 - std) x {max_score}) = "
                     f"{result}")
    return result


def broken_linear(shape: Sequence[tuple[int, int]], p: int) -> int:
    """Piecewise-linear function through (utilization, score) points, integer arithmetic as in Go."""
    for i, (x, y) in enumerate(shape):
        if p <= x:
            if i == 0:
                return y
            x0, y0 = shape[i - 1]
            return y0 + go_div((y - y0) * (p - x0), x - x0)
    return shape[-1][1]


def utilization(requested: int, capacity: int, rule: str) -> int:
    """RequestedToCapacityRatio utilisation 0-100: rounded up (<=1.21) or down (1.22+); 100 when cap is 0 or over."""
    if capacity == 0 or requested > capacity:
        return MAX_UTILIZATION
    if rule == V.UTIL_FLOOR:
        return go_div(requested * MAX_UTILIZATION, capacity)
    return MAX_UTILIZATION - go_div((capacity - requested) * MAX_UTILIZATION, capacity)


def requested_to_capacity_ratio(
    allocatable: Mapping[str, int], requested: Mapping[str, int], profile: ProfileLike,
    shape: Sequence[tuple[int, int]], weights: Mapping[str, int] | None = None, trace: Trace = None,
) -> int:
    """RequestedToCapacityRatio score for a user shape of (utilization 0-100, score 0-10) points.

    Utilisation: ``versions.UTIL_CEIL`` / ``UTIL_FLOOR``. Up to 1.16 the shape is used on the 0-10 scale,
    from 1.17 its scores are scaled by MaxNodeScore / 10. Up to 1.15 cpu and memory are averaged with
    integer division; from 1.16 the configured resources are averaged by weight, resources scoring 0 are
    left out and the mean is rounded half away from zero (math.Round); from 1.22 resources with allocatable
    0 are left out too.
    """
    prof = _profile(profile)
    scale = 1 if prof.legacy_priorities else prof.max_score // MAX_CUSTOM_PRIORITY_SCORE
    pts = [(int(u), int(s) * scale) for u, s in shape]
    if scale != 1:
        _note(trace, f"shape scores x {scale}: {pts}")
    how = "req x 100 / cap, rounded down" if prof.rtcr_utilization == V.UTIL_FLOOR else \
        "100 - (cap - req) x 100 / cap, i.e. rounded up"

    def one(r: str) -> int:
        req, cap = requested.get(r, 0), allocatable.get(r, 0)
        u = utilization(req, cap, prof.rtcr_utilization)
        s = broken_linear(pts, u)
        _note(trace, f"{r}: utilisation {u} ({how}; 100 when allocatable is 0 or exceeded) -> shape {s}")
        return s

    if prof.rtcr_rule == V.RTCR_AVERAGE2:
        total = one("cpu") + one("memory")
        result = go_div(total, 2)
        _note(trace, f"({total}) / 2 = {result} (cpu and memory only, before 1.16)")
        return result
    node_score = weight_sum = 0
    terms: list[str] = []
    for r, w in (weights or DEFAULT_RESOURCE_WEIGHTS).items():
        if prof.skip_zero_allocatable and allocatable.get(r, 0) == 0:
            _note(trace, f"{r}: allocatable 0, left out")
            continue
        s = one(r)
        if s > 0:
            node_score += s * w
            weight_sum += w
            terms.append(f"{s} x {w}")
    if weight_sum == 0:
        _note(trace, "every resource scored 0 or was left out: score 0")
        return 0
    q = node_score / weight_sum
    result = int(math.floor(q + 0.5)) if q >= 0 else -int(math.floor(-q + 0.5))
    _note(trace, f"round(({' + '.join(terms)}) / {weight_sum}) = {result} (zero scores left out)")
    return result


def true_requested(inputs: ResourceInputs, profile: ProfileLike) -> dict[str, int]:
    """The requested amounts the scorer used: printed values, minus capacity on 1.10-1.11 lines."""
    prof = _profile(profile)
    req = dict(inputs.requested)
    if prof.total_request_includes_capacity and inputs.line_style == "legacy-capacity":
        req = {r: v - inputs.allocatable.get(r, 0) for r, v in req.items()}
    return req


def recompute_resource_line(
    inputs: ResourceInputs, version: ProfileLike, *, weights: Mapping[str, int] | None = None,
    shape: Sequence[tuple[int, int]] | None = None,
) -> int | None:
    """The score a resource line should print, from the amounts it prints; None when unknown.

    Kept here for existing callers; the work is ``calculator.recompute_line`` (the public calculator).
    """
    from analyzer.scoring.calculator import recompute_line  # the calculator builds on this module

    return recompute_line(inputs, version, weights=weights, shape=shape)
