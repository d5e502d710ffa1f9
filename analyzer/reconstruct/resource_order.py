"""Which resource each position of a 1.26+ resource list means, from the component config the log printed.

``allocatableResource=[8000 14554681344]`` (klog %+v) and ``[8000,14554681344]`` (klog >= 2.100 JSON) print
the amounts in the order of the plugin's configured resources: NodeResourcesFit's ``scoringStrategy.resources``
and NodeResourcesBalancedAllocation's ``resources`` (cpu, memory by default). The dump names that order.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

DEFAULT_ORDER = ("cpu", "memory")
# resource names a config can score: the native ones, hugepages, and extended resources (domain-qualified)
_NATIVE = frozenset({"cpu", "memory", "ephemeral-storage", "pods"})
_RESOURCE_NAME = re.compile(r"^(hugepages-[0-9A-Za-z]+|[a-z0-9]([-a-z0-9.]*[a-z0-9])?/[-A-Za-z0-9_.]+)$")
BANNER = re.compile(r"^\s*-+\s*Configuration File Contents (Start|End) Here\s*-+\s*$")


def unwrap_component_yaml(text: str) -> str:
    """The YAML of a 'Using component config' dump without its banners (1.23) or klog block tabs (1.30)."""
    lines = [ln for ln in text.splitlines() if not BANNER.match(ln) and ln.strip() != ">"]  # klog key=< ... >
    body = [ln for ln in lines if ln.strip()]
    if body and all(ln.startswith("\t") for ln in body):
        lines = [ln[1:] if ln.startswith("\t") else ln for ln in lines]
    return "\n".join(lines)


def _names(resources: Any) -> tuple[str, ...]:
    """The resource names in order; () when any is not a resource name or repeats (a damaged dump)."""
    if not isinstance(resources, list):
        return ()
    names = tuple(str(r.get("name")) for r in resources if isinstance(r, dict))
    valid = all(n in _NATIVE or _RESOURCE_NAME.match(n) for n in names) and len(set(names)) == len(names)
    return names if valid else ()


def resource_orders(text: str | None) -> dict[str, tuple[str, ...]]:
    """plugin -> its resource order, for the first profile's pluginConfig; {} when the dump cannot be read."""
    if not text:
        return {}
    try:
        doc = yaml.safe_load(unwrap_component_yaml(text))
    except yaml.YAMLError:
        return {}
    profiles = doc.get("profiles") if isinstance(doc, dict) else None
    if not isinstance(profiles, list) or not profiles or not isinstance(profiles[0], dict):
        return {}
    out: dict[str, tuple[str, ...]] = {}
    for item in profiles[0].get("pluginConfig") or []:
        if not isinstance(item, dict) or not isinstance(item.get("args"), dict):
            continue
        args = item["args"]
        strategy = args.get("scoringStrategy")
        names = _names(strategy.get("resources")) if isinstance(strategy, dict) else _names(args.get("resources"))
        if names:
            out[str(item.get("name"))] = names
    return out
