"""Property tests (issue 6): real lab logs under random damage keep the pipeline's invariants.

Damage: truncate (also mid-line), splice out a run of lines, duplicate a line, corrupt bytes,
interleave records of a foreign replica. Invariants: no exception; every physical line in exactly one
bucket; every attempt complete in the clean log whose lines are all untouched comes out the same.
tests/fuzz_parser.py runs the same properties for as long as you like.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from conftest import LAB, analysis, framework_log, legacy_log, needs_shared, physical_line_count
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import PREFIX_YEAR, damaged_logs, prefixed_damaged_logs, read_lines, signature

from analyzer import analyze_paths
from analyzer.model import AnalysisResult

pytestmark = needs_shared

LOGS = {
    "text-1.30": lambda: framework_log("v1.30.6-five-nodes"),
    "json-1.21": lambda: LAB / "v1.21.0-pre-five-nodes-json" / "v1.21.0-pre-five-nodes-json.log",
    "legacy-1.14": lambda: legacy_log("b-heterogeneous-5nodes"),
}
SETTINGS = settings(max_examples=50, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture])


def same_attempt(attempt) -> str:
    """What must survive: everything but the per-pod number (a foreign replica's cycles count too)."""
    data = json.loads(signature(attempt))
    data.pop("attempt")
    if (data["started_at"] or "").startswith(f"{PREFIX_YEAR}-"):  # a test prefix's time gave klog's year
        data["started_at"] = "--" + data["started_at"][len(PREFIX_YEAR) + 1:]
    if (data.get("started_at_full") or "").startswith(f"{PREFIX_YEAR}-"):  # the same year, as a full time
        data["started_at_full"] = data["started_at_full_provenance"] = None
    return json.dumps(data, sort_keys=True)


def influence(attempt, starts: list[int], end: int) -> range:
    """Clean line indexes that can change an attempt: its own lines, and up to the next cycle's start.

    Lines naming no pod (legacy 'Host X => Score N', preemption candidates) go to the running cycle,
    so if the next cycle's first line is lost they land on this one.
    """
    later = [s for s in starts if s > attempt.span.first_line]
    stop = max(attempt.span.last_line, later[0] if later else end)
    return range(attempt.span.first_line - 1, stop)


def check_invariants(clean: AnalysisResult, damaged_path: Path, untouched: frozenset[int]) -> AnalysisResult:
    """The properties every damaged log must keep; returns the damaged result for more checks."""
    result = analyze_paths([str(damaged_path)])
    c = result.lines
    assert c.parsed + c.ignored + c.unrecognized == c.total == physical_line_count(damaged_path)
    assert c.damaged <= c.total
    survivors = Counter(same_attempt(a) for a in result.attempts if a.complete)
    starts = sorted(a.span.first_line for a in clean.attempts)
    for attempt in clean.attempts:
        if not attempt.complete:
            continue
        span = influence(attempt, starts, clean.lines.total)
        if all(i in untouched for i in span):
            key = same_attempt(attempt)
            assert survivors[key] > 0, f"{attempt.pod} #{attempt.attempt} lines {span} untouched but changed"
            survivors[key] -= 1
    return result


@pytest.mark.parametrize("log", sorted(LOGS))
@SETTINGS
@given(data=st.data())
def test_damaged_real_logs_keep_the_invariants(tmp_path_factory, log, data):
    path = LOGS[log]()
    lines = read_lines(path)
    damaged = data.draw(damaged_logs(lines))
    out = tmp_path_factory.mktemp("damaged") / "damaged.log"
    out.write_bytes(damaged.data)
    check_invariants(analysis(str(path)), out, damaged.untouched)


@pytest.mark.parametrize("log", sorted(LOGS))
@settings(SETTINGS, max_examples=25)
@given(data=st.data())
def test_damaged_real_logs_behind_a_prefix_keep_the_invariants(tmp_path_factory, log, data):
    """The same invariants when the damaged log is also behind journald, grep, stern, quote... prefixes."""
    path = LOGS[log]()
    damaged = data.draw(prefixed_damaged_logs(read_lines(path)))
    out = tmp_path_factory.mktemp("prefixed") / "prefixed.log"
    out.write_bytes(damaged.data)
    check_invariants(analysis(str(path)), out, damaged.untouched)
