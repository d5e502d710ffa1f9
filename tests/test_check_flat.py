"""check keeps no record per attempt in memory: its finding groups are running sums and its records wait in a
temporary file (analyzer/spool.py). The sums must be what counting the collected result's records gives, on
real logs and on a generated legacy log where every attempt has a finding and two nodes break the pattern."""

from __future__ import annotations

import gc
import sys
from collections import defaultdict
from pathlib import Path
from types import BuiltinFunctionType, FunctionType, ModuleType

import pytest
from conftest import LAB, PUBLIC, legacy_log, needs_shared

from analyzer import spool
from analyzer.reconcile.findings import CheckFindings
from analyzer.run.batch import analyze_reconciled
from analyzer.run.fold import fold_reconciled
from analyzer.spool import Spool
from analyzer.synth import write_log


def test_a_spool_gives_back_what_was_appended_in_order_from_its_file():
    s: Spool[tuple[str, int]] = Spool(batch=7)
    items = [(f"node-{i % 13}", i) for i in range(100)]
    for item in items:
        s.append(item)
    assert s._file is not None and len(s._written) == 14 and len(s._pending) == 100 % 7
    assert len(s) == 100
    assert list(s) == items
    assert list(s) == items  # read again


def test_a_spool_read_by_two_readers_at_once_and_appended_to_while_read():
    s: Spool[int] = Spool(batch=3)
    for i in range(10):
        s.append(i)
    assert [(a, b) for a in s for b in s] == [(a, b) for a in range(10) for b in range(10)]
    reader = iter(s)
    assert [next(reader) for _ in range(4)] == [0, 1, 2, 3]
    for i in range(10, 15):
        s.append(i)
    assert list(reader) == list(range(4, 10))  # a reader sees what was there when it started
    assert list(s) == list(range(15)) and len(s) == 15


def test_an_empty_spool_and_one_in_memory_only():
    s: Spool[int] = Spool(batch=10)
    assert list(s) == []
    for i in range(4):
        s.append(i)
    assert s._file is None and list(s) == [0, 1, 2, 3]


def test_check_without_records_to_print_keeps_none(tmp_path: Path):
    """check's table output prints the groups only: no record goes to a temporary file."""
    log = _legacy_log(tmp_path / "g.log", 12)
    kept = fold_reconciled([str(log)], CheckFindings).consumer
    counted = fold_reconciled([str(log)], lambda v: CheckFindings(v, keep_records=False)).consumer
    assert counted._records is None and kept.count_of == counted.count_of and kept.count_of["hidden-component"]
    assert [g.to_dict() for g in kept.groups()] == [g.to_dict() for g in counted.groups()]
    assert {k: len(v) for k, v in kept.records().items()} == dict(counted.count_of)


def _legacy_log(path: Path, pods: int) -> Path:
    """A 1.14 log of 20 nodes: every attempt has the hidden +100000, two nodes break it (preferAvoidPods)."""
    with open(path, "w", encoding="utf-8") as fh:
        write_log(fh, "1.14", 20, pods=pods, seed=3, avoiding=("worker-0004", "worker-0017"))
    return path


def _expected_groups(attempts) -> dict[tuple, dict]:
    """Each (kind, explained, attribution, plugin) group's counts, ranges and first record, counted here from
    the collected attempts (the patterns split hidden groups further, so they are compared merged)."""
    out: dict[tuple, dict] = defaultdict(lambda: {"records": 0, "attempts": set(), "node_hits": 0, "amounts": []})
    for i, attempt in enumerate(attempts):
        for d in attempt.discrepancies:
            g = out[(d.kind, d.explained, d.attribution, d.plugin)]
            g["records"] += 1
            g["attempts"].add(i)
            g["node_hits"] += len(d.nodes) or (1 if d.node else 0)
            if d.amount is not None:
                g["amounts"].append(d.amount)
            g.setdefault("first", (attempt.pod, attempt.attempt, d.to_dict()))
    return {k: {**v, "attempts": len(v["attempts"]),
                "amounts": (min(v["amounts"]), max(v["amounts"])) if v["amounts"] else None} for k, v in out.items()}


def _merged_groups(found: CheckFindings) -> dict[tuple, dict]:
    out: dict[tuple, dict] = {}
    for g in found.groups():
        key = (g.kind, g.explained, g.attribution, g.plugin)
        ref, d = g.first
        low, high = g.amounts.low, g.amounts.high
        mine = {"records": g.records, "attempts": g.attempts, "node_hits": g.node_hits,
                "amounts": None if low is None else (low, high), "first": (ref.pod, ref.attempt, d.to_dict())}
        if key in out:  # two patterns of one kind: sum the counts, widen the range, keep the earlier first
            was = out[key]
            mine["records"] += was["records"]
            mine["node_hits"] += was["node_hits"]
            mine["attempts"] = None  # an attempt may be in both patterns: not comparable merged
            spans = [s for s in (was["amounts"], mine["amounts"]) if s]
            mine["amounts"] = (min(s[0] for s in spans), max(s[1] for s in spans)) if spans else None
            mine["first"] = min(was["first"], mine["first"], key=lambda f: _order[f[:2]])
        out[key] = mine
    return out


_order: dict[tuple[str, int], int] = {}


@needs_shared
@pytest.mark.parametrize("paths", [
    [legacy_log("b-heterogeneous-5nodes")],
    [LAB / "v1.19.1-prefer-avoid" / "v1.19.1-prefer-avoid.log"],
    [PUBLIC / "07-mumoshu-node-index-extender-host-scores.log"],
    "generated",
], ids=["legacy-5-nodes", "v1.19-prefer-avoid", "extender-public", "generated-1.14-prefer-avoid"])
def test_the_running_sums_are_the_collected_records_counted(paths, tmp_path: Path, monkeypatch):
    monkeypatch.setattr(spool, "BATCH", 5)  # the records go through the file
    if paths == "generated":
        paths = [_legacy_log(tmp_path / "g.log", 30)]
    logs = [str(p) for p in paths]
    collected, _ = analyze_reconciled(logs)
    found = fold_reconciled(logs, CheckFindings).consumer
    _order.clear()
    _order.update({(a.pod, a.attempt): i for i, a in enumerate(collected.attempts)})
    expected, got = _expected_groups(collected.attempts), _merged_groups(found)
    assert got.keys() == expected.keys() and expected
    for key, want in expected.items():
        mine = got[key]
        if mine["attempts"] is None:
            want = {**want, "attempts": None}
        assert mine == want, key
    by_kind = defaultdict(list)
    for a in collected.attempts:
        for d in a.discrepancies:
            by_kind[d.kind].append((a.pod, a.attempt, d.to_dict()))
    records = found.records()
    assert {k: [(ref.pod, ref.attempt, d.to_dict()) for ref, d in v] for k, v in records.items()} == by_kind
    assert dict(found.unexplained_of) == {k: n for k, v in by_kind.items() if (n := sum(not d["explained"]
                                                                                         for *_, d in v))}


def _held_by(obj: object) -> int:
    """Bytes of every object reachable from ``obj`` (each counted once; classes, functions and modules left out)."""
    seen, todo, total = set(), [obj], 0
    while todo:
        o = todo.pop()
        if id(o) in seen or isinstance(o, (type, ModuleType, FunctionType, BuiltinFunctionType)):
            continue
        seen.add(id(o))
        total += sys.getsizeof(o)
        todo.extend(gc.get_referents(o))
    return total


def test_check_memory_does_not_grow_with_a_finding_in_every_attempt(tmp_path: Path, monkeypatch):
    """A 1.14 log where every attempt has a hidden-component finding naming all 20 nodes: after 40 attempts
    and after 160, check's consumer holds about as much (it kept every record, and every attempt's scored
    node names, until the end: 311 KB -> 1,062 KB here)."""
    monkeypatch.setattr(spool, "BATCH", 20)
    held = {pods: _held_by(fold_reconciled([str(_legacy_log(tmp_path / f"{pods}.log", pods))], CheckFindings)
                           .consumer) for pods in (40, 160)}
    assert held[160] < held[40] * 1.5, held  # (the distinct weight equations still grow a little: 62 -> 78 KB)
