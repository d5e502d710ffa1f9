"""check and whatif: do the logged numbers add up, and what would other weights have changed."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from ..model import AnalysisResult
from ..reconcile import Discrepancy, WeightSource
from ..reconcile.findings import CheckFindings
from ..reconcile.grouping import AttemptRef
from ..reconcile.infer import Inference
from ..reconcile.whatif import WhatIfError, parse_overrides, whatif
from ..report.cachetext import check_keys as cache_check_keys
from ..report.cachetext import finding_lines as cache_finding_lines
from ..report.checktext import finding_lines
from ..scoring.versions import newer_than_table
from .common import (
    EXIT_DISCREPANCY,
    EXIT_OK,
    ConfigOpt,
    LogsArg,
    OutputFormat,
    OutputOpt,
    QuietOpt,
    VersionOpt,
    fail,
    fold_with_weights,
    load_with_weights,
    print_data,
    write,
)

WeightOpt = Annotated[list[str], typer.Option(
    "--weight", "-w", help="PLUGIN=N, repeatable: the weight to try instead of the one in effect.")]

VerboseOpt = Annotated[bool, typer.Option(
    "--verbose", "-v", help="List every record (one line per attempt and finding) instead of the grouped summary.")]

RESIDUALS_SHOWN = 5  # distinct residuals listed before "N other values"
SOURCE_WORDS = {"user": "given with --k8s-version", "logged": "printed in the log",
                "signature": "guessed from the log's format"}


def _reconciled(logs: list[str], quiet: bool, k8s_version: str | None, config: str | None
                ) -> tuple[AnalysisResult, WeightSource]:
    """Load and reconcile, or exit 2 with a one-line reason."""
    return load_with_weights(logs, quiet, k8s_version, config)


def _header(result: AnalysisResult, weights: WeightSource) -> str:
    fmt = result.format
    if fmt.k8s_version is None:
        return "version unknown: nothing could be reconciled"
    newer = newer_than_table(fmt.k8s_version)
    return (f"scored as Kubernetes {fmt.k8s_version} ({SOURCE_WORDS.get(fmt.version_source or '', '?')}"
            f"{'; ' + newer if newer else ''}); weights from {weights.origin} ({weights.provenance.value})")


def _record(a: AttemptRef, d: Discrepancy) -> dict[str, Any]:
    """One record of check -o json's "discrepancies" (built only when it is written)."""
    return {"pod": a.pod, "attempt": a.attempt, **d.to_dict()}


def _record_lines(found: CheckFindings) -> list[str]:
    """Every record on a line of its own, kind by kind (check -v)."""
    lines: list[str] = []
    for kind, items in found.records().items():
        n_open = found.unexplained_of[kind]
        lines += ["", f"{kind}: {len(items)} ({len(items) - n_open} explained, {n_open} unexplained)"]
        for a, d in items:
            mark = "explained" if d.explained else "UNEXPLAINED"
            lines.append(f"  {a.pod} #{a.attempt}: {d.explanation}  [{mark}, {d.confidence} confidence]")
    return lines


def _inference_lines(inf: Inference) -> list[str]:
    if not inf.rows:
        return [f"inferred configuration: {'; '.join(inf.notes) or 'no node with a logged total'}"]
    lines = [f"inferred configuration from {inf.rows} node totals: hidden constant {inf.constant}"]
    for w in inf.weights:
        if w.weight is not None:
            value = str(w.weight)
        elif w.candidates:
            value = "any of " + ", ".join(map(str, w.candidates[:6])) + ("..." if len(w.candidates) > 6 else "")
        else:
            continue  # not identifiable: the notes say why
        agree = {True: "agrees", False: "DIFFERS", None: "-"}[w.agrees]
        lines.append(f"  {w.plugin}: {value} ({w.method}; applied {w.applied}, {agree})")
    shown = inf.residuals[:RESIDUALS_SHOWN]  # most common first
    rest = sum(n for _, n in inf.residuals[RESIDUALS_SHOWN:])
    lines.append("  residuals: " + ", ".join(f"{r:+d} on {n} node{'s' if n != 1 else ''}" for r, n in shown)
                 + (f", {len(inf.residuals) - RESIDUALS_SHOWN} other values on {rest} nodes" if rest else ""))
    lines += [f"  note: {n}" for n in inf.notes]
    return lines


def check(logs: LogsArg, k8s_version: VersionOpt = None, config: ConfigOpt = None,
          output: OutputOpt = OutputFormat.table, quiet: QuietOpt = False, verbose: VerboseOpt = False) -> None:
    """Every discrepancy between the logged numbers and the reference scoring, grouped by kind and pattern
    (counts, ranges, the nodes that break a pattern); -v lists every record.

    Exit 0 when every one is explained (hidden components, ties, cut attempts), 1 when some are not.
    """
    keep = verbose or output.is_data  # every record is printed, not only the groups

    def findings(version: str | None) -> CheckFindings:
        return CheckFindings(version, keep_records=keep)

    folded = fold_with_weights(logs, quiet, k8s_version, config, findings)
    result, weights, found = folded.header, folded.weights, folded.consumer
    open_items = found.unexplained
    inference = found.inference()
    findings = found.groups()
    code = EXIT_DISCREPANCY if open_items else EXIT_OK
    if output.is_data:
        _print_json_streamed({
            "schema": "schedlog/v1", "inputs": list(result.inputs),
            "k8s_version": result.format.k8s_version, "version_source": result.format.version_source,
            "weights": {"origin": weights.origin, "provenance": weights.provenance.value,
                        "by_profile": {p: dict(w) for p, w in weights.by_profile.items()}},
            "summary": {k: {"total": found.count_of[k], "explained": found.count_of[k] - found.unexplained_of[k],
                            "unexplained": found.unexplained_of[k]} for k in found.kinds()},
            "discrepancies": found.records(),
            "inferred_config": inference.to_dict(),
            "unexplained": open_items, "exit_code": code,
            "groups": [g.to_dict() for g in findings],
            **cache_check_keys(folded.result),
        }, output)
        raise typer.Exit(code)
    lines = [_header(result, weights)] + ([] if found.count_of else ["", "no discrepancies"])
    lines += _record_lines(found) if verbose else finding_lines(findings)
    lines += cache_finding_lines(folded.result)
    lines += ["", *_inference_lines(inference), ""]
    if open_items:
        lines.append(f"{open_items} unexplained discrepanc{'ies' if open_items != 1 else 'y'}")
    else:
        lines.append("every logged number is explained")
    _emit(lines)
    raise typer.Exit(code)


def whatif_cmd(logs: LogsArg, weight: WeightOpt, k8s_version: VersionOpt = None, config: ConfigOpt = None,
               output: OutputOpt = OutputFormat.table, quiet: QuietOpt = False) -> None:
    """Re-rank every attempt with other plugin weights and list the pods whose winner would change."""
    try:
        overrides = parse_overrides(weight)
    except WhatIfError as exc:
        fail(str(exc))
    result, _weights = _reconciled(logs, quiet, k8s_version, config)
    try:
        reranked = whatif(result, overrides)
    except WhatIfError as exc:
        fail(str(exc))
    changed = [r for r in reranked if r.changed]
    if output.is_data:
        print_data({"schema": "schedlog/v1", "weights": overrides, "attempts": len(reranked),
                    "changed": [r.to_dict() for r in changed]}, output)
        return
    tried = ", ".join(f"{k}={v}" for k, v in overrides.items())
    lines = [f"re-ranked {len(reranked)} scored attempts with {tried}"]
    if not changed:
        lines.append("no winner would change")
    for r in changed:
        new = dict(r.new_totals)
        lines.append(f"  {r.pod} #{r.attempt}: {r.winner} ({new.get(r.winner)}) -> "
                     f"{', '.join(r.new_leaders)} ({new[r.new_leaders[0]]})")
    skipped = sum(1 for r in reranked if r.missing)
    if skipped:
        lines.append(f"{skipped} attempts had nodes without an unweighted score for an overridden plugin; "
                     "those nodes were left out")
    _emit(lines)


def _print_json_streamed(data: dict[str, Any], output: OutputFormat) -> None:
    """check -o json as ``print_json`` writes it, with the records under "discrepancies" (one per node of
    every attempt on a legacy log; by kind, each kind's (attempt, record) pairs in log order) dumped a few at
    a time instead of as one document in memory."""
    from ..report.jsonout import Streamed, item_text, pieces

    groups = data["discrepancies"]
    if output is OutputFormat.yaml:
        print_data({**data, "discrepancies": {k: [_record(a, d) for a, d in v] for k, v in groups.items()}}, output)
        return
    streamed = {k: Streamed(item_text(_record(a, d)) for a, d in v) for k, v in groups.items()}
    for piece in pieces({**data, "discrepancies": streamed}):
        write(piece)


def _emit(lines: list[str]) -> None:
    """Plain text on stdout, never wrapped."""
    write("\n".join(lines) + "\n")


def register(app: typer.Typer) -> None:
    """Add check and whatif to the schedlog app."""
    app.command()(check)
    app.command("whatif")(whatif_cmd)
