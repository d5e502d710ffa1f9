"""Follow a scheduler log as it is written: feed lines in, get each attempt out as soon as it is final.

The same stages as a whole-log run (unwrap -> classify -> assemble -> reconcile), driven line by line.
Attempts leave memory once handed to the sink; what stays is counters, the parser's and assembler's
per-process and per-pod state, and the config lines (for the reconciliation plan).
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ..model import Attempt
from ..parse.klog import KLOG_HEADER
from ..parse.lines import FormatFeatures, LineParser, stream_name
from ..pipeline import LineTally, PartialResult, classified_events, combine
from ..read.sources import PhysicalLine
from ..read.wrappers import LogicalLine, unwrap_lines
from ..reconstruct.assembler import CONFIG_KINDS, Assembler, freeze

LEASE_ACQUIRED = "successfully acquired lease"  # client-go leaderelection, every era since 1.x
LEASE_LOST = ("failed to renew lease", "leaderelection lost")  # the leader stops leading (and exits)
_KEEP_EVENTS = 2000  # config/story events kept for the plan before the others are dropped


@dataclass(frozen=True)
class Final:
    """An attempt that no later line can change."""

    attempt: Attempt


@dataclass(frozen=True)
class Pending:
    """An attempt still open when the input paused, as far as the log has told it."""

    attempt: Attempt


@dataclass(frozen=True)
class Leader:
    """The process that schedules: from its leader-election line ("lease") or, without one, because it
    is the one that schedules ("schedules", inferred); "lost": the leader's line says it stopped leading."""

    stream: str
    how: str
    line: int


Item = Final | Pending | Leader


class Follower:
    """Feed the lines of one followed input through ``run``; every item goes to ``sink`` as it happens.

    ``pause()`` (called by the reader when the input goes quiet) hands on the attempts still open as
    Pending. Only the attempts of pods ``wanted`` are handed on and counted (every one tells the leader).
    Reconciling uses the version and weights the log has stated by its first final attempt.
    """

    def __init__(self, sink: Callable[[Item], None], name: str = "-", reconcile: bool = True,
                 k8s_version: str | None = None, config: str | None = None,
                 wanted: Callable[[str], bool] = lambda pod: True) -> None:
        self.sink, self.name, self.wanted = sink, name, wanted
        self.reconcile, self.k8s_version, self.config = reconcile, k8s_version, config
        self.tally, self.features = LineTally(), FormatFeatures()
        self.parser, self.assembler = LineParser(self.features), Assembler()
        self.outcomes: Counter = Counter()  # final attempts by outcome
        self.by_stream: Counter = Counter()  # final attempts by process
        self.leader: Leader | None = None
        self._plan = None
        self._shown: dict[int, int] = {}  # open attempt (start sequence) -> its last line when shown pending

    def run(self, lines: Iterable[PhysicalLine | None]) -> None:
        """Read until the input ends (stdin closed) or the caller is interrupted."""
        logical = self._watch_leader(unwrap_lines(lines, live=True))
        for event in classified_events(logical, self.parser, self.tally):
            self._feed(event)
        self.finish()

    def finish(self) -> None:
        """The input ended (or the user stopped): hand on every attempt still open, as a whole-log run does
        at the end of the log."""
        for verdict in self.parser.finish():
            if verdict.event is not None:
                self._feed(verdict.event)
        for draft in self.assembler.finish():
            self._final(draft)

    def pause(self) -> None:
        """The input is quiet: hand on each open attempt that changed since it was last shown."""
        shown = {}
        for draft in self.assembler.open_drafts():
            shown[draft.seq] = draft.last_line
            if self._shown.get(draft.seq) != draft.last_line and draft.last_line and self.wanted(draft.pod):
                snapshot = freeze(copy.deepcopy(draft), self.assembler.cluster_nodes(draft.stream))
                self.sink(Pending(self._reconciled(snapshot)))
        self._shown = shown

    # -- inside ----------------------------------------------------------------------------------
    def _feed(self, event) -> None:
        for draft in self.assembler.feed(event):
            self._final(draft)
        events = self.assembler.config_events
        if len(events) > _KEEP_EVENTS:  # the plan needs the config lines only; the story is not kept
            events[:] = [e for e in events if e.kind in CONFIG_KINDS]

    def _final(self, draft) -> None:
        self._shown.pop(draft.seq, None)
        if self.leader is None or (self.leader.how != "lease" and self.leader.stream != draft.stream):
            self._lead(Leader(draft.stream, "schedules", draft.first_line))
        attempt = freeze(draft, self.assembler.cluster_nodes(draft.stream), self.assembler.shared) \
            if self.wanted(draft.pod) else None
        draft.nodes = {}  # the assembler remembers handed-on drafts for late recorded events: not their nodes
        if attempt is None:
            return
        attempt = self._reconciled(attempt)
        self.outcomes[attempt.outcome.value] += 1
        self.by_stream[attempt.stream] += 1
        self.sink(Final(attempt))

    def _lead(self, leader: Leader) -> None:
        self.leader = leader
        self.sink(leader)

    def _watch_leader(self, lines: Iterable[LogicalLine]) -> Iterable[LogicalLine]:
        """The lines, unchanged; a leader-election "acquired" line names the leader."""
        for line in lines:
            acquired = LEASE_ACQUIRED in line.text
            if acquired or (self.leader is not None and any(lost in line.text for lost in LEASE_LOST)):
                m = KLOG_HEADER.search(line.text)
                stream = stream_name(line.input, line.source, m["pid"] if m else None)
                if acquired and (self.leader is None or self.leader.stream != stream or self.leader.how != "lease"):
                    self._lead(Leader(stream, "lease", line.number))
                elif not acquired and self.leader.stream == stream and self.leader.how != "lost":
                    self._lead(Leader(stream, "lost", line.number))
            yield line

    def _reconciled(self, attempt: Attempt) -> Attempt:
        if not self.reconcile:
            return attempt
        if self._plan is None:
            from ..reconcile import plan

            head = PartialResult(0, self.name, self.tally, self.features, [], list(self.assembler.config_events))
            self._plan = plan(combine([head]), self.k8s_version, self.config)
        if self._plan.context is None:
            return attempt
        from ..reconcile import reconcile_attempt

        return reconcile_attempt(attempt, self._plan.context)

    @property
    def note(self) -> str | None:
        """How the attempts were reconciled (None before the first attempt)."""
        return self._plan.note if self._plan is not None else None
