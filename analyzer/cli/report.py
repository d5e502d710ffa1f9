"""report, export: the HTML/PNG score-breakdown report and the tidy tables as CSV, Parquet or JSON Lines."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .common import (
    ERASE_LINE,
    RUN,
    LogsArg,
    ProgressLine,
    QuietOpt,
    fail,
    fold_with_weights,
    output_format_option,
    progress_for,
    require_log_lines,
    resolve_out,
    stderr,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from ..report.html import ReportPage
    from ..report.png import PngFiles
    from ..run.fold import Folded


class ExportFormat(StrEnum):
    csv = "csv"
    parquet = "parquet"
    json = "json"


PodOpt = Annotated[str | None, typer.Option("--pod", "-p", help="Only this pod (NS/NAME or NAME).")]


def _writable_dir(path: Path) -> Path:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        fail(f"{path}: cannot create directory ({exc.strerror or exc})")
    return path


REPORT_FORMATS = ("html",)


class RenderProgress:
    """A stderr line rewritten in place while the report's attempts are rendered; call it with (done, total),
    and (0, 0) or ``clear()`` to erase it. It registers as the active progress line, so an error printed by
    ``fail`` starts on a clean line."""

    def __init__(self, what: str) -> None:
        self.what = what

    def __call__(self, done: int, total: int) -> None:
        if not total:
            self.clear()
            return
        sys.stderr.write(ERASE_LINE + f"{self.what}: {done:,}/{total:,} attempts")
        sys.stderr.flush()
        ProgressLine.active = self  # type: ignore[assignment]

    def clear(self) -> None:
        sys.stderr.write(ERASE_LINE)
        sys.stderr.flush()
        if ProgressLine.active is self:
            ProgressLine.active = None


def render_progress(quiet: bool, what: str) -> RenderProgress | None:
    """A rendering progress line on stderr; None when quiet or stderr is not a terminal."""
    if quiet or not sys.stderr.isatty():
        return None
    return RenderProgress(what)


def png_note(drawing: list[PngFiles], how: str = "") -> Callable[[], str]:
    """The PNG files written so far, for the reading progress line (PNG files are drawn while the log is read)."""
    return lambda: f", {drawing[0].written:,} PNG files{' ' + how if how else ''}" if drawing else ""


def report(logs: LogsArg,
           out: Annotated[Path | None, typer.Option("--out", metavar="FILE",
                                                    help="The HTML file to write [default: report.html].")]
           = None,
           output: output_format_option(REPORT_FORMATS, "--out FILE") = None,
           pod: PodOpt = None,
           png_dir: Annotated[Path | None, typer.Option("--png-dir", metavar="DIR",
                                                        help="Also write every chart as a PNG file here.")]
           = None,
           quiet: QuietOpt = False) -> None:
    """A self-contained HTML report: overview, attempts, per-attempt score breakdown charts and heat map."""
    from ..report.html import ReportPage
    from ..report.png import PngFiles

    out = Path(resolve_out(out, output, REPORT_FORMATS, "--out") or "report.html")

    drawing: list[PngFiles] = []  # the page's PNG files, for the progress line

    def page(_version: str | None) -> ReportPage:  # the attempts' PNG files are written as they come
        pngs = PngFiles(png_dir, pod, prepare=_writable_dir) if png_dir is not None else None
        drawing[:] = [pngs] if pngs is not None else []
        return ReportPage(pod, pngs=pngs)

    if out.is_dir():  # before the log is read: PNG files are written while it is
        fail(f"{out}: is a directory; give the HTML file name")
    folded = fold_with_weights(logs, quiet, None, None, page, replays=False, note=png_note(drawing))
    shown = folded.consumer
    if pod is not None and not shown.across.count:
        fail(f"no attempt for pod {pod}")
    progress = render_progress(quiet, "rendering the report")
    try:
        out.write_text(shown.render(folded.header, folded.times, progress), encoding="utf-8")
    except OSError as exc:
        fail(f"{out}: cannot write ({exc.strerror or exc})")
    finally:
        if progress is not None:
            progress(0, 0)
    written = 0
    if shown.pngs is not None:
        try:
            written = _finish_pngs(folded, logs, quiet)
        except OSError as exc:
            fail(f"{png_dir}: cannot write ({exc.strerror or exc})")
    if not quiet:
        stderr.print(f"wrote {out}" + (f" and {written} PNG files in {png_dir}" if written else ""),
                     markup=False, highlight=False)


def _finish_pngs(folded: Folded[ReportPage], logs: list[str], quiet: bool) -> int:
    """Draw again the charts drawn before a plugin that changed their colours was first seen (rare: from the
    collected attempts, else the log is read again), then the summary charts; returns the number of files."""
    from ..report.png import PngFiles

    page = folded.consumer
    pngs = page.pngs
    assert pngs is not None
    stale = pngs.stale()
    if stale:
        def again(_version: str | None) -> PngFiles:
            return PngFiles(pngs.directory, page.pod, colors=pngs.colors, only=stale, prepare=_writable_dir)

        if folded.collected is not None:
            redraw = again(None)
            for attempt in folded.collected.attempts:
                redraw.add(attempt)
        else:
            drawing: list[PngFiles] = []

            def redrawn(version: str | None) -> PngFiles:
                drawing[:] = [again(version)]
                return drawing[0]

            fold_with_weights(logs, quiet, None, None, redrawn, replays=False, note=png_note(drawing, "drawn again"))
    return pngs.count + len(pngs.finish(page.across))


def export(logs: LogsArg,
           out: Annotated[Path | None, typer.Option("--out-dir", "--out", metavar="DIR",
                                                    help="Directory for the tables (required).")] = None,
           fmt: Annotated[ExportFormat | None, typer.Option(
               "--format", "-f", help="csv (default), parquet, or json (JSON Lines).")] = None,
           output: output_format_option(tuple(ExportFormat), "--out-dir DIR") = None,
           quiet: QuietOpt = False) -> None:
    """Write the tables attempts/nodes/scores/discrepancies (a file each) as CSV, Parquet or JSON Lines.

    The log is streamed: attempts are written as they are rebuilt, so memory stays flat on huge logs
    (with --jobs N a large file is read in parts by N workers, a few parts ahead of the writer).
    """
    from ..frames import export_attempts
    from ..read.sources import InputError
    from ..reconcile.version import VersionError
    from ..run.stream import AttemptStream
    from ..scoring.config import ConfigError
    from ..times import FullTimes

    out = resolve_out(out, output, tuple(ExportFormat), "--out-dir")
    if out is None:
        fail("export needs the folder to write the tables in: --out-dir DIR")
    out = Path(out)
    if fmt is not None and output in tuple(ExportFormat) and fmt.value != output:
        fail(f"-o {output} and --format {fmt.value} disagree; give the format once")
    fmt = fmt or (ExportFormat(output) if output in tuple(ExportFormat) else ExportFormat.csv)
    progress = progress_for(logs, quiet)
    try:
        stream = AttemptStream(logs, progress=progress, jobs=RUN.jobs)
    except InputError as exc:
        fail(str(exc))
    directory = _writable_dir(out)
    try:
        written = export_attempts(stream, directory, fmt.value, times=FullTimes(logs, RUN.year))
    except (InputError, VersionError, ConfigError) as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"{out}: cannot write ({exc.strerror or exc})")
    finally:
        if progress is not None:
            progress.clear()
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
