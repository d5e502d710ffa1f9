"""schedlog score: the calculator on the command line, checked against scores real schedulers logged."""

from __future__ import annotations

import json

import pytest
from conftest import needs_shared
from test_scoring_resources import LAB, read_resource_lines
from typer.testing import CliRunner

from analyzer.cli import app
from analyzer.scoring.quantity import QuantityError, parse_amounts, parse_quantity

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, ["score", *args])


def _amounts(values: dict[str, int]) -> str:
    return ",".join(f"{k}={v}" for k, v in values.items())


@needs_shared
@pytest.mark.parametrize("run_dir", ["v1.21.0-pre-three-nodes", "v1.23.9-three-nodes", "v1.30.6-five-nodes"])
def test_score_reproduces_logged_resource_lines(run_dir: str):
    logs = sorted((LAB / run_dir).glob("*.log"))
    lines = [ri for log in logs for _, _, ri in read_resource_lines(log)]
    assert len(lines) >= 6
    version = run_dir.split("-")[0]
    for ri in lines[:25]:
        res = run("--k8s-version", version, "--plugin", ri.scorer, "--allocatable", _amounts(ri.allocatable),
                  "--requested", _amounts(ri.requested), "-o", "json")
        assert res.exit_code == 0, res.output
        data = json.loads(res.stdout)
        assert data["score"] == ri.score, (ri, data["steps"])
        assert data["provenance"] == "recomputed" and data["steps"]


def test_table_output_shows_the_arithmetic():
    res = run("--k8s-version", "1.22.3", "--plugin", "LeastAllocated",
              "--allocatable", "cpu=4000,memory=8Gi", "--requested", "cpu=3000m", "--requested", "memory=2Gi")
    assert res.exit_code == 0, res.output
    assert res.stdout.splitlines() == [
        "LeastAllocated, Kubernetes 1.22.3 rules: score 50 (0-100, recomputed)",
        "  cpu: (4000 - 3000) x 100 / 4000 = 25",
        "  memory: (8589934592 - 2147483648) x 100 / 8589934592 = 75",
        "  (25 x 1 + 75 x 1) / 2 = 50 (integer division)",
    ]


def test_best_effort_pod_gets_no_balanced_score_from_1_33():
    args = ["-p", "BalancedAllocation", "--allocatable", "cpu=4000,memory=4Gi", "--requested", "cpu=2000,memory=1Gi",
            "--pod-requests", "cpu=0,memory=0", "-o", "json"]
    skipped = json.loads(run("--k8s-version", "1.33.1", *args).stdout)
    assert skipped["score"] is None and skipped["scored"] is False
    assert json.loads(run("--k8s-version", "1.32", *args).stdout)["score"] == 87


@pytest.mark.parametrize(("args", "message"), [
    (["--plugin", "NodeAffinity"], "unknown plugin"),
    (["--k8s-version", "2.1"], "not a Kubernetes 1.x version"),
    (["--allocatable", "cpu=four"], "is not a quantity"),
    (["--requested", "memory=100m"], "not a whole number"),
    (["--weight", "cpu=0"], "weights must be >= 1"),
    (["--plugin", "RequestedToCapacityRatio"], "needs the configured shape"),
    (["--plugin", "RequestedToCapacityRatio", "--shape", "50=5,40=1"], "must rise"),
    (["--plugin", "BalancedAllocation", "--k8s-version", "1.36"], "pod's own requests"),
])
def test_bad_input_is_one_line_and_exit_2(args: list[str], message: str):
    base = {"--k8s-version": "1.30", "--plugin": "LeastAllocated", "--allocatable": "cpu=4000",
            "--requested": "cpu=1000"}
    for i in range(0, len(args), 2):
        base[args[i]] = args[i + 1]
    res = run(*[x for kv in base.items() for x in kv])
    assert res.exit_code == 2
    assert message in res.stderr and len(res.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(("text", "resource", "amount"), [
    ("8Gi", "memory", 8589934592), ("512Mi", "memory", 536870912), ("1.5k", "memory", 1500), ("2e3", "memory", 2000),
    ("4000", "cpu", 4000), ("4000m", "cpu", 4000), ("4k", "cpu", 4000), ("2", "nvidia.com/gpu", 2),
    ("1G", "ephemeral-storage", 10**9),
])
def test_quantities(text: str, resource: str, amount: int):
    assert parse_quantity(text, resource) == amount


def test_quantity_errors():
    for bad in ("", "-1", "1.5", "Gi", "1Xi"):
        with pytest.raises(QuantityError):
            parse_quantity(bad, "memory")
    with pytest.raises(QuantityError, match="RESOURCE=QUANTITY"):
        parse_amounts(["cpu"], "--allocatable")


@needs_shared
def test_check_says_when_a_version_is_newer_than_the_rules_table():
    logs = [str(p) for p in sorted((LAB / "v1.30.6-five-nodes").glob("*.log"))]
    newer = runner.invoke(app, ["check", "--k8s-version", "1.38.0", *logs])
    assert "1.38 is newer than the rules table: scored as the newest known rules (1.36)" in newer.stdout
    assert "newer than the rules table" not in runner.invoke(app, ["check", *logs]).stdout


def test_yaml_output_is_the_json_data():
    import yaml

    args = ("--k8s-version", "1.30", "--plugin", "MostAllocated", "--allocatable", "cpu=4000,memory=8Gi",
            "--requested", "cpu=1000m,memory=1Gi")
    as_json = runner.invoke(app, ["score", *args, "-o", "json"])
    as_yaml = runner.invoke(app, ["score", *args, "-o", "yaml"])
    assert as_json.exit_code == as_yaml.exit_code == 0
    data = json.loads(as_json.stdout)
    assert yaml.safe_load(as_yaml.stdout) == data and data["score"] == 18  # (25 + 12) // 2
