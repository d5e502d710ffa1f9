"""Build each pod's timeline from the attempts the model rebuilt and the story lines the parser kept.

Attempts give the cycles (evaluated/feasible, no-fit reasons, winner and margin, preemption); the story
lines (``AnalysisResult.story``) give what happens between cycles: the informer seeing the pod, queue
moves with their event and hint, gates, the bind result's own line, deletion. Times are the log's own
(raw klog text); ``waited_seconds`` is derived from them.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..model import AnalysisResult, Attempt, NodeResult, Outcome
from ..parse.events import Event

# queue names as the scheduler logs them -> the queue's name in the scheduler's own source
QUEUE_NAMES: dict[str, str] = {"Active": "activeQ", "Backoff": "backoffQ", "Unschedulable": "unschedulablePods",
                               "Gated": "unschedulablePods (gated)"}
OUTCOME_KINDS = frozenset({"bound", "bind_failed", "no_fit", "schedule_error"})
WAIT_STARTS = frozenset({"seen", "queue", "backoff", "gated", "attempt"})  # entries that show the pod pending


@dataclass(frozen=True)
class Entry:
    """One thing that happened to a pod: where (input, line), when (raw log time), what (kind, details)."""

    # seen | queue | backoff | gated | attempt | preemption | bound | bind-failed | assigned | deleted | skipped
    kind: str
    input: int
    line: int
    at: str | None
    text: str  # one line for people
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PodStory:
    """A pod from first sight to bind or the end of the log."""

    pod: str
    outcome: str  # bound | unschedulable | error | deleted | pending | unknown
    node: str | None
    entries: tuple[Entry, ...]
    attempts: int
    waited_seconds: float | None  # first sight to bind (or to the last time in the log), derived
    last_reason: str | None  # why the last failed attempt failed (its most frequent reason); None when none failed
    waited_until: str = "log-end"  # bind | deletion | log-end (the latest time of a line the analysis kept)

    @property
    def first(self) -> Entry | None:
        """First sight of the pod pending (an earlier pod of the same name may have left lines before it)."""
        return next((e for e in self.entries if e.kind in WAIT_STARTS), self.entries[0] if self.entries else None)


def parse_time(text: str | None) -> datetime | None:
    """A log time (ISO with or without year, klog's '--MM-DD' form) as a datetime; yearless ones get 2000,
    a leap year, so differences within one log hold (a turn of the year is not handled)."""
    if not text:
        return None
    raw = text.rstrip("Z")
    if raw.startswith("--"):
        raw = "2000-" + raw[2:]
    try:
        return datetime.fromisoformat(raw)
    except ValueError:
        return None


def _seconds(start: str | None, end: str | None) -> float | None:
    a, b = parse_time(start), parse_time(end)
    if a is None or b is None or a.tzinfo != b.tzinfo:
        return None
    return round(max((b - a).total_seconds(), 0.0), 6)


class _PodNames:
    """Resolves a pod as a story line logged it to the name the attempts use (ns/name)."""

    def __init__(self, pods: Iterable[str]) -> None:
        self.known = set(pods)
        by_name: dict[str, set[str]] = defaultdict(set)
        for pod in self.known:
            by_name[pod.rsplit("/", 1)[-1]].add(pod)
        self.by_name = {name: next(iter(p)) for name, p in by_name.items() if len(p) == 1}

    def resolve(self, event: Event) -> str | None:
        pod = event.pod
        if pod is None:
            return None
        if event.pod_form == "name_ns" and "_" in pod:
            name, _, ns = pod.partition("_")
            pod = f"{ns}/{name}"
        if pod in self.known or "/" in pod:
            return pod
        return self.by_name.get(pod, pod)


def _margin(attempt: Attempt) -> tuple[int | None, str | None]:
    """The winner's lead over the best other node (logged totals), and that runner-up."""
    winner = attempt.winner
    if winner is None:
        return None, None
    mine = attempt.node(winner)
    if mine is None or mine.total_logged is None:
        return None, None
    best = runner_up(attempt, winner)
    if best is None:
        return None, None
    return mine.total_logged - best.total_logged, best.node


def runner_up(attempt: Attempt, winner: str) -> NodeResult | None:
    """The best node other than the winner by (logged total, name), the one a winner's margin is measured to;
    None when no other node has a logged total."""
    others = (n for n in attempt.nodes if n.node != winner and n.total_logged is not None)
    return max(others, key=lambda n: (n.total_logged, n.node), default=None)


def _top_reason(attempt: Attempt) -> str | None:
    failure = attempt.failure
    if failure is None:
        return None
    if failure.reasons:
        reason, count = max(failure.reasons.items(), key=lambda item: (item[1], item[0]))
        return f"{count} {reason}"
    return failure.message or None


def _attempt_entry(attempt: Attempt, ended: Event | None) -> Entry:
    margin, runner_up = _margin(attempt)
    details: dict[str, Any] = {
        "attempt": attempt.attempt, "outcome": attempt.outcome.value, "node": attempt.winner,
        "evaluated_nodes": attempt.evaluated_nodes, "feasible_nodes": attempt.feasible_nodes,
        "margin": margin, "runner_up": runner_up, "complete": attempt.complete,
        "end_line": ended.line if ended else (attempt.span.last_line if attempt.span else None),
        "ended_at": ended.ts if ended else None,
    }
    if attempt.failure is not None:
        details["reasons"] = dict(attempt.failure.reasons)
        details["message"] = attempt.failure.message
    counts = ""
    if attempt.evaluated_nodes is not None or attempt.feasible_nodes is not None:
        counts = f", {_num(attempt.feasible_nodes)}/{_num(attempt.evaluated_nodes)} nodes feasible"
    if attempt.outcome is Outcome.BOUND or (attempt.winner and attempt.outcome is Outcome.UNKNOWN):
        lead = f" by {margin} over {runner_up}" if margin is not None else ""
        text = f"attempt {attempt.attempt}: picked {attempt.winner}{lead}{counts}"
    elif attempt.outcome is Outcome.UNSCHEDULABLE:
        text = f"attempt {attempt.attempt}: no fit{counts}: {_top_reason(attempt) or '?'}"
    elif attempt.outcome is Outcome.ERROR:
        text = f"attempt {attempt.attempt}: error: {attempt.failure.message if attempt.failure else '?'}"
    else:
        text = f"attempt {attempt.attempt}: {attempt.incomplete_reason or 'outcome not in the log'}{counts}"
    span = attempt.span
    return Entry("attempt", span.input if span else 0, span.first_line if span else 0,
                 attempt.started_at or (ended.ts if ended else None), text, details)


def _num(value: int | None) -> str:
    return "?" if value is None else str(value)


def _preemption_entry(attempt: Attempt, line_event: Event | None, ended: Event | None) -> Entry | None:
    pre = attempt.preemption
    if pre is None or not pre.ran:
        return None
    victims = [{"pod": pod, "node": node} for pod, node in pre.victims]
    details = {"attempt": attempt.attempt, "status": pre.status, "candidates": len(pre.potential_nodes),
               "candidate_sample": list(pre.potential_nodes[:5]), "victims": victims,
               "nominated_node": pre.nominated_node}
    if pre.nominated_node or victims:
        text = (f"preemption: nominated {pre.nominated_node or '?'}, {len(victims)} victim"
                f"{'s' if len(victims) != 1 else ''}" + (f" ({', '.join(v['pod'] for v in victims[:3])})"
                                                          if victims else ""))
    else:
        text = f"preemption did not help: {pre.status or 'no candidate'}"
    span = attempt.span
    where = line_event or ended  # the victim line, else the cycle's outcome line (preemption runs before it)
    line = where.line if where else (span.last_line if span else 0)
    return Entry("preemption", span.input if span else 0, line, where.ts if where else None, text, details)


def _queue_entry(event: Event) -> Entry:
    data = event.data
    queue = str(data.get("queue", "?"))
    cluster_event = data.get("event")
    hint = data.get("hint")
    details = {"queue": queue, "queue_name": QUEUE_NAMES.get(queue, queue), "event": cluster_event, "hint": hint}
    if event.kind == "queue_gated":
        kind, text = "gated", f"gated: held in {QUEUE_NAMES.get(queue, queue)} (event {cluster_event})"
    else:
        kind = "backoff" if queue == "Backoff" else "queue"
        text = f"moved to {QUEUE_NAMES.get(queue, queue)} on {cluster_event}" + \
            (f" (hint {hint})" if hint is not None else "")
    return Entry(kind, event.input, event.line, event.ts, text, details)


def _simple_entry(event: Event, bound_before: bool) -> Entry:
    kind = event.kind
    if kind == "pod_seen":
        return Entry("seen", event.input, event.line, event.ts, "the informer saw the pending pod")
    if kind == "pre_enqueue":
        status = event.data.get("status")
        return Entry("gated", event.input, event.line, event.ts, f"PreEnqueue {event.name} holds it: {status}",
                     {"plugin": event.name, "status": None if status is None else str(status)})
    if kind == "pod_unqueued":
        if bound_before:
            return Entry("assigned", event.input, event.line, event.ts, "the informer saw the pod bound")
        return Entry("deleted", event.input, event.line, event.ts, "deleted while pending", {"scheduled": False})
    if kind == "pod_deleted":
        return Entry("deleted", event.input, event.line, event.ts, "the scheduled pod was deleted", {"scheduled": True})
    return Entry("skipped", event.input, event.line, event.ts, "skipped: the pod is being deleted")


def _outcome_entry(event: Event) -> Entry | None:
    if event.kind == "bound":
        return Entry("bound", event.input, event.line, event.ts, f"bound to {event.node}", {"node": event.node})
    if event.kind == "bind_failed":
        err = str(event.data.get("err") or "binding failed")
        return Entry("bind-failed", event.input, event.line, event.ts, f"binding failed: {err}", {"error": err})
    return None


def _within(event: Event, attempt: Attempt) -> bool:
    span = attempt.span
    return span is not None and event.input == span.input and span.first_line <= event.line <= span.last_line


def _first_within(events: list[Event], keys: list[tuple[int, int]], attempt: Attempt, used: set[int]
                  ) -> Event | None:
    """The first event (of a list in log order, ``keys`` its (input, line)) inside the attempt's lines."""
    span = attempt.span
    if span is None:
        return None
    for i in range(bisect_left(keys, (span.input, span.first_line)), len(events)):
        event = events[i]
        if not _within(event, attempt):
            return None
        if id(event) not in used:
            return event
    return None


def story_of(pod: str, attempts: list[Attempt], events: list[Event], end_at: str | None) -> PodStory:
    """One pod's story from its attempts (log order) and its story lines (log order)."""
    entries: list[Entry] = []
    used: set[int] = set()
    bind_lines = []  # (input, line) where a bind of this pod was decided, for telling a bind from a deletion
    outcomes = sorted((e for e in events if e.kind in OUTCOME_KINDS), key=lambda e: (e.input, e.line))
    outcome_keys = [(e.input, e.line) for e in outcomes]
    victims = sorted((e for e in events if e.kind == "preempted"), key=lambda e: (e.input, e.line))
    victim_keys = [(e.input, e.line) for e in victims]
    for attempt in attempts:
        ended = _first_within(outcomes, outcome_keys, attempt, used)
        if ended is not None:
            used.add(id(ended))
        entries.append(_attempt_entry(attempt, ended))
        preempted = _first_within(victims, victim_keys, attempt, set())
        pre = _preemption_entry(attempt, preempted, ended)
        if pre is not None:
            entries.append(pre)
        if attempt.winner and attempt.span:
            bind_lines.append((attempt.span.input, attempt.span.first_line))
        if ended is not None and (entry := _outcome_entry(ended)) is not None:
            entries.append(entry)
    for event in events:
        if event.kind in ("queue_move", "queue_gated"):
            entries.append(_queue_entry(event))
        elif event.kind in ("pod_seen", "pre_enqueue", "pod_unqueued", "pod_deleted", "pod_skipped"):
            bound_before = any(i == event.input and line <= event.line for i, line in bind_lines)
            entries.append(_simple_entry(event, bound_before))
        elif event.kind in ("bound", "bind_failed") and id(event) not in used \
                and (entry := _outcome_entry(event)) is not None:  # a bind whose cycle the log does not show
            entries.append(entry)
    entries.sort(key=lambda e: (e.input, e.line, e.kind != "attempt"))
    return _finish(pod, attempts, entries, end_at)


def _finish(pod: str, attempts: list[Attempt], entries: list[Entry], end_at: str | None) -> PodStory:
    last = attempts[-1] if attempts else None
    bound = next((e for e in reversed(entries) if e.kind == "bound"), None)
    deleted = next((e for e in reversed(entries) if e.kind == "deleted"), None)
    node = None
    if last is not None and last.outcome is Outcome.BOUND:
        outcome, node = "bound", last.winner
    elif bound is not None:
        outcome, node = "bound", bound.details.get("node")
    elif deleted is not None and (last is None or (last.span and deleted.line > last.span.last_line)):
        outcome = "deleted"
    elif last is None:
        outcome = "pending"
    elif last.outcome is Outcome.UNKNOWN:
        outcome = "unknown"
    else:
        outcome = last.outcome.value
    # a deletion or bind of an earlier pod of the same name may come first: waiting starts at first sight
    first_at = next((e.at for e in entries if e.at and e.kind in WAIT_STARTS), None)
    end = bound.at if bound is not None and bound.at else None
    if end is None and outcome == "bound":
        end = next((e.details.get("ended_at") or e.at for e in reversed(entries) if e.kind == "attempt"), None)
    if end is None and outcome == "deleted":
        end = deleted.at if deleted else None
    until = "log-end" if end is None else ("bind" if outcome == "bound" else "deletion")
    waited = _seconds(first_at, end or end_at)
    failed = next((a for a in reversed(attempts) if a.failure is not None), None)  # bound pods keep why they waited
    reason = _top_reason(failed) if failed is not None else None
    return PodStory(pod, outcome, node, tuple(entries), len(attempts), waited, reason, until)


def build_stories(result: AnalysisResult) -> list[PodStory]:
    """Every pod's story, in order of first sight in the log."""
    return sorted(each_story(result), key=first_sight)


def first_sight(story: PodStory) -> tuple[int, int]:
    """Where the pod was first seen pending: (input, line)."""
    return (story.first.input, story.first.line) if story.first else (0, 0)


def each_story(result: AnalysisResult) -> Iterator[PodStory]:
    """Every pod's story, one at a time (in order of the pod's first attempt, then of its first story line),
    so that a caller can keep only the few it shows."""
    attempts: dict[str, list[Attempt]] = defaultdict(list)
    for attempt in result.attempts:
        attempts[attempt.pod].append(attempt)
    names = _PodNames(attempts)
    events: dict[str, list[Event]] = defaultdict(list)
    for event in result.story:
        pod = names.resolve(event)
        if pod is not None and pod != "?":
            events[pod].append(event)
    times = [e.ts for e in result.story if e.ts] + [a.started_at for a in result.attempts if a.started_at]
    end_at = max(times, key=lambda t: parse_time(t) or datetime.min, default=None)
    for pod in dict.fromkeys([*attempts, *events]):
        if pod != "?":
            yield story_of(pod, attempts.get(pod, []), events.get(pod, []), end_at)
