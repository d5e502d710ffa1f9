"""Weight changes between two logs of the same workload, implied by the weighted scores.

weighted = normalized * weight, so when the same pod is scored on the same node in both logs and a
plugin's weighted score is k times what it was on every such node, the plugin's weight is k times what
it was (TaintToleration 100 -> 300: weight 1 -> 3). Weights a log prints (its plugin config) pin the
ratio to absolute values; otherwise the smallest weights consistent with the ratio and the score cap
(MaxNodeScore 100, legacy MaxPriority 10) are reported, marked as implied.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

MAX_SCORE = {"legacy": 10}  # era prefix -> highest normalized score; anything else is the framework's 100
DEFAULT_MAX_SCORE = 100


@dataclass(frozen=True)
class WeightChange:
    """One plugin whose weight changed (ratio != 1) between the two logs."""

    plugin: str
    ratio: Fraction  # weight in B / weight in A
    before: int | None  # weight in A: logged, or the smallest consistent one
    after: int | None
    basis: str  # logged (both logs print it), one-logged (one does, the ratio gives the other), implied
    examples: tuple[tuple[int, int], ...]  # distinct (weighted in A, weighted in B) pairs seen
    pairs: int  # how many (pod, attempt, node) pairs agree on the ratio

    @property
    def text(self) -> str:
        how = {"logged": "as logged", "one-logged": "one side logged, the other from the score ratio",
               "implied": "implied by the weighted scores"}[self.basis]
        seen = ", ".join(f"{a} -> {b}" for a, b in self.examples)
        return (f"{self.plugin}: weight {self.before} -> {self.after} ({how}; weighted {seen} on "
                f"{self.pairs} node scores, ratio {self.ratio})")

    def to_dict(self) -> dict[str, Any]:
        return {"plugin": self.plugin, "ratio": str(self.ratio), "before": self.before, "after": self.after,
                "basis": self.basis, "examples": [list(e) for e in self.examples], "pairs": self.pairs}


def max_score(snapshot: Mapping[str, Any]) -> int:
    era = snapshot.get("log", {}).get("era") or ""
    return next((v for prefix, v in MAX_SCORE.items() if era.startswith(prefix)), DEFAULT_MAX_SCORE)


def weighted_pairs(a: Mapping[str, Any], b: Mapping[str, Any]) -> Iterator[tuple[str, int, int]]:
    """(plugin, weighted in A, weighted in B) for every pod/attempt/node that both logs scored."""
    second = {(x["pod"], x["attempt"]): x for x in b["attempts"]}
    for attempt in a["attempts"]:
        other = second.get((attempt["pod"], attempt["attempt"]))
        if other is None:
            continue
        nodes = {n["node"]: n for n in other["nodes"]}
        for node in attempt["nodes"]:
            twin = nodes.get(node["node"])
            if twin is None:
                continue
            theirs = twin["scores"].get("weighted", {})
            for plugin, value in node["scores"].get("weighted", {}).items():
                if plugin in theirs:
                    yield plugin, value, theirs[plugin]


def _smallest_weights(ratio: Fraction, need_a: int, need_b: int) -> tuple[int, int]:
    """The smallest (wA, wB) with wB / wA == ratio, wA >= need_a and wB >= need_b."""
    k = max(math.ceil(need_a / ratio.denominator), math.ceil(need_b / ratio.numerator), 1)
    return ratio.denominator * k, ratio.numerator * k


def implied_weight_changes(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[WeightChange]:
    """Plugins whose weighted scores all scale by the same ratio != 1 from A to B, sorted by plugin."""
    pairs: dict[str, list[tuple[int, int]]] = {}
    for plugin, x, y in weighted_pairs(a, b):
        pairs.setdefault(plugin, []).append((x, y))
    logged_a, logged_b = a.get("weights", {}), b.get("weights", {})
    changes = []
    for plugin, seen in sorted(pairs.items()):
        ratios = {Fraction(y, x) if x else (None if y else "zero") for x, y in seen}
        ratios.discard("zero")  # 0 -> 0 says nothing about the weight
        if len(ratios) != 1 or None in ratios:
            continue  # no single ratio: the scores themselves changed, not (only) the weight
        ratio = ratios.pop()
        if ratio == 1:
            continue
        wa, wb = logged_a.get(plugin), logged_b.get(plugin)
        basis = "logged" if wa is not None and wb is not None else "one-logged"
        if wa is None and wb is not None and (wb / ratio).denominator == 1:
            wa = int(wb / ratio)
        elif wb is None and wa is not None and (wa * ratio).denominator == 1:
            wb = int(wa * ratio)
        if wa is None or wb is None:
            basis = "implied"
            need_a = math.ceil(max(x for x, _ in seen) / max_score(a))
            need_b = math.ceil(max(y for _, y in seen) / max_score(b))
            wa, wb = _smallest_weights(ratio, need_a, need_b)
        examples = tuple(sorted({p for p in seen if p != (0, 0)}))[:3]
        changes.append(WeightChange(plugin, ratio, wa, wb, basis, examples, len(seen)))
    return changes
