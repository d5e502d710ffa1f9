"""The schedlog command line: a thin typer layer over the Python API (analyzer.pipeline, analyzer.report)."""

from __future__ import annotations

import typer

from . import check, inspect, regress, report
from .common import EXIT_CODES_HELP

app = typer.Typer(
    name="schedlog",
    help="Read kube-scheduler verbose logs (--v=4..10, any era, text or JSON, CRI/kubectl wrapped) and "
         "explain, recompute and check every scheduling decision. " + EXIT_CODES_HELP,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

app.command()(inspect.summary)
app.command()(inspect.attempts)
app.command()(inspect.explain)
regress.register(app)
report.register(app)
check.register(app)


def main() -> None:
    app()
