"""The attempt stream: every attempt of every input, numbered and reconciled, in log order.

The inputs are cut into units of work (``units.plan_units``): a whole input, or a part of a large
plain file. Each unit is read here or by the pool, and the units are taken in order: a whole input's
attempts as they become final, a part's through the part merger (which says when its parts cannot give
what one pass gives: the input is then read again here in one pass, skipping what was handed on).

An attempt is reconciled with the version and weights the log has stated by then (normally its first
lines, ``parts.preamble``), or under a plan the caller gives (made from the whole log, read before), here
or in the worker that read it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ..gctuning import fewer_collections
from ..model import AnalysisResult, Attempt
from ..parse.events import Event
from ..parse.lines import FormatFeatures
from ..parts import PartMerger, analyze_chunk, preamble
from ..pipeline import LineTally, PartialResult, Progress, ProgressFn, analyze_input, combine, read_input
from ..read.sources import check_input
from .numbering import AttemptNumbers
from .pool import Engine, WorkerPool
from .units import PART_BYTES, Unit, plan_units

if TYPE_CHECKING:
    from ..reconcile import Plan
    from ..reconcile.scores import ScoringContext

log = logging.getLogger(__name__)


class AttemptStream:
    """Iterate once for the attempts; ``header()`` then gives the format, line accounting and config.

    ``bounded`` (streaming): memory stays flat, whole inputs are read here as they are handed on and
    the pool runs a few parts ahead. Otherwise (a batch run collecting everything) every unit goes to
    the pool at once, so many inputs keep every worker busy. ``plan``: reconcile under this plan (the
    whole log's, from an earlier read) instead of the one the head of the log gives.
    ``dumped`` turns True once a cache dump has been read (before the attempts logged after it are handed on).
    """

    def __init__(self, paths: Sequence[str], reconcile: bool = True, k8s_version: str | None = None,
                 config: str | None = None, progress: ProgressFn | None = None,
                 jobs: int = 1, part_bytes: int | None = PART_BYTES, *, bounded: bool = True,
                 engine: Engine | str = Engine.local, scheduler: str | None = None, plan: Plan | None = None
                 ) -> None:
        for path in paths:
            check_input(path)
        self.paths = list(paths)
        self.reconcile, self.k8s_version, self.config = reconcile, k8s_version, config
        self.progress = progress
        self.jobs, self.part_bytes, self.bounded = jobs, part_bytes, bounded
        self.engine, self.scheduler = Engine(engine), scheduler
        self.units = plan_units(self.paths, jobs, part_bytes if bounded else None, bounded, self.engine)
        self._partials: list[PartialResult] = []
        self._plan = plan
        self.dumped = False

    def __iter__(self) -> Iterator[Attempt]:
        numbers = AttemptNumbers()  # attempt numbers continue across inputs, as in one pass
        if self.reconcile and self._plan is None and self.paths and self.paths[0] != "-":
            self._plan_from(combine([preamble(self.paths[0], 0)]))
        units = self.units
        by_input: dict[int, list[Unit]] = {}
        for unit in units:
            by_input.setdefault(unit.index, []).append(unit)
        workers = self.jobs - 1 if self.bounded else self.jobs - any(unit.here for unit in units)
        with WorkerPool(workers, self.engine, self.scheduler) as pool:
            queue = _UnitQueue(self, pool, units, ahead=self.jobs + 1 if self.bounded else None)
            for index, path in enumerate(self.paths):
                mine = by_input[index]
                if mine[0].chunk is not None:
                    yield from self._parts(index, path, mine, queue, numbers)
                elif mine[0].here:
                    queue.reached(mine[0])
                    yield from self._one_pass(index, path, numbers)
                else:
                    yield from self._whole(queue.take(mine[0]), numbers)
                numbers.next_input()

    @property
    def here_only(self) -> bool:
        """True when this process reads every unit (no worker starts)."""
        return all(unit.here for unit in self.units)

    def collect(self) -> AnalysisResult:
        """Every attempt (as iterating gives them) in one result, with the header as read (not planned)."""
        with fewer_collections():
            attempts = tuple(self)
        return replace(combine(self._partials), attempts=attempts)

    def _whole(self, part: PartialResult, numbers: AttemptNumbers) -> Iterator[Attempt]:
        """An input a worker read whole (its attempts in start order, reconciled when there was a plan)."""
        if self.progress is not None:
            self.progress(Progress.of(part.index, part.tally, part.features.kinds))
        attempts, part.attempts = part.attempts, []
        self._partials.append(part)
        self._look_for_dumps(part.config_events)
        for _, attempt in attempts:
            yield numbers.across_inputs(attempt)

    def _one_pass(self, index: int, path: str, numbers: AttemptNumbers, skip: int = 0) -> Iterator[Attempt]:
        """One input read in this process; the first ``skip`` attempts were handed on already."""
        part = PartialResult(index, path, LineTally(), FormatFeatures(), [], [])
        self._partials.append(part)
        looked = 0  # the config events (growing as the input is read) already looked at
        for _, attempt in read_input(part, self.progress):
            if not self.dumped:
                looked = self._look_for_dumps(part.config_events, looked)
            if skip:  # handed on (and numbered) by the parts already
                skip -= 1
                continue
            yield self._finish(numbers.across_inputs(attempt))

    def _parts(self, index: int, path: str, units: list[Unit], queue: _UnitQueue, numbers: AttemptNumbers
               ) -> Iterator[Attempt]:
        """One input read in parts, merged in order."""
        if self.reconcile and self._plan is None:  # after stdin that had no attempt
            self._plan_from(combine([*self._partials, preamble(path, index)]))
        merger = PartMerger(path, index)
        for unit in units:
            taken = queue.take(unit)
            attempts, why = merger.add(taken)
            if attempts is None:
                log.info("%s: read in one pass from the start, its parts would differ (%s)", path, why)
                queue.drop(index)
                yield from self._one_pass(index, path, numbers, skip=merger.handed_on)
                return
            self._look_for_dumps(taken.config_events)
            if self.progress is not None:
                self.progress(Progress.of(index, merger.tally, merger.features.kinds))
            for attempt in attempts:
                yield numbers.across_inputs(attempt)
        self._partials.append(merger.finish())

    @property
    def context(self) -> ScoringContext | None:
        """The scoring context the attempts are reconciled under (None: not reconciled)."""
        return self._plan.context if self.reconcile and self._plan is not None else None

    def _look_for_dumps(self, events: Sequence[Event], start: int = 0) -> int:
        """Note a cache dump among ``events[start:]``; how many events have been looked at."""
        self.dumped = self.dumped or any(event.kind == "cache_dump" for event in events[start:])
        return len(events)

    def _plan_from(self, head: AnalysisResult) -> None:
        from ..reconcile import plan

        self._plan = plan(head, self.k8s_version, self.config)

    def _finish(self, attempt: Attempt) -> Attempt:
        """The attempt reconciled under the plan (made from what the log has stated so far, for stdin)."""
        if not self.reconcile:
            return attempt
        if self._plan is None:  # stdin: the version and weights as the log has stated them so far
            self._plan_from(combine(self._partials))
        if self._plan.context is None:
            return attempt
        from ..reconcile import reconcile_attempt

        return reconcile_attempt(attempt, self._plan.context)

    def header(self) -> AnalysisResult:
        """Everything but the attempts (call after iterating): format, lines, config, notes."""
        result = combine(self._partials)
        if self.reconcile and self._plan is not None:
            from ..reconcile import apply_plan

            result = apply_plan(result, self._plan)
        return result


def whole_input(path: str, index: int, context: ScoringContext | None = None) -> PartialResult:
    """One input read whole by a worker (reconciled under ``context`` when given)."""
    part = analyze_input(path, index)
    if context is not None:
        from ..reconcile import reconcile_attempt

        with fewer_collections():
            part.attempts = [(seq, reconcile_attempt(attempt, context)) for seq, attempt in part.attempts]
    return part


class _UnitQueue:
    """The units in order: those read here are read by the caller, the others by the pool, which keeps
    up to ``ahead`` of them in flight (all of them when None). While streaming (``bounded``) it only
    runs ahead within the input being read, whose plan for reconciling is known."""

    def __init__(self, stream: AttemptStream, pool: WorkerPool, units: list[Unit], ahead: int | None) -> None:
        self.stream, self.pool, self.units, self.ahead = stream, pool, units, ahead
        self.handles: dict[int, Any] = {}  # unit position -> submitted work
        self._next = 0  # the next unit to consider submitting
        self._input = 0  # the input being read

    def reached(self, unit: Unit) -> None:
        """The caller is at ``unit``: start the pool's work up to ``ahead`` units past it."""
        self._input = unit.index
        while self._next < len(self.units) and (self.ahead is None or len(self.handles) < self.ahead):
            later = self.units[self._next]
            if self.stream.bounded and later.index > self._input:
                break
            self._next += 1
            if not later.here:
                self.handles[self._next - 1] = self.pool.submit(*self._work(later))

    def take(self, unit: Unit) -> Any:
        """The unit's result: read here now, or the pool's (waiting for it)."""
        self.reached(unit)
        if unit.here:
            run, *args = self._work(unit)
            return run(*args)
        return self.pool.result(self.handles.pop(unit.position))

    def drop(self, index: int) -> None:
        """Cancel the work on input ``index`` (it is read again in one pass)."""
        for position in [p for p in self.handles if self.units[p].index == index]:
            self.pool.cancel(self.handles.pop(position))
        while self._next < len(self.units) and self.units[self._next].index == index:
            self._next += 1

    def _work(self, unit: Unit) -> tuple:
        context = self.stream.context
        if unit.chunk is None:
            return whole_input, unit.path, unit.index, context
        return analyze_chunk, unit.path, unit.index, unit.chunk, context
