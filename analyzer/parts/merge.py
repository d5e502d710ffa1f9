"""Merge the parts of one file, in order, into the result one pass gives (or say why they cannot be)."""

from __future__ import annotations

from ..model import Attempt
from ..parse.events import Event
from ..parse.lines import FormatFeatures, ParserMarks
from ..pipeline import LineTally, PartialResult, merge_features
from ..read.sources import Repairs
from ..run.numbering import AttemptNumbers
from .worker import ChunkResult


class PartMerger:
    """Merge the parts of one file in order, handing on each part's attempts as it is added."""

    def __init__(self, path: str, input_index: int) -> None:
        self.path, self.index = path, input_index
        self.tally, self.features, self.marks, self.repairs = LineTally(), FormatFeatures(), ParserMarks(), Repairs()
        self.config_events: list[Event] = []
        self._claimed: set[int] = set()
        self._numbers = AttemptNumbers()
        self.handed_on = 0

    def add(self, part: ChunkResult) -> tuple[list[Attempt] | None, str | None]:
        """(this part's attempts as one pass gives them, None), or (None, why the parts cannot be merged)."""
        if part.inexact:
            return None, part.inexact[0]
        out = []
        for _, started, attempt in sorted(part.attempts, key=lambda item: item[0]):
            if attempt.span.first_line in self._claimed:
                if started:  # one pass folded this cycle start into an earlier part's attempt
                    return None, f"line {attempt.span.first_line}: a cycle start continues an earlier cycle"
                continue  # opened for a line an earlier part routed to its own attempt
            out.append(self._numbers.in_file(attempt))
        self._claimed |= part.claims
        self.tally.merge(part.tally)
        merge_features(self.features, part.features)
        self.marks.merge(part.marks)
        self.repairs.merge(part.repairs)
        self.config_events += part.config_events
        self.handed_on += len(out)
        return out, None

    def finish(self) -> PartialResult:
        """The file's PartialResult (its notes complete; its attempts were handed on by ``add``)."""
        self.features.notes += [(self.index, note) for note in self.marks.notes()]
        self.tally.notes += self.repairs.notes(self.path)
        return PartialResult(self.index, self.path, self.tally, self.features, [], self.config_events)
