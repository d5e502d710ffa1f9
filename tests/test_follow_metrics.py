"""`schedlog follow --metrics-port`: a lab log piped into a running follower, its /metrics scraped while it
runs, give the whole-log run's counts (attempts by outcome, unschedulable reasons, lines by bucket)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator

from conftest import LAB, REPO, needs_shared
from prometheus_client.parser import text_string_to_metric_families

from analyzer.follow.follower import Follower
from analyzer.follow.metrics import FollowMetrics
from analyzer.pipeline import analyze_paths
from analyzer.read.sources import PhysicalLine
from analyzer.times import FullTimes

FIVE_NODES = LAB / "v1.30.6-five-nodes" / "v1.30.6-five-nodes.log"
TIMEOUT = 60  # no subprocess or scrape ever waits longer


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def scrape(port: int) -> dict[tuple[str, tuple], float]:
    """The samples of /metrics, by (name, sorted labels)."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        text = response.read().decode()
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def by_label(samples: dict, name: str, label: str) -> Counter:
    return Counter({dict(labels)[label]: int(v) for (n, labels), v in samples.items() if n == name})


def start(port: int) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "analyzer", "follow", "-", "--metrics-port", str(port), "-q",
                             "--quiet-period", "0.3"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=REPO)


@needs_shared
def test_metrics_scraped_while_following_give_the_whole_log_counts() -> None:
    whole = analyze_paths([str(FIVE_NODES)])
    outcomes = Counter(a.outcome.value for a in whole.attempts)
    reasons = Counter(r for a in whole.attempts if a.failure for r in a.failure.reasons)
    port = free_port()
    proc = start(port)
    try:
        proc.stdin.write(FIVE_NODES.read_text())
        proc.stdin.flush()  # stdin stays open: the follower is still running when scraped
        deadline, samples = time.monotonic() + TIMEOUT, {}
        while time.monotonic() < deadline:
            try:
                samples = scrape(port)
            except OSError:  # not listening yet
                samples = {}
            lines = by_label(samples, "schedlog_follow_lines_total", "bucket")
            if sum(lines.values()) == whole.lines.total and ("schedlog_follow_open_attempts", ()) in samples \
                    and samples[("schedlog_follow_open_attempts", ())] > 0:
                break
            time.sleep(0.1)
        assert lines == {"parsed": whole.lines.parsed, "ignored": whole.lines.ignored,
                         "unrecognized": whole.lines.unrecognized}
        final = by_label(samples, "schedlog_follow_attempts_total", "outcome")
        still_open = int(samples[("schedlog_follow_open_attempts", ())])
        # the last cycle is not final until a later line (or the end) says so: it is counted as open
        assert sum(final.values()) + still_open == len(whole.attempts) == 9
        assert all(final[o] <= outcomes[o] for o in final) and final["unschedulable"] == 1
        assert by_label(samples, "schedlog_follow_unschedulable_reasons_total", "reason") == reasons
        assert samples[("schedlog_follow_evaluated_nodes_count", ())] == sum(
            1 for a in whole.attempts if a.evaluated_nodes is not None) - still_open
        assert 0 < samples[("schedlog_follow_winner_margin_count", ())] <= outcomes["bound"]
        _, err = proc.communicate(timeout=TIMEOUT)  # closes stdin: at the end of the input every attempt is final
        assert proc.returncode == 0
        assert outcomes == {"bound": 8, "unschedulable": 1} and "9 attempts: 8 bound, 1 unschedulable" in err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=TIMEOUT)


def test_a_port_in_use_is_a_one_line_error() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = subprocess.run([sys.executable, "-m", "analyzer", "follow", "-", "--metrics-port", str(port)],
                              input="", capture_output=True, text=True, cwd=REPO, timeout=TIMEOUT)
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and f"--metrics-port {port}" in proc.stderr
    assert "Traceback" not in proc.stderr


@needs_shared
def test_two_followers_in_one_process_keep_their_own_registries() -> None:
    """Each FollowMetrics has its own registry: the second run counts from zero, not on top of the first."""
    expected = Counter(a.outcome.value for a in analyze_paths([str(FIVE_NODES)]).attempts)
    for _ in range(2):
        items: list = []
        follower = Follower(items.append, str(FIVE_NODES))
        metrics = FollowMetrics(follower, FullTimes([str(FIVE_NODES)]))
        follower.run(_physical(FIVE_NODES.read_text().splitlines()))
        for item in items:
            metrics.observe(item)
        counted = Counter({s.labels["outcome"]: int(s.value) for f in metrics.registry.collect()
                           for s in f.samples if s.name == "schedlog_follow_attempts_total"})
        assert counted == expected


def _physical(texts: list[str]) -> Iterator[PhysicalLine]:
    for number, text in enumerate(texts, 1):
        yield PhysicalLine(0, number, text)
