"""report consumes the attempt stream (analyzer.run.fold) instead of collecting every attempt: the page and the
PNG files it writes must be those the collected result gives (render_html / write_pngs of analyze_reconciled),
on real logs, one pod or all, and its memory must not grow with the attempts beyond a small record each."""

from __future__ import annotations

import hashlib
import tracemalloc
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import LAB, generated_log, legacy_log, needs_shared
from test_flat_memory import REAL_LOGS, bound_tables
from test_report_html import tiny
from typer.testing import CliRunner

from analyzer.cli import app
from analyzer.model import NodeResult, Score
from analyzer.read import blocks
from analyzer.report.charts import colors_for
from analyzer.report.html import ReportPage, render_html
from analyzer.report.png import PngFiles, unique_names, write_pngs
from analyzer.report.timeline_html import StoryAttempt
from analyzer.run.batch import analyze_reconciled
from analyzer.run.fold import fold_reconciled
from analyzer.synth import write_log


def _report(tmp_path: Path, logs: list[str], *options: str, pngs: bool = False) -> tuple[str, dict[str, str]]:
    """The CLI's page (and PNG files by name -> sha256), one core."""
    out, png_dir = tmp_path / "cli.html", tmp_path / "cli-png"
    args = ["-j1", "report", *logs, "--out", str(out), "-q", *options]
    done = CliRunner().invoke(app, args + (["--png-dir", str(png_dir)] if pngs else []))
    assert done.exit_code == 0, done.output
    return out.read_text(encoding="utf-8"), _digests(png_dir) if pngs else {}


def _digests(directory: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(directory.iterdir())}


@needs_shared
@pytest.mark.parametrize("paths", [p for _, p in REAL_LOGS], ids=[name for name, _ in REAL_LOGS])
def test_the_streamed_page_and_pngs_are_the_collected_ones(paths: list[Path], tmp_path: Path):
    logs = [str(p) for p in paths]
    collected, _ = analyze_reconciled(logs)
    page, pngs = _report(tmp_path, logs, pngs=True)
    assert page == render_html(collected)
    expected = write_pngs(collected, tmp_path / "collected")
    assert pngs == _digests(tmp_path / "collected")
    assert sorted(pngs) == sorted(p.name for p in expected)
    assert len(collected.attempts) <= len(pngs) <= len(collected.attempts) + 2  # and the heat map, the deciders


@needs_shared
@pytest.mark.parametrize(("log", "pod"), [
    (LAB / "v1.30.6-five-nodes" / "v1.30.6-five-nodes.log", "default/huge-cpu"),
    (LAB / "v1.30.6-five-nodes" / "v1.30.6-five-nodes.log", "huge-cpu"),
    (legacy_log("b-heterogeneous-5nodes"), "shop/api-6f7d4b8c9-hx5vb"),
])
def test_one_pods_streamed_page_and_pngs_are_the_collected_ones(log: Path, pod: str, tmp_path: Path):
    collected, _ = analyze_reconciled([str(log)])
    page, pngs = _report(tmp_path, [str(log)], "--pod", pod, pngs=True)
    assert page == render_html(collected, pod=pod)
    expected = write_pngs(collected, tmp_path / "collected", pod=pod)
    assert pngs == _digests(tmp_path / "collected") and len(expected) == len(pngs)
    drawn = [name for name in pngs if "-attempt" in name]
    assert 0 < sum(a.pod.endswith(pod) for a in collected.attempts) == len(drawn) < len(collected.attempts)


def test_a_thousand_node_log_streamed_is_the_collected_page(tmp_path: Path):
    """More attempts than the page details (max 3 here) or lists, 1,000 nodes each."""
    log = str(generated_log(tmp_path, nodes=1000, pods=5, seed=3))
    collected, _ = analyze_reconciled([log])
    folded = fold_reconciled([log], lambda _version: ReportPage(max_sections=3, max_rows=4))
    page = folded.consumer.render(folded.header, folded.times)
    assert page == render_html(collected, max_sections=3, max_rows=4)
    assert page.count('<section class="attempt"') == 3 and "the table lists the first 4" in page
    assert len(folded.consumer.node_data.attempts) == 3 and len(folded.consumer.story) == 5


@needs_shared
def test_pngs_drawn_before_a_plugin_that_changes_their_colours_are_drawn_again(tmp_path: Path):
    """The v1.14 log's attempts come first (scored as 1.30, the version the second log states), the 1.30 log's
    ImageLocality last, and it sorts before all of theirs: their charts were drawn with colours the whole log
    does not give them (not the unschedulable attempt's, which has none), and are drawn again."""
    logs = [str(legacy_log("b-heterogeneous-5nodes")), str(LAB / "v1.30.6-three-nodes" / "v1.30.6-three-nodes.log")]
    collected, _ = analyze_reconciled(logs)
    streamed = PngFiles(tmp_path / "streamed")
    for attempt in collected.attempts:
        streamed.add(attempt)
    assert streamed.colors == colors_for(collected.attempts)
    stale = streamed.stale()
    unscored = [i for i, a in enumerate(collected.attempts) if not any(n.scores for n in a.nodes)]
    assert stale == set(range(len(collected.attempts) - 1)) - set(unscored) and len(unscored) == 1
    _, pngs = _report(tmp_path, logs, pngs=True)
    write_pngs(collected, tmp_path / "collected")
    assert pngs == _digests(tmp_path / "collected")
    streamed_files = _digests(tmp_path / "streamed")
    names = sorted(streamed_files)
    assert [name for name in names if streamed_files[name] != pngs[name]] == sorted(
        name for number, name in enumerate(unique_names(collected.attempts)) if number in stale)


def test_a_plugin_first_seen_later_marks_only_the_charts_whose_colour_it_moved(tmp_path: Path):
    """tiny()'s attempt scores TaintToleration and NodePreferAvoidPodsPriority; a later attempt adds
    ImageLocality, which sorts first: both earlier colours move. A third plugin sorting last moves none."""
    first = tiny().attempts[0]
    later = replace(first, pod="ns/other", nodes=(NodeResult("n1", total_logged=5, scores=(
        Score("ImageLocality", weighted=5), Score("ZoneSpread", weighted=0))),), selected_node="n1")
    files = PngFiles(tmp_path)
    for attempt in (first, later, later):
        files.add(attempt)
    assert files.stale() == {0}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ns_other-attempt1-2.png", "ns_other-attempt1.png",
                                                           "ns_web-attempt1.png"]


def _peak_while_reporting(path: Path) -> tuple[int, int]:
    tracemalloc.start()
    try:
        folded = fold_reconciled([str(path)], lambda _version: ReportPage(max_sections=3, max_rows=3))
        return tracemalloc.get_traced_memory()[1], folded.attempts
    finally:
        tracemalloc.stop()


def test_report_memory_does_not_grow_with_the_log(tmp_path: Path, monkeypatch):
    """As check's test (test_flat_memory): 1.5 and 6 MB generated 50-node logs, the page detailing 3 attempts;
    what is kept of each further attempt is a StoryAttempt."""
    bound_tables(monkeypatch)
    monkeypatch.setattr(blocks, "BLOCK_BYTES", 256 * 1024)
    peaks, attempts = {}, {}
    for mb in (1.5, 6):
        path = tmp_path / f"{mb}.log"
        with open(path, "w", encoding="utf-8") as fh:
            write_log(fh, "1.30", 50, pods=10**9, seed=5, max_bytes=int(mb * 1_000_000))
        peaks[mb], attempts[mb] = _peak_while_reporting(path)
    assert attempts[6] > 3 * attempts[1.5]
    assert peaks[6] < peaks[1.5] * 1.5, peaks


def test_what_a_timeline_keeps_of_an_attempt_is_small(tmp_path: Path):
    """A StoryAttempt of a 1,000-node attempt holds two nodes of it, and weighs well under a kilobyte."""
    log = str(generated_log(tmp_path, nodes=1000, pods=2, seed=3))
    collected, _ = analyze_reconciled([log])
    attempt = collected.attempts[0]
    tracemalloc.start()
    try:
        names: dict[str, str] = {}
        kept = [StoryAttempt(attempt, names) for _ in range(1000)]
        size = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert [n.node for n in kept[0].nodes][0] == attempt.winner and len(kept[0].nodes) == 2
    assert size / len(kept) < 600, size / len(kept)


@needs_shared
def test_an_html_path_that_is_a_directory_fails_before_any_png_is_written(tmp_path: Path):
    """PNG files are written while the log is read: a bad --out must stop the run before that."""
    log = LAB / "v1.30.6-three-nodes" / "v1.30.6-three-nodes.log"
    pngs = tmp_path / "png"
    done = CliRunner().invoke(app, ["report", str(log), "--out", str(tmp_path), "--png-dir", str(pngs)])
    assert done.exit_code == 2
    assert "is a directory; give the HTML file name" in done.stderr
    assert not pngs.exists() or not any(pngs.iterdir())


def test_a_timeline_keeps_five_of_a_preemptions_candidates_and_tells_the_same_story(tmp_path: Path):
    """An unschedulable attempt whose preemption weighed 1,000 candidates: its StoryAttempt keeps 5 names and
    the count, its failure's message and reasons, and the pod's story is the one the attempt itself gives."""
    from analyzer.model import Failure, Outcome, Preemption
    from analyzer.timeline.build import story_of

    log = str(generated_log(tmp_path, nodes=1000, pods=2, seed=3))
    attempt = analyze_reconciled([log])[0].attempts[0]
    candidates = tuple(f"worker-{i:04d}" for i in range(1000))
    preempted = replace(attempt, outcome=Outcome.UNSCHEDULABLE, failure=Failure(
        "0/1000 nodes are available: 1000 Insufficient cpu.", {"Insufficient cpu": 1000}, total_nodes=1000,
        preemption_message="0/1000 nodes are available: 1000 No preemption victims found for incoming pod.",
        preemption_reasons={"No preemption victims found for incoming pod": 1000}),
        preemption=Preemption(ran=True, status="no candidate", potential_nodes=candidates))
    names: dict[str, str] = {}
    kept = StoryAttempt(preempted, names)
    assert story_of(attempt.pod, [kept], [], None) == story_of(attempt.pod, [preempted], [], None)
    entry = story_of(attempt.pod, [kept], [], None).entries[-1]
    assert entry.kind == "preemption" and entry.details["candidates"] == 1000
    assert entry.details["candidate_sample"] == list(candidates[:5])
    tracemalloc.start()
    try:
        many = []
        for _ in range(200):  # each attempt with its own candidates, dropped once its record is made
            many.append(StoryAttempt(replace(preempted, preemption=replace(
                preempted.preemption, potential_nodes=tuple(list(candidates)))), names))
        size = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert len(many[0].preemption.potential_nodes) == 1000
    assert size / len(many) < 900, size / len(many)  # the tuple of candidates alone is 8 kB
