"""Score weights from a user's scheduler configuration: KubeSchedulerConfiguration or legacy Policy.

Result: ``{profile (schedulerName): {score plugin or priority: weight}}`` -- the weights the scheduler
would actually use, so a log's totals can be recomputed. The merge follows kube-scheduler's defaulting:

* Defaults come from ``versions.default_weights`` for the config's API and the scheduler version.
* Without MultiPoint (v1alpha1 ... v1beta2): the profile's ``score`` set is merged into the default score
  set: a disabled name (or ``"*"``) drops defaults, an enabled default is re-configured in place (its
  weight replaced), other enabled plugins are appended.
* With MultiPoint (v1beta3, v1): defaults live in ``multiPoint``; the user's multiPoint is merged into it
  the same way, then expanded: every multiPoint plugin that can score does so with its multiPoint weight,
  unless the ``score`` point disables it (or ``"*"``) or enables it itself (its own weight wins).
* A score weight of 0 or none means 1 (the framework's default).
* Legacy Policy (``kind: Policy``, JSON or YAML): ``priorities: [{name, weight}]`` replaces the default
  priority set; with a version >= 1.17 names are translated to the plugins that run them.

Bad input raises ``ConfigError`` (a ValueError) with a one-line message; the CLI maps it to exit code 2.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from analyzer.scoring import versions as V

DEFAULT_PROFILE = "default-scheduler"
MULTIPOINT_APIS = frozenset({"v1beta3", "v1"})
CONFIG_GROUP = "kubescheduler.config.k8s.io"

# Plugins that implement the Score extension point (in-tree, any era). A multiPoint plugin outside
# this set scores only when it is given an explicit weight (an out-of-tree plugin, most likely).
SCORE_PLUGINS = frozenset({
    "TaintToleration", "NodeAffinity", "NodeResourcesFit", "VolumeBinding", "PodTopologySpread",
    "InterPodAffinity", "NodeResourcesBalancedAllocation", "ImageLocality", "SelectorSpread",
    "DefaultPodTopologySpread", "NodePreferAvoidPods", "NodeResourcesLeastAllocated",
    "NodeResourcesMostAllocated", "RequestedToCapacityRatio", "NodeResourceLimits", "NodeLabel",
    "ServiceAffinity",
})
# Plugins known not to score (filters, binders, queue sort, ...).
NON_SCORE_PLUGINS = frozenset({
    "SchedulingGates", "PrioritySort", "NodeUnschedulable", "NodeName", "NodePorts", "VolumeRestrictions",
    "EBSLimits", "GCEPDLimits", "NodeVolumeLimits", "AzureDiskLimits", "CinderLimits", "VolumeZone",
    "DefaultPreemption", "DefaultBinder", "DynamicResources",
})


class ConfigError(ValueError):
    """The configuration file cannot be read or is not a valid scheduler configuration."""


Weights = dict[str, int]


def load_config(path: str | Path, version: str | tuple[int, ...] | None = None) -> dict[str, Weights]:
    """Read a config file (YAML or JSON) and return the score weights per profile."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read config {p}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"cannot read config {p}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    return parse_config(text, version, source=str(p))


def parse_config(
    text: str, version: str | tuple[int, ...] | None = None, *, source: str = "config"
) -> dict[str, Weights]:
    """Parse config text (YAML or JSON) and return the score weights per profile."""
    try:
        doc = json.loads(text) if text.lstrip().startswith("{") else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
        raise ConfigError(f"{source}: not valid YAML/JSON: {first}") from exc
    return config_weights(doc, version, source=source)


def config_weights(
    doc: Any, version: str | tuple[int, ...] | None = None, *, source: str = "config"
) -> dict[str, Weights]:
    """Score weights per profile from an already-decoded config document."""
    if not isinstance(doc, Mapping):
        raise ConfigError(f"{source}: expected a mapping at the top level, got {type(doc).__name__}")
    kind = doc.get("kind")
    if kind == "Policy" or (kind is None and ("priorities" in doc or "predicates" in doc)):
        return {DEFAULT_PROFILE: _policy_weights(doc, version, source)}
    if kind != "KubeSchedulerConfiguration":
        raise ConfigError(f"{source}: unsupported kind {kind!r} (want KubeSchedulerConfiguration or Policy)")
    api = _api_of(doc, source)
    if version is not None:
        _check_served(api, version, source)
    defaults = _defaults(version, api, source)
    profiles = _profiles(doc, api, source)
    result: dict[str, Weights] = {}
    for name, plugins in profiles:
        if name in result:
            raise ConfigError(f"{source}: duplicate profile {name!r}")
        result[name] = _profile_weights(plugins, defaults, api, source, name)
    return result


# --- KubeSchedulerConfiguration ----------------------------------------------------------------------
def _api_of(doc: Mapping, source: str) -> str:
    api_version = doc.get("apiVersion")
    if not isinstance(api_version, str) or "/" not in api_version:
        raise ConfigError(f"{source}: missing or malformed apiVersion {api_version!r}")
    group, _, short = api_version.partition("/")
    if group != CONFIG_GROUP:
        raise ConfigError(f"{source}: apiVersion {api_version!r} is not in group {CONFIG_GROUP}")
    try:
        return V.normalize_api(short)
    except ValueError as exc:
        raise ConfigError(f"{source}: {exc}") from exc


# Minor versions serving each config API (approximate at the edges; used only to reject impossible pairs).
API_SERVED: Mapping[str, tuple[V.Version, V.Version]] = {
    "v1alpha1": ((1, 10), (1, 18)), "v1alpha2": ((1, 18), (1, 18)), "v1beta1": ((1, 19), (1, 22)),
    "v1beta2": ((1, 22), (1, 27)), "v1beta3": ((1, 23), (1, 28)), "v1": ((1, 25), (1, 99)),
}


def _check_served(api: str, version: str | tuple[int, ...], source: str) -> None:
    v = V.parse_version(version)
    if v is None:
        raise ConfigError(f"{source}: cannot read scheduler version {version!r}")
    lo, hi = API_SERVED[api]
    if not lo <= v <= hi:
        raise ConfigError(f"{source}: {CONFIG_GROUP}/{api} is not served by kube-scheduler {v[0]}.{v[1]}")


def _defaults(version: str | tuple[int, ...] | None, api: str, source: str) -> Weights:
    try:
        return V.default_weights(version, api)
    except ValueError as exc:
        raise ConfigError(f"{source}: {exc}") from exc


def _profiles(doc: Mapping, api: str, source: str) -> list[tuple[str, Mapping]]:
    """(schedulerName, plugins mapping) per profile; v1alpha1 has a single implicit profile."""
    if api == "v1alpha1" and "profiles" not in doc:
        name = doc.get("schedulerName") or DEFAULT_PROFILE
        return [(_str(name, "schedulerName", source), _mapping(doc.get("plugins"), "plugins", source))]
    profiles = doc.get("profiles")
    if profiles is None:
        return [(DEFAULT_PROFILE, {})]
    if not isinstance(profiles, list) or not profiles:
        raise ConfigError(f"{source}: profiles must be a non-empty list")
    out = []
    for i, prof in enumerate(profiles):
        prof = _mapping(prof, f"profiles[{i}]", source)
        name = _str(prof.get("schedulerName") or DEFAULT_PROFILE, f"profiles[{i}].schedulerName", source)
        out.append((name, _mapping(prof.get("plugins"), f"profiles[{i}].plugins", source)))
    return out


def _profile_weights(plugins: Mapping, defaults: Weights, api: str, source: str, profile: str) -> Weights:
    where = f"{source}: profile {profile!r}"
    score = _plugin_set(plugins.get("score"), f"{where} plugins.score")
    if api not in MULTIPOINT_APIS:
        if plugins.get("multiPoint") is not None:
            raise ConfigError(f"{where}: multiPoint is not available in {api}")
        merged = _merge(list(defaults.items()), score)
        return {n: (w or 1) for n, w in merged}
    multi = _plugin_set(plugins.get("multiPoint"), f"{where} plugins.multiPoint")
    multi_merged = _merge(list(defaults.items()), multi)
    score_enabled = _merge([], score)
    disabled = {n for n, _ in score[1]}
    out: Weights = {}
    if "*" not in disabled:
        own = {n for n, _ in score_enabled}
        for n, w in multi_merged:
            if n in disabled or n in own:
                continue
            if n in SCORE_PLUGINS or (n not in NON_SCORE_PLUGINS and w):
                out[n] = w or 1
    for n, w in score_enabled:
        out[n] = w or 1
    return out


PluginList = list[tuple[str, int | None]]


def _plugin_set(value: Any, where: str) -> tuple[PluginList, PluginList]:
    """(enabled, disabled) lists of (name, weight) from a PluginSet mapping."""
    if value is None:
        return [], []
    value = _mapping(value, where, "")
    return _plugins(value.get("enabled"), f"{where}.enabled"), _plugins(value.get("disabled"), f"{where}.disabled")


def _plugins(value: Any, where: str) -> PluginList:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ConfigError(f"{where}: expected a list of plugins")
    out: PluginList = []
    for i, item in enumerate(value):
        if not isinstance(item, Mapping) or not isinstance(item.get("name"), str) or not item["name"]:
            raise ConfigError(f"{where}[{i}]: each plugin needs a name")
        weight = item.get("weight")
        if weight is not None and (isinstance(weight, bool) or not isinstance(weight, int) or weight < 0):
            raise ConfigError(f"{where}[{i}] ({item['name']}): weight must be a non-negative integer")
        out.append((item["name"], weight))
    return out


def _merge(defaults: PluginList | list[tuple[str, int]], custom: tuple[PluginList, PluginList]) -> PluginList:
    """kube-scheduler's mergePluginSet: disabled/'*' drop defaults, re-enabled defaults keep their place."""
    enabled, disabled = custom
    off = {n for n, _ in disabled}
    by_name = {n: (i, w) for i, (n, w) in enumerate(enabled)}
    used: set[int] = set()
    out: PluginList = []
    if "*" not in off:
        for n, w in defaults:
            if n in off:
                continue
            if n in by_name:
                i, w = by_name[n]
                used.add(i)
            out.append((n, w))
    out.extend((n, w) for i, (n, w) in enumerate(enabled) if i not in used)
    return out


# --- legacy Policy -----------------------------------------------------------------------------------
def _policy_weights(doc: Mapping, version: str | tuple[int, ...] | None, source: str) -> Weights:
    v = V.parse_version(version) if version is not None else None
    if version is not None and v is None:
        raise ConfigError(f"{source}: cannot read scheduler version {version!r}")
    if v is not None and v >= (1, 23):
        raise ConfigError(f"{source}: scheduler Policy files are not supported by kube-scheduler {v[0]}.{v[1]}")
    priorities = doc.get("priorities")
    if priorities is None:
        weights = V.default_weights(v if v is not None and v <= (1, 16) else (1, 16), V.API_LEGACY)
    else:
        if not isinstance(priorities, list):
            raise ConfigError(f"{source}: priorities must be a list")
        weights = {}
        for i, item in enumerate(priorities):
            if not isinstance(item, Mapping) or not isinstance(item.get("name"), str) or not item["name"]:
                raise ConfigError(f"{source}: priorities[{i}] needs a name")
            w = item.get("weight")
            if isinstance(w, bool) or not isinstance(w, int) or w <= 0:
                raise ConfigError(f"{source}: priority {item['name']} needs a positive integer weight")
            weights[item["name"]] = w
    if v is not None and v >= (1, 17):
        return {V.canonical_plugin_name(n, v): w for n, w in weights.items()}
    return weights


# --- small validators --------------------------------------------------------------------------------
def _mapping(value: Any, where: str, source: str) -> Mapping:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        prefix = f"{source}: " if source else ""
        raise ConfigError(f"{prefix}{where}: expected a mapping, got {type(value).__name__}")
    return value


def _str(value: Any, where: str, source: str) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"{source}: {where}: expected a string")
    return value
