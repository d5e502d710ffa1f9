"""What the report keeps across the attempts it shows, attempt by attempt: running counts for the overview, the
deciding plugins, the plugins (for their colours) and the first rows of the heat maps, so that the page and
the PNG files need no attempt once it has gone by."""

from __future__ import annotations

from collections import Counter
from typing import Any

from ..model import Attempt
from .charts import MAX_HEATMAP_ROWS, deciding_plugin
from .explain import Explanation
from .ranking import HeatRow, scored


def discrepancy_data(discrepancy: Any) -> dict[str, Any]:
    """Whatever the reconcile stage put there, as plain data (rendered generically)."""
    return discrepancy.to_dict() if hasattr(discrepancy, "to_dict") else dict(discrepancy)


class Across:
    """Running counts over the attempts shown, in log order; each attempt's cost is its pod's name (once per pod),
    plus, for the first ``heat_rows`` attempts with a scored node, a ``HeatRow``."""

    def __init__(self, heat_rows: int = MAX_HEATMAP_ROWS) -> None:
        self.count = 0  # attempts
        self.pods: set[str] = set()
        self.outcomes: Counter = Counter()
        self.incomplete = 0
        self.kinds: Counter = Counter()  # discrepancies by kind
        self.hidden_nodes = 0  # nodes with a hidden component
        self.deciders: Counter = Counter()  # attempts by their deciding plugin (charts.deciding_plugin)
        self.plugins: set[str] = set()  # every plugin scored (charts.colors_for's input)
        self.scored = 0  # attempts with a scored node
        self.heat: list[tuple[int, HeatRow]] = []  # (number in the log, row) of the first scored attempts
        self.heat_rows = heat_rows

    def add(self, seq: int, attempt: Attempt, exp: Explanation) -> None:
        """Count an attempt (``seq``: its place in the log, ``exp``: its explanation)."""
        self.count += 1
        self.pods.add(attempt.pod)
        self.outcomes[attempt.outcome.value] += 1
        self.incomplete += not attempt.complete
        self.kinds.update(str(discrepancy_data(d).get("kind")) for d in attempt.discrepancies)
        for node in attempt.nodes:
            hidden = False
            for score in node.scores:
                self.plugins.add(score.plugin)
                hidden = hidden or score.hidden
            self.hidden_nodes += hidden
        decider = deciding_plugin(attempt, exp)
        if decider is not None:
            self.deciders[decider] += 1
        if scored(attempt):
            self.scored += 1
            if len(self.heat) < self.heat_rows:
                self.heat.append((seq, HeatRow.of(attempt)))
