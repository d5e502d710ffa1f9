"""`schedlog follow`: one line per scheduling attempt as soon as it is final, from a growing file or stdin."""

from __future__ import annotations

import contextlib
import signal
from collections import Counter
from typing import Annotated

import typer
from rich.live import Live

from ..follow import Final, Follower, LiveLines, Pending
from ..follow.metrics import FollowMetrics
from ..follow.render import json_line, summary, text_line
from ..follow.watch import WatchState, watch_view
from ..model import names_pod
from ..read.sources import InputError
from ..reconcile.version import VersionError
from ..scoring.config import ConfigError
from ..times import FullTimes
from .common import RUN, ConfigOpt, VersionOpt, fail, require_config, stderr, write


def follow(
    log: Annotated[str, typer.Argument(help="The log file to follow (reopened when rotated or truncated, "
                                            "like tail -F), or '-' for stdin.")] = "-",
    output: Annotated[str, typer.Option("--output", "-o", help="table (one line per attempt) or json "
                                        "(one schedlog/v1 attempt object per line).")] = "table",
    pod: Annotated[str | None, typer.Option("--pod", "-p", help="Only this pod (NS/NAME or NAME).")] = None,
    namespace: Annotated[str | None, typer.Option("--namespace", "-n", help="Only pods of this namespace.")]
    = None,
    quiet_period: Annotated[float, typer.Option(min=0.05, help="Seconds without input after which the "
                                                "cycles still open are shown as pending.")] = 2.0,
    from_end: Annotated[bool, typer.Option("--from-end/--from-start", help="A file: start at its end (only "
                                           "new lines) or at its start (default; stdin is read as it comes).")]
    = False,
    metrics_port: Annotated[int | None, typer.Option(min=1, max=65535, help="Serve Prometheus metrics on "
                                                     "http://127.0.0.1:PORT/metrics (this machine only).")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No line per attempt on stdout (with "
                                        "--metrics-port); the summary still ends the run.")] = False,
    watch: Annotated[bool, typer.Option("--watch", help="A live terminal view instead of lines: latest "
                                        "decisions, pods waiting and why, reasons and discrepancies so far.")]
    = False,
    k8s_version: VersionOpt = None, config: ConfigOpt = None,
) -> None:
    """Follow a running scheduler: each attempt as soon as it is final (bind, no fit, error, next cycle),
    open cycles as pending when the input pauses, the leader among replicas. Ctrl-C ends (exit 0)."""
    if output not in ("table", "json"):
        fail(f"-o {output}: follow writes table or json")
    require_config(config)
    times = FullTimes([log], RUN.year)
    state = {"streams": set()}

    def wanted(name: str) -> bool:
        ns = name.split("/", 1)[0] if "/" in name else None
        return (pod is None or names_pod(name, pod)) and (namespace is None or ns == namespace)

    def sink(item) -> None:
        if metrics is not None:
            metrics.observe(item)
        if view is not None:
            view.observe(item)
        if quiet or view is not None:
            return
        if isinstance(item, Final | Pending):
            state["streams"].add(item.attempt.stream)
        text = json_line(item, times) if output == "json" else text_line(item, len(state["streams"]) > 1)
        write(text + "\n")

    metrics, view = None, WatchState() if watch else None
    follower = Follower(sink, log, k8s_version=k8s_version, config=config, wanted=wanted)
    if metrics_port is not None:
        metrics = FollowMetrics(follower, times)
        try:
            metrics.serve(metrics_port)
        except OSError as exc:
            fail(f"--metrics-port {metrics_port}: cannot listen on 127.0.0.1:{metrics_port}: {exc.strerror or exc}")

    def paused() -> None:
        follower.pause()
        if metrics is not None:
            metrics.paused()

    signal.signal(signal.SIGTERM, signal.default_int_handler)  # a service manager's stop ends cleanly too
    live = (Live(get_renderable=lambda: watch_view(view, Counter(dict(follower.tally.buckets))),
                 refresh_per_second=2, redirect_stderr=False) if view is not None else contextlib.nullcontext())
    with live:
        try:
            follower.run(LiveLines(log, quiet_period, paused, from_end=from_end))
        except KeyboardInterrupt:  # Ctrl-C: the open cycles are handed on as a whole-log run ends them
            with contextlib.suppress(KeyboardInterrupt):
                follower.finish()
        except InputError as exc:
            fail(str(exc))
        except OSError as exc:
            fail(f"{exc.filename or log}: {exc.strerror or exc}")
        except (VersionError, ConfigError) as exc:  # a version or weights that cannot be used
            fail(str(exc))
    stderr.print(f"schedlog follow: {summary(follower.outcomes, follower.by_stream, follower.leader)}",
                 markup=False, highlight=False)


def register(app: typer.Typer) -> None:
    app.command()(follow)
