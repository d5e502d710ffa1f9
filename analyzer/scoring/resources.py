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


def _combine(per_resource: Iterable[tuple[int, int, int]], profile: VersionProfile) -> int:
    """Weighted integer average of (score, weight, allocatable) triples, per the era's rule."""
    node_score = weight_sum = 0
    for score, weight, alloc in per_resource:
        if profile.skip_zero_allocatable and alloc == 0:
            continue
        node_score += score * weight
        weight_sum += weight
    if weight_sum == 0:
        return 0
    return go_div(node_score, weight_sum)


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
) -> int:
    """Score each resource with ``score_one(requested, capacity, profile)`` and combine them as the era did."""
    prof = _profile(profile)
    return _combine(
        ((score_one(requested.get(r, 0), allocatable.get(r, 0), prof), w, allocatable.get(r, 0))
         for r, w in _resource_order(weights, prof)),
        prof,
    )


def least_allocated(
    allocatable: Mapping[str, int], requested: Mapping[str, int], profile: ProfileLike,
    weights: Mapping[str, int] | None = None,
) -> int:
    """LeastRequestedPriority / NodeResourcesLeastAllocated / NodeResourcesFit LeastAllocated score."""
    return _per_resource_mean(allocatable, requested, profile, weights,
                              lambda req, cap, prof: least_requested_score(req, cap, prof.max_score))


def most_allocated(
    allocatable: Mapping[str, int], requested: Mapping[str, int], profile: ProfileLike,
    weights: Mapping[str, int] | None = None,
) -> int:
    """MostRequestedPriority / NodeResourcesMostAllocated / NodeResourcesFit MostAllocated score."""
    return _per_resource_mean(allocatable, requested, profile, weights,
                              lambda req, cap, prof: most_requested_score(req, cap, prof.max_score, prof.most_rule))


def _fraction(requested: int, capacity: int) -> float:
    """Legacy fractionOfCapacity: requested / capacity in float64, 1 when capacity is 0."""
    if capacity == 0:
        return 1.0
    return float(requested) / float(capacity)


def balanced_allocation(
    allocatable: Mapping[str, int], requested: Mapping[str, int], profile: ProfileLike,
    resources: Sequence[str] | None = None,
) -> int:
    """BalancedResourceAllocation / NodeResourcesBalancedAllocation score.

    diff-10minus (<=1.9) and diff-legacy (1.10-1.21): 0 when the cpu or memory fraction is >= 1, else
    ``int(10 - d*10)`` resp. ``int((1 - d) * max)`` with d = |cpuFraction - memoryFraction|.
    diff-capped (1.19.13-1.19.15, 1.20.9-1.20.11, 1.21.3-1.21.5): fractions capped at 1, no zero rule.
    stddev (1.22+): fractions (capped at 1) of every configured resource with allocatable > 0;
    std = |f0 - f1| / 2 for two, population std-dev for more, 0 for fewer; ``int((1 - std) * max)``.
    ``resources`` (stddev only) defaults to cpu, memory.
    """
    prof = _profile(profile)
    rule = prof.balanced_rule
    if rule in (V.BALANCED_DIFF_10MINUS, V.BALANCED_DIFF_LEGACY, V.BALANCED_DIFF_CAPPED):
        cpu = _fraction(requested.get("cpu", 0), allocatable.get("cpu", 0))
        mem = _fraction(requested.get("memory", 0), allocatable.get("memory", 0))
        if rule == V.BALANCED_DIFF_CAPPED:
            cpu, mem = min(cpu, 1.0), min(mem, 1.0)
        elif cpu >= 1 or mem >= 1:
            return 0
        diff = abs(cpu - mem)
        if rule == V.BALANCED_DIFF_10MINUS:
            return int(10 - diff * 10)
        return int((1 - diff) * float(prof.max_score))
    names = list(resources) if resources is not None else list(LEGACY_RESOURCES)
    fractions: list[float] = []
    total = 0.0
    for r in names:
        alloc = allocatable.get(r, 0)
        if alloc == 0:
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
    return int((1 - std) * float(prof.max_score))


def broken_linear(shape: Sequence[tuple[int, int]], p: int) -> int:
    """Piecewise-linear function through (utilization, score) points, integer arithmetic as in Go."""
    for i, (x, y) in enumerate(shape):
        if p <= x:
            if i == 0:
                return y
            x0, y0 = shape[i - 1]
            return y0 + go_div((y - y0) * (p - x0), x - x0)
    return shape[-1][1]


def requested_to_capacity_ratio(
    allocatable: Mapping[str, int], requested: Mapping[str, int], profile: ProfileLike,
    shape: Sequence[tuple[int, int]], weights: Mapping[str, int] | None = None,
) -> int:
    """RequestedToCapacityRatio score for a user shape of (utilization 0-100, score 0-10) points.

    Utilization = 100 - (cap - req) * 100 / cap (integer), 100 when cap is 0 or req > cap. Up to 1.16 the
    shape is used on the 0-10 scale and cpu/memory are averaged with integer division; from 1.17 shape
    scores are scaled by MaxNodeScore / 10, resources scoring 0 are left out of the weighted average and
    the average is rounded half away from zero (math.Round). (inferred for 1.17-1.18.)
    """
    prof = _profile(profile)
    scale = 1 if prof.legacy_priorities else prof.max_score // MAX_CUSTOM_PRIORITY_SCORE
    pts = [(int(u), int(s) * scale) for u, s in shape]

    def one(req: int, cap: int) -> int:
        if cap == 0 or req > cap:
            return broken_linear(pts, MAX_UTILIZATION)
        return broken_linear(pts, MAX_UTILIZATION - go_div((cap - req) * MAX_UTILIZATION, cap))

    if prof.legacy_priorities:
        return go_div(sum(one(requested.get(r, 0), allocatable.get(r, 0)) for r in LEGACY_RESOURCES), 2)
    node_score = weight_sum = 0
    for r, w in (weights or DEFAULT_RESOURCE_WEIGHTS).items():
        cap = allocatable.get(r, 0)
        if prof.skip_zero_allocatable and cap == 0:
            continue
        s = one(requested.get(r, 0), cap)
        if s > 0:
            node_score += s * w
            weight_sum += w
    if weight_sum == 0:
        return 0
    q = node_score / weight_sum
    return int(math.floor(q + 0.5)) if q >= 0 else -int(math.floor(-q + 0.5))


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

    The function is picked from the scorer name (``versions.scorer_kind``). ``weights`` are the configured
    resource weights (default: weight 1 for every printed resource, which is what the default config
    prints). RequestedToCapacityRatio needs the configured ``shape``; without it the result is None.
    """
    kind = V.scorer_kind(inputs.scorer)
    if kind is None:
        return None
    prof = _profile(version)
    requested = true_requested(inputs, prof)
    allocatable = dict(inputs.allocatable)
    if weights is None:
        weights = {r: 1 for r in allocatable} or dict(DEFAULT_RESOURCE_WEIGHTS)
    if kind == "least":
        return least_allocated(allocatable, requested, prof, weights)
    if kind == "most":
        return most_allocated(allocatable, requested, prof, weights)
    if kind == "balanced":
        return balanced_allocation(allocatable, requested, prof, resources=list(weights))
    if shape is None:
        return None
    return requested_to_capacity_ratio(allocatable, requested, prof, shape, weights)
