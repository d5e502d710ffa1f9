"""What every command shares: loading logs with one-line errors, output selection, exit codes."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

import typer
from rich.console import Console

from ..model import AnalysisResult, evolve
from ..pipeline import Progress
from ..read.sources import InputError
from ..run.batch import analyze_many, analyze_reconciled
from ..run.pool import Engine, EngineError

if TYPE_CHECKING:
    from ..reconcile.weights import WeightSource
    from ..run.fold import Folded

C = TypeVar("C")

EXIT_OK, EXIT_DISCREPANCY, EXIT_BAD_INPUT = 0, 1, 2
EXIT_CODES_HELP = "Exit codes: 0 ok, 1 unexplained discrepancies (check) or a mismatch (verify), 2 bad input."


class OutputFormat(StrEnum):
    table = "table"
    wide = "wide"
    json = "json"
    yaml = "yaml"

    @property
    def is_data(self) -> bool:
        """json and yaml print the data (schema schedlog/v1); table and wide print text for people."""
        return self in (OutputFormat.json, OutputFormat.yaml)


LogsArg = Annotated[list[str], typer.Argument(help="Scheduler log files (.gz ok); '-' reads stdin.",
                                              show_default=False)]
OutputOpt = Annotated[OutputFormat, typer.Option(
    "--output", "-o", help="table (default), wide (more columns), json or yaml (the same data as json).")]
NoHeadersOpt = Annotated[bool, typer.Option("--no-headers", help="Leave out the table's header row.")]
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
    pods: str | None = None  # --pods: pod objects whose requests a replayed cache dump scores with


RUN = RunOptions()

class _Stdout:
    """sys.stdout as it is at each write (tests swap it), where a reader that leaves early
    (`schedlog ... | head -1`) ends the command quietly with exit 0, rich printing or not."""

    def write(self, text: str) -> int:
        try:
            return sys.stdout.write(text)
        except BrokenPipeError:
            _reader_left()

    def flush(self) -> None:
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            _reader_left()

    def isatty(self) -> bool:
        return sys.stdout.isatty()

    def fileno(self) -> int:
        return sys.stdout.fileno()

    @property
    def encoding(self) -> str:
        return getattr(sys.stdout, "encoding", None) or "utf-8"


def _reader_left() -> NoReturn:
    """The pipe reader has gone: send what is still buffered to /dev/null (no error at exit) and end with 0."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no real file descriptor (tests)
        pass
    raise typer.Exit(EXIT_OK)


# Tables are never folded: piped ones are plain aligned columns (report/tables.py); explain fits the
# width (the terminal's, else $COLUMNS, else 80).
stdout = Console(file=_Stdout(), soft_wrap=False)  # type: ignore[arg-type]
stderr = Console(stderr=True, soft_wrap=True)  # errors stay on one line, never folded


def fail(message: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    """Print one line on stderr and exit; never a traceback."""
    ProgressLine.clear_active()
    stderr.print(f"schedlog: {_one_line(message)}", markup=False, highlight=False)
    raise typer.Exit(code)


ERASE_LINE = "\r\x1b[K"  # back to the start of the line and erase it


class ProgressLine:
    """One stderr line (share of the file read, lines, lines/s, cycles), rewritten in place and
    erased by ``clear()`` before anything else is printed."""

    active: ProgressLine | None = None

    def __init__(self, paths: list[str], note: Callable[[], str] | None = None) -> None:
        self.paths, self.started, self.shown = paths, time.monotonic(), False
        self.note = note  # more to say at the end of the line (report: the PNG files written so far)
        self.sizes = [os.path.getsize(p) if p != "-" and os.path.isfile(p) else 0 for p in paths]

    def __call__(self, at: Progress) -> None:
        rate = at.lines / max(time.monotonic() - self.started, 1e-6)
        path = self.paths[at.index] if at.index < len(self.paths) else "-"
        size = self.sizes[at.index] if at.index < len(self.sizes) else 0
        share = f"{at.chars / 1e6:,.0f}/{size / 1e6:,.0f} MB" if size and not path.endswith(".gz") \
            else f"{at.chars / 1e6:,.0f} MB"
        room = max(stderr.width - 1, 20)  # the line never wraps, so \r reaches its start
        numbers = f"{share}, {at.lines:,} lines, {rate:,.0f} lines/s, {at.cycles:,} cycles"
        numbers += self.note() if self.note else ""
        text = f"{path}: {numbers}"
        if len(text) > room:  # a long path gives way to the numbers
            text = f"{os.path.basename(path)}: {numbers}"
        self._put(ERASE_LINE + text[:room])
        self.shown = True
        ProgressLine.active = self

    def clear(self) -> None:
        """Erase the line (if one was shown) so the next output starts on a clean line."""
        if self.shown:
            self._put(ERASE_LINE)
            self.shown = False
        if ProgressLine.active is self:
            ProgressLine.active = None

    @classmethod
    def clear_active(cls) -> None:
        if cls.active is not None:
            cls.active.clear()

    @staticmethod
    def _put(text: str) -> None:
        stderr.file.write(text)
        stderr.file.flush()


def progress_for(paths: list[str], quiet: bool, note: Callable[[], str] | None = None) -> ProgressLine | None:
    """A progress line on stderr for long runs; None when quiet or stderr is not a terminal."""
    if quiet or not sys.stderr.isatty():
        return None
    return ProgressLine(paths, note)


def load(paths: list[str], quiet: bool = False, *, reconcile: bool = False, k8s_version: str | None = None,
         config: str | None = None) -> AnalysisResult:
    """Analyze the logs (and reconcile them with the reference scoring), or exit 2 with a one-line reason."""
    if reconcile:
        return load_with_weights(paths, quiet, k8s_version, config)[0]
    result = _run(paths, quiet, lambda progress: analyze_many(
        paths, jobs=RUN.jobs, engine=RUN.engine, scheduler=RUN.scheduler, progress=progress))
    require_log_lines(result, paths)
    return with_pod_requests(with_year(result))


def with_year(result: AnalysisResult) -> AnalysisResult:
    """The result with --year noted, so every output can give full timestamps."""
    return result if RUN.year is None else evolve(result, year=RUN.year)


def with_pod_requests(result: AnalysisResult) -> AnalysisResult:
    """The result with the requests of --pods noted on its cache dumps (exit 2 when the file is unreadable)."""
    if RUN.pods is None or result.cache is None:
        return result
    from dataclasses import replace

    from ..replay import PodsError, load_pod_requests

    try:
        requests = load_pod_requests(RUN.pods)
    except PodsError as exc:
        fail(str(exc))
    return evolve(result, cache=replace(result.cache, pod_requests=requests))


def load_with_weights(paths: list[str], quiet: bool, k8s_version: str | None, config: str | None
                      ) -> tuple[AnalysisResult, WeightSource]:
    """Analyze and reconcile (the workers reconcile too), with the weights applied; or exit 2."""
    require_config(config)
    result, weights = _run(paths, quiet, _reconciling(lambda progress: analyze_reconciled(
        paths, jobs=RUN.jobs, engine=RUN.engine, scheduler=RUN.scheduler, progress=progress,
        k8s_version=k8s_version, config=config)))
    require_log_lines(result, paths)
    return with_pod_requests(with_year(result)), weights


def _reconciling(work):
    """``work(progress)`` with a --k8s-version or --config that cannot be used made a one-line exit 2."""
    from ..reconcile.version import VersionError
    from ..scoring.config import ConfigError

    def run(progress):
        try:
            return work(progress)
        except (VersionError, ConfigError) as exc:
            fail(str(exc))
    return run


def fold_with_weights(paths: list[str], quiet: bool, k8s_version: str | None, config: str | None,
                      make: Callable[[str | None], C], replays: bool = True,
                      note: Callable[[], str] | None = None) -> Folded[C]:
    """Analyze and reconcile, feeding the attempts to a consumer made by ``make(version)`` (flat memory); or exit 2.

    ``replays``: keep the attempts after a cache dump for its replays (``Folded.result``); snapshot shows none.
    ``note``: more for the progress line (ProgressLine).
    """
    from ..run.fold import fold_reconciled

    require_config(config)
    folded = _run(paths, quiet, _reconciling(lambda progress: fold_reconciled(
        paths, make, jobs=RUN.jobs, engine=RUN.engine, scheduler=RUN.scheduler, progress=progress,
        k8s_version=k8s_version, config=config, replays=replays)), note)
    require_log_lines(folded.header, paths)
    if folded.collected is None:
        folded.header = with_pod_requests(with_year(folded.header))
    else:  # --pods read once: the header is the collected result without its attempts
        folded.collected = with_pod_requests(with_year(folded.collected))
        folded.header = evolve(folded.collected, attempts=())
    folded.times.year = folded.header.year
    return folded


def _run(paths: list[str], quiet: bool, work, note: Callable[[], str] | None = None):
    """Run ``work(progress)``; bad inputs and engine trouble exit 2 with one line. ``note``: see ProgressLine."""
    progress = progress_for(paths, quiet, note)
    try:
        return work(progress)
    except InputError as exc:
        fail(str(exc))
    except EngineError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"{exc.filename or paths[0]}: {exc.strerror or exc}")
    finally:
        if progress is not None:
            progress.clear()


# Ignored lines that any text has (blank lines, ``` fences, a klog file header, the continuation or
# repeat of another line) or that another program wrote (kubelet, etcd, containerd, journald's own
# markers, a log viewer's times): they do not show that a kube-scheduler wrote the input.
NOT_SCHEDULER_LINES = frozenset({"blank", "paste-marker", "klog-file-header", "continuation", "duplicate",
                                 "zap-json", "logfmt", "journald-marker", "viewer-timestamp", "stern-marker"})
OTHER_COMPONENT = "component:"  # analyzer.parse.ignore's reason prefix for another component's lines


def shows_a_scheduler(reason: str) -> bool:
    """Whether an ignored line of this reason is one a kube-scheduler writes (startup, informers, ...)."""
    return reason not in NOT_SCHEDULER_LINES and not reason.startswith(OTHER_COMPONENT)


def scheduler_line_count(result: AnalysisResult) -> int:
    """Lines only a kube-scheduler writes: parsed events and known scheduler noise (informers, startup...)."""
    lines = result.lines
    return lines.parsed + sum(n for reason, n in lines.ignored_by_reason.items() if shows_a_scheduler(reason))


def pods_hint(known: list[str]) -> str:
    """' (pods in the log: a, b, ...)' for a 'no such pod' error: the first HINT_NAMES of the sorted names."""
    from ..run.picks import HINT_NAMES

    if not known:
        return ""
    return f" (pods in the log: {', '.join(known[:HINT_NAMES])}{'...' if len(known) > HINT_NAMES else ''})"


def require_log_lines(result: AnalysisResult, paths: list[str]) -> None:
    """Exit 2 when the inputs held no line, or are not a scheduler log: no line a kube-scheduler
    writes and no scheduling cycle (a log of startup lines only is still a scheduler log)."""
    lines = result.lines
    # when nothing was read, the reader's note (a corrupt .gz, ...) says why
    why = f" ({_one_line(result.notes[0])})" if result.notes else ""
    if lines.total == 0:
        fail(f"{', '.join(paths)}: empty input, no log lines{why}")
    if scheduler_line_count(result) == 0 and not result.attempts:
        fail(f"{', '.join(paths)}: not a kube-scheduler log: no kube-scheduler log lines found "
             f"({lines.unrecognized} unrecognized lines) and no scheduling cycle")


def require_config(config: str | None) -> None:
    """Exit 2 at once when --config names no readable file (before a long read of the logs)."""
    if config is None:
        return
    if not os.path.exists(config):
        fail(f"--config {config}: no such file")
    if os.path.isdir(config):
        fail(f"--config {config}: is a directory, not a KubeSchedulerConfiguration file")
    if not os.access(config, os.R_OK):
        fail(f"--config {config}: permission denied")


def _one_line(text: str) -> str:
    """A message squeezed onto one terminal line (file names and notes may hold newlines)."""
    return " ".join(text.splitlines())


def write(text: str) -> None:
    """Print to stdout; a reader that leaves early (`schedlog ... | head`) is not an error."""
    out = _Stdout()
    out.write(text)
    out.flush()


def print_json(data: object) -> None:
    from ..report.jsonout import dumps

    write(dumps(data))


def print_data(data: object, output: OutputFormat) -> None:
    """The data as JSON, or as YAML with the same keys and values (``-o yaml``)."""
    if output is OutputFormat.yaml:
        import json

        import yaml

        from ..report.jsonout import dumps

        dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
        write(yaml.dump(json.loads(dumps(data)), Dumper=dumper, sort_keys=False, allow_unicode=True,
                        default_flow_style=False, width=1 << 16))
    else:
        print_json(data)


def warn(message: str) -> None:
    """One line on stderr that does not stop the command."""
    ProgressLine.clear_active()
    stderr.print(f"schedlog: {_one_line(message)}", markup=False, highlight=False)


def output_format_option(formats: tuple[str, ...], new_option: str) -> Any:
    """``-o/--output FORMAT`` for a command that writes files; the old ``-o FILE``/``-o DIR`` still works."""
    return Annotated[str | None, typer.Option(
        "--output", "-o", metavar="FORMAT",
        help=f"{' or '.join(formats)} (the output format, as in every command). The old spelling -o PATH "
             f"still works with a warning: use {new_option}.")]


PathT = TypeVar("PathT", str, "os.PathLike[str]")


def resolve_out(out: PathT | None, output: str | None, formats: tuple[str, ...], new_option: str
                ) -> PathT | str | None:
    """Where to write: ``out``, or the path of the old ``-o PATH`` spelling (one-line deprecation warning on
    stderr). ``-o`` naming one of the command's formats is the new spelling and changes nothing."""
    if output is None or output in formats:
        return out
    if out is not None:
        fail(f"-o {output}: -o is the output format ({', '.join(formats)}); give the path once, with {new_option}")
    warn(f"-o {output}: giving the path with -o is deprecated and will be removed; use {new_option} {output} "
         f"(-o is the output format: {', '.join(formats)})")
    return output
