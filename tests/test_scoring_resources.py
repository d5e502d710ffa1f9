"""Resource-allocation scores recomputed from the exact inputs real logs print.

Every resource line of every lab log and of the public excerpts 01-05, 08, 14, 18 and 22 must recompute
to the score printed on the same line with that log's version profile. The logs are read from the shared
corpus (``../shared`` beside the checkout); the tests skip when it is absent.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from analyzer.model import ResourceInputs
from analyzer.scoring.resources import (
    balanced_allocation,
    least_allocated,
    least_requested_score,
    most_allocated,
    recompute_resource_line,
    requested_to_capacity_ratio,
    true_requested,
)
from analyzer.scoring.versions import canonical_plugin_name, default_weights, profile_for

SHARED = Path(os.environ.get("SCHEDLOG_SHARED", Path(__file__).resolve().parents[2] / "shared"))
LAB = SHARED / "corpus" / "lab"
PUBLIC = SHARED / "corpus" / "public"
NO_SHARED = f"shared corpus not found at {SHARED} (set SCHEDLOG_SHARED or check out ../shared)"

# --- a small, test-only reader of resource lines (the real parser lives elsewhere) ----------------------
_POD_NODE = r"(?:(?P<pod>[^\s\"]+) -> (?P<node>\S+): )"
CAPACITY = re.compile(
    _POD_NODE + r"(?P<scorer>[A-Za-z ]+?), capacity (?P<ac>\d+) millicores (?P<am>\d+) memory bytes, "
    r"total request (?P<rc>\d+) millicores (?P<rm>\d+) memory bytes, score (?P<s>\d+)"
)
MAP = re.compile(
    _POD_NODE + r"(?P<scorer>\w+), map of allocatable resources map\[(?P<a>[^\]]*)\], "
    r"map of requested resources map\[(?P<r>[^\]]*)\] ,score (?P<s>\d+),"
)
LISTING = re.compile(
    r'pod="(?P<pod>[^"]+)" node="(?P<node>[^"]+)" resourceAllocationScorer="(?P<scorer>\w+)" '
    r"allocatableResource=map\[(?P<a>[^\]]*)\] requestedResource=map\[(?P<r>[^\]]*)\] resourceScore=(?P<s>\d+)"
)
LISTED = re.compile(
    r'pod="(?P<pod>[^"]+)" node="(?P<node>[^"]+)" resourceAllocationScorer="(?P<scorer>\w+)" '
    r"allocatableResource=\[(?P<a>[\d,]*)\] requestedResource=\[(?P<r>[\d,]*)\] resourceScore=(?P<s>\d+)"
)
# Oldest form (v1.3): "(req cpu, req mem) / (cap cpu, cap mem) Score: (cpu, mem)" or "Score: (n)".
ABSOLUTE = re.compile(
    _POD_NODE + r"(?P<scorer>[A-Za-z ]+?), Absolute/Requested: \((?P<rc>\d+), (?P<rm>\d+)\) / "
    r"\((?P<ac>\d+), (?P<am>\d+)\) Score: \((?P<s>\d+)(?:, (?P<s2>\d+))?\)"
)
CANDIDATE_MARKERS = ("memory bytes, total request", "map of allocatable resources", "internal info for allocatable",
                     "Absolute/Requested")
RESOURCE_ORDER = ("cpu", "memory")  # default configured order of the 1.28+ list form


def _kv(text: str) -> dict[str, int]:
    return {k: int(v) for k, v in (p.split(":") for p in text.split())}


def _listed(values) -> dict[str, int]:
    values = [int(v) for v in (values.split(",") if isinstance(values, str) else values)]
    return dict(zip(RESOURCE_ORDER, values, strict=True))


def _bare(pod: str) -> str:
    return pod.rsplit("/", 1)[-1]


def read_resource_lines(path: Path) -> Iterator[tuple[str, str, ResourceInputs]]:
    """(bare pod name, node, inputs) for every resource line of a log file, text or JSON."""
    for raw in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if raw.startswith("{") and '"resourceScore"' in raw:
            d = json.loads(raw)
            yield (d["pod"]["name"], d["node"]["name"], ResourceInputs(
                d["resourceAllocationScorer"], _listed(d["allocatableResource"]),
                _listed(d["requestedResource"]), d["resourceScore"], "listed"))
            continue
        if m := CAPACITY.search(raw):
            yield m["pod"], m["node"], ResourceInputs(
                m["scorer"], {"cpu": int(m["ac"]), "memory": int(m["am"])},
                {"cpu": int(m["rc"]), "memory": int(m["rm"])}, int(m["s"]), "legacy-capacity")
        elif m := MAP.search(raw):
            yield m["pod"], m["node"], ResourceInputs(m["scorer"], _kv(m["a"]), _kv(m["r"]), int(m["s"]), "map")
        elif m := LISTING.search(raw):
            yield _bare(m["pod"]), m["node"], ResourceInputs(
                m["scorer"], _kv(m["a"]), _kv(m["r"]), int(m["s"]), "listing")
        elif m := LISTED.search(raw):
            yield _bare(m["pod"]), m["node"], ResourceInputs(
                m["scorer"], _listed(m["a"]), _listed(m["r"]), int(m["s"]), "listed")


def count_candidates(path: Path) -> int:
    """Lines that look like resource lines, so a regex that silently stops matching is noticed."""
    text = path.read_text(encoding="utf-8", errors="replace")
    return sum(1 for line in text.splitlines() if any(m in line for m in CANDIDATE_MARKERS))


def _lab_logs() -> list[tuple[Path, str]]:
    out = []
    for run in sorted(LAB.glob("v1.*")):
        if run.name == "v1.14.1":
            out.extend((log, "v1.14.1") for log in sorted(run.glob("*/scheduler.log")))
        else:
            out.extend((log, run.name.split("-")[0]) for log in sorted(run.glob("*.log")))
    return out


# Public excerpts and the version each is scored with. 01-05 (Harvester) are attributed to v1.22 by the
# post's links, but their balanced scores follow the pre-1.22 rule (see test_harvester_is_not_1_22), so
# they are scored as 1.21. 08 prints legacy scorer names on the 0-100 scale: the 1.17 transition era.
PUBLIC_VERSIONS = {
    "01": "1.21", "02": "1.21", "03": "1.21", "04": "1.21", "05": "1.21",
    "08": "1.17", "14": "1.14", "18": "1.23", "22": "1.16.12",
}


def _public_logs() -> list[tuple[Path, str]]:
    out = []
    for prefix, version in PUBLIC_VERSIONS.items():
        out.extend((p, version) for p in sorted(PUBLIC.glob(f"{prefix}-*.log")))
    return out


def _cases(builder) -> list:
    if not SHARED.is_dir():
        return [pytest.param(None, None, marks=pytest.mark.skip(reason=NO_SHARED))]
    return [pytest.param(path, version, id=path.name) for path, version in builder()]


@pytest.mark.parametrize(("path", "version"), _cases(_lab_logs) + _cases(_public_logs))
def test_every_resource_line_recomputes(path: Path, version: str):
    lines = list(read_resource_lines(path))
    assert lines, f"no resource line found in {path.name}"
    assert len(lines) == count_candidates(path), "some resource-looking lines were not read"
    mismatches = [
        (pod, node, ri.scorer, dict(ri.allocatable), dict(ri.requested), ri.score, recompute_resource_line(ri, version))
        for pod, node, ri in lines
        if recompute_resource_line(ri, version) != ri.score
    ]
    assert not mismatches, f"{len(mismatches)}/{len(lines)} lines differ: {mismatches[:5]}"


def test_public_excerpts_are_all_present():
    if not SHARED.is_dir():
        pytest.skip(NO_SHARED)
    assert {p.name[:2] for p, _ in _public_logs()} == set(PUBLIC_VERSIONS)


def _scores_with(path: Path, version: str) -> list[tuple[int, int | None]]:
    return [(ri.score, recompute_resource_line(ri, version)) for _, _, ri in read_resource_lines(path)]


def test_harvester_is_not_1_22():
    """public/01-05 say v1.22, but 1.22's std-dev rule (PR #101946) and the 1.21.3-1.21.5 capped rule
    both contradict their balanced scores; only the legacy diff rule reproduces them."""
    if not SHARED.is_dir():
        pytest.skip(NO_SHARED)
    for path in sorted(PUBLIC.glob("0[1-5]-*.log")):
        for version in ("1.22.7", "1.21.4"):
            assert any(s != r for s, r in _scores_with(path, version)), (path.name, version)
        assert all(s == r for s, r in _scores_with(path, "1.21.6")), path.name


def test_balanced_rule_tells_1_21_from_1_23():
    """Same inputs, different printed score: node-2 is 98 in 1.21-pre (diff) and 99 in 1.23.9 (std-dev)."""
    if not SHARED.is_dir():
        pytest.skip(NO_SHARED)
    log21 = next((LAB / "v1.21.0-pre-three-nodes").glob("*.log"))
    log23 = next((LAB / "v1.23.9-three-nodes").glob("*.log"))
    assert any(s != r for s, r in _scores_with(log21, "1.23"))
    assert any(s != r for s, r in _scores_with(log23, "1.21"))
    public18 = next(PUBLIC.glob("18-*.log"))
    assert any(s != r for s, r in _scores_with(public18, "1.21"))


def test_v1_3_absolute_requested_lines():
    """public/09 (~v1.3): per-resource LeastRequested scores (9, 9) and Balanced 9 on the 0-10 scale."""
    if not SHARED.is_dir():
        pytest.skip(NO_SHARED)
    path = next(PUBLIC.glob("09-*.log"))
    found = 0
    for raw in path.read_text(encoding="utf-8").splitlines():
        m = ABSOLUTE.search(raw)
        if not m:
            continue
        found += 1
        alloc = {"cpu": int(m["ac"]), "memory": int(m["am"])}
        req = {"cpu": int(m["rc"]), "memory": int(m["rm"])}
        if m["s2"] is not None:  # Least Requested prints the cpu and the memory score
            max_score = profile_for("1.3").max_score
            assert least_requested_score(req["cpu"], alloc["cpu"], max_score) == int(m["s"])
            assert least_requested_score(req["memory"], alloc["memory"], max_score) == int(m["s2"])
        else:
            assert balanced_allocation(alloc, req, "1.3") == int(m["s"])
    assert found == 2


# --- facts.json (recorded in-process) against the recomputed resource lines ----------------------------
def _framework_runs() -> list:
    if not SHARED.is_dir():
        return [pytest.param(None, marks=pytest.mark.skip(reason=NO_SHARED))]
    return [pytest.param(run, id=run.name) for run in sorted(LAB.glob("v1.*")) if (run / "facts.json").is_file()]


@pytest.mark.parametrize("run", _framework_runs())
def test_facts_resource_plugins_equal_recomputed_lines(run: Path):
    """Per pod and node, the weighted NodeResources* scores in facts.json are weight x a recomputed line."""
    version = run.name.split("-")[0]
    weights = default_weights(version)
    recomputed: dict[tuple[str, str, str], set[int]] = {}
    for log in run.glob("*.log"):
        for pod, node, ri in read_resource_lines(log):
            plugin = canonical_plugin_name(ri.scorer, version)
            recomputed.setdefault((pod, node, plugin), set()).add(recompute_resource_line(ri, version))
    facts = json.loads((run / "facts.json").read_text(encoding="utf-8"))
    checked = 0
    for pod in facts["pods"]:
        for attempt in pod["schedulingAttempts"]:
            for node, entry in (attempt.get("score") or {}).get("scores", {}).items():
                for plugin, weighted in entry["plugins"].items():
                    key = (pod["name"], node, plugin)
                    if key not in recomputed:
                        continue
                    assert weighted % weights[plugin] == 0
                    assert weighted // weights[plugin] in recomputed[key], (key, weighted, recomputed[key])
                    checked += 1
    assert checked > 0


# --- hand-checked cases ---------------------------------------------------------------------------------
ALLOC = {"cpu": 4000, "memory": 8589934592}


def test_least_allocated_hand_case():
    # cpu (4000-1100)*100/4000 = 72 (72.5), memory 6308233216*100/8589934592 = 73 (73.4); (72+73)/2 = 72
    assert least_allocated(ALLOC, {"cpu": 1100, "memory": 2281701376}, "1.19") == 72
    # 0-10 scale: 7 and 7 -> 7
    assert least_allocated(ALLOC, {"cpu": 1100, "memory": 2281701376}, "1.14") == 7
    # over capacity scores 0 for that resource (all eras)
    assert least_allocated(ALLOC, {"cpu": 5000, "memory": 0}, "1.30") == 50


def test_most_allocated_over_capacity_per_era():
    req = {"cpu": 6000, "memory": 4294967296}  # cpu over capacity, memory 50%
    assert most_allocated(ALLOC, req, "1.21.0") == 25  # (0 + 50) / 2
    assert most_allocated(ALLOC, req, "1.21.3") == 75  # cpu capped: (100 + 50) / 2
    assert most_allocated(ALLOC, req, "1.23") == 75
    assert most_allocated(ALLOC, req, "1.14") == 2  # (0 + 5) / 2 on 0-10


def test_balanced_rules_differ_as_documented():
    over = {"cpu": 6000, "memory": 4294967296}  # cpu fraction 1.5, memory 0.5
    assert balanced_allocation(ALLOC, over, "1.21.0") == 0  # any fraction >= 1 -> 0
    assert balanced_allocation(ALLOC, over, "1.21.4") == 50  # capped: 1 - |1 - 0.5|
    assert balanced_allocation(ALLOC, over, "1.22") == 75  # std-dev: 1 - 0.5/2
    even = {"cpu": 2000, "memory": 4294967296}
    assert balanced_allocation(ALLOC, even, "1.9") == 10
    assert balanced_allocation(ALLOC, even, "1.30") == 100


def test_balanced_stddev_three_resources():
    alloc = {"cpu": 1000, "memory": 1000, "nvidia.com/gpu": 4}
    req = {"cpu": 500, "memory": 500, "nvidia.com/gpu": 4}
    # fractions 0.5, 0.5, 1: mean 2/3, variance (1/36 + 1/36 + 4/36)/3 = 1/18, std 0.2357 -> 76
    assert balanced_allocation(alloc, req, "1.30", resources=["cpu", "memory", "nvidia.com/gpu"]) == 76


def test_zero_allocatable_resource_skipped_from_1_22():
    # kubernetes#103169 (1.22); upstream tables: tests/data/upstream_scoring (bypass extended resource)
    alloc = {"cpu": 4000, "memory": 8589934592, "example.com/foo": 0}
    req = {"cpu": 1100, "memory": 2281701376, "example.com/foo": 0}
    w = {"cpu": 1, "memory": 1, "example.com/foo": 1}
    assert least_allocated(alloc, req, "1.30", w) == 72
    assert least_allocated(alloc, req, "1.22", w) == 72
    assert least_allocated(alloc, req, "1.21", w) == 48  # (72 + 73 + 0) / 3


def test_total_request_includes_capacity_1_10():
    true_req = {"cpu": 520, "memory": 1121976320}
    alloc = {"cpu": 4000, "memory": 8258301952}
    printed = {r: true_req[r] + alloc[r] for r in alloc}
    line = ResourceInputs("LeastResourceAllocation", alloc, printed, 8, "legacy-capacity")
    assert true_requested(line, "1.10.0") == true_req
    assert recompute_resource_line(line, "1.10.0") == 8
    assert recompute_resource_line(line, "1.12") == 0  # read as printed, the request exceeds capacity
    assert profile_for("1.10.9").total_request_includes_capacity is False


def test_requested_to_capacity_ratio():
    shape = [(0, 0), (100, 10)]  # bin packing
    assert requested_to_capacity_ratio(ALLOC, {"cpu": 1000, "memory": 2147483648}, "1.23", shape) == 25
    assert requested_to_capacity_ratio(ALLOC, {"cpu": 1000, "memory": 2147483648}, "1.14", shape) == 2
    line = ResourceInputs("RequestedToCapacityRatio", ALLOC, {"cpu": 1000, "memory": 2147483648}, 25, "listing")
    assert recompute_resource_line(line, "1.23") is None  # the shape is configuration, not in the line
    assert recompute_resource_line(line, "1.23", shape=shape) == 25


def test_unknown_scorer_gives_none():
    assert recompute_resource_line(ResourceInputs("Whatever", ALLOC, ALLOC, 1, "map"), "1.19") is None
