"""Pod timelines as data (schedlog/v1 JSON) and as tables: one pod's entries, or every pod ranked by waiting."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from ..model import AnalysisResult, SourceSpan
from ..timeline import Entry, PodStory, build_stories
from ..times import FullTimes
from .tables import Column, TableData

DEFAULT_TOP = 20


def full_time(times: FullTimes, raw: str | None, input_index: int) -> tuple[str | None, str | None]:
    """A raw log time as a full timestamp when its year is known (text, provenance), else (raw, None)."""
    if raw is None:
        return None, None
    resolved = times.of(SimpleNamespace(started_at=raw, span=SourceSpan(input_index, 0, 0)))  # type: ignore[arg-type]
    return (resolved.text, resolved.provenance) if resolved.text else (raw, None)


def entry_to_dict(entry: Entry, times: FullTimes, inputs: tuple[str, ...]) -> dict[str, Any]:
    at, year = full_time(times, entry.at, entry.input)
    data: dict[str, Any] = {"at": at, "at_year": year, "line": entry.line,
                            "file": inputs[entry.input] if entry.input < len(inputs) else None,
                            "kind": entry.kind, "text": entry.text}
    for key, value in entry.details.items():
        data.setdefault(key, value)
    return data


def story_to_dict(story: PodStory, times: FullTimes, inputs: tuple[str, ...]) -> dict[str, Any]:
    """One pod: outcome, node, attempts, waiting (derived) and every timeline entry in log order."""
    first = story.first
    first_at = full_time(times, first.at, first.input)[0] if first else None
    return {"pod": story.pod, "outcome": story.outcome, "node": story.node, "attempts": story.attempts,
            "first_seen": first_at, "first_line": first.line if first else None,
            "waited_seconds": story.waited_seconds, "waited_provenance": "derived" if story.waited_seconds
            is not None else None, "waited_until": story.waited_until, "last_reason": story.last_reason,
            "timeline": [entry_to_dict(e, times, inputs) for e in story.entries]}


def stories_to_dict(stories: list[PodStory], times: FullTimes, inputs: tuple[str, ...]) -> dict[str, Any]:
    return {"schema": "schedlog/v1", "pods": [story_to_dict(s, times, inputs) for s in stories]}


def waited_text(seconds: float | None) -> str:
    """A waiting time for people: 12ms, 3.4s, 2m05s, 1h02m."""
    if seconds is None:
        return "?"
    if seconds < 1:
        return f"{seconds * 1000:.0f}ms"
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def ranked(stories: list[PodStory]) -> list[PodStory]:
    """Pods that waited longest first (unknown waits last), then by first sight."""
    return sorted(stories, key=waiting_order)


def waiting_order(story: PodStory) -> tuple[bool, float]:
    """The sort key of ``ranked``: the longest wait first, unknown waits last."""
    return story.waited_seconds is None, -(story.waited_seconds or 0.0)


def pods_table(stories: list[PodStory], times: FullTimes, top: int = DEFAULT_TOP) -> tuple[TableData, int]:
    """The ``top`` pods that waited longest, one row each; and how many pods were left out."""
    chosen = ranked(stories)[:top] if top > 0 else ranked(stories)
    columns = [Column("pod"), Column("outcome"), Column("node"), Column("attempts", right=True),
               Column("waited", right=True), Column("first seen", wide=True), Column("line", right=True, wide=True),
               Column("last reason", optional=True)]
    rows = []
    for s in chosen:
        first = s.first
        seen = full_time(times, first.at, first.input)[0] if first else None
        rows.append([s.pod, s.outcome, s.node or "", str(s.attempts), waited_text(s.waited_seconds), seen or "",
                     str(first.line) if first else "", s.last_reason or ""])
    return TableData(columns, rows, title="pods, longest waiting first"), len(stories) - len(chosen)


def story_table(story: PodStory, times: FullTimes, inputs: tuple[str, ...]) -> TableData:
    """One pod's timeline: time, line, kind, what happened."""
    columns = [Column("at"), Column("file", wide=True), Column("line", right=True), Column("kind"), Column("what")]
    rows = [[full_time(times, e.at, e.input)[0] or "", inputs[e.input] if e.input < len(inputs) else "",
             str(e.line), e.kind, e.text] for e in story.entries]
    return TableData(columns, rows, title=f"{story.pod}: {story.outcome}"
                     + (f" on {story.node}" if story.node else "") + f", waited {waited_text(story.waited_seconds)}")


SUMMARY_TOP = 3


def longest_pending(result: AnalysisResult, top: int = SUMMARY_TOP) -> list[PodStory]:
    """The pods that waited longest (first sight to bind, deletion or the end of the log)."""
    return [s for s in ranked(build_stories(result)) if s.waited_seconds is not None][:top]


def longest_pending_rows(result: AnalysisResult, top: int = SUMMARY_TOP) -> list[list[str]]:
    """Summary rows: 'longest pending' -> pod, waited, outcome, attempts and the last attempt's reason."""
    rows = []
    for story in longest_pending(result, top):
        tail = f", last reason: {story.last_reason}" if story.last_reason else ""
        node = f" on {story.node}" if story.node else ""
        rows.append(["longest pending", f"{story.pod}: {waited_text(story.waited_seconds)} ({story.outcome}{node}, "
                                        f"{story.attempts} attempt{'s' if story.attempts != 1 else ''}{tail})"])
    return rows


def longest_pending_data(result: AnalysisResult, top: int = 10) -> list[dict[str, Any]]:
    return [{"pod": s.pod, "outcome": s.outcome, "node": s.node, "attempts": s.attempts,
             "waited_seconds": s.waited_seconds, "last_reason": s.last_reason} for s in longest_pending(result, top)]
