"""What every command shares: loading logs with one-line errors, output selection, exit codes."""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console

from ..engine import Engine, EngineError, analyze_many, analyze_reconciled
from ..model import AnalysisResult, evolve
from ..pipeline import Progress
from ..read.sources import InputError

if TYPE_CHECKING:
    from ..reconcile.weights import WeightSource

EXIT_OK, EXIT_DISCREPANCY, EXIT_BAD_INPUT = 0, 1, 2
EXIT_CODES_HELP = "Exit codes: 0 ok, 1 unexplained discrepancies (check) or a mismatch (verify), 2 bad input."


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


LogsArg = Annotated[list[str], typer.Argument(help="Scheduler log files (.gz ok); '-' reads stdin.",
                                              show_default=False)]
OutputOpt = Annotated[OutputFormat, typer.Option("--output", "-o", help="table (default) or json.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress on stderr.")]
VersionOpt = Annotated[str | None, typer.Option(
    "--k8s-version", help="Score as this Kubernetes version (default: the version the log prints, "
                          "else a guess from its format).")]
ConfigOpt = Annotated[str | None, typer.Option(
    "--config", help="KubeSchedulerConfiguration or Policy file the scheduler ran with (weights).")]


@dataclass
class RunOptions:
    """How to run the pipeline; set once by the app's global options (see cli/__init__.py)."""

    jobs: int = 1
    engine: Engine = Engine.local
    scheduler: str | None = None
    year: int | None = None  # --year: the year the logs start in (klog prints none)


RUN = RunOptions()

# Piped output is not folded to 80 columns: tables stay one row per line for grep and less -S.
stdout = Console(soft_wrap=False, width=None if sys.stdout.isatty() else 200)
stderr = Console(stderr=True, soft_wrap=True)  # errors stay on one line, never folded


def fail(message: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    """Print one line on stderr and exit; never a traceback."""
    stderr.print(f"schedlog: {_one_line(message)}", markup=False, highlight=False)
    raise typer.Exit(code)


def progress_for(paths: list[str], quiet: bool):
    """A progress line on stderr (share of the file read, lines/s, cycles found) for long runs;
    None when quiet or not a terminal."""
    if quiet or not sys.stderr.isatty():
        return None
    started = time.monotonic()
    sizes = [os.path.getsize(p) if p != "-" and os.path.isfile(p) else 0 for p in paths]

    def report(at: Progress) -> None:
        rate = at.lines / max(time.monotonic() - started, 1e-6)
        size = sizes[at.index] if at.index < len(sizes) else 0
        share = f"{at.chars / 1e6:,.0f}/{size / 1e6:,.0f} MB" if size and not paths[at.index].endswith(".gz") \
            else f"{at.chars / 1e6:,.0f} MB"
        stderr.print(f"\r{paths[at.index]}: {share}, {at.lines:,} lines, {rate:,.0f} lines/s, "
                     f"{at.cycles:,} cycles", end="", markup=False, highlight=False)
    return report


def load(paths: list[str], quiet: bool = False, *, reconcile: bool = False, k8s_version: str | None = None,
         config: str | None = None) -> AnalysisResult:
    """Analyze the logs (and reconcile them with the reference scoring), or exit 2 with a one-line reason."""
    if reconcile:
        return load_with_weights(paths, quiet, k8s_version, config)[0]
    result = _run(paths, quiet, lambda progress: analyze_many(
        paths, jobs=RUN.jobs, engine=RUN.engine, scheduler=RUN.scheduler, progress=progress))
    require_log_lines(result, paths)
    return with_year(result)


def with_year(result: AnalysisResult) -> AnalysisResult:
    """The result with --year noted, so every output can give full timestamps."""
    return result if RUN.year is None else evolve(result, year=RUN.year)


def load_with_weights(paths: list[str], quiet: bool, k8s_version: str | None, config: str | None
                      ) -> tuple[AnalysisResult, WeightSource]:
    """Analyze and reconcile (the workers reconcile too), with the weights applied; or exit 2."""
    from ..reconcile.version import VersionError
    from ..scoring.config import ConfigError

    def run(progress):
        try:
            return analyze_reconciled(paths, jobs=RUN.jobs, engine=RUN.engine, scheduler=RUN.scheduler,
                                      progress=progress, k8s_version=k8s_version, config=config)
        except (VersionError, ConfigError) as exc:
            fail(str(exc))

    result, weights = _run(paths, quiet, run)
    require_log_lines(result, paths)
    return with_year(result), weights


def _run(paths: list[str], quiet: bool, work):
    """Run ``work(progress)``; bad inputs and engine trouble exit 2 with one line."""
    progress = progress_for(paths, quiet)
    try:
        out = work(progress)
    except InputError as exc:
        fail(str(exc))
    except EngineError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"{exc.filename or paths[0]}: {exc.strerror or exc}")
    if progress is not None:
        stderr.print("\r", end="")
    return out


def require_log_lines(result: AnalysisResult, paths: list[str]) -> None:
    """Exit 2 when the inputs held no line, or no line a kube-scheduler writes."""
    lines = result.lines
    meaningful = lines.parsed + lines.ignored - lines.ignored_by_reason.get("blank", 0)
    # when nothing was read, the reader's note (a corrupt .gz, ...) says why
    why = f" ({_one_line(result.notes[0])})" if result.notes else ""
    if lines.total == 0:
        fail(f"{', '.join(paths)}: empty input, no log lines{why}")
    if meaningful == 0:
        fail(f"{', '.join(paths)}: no kube-scheduler log lines found "
             f"({lines.unrecognized} unrecognized lines){why}")


def _one_line(text: str) -> str:
    """A message squeezed onto one terminal line (file names and notes may hold newlines)."""
    return " ".join(text.splitlines())


def write(text: str) -> None:
    """Print to stdout; a reader that leaves early (`schedlog ... | head`) is not an error."""
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        raise typer.Exit(EXIT_OK) from None


def print_json(data: object) -> None:
    from ..report.jsonout import dumps

    write(dumps(data))
