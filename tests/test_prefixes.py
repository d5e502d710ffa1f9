"""Prefixes before the klog header (journald, grep, stern, quotes, indentation): every corpus log
wrapped in each style gives the attempts and scores of the bare log.

What may differ, and why: ``format.wrapper`` (it names the prefix), each attempt's ``stream`` (stern
names the pod and container, which becomes part of the stream, as kubectl --prefix does) and the
attempts' line spans of cut-down headers (none here: wrapping keeps every line). The line accounting
must be the same: every physical line keeps its bucket and reason.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import LAB, PUBLIC, REPO, needs_shared
from strategies import PREFIX_STYLES, with_prefix

from analyzer import analyze_paths
from analyzer.read.prefixes import learn_prefix, record_start
from analyzer.report.jsonout import attempt_to_dict

CORPUS = sorted(
    [*LAB.glob("*/*.log"), *LAB.glob("v1.14.1/*/*.log"), *PUBLIC.glob("*.log"),
     *(REPO / "samples").glob("**/*.log")]
) if LAB.is_dir() else []


def _attempts(result) -> list[dict]:
    out = []
    for attempt in result.attempts:
        data = attempt_to_dict(attempt)
        data.pop("stream")
        out.append(data)
    return out


def _accounting(result) -> tuple:
    c = result.lines
    return c.total, c.parsed, c.ignored, c.unrecognized, dict(c.ignored_by_reason)


@needs_shared
@pytest.mark.parametrize("style", sorted(PREFIX_STYLES))
@pytest.mark.parametrize("log", CORPUS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_corpus_log_behind_every_prefix_gives_the_bare_result(tmp_path, log: Path, style: str):
    bare = analyze_paths([str(log)])
    wrapped = tmp_path / "wrapped.log"
    wrapped.write_bytes(with_prefix(log.read_bytes(), style))
    result = analyze_paths([str(wrapped)])
    assert _accounting(result) == _accounting(bare)
    assert json.dumps(_attempts(result), sort_keys=True) == json.dumps(_attempts(bare), sort_keys=True)
    assert result.config == bare.config
    assert result.format.era == bare.format.era and result.format.encoding == bare.format.encoding
    if style != "indent":  # the parser strips blanks around any line itself: an indent needs no rule
        assert result.format.wrapper != "none"


@pytest.mark.parametrize(("line", "start"), [
    ("May 21 20:52:25 host kube-scheduler[91664]: I0521 20:52:25.000001   91664 scheduler.go:597] x", 44),
    ("3888:I0521 20:52:25.000001       1 scheduler.go:597] x", 5),
    ("3888:16:39:40.797553       1 scheduler.go:597] x", 5),
    ("> schedule_one.go:646] x", 2),
    ('host kube-scheduler[1]: {"ts":1,"msg":"x"}', 24),
    ("f.log:2024-05-21T20:52:25.1Z stderr F I0521 20:52:25.000001 1 a.go:1] x", 6),
    ("I0521 20:52:25.000001       1 scheduler.go:597] x", 0),
    ("no record here: map[a:1] and scheme.go:29\"", None),
])
def test_record_start(line, start):
    assert record_start(line) == start


def test_a_prefix_no_shape_knows_is_generalized_from_the_lines():
    lines = [f"[node-{i % 3}] |ctl| I0521 20:52:2{i}.000001       1 a.go:{i}] message {i}" for i in range(6)]
    rule = learn_prefix(lines)
    assert rule is not None and rule.name == "prefix"
    assert rule.regex.match("[node-7] |ctl| \tcontinuation").end() == len("[node-7] |ctl| ")


def test_records_at_column_zero_learn_no_prefix():
    assert learn_prefix(["I0521 20:52:25.000001       1 a.go:1] m", "\tcontinuation", "3:x"]) is None
