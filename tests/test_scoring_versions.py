"""The version table: parsing, era boundaries, default weights and name aliases."""

from __future__ import annotations

import pytest

from analyzer.scoring import versions as V
from analyzer.scoring.versions import (
    canonical_plugin_name,
    default_weights,
    parse_version,
    profile_for,
    scorer_kind,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("v1.14.1", (1, 14)),
        ("1.21.0-beta.1+prerelease", (1, 21)),
        ("1.30", (1, 30)),
        ("v1.3.0-alpha.5.123+abc", (1, 3)),
        ("Kubernetes v1.25.2", (1, 25)),
        ((1, 22), (1, 22)),
        ("", None),
        ("latest", None),
        ("v2.0.1", None),
        (None, None),
    ],
)
def test_parse_version(text, expected):
    assert parse_version(text) == expected


def test_parse_version_full_keeps_patch():
    assert V.parse_version_full("v1.21.4") == (1, 21, 4)
    assert V.parse_version_full("1.30") == (1, 30, None)


def test_eras_cover_every_minor_once():
    covered = []
    for row in V.ERAS:
        assert row.first <= row.last
        covered.extend((1, m) for m in range(row.first[1], row.last[1] + 1))
    assert covered == [(1, m) for m in range(V.FIRST_KNOWN[1], V.LAST_KNOWN[1] + 1)]


def test_profile_rejects_garbage():
    with pytest.raises(ValueError):
        profile_for("not-a-version")


@pytest.mark.parametrize(
    ("version", "max_score", "lines", "weighted", "ext"),
    [
        ("1.3", 10, True, False, 1),
        ("1.14.1", 10, True, False, 1),
        ("1.16.12", 10, True, False, 1),
        ("1.17.2", 100, False, False, 10),
        ("1.18", 100, False, False, 10),
        ("v1.19.1", 100, True, True, 10),
        ("1.30.6", 100, True, True, 10),
        ("1.34", 100, True, True, 10),
    ],
)
def test_score_range_and_lines(version, max_score, lines, weighted, ext):
    p = profile_for(version)
    assert (p.max_score, p.plugin_lines, p.plugin_lines_weighted, p.extender_scale) == (
        max_score, lines, weighted, ext)


@pytest.mark.parametrize(
    ("version", "rule"),
    [
        ("1.3", V.BALANCED_DIFF_10MINUS),
        ("1.9", V.BALANCED_DIFF_10MINUS),
        ("1.10.0", V.BALANCED_DIFF_LEGACY),
        ("1.19.1", V.BALANCED_DIFF_LEGACY),
        ("1.19.13", V.BALANCED_DIFF_CAPPED),
        ("1.19.16", V.BALANCED_DIFF_LEGACY),
        ("1.20.10", V.BALANCED_DIFF_CAPPED),
        ("1.21.0-beta.1+prerelease", V.BALANCED_DIFF_LEGACY),
        ("1.21", V.BALANCED_DIFF_LEGACY),
        ("1.21.3", V.BALANCED_DIFF_CAPPED),
        ("1.21.5", V.BALANCED_DIFF_CAPPED),
        ("1.21.6", V.BALANCED_DIFF_LEGACY),
        ("1.22.0", V.BALANCED_STDDEV),
        ("1.22.7", V.BALANCED_STDDEV),
        ("1.30.6", V.BALANCED_STDDEV),
    ],
)
def test_balanced_rule_boundaries(version, rule):
    assert profile_for(version).balanced_rule == rule


@pytest.mark.parametrize(
    ("version", "rule"),
    [("1.14", V.MOST_ZERO_OVER), ("1.21.0", V.MOST_ZERO_OVER), ("1.21.3", V.MOST_CAP), ("1.21.9", V.MOST_CAP),
     ("1.20.8", V.MOST_ZERO_OVER), ("1.20.9", V.MOST_CAP), ("1.22", V.MOST_CAP), ("1.23.9", V.MOST_CAP)],
)
def test_most_allocated_rule_boundaries(version, rule):
    assert profile_for(version).most_rule == rule


@pytest.mark.parametrize(
    ("version", "quirk"),
    [("1.10.0", True), ("1.10.8", True), ("1.10.9", False), ("1.11", True), ("1.11.4", False),
     ("1.12.0", False), ("1.9", False)],
)
def test_total_request_quirk(version, quirk):
    assert profile_for(version).total_request_includes_capacity is quirk


@pytest.mark.parametrize(
    ("version", "hidden"),
    [
        ("1.3", {"TaintTolerationPriority"}),
        ("1.11", {"NodePreferAvoidPodsPriority"}),
        ("1.14.1", {"NodePreferAvoidPodsPriority", "ImageLocalityPriority"}),
        ("1.16", {"NodePreferAvoidPodsPriority", "ImageLocalityPriority"}),
        ("1.17", {"NodePreferAvoidPods"}),
        ("1.19", set()),
        ("1.30", set()),
    ],
)
def test_hidden_components(version, hidden):
    assert profile_for(version).hidden_names == hidden


def test_hidden_typical_contributions():
    (npap,) = [h for h in profile_for("1.14").hidden if h.name == "NodePreferAvoidPodsPriority"]
    assert npap.typical == 100_000
    (npap17,) = profile_for("1.18").hidden
    assert npap17.typical == 1_000_000


def test_patch_unknown_is_noted():
    assert any("patch level unknown" in n for n in profile_for("1.21").notes)
    assert not any("patch level unknown" in n for n in profile_for("1.21.0").notes)


V1_WEIGHTS = {
    "TaintToleration": 3, "NodeAffinity": 2, "InterPodAffinity": 2, "PodTopologySpread": 2,
    "NodeResourcesFit": 1, "NodeResourcesBalancedAllocation": 1, "ImageLocality": 1, "VolumeBinding": 1,
}


@pytest.mark.parametrize(
    ("version", "api", "expected"),
    [
        ("1.30.6", None, V1_WEIGHTS),
        ("1.30.6", "v1", V1_WEIGHTS),
        ("1.23.9", "kubescheduler.config.k8s.io/v1beta3", V1_WEIGHTS),
        ("1.23.9", None, V1_WEIGHTS),
        ("1.23.9", "v1beta2", {
            "NodeResourcesBalancedAllocation": 1, "ImageLocality": 1, "InterPodAffinity": 1,
            "NodeResourcesFit": 1, "NodeAffinity": 1, "PodTopologySpread": 2, "TaintToleration": 1}),
        ("1.19.1", None, {
            "NodeResourcesBalancedAllocation": 1, "ImageLocality": 1, "InterPodAffinity": 1,
            "NodeResourcesLeastAllocated": 1, "NodeAffinity": 1, "NodePreferAvoidPods": 10000,
            "PodTopologySpread": 2, "TaintToleration": 1, "SelectorSpread": 1}),
        ("1.21.0", "v1beta1", {
            "NodeResourcesBalancedAllocation": 1, "ImageLocality": 1, "InterPodAffinity": 1,
            "NodeResourcesLeastAllocated": 1, "NodeAffinity": 1, "NodePreferAvoidPods": 10000,
            "PodTopologySpread": 2, "TaintToleration": 1}),
        ("1.14.1", None, {
            "SelectorSpreadPriority": 1, "InterPodAffinityPriority": 1, "LeastRequestedPriority": 1,
            "BalancedResourceAllocation": 1, "NodePreferAvoidPodsPriority": 10000, "NodeAffinityPriority": 1,
            "TaintTolerationPriority": 1, "ImageLocalityPriority": 1}),
        ("1.17", None, {
            "DefaultPodTopologySpread": 1, "InterPodAffinity": 1, "NodeResourcesLeastAllocated": 1,
            "NodeResourcesBalancedAllocation": 1, "NodePreferAvoidPods": 10000, "NodeAffinity": 1,
            "TaintToleration": 1, "ImageLocality": 1}),
    ],
)
def test_default_weights(version, api, expected):
    assert default_weights(version, api) == expected


def test_default_weights_legacy_sets():
    assert "ImageLocalityPriority" not in default_weights("1.11")
    assert "ImageLocalityPriority" in default_weights("1.12")
    assert default_weights("1.22", "v1beta2")["NodePreferAvoidPods"] == 10000
    assert "NodePreferAvoidPods" not in default_weights("1.23", "v1beta2")
    assert default_weights(None, "v1beta1") == default_weights("1.21", "v1beta1")


@pytest.mark.parametrize(("version", "api"), [("1.19", "v1"), ("1.30", "v1beta1"), ("1.18", "v1beta3")])
def test_default_weights_reject_impossible_pairs(version, api):
    with pytest.raises(ValueError):
        default_weights(version, api)


@pytest.mark.parametrize(
    ("logged", "version", "expected"),
    [
        ("LeastResourceAllocation", "v1.14.1", "LeastRequestedPriority"),
        ("MostResourceAllocation", "1.12", "MostRequestedPriority"),
        ("BalancedResourceAllocation", "1.14", "BalancedResourceAllocation"),
        ("Least Requested Priority", "1.3", "LeastRequestedPriority"),
        ("LeastResourceAllocation", "1.17", "NodeResourcesLeastAllocated"),
        ("BalancedResourceAllocation", "1.17", "NodeResourcesBalancedAllocation"),
        ("NodeResourcesLeastAllocated", "1.19.1", "NodeResourcesLeastAllocated"),
        ("LeastAllocated", "1.23.9", "NodeResourcesFit"),
        ("MostAllocated", "1.30", "NodeResourcesFit"),
        ("RequestedToCapacityRatio", "1.28", "NodeResourcesFit"),
        ("RequestedToCapacityRatio", "1.20", "RequestedToCapacityRatio"),
        ("NodeResourcesBalancedAllocation", "1.30.6", "NodeResourcesBalancedAllocation"),
        ('"LeastAllocated"', "1.23", "NodeResourcesFit"),
        ("SelectorSpreadPriority", "1.14", "SelectorSpreadPriority"),
        ("SelectorSpreadPriority", "1.17", "DefaultPodTopologySpread"),
        ("NodePreferAvoidPodsPriority", "1.17", "NodePreferAvoidPods"),
        ("SomeOutOfTreePlugin", "1.30", "SomeOutOfTreePlugin"),
        ("LeastResourceAllocation", None, "LeastResourceAllocation"),
    ],
)
def test_canonical_plugin_name(logged, version, expected):
    assert canonical_plugin_name(logged, version) == expected


@pytest.mark.parametrize(
    ("logged", "kind"),
    [("LeastResourceAllocation", "least"), ("LeastAllocated", "least"), ("Least Requested Priority", "least"),
     ("MostAllocated", "most"), ("BalancedResourceAllocation", "balanced"),
     ("NodeResourcesBalancedAllocation", "balanced"), ("RequestedToCapacityRatio", "rtcr"),
     ("TaintToleration", None)],
)
def test_scorer_kind(logged, kind):
    assert scorer_kind(logged) == kind
