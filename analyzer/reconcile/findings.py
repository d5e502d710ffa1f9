"""What ``check`` prints, gathered one attempt at a time: the findings (grouped, and every record in log order
kept in a temporary file), how many nothing explains, and the evidence for inferring the weights; never the
attempts themselves."""

from __future__ import annotations

from collections import Counter

from ..model import Attempt
from ..spool import Spool
from .discrepancy import KINDS, Discrepancy
from .grouping import AttemptRef, FindingGroup, FindingGrouper
from .infer import Inference, WeightEvidence

Record = tuple[AttemptRef, Discrepancy]


class CheckFindings:
    """A consumer of reconciled attempts (``add`` each, in log order) for a log reconciled as ``version``."""

    def __init__(self, version: str | None) -> None:
        self.grouper = FindingGrouper()
        self.evidence = WeightEvidence(version)
        self._records: dict[str, Spool[Record]] = {}  # kind -> its findings, in log order
        self.unexplained_of: Counter[str] = Counter()  # kind -> its unexplained findings
        self.unexplained = 0

    def add(self, attempt: Attempt) -> None:
        self.evidence.add(attempt)
        for ref, d in self.grouper.add(attempt):
            spool = self._records.get(d.kind)
            if spool is None:
                spool = self._records[d.kind] = Spool()
            spool.append((ref, d))
            if not d.explained:
                self.unexplained_of[d.kind] += 1
                self.unexplained += 1

    def records(self) -> dict[str, Spool[Record]]:
        """Every finding by kind (KINDS first, in that order, then any other in the order first seen), each
        kind's in log order; read them one kind at a time."""
        known = {k: self._records[k] for k in KINDS if k in self._records}
        return known | {k: v for k, v in self._records.items() if k not in known}

    def groups(self) -> list[FindingGroup]:
        """The findings grouped by pattern (``grouping.FindingGrouper``)."""
        return self.grouper.groups()

    def inference(self) -> Inference:
        """The weights and hidden constant the logged totals imply (``infer.WeightEvidence``)."""
        return self.evidence.solve()
