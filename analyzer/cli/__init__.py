"""The schedlog command line: a thin typer layer over the Python API (analyzer.pipeline, analyzer.report)."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from .. import __version__
from ..run.pool import Engine
from . import check, inspect, regress, report
from .common import EXIT_CODES_HELP, RUN
from .follow import register as register_follow
from .score import register as register_score
from .timeline import register as register_timeline

app = typer.Typer(
    name="schedlog",
    help="Read kube-scheduler verbose logs (--v=4..10, any era, text or JSON, CRI/kubectl wrapped) and "
         "explain, recompute and check every scheduling decision. " + EXIT_CODES_HELP,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"schedlog {__version__}")
        raise typer.Exit()


@app.callback()
def run_options(
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, help="Processes to use (default: all cores): "
                                      "one per input, and a large plain file is read in parts; the "
                                      "output is the same as with --jobs 1.")]
    = os.cpu_count() or 1,
    engine: Annotated[Engine, typer.Option(help="local (a process pool) or dask (a Dask cluster, for the "
                                           "logs of many clusters).")] = Engine.local,
    scheduler: Annotated[str | None, typer.Option(help="Dask scheduler address (default: a local cluster "
                                                  "of --jobs workers).")] = None,
    version: Annotated[bool, typer.Option("--version", callback=_print_version, is_eager=True,
                                          help="Print the schedlog version and exit.")] = False,
    year: Annotated[int | None, typer.Option(min=1970, max=9999, help="The year the logs start in (klog "
                                             "prints none), for full timestamps; default: a year the log "
                                             "shows, else each file's modification time (inferred).")]
    = None,
    pods: Annotated[str | None, typer.Option(help="Pod objects (YAML or JSON, e.g. `kubectl get pods -A -o "
                                             "yaml`): their requests, which no log line prints, let a "
                                             "replayed cache dump score each attempt (marked inferred).")]
    = None,
) -> None:
    """Options for every command: how many workers, where they run, and the year of yearless log times."""
    RUN.jobs, RUN.engine, RUN.scheduler, RUN.year = jobs, engine, scheduler, year
    RUN.pods = pods


app.command()(inspect.summary)
app.command()(inspect.attempts)
app.command()(inspect.explain)
regress.register(app)
report.register(app)
check.register(app)
register_score(app)
register_timeline(app)
register_follow(app)


def main() -> None:
    app()
