"""What the log says about the scheduler's configuration: version, priorities, plugin weights."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..model import Provenance, SchedulerConfig, frozen_map
from ..parse.events import Event


def _score_weights_from_plugins_dump(plugins: Any) -> dict[str, int]:
    """1.30+ 'the scheduler starts to work with those plugins' Plugins={"Score":{"Enabled":[...]}}."""
    if not isinstance(plugins, dict):
        return {}
    score = plugins.get("Score") or {}
    enabled = score.get("Enabled") if isinstance(score, dict) else None
    out: dict[str, int] = {}
    for item in enabled or []:
        if isinstance(item, dict) and "Name" in item:
            out[str(item["Name"])] = int(item.get("Weight") or 0)
    return out


def config_from_events(events: Iterable[Event]) -> tuple[SchedulerConfig, str | None, str | None]:
    """(SchedulerConfig, logged version or None, component-config YAML text or None)."""
    weights: dict[str, int] = {}
    priorities: tuple[str, ...] = ()
    provider = None
    version = None
    component_yaml = None
    for event in events:
        if event.kind == "version" and version is None:
            version = str(event.data.get("version"))
        elif event.kind == "provider":
            provider = event.data.get("algorithmProvider")
        elif event.kind == "priorities":
            priorities = tuple(event.data.get("priorities", ()))
        elif event.kind == "plugins_config" and not weights:
            weights = _score_weights_from_plugins_dump(event.data.get("Plugins"))
        elif event.kind == "component_config" and component_yaml is None:
            component_yaml = event.data.get("text") or None
    config = SchedulerConfig(weights=frozen_map(weights),
                             weights_provenance=Provenance.OBSERVED if weights else None,
                             priorities=priorities, algorithm_provider=provider)
    return config, version, component_yaml
