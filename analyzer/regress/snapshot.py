"""A snapshot: the decisions of a log as stable, reviewable data (no timestamps, PIDs, lines or paths).

Per attempt: pod, attempt number, outcome, winner, evaluated/feasible counts, failure reasons; per node:
filter verdict, logged total and each plugin's score as the log prints it, grouped by what that number
is (``weighted`` for the framework era, ``raw``/``normalized`` for legacy priorities); and the
reconcile stage's discrepancies (kind, node, plugin, amount, and the nodes of node-less ones; the prose
is left out). Only logged numbers go in (and the version only when the log states it): inferred or
recomputed values would change whenever the reference implementation does, which is not a change in
the log. Discrepancies are the one exception: they are reconcile's verdict and belong in a regression.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..model import AnalysisResult, Attempt, NodeResult, Provenance, Score
from ..report.jsonout import Streamed, item_text, pieces

SCHEMA = "schedlog-snapshot/1"
# Which number of a Score is "the logged score", in order of preference.
SCORE_FIELDS = ("weighted", "normalized", "raw")
# Provenances a snapshot accepts, best first: what the log printed, then arithmetic on printed numbers only.
LOGGED = (Provenance.OBSERVED.value, Provenance.DERIVED.value)
DISCREPANCY_KEYS = ("kind", "node", "plugin", "amount")


class SnapshotError(ValueError):
    """A snapshot file that cannot be used; the message is one line."""


def logged_score(score: Score) -> tuple[str, int] | None:
    """The (field, value) the log printed for this score (observed before derived), or None."""
    if score.hidden:
        return None
    for provenance in LOGGED:
        for name in SCORE_FIELDS:
            value = score.value(name)
            if value is not None and score.provenance.get(name, Provenance.OBSERVED.value) == provenance:
                return name, value
    return None


def node_snapshot(node: NodeResult) -> dict[str, Any]:
    scores: dict[str, dict[str, int]] = {}
    for score in node.scores:
        logged = logged_score(score)
        if logged is not None:
            scores.setdefault(logged[0], {})[score.plugin] = logged[1]
    return {
        "node": node.node,
        "filter": node.filter.value,
        "total": node.total_logged,
        "scores": {field: dict(sorted(values.items())) for field, values in sorted(scores.items())},
    }


def discrepancy_snapshot(item: Any) -> dict[str, Any]:
    data = item.to_dict() if hasattr(item, "to_dict") else dict(item)
    out = {key: data.get(key) for key in DISCREPANCY_KEYS}
    if data.get("nodes"):  # the nodes a node-less finding (a tie, a hidden term) is about, in a stable order
        out["nodes"] = sorted(data["nodes"])
    return out


def attempt_snapshot(attempt: Attempt) -> dict[str, Any]:
    failure = None
    if attempt.failure is not None:
        failure = {"reasons": dict(sorted(attempt.failure.reasons.items())),
                   "total_nodes": attempt.failure.total_nodes}
    discrepancies = [discrepancy_snapshot(d) for d in attempt.discrepancies]
    return {
        "pod": attempt.pod,
        "attempt": attempt.attempt,
        "outcome": attempt.outcome.value,
        "winner": attempt.winner,
        "evaluated_nodes": attempt.evaluated_nodes,
        "feasible_nodes": attempt.feasible_nodes,
        "complete": attempt.complete,
        "failure": failure,
        "nodes": [node_snapshot(n) for n in sorted(attempt.nodes, key=lambda n: n.node)],
        "discrepancies": sorted(discrepancies, key=lambda d: json.dumps(d, sort_keys=True)),
    }


def snapshot(result: AnalysisResult) -> dict[str, Any]:
    """The snapshot of one analysis; equal logs of the same workload give equal snapshots."""
    attempts = sorted(result.attempts, key=lambda a: (a.pod, a.attempt))
    return {**_head(result), "attempts": [attempt_snapshot(a) for a in attempts]}


def _head(result: AnalysisResult) -> dict[str, Any]:
    """Everything of the snapshot but its attempts (read from the result's header only)."""
    weights = {}
    if result.config.weights_provenance is not None and result.config.weights_provenance.value in LOGGED:
        weights = dict(sorted(result.config.weights.items()))
    logged_version = result.format.k8s_version if result.format.version_source == "logged" else None
    return {
        "schema": SCHEMA,
        "log": {"k8s_version": logged_version, "era": result.format.era,
                "encoding": result.format.encoding},
        "weights": weights,
    }


def snapshot_text(data: dict[str, Any]) -> str:
    """The snapshot as it is written to disk: indented JSON, UTF-8, one trailing newline."""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


class SnapshotAttempts:
    """A consumer of the attempt stream that keeps each attempt's snapshot as compressed text, so that
    ``pieces`` can write the snapshot ``snapshot_text`` gives without holding the attempts."""

    def __init__(self) -> None:
        self._kept: list[tuple[str, int, int, bytes]] = []  # (pod, attempt, log order, compressed JSON)

    def add(self, attempt: Attempt) -> None:
        text = item_text(attempt_snapshot(attempt))
        self._kept.append((attempt.pod, attempt.attempt, len(self._kept), zlib.compress(text.encode(), 1)))

    def texts(self) -> Iterator[str]:
        """Each attempt's snapshot (JSON text), in the snapshot's order (pod, attempt)."""
        self._kept.sort(key=lambda kept: kept[:3])
        return (zlib.decompress(blob).decode() for *_, blob in self._kept)

    def pieces(self, header: AnalysisResult) -> Iterator[str]:
        """The snapshot text of ``header`` (its attempts are the ones added), piece by piece."""
        return pieces({**_head(header), "attempts": Streamed(self.texts())})

    def snapshot(self, header: AnalysisResult) -> dict[str, Any]:
        """The snapshot of ``header`` (its attempts are the ones added) as data, as ``snapshot`` gives it."""
        return {**_head(header), "attempts": [json.loads(text) for text in self.texts()]}


def load_snapshot(path: str | Path) -> dict[str, Any]:
    """Read a snapshot file, or raise SnapshotError with a one-line reason."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise SnapshotError(f"{path}: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SnapshotError(f"{path}: not a JSON snapshot ({str(exc).splitlines()[0]})") from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        found = data.get("schema") if isinstance(data, dict) else type(data).__name__
        raise SnapshotError(f"{path}: not a schedlog snapshot (schema {found!r}, expected {SCHEMA!r})")
    if not isinstance(data.get("attempts"), list):
        raise SnapshotError(f"{path}: snapshot has no 'attempts' list")
    return data
