"""The folded commands (check, explain, snapshot, verify, diff) read a log once and reconcile in the workers:
a log whose whole states another version than its head is read again with the whole log's plan handed to
the workers (not reconciled again in this process); a log with cache dumps keeps the attempts from the first
dump on for the replays (it was read a second time, collected); and the streamed JSON writer gives exactly
what dumping the whole document gives."""

from __future__ import annotations

import json
import logging
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import LAB, legacy_log, needs_shared
from test_cache_replay import RUN, dump_lines
from test_flat_memory import REAL_LOGS, Every
from test_reconcile_undo import _restarted
from typer.testing import CliRunner

import analyzer.reconcile
from analyzer.cli import app
from analyzer.cli.regress import log_snapshot
from analyzer.model import AnalysisResult, Attempt, FormatInfo, LineCounts, SourceSpan
from analyzer.reconstruct.cache import CacheDump, CacheFacts, Position
from analyzer.regress.snapshot import snapshot
from analyzer.replay import load_pod_requests
from analyzer.report import jsonout
from analyzer.report.cachetext import check_keys, replays_by_attempt
from analyzer.report.jsonout import Streamed, dumps, item_text, pieces
from analyzer.run.batch import analyze_reconciled
from analyzer.run.fold import AfterDumps, fold_reconciled

PODS = RUN / "pods.yaml"


@pytest.fixture
def main_reconciles(monkeypatch) -> Counter:
    """Count reconcile_attempt calls made by this process on the attempts a stream hands on (a worker's
    and a part's reconciling, in ``parts.worker``, goes by another name and is not counted)."""
    calls: Counter = Counter()
    real = analyzer.reconcile.reconcile_attempt

    def counted(attempt, context):
        calls[context.version] += 1
        return real(attempt, context)
    monkeypatch.setattr(analyzer.reconcile, "reconcile_attempt", counted)
    return calls


# -- 1. read again under the whole log's plan: the workers reconcile ------------------------------------
@needs_shared
def test_a_restart_under_another_version_is_reconciled_again_by_the_workers(tmp_path, monkeypatch, caplog,
                                                                             main_reconciles):
    """A 1.14 head restarted as v1.19.1: both reads reconcile in the parts' workers at --jobs 2; this process
    reconciles nothing (it reconciled the 9 attempts of the second read itself); the output is --jobs 1's."""
    monkeypatch.setenv("SCHEDLOG_MIN_CHUNK_BYTES", "1500")
    path = _restarted(tmp_path)
    collected, weights = analyze_reconciled([path])
    runner = CliRunner()
    outputs = {}
    for jobs in (1, 2):
        main_reconciles.clear()
        with caplog.at_level(logging.INFO, logger="analyzer.run.fold"):
            folded = fold_reconciled([path], Every, jobs=jobs)
        assert "reconciled again" in caplog.text
        caplog.clear()
        assert tuple(folded.consumer.attempts) == collected.attempts and folded.weights == weights
        assert folded.header == replace(collected, attempts=())
        # jobs 1 reads here, reconciling under the head's plan (1.14) and then the whole log's (v1.19.1)
        assert main_reconciles == (Counter({"1.14": 9, "v1.19.1": 9}) if jobs == 1 else Counter())
        outputs[jobs] = [runner.invoke(app, ["-j", str(jobs), *args, path]).stdout
                         for args in (["check", "-o", "json"], ["snapshot"], ["explain", "-o", "json", "--pod",
                                                                             collected.attempts[-1].pod])]
    assert outputs[1] == outputs[2]
    assert json.loads(outputs[1][0])["k8s_version"] == "v1.19.1"


# -- 2. cache dumps: read once, the attempts after the first dump kept ----------------------------------
def _with_dump(tmp_path: Path, where: float, name: str = "dumped.log") -> str:
    """The v1.30.6 five-node run (--v=10) with a 1.30 cache dump of its nodes before the cycle at ``where``
    (0: the first cycle, 0.5: the middle one); the dump says worker-large has 15 CPUs, the resource lines 16."""
    lines = (RUN / "v1.30.6-five-nodes.log").read_text().splitlines()
    starts = [i for i, line in enumerate(lines) if '"About to try and schedule pod"' in line]
    at = starts[int(len(starts) * where)]
    header = lines[at].split("]", 1)[0].replace("schedule_one.go:84", "dumper.go:52")
    path = tmp_path / name
    dump = [line.replace("MilliCPU:16000", "MilliCPU:15000") for line in dump_lines(header)]
    path.write_text("\n".join(lines[:at] + dump + lines[at:]) + "\n")
    return str(path)


def _replays(result: AnalysisResult) -> dict:
    """What the collected path replays, with the requests of pods.yaml (as --pods gives them)."""
    return replays_by_attempt(replace(result, cache=replace(result.cache, pod_requests=load_pod_requests(str(PODS)))))


@needs_shared
@pytest.mark.parametrize("where", [0, 0.5, 0.8])
@pytest.mark.parametrize("jobs", [1, 2])
def test_a_log_with_a_cache_dump_is_read_once_and_replays_as_collected(tmp_path, monkeypatch, reads, where, jobs):
    monkeypatch.setenv("SCHEDLOG_MIN_CHUNK_BYTES", "1500")
    path = _with_dump(tmp_path, where)
    collected, _ = analyze_reconciled([path])
    replays = _replays(collected)
    assert len(replays) == {0: 9, 0.5: 5, 0.8: 2}[where] and any(r["disagreements"] for r in replays.values())
    reads.clear()
    folded = fold_reconciled([path], Every, jobs=jobs)
    assert len(reads) == (1 if jobs == 1 else 2) and set(reads.values()) == {1}, reads  # each part read once
    kept = folded.result.attempts
    assert [a for a in collected.attempts if a in kept] == list(kept)  # as collected, in log order
    assert {(a.pod, a.attempt) for a in kept} >= set(replays)
    if jobs == 1 and where == 0.8:  # the attempts final before the dump was read are left out
        assert len(kept) == 7 < len(collected.attempts) == 9
    runner = CliRunner()
    reads.clear()
    check = runner.invoke(app, ["-j", str(jobs), "--pods", str(PODS), "check", "-o", "json", path])
    cache = check_keys(replace(collected, cache=replace(collected.cache, pod_requests=load_pod_requests(str(PODS)))))
    assert json.loads(check.stdout)["cache"] == cache["cache"] and cache["cache"]["replay_disagreements"]
    (pod, number), replay = next(iter(replays.items()))
    explain = runner.invoke(app, ["-j", str(jobs), "--pods", str(PODS), "explain", "-o", "json", "--pod", pod, path])
    assert [a["cache_replay"] for a in json.loads(explain.stdout)["attempts"] if a["attempt"] == number] == [replay]
    assert set(reads.values()) == {2}, reads  # two commands, each read every part once


@needs_shared
def test_snapshot_keeps_no_attempt_for_replays(tmp_path):
    path = _with_dump(tmp_path, 0)
    assert fold_reconciled([path], Every, replays=False).after_dumps == ()
    assert len(fold_reconciled([path], Every).after_dumps) == 9


def _attempt(line: int) -> Attempt:
    return Attempt(pod="default/p", attempt=line, span=SourceSpan(0, line, line + 1))


def _dumped_at(line: int) -> AnalysisResult:
    return AnalysisResult(inputs=("x",), format=FormatInfo(), lines=LineCounts(), attempts=(),
                          cache=CacheFacts((CacheDump(Position(0, line), "structured"),), (), ()))


def test_the_kept_attempts_cover_a_replay_only_when_none_left_out_comes_after_a_dump():
    kept = AfterDumps()
    kept.see(_attempt(10), dumped=False)
    kept.see(_attempt(30), dumped=True)
    assert kept == [_attempt(30)]
    assert kept.covers(_dumped_at(20)) and kept.covers(_dumped_at(11))
    assert not kept.covers(_dumped_at(5))  # the attempt at line 10, left out, comes after this dump
    assert kept.covers(replace(_dumped_at(5), cache=None))


# -- 3. one streamed JSON writer -------------------------------------------------------------------------
DOCS = [
    ({"a": 1, "x": {"k": [{"p": 1, "q": [1, 2]}, {"z": "é\n\u0000"}], "e": []}, "l": [[1, {"b": 2}]]},
     lambda doc: {**doc, "x": {"k": Streamed(map(item_text, doc["x"]["k"])), "e": Streamed(iter(()))},
                  "l": [Streamed(map(item_text, doc["l"][0]))]}),
    # a string of the data that looks like a placeholder stays a string
    ({"s": "\u0000streamed-0\u0000", "t": [{"n": i, "text": "x" * 300} for i in range(40)]},
     lambda doc: {**doc, "t": Streamed(map(item_text, doc["t"]))}),
    ({"top": []}, lambda doc: {"top": Streamed([])}),
]


@pytest.mark.parametrize("doc,streamed", DOCS)
def test_pieces_give_the_text_dumps_gives(monkeypatch, doc, streamed):
    monkeypatch.setattr(jsonout, "PIECE_CHARS", 1000)  # several pieces per list
    written = list(pieces(streamed(doc)))
    assert "".join(written) == dumps(doc)
    assert max(map(len, written)) < 2000 or len(json.dumps(doc)) < 1000


@needs_shared
@pytest.mark.parametrize("paths", [p for _, p in REAL_LOGS], ids=[name for name, _ in REAL_LOGS])
def test_verify_and_diff_snapshot_the_fold_as_the_collected_result(paths: list[Path]):
    logs = [str(p) for p in paths]
    assert log_snapshot(logs, True) == snapshot(analyze_reconciled(logs)[0])


@needs_shared
def test_verify_and_diff_of_a_log_against_itself_and_another():
    one, other = str(legacy_log("b-heterogeneous-5nodes")), str(LAB / "v1.30.6-five-nodes" / "v1.30.6-five-nodes.log")
    runner = CliRunner()
    snap = runner.invoke(app, ["snapshot", one]).stdout
    assert runner.invoke(app, ["diff", one, one]).exit_code == 0
    assert runner.invoke(app, ["diff", one, other]).exit_code == 1
    assert json.loads(snap) == log_snapshot([one], True)
