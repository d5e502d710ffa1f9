"""Which score weights to apply: the user's --config > weights the log printed > the version's defaults."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ..model import AnalysisResult, Provenance, Score, frozen_map
from ..reconstruct.resource_order import unwrap_component_yaml
from ..scoring.config import DEFAULT_PROFILE, load_config, parse_config
from ..scoring.versions import canonical_plugin_name, default_weights

USER_CONFIG, LOGGED, COMPONENT_CONFIG, DEFAULTS, NONE = "user-config", "logged", "component-config", "defaults", "none"

# Provenance of a weight by where it came from. A --config file is a fact the user supplies, not a guess,
# so its weights count as derived; only version defaults are inferred.
ORIGIN_PROVENANCE: Mapping[str, Provenance] = {
    USER_CONFIG: Provenance.DERIVED, LOGGED: Provenance.OBSERVED, COMPONENT_CONFIG: Provenance.OBSERVED,
    DEFAULTS: Provenance.INFERRED, NONE: Provenance.INFERRED,
}
EXTENDER_PREFIX = "extender:"
EXTENDER_DEFAULT_WEIGHT = 1


@dataclass(frozen=True)
class WeightSource:
    """Weights per profile and where they came from (``origin``)."""

    by_profile: Mapping[str, Mapping[str, int]] = field(default_factory=frozen_map)
    origin: str = NONE
    version: str | None = None

    @property
    def provenance(self) -> Provenance:
        return ORIGIN_PROVENANCE[self.origin]

    def weights_for(self, profile: str | None) -> Mapping[str, int]:
        """The weights of a profile; the default profile (or the only one) when it is not named."""
        if profile and profile in self.by_profile:
            return self.by_profile[profile]
        if DEFAULT_PROFILE in self.by_profile:
            return self.by_profile[DEFAULT_PROFILE]
        return next(iter(self.by_profile.values()), {})

    def weight_of(self, score: Score, profile: str | None) -> int | None:
        """A score's weight, matching the logged name, then the name that plugin has in this version."""
        weights = self.weights_for(profile)
        if score.plugin in weights:  # the common case, without building the other names
            return weights[score.plugin]
        names = [score.plugin, score.logged_as]
        names += [canonical_plugin_name(n, self.version) for n in list(names) if n]
        for name in names:
            if name and name in weights:
                return weights[name]
        return None




def weights_from_component_yaml(text: str, version: str | None) -> dict[str, dict[str, int]]:
    """Weights per profile from the 'Using component config' dump (1.21+); {} when it cannot be read.

    The dump comes wrapped in banner lines (1.23) or tab-indented inside a klog ``config=<`` block (1.30).
    """
    try:
        return parse_config(unwrap_component_yaml(text), version, source="component config")
    except ValueError:
        return {}


def resolve_weights(result: AnalysisResult, version: str | None, config_path: str | None = None,
                    version_trusted: bool = True) -> WeightSource:
    """Weights in order of authority. Raises scoring.config.ConfigError for an unreadable --config.

    An era-guessed version (``version_trusted`` False) is not used to reject the config's API version.
    """
    if config_path:
        checked = version if version_trusted else None
        return WeightSource(frozen_map(load_config(config_path, checked)), USER_CONFIG, version)
    if result.config.weights:
        return WeightSource(frozen_map({DEFAULT_PROFILE: dict(result.config.weights)}), LOGGED, version)
    component_yaml = getattr(result.config, "component_config", None)  # kept by the pipeline when it can
    if component_yaml:
        found = weights_from_component_yaml(component_yaml, version)
        if found:
            return WeightSource(frozen_map(found), COMPONENT_CONFIG, version)
    if version is None:
        return WeightSource(version=None)
    try:
        return WeightSource(frozen_map({DEFAULT_PROFILE: default_weights(version)}), DEFAULTS, version)
    except ValueError:
        return WeightSource(version=version)
