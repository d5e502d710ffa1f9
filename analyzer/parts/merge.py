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
        self._podless_claimed: set[int] = set()  # bind lines without their pod that went to an earlier part's attempt
        self._numbers = AttemptNumbers()
        self.handed_on = 0

    def add(self, part: ChunkResult) -> tuple[list[Attempt] | None, str | None]:
        """(this part's attempts as one pass gives them, None), or (None, why the parts cannot be merged)."""
        if part.inexact:
            return None, part.inexact[0]
        if (line := self._misrouted_bind(part)) is not None:
            return None, f"line {line}: a bind line without its pod went where one pass would not send it"
        out = []
        for _, started, attempt in sorted(part.attempts, key=lambda item: item[0]):
            if attempt.span.first_line in self._claimed:
                if started:  # one pass folded this cycle start into an earlier part's attempt
                    return None, f"line {attempt.span.first_line}: a cycle start continues an earlier cycle"
                continue  # opened for a line an earlier part routed to its own attempt
            out.append(self._numbers.in_file(attempt))
        self._claimed |= part.claims
        self._podless_claimed |= {line for line, _ in part.podless_binds if line in part.claims}
        self.tally.merge(part.tally)
        merge_features(self.features, part.features)
        self.marks.merge(part.marks)
        self.repairs.merge(part.repairs)
        self.config_events += part.config_events
        self.handed_on += len(out)
        return out, None

    def _misrouted_bind(self, part: ChunkResult) -> int | None:
        """The first bind line without its pod (1.19 JSON) the part sent elsewhere than one pass does, if any.

        One pass gives such a line to the oldest attempt waiting for its bind. A part sees only its own
        attempts, and those an earlier part's lines opened in it (the drafts ``add`` drops); the earlier
        parts follow these lines past their ends while they have attempts open, and claim those that went to
        them. So the part agrees with one pass when a line went to a dropped draft (or nowhere) exactly
        when an earlier part claimed it, and to one of the part's own attempts (or nowhere) otherwise.
        """
        for line, target in part.podless_binds:
            if target is not None and (line in self._podless_claimed) != (target in self._claimed):
                return line
        return None

    def finish(self) -> PartialResult:
        """The file's PartialResult (its notes complete; its attempts were handed on by ``add``)."""
        self.features.notes += [(self.index, note) for note in self.marks.notes()]
        self.tally.notes += self.repairs.notes(self.path)
        return PartialResult(self.index, self.path, self.tally, self.features, [], self.config_events)
