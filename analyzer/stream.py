"""Stream attempts while the log is read, in log order, in flat memory.

``analyze_paths`` holds every attempt of a log in one result; for multi-gigabyte --v=10 logs the
consumers that do not need them all at once (exports, counts) iterate an ``AttemptStream`` instead:
each attempt is handed on as soon as it is final and every earlier-started attempt has been handed
on, reconciled with the version and weights the log has stated by then (normally its first lines).

With ``jobs`` > 1 a large plain file is read in parts (``analyzer.parts``) of at most ``PART_BYTES``,
by this process and a pool a few parts ahead of the consumer, so memory stays bounded by those
parts; the attempts come out exactly as one pass gives them (a part that cannot say so makes the
file be read again in one pass, skipping the attempts already handed on).
"""

from __future__ import annotations

import heapq
import logging
from collections.abc import Iterator, Sequence

from .model import AnalysisResult, Attempt
from .parse.lines import FormatFeatures
from .parts import ChunkResult, PartMerger, analyze_chunk, plan_chunks, preamble
from .pipeline import LineTally, PartialResult, Progress, ProgressFn, combine, iter_events
from .read.sources import check_input
from .reconstruct.assembler import Assembler, assemble
from .run.numbering import AttemptNumbers
from .run.pool import WorkerPool

log = logging.getLogger(__name__)
PART_BYTES = 8 * 1024 * 1024  # a part's attempts are held until handed on: this bounds memory (~85 MB)


class AttemptStream:
    """Iterate once for the attempts; ``header()`` then gives the format, line accounting and config."""

    def __init__(self, paths: Sequence[str], reconcile: bool = True, k8s_version: str | None = None,
                 config: str | None = None, progress: ProgressFn | None = None,
                 jobs: int = 1, part_bytes: int = PART_BYTES) -> None:
        for path in paths:
            check_input(path)
        self.paths = list(paths)
        self.reconcile, self.k8s_version, self.config = reconcile, k8s_version, config
        self.progress = progress
        self.jobs, self.part_bytes = jobs, part_bytes
        self._partials: list[PartialResult] = []
        self._plan = None

    def __iter__(self) -> Iterator[Attempt]:
        numbers = AttemptNumbers()  # attempt numbers continue across inputs, as in one pass
        if self.reconcile and self.paths and self.paths[0] != "-":
            self._plan_from(combine([preamble(self.paths[0], 0)]))
        for index, path in enumerate(self.paths):
            chunks = plan_chunks(path, self.jobs, max_bytes=self.part_bytes) if self.jobs > 1 else None
            if chunks:
                yield from self._parts(index, path, chunks, numbers)
            else:
                yield from self._one_pass(index, path, numbers)
            numbers.next_input()

    def _one_pass(self, index: int, path: str, numbers: AttemptNumbers, skip: int = 0) -> Iterator[Attempt]:
        """One input read in this process; the first ``skip`` attempts were handed on already."""
        part = PartialResult(index, path, LineTally(), FormatFeatures(), [], [])
        assembler = Assembler()
        self._partials.append(part)
        events = iter_events([path], part.tally, part.features, self.progress, first_index=index)
        waiting: list[tuple[int, Attempt]] = []  # final, but an earlier-started attempt is still open

        def hand_on(attempt: Attempt) -> Iterator[Attempt]:
            nonlocal skip
            if skip:  # handed on (and numbered) by the parts already
                skip -= 1
                return
            yield self._finish(numbers.across_inputs(attempt), assembler, part)

        for seq, attempt in assemble(events, assembler):
            heapq.heappush(waiting, (seq, attempt))
            lowest_open = assembler.min_open_seq()
            while waiting and (lowest_open is None or waiting[0][0] < lowest_open):
                yield from hand_on(heapq.heappop(waiting)[1])
        while waiting:
            yield from hand_on(heapq.heappop(waiting)[1])
        part.config_events = assembler.config_events

    def _parts(self, index: int, path: str, chunks: list, numbers: AttemptNumbers) -> Iterator[Attempt]:
        """One input read in parts, merged in order: every ``jobs``-th part in this process (no pickling),
        the others by ``jobs - 1`` pool workers that run a few parts ahead."""
        if self.reconcile and self._plan is None:  # after stdin that had no attempt
            self._plan_from(combine([*self._partials, preamble(path, index)]))
        context = self._plan.context if self.reconcile and self._plan is not None else None
        merger = PartMerger(path, index)
        with WorkerPool(self.jobs - 1) as pool:
            parts = _PartQueue(pool, path, index, chunks, context, self.jobs)
            for part in parts:
                attempts, why = merger.add(part)
                if attempts is None:
                    log.info("%s: read in one pass from the start, its parts would differ (%s)", path, why)
                    parts.cancel()
                    yield from self._one_pass(index, path, numbers, skip=merger.handed_on)
                    return
                if self.progress is not None:
                    self.progress(Progress.of(index, merger.tally, merger.features.kinds))
                for attempt in attempts:
                    yield numbers.across_inputs(attempt)
        self._partials.append(merger.finish())

    def _plan_from(self, head: AnalysisResult) -> None:
        from .reconcile import plan

        self._plan = plan(head, self.k8s_version, self.config)

    def _finish(self, attempt: Attempt, assembler: Assembler, part: PartialResult) -> Attempt:
        """The attempt reconciled under the plan (made from what the log has stated so far, for stdin)."""
        if not self.reconcile:
            return attempt
        if self._plan is None:  # stdin: the version and weights as the log has stated them so far
            part.config_events = assembler.config_events
            self._plan_from(combine(self._partials))
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


class _PartQueue:
    """The parts of one file in order: every ``jobs``-th read in this process (no pickling for it), the
    rest by the pool, which keeps ``jobs + 1`` parts in flight ahead of the one handed on."""

    def __init__(self, pool: WorkerPool, path: str, index: int, chunks: list, context, jobs: int) -> None:
        self.pool, self.path, self.index, self.chunks, self.context = pool, path, index, chunks, context
        self.own = {i for i in range(len(chunks)) if jobs > 1 and i % jobs == 0}
        self.ahead = jobs + 1
        self.futures: dict[int, object] = {}
        self._next = 0  # the next part to consider submitting

    def _submit(self) -> None:
        while self._next < len(self.chunks) and len(self.futures) < self.ahead:
            i, self._next = self._next, self._next + 1
            if i not in self.own:
                self.futures[i] = self.pool.submit(analyze_chunk, self.path, self.index, self.chunks[i],
                                                   self.context)

    def __iter__(self) -> Iterator[ChunkResult]:
        for i, chunk in enumerate(self.chunks):
            self._submit()
            yield (analyze_chunk(self.path, self.index, chunk, self.context) if i in self.own
                   else self.pool.result(self.futures.pop(i)))

    def cancel(self) -> None:
        for future in self.futures.values():
            self.pool.cancel(future)
