"""snapshot, verify, diff: regression testing of scheduling decisions against saved logs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from ..regress.compare import check_ignored, compare, parse_tolerances
from ..regress.logdiff import diff_snapshots, render_changes, render_diff
from ..regress.patterns import summarize
from ..regress.snapshot import SnapshotAttempts, SnapshotError, load_snapshot
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
    output_format_option,
    print_data,
    resolve_out,
    write,
)

if TYPE_CHECKING:
    from ..run.fold import Folded

ToleranceOpt = Annotated[list[str] | None, typer.Option(
    "--tolerance", "-t", metavar="NAME=N",
    help="Accept a score change of up to N for plugin NAME ('total' for node totals, '*' for every plugin). "
         "Repeatable.")]
IgnoreOpt = Annotated[list[str] | None, typer.Option(
    "--ignore", "-i", metavar="FIELD",
    help="Leave FIELD out of the comparison: log, weights, outcome, winner, evaluated_nodes, feasible_nodes, "
         "complete, failure, nodes, filter, total, scores, discrepancies, or plugin:NAME. Repeatable.")]
VerboseOpt = Annotated[bool, typer.Option(
    "--verbose", "-v", help="List every change (and every winner) instead of patterns and a capped residue.")]


def log_snapshot(paths: list[str], quiet: bool, k8s_version: str | None = None,
                 config: str | None = None) -> dict[str, Any]:
    """The snapshot of the logs analyzed as analyzer.analyze() does (pipeline + reconcile); exit 2 if bad.
    The attempts are folded into their snapshots as they come, never held all at once."""
    folded = _snapshots(paths, quiet, k8s_version, config)
    return folded.consumer.snapshot(folded.header)


def _snapshots(paths: list[str], quiet: bool, k8s_version: str | None, config: str | None
               ) -> Folded[SnapshotAttempts]:
    """Every attempt's snapshot, folded from the reconciled attempts (no cache replay: a snapshot has none)."""
    return fold_with_weights(paths, quiet, k8s_version, config, lambda _version: SnapshotAttempts(), replays=False)


def _options(tolerance: list[str] | None,
             ignore: list[str] | None) -> tuple[dict[str, float], tuple[str, ...]]:
    try:
        return parse_tolerances(tolerance or []), tuple(sorted(check_ignored(ignore or [])))
    except ValueError as exc:
        fail(str(exc))


SNAPSHOT_FORMATS = ("json",)


def snapshot_cmd(logs: LogsArg,
                 out: Annotated[str | None, typer.Option("--out", metavar="FILE",
                                                          help="Write here (default: stdout).")] = None,
                 output: output_format_option(SNAPSHOT_FORMATS, "--out FILE") = None,
                 k8s_version: VersionOpt = None, config: ConfigOpt = None, quiet: QuietOpt = False) -> None:
    """Write a stable summary of every decision (outcome, winner, totals, plugin scores, discrepancies)."""
    out = resolve_out(out, output, SNAPSHOT_FORMATS, "--out")
    folded = _snapshots(logs, quiet, k8s_version, config)
    pieces = folded.consumer.pieces(folded.header)
    if out is None or out == "-":
        for piece in pieces:
            write(piece)
        return
    try:
        with open(out, "w", encoding="utf-8") as file:
            file.writelines(pieces)
    except OSError as exc:
        fail(f"{out}: {exc.strerror or exc}")


def verify(args: Annotated[list[str], typer.Argument(metavar="LOG... EXPECTED",
                                                     help="Scheduler logs, then the expected snapshot.",
                                                     show_default=False)],
           tolerance: ToleranceOpt = None, ignore: IgnoreOpt = None, k8s_version: VersionOpt = None,
           config: ConfigOpt = None, output: OutputOpt = OutputFormat.table, quiet: QuietOpt = False,
           verbose: VerboseOpt = False) -> None:
    """Check that logs still give the decisions of a saved snapshot: exit 0 if so, 1 with a diff if not."""
    if len(args) < 2:
        fail("verify needs at least one log and then the expected snapshot file")
    *logs, expected_path = args
    tolerances, ignored = _options(tolerance, ignore)
    try:
        expected = load_snapshot(expected_path)
    except SnapshotError as exc:
        fail(str(exc))
    actual = log_snapshot(logs, quiet, k8s_version, config)
    changes = compare(expected, actual, tolerances, ignored)
    if output.is_data:
        print_data({"schema": expected["schema"], "match": not changes,
                    "changes": [c.to_dict() for c in changes]}, output)
    elif changes:
        summary = None if verbose else summarize(changes, expected, actual)
        write(render_changes(changes, expected_path, " ".join(logs), summary))
    else:
        write(f"ok: {' '.join(logs)} matches {expected_path}\n")
    raise typer.Exit(EXIT_DISCREPANCY if changes else EXIT_OK)


def diff(first: Annotated[str, typer.Argument(metavar="A", help="The first log.", show_default=False)],
         second: Annotated[str, typer.Argument(metavar="B", help="The second log.", show_default=False)],
         tolerance: ToleranceOpt = None, ignore: IgnoreOpt = None,
         output: OutputOpt = OutputFormat.table, quiet: QuietOpt = False, verbose: VerboseOpt = False) -> None:
    """Compare two logs of the same workload: moved winners, changed scores, plugins and weights."""
    tolerances, ignored = _options(tolerance, ignore)
    result = diff_snapshots(log_snapshot([first], quiet), log_snapshot([second], quiet), tolerances, ignored)
    if output.is_data:
        print_data({"schema": "schedlog-diff/1", "a": first, "b": second, **result.to_dict()}, output)
    else:
        write(render_diff(result, first, second, verbose))
    raise typer.Exit(EXIT_OK if result.same else EXIT_DISCREPANCY)


def register(app: typer.Typer) -> None:
    """Add snapshot, verify and diff to the schedlog app."""
    app.command("snapshot")(snapshot_cmd)
    app.command()(verify)
    app.command()(diff)
