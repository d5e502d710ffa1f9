"""Terminal renderings of the summary and the attempt list (explain: explain_text.py)."""

from __future__ import annotations

from collections import Counter

from rich.console import Console

from ..model import AnalysisResult, Attempt
from ..times import INFERRED, FullTimes
from .cachetext import summary_rows as cache_summary_rows
from .explain import node_counts
from .tables import Column, TableData, cell, render_table
from .timeline import longest_pending_rows


def summary_table(result: AnalysisResult) -> TableData:
    """What the log is and holds, one fact a row (key, value)."""
    fmt, lines = result.format, result.lines
    outcomes = Counter(a.outcome.value for a in result.attempts)
    pods = {a.pod for a in result.attempts}
    version = f"{fmt.k8s_version} ({fmt.version_source})" if fmt.k8s_version else "not logged"
    rows = [
        ["inputs", ", ".join(result.inputs)],
        ["era", cell(fmt.era)],
        ["encoding / wrapper", f"{cell(fmt.encoding)} / {cell(fmt.wrapper)}"],
        ["kubernetes version", version],
        ["lines", f"{lines.total} total: {lines.parsed} parsed, {lines.ignored} ignored, "
                  f"{lines.unrecognized} unrecognized" + (f", {lines.damaged} damaged" if lines.damaged else "")],
        ["pods", str(len(pods))],
        ["attempts", f"{len(result.attempts)}: " + ", ".join(f"{n} {k}" for k, n in sorted(outcomes.items()))],
    ]
    incomplete = sum(1 for a in result.attempts if not a.complete)
    if incomplete:
        rows.append(["incomplete attempts", f"{incomplete} (cut by the start or end of the log, "
                                            "or by a crash or restart)"])
    if result.config.weights:
        rows.append(["weights (from the log)",
                     ", ".join(f"{k}={v}" for k, v in sorted(result.config.weights.items()))])
    rows += longest_pending_rows(result)
    rows += cache_summary_rows(result)
    rows += [["note", note] for note in result.notes]
    return TableData([Column("what"), Column("value")], rows, title="schedlog summary")


def render_summary(result: AnalysisResult, console: Console) -> None:
    render_table(summary_table(result), console, headers=False)


def render_unrecognized(result: AnalysisResult, console: Console, *, headers: bool = True) -> None:
    if not result.lines.unrecognized_samples:
        console.print("no unrecognized lines")
        return
    table = TableData([Column("input"), Column("line", right=True), Column("text")],
                      title=f"unrecognized lines ({result.lines.unrecognized})")
    for index, number, text in result.lines.unrecognized_samples:
        table.rows.append([result.inputs[index], str(number), text])
    render_table(table, console, headers=headers)


def evaluated_feasible(attempt: Attempt) -> str:
    """evaluated/feasible as the log gives them; for an unschedulable attempt, from '0/N nodes are available'."""
    evaluated, feasible = node_counts(attempt)
    return f"{cell(evaluated)}/{cell(feasible)}"


ATTEMPT_COLUMNS = [Column("pod"), Column("#", right=True), Column("outcome"), Column("node"),
                   Column("eval/feasible", right=True), Column("scored", right=True, optional=True),
                   Column("started", optional=True), Column("profile", wide=True),
                   Column("lines", wide=True), Column("note", optional=True)]


def failure_note(a: Attempt) -> str | None:
    """Why an attempt failed, short: its two most common filter reasons, else the failure message."""
    if not a.failure:
        return None
    top = sorted(a.failure.reasons.items(), key=lambda kv: (-kv[1], kv[0]))[:2]
    return "; ".join(f"{n} {r}" for r, n in top) or a.failure.message


def attempts_table(attempts: list[Attempt], inputs: tuple[str, ...] | list[str] = (),
                   times: FullTimes | None = None) -> TableData:
    """One row per attempt; pod and node names are never shortened. With ``times``, starts carry their year."""
    table = TableData(ATTEMPT_COLUMNS, title=f"{len(attempts)} scheduling attempts")
    for a in attempts:
        started = (times.of(a).text if times is not None else None) or a.started_at
        note = failure_note(a) or a.incomplete_reason or ""
        where = ""
        if a.span is not None:
            name = inputs[a.span.input] if a.span.input < len(inputs) else str(a.span.input)
            where = f"{name}:{a.span.first_line}-{a.span.last_line}"
        table.rows.append([a.pod, str(a.attempt), a.outcome.value, cell(a.winner), evaluated_feasible(a),
                           str(sum(1 for n in a.nodes if n.scores)), cell(started), cell(a.profile),
                           where or "-", note])
    return table


def render_attempts(attempts: list[Attempt], console: Console, *, wide: bool = False, headers: bool = True,
                    inputs: tuple[str, ...] | list[str] = (), times: FullTimes | None = None) -> None:
    render_table(attempts_table(attempts, inputs, times), console, wide=wide, headers=headers)
    # a note for a reader at a terminal; piped output stays one row per attempt
    inferred = times is not None and any(times.of(a).provenance == INFERRED for a in attempts)
    if headers and console.is_terminal and inferred:
        console.print("years of the start times inferred from the file's modification time (klog prints none; "
                      "--year sets it)", markup=False, highlight=False, soft_wrap=True)
