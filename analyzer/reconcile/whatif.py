"""Re-rank every attempt under other weights: which pods would land on a different node."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..model import AnalysisResult, Attempt, Score
from ..scoring.versions import canonical_plugin_name


class WhatIfError(ValueError):
    """A --weight that is malformed or names no plugin of the log."""


@dataclass(frozen=True)
class Rerank:
    """One attempt's ranking before and after the weight change."""

    pod: str
    attempt: int
    winner: str | None
    totals: tuple[tuple[str, int], ...]  # as logged (or recomputed)
    new_totals: tuple[tuple[str, int], ...]
    new_leaders: tuple[str, ...]
    missing: tuple[str, ...] = ()  # nodes skipped: an overridden score has no unweighted value

    @property
    def changed(self) -> bool:
        return bool(self.new_leaders) and self.winner is not None and self.winner not in self.new_leaders

    def to_dict(self) -> dict[str, Any]:
        return {"pod": self.pod, "attempt": self.attempt, "winner": self.winner, "changed": self.changed,
                "new_winners": list(self.new_leaders), "totals": dict(self.totals),
                "new_totals": dict(self.new_totals), "skipped_nodes": list(self.missing)}


def parse_overrides(items: list[str]) -> dict[str, int]:
    """'Plugin=N' strings -> {plugin: N}; WhatIfError on anything else."""
    out: dict[str, int] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or not value.strip().isdigit():
            raise WhatIfError(f"--weight {item!r}: expected PLUGIN=N with N a non-negative integer")
        out[name.strip()] = int(value)
    return out


def _names(score: Score, version: str | None) -> set[str]:
    names = {n for n in (score.plugin, score.logged_as) if n}
    return names | {canonical_plugin_name(n, version) for n in names} | {n.removesuffix("Priority") for n in names}


def _override(score: Score, overrides: Mapping[str, int], version: str | None) -> int | None:
    for name in _names(score, version):
        if name in overrides:
            return overrides[name]
    return None


def check_known(result: AnalysisResult, overrides: Mapping[str, int]) -> None:
    """WhatIfError when an overridden plugin appears in no score of the log."""
    version = result.format.k8s_version
    seen: set[str] = set()
    for a in result.attempts:
        for n in a.nodes:
            for s in n.scores:
                seen |= _names(s, version)
    unknown = sorted(set(overrides) - seen)
    if unknown:
        shown = sorted(n for n in seen if not n.startswith("extender:"))[:12]
        raise WhatIfError(f"no score in the log for {', '.join(unknown)} (plugins seen: {', '.join(shown)})")


def rerank(attempt: Attempt, overrides: Mapping[str, int], version: str | None) -> Rerank | None:
    """The attempt re-scored with the overridden weights; None when fewer than two nodes have totals."""
    totals: list[tuple[str, int]] = []
    new: list[tuple[str, int]] = []
    missing: list[str] = []
    for n in attempt.nodes:
        base = n.total_logged if n.total_logged is not None else n.total_recomputed
        if base is None or not n.scores:
            continue
        delta = 0
        for s in n.scores:
            w = _override(s, overrides, version)
            if w is None:
                continue
            if s.normalized is None or s.weighted is None:
                missing.append(n.node)
                break
            delta += s.normalized * w - s.weighted
        else:
            totals.append((n.node, base))
            new.append((n.node, base + delta))
    if len(new) < 2:
        return None
    top = max(t for _, t in new)
    leaders = tuple(node for node, t in new if t == top)
    return Rerank(attempt.pod, attempt.attempt, attempt.winner, tuple(totals), tuple(new), leaders,
                  tuple(missing))


def whatif(result: AnalysisResult, overrides: Mapping[str, int]) -> list[Rerank]:
    """Every scored attempt re-ranked under ``overrides`` (a reconciled result: normalized filled in)."""
    check_known(result, overrides)
    version = result.format.k8s_version
    return [r for a in result.attempts if (r := rerank(a, overrides, version)) is not None]
