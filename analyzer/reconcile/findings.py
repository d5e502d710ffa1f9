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
    """A consumer of reconciled attempts (``add`` each, in log order) for a log reconciled as ``version``;
    with ``keep_records`` (check -v, -o json/yaml) every finding is kept too, in a temporary file."""

    def __init__(self, version: str | None, keep_records: bool = True) -> None:
        self.grouper = FindingGrouper()
        self.evidence = WeightEvidence(version)
        self._records: dict[str, Spool[Record]] | None = {} if keep_records else None  # kind -> its findings
        self.count_of: Counter[str] = Counter()  # kind -> its findings, kinds in the order first seen
        self.unexplained_of: Counter[str] = Counter()  # kind -> its unexplained findings
        self.unexplained = 0

    def add(self, attempt: Attempt) -> None:
        self.evidence.add(attempt)
        kept = self._records
        for ref, d in self.grouper.add(attempt):
            self.count_of[d.kind] += 1
            if kept is not None:
                spool = kept.get(d.kind)
                if spool is None:
                    spool = kept[d.kind] = Spool()
                spool.append((ref, d))
            if not d.explained:
                self.unexplained_of[d.kind] += 1
                self.unexplained += 1

    def kinds(self) -> list[str]:
        """The kinds found: KINDS first, in that order, then any other in the order first seen."""
        return [k for k in KINDS if k in self.count_of] + [k for k in self.count_of if k not in KINDS]

    def records(self) -> dict[str, Spool[Record]]:
        """Every finding by kind (in ``kinds()`` order), each kind's in log order (needs ``keep_records``)."""
        if self._records is None:
            raise ValueError("CheckFindings made without keep_records")
        return {k: self._records[k] for k in self.kinds()}

    def groups(self) -> list[FindingGroup]:
        """The findings grouped by pattern (``grouping.FindingGrouper``)."""
        return self.grouper.groups()

    def inference(self) -> Inference:
        """The weights and hidden constant the logged totals imply (``infer.WeightEvidence``)."""
        return self.evidence.solve()
