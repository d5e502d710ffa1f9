"""Score normalization (legacy Reduce functions and plugin NormalizeScore) and weighted totals.

The normalizations turn each node's raw Map/Score value into 0..max_score across all scored nodes of one
cycle, so they take the whole {node: score} mapping. Integer semantics follow Go: integer division
truncates toward zero, float64 -> int truncates toward zero. ``max_score`` is the era's maximum
(``VersionProfile.max_score``: 10 up to 1.16, 100 from 1.17).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from analyzer.scoring.resources import go_div
from analyzer.scoring.versions import VersionProfile, profile_for

ZONE_WEIGHTING = 2.0 / 3.0  # SelectorSpread: share of the zone spreading in the final score


def default_normalize(scores: Mapping[str, int], max_score: int, reverse: bool = False) -> dict[str, int]:
    """Legacy NormalizeReduce / plugin helper.DefaultNormalizeScore.

    max_count = the largest score (starting at 0). When it is 0: every node gets max_score if
    ``reverse``, otherwise scores stay as they are. Else score = max_score * score / max_count (integer),
    then max_score - score when ``reverse``. NodeAffinity uses reverse=False, TaintToleration reverse=True.
    """
    max_count = max([0, *scores.values()])
    if max_count == 0:
        return {n: max_score for n in scores} if reverse else dict(scores)
    out: dict[str, int] = {}
    for node, s in scores.items():
        v = go_div(max_score * s, max_count)
        out[node] = max_score - v if reverse else v
    return out


def selector_spread_normalize(
    counts: Mapping[str, int], max_score: int, zones: Mapping[str, str] | None = None
) -> dict[str, int]:
    """SelectorSpreadPriority Reduce (<=1.17) / SelectorSpread NormalizeScore (1.19+).

    counts: node -> number of matching pods (the Map score). zones: node -> zone key ('' or missing when
    the node has none). Per node, in float64: f = max * (maxNode - count) / maxNode (max when maxNode is 0);
    with zones, f = f * (1 - 2/3) + 2/3 * zoneScore where zoneScore is the same formula over zone totals.
    """
    zones = zones or {}
    max_by_node = max([0, *counts.values()])
    by_zone: dict[str, int] = {}
    for node, c in counts.items():
        z = zones.get(node, "")
        if z:
            by_zone[z] = by_zone.get(z, 0) + c
    max_by_zone = max([0, *by_zone.values()])
    fmax = float(max_score)
    out: dict[str, int] = {}
    for node, c in counts.items():
        f = fmax
        if max_by_node > 0:
            f = fmax * (float(max_by_node - c) / float(max_by_node))
        z = zones.get(node, "")
        if by_zone and z:
            zone_score = fmax
            if max_by_zone > 0:
                zone_score = fmax * (float(max_by_zone - by_zone[z]) / float(max_by_zone))
            f = (f * (1.0 - ZONE_WEIGHTING)) + (ZONE_WEIGHTING * zone_score)
        out[node] = int(f)
    return out


def interpod_affinity_normalize(
    counts: Mapping[str, int], max_score: int, *, true_min_max: bool
) -> dict[str, int]:
    """InterPodAffinity normalization: max * (count - min) / (max - min) in float64, 0 when max == min.

    ``true_min_max`` False: min and max start at 0, so 0 is always inside the range (legacy function and
    plugin 1.19-1.20); True: the real minimum and maximum (plugin 1.21+). Use ``interpod_true_min_max``.
    """
    values = list(counts.values())
    if true_min_max:
        lo, hi = (min(values), max(values)) if values else (0, 0)
    else:
        lo, hi = min([0, *values]), max([0, *values])
    diff = hi - lo
    out: dict[str, int] = {}
    for node, c in counts.items():
        f = 0.0
        if diff > 0:
            f = float(max_score) * (float(c - lo) / float(diff))
        out[node] = int(f)
    return out


def interpod_true_min_max(version: VersionProfile | str | tuple[int, ...]) -> bool:
    """Whether a version's InterPodAffinity normalization uses the true min/max (1.21+)."""
    prof = profile_for(version)
    return prof.version is not None and prof.version >= (1, 21)


def pod_topology_spread_normalize(
    scores: Mapping[str, int], max_score: int, ignored: Iterable[str] = ()
) -> dict[str, int]:
    """PodTopologySpread NormalizeScore (C1.23): max * (maxS + minS - s) / maxS over non-ignored nodes.

    Ignored nodes (missing a required topology key) get 0; when the largest score is 0 every other node
    gets max_score.
    """
    skip = set(ignored)
    considered = [s for n, s in scores.items() if n not in skip]
    lo = min(considered) if considered else 0
    hi = max([0, *considered])
    out: dict[str, int] = {}
    for node, s in scores.items():
        if node in skip:
            out[node] = 0
        elif hi == 0:
            out[node] = max_score
        else:
            out[node] = go_div(max_score * (hi + lo - s), hi)
    return out


def weighted_total(scores_by_plugin: Mapping[str, int], weights: Mapping[str, int]) -> int:
    """A node's total: sum of normalized score x weight over plugins. ValueError for a plugin with no weight."""
    total = 0
    for plugin, score in scores_by_plugin.items():
        if plugin not in weights:
            raise ValueError(f"no weight for {plugin}")
        total += score * weights[plugin]
    return total


def extender_contribution(
    score: int, weight: int, version: VersionProfile | str | tuple[int, ...]
) -> int:
    """What one extender adds to a node's total: score x weight, x10 from 1.17 (MaxNodeScore / 10)."""
    return score * weight * profile_for(version).extender_scale
