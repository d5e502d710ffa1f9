"""The Discrepancy record: one place where the logged numbers and the reference scoring disagree (or tie)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

HIDDEN = "hidden-component"  # logged total differs from the visible weighted sum
FORMULA = "formula-mismatch"  # a logged resource score differs from the reference formula
WEIGHT = "weight-mismatch"  # a weighted score does not fit the weight in use
WINNER = "winner-not-max"  # the chosen node does not have the highest total
TIE = "tie"  # several nodes share the top total; the scheduler picks one at random
INCOMPLETE = "incomplete"  # the attempt is cut by the start or end of the log

KINDS: tuple[str, ...] = (HIDDEN, FORMULA, WEIGHT, WINNER, TIE, INCOMPLETE)


@dataclass(frozen=True)
class Discrepancy:
    """What differs, where, by how much, what it is attributed to, and whether that fully explains it.

    ``node`` is None when the record covers several nodes (listed in ``nodes``, with their
    (node, logged, recomputed) values in ``per_node``). ``confidence``: high | medium | low.
    """

    kind: str
    node: str | None
    plugin: str | None
    logged: int | None
    recomputed: int | None
    amount: int | None
    attribution: str | None
    explanation: str
    confidence: str
    explained: bool = False
    nodes: tuple[str, ...] = ()
    per_node: tuple[tuple[str, int | None, int | None], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (schedlog/v1): every field, per-node values as objects."""
        return {
            "kind": self.kind, "node": self.node, "plugin": self.plugin, "logged": self.logged,
            "recomputed": self.recomputed, "amount": self.amount, "attribution": self.attribution,
            "explanation": self.explanation, "confidence": self.confidence, "explained": self.explained,
            "nodes": list(self.nodes),
            "per_node": [{"node": n, "logged": lg, "recomputed": rc} for n, lg, rc in self.per_node],
        }
