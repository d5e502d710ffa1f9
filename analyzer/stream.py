"""Stream attempts while the log is read, in log order, in flat memory.

``analyze_paths`` holds every attempt of a log in one result; for multi-gigabyte --v=10 logs the
consumers that do not need them all at once (exports, counts) iterate an ``AttemptStream`` instead:
each attempt is handed on as soon as it is final and every earlier-started attempt has been handed
on, reconciled with the version and weights the log has stated by then (normally its first lines).
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace

from .model import AnalysisResult, Attempt
from .parse.lines import FormatFeatures
from .pipeline import LineTally, PartialResult, combine, iter_events
from .read.sources import check_input
from .reconstruct.assembler import Assembler, assemble


class AttemptStream:
    """Iterate once for the attempts; ``header()`` then gives the format, line accounting and config."""

    def __init__(self, paths: Sequence[str], reconcile: bool = True, k8s_version: str | None = None,
                 config: str | None = None, progress: Callable[[int, int], None] | None = None) -> None:
        for path in paths:
            check_input(path)
        self.paths = list(paths)
        self.reconcile, self.k8s_version, self.config = reconcile, k8s_version, config
        self.progress = progress
        self._partials: list[PartialResult] = []
        self._plan = None

    def __iter__(self) -> Iterator[Attempt]:
        seen_per_pod: Counter = Counter()  # attempt numbers continue across inputs, as in one pass
        for index, path in enumerate(self.paths):
            part = PartialResult(index, path, LineTally(), FormatFeatures(), [], [])
            assembler = Assembler()
            self._partials.append(part)
            events = iter_events([path], part.tally, part.features, self.progress, first_index=index)
            waiting: list[tuple[int, Attempt]] = []  # final, but an earlier-started attempt is still open
            in_this_input: Counter = Counter()
            for seq, attempt in assemble(events, assembler):
                heapq.heappush(waiting, (seq, attempt))
                lowest_open = assembler.min_open_seq()
                while waiting and (lowest_open is None or waiting[0][0] < lowest_open):
                    yield self._finish(heapq.heappop(waiting)[1], assembler, part, seen_per_pod, in_this_input)
            while waiting:
                yield self._finish(heapq.heappop(waiting)[1], assembler, part, seen_per_pod, in_this_input)
            part.config_events = assembler.config_events
            seen_per_pod.update(in_this_input)

    def _finish(self, attempt: Attempt, assembler: Assembler, part: PartialResult, seen_per_pod: Counter,
                in_this_input: Counter) -> Attempt:
        in_this_input[attempt.pod] += 1
        if seen_per_pod[attempt.pod]:
            attempt = replace(attempt, attempt=attempt.attempt + seen_per_pod[attempt.pod])
        if not self.reconcile:
            return attempt
        if self._plan is None:  # the version and weights as the log has stated them so far
            part.config_events = assembler.config_events
            from .reconcile import plan

            self._plan = plan(combine(self._partials), self.k8s_version, self.config)
        if self._plan.context is None:
            return attempt
        from .reconcile import reconcile_attempt

        return reconcile_attempt(attempt, self._plan.context)

    def header(self) -> AnalysisResult:
        """Everything but the attempts (call after iterating): format, lines, config, notes."""
        result = combine(self._partials)
        if self.reconcile and self._plan is not None:
            from .reconcile import apply_plan

            result = apply_plan(result, self._plan)
        return result
