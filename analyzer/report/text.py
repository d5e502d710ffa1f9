"""Terminal renderings (rich tables) of summaries, attempt lists and per-attempt explanations."""

from __future__ import annotations

from collections import Counter

from rich.console import Console
from rich.table import Table

from ..model import AnalysisResult, Attempt
from .explain import contribution, explain_attempt


def _fmt(value: object) -> str:
    return "-" if value is None else str(value)


def render_summary(result: AnalysisResult, console: Console) -> None:
    fmt, lines = result.format, result.lines
    outcomes = Counter(a.outcome.value for a in result.attempts)
    pods = {a.pod for a in result.attempts}
    table = Table(title="schedlog summary", show_header=False, box=None)
    table.add_column("what", style="bold")
    table.add_column("value")
    table.add_row("inputs", ", ".join(result.inputs))
    table.add_row("era", _fmt(fmt.era))
    table.add_row("encoding / wrapper", f"{_fmt(fmt.encoding)} / {_fmt(fmt.wrapper)}")
    version = f"{fmt.k8s_version} ({fmt.version_source})" if fmt.k8s_version else "not logged"
    table.add_row("kubernetes version", version)
    table.add_row("lines", f"{lines.total} total: {lines.parsed} parsed, {lines.ignored} ignored, "
                           f"{lines.unrecognized} unrecognized" + (f", {lines.damaged} damaged" if lines.damaged
                                                                   else ""))
    table.add_row("pods", str(len(pods)))
    table.add_row("attempts", f"{len(result.attempts)}: " + ", ".join(f"{n} {k}" for k, n in sorted(outcomes.items())))
    incomplete = sum(1 for a in result.attempts if not a.complete)
    if incomplete:
        table.add_row("incomplete attempts", f"{incomplete} (cut by the start or end of the log, "
                                                   "or by a crash or restart)")
    if result.config.weights:
        table.add_row("weights (from the log)", ", ".join(f"{k}={v}" for k, v in sorted(result.config.weights.items())))
    for note in result.notes:
        table.add_row("note", note)
    console.print(table)


def render_unrecognized(result: AnalysisResult, console: Console) -> None:
    if not result.lines.unrecognized_samples:
        console.print("no unrecognized lines")
        return
    table = Table(title=f"unrecognized lines ({result.lines.unrecognized})")
    table.add_column("input")
    table.add_column("line", justify="right")
    table.add_column("text", overflow="fold")
    for index, number, text in result.lines.unrecognized_samples:
        table.add_row(result.inputs[index], str(number), text)
    console.print(table)


def render_attempts(attempts: list[Attempt], console: Console) -> None:
    table = Table(title=f"{len(attempts)} scheduling attempts")
    for col in ("pod", "#", "started", "outcome", "node", "eval/feasible", "scored nodes", "note"):
        table.add_column(col, justify="right" if col in ("#", "scored nodes") else "left")
    for a in attempts:
        note = a.incomplete_reason or ""
        if a.failure:
            top = sorted(a.failure.reasons.items(), key=lambda kv: (-kv[1], kv[0]))[:2]
            note = "; ".join(f"{n} {r}" for r, n in top) or a.failure.message
        ef = f"{_fmt(a.evaluated_nodes)}/{_fmt(a.feasible_nodes)}"
        table.add_row(a.pod, str(a.attempt), _fmt(a.started_at), a.outcome.value, _fmt(a.winner), ef,
                      str(sum(1 for n in a.nodes if n.scores)), note[:120])
    console.print(table)


def render_explain(attempt: Attempt, console: Console) -> None:
    """One column per node, one row per plugin: scores as they add to the total, then the totals."""
    plugins: list[str] = []
    for node in attempt.nodes:
        for s in node.scores:
            if s.plugin not in plugins:
                plugins.append(s.plugin)
    title = f"{attempt.pod} attempt {attempt.attempt}: {attempt.outcome.value}"
    if attempt.winner:
        title += f" -> {attempt.winner}"
    if not attempt.nodes:
        console.print(f"{title}\n  the log names no node for this cycle (no score lines, no predicate lines)")
    table = Table(title=title)
    table.add_column("")
    for node in attempt.nodes:
        table.add_column(node.node + (" *winner*" if node.node == attempt.winner else ""), justify="right")
    table.add_row("filter", *[n.filter.value + (f" ({n.filter_provenance.value})" if n.filter_provenance else "")
                              for n in attempt.nodes])
    hidden = {s.plugin for n in attempt.nodes for s in n.scores if s.hidden}
    for p in plugins:
        cells = []
        for node in attempt.nodes:
            s = node.score(p)
            value = contribution(s) if s else None
            cells.append(_fmt(value) + ("" if s is None or s.weighted is not None else "°"))
        if p in hidden:
            table.add_row(f"{p} (hidden, inferred)", *cells, style="italic dim")
        else:
            table.add_row(p, *cells)
    table.add_row("total (logged)", *[_fmt(n.total_logged) for n in attempt.nodes], style="bold")
    if any(n.total_recomputed is not None for n in attempt.nodes):
        table.add_row("total (recomputed)", *[_fmt(n.total_recomputed) for n in attempt.nodes])
    if attempt.nodes:
        console.print(table)
    if any(s.weighted is None for n in attempt.nodes for s in n.scores):
        console.print("° logged before weighting (this log does not print the weight)")
    if attempt.failure:
        console.print(f"unschedulable: {attempt.failure.message}")
        for reason, count in sorted(attempt.failure.reasons.items(), key=lambda kv: (-kv[1], kv[0])):
            console.print(f"  {count:>4}  {reason}")
        if attempt.failure.preemption_reasons:
            console.print("  preemption:")
            for reason, count in sorted(attempt.failure.preemption_reasons.items(), key=lambda kv: (-kv[1], kv[0])):
                console.print(f"  {count:>4}  {reason}")
    exp = explain_attempt(attempt)
    if exp.winner and exp.losses:
        console.print(f"winner {exp.winner} with {_fmt(exp.winner_total)}; runner-up {_fmt(exp.runner_up)} "
                      f"by {_fmt(exp.margin)}")
        if exp.tied_with:
            console.print(f"tie with {', '.join(exp.tied_with)}: the scheduler picks among equal top scores "
                          "at random")
        for loss in exp.losses:
            if loss.filtered_out:
                node = attempt.node(loss.node)
                how = node.filter_provenance.value if node and node.filter_provenance else "unknown"
                console.print(f"  {loss.node}: did not pass filtering ({how})")
                continue
            behind = ", ".join(f"{p} -{v}" for p, v in loss.behind_on[:4]) or "no plugin difference logged"
            console.print(f"  {loss.node}: {_fmt(loss.total)} ({'-' if loss.margin is None else -loss.margin:}) "
                          f"behind on {behind}")
    for d in attempt.discrepancies:
        text = d.explanation if hasattr(d, "explanation") else str(d)
        console.print(f"  discrepancy: {text}")
