"""What changes in kube-scheduler scoring from one Kubernetes version to the next, as data.

Everything version-dependent that the reference scoring needs lives in the tables below, so the
arithmetic modules (``resources``, ``normalize``) never compare version numbers themselves:

* ``ERAS``: one row per range of minor versions (1.3 ... 1.36) -> a ``VersionProfile``
  (score range, which lines are logged and whether they are weighted, formula variants, hidden
  components, extender scaling, resource-line style).
* ``RULE_CHANGES``: single scoring rules that changed at one minor release (with the PR), applied on top.
* ``PATCH_RULES``: the few changes that landed in patch releases (cherry-picks), applied on top.
* ``DEFAULT_WEIGHTS``: default score weights per (config API, version range).
* ``ALIASES``: the scorer name a resource line prints -> the priority / plugin that owns the score.

Sources are cited per row (``source=``): "ref §N" is /work/shared/reference/log-formats.md; PR numbers are
kubernetes/kubernetes pull requests; "lab" is /work/shared/corpus/lab. "(inferred)" marks rows not read
from source or observed in a real log.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from types import MappingProxyType

Version = tuple[int, int]
"""(major, minor), e.g. (1, 21)."""

FIRST_KNOWN: Version = (1, 3)
LAST_KNOWN: Version = (1, 36)  # 1.36: the master branch when the rules below were last checked

# Balanced-allocation formula variants (see resources.balanced_allocation).
BALANCED_DIFF_10MINUS = "diff-10minus"  # <=1.9: int(10 - |cpuF - memF| * 10), 0 when any fraction >= 1
BALANCED_DIFF_LEGACY = "diff-legacy"  # 1.10-1.21: int((1 - |cpuF - memF|) * max), 0 when any fraction >= 1
BALANCED_DIFF_CAPPED = "diff-capped"  # 1.19.13-1.19.15 / 1.20.9-1.20.11 / 1.21.3-1.21.5: fractions capped at 1
BALANCED_STDDEV = "stddev"  # >=1.22: int((1 - std(fractions capped at 1)) * max)
BALANCED_STDDEV_DELTA = "stddev-delta"  # >=1.36: 50 + (50 + stddev score with pod - without pod) / 2

# MostAllocated per-resource rule when requested > capacity.
MOST_ZERO_OVER = "zero-over"  # score 0 for that resource
MOST_CAP = "cap"  # requested is first capped at capacity (PR #102925)

# How the per-resource scores of Least/MostAllocated are combined.
COMBINE_AVERAGE2 = "average2"  # <=1.18: (cpu + memory) / 2, the only two resources
COMBINE_WEIGHTED = "weighted"  # >=1.19: sum(score_r * w_r) / sum(w_r) over configured resources

# How RequestedToCapacityRatio combines resources and measures utilisation.
RTCR_AVERAGE2 = "average2"  # <=1.15: (cpu + memory) / 2, integer division
RTCR_WEIGHTED = "weighted"  # >=1.16: configured resources, zero scores left out, math.Round of the weighted mean
UTIL_CEIL = "ceil"  # <=1.21: 100 - (cap - req) * 100 / cap, i.e. the percentage rounded up
UTIL_FLOOR = "floor"  # >=1.22: req * 100 / cap, the percentage rounded down

# Config API identifiers accepted by default_weights().
API_LEGACY = "legacy"  # legacy priorities (algorithm provider / Policy), <=1.16
API_PROVIDER = "provider"  # 1.17-1.18 algorithm provider expressed as plugins
CONFIG_APIS = ("legacy", "provider", "v1alpha1", "v1alpha2", "v1beta1", "v1beta2", "v1beta3", "v1")


@dataclass(frozen=True)
class HiddenComponent:
    """A score that is added to a node's total but never printed on its own line.

    weight: the default weight; max_normalized: the normalized score it usually has (e.g.
    NodePreferAvoidPods is at its maximum unless the node's annotation avoids the pod's controller),
    None when it varies per node (ImageLocality). ``typical`` = weight * max_normalized.
    """

    name: str
    weight: int
    max_normalized: int | None
    note: str = ""

    @property
    def typical(self) -> int | None:
        return None if self.max_normalized is None else self.weight * self.max_normalized


@dataclass(frozen=True)
class VersionProfile:
    """How one Kubernetes version scores nodes and what its verbose log shows about it."""

    era: str
    first: Version  # first minor version of the era row
    last: Version  # last minor version of the era row
    max_score: int  # per-function maximum: MaxPriority 10 (<=1.16) or MaxNodeScore 100 (>=1.17)
    legacy_priorities: bool  # True: priorities (Map/Reduce); False: framework Score plugins
    plugin_lines: bool  # a per-priority / per-plugin score line exists at V(10)
    plugin_lines_weighted: bool  # those lines already include the weight (framework 1.19+)
    balanced_rule: str
    most_rule: str
    combine_rule: str
    skip_zero_allocatable: bool  # resources whose allocatable is 0 are left out of the weighted average
    extender_scale: int  # extender part = score * weight * extender_scale (MaxNodeScore / 10 from 1.17)
    resource_line_style: str  # legacy-absolute | legacy-capacity | map | listing | listed
    total_request_includes_capacity: bool  # 1.10-1.11 bug: printed "total request" = requested + capacity
    prescore_skip_silent: bool  # a plugin whose PreScore returns Skip logs no score line and adds 0
    unrequested_scalar_zero: bool = False  # a scalar resource the pod does not request counts as allocatable 0
    rtcr_rule: str = RTCR_AVERAGE2
    rtcr_utilization: str = UTIL_CEIL
    balanced_skip_best_effort: bool = False  # BalancedAllocation PreScore skips pods requesting nothing
    hidden: tuple[HiddenComponent, ...] = ()
    default_api: str = API_LEGACY
    version: Version | None = None  # the version this profile was built for
    patch: int | None = None  # its patch level when known
    notes: tuple[str, ...] = ()
    source: str = ""

    @property
    def hidden_names(self) -> frozenset[str]:
        return frozenset(h.name for h in self.hidden)


# --- hidden components -----------------------------------------------------------------------------
_NPAP_LEGACY = HiddenComponent(
    "NodePreferAvoidPodsPriority", 10000, 10, "100000 per node unless the node avoids the pod's RC/RS"
)
_IMAGE_LEGACY = HiddenComponent("ImageLocalityPriority", 1, None, "0-10, depends on images on the node")
_TAINT_13 = HiddenComponent("TaintTolerationPriority", 1, 10, "not printed before PR #27237 (v1.3)")
_NPAP_117 = HiddenComponent(
    "NodePreferAvoidPods", 10000, 100, "1,000,000 per node; 1.17-1.18 print no per-plugin line at all"
)


def _row(first: Version, last: Version, **kw) -> VersionProfile:
    return VersionProfile(first=first, last=last, **kw)


_LEGACY = dict(
    max_score=10,
    legacy_priorities=True,
    plugin_lines=True,
    plugin_lines_weighted=False,
    most_rule=MOST_ZERO_OVER,
    combine_rule=COMBINE_AVERAGE2,
    skip_zero_allocatable=False,
    extender_scale=1,
    total_request_includes_capacity=False,
    prescore_skip_silent=False,
    default_api=API_LEGACY,
)
_FRAMEWORK = dict(
    max_score=100,
    legacy_priorities=False,
    plugin_lines=True,
    plugin_lines_weighted=True,
    combine_rule=COMBINE_WEIGHTED,
    skip_zero_allocatable=False,
    extender_scale=10,
    total_request_includes_capacity=False,
    prescore_skip_silent=False,
)

ERAS: tuple[VersionProfile, ...] = (
    _row(
        (1, 3), (1, 3), era="glog-1.3", balanced_rule=BALANCED_DIFF_10MINUS,
        resource_line_style="legacy-absolute", hidden=(_TAINT_13,),
        source="public/09 (PR #27237 'before' block); priorities.go per-priority lines", **_LEGACY,
    ),
    _row(
        (1, 4), (1, 9), era="glog-1.4", balanced_rule=BALANCED_DIFF_10MINUS,
        resource_line_style="legacy-capacity", hidden=(_NPAP_LEGACY,),
        notes=("(inferred) NodePreferAvoidPodsPriority default and unprinted from 1.4",),
        source="ref §2 (U1.9); balanced_resource_allocation.go int(10 - diff*10)", **_LEGACY,
    ),
    _row(
        (1, 10), (1, 11), era="legacy-1.10", balanced_rule=BALANCED_DIFF_LEGACY,
        resource_line_style="legacy-capacity", hidden=(_NPAP_LEGACY,),
        source="ref §3.3/§3.4 (U1.10, U1.11)", **{**_LEGACY, "total_request_includes_capacity": True},
    ),
    _row(
        (1, 12), (1, 15), era="legacy-1.12", balanced_rule=BALANCED_DIFF_LEGACY,
        resource_line_style="legacy-capacity", hidden=(_NPAP_LEGACY, _IMAGE_LEGACY),
        source="ref §3.4, §4 (U1.12, C1.14, C1.15); lab v1.14.1", **_LEGACY,
    ),
    _row(
        (1, 16), (1, 16), era="legacy-1.16", balanced_rule=BALANCED_DIFF_LEGACY,
        resource_line_style="map", hidden=(_NPAP_LEGACY, _IMAGE_LEGACY),
        notes=("resource lines already use the 'map of allocatable resources' form (public/22, v1.16.12)",),
        source="ref §4 (I1.16dev); public/22", **_LEGACY,
    ),
    _row(
        (1, 17), (1, 18), era="transition-1.17", balanced_rule=BALANCED_DIFF_LEGACY,
        resource_line_style="map", hidden=(_NPAP_117,), default_api="v1alpha1",
        notes=("no per-plugin score line: only resource lines and 'Host => Score' totals",
               "1.18 default weights not verified (PodTopologySpread 1 via EvenPodsSpread, inferred)"),
        source="ref §5 (C1.17, F1.18)",
        **{**_FRAMEWORK, "plugin_lines": False, "plugin_lines_weighted": False,
           "most_rule": MOST_ZERO_OVER, "combine_rule": COMBINE_AVERAGE2},
    ),
    _row(
        (1, 19), (1, 20), era="framework-1.19", balanced_rule=BALANCED_DIFF_LEGACY,
        resource_line_style="map", default_api="v1beta1",
        source="ref §6 (C1.19, C1.20); lab v1.19.1", **{**_FRAMEWORK, "most_rule": MOST_ZERO_OVER},
    ),
    _row(
        (1, 21), (1, 21), era="structured-1.21", balanced_rule=BALANCED_DIFF_LEGACY,
        resource_line_style="map", default_api="v1beta1",
        source="ref §7 (C1.21); lab v1.21.0-pre", **{**_FRAMEWORK, "most_rule": MOST_ZERO_OVER},
    ),
    _row(
        (1, 22), (1, 22), era="structured-1.22", balanced_rule=BALANCED_STDDEV,
        resource_line_style="map", default_api="v1beta2",
        notes=("std-dev balanced rule from PR #101946 (1.22.0 release notes); resource line still printf "
               "until PR #105967 (1.23)",),
        source="PR #101946, #102925, #105967; issue #105220", **{**_FRAMEWORK, "most_rule": MOST_CAP},
    ),
    _row(
        (1, 23), (1, 24), era="structured-1.23", balanced_rule=BALANCED_STDDEV,
        resource_line_style="listing", default_api="v1beta3",
        source="ref §7, §10.3 (C1.23); lab v1.23.9", **{**_FRAMEWORK, "most_rule": MOST_CAP},
    ),
    _row(
        (1, 25), (1, 26), era="schedule_one-1.25", balanced_rule=BALANCED_STDDEV,
        resource_line_style="listing", default_api="v1",
        notes=("(inferred) 1.26 resource line form not verified",),
        source="ref §8 (C1.25a)", **{**_FRAMEWORK, "most_rule": MOST_CAP},
    ),
    _row(
        (1, 27), (1, 27), era="schedule_one-1.27", balanced_rule=BALANCED_STDDEV,
        resource_line_style="listing", default_api="v1",
        notes=("(inferred) PreScore Skip (no score line, 0 added) from 1.27; resource line form unverified",),
        source="ref §8 (interpolated)",
        **{**_FRAMEWORK, "most_rule": MOST_CAP, "prescore_skip_silent": True},
    ),
    _row(
        (1, 28), (1, 36), era="contextual-1.28", balanced_rule=BALANCED_STDDEV,
        resource_line_style="listed", default_api="v1",
        notes=("1.35-1.36 (master) follow this row plus RULE_CHANGES",),
        source="ref §8, §10.2 (C1.28, Ilatest); lab v1.30.6",
        **{**_FRAMEWORK, "most_rule": MOST_CAP, "prescore_skip_silent": True},
    ),
)


@dataclass(frozen=True)
class RuleChange:
    """One scoring rule that changed at a minor release, from that release on (``first``)."""

    first: Version
    changes: Mapping[str, object]
    source: str


# Found by checking the reference scorers against the scheduler's own unit-test tables
# (tests/data/upstream_scoring, issue 16). Later rows win over earlier ones and over ERAS.
RULE_CHANGES: tuple[RuleChange, ...] = (
    RuleChange((1, 16), {"rtcr_rule": RTCR_WEIGHTED},
               "PR #77688 (1.16): RequestedToCapacityRatio averages the configured resources (extended ones "
               "included) by weight, leaves out zero scores, rounds half away from zero"),
    RuleChange((1, 22), {"skip_zero_allocatable": True, "unrequested_scalar_zero": True},
               "PR #103169 (1.22): a scalar resource the pod does not request gets allocatable 0 and, like "
               "every resource with allocatable 0, is left out (1.22 keeps only non-zero entries, 1.23+ continue)"),
    RuleChange((1, 22), {"rtcr_utilization": UTIL_FLOOR},
               "PR #103089 (1.22): RequestedToCapacityRatio utilisation = requested * 100 / capacity"),
    RuleChange((1, 33), {"balanced_skip_best_effort": True},
               "PR #130260 (1.33): BalancedAllocation PreScore returns Skip for a pod requesting none of the "
               "configured resources: no score line, nothing added"),
    RuleChange((1, 36), {"balanced_rule": BALANCED_STDDEV_DELTA},
               "PR #135573 (1.36, merged on master after 1.35 was cut): BalancedAllocation scores the change of "
               "balance, 50 + (50 + score with the pod - score without it) / 2"),
)


@dataclass(frozen=True)
class PatchRule:
    """A scoring change that reached a release branch in a patch release (minor, patches a..b)."""

    minor: int
    first_patch: int
    last_patch: int | None  # None: every later patch of that minor
    changes: Mapping[str, object] = field(default_factory=dict)
    note: str = ""


PATCH_RULES: tuple[PatchRule, ...] = (
    # 1.10/1.11 "total request" bug fixed by ea7f711ae2, present from v1.10.9 and v1.11.4 (ref §3.3).
    PatchRule(10, 9, None, {"total_request_includes_capacity": False}, "ea7f711ae2 in v1.10.9"),
    PatchRule(11, 4, None, {"total_request_includes_capacity": False}, "ea7f711ae2 in v1.11.4"),
    # PR #102925 (MostAllocated caps requested, Balanced caps fractions) cherry-picked to 1.19.13,
    # 1.20.9, 1.21.3; the Balanced half was reverted (#105526, #105239, #105238) -- the release that
    # carries each revert is (inferred) the Oct 2021 patch: 1.19.16, 1.20.12, 1.21.6.
    PatchRule(19, 13, None, {"most_rule": MOST_CAP}, "#102997 cherry-pick of #102925"),
    PatchRule(20, 9, None, {"most_rule": MOST_CAP}, "#102995 cherry-pick of #102925"),
    PatchRule(21, 3, None, {"most_rule": MOST_CAP}, "#102994 cherry-pick of #102925"),
    PatchRule(19, 13, 15, {"balanced_rule": BALANCED_DIFF_CAPPED}, "#102925 until revert #105526 (inferred 1.19.16)"),
    PatchRule(20, 9, 11, {"balanced_rule": BALANCED_DIFF_CAPPED}, "#102925 until revert #105239 (inferred 1.20.12)"),
    PatchRule(21, 3, 5, {"balanced_rule": BALANCED_DIFF_CAPPED}, "#102925 until revert #105238 (inferred 1.21.6)"),
)

_VERSION_RE = re.compile(r"v?(\d+)\.(\d+)(?:\.(\d+))?")


@lru_cache(maxsize=1024)  # called for every score of every attempt; the inputs are a handful of strings
def parse_version_full(text: str | tuple[int, ...] | None) -> tuple[int, int, int | None] | None:
    """(major, minor, patch or None) from text such as ``v1.14.1``, ``1.21.0-beta.1+prerelease``, ``1.30``."""
    if text is None:
        return None
    if isinstance(text, tuple):
        if len(text) >= 2 and all(isinstance(p, int) for p in text):
            return (text[0], text[1], text[2] if len(text) > 2 else None)
        return None
    m = _VERSION_RE.search(str(text).strip())
    if not m or int(m.group(1)) != 1:
        return None
    return (1, int(m.group(2)), int(m.group(3)) if m.group(3) is not None else None)


def parse_version(text: str | tuple[int, ...] | None) -> Version | None:
    """(major, minor) from a version string, or None when there is none (only Kubernetes 1.x)."""
    full = parse_version_full(text)
    return None if full is None else (full[0], full[1])


def newer_than_table(version: str | tuple[int, ...] | None) -> str | None:
    """The note for a version newer than the rules table ("scored as the newest known rules"), else None."""
    v = parse_version(version)
    if v is None or v <= LAST_KNOWN:
        return None
    return (f"{v[0]}.{v[1]} is newer than the rules table: scored as the newest known rules "
            f"({LAST_KNOWN[0]}.{LAST_KNOWN[1]})")


def _clamp(v: Version) -> Version:
    return max(FIRST_KNOWN, min(LAST_KNOWN, v))


def profile_for(version: str | tuple[int, ...] | VersionProfile) -> VersionProfile:
    """The scoring profile of a version; versions outside 1.3-1.36 get the nearest known era.

    A version newer than the table is scored with the newest known rules and says so (``newer_than_table``).

    Patch-level changes are applied only when the patch is given (``1.21.4``); ``1.21`` means 1.21.0.
    Raises ValueError when ``version`` cannot be read.
    """
    if isinstance(version, VersionProfile):
        return version
    full = parse_version_full(version)
    if full is None:
        raise ValueError(f"not a Kubernetes 1.x version: {version!r}")
    minor_v = _clamp((full[0], full[1]))
    patch = full[2]
    row = next(r for r in ERAS if r.first <= minor_v <= r.last)
    changes: dict[str, object] = {}
    notes = list(row.notes)
    for change in RULE_CHANGES:
        if minor_v >= change.first:
            changes.update(change.changes)
    newer = newer_than_table((full[0], full[1]))
    if newer:
        notes.append(newer)
    effective_patch = patch if patch is not None else 0
    for rule in PATCH_RULES:
        if rule.minor != minor_v[1] or effective_patch < rule.first_patch:
            continue
        if rule.last_patch is not None and effective_patch > rule.last_patch:
            continue
        changes.update(rule.changes)
        notes.append(rule.note)
    if patch is None and any(r.minor == minor_v[1] for r in PATCH_RULES):
        notes.append("patch level unknown: scored as .0; some patch releases of this minor differ")
    return replace(row, version=(full[0], full[1]), patch=patch, notes=tuple(notes), **changes)


# --- default weights ---------------------------------------------------------------------------------
_W_LEGACY_13 = {
    "SelectorSpreadPriority": 1, "NodeAffinityPriority": 1, "LeastRequestedPriority": 1,
    "BalancedResourceAllocation": 1, "TaintTolerationPriority": 1,
}
_W_LEGACY_14 = {**_W_LEGACY_13, "InterPodAffinityPriority": 1, "NodePreferAvoidPodsPriority": 10000}
_W_LEGACY_112 = {**_W_LEGACY_14, "ImageLocalityPriority": 1}
_W_PROVIDER_117 = {
    "DefaultPodTopologySpread": 1, "InterPodAffinity": 1, "NodeResourcesLeastAllocated": 1,
    "NodeResourcesBalancedAllocation": 1, "NodePreferAvoidPods": 10000, "NodeAffinity": 1,
    "TaintToleration": 1, "ImageLocality": 1,
}
_W_PROVIDER_118 = {**_W_PROVIDER_117, "PodTopologySpread": 1}
_W_V1BETA1_120 = {
    "NodeResourcesBalancedAllocation": 1, "ImageLocality": 1, "InterPodAffinity": 1,
    "NodeResourcesLeastAllocated": 1, "NodeAffinity": 1, "NodePreferAvoidPods": 10000,
    "PodTopologySpread": 2, "TaintToleration": 1,
}
_W_V1BETA1_119 = {**_W_V1BETA1_120, "SelectorSpread": 1}
_W_V1BETA2_123 = {
    "NodeResourcesBalancedAllocation": 1, "ImageLocality": 1, "InterPodAffinity": 1, "NodeResourcesFit": 1,
    "NodeAffinity": 1, "PodTopologySpread": 2, "TaintToleration": 1,
}
_W_V1BETA2_122 = {**_W_V1BETA2_123, "NodePreferAvoidPods": 10000}
_W_MULTIPOINT = {
    "TaintToleration": 3, "NodeAffinity": 2, "NodeResourcesFit": 1, "VolumeBinding": 1,
    "PodTopologySpread": 2, "InterPodAffinity": 2, "NodeResourcesBalancedAllocation": 1, "ImageLocality": 1,
}


@dataclass(frozen=True)
class WeightRow:
    api: str
    first: Version
    last: Version
    weights: Mapping[str, int]
    source: str


def _w(api: str, first: Version, last: Version, weights: dict[str, int], source: str) -> WeightRow:
    return WeightRow(api, first, last, MappingProxyType(dict(weights)), source)


DEFAULT_WEIGHTS: tuple[WeightRow, ...] = (
    _w(API_LEGACY, (1, 3), (1, 3), _W_LEGACY_13, "(inferred) public/09: Host vm Score 38 = 0+9+9+10+10"),
    _w(API_LEGACY, (1, 4), (1, 11), _W_LEGACY_14, "ref §11 (U1.10); 1.4-1.9 (inferred)"),
    _w(API_LEGACY, (1, 12), (1, 16), _W_LEGACY_112, "ref §11 (U1.12, C1.14, C1.15); lab v1.14.1; 1.16 inferred"),
    _w(API_PROVIDER, (1, 17), (1, 17), _W_PROVIDER_117, "ref §5, §11 (C1.17)"),
    _w(API_PROVIDER, (1, 18), (1, 18), _W_PROVIDER_118, "(inferred) 1.18 registry: EvenPodsSpread beta -> weight 1"),
    _w("v1beta1", (1, 19), (1, 19), _W_V1BETA1_119, "ref §11 (C1.19); lab v1.19.1 frameworkPlugins"),
    _w("v1beta1", (1, 20), (1, 22), _W_V1BETA1_120, "ref §11 (C1.20, C1.21, I1.22); lab v1.21.0-pre"),
    _w("v1beta2", (1, 22), (1, 22), _W_V1BETA2_122, "(inferred) v1beta2 in 1.22 still had NodePreferAvoidPods"),
    _w("v1beta2", (1, 23), (1, 27), _W_V1BETA2_123, "ref §11 (C1.23); lab README (1.23.9)"),
    _w("v1beta3", (1, 23), (1, 28), _W_MULTIPOINT, "ref §11 (C1.23); lab v1.23.9 frameworkPlugins (VolumeBinding 1)"),
    _w("v1", (1, 25), (1, 36), _W_MULTIPOINT, "ref §11 (C1.28, Ilatest); lab v1.30.6 frameworkPlugins; 1.35-1.36 "
       "(inferred) unchanged"),
)

# Which config API each version reads when no --config is given (and which one a bare API name
# without a version is assumed to come from).
_API_ALIASES = {"v1alpha1": API_PROVIDER, "v1alpha2": API_PROVIDER}
API_LATEST_VERSION: Mapping[str, Version] = MappingProxyType({
    "legacy": (1, 16), "provider": (1, 18), "v1alpha1": (1, 17), "v1alpha2": (1, 18), "v1beta1": (1, 21),
    "v1beta2": (1, 24), "v1beta3": (1, 28), "v1": (1, 34),
})


def normalize_api(api: str) -> str:
    """``kubescheduler.config.k8s.io/v1beta3`` or ``v1beta3`` -> ``v1beta3``; ValueError when unknown."""
    short = api.rsplit("/", 1)[-1].strip()
    if short not in CONFIG_APIS:
        raise ValueError(f"unknown scheduler config API {api!r}")
    return short


def default_weights(version: str | tuple[int, ...] | None, api: str | None = None) -> dict[str, int]:
    """Default score weights (priority or plugin name -> weight) of a version and config API.

    ``api`` is a config API version (``v1beta1`` ... ``v1``, full apiVersion strings accepted) or
    ``legacy``/``provider``; None means what that version uses without a config file. For versions up to
    1.16 every API yields the legacy priorities, for 1.17-1.18 the algorithm-provider plugins. With
    ``version`` None, the newest version serving ``api`` is assumed. ValueError when the pair never existed.
    """
    if version is None:
        if api is None:
            raise ValueError("default_weights needs a version or a config API")
        v: Version = API_LATEST_VERSION[normalize_api(api)]
    else:
        parsed = parse_version(version)
        if parsed is None:
            raise ValueError(f"not a Kubernetes 1.x version: {version!r}")
        v = _clamp(parsed)
    prof = profile_for(v)
    key = normalize_api(api) if api is not None else prof.default_api
    if prof.legacy_priorities:
        key = API_LEGACY
    elif v <= (1, 18) and key in (API_PROVIDER, "v1alpha1", "v1alpha2", API_LEGACY):
        key = API_PROVIDER
    key = _API_ALIASES.get(key, key)
    for row in DEFAULT_WEIGHTS:
        if row.api == key and row.first <= v <= row.last:
            return dict(row.weights)
    raise ValueError(f"config API {key} is not served by kube-scheduler {v[0]}.{v[1]}")


# --- name aliases ------------------------------------------------------------------------------------
# logged name -> ((first, last, canonical name), ...). Names not listed map to themselves.
ALIASES: Mapping[str, tuple[tuple[Version, Version, str], ...]] = MappingProxyType({
    # <=1.9 per-priority resource lines
    "Least Requested Priority": (((1, 0), (1, 16), "LeastRequestedPriority"),),
    "Most Requested Priority": (((1, 0), (1, 16), "MostRequestedPriority"),),
    "Balanced Resource Allocation": (((1, 0), (1, 16), "BalancedResourceAllocation"),),
    # 1.10-1.17 resource_allocation.go scorer names (1.17 plugins still call the legacy code)
    "LeastResourceAllocation": (
        ((1, 0), (1, 16), "LeastRequestedPriority"), ((1, 17), (1, 99), "NodeResourcesLeastAllocated")),
    "MostResourceAllocation": (
        ((1, 0), (1, 16), "MostRequestedPriority"), ((1, 17), (1, 99), "NodeResourcesMostAllocated")),
    "BalancedResourceAllocation": (((1, 17), (1, 99), "NodeResourcesBalancedAllocation"),),
    "RequestedToCapacityRatioResourceAllocationPriority": (
        ((1, 0), (1, 16), "RequestedToCapacityRatioPriority"), ((1, 17), (1, 99), "RequestedToCapacityRatio")),
    # legacy priority names as printed in 1.17 generic lines / Policy files used with plugins
    "SelectorSpreadPriority": (((1, 17), (1, 18), "DefaultPodTopologySpread"), ((1, 19), (1, 99), "SelectorSpread")),
    "ServiceSpreadingPriority": (((1, 17), (1, 18), "DefaultPodTopologySpread"), ((1, 19), (1, 99), "SelectorSpread")),
    "InterPodAffinityPriority": (((1, 17), (1, 99), "InterPodAffinity"),),
    "LeastRequestedPriority": (((1, 17), (1, 99), "NodeResourcesLeastAllocated"),),
    "MostRequestedPriority": (((1, 17), (1, 99), "NodeResourcesMostAllocated"),),
    "RequestedToCapacityRatioPriority": (((1, 17), (1, 99), "RequestedToCapacityRatio"),),
    "NodePreferAvoidPodsPriority": (((1, 17), (1, 99), "NodePreferAvoidPods"),),
    "NodeAffinityPriority": (((1, 17), (1, 99), "NodeAffinity"),),
    "TaintTolerationPriority": (((1, 17), (1, 99), "TaintToleration"),),
    "ImageLocalityPriority": (((1, 17), (1, 99), "ImageLocality"),),
    "EvenPodsSpreadPriority": (((1, 17), (1, 99), "PodTopologySpread"),),
    "ResourceLimitsPriority": (((1, 17), (1, 99), "NodeResourceLimits"),),
    "Resource Limits Priority": (((1, 0), (1, 16), "ResourceLimitsPriority"), ((1, 17), (1, 99), "NodeResourceLimits")),
    # 1.22+ NodeResourcesFit scoring strategies log the strategy as scorer name (1.22 inferred)
    "LeastAllocated": (((1, 22), (1, 99), "NodeResourcesFit"),),
    "MostAllocated": (((1, 22), (1, 99), "NodeResourcesFit"),),
    "RequestedToCapacityRatio": (((1, 22), (1, 99), "NodeResourcesFit"),),
})


@lru_cache(maxsize=4096)
@lru_cache(maxsize=1024)  # called for every score of every attempt with a handful of names and versions
def canonical_plugin_name(logged_name: str, version: str | tuple[int, ...] | None) -> str:
    """The priority (<=1.16) or plugin (>=1.17) that owns a score logged under ``logged_name``.

    E.g. legacy ``LeastResourceAllocation`` -> ``LeastRequestedPriority``; 1.23+ scorer ``LeastAllocated``
    -> ``NodeResourcesFit``. Unknown names and unknown versions return the name unchanged.
    """
    name = logged_name.strip().strip('"')
    v = parse_version(version)
    if v is None:
        return name
    for first, last, canonical in ALIASES.get(name, ()):
        if first <= v <= last:
            return canonical
    return name


# Which resource-scoring function a logged scorer name stands for (see resources.recompute_resource_line).
SCORER_KINDS: Mapping[str, str] = MappingProxyType({
    "Least Requested Priority": "least", "LeastResourceAllocation": "least", "LeastRequestedPriority": "least",
    "NodeResourcesLeastAllocated": "least", "LeastAllocated": "least",
    "Most Requested Priority": "most", "MostResourceAllocation": "most", "MostRequestedPriority": "most",
    "NodeResourcesMostAllocated": "most", "MostAllocated": "most",
    "Balanced Resource Allocation": "balanced", "BalancedResourceAllocation": "balanced",
    "NodeResourcesBalancedAllocation": "balanced",
    "RequestedToCapacityRatioResourceAllocationPriority": "rtcr", "RequestedToCapacityRatio": "rtcr",
    "RequestedToCapacityRatioPriority": "rtcr",
})


def scorer_kind(logged_name: str) -> str | None:
    """'least' | 'most' | 'balanced' | 'rtcr' for a logged scorer name, None when it is not one."""
    return SCORER_KINDS.get(logged_name.strip().strip('"'))
