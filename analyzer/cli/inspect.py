"""summary, attempts, explain: look at what the log says, attempt by attempt."""

from __future__ import annotations

from typing import Annotated

import typer

from ..report.cachetext import replay_lines, replays_by_attempt
from ..report.explain import explain_attempt, explanation_to_dict
from ..report.explain_text import ExplainView, render_explain
from ..report.jsonout import attempt_to_dict, result_to_dict
from ..report.text import render_attempts, render_summary, render_unrecognized
from ..report.timeline import longest_pending_data
from ..run.picks import PodAttempts
from ..times import FullTimes
from .common import (
    ConfigOpt,
    LogsArg,
    NoHeadersOpt,
    OutputFormat,
    OutputOpt,
    QuietOpt,
    VersionOpt,
    fail,
    fold_with_weights,
    load,
    pods_hint,
    print_data,
    stdout,
    write,
)


def summary(logs: LogsArg, output: OutputOpt = OutputFormat.table, quiet: QuietOpt = False,
            show_unrecognized: Annotated[bool, typer.Option(help="List the unrecognized lines.")] = False,
            no_headers: NoHeadersOpt = False) -> None:
    """Detected format and era, line accounting, pods, attempts and outcomes."""
    result = load(logs, quiet)  # what the log says; no reference scoring needed here
    if output.is_data:
        data = result_to_dict(result)
        data.pop("attempts")
        data["pods"] = len({a.pod for a in result.attempts})
        data["attempt_count"] = len(result.attempts)
        data["outcomes"] = {}
        for a in result.attempts:
            data["outcomes"][a.outcome.value] = data["outcomes"].get(a.outcome.value, 0) + 1
        data["longest_pending"] = longest_pending_data(result)
        if show_unrecognized:
            data["unrecognized_lines"] = [{"input": result.inputs[i], "line": n, "text": t}
                                          for i, n, t in result.lines.unrecognized_samples]
        print_data(data, output)
        return
    render_summary(result, stdout)
    if show_unrecognized:
        render_unrecognized(result, stdout, headers=not no_headers)


def attempts(logs: LogsArg, output: OutputOpt = OutputFormat.table, quiet: QuietOpt = False,
             k8s_version: VersionOpt = None, config: ConfigOpt = None, no_headers: NoHeadersOpt = False) -> None:
    """One row per scheduling attempt: pod, attempt number, outcome, node, evaluated/feasible (-o wide: more)."""
    result = load(logs, quiet, reconcile=True, k8s_version=k8s_version, config=config)
    if output.is_data:
        print_data(result_to_dict(result), output)
        return
    render_attempts(list(result.attempts), stdout, wide=output is OutputFormat.wide, headers=not no_headers,
                    inputs=result.inputs, times=FullTimes.for_result(result))


def explain(logs: LogsArg,
            pod: Annotated[str, typer.Option("--pod", "-p", help="Pod as NS/NAME (or NAME).")],
            attempt: Annotated[int | None, typer.Option("--attempt", "-a", help="Attempt number (default: all).")]
            = None,
            node: Annotated[list[str] | None, typer.Option(
                "--node", "-n", help="Also show this node and why it was not chosen, plugin by plugin. Repeatable.")]
            = None,
            all_nodes: Annotated[bool, typer.Option("--all", help="Show every node, not the top 10.")] = False,
            output: OutputOpt = OutputFormat.table, quiet: QuietOpt = False,
            k8s_version: VersionOpt = None, config: ConfigOpt = None) -> None:
    """Why the winner won: nodes ranked by total with each plugin's part, the rest as counts and ranges."""
    folded = fold_with_weights(logs, quiet, k8s_version, config, lambda _version: PodAttempts(pod, attempt))
    chosen = folded.consumer.chosen
    if not chosen:
        hint = pods_hint(folded.consumer.first_names())
        fail(f"no attempt for pod {pod}" + (f" number {attempt}" if attempt else "") + hint)
    replays = replays_by_attempt(folded.result)  # attempts after a SIGUSR2 cache dump (issue 14)
    if output.is_data:
        data = []
        times = folded.times
        for a in chosen:
            item = attempt_to_dict(a, times)
            item["explanation"] = explanation_to_dict(explain_attempt(a))
            if (a.pod, a.attempt) in replays:
                item["cache_replay"] = replays[(a.pod, a.attempt)]
            data.append(item)
        print_data({"schema": "schedlog/v1", "pod": pod, "attempts": data}, output)
        return
    names = tuple(dict.fromkeys(node or ()))
    known = {n.node for a in chosen for n in a.nodes}
    missing = [n for n in names if n not in known]
    if missing and known:
        fail(f"pod {pod}: no attempt names node {', '.join(missing)} (its attempts name {len(known)} nodes, e.g. "
             f"{', '.join(sorted(known)[:3])})")
    view = ExplainView(nodes=names, all_nodes=all_nodes, wide=output is OutputFormat.wide, width=stdout.width)
    for i, a in enumerate(chosen):
        if i:
            stdout.print()
        render_explain(a, stdout, view)
        for line in replay_lines(replays, a.pod, a.attempt):
            write(line + "\n")
