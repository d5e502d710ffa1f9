"""Runs of hot rows fed in bulk (``Assembler.feed_run``) rebuild what feeding their events one by one rebuilds.

The per-event ``feed`` and the per-line parser stay the references: on every corpus log, the samples, generated
logs of every era and format (50 and 1,000 nodes) and fuzzed logs, the attempts read with runs (what
``pipeline.read_input`` does), with the same events fed one by one, and by the per-line parser are the same JSON,
with the same config events, counters and order; and any cut of any log's events into runs feeds alike.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from test_columnar import CORPUS, _fuzzed_lines
from test_columnar_json import _fuzzed_json_lines

from analyzer.parse import columnar
from analyzer.parse.events import EventRun, expand
from analyzer.parse.lines import FormatFeatures
from analyzer.pipeline import LineTally, iter_events
from analyzer.reconstruct.assembler import Assembler, assemble
from analyzer.report.jsonout import attempt_to_dict
from analyzer.synth import ERAS, write_log

FORMATS = [(era, fmt) for era in ERAS for fmt in ("text", "json") if not (era == "1.14" and fmt == "json")]


def _rebuilt(items, assembler: Assembler) -> list[str]:
    """Every attempt ``assemble`` gives for ``items``, in the order it gives them, as JSON (with its start
    sequence and input), then the assembler's config events and counters."""
    out = [json.dumps([seq, attempt.span.input if attempt.span else None, attempt_to_dict(attempt)])
           for seq, attempt in assemble(items, assembler)]
    out.append(repr(assembler.config_events))
    out.append(repr((assembler.renames, assembler.started_count, assembler.custom_resource_order)))
    return out


def _read(path: str, runs: bool, columns: bool = True) -> tuple[list[str], LineTally, FormatFeatures]:
    before = columnar.enabled()
    columnar.set_enabled(columns)
    try:
        tally, features = LineTally(), FormatFeatures()
        items = iter_events([path], tally, features, runs=runs)
        return _rebuilt(items if runs else expand(items), Assembler()), tally, features
    finally:
        columnar.set_enabled(before)


def assert_fed_alike(path: str) -> int:
    """Runs, events one by one, and the per-line parser rebuild the same; how many attempts."""
    by_runs, by_events, by_lines = _read(path, True), _read(path, False), _read(path, False, columns=False)
    assert by_runs[0] == by_events[0] == by_lines[0]
    assert by_runs[1:] == by_events[1:]  # the line accounting and format features too
    return len(by_runs[0]) - 2


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: str(p.relative_to(p.parents[1])))
def test_corpus_logs_feed_alike(path):
    assert_fed_alike(str(path))


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("hotrun")
    for era, fmt in FORMATS:
        for nodes, pods in ((50, 12), (1000, 3)):
            with open(out / f"{era}-{fmt}-{nodes}.log", "w", encoding="utf-8") as fh:
                write_log(fh, era, nodes=nodes, pods=pods, fmt=fmt, seed=11)
    return out


@pytest.mark.parametrize("nodes", [50, 1000])
@pytest.mark.parametrize(("era", "fmt"), FORMATS)
def test_generated_logs_feed_alike(generated, era, fmt, nodes):
    assert assert_fed_alike(str(generated / f"{era}-{fmt}-{nodes}.log")) >= 3


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("kind", ["text", "json"])
@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::SyntaxWarning")  # _unquote on junk
def test_fuzzed_logs_feed_alike(tmp_path, monkeypatch, kind, seed):
    lines = _fuzzed_lines(seed) if kind == "text" else _fuzzed_json_lines(seed)
    path = tmp_path / "fuzzed.log"
    path.write_bytes(b"\n".join(lines))
    monkeypatch.setattr(columnar, "MIN_RUN", 1 + seed)  # short runs: more of them start and end mid-cycle
    assert assert_fed_alike(str(path)) > 10


def _events(path: str) -> list:
    return list(expand(iter_events([path], LineTally(), FormatFeatures())))


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::SyntaxWarning")
def test_any_cut_into_runs_feeds_alike(tmp_path, generated, seed):
    """Not only the columnar parser's runs: any events of any kind, cut anywhere, fed by feed_run."""
    rng = random.Random(seed)
    path = tmp_path / "fuzzed.log"
    path.write_bytes(b"\n".join(_fuzzed_lines(seed)))
    logs = [str(path), str(generated / "1.30-text-1000.log"), str(generated / "1.21-json-50.log"),
            *(str(p) for p in sorted(CORPUS, key=lambda p: p.name)[seed::7])]  # the same logs in any checkout
    cut = 0
    for log in logs:
        events = _events(log)
        if len(events) < 2:  # nothing to cut (an excerpt without a scheduler line)
            continue
        cut += 1
        cuts = sorted(rng.sample(range(1, len(events)), min(len(events) - 1, len(events) // 40 + 1)))
        runs = [EventRun(events[a:b]) for a, b in zip([0, *cuts], [*cuts, len(events)], strict=True)]
        assert _rebuilt(runs, Assembler()) == _rebuilt(events, Assembler()), log
    assert cut >= len(logs) - 2


def test_most_hot_rows_skip_feed(generated, monkeypatch):
    """The bulk path is taken: on a 1,000-node 1.30 log, feed runs for a small share of the events."""
    fed = []
    feed = Assembler.feed

    def counting(self, event):
        fed.append(event.kind)
        return feed(self, event)

    path = str(generated / "1.30-text-1000.log")
    events = len(_events(path))
    monkeypatch.setattr(Assembler, "feed", counting)
    list(assemble(iter_events([path], LineTally(), FormatFeatures(), runs=True), Assembler()))
    assert events > 5000
    assert len(fed) < events / 20


def test_expand_gives_the_events_in_order():
    assert list(expand([1, EventRun([2, 3]), 4, EventRun([]), EventRun([5])])) == [1, 2, 3, 4, 5]
