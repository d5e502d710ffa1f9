"""timeline: a pod's whole story (queue moves, gates, attempts, preemption, bind, deletion), or every pod ranked."""

from __future__ import annotations

from typing import Annotated

import typer

from ..model import names_pod
from ..report.tables import render_table
from ..report.timeline import DEFAULT_TOP, pods_table, stories_to_dict, story_table
from ..timeline import build_stories
from ..times import FullTimes
from .common import (
    LogsArg,
    NoHeadersOpt,
    OutputFormat,
    OutputOpt,
    QuietOpt,
    fail,
    load,
    pods_hint,
    print_data,
    stdout,
    write,
)


def timeline(logs: LogsArg,
             pod: Annotated[str | None, typer.Option("--pod", "-p", help="One pod as NS/NAME (or NAME): "
                                                     "every entry of its story.")] = None,
             top: Annotated[int, typer.Option("--top", min=0, help="Without --pod: how many pods to list, "
                                              "longest waiting first (0: all). -o json always has every pod.")]
             = DEFAULT_TOP,
             output: OutputOpt = OutputFormat.table, quiet: QuietOpt = False,
             no_headers: NoHeadersOpt = False) -> None:
    """Each pod from first sight to bind or the end of the log: queue moves, gates, attempts, preemption, bind."""
    result = load(logs, quiet)
    stories = build_stories(result)
    times = FullTimes.for_result(result)
    if pod is not None:
        every = stories
        stories = [s for s in every if names_pod(s.pod, pod)]
        if not stories:
            fail(f"no line about pod {pod}{pods_hint(sorted(s.pod for s in every))}")
    if output.is_data:
        print_data(stories_to_dict(stories, times, result.inputs), output)
        return
    wide, headers = output is OutputFormat.wide, not no_headers
    if pod is not None:
        for i, story in enumerate(stories):
            if i:
                stdout.print()
            render_table(story_table(story, times, result.inputs), stdout, wide=wide, headers=headers)
        return
    table, rest = pods_table(stories, times, top)
    render_table(table, stdout, wide=wide, headers=headers)
    if rest:
        write(f"... and {rest} more pod{'s' if rest != 1 else ''} (--top 0 lists all, -o json has every pod, "
              "--pod NS/NAME shows one)\n")


def register(app: typer.Typer) -> None:
    app.command()(timeline)
