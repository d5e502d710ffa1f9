"""What the scheduler's cache held: SIGUSR2 dumps as node-state snapshots, comparer findings, and the cache
events (node add/update/delete, pod deletions) that a replay applies after a dump.

Every amount in a snapshot is observed (printed by the dumper). Built from the events the assembler keeps
aside (``CACHE_KINDS``), in log order, by ``cache_facts``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..parse.dumps import (
    DumpedNode,
    DumpedPod,
    parse_name_list,
    parse_nodes,
    parse_pod_list,
    parse_queue_summary,
)
from ..parse.events import CACHE, Event, kinds_for

# Event kinds the assembler keeps (in config_events) for this module: dumps, the comparer, cache changes.
CACHE_KINDS = kinds_for(CACHE)
_CHANGE_KINDS = ("pod_deleted", "node_updated", "node_added", "node_deleted")


@dataclass(frozen=True)
class Position:
    """Where a line is: input index and line number (log order), its time and the process that wrote it."""

    input: int
    line: int
    ts: str | None = None
    stream: str = ""

    @classmethod
    def of(cls, event: Event) -> Position:
        return cls(event.input, event.line, event.ts, event.stream)

    @property
    def order(self) -> tuple[int, int]:
        return (self.input, self.line)


@dataclass(frozen=True)
class CacheDump:
    """One SIGUSR2 dump: the cache's nodes (a snapshot, provenance observed) and the pending pods."""

    at: Position
    style: str  # legacy (<= 1.23 one Info entry per node) | structured (1.24+ one line) | json-list
    nodes: tuple[DumpedNode, ...] = ()
    queue: tuple[DumpedPod, ...] | None = None  # None: the log has no queue dump after this one
    queue_summary: dict[str, int] = field(default_factory=dict)
    provenance: str = "observed"

    def node(self, name: str) -> DumpedNode | None:
        return next((n for n in self.nodes if n.name == name), None)


@dataclass(frozen=True)
class CacheMismatch:
    """A comparer warning: nodes or pods (by UID) the informers have and the cache lacks, or the reverse."""

    at: Position
    missed_nodes: tuple[str, ...] = ()
    redundant_nodes: tuple[str, ...] = ()
    missed_pods: tuple[str, ...] = ()
    redundant_pods: tuple[str, ...] = ()


@dataclass(frozen=True)
class CacheChange:
    """A cache event a replay applies after a dump: pod_deleted, node_added, node_updated, node_deleted."""

    at: Position
    kind: str
    pod: str | None = None
    node: str | None = None


@dataclass(frozen=True)
class CacheFacts:
    """Everything the log says about the scheduler's cache, in log order."""

    dumps: tuple[CacheDump, ...] = ()
    mismatches: tuple[CacheMismatch, ...] = ()
    changes: tuple[CacheChange, ...] = ()
    pod_requests: Any = None  # ns/name -> requests, given by the caller (never in the log): for replays

    def __bool__(self) -> bool:
        return bool(self.dumps or self.mismatches)


def cache_facts(events: Iterable[Event]) -> CacheFacts:
    """The dumps, comparer findings and cache changes among the events (others are skipped)."""
    dumps: list[dict[str, Any]] = []
    mismatches: list[CacheMismatch] = []
    changes: list[CacheChange] = []
    for event in sorted((e for e in events if e.kind in CACHE_KINDS), key=lambda e: (e.input, e.line)):
        kind = event.kind
        if kind == "cache_dump":
            nodes_value = event.data.get("nodes")
            if isinstance(nodes_value, list):
                style, nodes = "json-list", parse_nodes(nodes_value)
            else:
                text = nodes_value if isinstance(nodes_value, str) else event.data.get("text", "")
                style, nodes = ("structured" if "nodes" in event.data else "legacy"), parse_nodes(text)
            dumps.append({"at": Position.of(event), "style": style, "nodes": nodes})
        elif kind == "cache_dump_entry":
            latest = _latest(dumps, event.stream)
            if latest is not None:
                latest["nodes"].extend(parse_nodes(event.data.get("text", "")))
        elif kind == "queue_dump":
            latest = _latest(dumps, event.stream)
            if latest is not None and "queue" not in latest:
                pods = event.data.get("pods")
                latest["queue"] = tuple(parse_pod_list(pods if pods not in (None, "") and not _is_marker(pods)
                                                       else event.data.get("text", "")))
                latest["queue_summary"] = parse_queue_summary(event.data.get("summary"))
        elif kind == "cache_mismatch":
            d = event.data
            mismatches.append(CacheMismatch(
                Position.of(event), *(tuple(parse_name_list(d.get(k))) for k in
                                      ("missedNodes", "redundantNodes", "missedPods", "redundantPods"))))
        elif kind in _CHANGE_KINDS:
            changes.append(CacheChange(Position.of(event), kind, event.pod, event.node))
    built = tuple(CacheDump(d["at"], d["style"], tuple(d["nodes"]), d.get("queue"), d.get("queue_summary", {}))
                  for d in dumps)
    return CacheFacts(built, tuple(mismatches), tuple(changes))


def _latest(dumps: list[dict[str, Any]], stream: str) -> dict[str, Any] | None:
    """The latest dump written by the same process."""
    return next((d for d in reversed(dumps) if d["at"].stream == stream), None)


def _is_marker(value: Any) -> bool:
    """The parser's marker for a multi-line value (its text is in data['text'])."""
    return not isinstance(value, (str, list))
