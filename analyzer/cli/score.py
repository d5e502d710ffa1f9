"""score: what a resource scorer would give one node, with the arithmetic (no log needed)."""

from __future__ import annotations

from typing import Annotated

import typer

from ..scoring import ScoreInputError, explain
from ..scoring.calculator import Explained
from ..scoring.quantity import QuantityError, parse_amounts
from .common import EXIT_OK, OutputFormat, OutputOpt, fail, print_data, write

AmountsOpt = Annotated[list[str], typer.Option(
    metavar="RES=QTY,...", help="Resource amounts, comma-separated or repeated: cpu in millicores (4000 or 4000m), "
    "memory and others in Kubernetes quantities (8Gi, 512Mi, 2).", show_default=False)]


def _pairs(items: list[str] | None, what: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for item in items or []:
        for part in filter(None, (p.strip() for p in item.split(","))):
            key, sep, value = part.partition("=")
            if not sep or not key.strip() or not value.strip():
                fail(f"{what} {part!r}: expected KEY=VALUE")
            out.append((key.strip(), value.strip()))
    return out


def _integers(pairs: list[tuple[str, str]], what: str) -> list[tuple[str, int]]:
    try:
        return [(k, int(v)) for k, v in pairs]
    except ValueError:
        fail(f"{what}: values must be whole numbers, got {', '.join(f'{k}={v}' for k, v in pairs)}")


def _render(e: Explained) -> str:
    if e.score is None:
        head = f"{e.plugin}, Kubernetes {e.version} rules: no score (the plugin skips this pod)"
    else:
        head = f"{e.plugin}, Kubernetes {e.version} rules: score {e.score} (0-{e.max_score}, recomputed)"
    lines = [head, *(f"  {s}" for s in e.steps)]
    lines += [f"note: {n}" for n in e.notes]
    return "\n".join(lines) + "\n"


def score_cmd(
    k8s_version: Annotated[str, typer.Option("--k8s-version", help="Kubernetes version whose rules apply, "
                                             "e.g. 1.22.3.", show_default=False)],
    plugin: Annotated[str, typer.Option("--plugin", "-p", help="LeastAllocated, MostAllocated, BalancedAllocation "
                                        "or RequestedToCapacityRatio (legacy priority names accepted).",
                                        show_default=False)],
    allocatable: AmountsOpt,
    requested: Annotated[list[str], typer.Option(
        metavar="RES=QTY,...", help="The node's requests including the incoming pod, as the scheduler "
        "counts them.", show_default=False)],
    pod_requests: Annotated[list[str] | None, typer.Option(
        "--pod-requests", metavar="RES=QTY,...", help="The incoming pod's own requests: needed for best-effort "
        "skips (1.33+), unrequested extended resources (1.22+) and BalancedAllocation from 1.36.")] = None,
    weight: Annotated[list[str] | None, typer.Option(
        "--weight", "-w", metavar="RES=N", help="Configured resources and weights (default cpu=1,memory=1). "
        "Repeatable.")] = None,
    shape: Annotated[str | None, typer.Option(
        metavar="U=S,...", help="RequestedToCapacityRatio shape: utilisation=score points, scores 0-10, "
        "e.g. 0=10,100=0.")] = None,
    output: OutputOpt = OutputFormat.table,
) -> None:
    """What would this node score? One resource scorer, one node, one Kubernetes version, with the arithmetic."""
    try:
        alloc = parse_amounts(allocatable, "--allocatable")
        req = parse_amounts(requested, "--requested")
        pod = parse_amounts(pod_requests, "--pod-requests") if pod_requests else None
    except QuantityError as exc:
        fail(str(exc))
    weights = dict(_integers(_pairs(weight, "--weight"), "--weight")) if weight else None
    points = _integers(_pairs([shape] if shape else None, "--shape"), "--shape")
    try:
        e = explain(plugin, k8s_version, alloc, req, pod_requests=pod, weights=weights,
                    shape=[(int(u), s) for u, s in points] if points else None)
    except (ScoreInputError, ValueError) as exc:
        fail(str(exc))
    if output.is_data:  # json, or yaml with the same keys
        print_data({
            "plugin": e.plugin, "k8s_version": e.version, "score": e.score, "scored": e.score is not None,
            "max_score": e.max_score, "provenance": "recomputed", "steps": list(e.steps), "notes": list(e.notes),
            "inputs": {"allocatable": alloc, "requested": req, "pod_requests": pod, "weights": weights,
                       "shape": [list(p) for p in points] or None},
        }, output)
    else:
        write(_render(e))
    raise typer.Exit(EXIT_OK)


def register(app: typer.Typer) -> None:
    """Add score to the schedlog app."""
    app.command("score")(score_cmd)
