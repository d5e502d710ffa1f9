"""What ``check`` prints, gathered one attempt at a time: the findings (grouped and in log order), how many
nothing explains, and the evidence for inferring the weights; never the attempts themselves."""

from __future__ import annotations

from ..model import Attempt
from .discrepancy import Discrepancy
from .grouping import AttemptRef, FindingGroup, FindingGrouper
from .infer import Inference, WeightEvidence


class CheckFindings:
    """A consumer of reconciled attempts (``add`` each, in log order) for a log reconciled as ``version``."""

    def __init__(self, version: str | None) -> None:
        self.grouper = FindingGrouper()
        self.evidence = WeightEvidence(version)
        self.records: list[tuple[AttemptRef, Discrepancy]] = []  # every finding, in log order
        self.unexplained = 0

    def add(self, attempt: Attempt) -> None:
        self.evidence.add(attempt)
        added = self.grouper.add(attempt)
        self.records += added
        self.unexplained += sum(not d.explained for _, d in added)

    def groups(self) -> list[FindingGroup]:
        """The findings grouped by pattern (``grouping.FindingGrouper``)."""
        return self.grouper.groups()

    def inference(self) -> Inference:
        """The weights and hidden constant the logged totals imply (``infer.WeightEvidence``)."""
        return self.evidence.solve()
