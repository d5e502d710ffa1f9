"""`schedlog follow`: lab logs written line by line into a pipe, and into a file that is rotated or truncated
mid-way, give each attempt while the input is still being written, and the attempts of the whole-log run.

What may differ from `attempts -o json` on the whole file, and why: ``started_at_full`` and its provenance
(klog prints no year: the whole-log run takes it from the file's modification time; stdin has none, and a
followed file's changes while it is written). Every other key of every attempt is equal, attempt numbers and
line numbers (which run on across a rotation, as in one stream) included.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from conftest import LAB, REPO, needs_shared

from analyzer.follow import Final, Follower, Pending
from analyzer.model import Attempt
from analyzer.read.sources import PhysicalLine
from analyzer.reconstruct.assembler import STORY_ALSO_HANDLED, STORY_KINDS
from analyzer.reconstruct.cache import CACHE_KINDS
from analyzer.synth import write_log

FIVE_NODES = LAB / "v1.30.6-five-nodes" / "v1.30.6-five-nodes.log"
LEGACY = LAB / "v1.14.1" / "b-heterogeneous-5nodes" / "scheduler.log"
MAY_DIFFER = ("started_at_full", "started_at_full_provenance")
QUIET = "0.3"  # --quiet-period for the tests
TIMEOUT = 60  # no subprocess ever waits longer


def whole_log(path: Path) -> dict[tuple[str, int], dict]:
    """The attempts of `attempts -o json` on the whole file, by (pod, attempt number)."""
    out = subprocess.run([sys.executable, "-m", "analyzer", "-j1", "attempts", "-o", "json", str(path)],
                         capture_output=True, text=True, cwd=REPO, timeout=TIMEOUT, check=True).stdout
    return {(a["pod"], a["attempt"]): _comparable(a) for a in json.loads(out)["attempts"]}


def _comparable(attempt: dict) -> dict:
    return {k: v for k, v in attempt.items() if k not in MAY_DIFFER}


class Follow:
    """A running `schedlog follow ... -o json`, its stdout lines collected (with the time each came) by a thread."""

    def __init__(self, *args: str, stdin: int | None = subprocess.DEVNULL) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "analyzer", "follow", *args, "-o", "json",
                                      "--quiet-period", QUIET], stdin=stdin, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, cwd=REPO)
        self.lines: list[tuple[float, dict]] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append((time.monotonic(), json.loads(line)))

    def wait_until_shown(self, attempts) -> None:
        """Wait (bounded) until every one of these attempts was shown, final or pending."""
        deadline = time.monotonic() + TIMEOUT
        while not set(self.first_seen()) >= set(attempts) and time.monotonic() < deadline:
            time.sleep(0.02)

    def wait_until_open(self, path: Path) -> None:
        """Wait (bounded) until the process has opened ``path``: with --from-end, what is written before that
        would be behind its start (a loaded machine can take seconds to start Python)."""
        fds, deadline = Path(f"/proc/{self.proc.pid}/fd"), time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                if any(os.readlink(fd) == os.path.realpath(path) for fd in fds.iterdir()):
                    return
            time.sleep(0.02)
        raise AssertionError(f"follow never opened {path}")

    def wait_for_pending(self, after: int) -> None:
        """Wait (bounded) for a pending attempt shown after the first ``after`` objects: the follower read
        everything written so far (a file truncated before that would lose what it had not read)."""
        deadline = time.monotonic() + TIMEOUT
        while not any("pending" in obj for _, obj in self.lines[after:]) and time.monotonic() < deadline:
            time.sleep(0.02)

    def end(self, interrupt: bool) -> str:
        """Stop (Ctrl-C for a file; stdin was closed) and return stderr; the exit code must be 0."""
        if interrupt:
            self.proc.send_signal(signal.SIGINT)
        self.proc.wait(timeout=TIMEOUT)
        self._reader.join(timeout=TIMEOUT)
        err = self.proc.stderr.read()
        assert self.proc.returncode == 0, err
        return err

    def attempts(self) -> dict[tuple[str, int], dict]:
        out: dict[tuple[str, int], dict] = {}
        for _, obj in self.lines:
            if "pod" in obj:
                key = (obj["pod"], obj["attempt"])
                assert key not in out, f"{key} handed on twice"
                out[key] = _comparable(obj)
        return out

    def first_seen(self) -> dict[tuple[str, int], float]:
        """When each attempt was first shown, final or pending."""
        seen: dict[tuple[str, int], float] = {}
        for at, obj in self.lines:
            a = obj.get("pending", obj)
            if "pod" in a:
                seen.setdefault((a["pod"], a["attempt"]), at)
        return seen


def _write_slowly(out, lines: list[str], pause_every: int = 40, pause: float = 0.05) -> None:
    for i, line in enumerate(lines, 1):
        out.write(line)
        out.flush()
        if i % pause_every == 0:
            time.sleep(pause)


@needs_shared
@pytest.mark.parametrize("log", [FIVE_NODES, LEGACY], ids=["v1.30.6", "v1.14.1"])
def test_pipe_gives_each_attempt_before_the_input_ends_and_the_whole_log_attempts(log: Path) -> None:
    expected = whole_log(log)
    lines = log.read_text(encoding="utf-8", errors="replace").splitlines(keepends=True)
    follow = Follow("-", stdin=subprocess.PIPE)
    _write_slowly(follow.proc.stdin, lines)
    follow.wait_until_shown(expected)  # the last cycle, still open, is shown as pending after a pause
    ended = time.monotonic()
    follow.proc.stdin.close()
    err = follow.end(interrupt=False)
    assert follow.attempts() == expected
    seen = follow.first_seen()
    assert set(seen) == set(expected)
    assert all(at < ended for at in seen.values())  # every attempt shown while the input was still open
    bound = sum(1 for a in expected.values() if a["outcome"] == "bound")
    assert f"{len(expected)} attempts" in err and f"{bound} bound" in err


@needs_shared
@pytest.mark.parametrize("log", [FIVE_NODES, LEGACY], ids=["v1.30.6", "v1.14.1"])
def test_a_file_rotated_and_truncated_mid_way_is_followed_like_tail_F(log: Path, tmp_path: Path) -> None:
    expected = whole_log(log)
    lines = log.read_text(encoding="utf-8", errors="replace").splitlines(keepends=True)
    starts = [i + 1 for i, line in enumerate(lines) if "About to try and schedule pod" in line]
    third, two_thirds = starts[len(starts) // 3], starts[2 * len(starts) // 3]  # each part ends inside a cycle
    path = tmp_path / "kube-scheduler.log"
    path.write_text("".join(lines[:third]), encoding="utf-8")
    follow = Follow(str(path))
    follow.wait_for_pending(after=0)  # read to the end: the open cycle is pending
    path.rename(tmp_path / "kube-scheduler.log.1")  # rotated: renamed, then a new file
    with path.open("w", encoding="utf-8") as out:
        _write_slowly(out, lines[third:two_thirds])
    follow.wait_for_pending(after=len(follow.lines))
    with path.open("r+", encoding="utf-8") as out:  # truncated in place (copytruncate), then written on
        out.truncate(0)
    time.sleep(float(QUIET) * 2)
    with path.open("a", encoding="utf-8") as out:
        _write_slowly(out, lines[two_thirds:])
    follow.wait_until_shown(expected)  # the last cycle, still open, is shown as pending after a pause
    ended = time.monotonic()
    err = follow.end(interrupt=True)  # Ctrl-C hands on the open cycles as the end of a whole log does
    assert follow.attempts() == expected
    assert all(at < ended for at in follow.first_seen().values())
    assert f"{len(expected)} attempts" in err


@needs_shared
def test_two_replicas_in_one_stern_stream_name_the_leader_and_stay_apart(tmp_path: Path) -> None:
    """Replica a acquires the lease and schedules; it loses the lease mid-way (failed to renew, then the fatal
    "leaderelection lost", before its binds completed), b acquires it and schedules the rest. Each attempt stays
    on its replica's stream."""
    a, b = "kube-scheduler-a kube-scheduler ", "kube-scheduler-b kube-scheduler "
    lines = FIVE_NODES.read_text(encoding="utf-8").splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if "Handlers synced" in line)
    middle = [i for i, line in enumerate(lines) if "About to try and schedule pod" in line][5]  # 5 cycles for a
    records_b = _records([line.replace("16:09:06.", "16:09:05.") for line in lines[:start]])  # b started earlier
    klog = "I1128 16:09:06.{} 12473 leaderelection.go:{}] {}\n"
    combined: list[str] = []
    for i, record in enumerate(_records(lines[:start])):  # both start alike, record by record
        combined += [a + line for line in record] + [b + line for line in records_b[i]]
    combined += [a + klog.format("232000", 260, "successfully acquired lease kube-system/kube-scheduler"),
                 b + klog.format("232100", 250, "attempting to acquire leader lease kube-system/kube-scheduler...")]
    combined += [a + line for line in lines[start:middle]]
    combined += [a + klog.format("434900", 283, "failed to renew lease kube-system/kube-scheduler: timed out"),
                 a + "F" + klog.format("434950", 264, "leaderelection lost")[1:],
                 b + klog.format("434990", 260, "successfully acquired lease kube-system/kube-scheduler")]
    pods_a = {line.split('pod="')[1].split('"')[0] for line in lines[start:middle] if "About to try" in line}
    combined += [b + line for line in lines[middle:] if not any(f'"{pod}"' in line for pod in pods_a)]  # a died
    log = tmp_path / "stern.log"
    log.write_text("".join(combined), encoding="utf-8")
    follow = Follow("-", stdin=subprocess.PIPE)
    _write_slowly(follow.proc.stdin, combined)
    follow.proc.stdin.close()
    err = follow.end(interrupt=False)
    leaders = [obj["leader"] for _, obj in follow.lines if "leader" in obj]
    stream_a, stream_b = (f"0:pod/kube-scheduler-{x}/kube-scheduler:12473" for x in "ab")
    assert [(x["stream"], x["how"]) for x in leaders] == [(stream_a, "lease"), (stream_a, "lost"), (stream_b, "lease")]
    assert leaders[0]["line"] == next(i for i, line in enumerate(combined, 1) if "acquired lease" in line)
    attempts = follow.attempts()
    by_stream = Counter(x["stream"] for x in attempts.values())
    assert len(attempts) == 9 and by_stream == {stream_a: 5, stream_b: 4}
    cut = [x for x in attempts.values() if x["stream"] == stream_a]
    assert all(x["outcome"] == "unknown" and "leaderelection lost" in x["incomplete_reason"] for x in cut)
    assert all(x["complete"] for x in attempts.values() if x["stream"] == stream_b)
    assert attempts == whole_log(log)
    assert f"leader {stream_b}" in err and f"{stream_a} 5" in err


def _records(lines: list[str]) -> list[list[str]]:
    """Lines grouped by klog record (a header line and the lines that continue it)."""
    records: list[list[str]] = []
    for line in lines:
        if line[:1] in "IWEF" and line[1:5].isdigit() or not records:
            records.append([line])
        else:
            records[-1].append(line)
    return records


def test_a_missing_file_is_a_one_line_error(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "analyzer", "follow", str(tmp_path / "none.log")],
                          capture_output=True, text=True, cwd=REPO, timeout=TIMEOUT)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "no such file" in proc.stderr


@needs_shared
def test_pod_and_namespace_filters_and_text_lines() -> None:
    proc = subprocess.run([sys.executable, "-m", "analyzer", "follow", "-", "--pod", "huge-cpu"],
                          input=FIVE_NODES.read_text(encoding="utf-8"), capture_output=True, text=True, cwd=REPO,
                          timeout=TIMEOUT, env={**os.environ, "COLUMNS": "200"})
    shown = [line for line in proc.stdout.splitlines() if not line.startswith("leader")]
    assert len(shown) == 1 and "default/huge-cpu #1  unschedulable" in shown[0] and "5/0" in shown[0]
    assert "3 Insufficient cpu" in shown[0]
    proc = subprocess.run([sys.executable, "-m", "analyzer", "follow", "-", "-n", "kube-system"],
                          input=FIVE_NODES.read_text(encoding="utf-8"), capture_output=True, text=True, cwd=REPO,
                          timeout=TIMEOUT)
    assert [line for line in proc.stdout.splitlines() if not line.startswith("leader")] == []
    assert "0 attempts" in proc.stderr


def _feed(lines, pause_after: int | None = None, on_line=None):
    """Physical lines for a Follower, with one pause (None) after ``pause_after`` lines."""
    for number, text in enumerate(lines, 1):
        yield PhysicalLine(0, number, text.rstrip("\n"))
        if on_line is not None:
            on_line(number)
        if number == pause_after:
            yield None


@needs_shared
def test_a_stream_that_starts_slowly_learns_its_prefix_at_the_first_pause() -> None:
    """A stern stream whose first pause comes before the prefix is learned (64 records): the lines so far are
    read with the prefix learned from them, and the open cycle is shown as pending at the pause."""
    lines = FIVE_NODES.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if "About to try and schedule pod" in line)
    stern = [f"kube-scheduler-a kube-scheduler {line}" for line in lines[start:]]
    items: list = []
    follower = Follower(items.append)
    seen_at_pause: list[int] = []

    def pause() -> None:
        seen_at_pause.append(len(items))
        follower.pause()

    lines_out = _feed(stern, pause_after=6)
    follower.run(_pausing(lines_out, pause))
    pending = [i for i in items if isinstance(i, Pending)]
    assert seen_at_pause == [0] and len(pending) == 1 and pending[0].attempt.pod == "default/web-1"
    assert pending[0].attempt.stream == "0:pod/kube-scheduler-a/kube-scheduler:12473"  # the prefix was stripped
    finals = [i.attempt for i in items if isinstance(i, Final)]
    assert [a.pod for a in finals].count("default/web-1") == 1 and len(finals) == 9
    assert {a.outcome.value for a in finals} == {"bound", "unschedulable"}


def _pausing(lines, on_pause):
    """As LiveLines does: after yielding a pause, call ``on_pause`` (everything before was handed on)."""
    for line in lines:
        yield line
        if line is None:
            on_pause()


def test_memory_stays_flat_over_a_long_stream() -> None:
    """Attempts leave the follower once handed on: the open drafts, the kept events and the nodes of the
    handed-on drafts (the assembler remembers some for late recorded events) stay bounded over 600 pods."""
    out = io.StringIO()
    write_log(out, "1.30", nodes=10, pods=600, seed=3)
    counts: list[tuple[int, int, int]] = []
    finals: list[Attempt] = []
    follower = Follower(lambda item: finals.append(item.attempt) if isinstance(item, Final) else None,
                        reconcile=False)

    def sample(number: int) -> None:
        if number % 1000 == 0:
            handed = [d for st in follower.assembler._streams.values() for d in st.handed.values()]
            counts.append((len(follower.assembler.open_drafts()), len(follower.assembler.config_events),
                           sum(len(d.nodes) for d in handed)))
    follower.run(_feed(out.getvalue().splitlines(), on_line=sample))
    assert len(finals) == 600 and len(counts) > 10
    kept_kinds = STORY_KINDS | STORY_ALSO_HANDLED | CACHE_KINDS
    assert sum(n for kind, n in follower.features.kinds.items() if kind in kept_kinds) > 2000  # a bound that bites
    assert max(open_ for open_, _, _ in counts) <= 2
    assert max(kept for _, kept, _ in counts) <= 2000
    assert max(nodes for _, _, nodes in counts) == 0
    assert follower.outcomes["bound"] == sum(1 for a in finals if a.outcome.value == "bound")


@needs_shared
def test_from_end_shows_only_what_is_written_after_the_start(tmp_path: Path) -> None:
    lines = FIVE_NODES.read_text(encoding="utf-8").splitlines(keepends=True)
    cut = next(i for i, line in enumerate(lines) if "default/besteffort" in line and "About to try" in line)
    path = tmp_path / "kube-scheduler.log"
    path.write_text("".join(lines[:cut]), encoding="utf-8")
    follow = Follow(str(path), "--from-end")
    follow.wait_until_open(path)
    time.sleep(float(QUIET) * 2)  # and it has sought to the end (done right after opening)
    with path.open("a", encoding="utf-8") as out:
        _write_slowly(out, lines[cut:])
    follow.wait_until_shown([("default/besteffort", 1)])
    follow.end(interrupt=True)
    got = follow.attempts()
    best = got.pop(("default/besteffort", 1))
    assert best["complete"] and best["outcome"] == "bound" and best["bound_node"] == "worker-small"
    assert best["lines"][0] == 1  # line numbers count from where following began
    # the rest are late lines (binds) of cycles that started before: shown as such, never as whole attempts
    assert got and all(a["incomplete_reason"] == "the log starts inside this cycle" for a in got.values())
    assert ("default/web-1", 1) not in got


@needs_shared
def test_text_lines_flag_each_kind_of_discrepancy() -> None:
    proc = subprocess.run([sys.executable, "-m", "analyzer", "follow", "-"],
                          input=LEGACY.read_text(encoding="utf-8", errors="replace"), capture_output=True, text=True,
                          cwd=REPO, timeout=TIMEOUT)
    first = proc.stdout.splitlines()[1]
    assert first.startswith("16:04:35.944401  shop/frontend-7d9c8b6f5-4xk2p #1  bound  worker-std-2  5/4")
    assert first.endswith("tied with worker-large-3  [2 hidden-component, tie]")
