"""`schedlog follow --watch`: the live view built from a follower's state on lab logs shows the real pods,
outcomes, the pods still waiting with their reason, and the counts so far; the command itself runs and ends."""

from __future__ import annotations

import fcntl
import signal
import struct
import subprocess
import sys
import termios
import time
from collections import Counter
from collections.abc import Iterator

from conftest import LAB, REPO, needs_shared
from rich.console import Console

from analyzer.follow.follower import Final, Follower
from analyzer.follow.watch import RECENT, WatchState, watch_view
from analyzer.model import Attempt, Failure, Outcome
from analyzer.pipeline import analyze_paths
from analyzer.read.sources import PhysicalLine

FIVE_NODES = LAB / "v1.30.6-five-nodes" / "v1.30.6-five-nodes.log"
TIMEOUT = 60


def _physical(texts: list[str]) -> Iterator[PhysicalLine]:
    for number, text in enumerate(texts, 1):
        yield PhysicalLine(0, number, text)


def rendered(state: WatchState, lines: Counter | None = None) -> str:
    console = Console(record=True, width=220, color_system=None)
    console.print(watch_view(state, lines))
    return console.export_text()


@needs_shared
def test_the_view_shows_the_decisions_waiting_pods_and_reasons_of_a_lab_log() -> None:
    whole = analyze_paths([str(FIVE_NODES)])
    state = WatchState()
    follower = Follower(state.observe, str(FIVE_NODES))
    follower.run(_physical(FIVE_NODES.read_text().splitlines()))
    text = rendered(state, follower.tally.buckets)
    assert text.startswith("9 attempts: 8 bound, 1 unschedulable")
    assert f"{whole.lines.parsed} parsed, {whole.lines.ignored} ignored" in text
    for a in whole.attempts[-RECENT:]:  # every decision, its outcome and node, on one row
        row = next(line for line in text.splitlines() if f"{a.pod} #{a.attempt}" in line and "Latest" not in line)
        assert a.outcome.value in row and (a.winner or "-") in row
    unschedulable = [a for a in whole.attempts if a.outcome.value == "unschedulable"]
    assert [a.pod for a in unschedulable] == ["default/huge-cpu"]
    waiting = text.split("Pods waiting (1)", 1)[1].split("Unschedulable reasons", 1)[0]
    assert "default/huge-cpu #1" in waiting and "Insufficient cpu" in waiting
    reasons = text.split("Unschedulable reasons", 1)[1]
    for reason in unschedulable[0].failure.reasons:  # each named by the one unschedulable attempt
        assert any(reason in line and line.rstrip(" │").endswith(" 1") for line in reasons.splitlines()), reason
    assert "none so far" in text.split("Discrepancies", 1)[1]  # this run's weights explain every total


def test_a_bound_pod_leaves_the_waiting_list_and_the_view_stays_bounded() -> None:
    state = WatchState()
    for i in range(RECENT + 5):
        state.observe(Final(Attempt(f"ns/p{i}", 1, outcome=Outcome.UNSCHEDULABLE,
                                    failure=Failure("0/3 nodes are available", {"Insufficient cpu": 3}))))
    state.observe(Final(Attempt("ns/p0", 2, outcome=Outcome.BOUND, bound_node="n1")))
    assert "ns/p0" not in state.waiting and len(state.waiting) == RECENT + 4
    assert len(state.recent) == RECENT and state.reasons == {"Insufficient cpu": RECENT + 5}
    text = rendered(state)
    assert "Pods waiting (16)" in text and "ns/p0 #2" in text and "n1" in text


@needs_shared
def test_watch_runs_to_the_end_of_stdin_and_ends_with_the_summary() -> None:
    proc = subprocess.run([sys.executable, "-m", "analyzer", "follow", "-", "--watch"], input=FIVE_NODES.read_text(),
                          capture_output=True, text=True, cwd=REPO, timeout=TIMEOUT)
    assert proc.returncode == 0, proc.stderr
    assert "default/huge-cpu #1" in proc.stdout and "Pods waiting (1)" in proc.stdout
    assert proc.stderr.strip() == "schedlog follow: 9 attempts: 8 bound, 1 unschedulable; leader 0:12473 (inferred)"


@needs_shared
def test_ctrl_c_ends_the_watch_with_the_summary() -> None:
    proc = subprocess.Popen([sys.executable, "-m", "analyzer", "follow", "-", "--watch", "--quiet-period", "0.3"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)
    try:
        proc.stdin.write(FIVE_NODES.read_text())
        proc.stdin.flush()  # stdin stays open: only Ctrl-C ends the run
        _wait_until_read(proc.stdin.fileno())  # a fixed pause lost the race on a loaded machine (slow start)
        time.sleep(1)  # the follower parses what it read, and its quiet period (0.3 s) passes
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=TIMEOUT)
    assert proc.returncode == 0 and "Traceback" not in err
    assert err.strip().endswith("9 attempts: 8 bound, 1 unschedulable; leader 0:12473 (inferred)")
    assert "default/huge-cpu #1" in out


def _wait_until_read(fd: int) -> None:
    """Wait until the reader has taken every byte written to this pipe (FIONREAD: the bytes still in it)."""
    deadline = time.monotonic() + TIMEOUT
    while struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, b"\0\0\0\0"))[0] and time.monotonic() < deadline:
        time.sleep(0.05)
