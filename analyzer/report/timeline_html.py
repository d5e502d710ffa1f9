"""The report's "Pods over time" part: an inline SVG with a lane per pod (the ones that waited longest) and a
collapsed section per pod with its timeline. Plain SVG and HTML, no script (the page's CSP allows one)."""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, NamedTuple

from markupsafe import Markup, escape

from ..model import AnalysisResult, Attempt, NodeResult, names_pod
from ..timeline import PodStory
from ..timeline.build import each_story, first_sight, parse_time, runner_up
from ..times import FullTimes
from .timeline import full_time, waited_text, waiting_order

MAX_LANES = 20
MAX_ENTRIES_EACH_END = 20  # a pod's table in the page: its first and last 20 entries
LANE_HEIGHT, PLOT_WIDTH, CHAR_WIDTH, MAX_LABEL = 18, 620, 6.4, 420  # px; labels in 11px type
MARK_COLORS = {"attempt": "#555", "bound": "#2a7", "bind-failed": "#c33", "deleted": "#c33", "backoff": "#e90",
               "gated": "#96c", "queue": "#69c", "preemption": "#c60"}
OUTCOME_COLORS = {"unschedulable": "#c33", "error": "#c33", "deleted": "#999"}


class MarginNode(NamedTuple):
    """A node as the timeline's margin reads it: its name and logged total."""

    node: str
    total_logged: int | None


class Lines(NamedTuple):
    """An attempt's ``SourceSpan`` in a third of the memory."""

    input: int
    first_line: int
    last_line: int


CANDIDATE_SAMPLE = 5  # a preemption entry names this many of its candidate nodes (timeline.build._preemption_entry)


class Sample:
    """The first CANDIDATE_SAMPLE items of a sequence and its length, as a preemption entry reads its candidates
    (``len`` and ``[:5]``): a preemption among 5,000 nodes keeps 5 names, not 5,000."""

    __slots__ = ("first", "count")

    def __init__(self, items: tuple[str, ...]) -> None:
        self.first, self.count = items[:CANDIDATE_SAMPLE], len(items)

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, index: slice) -> tuple[str, ...]:
        if index.start or index.step or index.stop is None or index.stop > CANDIDATE_SAMPLE:
            raise IndexError(f"only the first {CANDIDATE_SAMPLE} candidates are kept, not {index}")
        return self.first[index]


class StoryPreemption(NamedTuple):
    """What a pod's timeline reads of a ``Preemption`` that ran (its candidates as a ``Sample``)."""

    ran: bool
    status: str | None
    potential_nodes: Sample
    victims: tuple[tuple[str, str], ...]
    nominated_node: str | None


class StoryFailure(NamedTuple):
    """What a pod's timeline reads of a ``Failure``: the message and the reason counts."""

    message: str
    reasons: Mapping[str, int]


class StoryAttempt:
    """What a pod's timeline reads of an attempt (``timeline.story_of``, ``FullTimes.of``), without its nodes:
    of those only the winner and the best other logged total are kept, which give the same margin; of its
    failure the message and reasons, of its preemption (when it ran) 5 candidates and their count.
    ``names`` keeps one copy of each pod and node name and failure message (shared by the records of a log)."""

    __slots__ = ("pod", "attempt", "started_at", "outcome", "winner", "evaluated_nodes", "feasible_nodes",
                 "failure", "preemption", "complete", "incomplete_reason", "span", "nodes")

    def __init__(self, attempt: Attempt, names: dict[str, str]) -> None:
        self.pod, self.attempt, self.started_at = _one(names, attempt.pod), attempt.attempt, attempt.started_at
        self.outcome, self.winner = attempt.outcome, _one(names, attempt.winner)
        self.evaluated_nodes, self.feasible_nodes = attempt.evaluated_nodes, attempt.feasible_nodes
        failure, pre = attempt.failure, attempt.preemption
        self.failure = None if failure is None else StoryFailure(_one(names, failure.message), failure.reasons)
        self.preemption = None if pre is None or not pre.ran else StoryPreemption(
            pre.ran, pre.status, Sample(pre.potential_nodes), pre.victims, _one(names, pre.nominated_node))
        self.complete, self.incomplete_reason = attempt.complete, attempt.incomplete_reason
        span = attempt.span
        self.span = Lines(span.input, span.first_line, span.last_line) if span is not None else None
        self.nodes = tuple(MarginNode(_one(names, n.node), n.total_logged) for n in _margin_nodes(attempt))

    def node(self, name: str) -> MarginNode | None:
        return next((n for n in self.nodes if n.node == name), None)


def _one(names: dict[str, str], name: str | None) -> str | None:
    """The one copy of a name that ``names`` keeps."""
    return None if name is None else names.setdefault(name, name)


def _margin_nodes(attempt: Attempt) -> tuple[NodeResult, ...]:
    """The winner's node (the first of its name) and the best other node by (logged total, name)."""
    winner = attempt.node(attempt.winner) if attempt.winner else None
    if winner is None:
        return ()
    best = runner_up(attempt, winner.node)
    return (winner,) if best is None else (winner, best)


def _offset(at: str | None, start: Any, span: float, left: float) -> float | None:
    moment = parse_time(at)
    if moment is None or start is None or moment.tzinfo != start.tzinfo:
        return None
    return left + PLOT_WIDTH * max((moment - start).total_seconds(), 0.0) / span


def _mark_color(kind: str, details: Any) -> str | None:
    """Failed attempts show red, the others by kind (None: no mark)."""
    if kind == "attempt" and details.get("outcome") in ("unschedulable", "error"):
        return "#c33"
    return MARK_COLORS.get(kind)


def lanes_svg(stories: list[PodStory]) -> Markup:
    """One lane per pod: a bar from first sight over its waiting time, a mark per timeline entry."""
    firsts = [parse_time(s.first.at) for s in stories if s.first and s.first.at]
    firsts = [f for f in firsts if f is not None]
    if not firsts:
        return Markup("")
    start = min(firsts, key=lambda t: (t.tzinfo is not None, t))
    longest = max((s.waited_seconds or 0.0) for s in stories)
    ends = [parse_time(e.at) for s in stories for e in s.entries if e.at]
    span = max([longest] + [(e - start).total_seconds() for e in ends if e is not None and e.tzinfo == start.tzinfo])
    span = span or 1e-6
    height = LANE_HEIGHT * len(stories) + 24
    left = min(max(len(s.pod) for s in stories) * CHAR_WIDTH + 12, MAX_LABEL)
    parts = [f'<svg class="lanes" width="{left + PLOT_WIDTH + 10:.0f}" height="{height}" role="img" '
             f'aria-label="pods over time">']
    for i, story in enumerate(stories):
        y = 4 + i * LANE_HEIGHT
        parts.append(f'<text x="0" y="{y + 12}" font-size="11">{escape(story.pod)}</text>')
        x0 = _offset(story.first.at if story.first else None, start, span, left)
        if x0 is not None and story.waited_seconds is not None:
            width = max(PLOT_WIDTH * story.waited_seconds / span, 1.0)
            color = OUTCOME_COLORS.get(story.outcome, "#bcd")
            parts.append(f'<rect x="{x0:.1f}" y="{y + 5}" width="{width:.1f}" height="6" fill="{color}" '
                         f'opacity="0.5"><title>{escape(story.pod)}: {story.outcome}, waited '
                         f'{waited_text(story.waited_seconds)}</title></rect>')
        for entry in story.entries:
            x, color = _offset(entry.at, start, span, left), _mark_color(entry.kind, entry.details)
            if x is None or color is None:
                continue
            parts.append(f'<circle cx="{x:.1f}" cy="{y + 8}" r="3.5" fill="{color}"><title>line '
                         f'{entry.line}: {escape(entry.text)}</title></circle>')
    parts.append(f'<text x="{left:.0f}" y="{height - 4}" font-size="10" fill="#777">0</text>'
                 f'<text x="{left + PLOT_WIDTH:.0f}" y="{height - 4}" font-size="10" fill="#777" '
                 f'text-anchor="end">{escape(waited_text(span))}</text></svg>')
    return Markup("".join(parts))


def longest_waiting(stories: Iterable[PodStory], limit: int) -> tuple[list[PodStory], int]:
    """The first ``limit`` of the stories as ``ranked`` orders them once sorted by first sight (given in any
    order, kept ``limit`` at a time), and how many stories there were."""
    total = 0

    def keyed() -> Iterator[tuple[tuple[Any, ...], PodStory]]:
        nonlocal total
        for index, story in enumerate(stories):
            total += 1
            yield (waiting_order(story), first_sight(story), index), story

    shown = [story for _, story in heapq.nsmallest(limit, keyed(), key=lambda kept: kept[0])]
    return shown, total


def timeline_view(result: AnalysisResult, pod: str | None, times: FullTimes, limit: int = MAX_LANES
                  ) -> dict[str, Any] | None:
    """What the template's timeline part needs (None when the log names no pod). ``result.attempts`` may be
    ``StoryAttempt`` records: the stories are built one at a time and only the ``limit`` shown are kept."""
    shown, total = longest_waiting((s for s in each_story(result) if pod is None or names_pod(s.pod, pod)), limit)
    if not total:
        return None
    pods = []
    for story in shown:
        kept = story.entries
        left_out = max(len(kept) - 2 * MAX_ENTRIES_EACH_END, 0)
        if left_out:  # a pod retried for hours: its first and last entries, and a count of the rest
            kept = kept[:MAX_ENTRIES_EACH_END] + kept[-MAX_ENTRIES_EACH_END:]
        entries = [{"at": full_time(times, e.at, e.input)[0] or "", "line": e.line, "kind": e.kind, "text": e.text}
                   for e in kept]
        pods.append({"pod": story.pod, "outcome": story.outcome, "node": story.node, "attempts": story.attempts,
                     "waited": waited_text(story.waited_seconds), "last_reason": story.last_reason,
                     "entries": entries, "left_out": left_out, "cut_after": MAX_ENTRIES_EACH_END})
    return {"svg": lanes_svg(shown), "pods": pods, "total": total, "rest": total - len(shown)}
