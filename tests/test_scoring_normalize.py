"""Normalizations and totals on small cases worked out by hand from the formulas (ref §10.6-§10.10)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from analyzer.scoring.normalize import (
    default_normalize,
    extender_contribution,
    interpod_affinity_normalize,
    interpod_true_min_max,
    pod_topology_spread_normalize,
    selector_spread_normalize,
    weighted_total,
)
from analyzer.scoring.resources import go_div


def test_go_div_truncates_toward_zero():
    assert go_div(7, 2) == 3
    assert go_div(-7, 2) == -3  # Python's // would give -4
    assert go_div(7, -2) == -3
    assert go_div(-7, -2) == 3


def test_default_normalize_all_zero():
    assert default_normalize({"a": 0, "b": 0}, 100) == {"a": 0, "b": 0}
    assert default_normalize({"a": 0, "b": 0}, 100, reverse=True) == {"a": 100, "b": 100}
    assert default_normalize({}, 10, reverse=True) == {}


def test_default_normalize_node_affinity():
    # max 80: 80 -> 100, 30 -> 100*30/80 = 37 (37.5 truncated), 0 -> 0
    assert default_normalize({"a": 80, "b": 0, "c": 30}, 100) == {"a": 100, "b": 0, "c": 37}
    # legacy 0-10: 3 -> 10, 2 -> 20/3 = 6
    assert default_normalize({"a": 3, "b": 2}, 10) == {"a": 10, "b": 6}


def test_default_normalize_taint_toleration_reverse():
    # counts of intolerable PreferNoSchedule taints: 3 -> 0, 1 -> 100 - 33 = 67, 0 -> 100
    assert default_normalize({"a": 3, "b": 1, "c": 0}, 100, reverse=True) == {"a": 0, "b": 67, "c": 100}
    assert default_normalize({"a": 1, "b": 0}, 10, reverse=True) == {"a": 0, "b": 10}


@given(st.dictionaries(st.text(min_size=1, max_size=3), st.integers(0, 10_000), max_size=8), st.booleans())
def test_default_normalize_stays_in_range(scores, reverse):
    out = default_normalize(scores, 100, reverse)
    assert set(out) == set(scores)
    if any(scores.values()):
        assert all(0 <= v <= 100 for v in out.values())


def test_selector_spread_without_zones():
    # max count 2: 2 -> 0, 1 -> 10 * 1/2 = 5, 0 -> 10
    assert selector_spread_normalize({"a": 2, "b": 1, "c": 0}, 10) == {"a": 0, "b": 5, "c": 10}
    assert selector_spread_normalize({"a": 0, "b": 0}, 100) == {"a": 100, "b": 100}


def test_selector_spread_with_zones():
    # zone z1 holds 3 matching pods, z2 none (max by zone 3).
    # a: node 0, zone 0 -> 0; b: node 5, zone 0 -> 5/3 = 1.67 -> 1; c: node 10, zone 10 -> 10
    zones = {"a": "z1", "b": "z1", "c": "z2"}
    assert selector_spread_normalize({"a": 2, "b": 1, "c": 0}, 10, zones) == {"a": 0, "b": 1, "c": 10}
    # a node without a zone label only gets the node part
    zones = {"a": "z1", "b": "", "c": "z2"}
    assert selector_spread_normalize({"a": 2, "b": 1, "c": 0}, 100, zones) == {"a": 0, "b": 50, "c": 100}


def test_interpod_affinity_min_max():
    # legacy / 1.19-1.20: min and max start at 0. counts 2, 4 -> 10*2/4 = 5, 10
    assert interpod_affinity_normalize({"a": 2, "b": 4}, 10, true_min_max=False) == {"a": 5, "b": 10}
    # 1.21+: true min 2 -> 0, max 4 -> 100
    assert interpod_affinity_normalize({"a": 2, "b": 4}, 100, true_min_max=True) == {"a": 0, "b": 100}
    # negative (anti-affinity) counts: range -2..4: -2 -> 0, 0 -> 10*2/6 = 3.33 -> 3, 4 -> 10
    assert interpod_affinity_normalize({"a": -2, "b": 0, "c": 4}, 10, true_min_max=False) == {
        "a": 0, "b": 3, "c": 10}
    assert interpod_affinity_normalize({"a": 5, "b": 5}, 100, true_min_max=True) == {"a": 0, "b": 0}
    assert interpod_true_min_max("1.21.0") and not interpod_true_min_max("1.20") and not interpod_true_min_max("1.14")


def test_pod_topology_spread_normalize():
    # max 20, min 10: a -> 100*(30-10)/20 = 100, b -> 100*(30-20)/20 = 50; c ignored -> 0
    assert pod_topology_spread_normalize({"a": 10, "b": 20, "c": 0}, 100, ignored={"c"}) == {
        "a": 100, "b": 50, "c": 0}
    assert pod_topology_spread_normalize({"a": 0, "b": 0}, 100) == {"a": 100, "b": 100}
    # 100*(25+5-5)/25 = 100, 100*(25+5-25)/25 = 20, 100*(30-13)/25 = 68
    assert pod_topology_spread_normalize({"a": 5, "b": 25, "c": 13}, 100) == {"a": 100, "b": 20, "c": 68}


def test_weighted_total():
    # the seed article: visible 29 + NodePreferAvoidPods 10 x 10000 = 100029
    assert weighted_total({"Visible": 29, "NodePreferAvoidPodsPriority": 10},
                          {"Visible": 1, "NodePreferAvoidPodsPriority": 10000}) == 100029
    weights = {"TaintToleration": 3, "NodeAffinity": 2}
    assert weighted_total({"TaintToleration": 100, "NodeAffinity": 50}, weights) == 400
    with pytest.raises(ValueError, match="no weight for Other"):
        weighted_total({"Other": 1}, {})


def test_extender_contribution():
    # public/08: an extender score of 2 with weight 1 adds 20 from 1.17 on (x MaxNodeScore/10)
    assert extender_contribution(2, 1, "1.17") == 20
    assert extender_contribution(5, 1, "1.19") == 50
    assert extender_contribution(7, 10, "1.11") == 70  # legacy: raw score x weight
