"""Regression testing against saved logs: snapshot a log's decisions, verify it later, diff two logs."""

from __future__ import annotations

from .compare import Change, compare
from .snapshot import SCHEMA, SnapshotError, load_snapshot, snapshot, snapshot_text
from .weights import WeightChange, implied_weight_changes

__all__ = ["SCHEMA", "Change", "SnapshotError", "WeightChange", "compare", "implied_weight_changes",
           "load_snapshot", "snapshot", "snapshot_text"]
