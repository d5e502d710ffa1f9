"""What every command shares: loading logs with one-line errors, output selection, exit codes."""

from __future__ import annotations

import os
import sys
from enum import StrEnum
from typing import Annotated, NoReturn

import typer
from rich.console import Console

from ..model import AnalysisResult
from ..pipeline import analyze_paths
from ..read.sources import InputError

EXIT_OK, EXIT_DISCREPANCY, EXIT_BAD_INPUT = 0, 1, 2
EXIT_CODES_HELP = "Exit codes: 0 ok, 1 unexplained discrepancies (check) or a mismatch (verify), 2 bad input."


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


LogsArg = Annotated[list[str], typer.Argument(help="Scheduler log files (.gz ok); '-' reads stdin.",
                                              show_default=False)]
OutputOpt = Annotated[OutputFormat, typer.Option("--output", "-o", help="table (default) or json.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress on stderr.")]

# Piped output is not folded to 80 columns: tables stay one row per line for grep and less -S.
stdout = Console(soft_wrap=False, width=None if sys.stdout.isatty() else 200)
stderr = Console(stderr=True, soft_wrap=True)  # errors stay on one line, never folded


def fail(message: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    """Print one line on stderr and exit; never a traceback."""
    stderr.print(f"schedlog: {_one_line(message)}", markup=False, highlight=False)
    raise typer.Exit(code)


def load(paths: list[str], quiet: bool = False) -> AnalysisResult:
    """Analyze the logs or exit with code 2 and a one-line reason."""
    progress = None
    if not quiet and sys.stderr.isatty():
        def progress(index: int, lines: int) -> None:
            stderr.print(f"\r{paths[index]}: {lines:,} lines", end="", markup=False, highlight=False)
    try:
        result = analyze_paths(paths, progress=progress)
    except InputError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"{exc.filename or paths[0]}: {exc.strerror or exc}")
    if progress is not None:
        stderr.print("\r", end="")
    lines = result.lines
    meaningful = lines.parsed + lines.ignored - lines.ignored_by_reason.get("blank", 0)
    # when nothing was read, the reader's note (a corrupt .gz, ...) says why
    why = f" ({_one_line(result.notes[0])})" if result.notes else ""
    if lines.total == 0:
        fail(f"{', '.join(paths)}: empty input, no log lines{why}")
    if meaningful == 0:
        fail(f"{', '.join(paths)}: no kube-scheduler log lines found "
             f"({lines.unrecognized} unrecognized lines){why}")
    return result


def _one_line(text: str) -> str:
    """A message squeezed onto one terminal line (file names and notes may hold newlines)."""
    return " ".join(text.splitlines())


def print_json(data: object) -> None:
    from ..report.jsonout import dumps

    try:
        sys.stdout.write(dumps(data))
        sys.stdout.flush()
    except BrokenPipeError:  # `schedlog ... | head`: the reader left; that is not an error
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        raise typer.Exit(EXIT_OK) from None
