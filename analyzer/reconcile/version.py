"""Which Kubernetes version to score a log as: the user's, the one the log printed, or an era guess."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from ..model import AnalysisResult
from ..scoring.versions import parse_version

USER, LOGGED, SIGNATURE = "user", "logged", "signature"

# Era label (analyzer.parse.eras) -> the version whose scoring rules stand for that era. The pick is the
# version the era's logs most likely come from (lab and public material), not the range's first minor.
ERA_GUESS: Mapping[str, str] = MappingProxyType({
    "legacy-1.3": "1.3",
    "legacy": "1.11",
    "legacy-1.10-1.16": "1.14",
    "legacy-1.14-1.16": "1.14",
    "printf-map-1.16-1.22": "1.16",
    "framework-1.16-1.20": "1.18",  # map resource lines + Host totals, no per-plugin lines: 1.17-1.18
    "framework-1.17-1.18": "1.18",
    "framework-1.19-1.20": "1.19",
    "structured-1.19+": "1.21",
    "structured-1.21-1.24": "1.21",
    "structured-1.22-1.27": "1.23",
    "structured-1.25+": "1.30",
})


class VersionError(ValueError):
    """A --k8s-version that is not a Kubernetes 1.x version."""


def resolve_version(result: AnalysisResult, user: str | None = None) -> tuple[str | None, str | None]:
    """(version, source): user > logged > era signature; (None, None) when nothing tells."""
    if user is not None:
        if parse_version(user) is None:
            raise VersionError(f"--k8s-version {user!r} is not a Kubernetes 1.x version (e.g. 1.14 or v1.23.9)")
        return user, USER
    logged = result.format.k8s_version
    if logged and parse_version(logged) is not None:
        return logged, result.format.version_source or LOGGED  # keeps the source of an earlier pass
    guess = ERA_GUESS.get(result.format.era or "")
    return (guess, SIGNATURE) if guess else (None, None)
