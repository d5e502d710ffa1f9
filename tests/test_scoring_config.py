"""Score weights from scheduler configuration files: lab configs against the instantiated plugins, and
small hand-written KubeSchedulerConfiguration / Policy documents."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from analyzer.scoring.config import ConfigError, config_weights, load_config, parse_config
from analyzer.scoring.versions import default_weights

SHARED = Path(os.environ.get("SCHEDLOG_SHARED", Path(__file__).resolve().parents[2] / "shared"))
LAB = SHARED / "corpus" / "lab"
NO_SHARED = f"shared corpus not found at {SHARED} (set SCHEDLOG_SHARED or check out ../shared)"


def _lab_runs() -> list:
    if not SHARED.is_dir():
        return [pytest.param(None, marks=pytest.mark.skip(reason=NO_SHARED))]
    return [pytest.param(p, id=p.name) for p in sorted(LAB.glob("v1.*")) if (p / "effective-config.yaml").is_file()]


def _instantiated_score_weights(framework_plugins: dict) -> dict[str, dict[str, int]]:
    """frameworkPlugins (ListPlugins()) -> {profile: {score plugin: weight}}; two layouts across versions."""
    out = {}
    for profile, points in framework_plugins.items():
        score = points.get("ScorePlugin")
        if score is None:
            score = (points.get("Score") or {}).get("Enabled") or []
        out[profile] = {p["Name"]: p["Weight"] for p in score}
    return out


@pytest.mark.parametrize("run", _lab_runs())
def test_lab_effective_config_matches_instantiated_plugins(run: Path):
    version = run.name.split("-")[0]
    doc = yaml.safe_load((run / "effective-config.yaml").read_text(encoding="utf-8"))
    want = _instantiated_score_weights(doc["frameworkPlugins"])
    assert config_weights(doc["effectiveConfig"], version) == want
    # the file given to the scheduler (apiVersion and kind only) defaults to the same weights
    assert load_config(run / "scheduler-config.yaml", version) == want


V1_DEFAULT = default_weights("1.30", "v1")


def test_v1_minimal_defaults():
    text = "apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\n"
    assert parse_config(text, "1.30.6") == {"default-scheduler": V1_DEFAULT}
    assert parse_config(text) == {"default-scheduler": V1_DEFAULT}


def test_multipoint_weight_override_keeps_other_defaults():
    text = """
apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
profiles:
- schedulerName: default-scheduler
  plugins:
    multiPoint:
      enabled:
      - name: TaintToleration
        weight: 5
"""
    assert parse_config(text, "1.30") == {"default-scheduler": {**V1_DEFAULT, "TaintToleration": 5}}


def test_score_point_overrides_multipoint_and_zero_weight_means_one():
    text = """
apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
profiles:
- plugins:
    score:
      enabled:
      - name: TaintToleration
        weight: 7
      - name: ImageLocality
        weight: 0
"""
    assert parse_config(text, "1.29") == {
        "default-scheduler": {**V1_DEFAULT, "TaintToleration": 7, "ImageLocality": 1}}


def test_score_disabled_star_leaves_only_explicit_score_plugins():
    text = """
apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
profiles:
- schedulerName: packer
  plugins:
    score:
      disabled:
      - name: "*"
      enabled:
      - name: NodeResourcesFit
        weight: 2
"""
    assert parse_config(text, "1.30") == {"packer": {"NodeResourcesFit": 2}}


def test_v1beta3_score_disabled_one_plugin():
    text = """
apiVersion: kubescheduler.config.k8s.io/v1beta3
kind: KubeSchedulerConfiguration
profiles:
- plugins:
    score:
      disabled:
      - name: ImageLocality
"""
    want = {k: v for k, v in default_weights("1.23", "v1beta3").items() if k != "ImageLocality"}
    assert parse_config(text, "1.23.9") == {"default-scheduler": want}


def test_multipoint_disabled_star_and_out_of_tree_plugins():
    text = """
apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
profiles:
- schedulerName: custom
  plugins:
    multiPoint:
      disabled:
      - name: "*"
      enabled:
      - name: PrioritySort
      - name: NodeAffinity
        weight: 4
      - name: MyScorer
        weight: 6
      - name: MyFilter
"""
    assert parse_config(text, "1.30") == {"custom": {"NodeAffinity": 4, "MyScorer": 6}}


def test_v1beta2_two_profiles():
    text = """
apiVersion: kubescheduler.config.k8s.io/v1beta2
kind: KubeSchedulerConfiguration
profiles:
- schedulerName: default-scheduler
- schedulerName: bin-packing
  plugins:
    score:
      disabled:
      - name: NodeResourcesBalancedAllocation
      enabled:
      - name: NodeResourcesFit
        weight: 3
"""
    base = default_weights("1.24", "v1beta2")
    packing = {k: v for k, v in base.items() if k != "NodeResourcesBalancedAllocation"} | {"NodeResourcesFit": 3}
    assert parse_config(text, "1.24") == {"default-scheduler": base, "bin-packing": packing}
    # in 1.22, v1beta2 still carried NodePreferAvoidPods
    assert parse_config(text, "1.22")["default-scheduler"]["NodePreferAvoidPods"] == 10000


def test_v1beta1_swap_least_for_most_allocated_in_1_19():
    text = """
apiVersion: kubescheduler.config.k8s.io/v1beta1
kind: KubeSchedulerConfiguration
profiles:
- plugins:
    score:
      disabled:
      - name: NodeResourcesLeastAllocated
      enabled:
      - name: NodeResourcesMostAllocated
        weight: 1
"""
    got = parse_config(text, "1.19.1")["default-scheduler"]
    assert "NodeResourcesLeastAllocated" not in got
    assert got["NodeResourcesMostAllocated"] == 1
    assert got["SelectorSpread"] == 1  # 1.19 still defaults SelectorSpread


def test_v1alpha1_single_profile():
    text = """
apiVersion: kubescheduler.config.k8s.io/v1alpha1
kind: KubeSchedulerConfiguration
schedulerName: my-scheduler
plugins:
  score:
    enabled:
    - name: NodeAffinity
      weight: 5
"""
    assert parse_config(text, "1.17") == {"my-scheduler": {**default_weights("1.17"), "NodeAffinity": 5}}


def test_legacy_policy_json_and_yaml():
    text = ('{"kind": "Policy", "apiVersion": "v1", "predicates": [{"name": "PodFitsResources"}],'
            ' "priorities": [{"name": "LeastRequestedPriority", "weight": 1},'
            ' {"name": "BalancedResourceAllocation", "weight": 2}, {"name": "SelectorSpreadPriority", "weight": 3}]}')
    assert parse_config(text, "1.14") == {"default-scheduler": {
        "LeastRequestedPriority": 1, "BalancedResourceAllocation": 2, "SelectorSpreadPriority": 3}}
    # used with a framework-era scheduler, the priorities run as plugins
    assert parse_config(text, "1.19") == {"default-scheduler": {
        "NodeResourcesLeastAllocated": 1, "NodeResourcesBalancedAllocation": 2, "SelectorSpread": 3}}
    assert parse_config("kind: Policy\napiVersion: v1\n", "1.12") == {"default-scheduler": default_weights("1.12")}


@pytest.mark.parametrize(
    ("text", "version", "fragment"),
    [
        ("{not json", None, "not valid YAML/JSON"),
        ("a: [1, 2\n", None, "not valid YAML/JSON"),
        ("- 1\n- 2\n", None, "expected a mapping"),
        ("kind: Deployment\napiVersion: apps/v1\n", None, "unsupported kind"),
        ("kind: KubeSchedulerConfiguration\napiVersion: example.com/v1\n", None, "not in group"),
        ("kind: KubeSchedulerConfiguration\napiVersion: kubescheduler.config.k8s.io/v9\n", None, "unknown"),
        ("kind: KubeSchedulerConfiguration\n", None, "apiVersion"),
        ("kind: KubeSchedulerConfiguration\napiVersion: kubescheduler.config.k8s.io/v1\nprofiles: {}\n",
         None, "profiles"),
        ("kind: KubeSchedulerConfiguration\napiVersion: kubescheduler.config.k8s.io/v1\n"
         "profiles:\n- plugins:\n    score:\n      enabled:\n      - weight: 2\n", None, "needs a name"),
        ("kind: KubeSchedulerConfiguration\napiVersion: kubescheduler.config.k8s.io/v1\n"
         "profiles:\n- plugins:\n    score:\n      enabled:\n      - name: X\n        weight: -1\n", None, "weight"),
        ("kind: KubeSchedulerConfiguration\napiVersion: kubescheduler.config.k8s.io/v1\n"
         "profiles:\n- plugins:\n    score:\n      enabled:\n      - name: X\n        weight: high\n", None, "weight"),
        ("kind: KubeSchedulerConfiguration\napiVersion: kubescheduler.config.k8s.io/v1\n"
         "profiles:\n- schedulerName: a\n- schedulerName: a\n", None, "duplicate profile"),
        ("kind: KubeSchedulerConfiguration\napiVersion: kubescheduler.config.k8s.io/v1beta2\n"
         "profiles:\n- plugins:\n    multiPoint:\n      enabled:\n      - name: X\n", None, "multiPoint"),
        ("kind: KubeSchedulerConfiguration\napiVersion: kubescheduler.config.k8s.io/v1\n", "1.19", "not served"),
        ("kind: KubeSchedulerConfiguration\napiVersion: kubescheduler.config.k8s.io/v1\n", "banana", "version"),
        ('{"kind": "Policy", "priorities": [{"name": "LeastRequestedPriority", "weight": 0}]}', None,
         "positive integer weight"),
        ('{"kind": "Policy", "priorities": [{"name": "LeastRequestedPriority", "weight": 1}]}', "1.25",
         "not supported"),
    ],
)
def test_bad_configs_raise_one_line_config_error(text, version, fragment):
    with pytest.raises(ConfigError) as info:
        parse_config(text, version)
    message = str(info.value)
    assert fragment in message
    assert "\n" not in message
    assert isinstance(info.value, ValueError)


def test_missing_file_is_config_error(tmp_path: Path):
    with pytest.raises(ConfigError, match="cannot read config"):
        load_config(tmp_path / "nope.yaml")


def test_load_config_reads_json_file(tmp_path: Path):
    p = tmp_path / "sched.json"
    p.write_text('{"apiVersion": "kubescheduler.config.k8s.io/v1beta3", "kind": "KubeSchedulerConfiguration",'
                 ' "profiles": [{"schedulerName": "x"}]}', encoding="utf-8")
    assert load_config(p, "1.25") == {"x": default_weights("1.25", "v1beta3")}
