"""Streaming: attempts handed on while the log is read equal the ones a whole-log analysis gives."""

from __future__ import annotations

import pytest
from conftest import FRAMEWORK_RUNS, LEGACY_RUNS, PUBLIC, framework_log, legacy_log, needs_shared

from analyzer import analyze
from analyzer.report.jsonout import attempt_to_dict, dumps, result_to_dict
from analyzer.stream import AttemptStream

pytestmark = needs_shared

LOGS = [str(framework_log(r)) for r in FRAMEWORK_RUNS] + [str(legacy_log(r)) for r in LEGACY_RUNS] + \
    ([str(p) for p in sorted(PUBLIC.glob("*.log"))] if PUBLIC.is_dir() else [])


@pytest.mark.parametrize("path", LOGS, ids=lambda p: p.rsplit("/", 1)[-1])
def test_streamed_attempts_equal_whole_log_attempts(path):
    stream = AttemptStream([path])
    streamed = [attempt_to_dict(a) for a in stream]
    whole = analyze(path).result
    assert streamed == [attempt_to_dict(a) for a in whole.attempts]
    header = result_to_dict(stream.header())
    header.pop("attempts")
    expected = result_to_dict(whole)
    expected.pop("attempts")
    assert header == expected


def test_several_inputs_stream_like_one_pass():
    paths = [str(framework_log("v1.30.6-three-nodes")), str(framework_log("v1.30.6-three-nodes-json")),
             str(legacy_log("a-tutorial-3nodes"))]
    stream = AttemptStream(paths, reconcile=False)
    from analyzer.pipeline import analyze_paths

    assert dumps([attempt_to_dict(a) for a in stream]) == \
        dumps([attempt_to_dict(a) for a in analyze_paths(paths).attempts])
