"""report, export: the HTML/PNG score-breakdown report and the tidy tables as CSV, Parquet or JSON Lines."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from ..model import AnalysisResult
from .common import RUN, LogsArg, QuietOpt, fail, load, progress_for, require_log_lines, stderr


class ExportFormat(StrEnum):
    csv = "csv"
    parquet = "parquet"
    json = "json"


CLEAR_LINE = "\r\x1b[K"  # back to the line's start and erase it
PodOpt = Annotated[str | None, typer.Option("--pod", "-p", help="Only this pod (NS/NAME or NAME).")]


def analyzed(logs: list[str], quiet: bool) -> AnalysisResult:
    """The logs analyzed as analyzer.analyze() does (pipeline + reconcile), or exit 2 with one line."""
    return load(logs, quiet, reconcile=True)


def _check_pod(result: AnalysisResult, pod: str | None) -> None:
    from ..pipeline import attempts_for

    if pod is not None and not attempts_for(result, pod):
        fail(f"no attempt for pod {pod}")


def _writable_dir(path: Path) -> Path:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        fail(f"{path}: cannot create directory ({exc.strerror or exc})")
    return path


def render_progress(quiet: bool, what: str):
    """A stderr line rewritten in place while the report's attempts are rendered; None when quiet or not a
    terminal. Call the returned function with (0, 0) to clear the line."""
    if quiet or not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        sys.stderr.write(CLEAR_LINE + (f"{what}: {done:,}/{total:,} attempts" if total else ""))
        sys.stderr.flush()
    return show


def report(logs: LogsArg,
           out: Annotated[Path, typer.Option("--out", "-o", metavar="FILE", help="The HTML file to write.")]
           = Path("report.html"),
           pod: PodOpt = None,
           png_dir: Annotated[Path | None, typer.Option("--png-dir", metavar="DIR",
                                                        help="Also write every chart as a PNG file here.")]
           = None,
           quiet: QuietOpt = False) -> None:
    """A self-contained HTML report: overview, attempts, per-attempt score breakdown charts and heat map."""
    from ..report.html import write_html
    from ..report.png import write_pngs

    result = analyzed(logs, quiet)
    _check_pod(result, pod)
    if out.is_dir():
        fail(f"{out}: is a directory; give the HTML file name")
    progress = render_progress(quiet, "rendering the report")
    try:
        write_html(result, out, pod=pod, progress=progress)
    except OSError as exc:
        fail(f"{out}: cannot write ({exc.strerror or exc})")
    finally:
        if progress is not None:
            progress(0, 0)
    written = []
    if png_dir is not None:
        progress = render_progress(quiet, f"drawing PNG files in {png_dir}")
        try:
            written = write_pngs(result, _writable_dir(png_dir), pod=pod, progress=progress)
        finally:
            if progress is not None:
                progress(0, 0)
    if not quiet:
        stderr.print(f"wrote {out}" + (f" and {len(written)} PNG files in {png_dir}" if written else ""),
                     markup=False, highlight=False)


def export(logs: LogsArg,
           out: Annotated[Path, typer.Option("--out", "-o", metavar="DIR", help="Directory for the tables.")],
           fmt: Annotated[ExportFormat, typer.Option(
               "--format", "-f", help="csv, parquet, or json (JSON Lines).")] = ExportFormat.csv,
           quiet: QuietOpt = False) -> None:
    """Write the tables attempts/nodes/scores/discrepancies (a file each) as CSV, Parquet or JSON Lines.

    The log is streamed: attempts are written as they are rebuilt, so memory stays flat on huge logs
    (with --jobs N a large file is read in parts by N workers, a few parts ahead of the writer).
    """
    from ..frames import export_attempts
    from ..read.sources import InputError
    from ..reconcile.version import VersionError
    from ..scoring.config import ConfigError
    from ..stream import AttemptStream
    from ..times import FullTimes

    try:
        stream = AttemptStream(logs, progress=progress_for(logs, quiet), jobs=RUN.jobs)
    except InputError as exc:
        fail(str(exc))
    directory = _writable_dir(out)
    try:
        written = export_attempts(stream, directory, fmt.value, times=FullTimes(logs, RUN.year))
    except (InputError, VersionError, ConfigError) as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"{out}: cannot write ({exc.strerror or exc})")
    try:
        require_log_lines(stream.header(), logs)
    except typer.Exit:
        for path in written:  # nothing worth keeping was written
            path.unlink(missing_ok=True)
        raise
    if not quiet:
        stderr.print(f"wrote {', '.join(str(p) for p in written)}", markup=False, highlight=False)


def register(app: typer.Typer) -> None:
    """Add report and export to the schedlog app."""
    app.command()(report)
    app.command()(export)
