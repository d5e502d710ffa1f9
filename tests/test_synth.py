"""Generated logs: deterministic, parsed without loss in every era, and their numbers add up."""

from __future__ import annotations

import io
import itertools
import subprocess
import sys

import pytest

from analyzer.pipeline import analyze_paths
from analyzer.synth import ERAS, LEGACY_HIDDEN_TOTAL, balanced, blocks, least_allocated, write_log

SYNTH = [(era, fmt) for era in ERAS for fmt in ("text", "json") if not (era == "1.14" and fmt == "json")]
EXPECTED_ERA = {
    "1.14": "legacy",
    "1.19": "framework-1.19",
    "1.21": "structured-1.21",
    "1.30": "structured-1.25",
}


def _text(era: str, fmt: str = "text", seed: int = 7, nodes: int = 5, pods: int = 30) -> str:
    buf = io.StringIO()
    write_log(buf, era, nodes=nodes, pods=pods, fmt=fmt, seed=seed)
    return buf.getvalue()


@pytest.fixture(scope="module")
def analyses(tmp_path_factory):
    out = {}
    directory = tmp_path_factory.mktemp("synth")
    for era, fmt in SYNTH:
        path = directory / f"{era}-{fmt}.log"
        path.write_text(_text(era, fmt, nodes=6, pods=80), encoding="utf-8")
        out[(era, fmt)] = analyze_paths([str(path)])
    return out


# -- the formulas, checked against numbers the real scheduler logged in the lab runs ---------------
@pytest.mark.parametrize(
    ("cap", "req", "scale", "expected"),
    [
        ((4000, 8589934592), (1100, 2281701376), 100, 72),  # v1.21 three-nodes, node-1
        ((2000, 4294967296), (100, 134217728), 100, 95),  # node-2
        ((8000, 17179869184), (100, 134217728), 100, 98),  # node-3
        ((4000, 8258301952), (520, 1121976320), 10, 8),  # v1.14 tutorial, node2 LeastResourceAllocation
    ],
)
def test_least_allocated_matches_the_lab(cap, req, scale, expected):
    assert least_allocated(cap, req, scale) == expected


@pytest.mark.parametrize(
    ("era", "cap", "req", "expected"),
    [
        ("1.21", (4000, 8589934592), (1100, 2281701376), 99),
        ("1.21", (2000, 4294967296), (100, 134217728), 98),  # 1-|diff|
        ("1.30", (2000, 4294967296), (100, 134217728), 99),  # 1-std: the same node scores higher in 1.30
        ("1.14", (4000, 8258301952), (520, 1121976320), 9),
    ],
)
def test_balanced_matches_the_lab(era, cap, req, expected):
    assert balanced(era, cap, req) == expected


# -- determinism and streaming ----------------------------------------------------------------------
@pytest.mark.parametrize(("era", "fmt"), SYNTH)
def test_same_seed_same_log(era, fmt):
    assert _text(era, fmt, seed=3) == _text(era, fmt, seed=3)
    assert _text(era, fmt, seed=3) != _text(era, fmt, seed=4)


def test_blocks_are_lazy():
    first_two = list(itertools.islice(blocks("1.21", nodes=3, pods=10**12, seed=0), 2))
    assert len(first_two) == 2


def test_max_bytes_stops_near_the_size():
    buf = io.StringIO()
    written = write_log(buf, "1.30", nodes=20, pods=10**9, seed=1, max_bytes=300_000)
    assert written == len(buf.getvalue())
    assert 300_000 <= written < 400_000
    assert buf.getvalue().endswith("\n")


def test_legacy_has_no_json():
    with pytest.raises(ValueError, match="no JSON"):
        write_log(io.StringIO(), "1.14", 3, 3, fmt="json")
    run = subprocess.run(
        [sys.executable, "-m", "analyzer.synth", "--era", "1.14", "--format", "json"],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 2 and "no JSON" in run.stderr


def test_cli_writes_the_file(tmp_path):
    out = tmp_path / "x.log"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "analyzer.synth",
            "--era",
            "1.19",
            "--nodes",
            "3",
            "--pods",
            "4",
            "-o",
            str(out),
            "--seed",
            "2",
        ],
        check=True,
    )
    assert out.read_text(encoding="utf-8") == _text("1.19", seed=2, nodes=3, pods=4)


# -- schedlog reads them completely and the numbers add up ------------------------------------------
@pytest.mark.parametrize(("era", "fmt"), SYNTH)
def test_every_line_is_understood(analyses, era, fmt):
    result = analyses[(era, fmt)]
    assert result.lines.unrecognized == 0, result.lines.unrecognized_samples[:3]
    assert result.format.era.startswith(EXPECTED_ERA[era])
    assert result.format.encoding == fmt
    assert len(result.attempts) == 80
    assert all(a.outcome.value in ("bound", "unschedulable") for a in result.attempts)


@pytest.mark.parametrize(("era", "fmt"), SYNTH)
def test_totals_are_the_weighted_sums(analyses, era, fmt):
    for attempt in analyses[(era, fmt)].attempts:
        totals = {}
        for node in (n for n in attempt.nodes if n.scores):  # nodes that failed filtering have none
            if era == "1.14":
                visible = sum(s.raw if s.raw is not None else s.normalized for s in node.scores)
                assert node.total_logged == visible + LEGACY_HIDDEN_TOTAL
            else:
                assert node.total_logged == sum(s.weighted for s in node.scores if s.weighted is not None)
            totals[node.node] = node.total_logged
        if attempt.outcome.value == "bound":
            assert totals[attempt.bound_node] == max(totals.values())
            assert attempt.feasible_nodes in (len(totals), None)  # 1.19 JSON drops the bound line's keys


@pytest.mark.parametrize("era", ["1.14", "1.19", "1.21"])
def test_prefer_avoid_node_loses_only_node_prefer_avoid_pods(tmp_path, era):
    """--prefer-avoid: the node's preferAvoidPods annotation names the pod's controller, so NodePreferAvoidPods
    scores 0 there (legacy: no hidden +100000) while every other score is what it would have been."""
    plain, avoiding = tmp_path / "plain.log", tmp_path / "avoiding.log"
    for path, names in ((plain, ()), (avoiding, ("worker-0002",))):
        with path.open("w", encoding="utf-8") as out:
            write_log(out, era, nodes=4, pods=6, seed=5, avoiding=names)
    before, after = (analyze_paths([str(p)]) for p in (plain, avoiding))
    gap = LEGACY_HIDDEN_TOTAL if era == "1.14" else 1000000
    for old, new in zip(before.attempts, after.attempts, strict=True):
        for a, b in zip(old.nodes, new.nodes, strict=True):
            assert b.total_logged == a.total_logged - (gap if a.node == "worker-0002" else 0)
