"""The stable JSON contract (schema "schedlog/v1"): the model as plain data.

Keys are only ever added, never renamed or removed; README.md documents them. Output is
deterministic: the same input gives byte-identical JSON.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Iterator
from typing import Any

from ..model import AnalysisResult, Attempt, NodeResult, Score
from ..times import FullTimes
from .cachetext import cache_keys, replays_by_attempt

SCHEMA = "schedlog/v1"


def score_to_dict(score: Score) -> dict[str, Any]:
    out: dict[str, Any] = {
        "plugin": score.plugin,
        "logged_as": score.logged_as,
        "raw": score.raw,
        "normalized": score.normalized,
        "weight": score.weight,
        "weighted": score.weighted,
        "provenance": dict(sorted(score.provenance.items())),
        "hidden": score.hidden,
        "recomputed": score.recomputed,
    }
    if score.inputs is not None:
        out["inputs"] = {
            "scorer": score.inputs.scorer,
            "allocatable": dict(score.inputs.allocatable),
            "requested": dict(score.inputs.requested),
            "score": score.inputs.score,
            "line_style": score.inputs.line_style,
        }
    return out


def node_to_dict(node: NodeResult) -> dict[str, Any]:
    return {
        "node": node.node,
        "filter": node.filter.value,
        "filter_provenance": node.filter_provenance.value if node.filter_provenance else None,
        "total_logged": node.total_logged,
        "total_recomputed": node.total_recomputed,
        "visible_sum": node.visible_sum,
        "scores": [score_to_dict(s) for s in node.scores],
        "filter_reasons": list(node.filter_reasons),
    }


def _discrepancy_to_dict(d: Any) -> dict[str, Any]:
    if hasattr(d, "to_dict"):
        return d.to_dict()
    return dict(d)


def attempt_to_dict(attempt: Attempt, times: FullTimes | None = None) -> dict[str, Any]:
    """One attempt as plain data; ``times`` gives the full start time (without it, only a year the log shows)."""
    full = (times or FullTimes(())).of(attempt)
    failure = None
    if attempt.failure is not None:
        failure = {
            "message": attempt.failure.message,
            "reasons": dict(attempt.failure.reasons),
            "total_nodes": attempt.failure.total_nodes,
            "preemption_message": attempt.failure.preemption_message,
            "preemption_reasons": dict(attempt.failure.preemption_reasons),
        }
    preemption = None
    if attempt.preemption is not None:
        p = attempt.preemption
        preemption = {"ran": p.ran, "status": p.status, "potential_nodes": list(p.potential_nodes),
                      "victims": [{"pod": v, "node": n} for v, n in p.victims],
                      "nominated_node": p.nominated_node, "victim_count": p.victim_count}
    return {
        "pod": attempt.pod,
        "attempt": attempt.attempt,
        "started_at": attempt.started_at,
        "started_at_full": full.text,
        "started_at_full_provenance": full.provenance,
        "profile": attempt.profile,
        "outcome": attempt.outcome.value,
        "outcome_provenance": attempt.outcome_provenance.value if attempt.outcome_provenance else None,
        "selected_node": attempt.selected_node,
        "bound_node": attempt.bound_node,
        "evaluated_nodes": attempt.evaluated_nodes,
        "feasible_nodes": attempt.feasible_nodes,
        "failure": failure,
        "preemption": preemption,
        "complete": attempt.complete,
        "incomplete_reason": attempt.incomplete_reason,
        "stream": attempt.stream,
        "lines": [attempt.span.first_line, attempt.span.last_line] if attempt.span else None,
        "nodes": [node_to_dict(n) for n in attempt.nodes],
        "discrepancies": [_discrepancy_to_dict(d) for d in attempt.discrepancies],
    }


def result_to_dict(result: AnalysisResult, attempts: list[Attempt] | None = None) -> dict[str, Any]:
    lines = result.lines
    times = FullTimes.for_result(result)
    return {
        "schema": SCHEMA,
        "inputs": list(result.inputs),
        "format": {
            "era": result.format.era,
            "encoding": result.format.encoding,
            "wrapper": result.format.wrapper,
            "k8s_version": result.format.k8s_version,
            "version_source": result.format.version_source,
        },
        "lines": {
            "total": lines.total,
            "parsed": lines.parsed,
            "ignored": lines.ignored,
            "unrecognized": lines.unrecognized,
            "damaged": lines.damaged,
            "ignored_by_reason": dict(lines.ignored_by_reason),
        },
        "config": {
            "weights": dict(sorted(result.config.weights.items())),
            "weights_provenance": result.config.weights_provenance.value
            if result.config.weights_provenance else None,
            "algorithm_provider": result.config.algorithm_provider,
            "priorities": list(result.config.priorities),
        },
        "notes": list(result.notes),
        **cache_keys(result),
        "attempts": _with_replays(result, [attempt_to_dict(a, times)
                                           for a in (result.attempts if attempts is None else attempts)]),
    }


def _with_replays(result: AnalysisResult, attempts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each attempt after a cache dump gains "cache_replay": the replayed node states (and scores)."""
    replays = replays_by_attempt(result)
    for data in attempts:
        found = replays.get((data["pod"], data["attempt"]))
        if found is not None:
            data["cache_replay"] = found
    return attempts


def dumps(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


class Streamed:
    """A list inside a document that ``pieces`` writes item by item, so the list is never one string (nor
    every item's data) in memory. ``items`` gives each item's own JSON text, as ``item_text`` writes it."""

    def __init__(self, items: Iterable[str]) -> None:
        self.items = items


def item_text(item: Any) -> str:
    """One item of a Streamed list as JSON text at indent 0 (``pieces`` indents it to its place)."""
    return json.dumps(item, indent=2, ensure_ascii=False)


PIECE_CHARS = 1 << 20  # a piece holds items up to about this much text (then it is written)


def pieces(data: Any) -> Iterator[str]:
    """The text ``dumps(data)`` gives, piece by piece: every Streamed list in ``data`` is written a few
    items at a time (the rest of the document, dumped with a placeholder for each, comes around them)."""
    lists: list[Streamed] = []
    token = os.urandom(6).hex()  # no string of the data can be taken for a placeholder

    def placeholder(value: Any) -> str:
        if not isinstance(value, Streamed):
            raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")
        lists.append(value)
        return f"\0{token}-{len(lists) - 1}\0"

    text = json.dumps(data, indent=2, ensure_ascii=False, default=placeholder) + "\n"
    at = 0
    for found in re.finditer(rf'"\\u0000{token}-(\d+)\\u0000"', text):
        yield text[at:found.start()]
        line = text[text.rfind("\n", 0, found.start()) + 1:found.start()]
        yield from _list_pieces(lists[int(found.group(1))].items, " " * (len(line) - len(line.lstrip(" "))))
        at = found.end()
    yield text[at:]


def _list_pieces(items: Iterable[str], indent: str) -> Iterator[str]:
    """A list whose opening bracket stands on a line indented by ``indent``, its items one level deeper."""
    inner = indent + "  "
    batch: list[str] = []
    size = 0
    opened = False
    for item in items:
        batch.append(inner + item.replace("\n", "\n" + inner))
        size += len(batch[-1])
        if size >= PIECE_CHARS:
            yield (",\n" if opened else "[\n") + ",\n".join(batch)
            batch, size, opened = [], 0, True
    if batch:
        yield (",\n" if opened else "[\n") + ",\n".join(batch)
        opened = True
    yield f"\n{indent}]" if opened else "[]"
