"""Shared test fixtures: where ../shared is, and cached analyses of its logs."""

from __future__ import annotations

import json
import os
import signal
from collections import Counter
from functools import cache
from pathlib import Path

import pytest

from analyzer import analyze_paths

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("SCHEDLOG_SHARED", REPO.parent / "shared"))
LAB = SHARED / "corpus" / "lab"
PUBLIC = SHARED / "corpus" / "public"

needs_shared = pytest.mark.skipif(
    not LAB.is_dir(),
    reason=f"../shared is absent ({SHARED}): the real-log tests need the shared corpus beside the repo "
           "(CI has it; set SCHEDLOG_SHARED to point elsewhere)",
)

# The follow tests end `schedlog follow` with Ctrl-C (SIGINT). A test run started in the background by a
# non-interactive shell ignores SIGINT, and the processes it starts would inherit that and never end:
# they get Python's own handler back (a handler, unlike "ignored", is reset to the default by exec).
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

# Without ../shared every real-log test skips; their skip lines fold into one (see the hook below).
SHARED_SKIP_SIGNS = ("../shared", "shared corpus", str(SHARED), "got empty parameter set")
SHARED_SKIP_LINE = (f"real-log tests not run: the shared corpus is absent ({SHARED}); put ../shared beside the "
                    "repo or set SCHEDLOG_SHARED")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Give every skip caused by a missing ../shared the same place and reason, so `pytest -ra` prints
    one line with their count instead of one line per test."""
    outcome = yield
    report = outcome.get_result()
    if LAB.is_dir() or not report.skipped or not isinstance(report.longrepr, tuple):
        return
    reason = str(report.longrepr[2])
    if any(sign in reason for sign in SHARED_SKIP_SIGNS):
        report.longrepr = (_HERE, None, SHARED_SKIP_LINE)  # no line number: pytest folds equal (path, reason)


_HERE = os.path.relpath(__file__)

FRAMEWORK_RUNS = sorted(p.name for p in LAB.iterdir() if p.is_dir() and p.name != "v1.14.1") \
    if LAB.is_dir() else []
LEGACY_RUNS = sorted(p.name for p in (LAB / "v1.14.1").iterdir() if p.is_dir()) \
    if (LAB / "v1.14.1").is_dir() else []


def framework_log(run: str) -> Path:
    return LAB / run / f"{run}.log"


def legacy_log(run: str) -> Path:
    return LAB / "v1.14.1" / run / "scheduler.log"


@cache
def analysis(path: str):
    return analyze_paths([path])


def facts(path: Path) -> dict:
    return json.loads(path.read_text())


def public(name_prefix: str) -> Path:
    matches = sorted(PUBLIC.glob(f"{name_prefix}*.log"))
    assert matches, f"no public excerpt {name_prefix}*"
    return matches[0]


def physical_line_count(path: Path) -> int:
    data = path.read_bytes()
    return data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)


def check_findings(result):
    """What ``check`` gathers from a reconciled result (reconcile.findings.CheckFindings, fed every attempt in
    order, as the folded run feeds it): grouped findings, the unexplained count, the weight inference."""
    from analyzer.reconcile.findings import CheckFindings

    found = CheckFindings(result.format.k8s_version)
    for attempt in result.attempts:
        found.add(attempt)
    return found


def generated_log(directory: Path, nodes: int, pods: int, seed: int) -> Path:
    """A generated 1.30 text log (analyzer.synth) of this many nodes and pods, written into directory."""
    from analyzer.synth import write_log

    path = directory / f"synth-{nodes}n-{pods}p-{seed}.log"
    with open(path, "w", encoding="utf-8") as out:
        write_log(out, "1.30", nodes=nodes, pods=pods, seed=seed)
    return path


class DoneHere:
    """A finished piece of work run in this process (the pool patched to read here, so reads can be counted)."""

    def __init__(self, value) -> None:
        self.value = value

    def cancel(self) -> None:
        pass


@pytest.fixture
def reads(monkeypatch) -> Counter:
    """Count every read of an input or of one of its parts: (path, part index or None) -> times read (the
    pool does its work in this process, so every read is seen)."""
    import analyzer.run.stream as core
    from analyzer.run.pool import WorkerPool

    seen: Counter = Counter()

    def counted(name: str, key):
        real = getattr(core, name)

        def wrapper(*args, **kwargs):
            seen[key(*args)] += 1
            return real(*args, **kwargs)
        monkeypatch.setattr(core, name, wrapper)

    counted("read_input", lambda part, *_: (part.path, None))
    counted("analyze_input", lambda path, *_: (path, None))
    counted("analyze_chunk", lambda path, index, chunk, *_: (path, chunk.index))
    monkeypatch.setattr(WorkerPool, "submit", lambda self, work, *args: DoneHere(work(*args)))
    monkeypatch.setattr(WorkerPool, "result", lambda self, handle: handle.value)
    return seen
