"""summary, attempts, explain: look at what the log says, attempt by attempt."""

from __future__ import annotations

from typing import Annotated

import typer

from ..pipeline import attempts_for
from ..report.explain import explain_attempt, explanation_to_dict
from ..report.jsonout import attempt_to_dict, result_to_dict
from ..report.text import render_attempts, render_explain, render_summary, render_unrecognized
from ..times import FullTimes
from .common import (
    ConfigOpt,
    LogsArg,
    OutputFormat,
    OutputOpt,
    QuietOpt,
    VersionOpt,
    fail,
    load,
    print_json,
    stdout,
)


def summary(logs: LogsArg, output: OutputOpt = OutputFormat.table, quiet: QuietOpt = False,
            show_unrecognized: Annotated[bool, typer.Option(help="List the unrecognized lines.")] = False
            ) -> None:
    """Detected format and era, line accounting, pods, attempts and outcomes."""
    result = load(logs, quiet)  # what the log says; no reference scoring needed here
    if output is OutputFormat.json:
        data = result_to_dict(result)
        data.pop("attempts")
        data["pods"] = len({a.pod for a in result.attempts})
        data["attempt_count"] = len(result.attempts)
        data["outcomes"] = {}
        for a in result.attempts:
            data["outcomes"][a.outcome.value] = data["outcomes"].get(a.outcome.value, 0) + 1
        if show_unrecognized:
            data["unrecognized_lines"] = [{"input": result.inputs[i], "line": n, "text": t}
                                          for i, n, t in result.lines.unrecognized_samples]
        print_json(data)
        return
    render_summary(result, stdout)
    if show_unrecognized:
        render_unrecognized(result, stdout)


def attempts(logs: LogsArg, output: OutputOpt = OutputFormat.table, quiet: QuietOpt = False,
             k8s_version: VersionOpt = None, config: ConfigOpt = None) -> None:
    """One row per scheduling attempt: pod, attempt number, outcome, node, evaluated/feasible."""
    result = load(logs, quiet, reconcile=True, k8s_version=k8s_version, config=config)
    if output is OutputFormat.json:
        print_json(result_to_dict(result))
        return
    render_attempts(list(result.attempts), stdout)


def explain(logs: LogsArg,
            pod: Annotated[str, typer.Option("--pod", "-p", help="Pod as NS/NAME (or NAME).")],
            attempt: Annotated[int | None, typer.Option("--attempt", "-a", help="Attempt number (default: all).")]
            = None,
            output: OutputOpt = OutputFormat.table, quiet: QuietOpt = False,
            k8s_version: VersionOpt = None, config: ConfigOpt = None) -> None:
    """Per-node scores for one pod: filter verdicts, each plugin's score, totals, and why the winner won."""
    result = load(logs, quiet, reconcile=True, k8s_version=k8s_version, config=config)
    chosen = attempts_for(result, pod, attempt)
    if not chosen:
        known = sorted({a.pod for a in result.attempts})
        hint = f" (pods in the log: {', '.join(known[:8])}{'...' if len(known) > 8 else ''})" if known else ""
        fail(f"no attempt for pod {pod}" + (f" number {attempt}" if attempt else "") + hint)
    if output is OutputFormat.json:
        data = []
        times = FullTimes.for_result(result)
        for a in chosen:
            item = attempt_to_dict(a, times)
            item["explanation"] = explanation_to_dict(explain_attempt(a))
            data.append(item)
        print_json({"schema": "schedlog/v1", "pod": pod, "attempts": data})
        return
    for a in chosen:
        render_explain(a, stdout)
