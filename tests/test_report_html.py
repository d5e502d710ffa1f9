"""The HTML report: real winners, totals and failure reasons; hidden components, escaping, limits, scale."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
from dataclasses import replace
from functools import cache
from html.parser import HTMLParser

import pytest
from conftest import LAB, PUBLIC, analysis, facts, generated_log, legacy_log, needs_shared, public
from test_frames import RUNS, expected, log_of
from typer.testing import CliRunner

from analyzer.cli import app
from analyzer.model import AnalysisResult, Attempt, FormatInfo, LineCounts, NodeResult, Score
from analyzer.reconcile import reconcile_result
from analyzer.report.html import render_html


class Tables(HTMLParser):
    """Every table of a page as cell texts, by table id or class; plus section ids and img sources."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[tuple[str, list[list[str]]]] = []
        self.sections: list[str] = []
        self.images: list[str] = []
        self.svgs: list[str] = []  # class of each inline <svg>
        self.scripts: list[tuple[dict, str]] = []  # (attributes, text) of every <script>
        self.details: list[dict] = []  # attributes of every <details>
        self.metas: list[dict] = []
        self._script: list[str] | None = None
        self._cell: list[str] | None = None
        self._row: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self.tables.append((a.get("id") or a.get("class") or "", []))
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "section":
            self.sections.append(a.get("id", ""))
        elif tag == "img":
            self.images.append(a.get("src", ""))
        elif tag == "svg":
            self.svgs.append(a.get("class", ""))
        elif tag == "script":
            self.scripts.append((a, ""))
            self._script = []
        elif tag == "details":
            self.details.append(a)
        elif tag == "meta":
            self.metas.append(a)

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            self.scripts[-1] = (self.scripts[-1][0], "".join(self._script))
            self._script = None
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None and self.tables:
            self.tables[-1][1].append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._script is not None:
            self._script.append(data)
        if self._cell is not None:
            self._cell.append(data)

    def table(self, name: str) -> list[dict[str, str]]:
        """The rows of the first table with this id/class, as header -> cell dicts."""
        rows = next(rows for key, rows in self.tables if key == name)
        return [dict(zip(rows[0], row, strict=False)) for row in rows[1:]]

    def all(self, name: str) -> list[list[dict[str, str]]]:
        return [[dict(zip(rows[0], r, strict=False)) for r in rows[1:]]
                for key, rows in self.tables if key == name]


def parse(page: str) -> Tables:
    parser = Tables()
    parser.feed(page)
    return parser


@cache
def reconciled(path: str) -> AnalysisResult:
    return reconcile_result(analysis(path))


@cache
def page(kind: str, run: str) -> str:
    return render_html(reconciled(str(log_of(kind, run))))


@needs_shared
@pytest.mark.parametrize(("kind", "run"), RUNS, ids=[f"{k}:{r}" for k, r in RUNS])
def test_attempt_table_has_the_real_winner_and_total_of_every_attempt(kind, run):
    truth = expected(kind, run)
    rows = parse(page(kind, run)).table("attempt-table")
    assert len(rows) == len(truth)
    for row in rows:
        want = truth[(row["pod"], int(row["attempt"]))]
        assert row["outcome"] == want["outcome"], row
        assert (row["node"] or None) == want["winner"], row
        if want["totals"]:
            assert int(row["total"]) == want["totals"][want["winner"]], row
            others = [t for n, t in want["totals"].items() if n != want["winner"]]
            if others:
                margin = want["totals"][want["winner"]] - max(others)
                assert row["margin"] == (f"{margin}" if margin else "0 tie"), row  # a tie is a neutral tag


@needs_shared
@pytest.mark.parametrize(("kind", "run"), RUNS, ids=[f"{k}:{r}" for k, r in RUNS])
def test_each_attempt_section_lists_every_scored_node_total(kind, run):
    truth = expected(kind, run)
    doc = parse(page(kind, run))
    assert len(doc.sections) == len(truth)
    node_tables = doc.all("nodes")
    scored = [t for t in truth.values() if t["totals"]]
    got = sorted(sorted((r["node"].lstrip("★ "), int(r["total logged"])) for r in rows if r["total logged"])
                 for rows in node_tables)
    assert [g for g in got if g] == sorted(sorted(t["totals"].items()) for t in scored)
    assert doc.images == []  # charts are inline SVG now, no embedded PNG
    with_runner_up = [t for t in scored if len(t["totals"]) > 1 and t["winner"]]
    assert doc.svgs.count("gap-chart") == len(with_runner_up)


@needs_shared
def test_unschedulable_reasons_histogram_matches_the_rejected_nodes_in_facts():
    checked = 0
    for kind, run in RUNS:
        truth = expected(kind, run)
        failed = [r for r in parse(page(kind, run)).table("attempt-table") if r["outcome"] == "unschedulable"]
        tables = parse(page(kind, run)).all("reasons")
        assert len(tables) == len(failed) == sum(1 for t in truth.values() if t["outcome"] == "unschedulable")
        for row, rows in zip(failed, tables, strict=True):
            want = truth[(row["pod"], int(row["attempt"]))]["reasons"]
            assert {r["reason"]: int(r["nodes"]) for r in rows} == dict(want), (run, row["pod"])
            checked += 1
    assert checked >= 3


@needs_shared
def test_legacy_hidden_prefer_avoid_component_is_labelled_with_its_real_value():
    run = "b-heterogeneous-5nodes"
    result = reconciled(str(legacy_log(run)))
    if not any(s.hidden for a in result.attempts for n in a.nodes for s in n.scores):
        pytest.skip("the reconcile stage does not fill hidden components yet")
    truth = facts(LAB / "v1.14.1" / run / "facts.json")
    doc = parse(render_html(result))
    # every attempt has a nodes table now (an unschedulable one lists its failed nodes)
    for want, rows in zip(truth["attempts"], doc.all("nodes"), strict=True):
        if not want.get("totals_from_PrioritizeNodes"):
            continue
        avoid = want["priority_final_scores"]["NodePreferAvoidPodsPriority"]
        for row in rows:
            node = row["node"].lstrip("★ ")
            if node in avoid:
                cell = row["NodePreferAvoidPodsPriority"]
                assert cell == f"{avoid[node] * 10000} hidden", (want["pod"], node)
    assert "NodePreferAvoidPodsPriority" in render_html(result).split("Hidden components")[1][:300]


def tiny(pod: str = "ns/web", hidden: bool = True) -> AnalysisResult:
    """A two-node attempt with one visible and (optionally) one hidden component."""
    def node(name: str, visible: int, extra: int) -> NodeResult:
        scores = (Score("TaintToleration", weighted=visible, provenance={"weighted": "observed"}),
                  Score("NodePreferAvoidPodsPriority", weighted=extra, hidden=hidden,
                        provenance={"weighted": "inferred"}))
        return NodeResult(name, total_logged=visible + extra, scores=scores)

    attempt = Attempt(pod=pod, attempt=1, selected_node="n1", nodes=(node("n1", 7, 100000), node("n2", 9, 0)))
    return AnalysisResult(inputs=("x.log",), format=FormatInfo(era="legacy-1.10-1.16"),
                          lines=LineCounts(total=3), attempts=(attempt,))


def test_hidden_components_are_marked_in_the_table_and_named_in_a_note():
    doc = parse(render_html(tiny()))
    rows = doc.table("nodes")
    assert [r["NodePreferAvoidPodsPriority"] for r in rows] == ["100000 hidden", "0 hidden"]
    assert [r["TaintToleration"] for r in rows] == ["7", "9"]
    page_text = render_html(tiny())
    assert "Hidden components (hidden: not printed in the log): NodePreferAvoidPodsPriority" in page_text
    assert "hidden" not in " ".join(r["NodePreferAvoidPodsPriority"] for r in parse(
        render_html(tiny(hidden=False))).table("nodes"))


def test_everything_from_the_log_is_escaped():
    evil = "<script>alert(1)</script>"
    result = tiny(pod=f"ns/{evil}")
    a = result.attempts[0]
    evil_node = replace(a.nodes[0], node='"><img src=x onerror=alert(2)>')
    result = replace(result, inputs=(f"/tmp/{evil}.log",),
                     attempts=(replace(a, nodes=(evil_node, a.nodes[1]), selected_node=evil_node.node),))
    page_text = render_html(result)
    assert "<script>alert" not in page_text
    assert page_text.count("<script") == 2  # the page's own: its data block and its one script
    assert "<img src=x" not in page_text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page_text
    assert parse(page_text).table("attempt-table")[0]["pod"] == f"ns/{evil}"


def test_page_loads_nothing_from_the_network():
    page_text = render_html(tiny())
    assert "default-src 'none'" in page_text
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page_text)


@needs_shared
def test_big_logs_are_summarized_and_say_so():
    result = reconciled(str(log_of("framework", "v1.30.6-five-nodes")))
    page_text = render_html(result, max_sections=3, max_rows=5)
    doc = parse(page_text)
    assert len(doc.sections) == 3
    assert len(doc.table("attempt-table")) == 5
    assert "Detail sections are drawn for the first 3 attempts of 9" in page_text
    assert "the table lists the first 5" in page_text


@needs_shared
def test_pod_filter_and_cli(tmp_path):
    log = str(log_of("framework", "v1.30.6-five-nodes"))
    out = tmp_path / "r.html"
    done = CliRunner().invoke(app, ["report", log, "-o", str(out), "--pod", "default/huge-cpu", "-q"])
    assert done.exit_code == 0, done.output
    doc = parse(out.read_text())
    assert [r["pod"] for r in doc.table("attempt-table")] == ["default/huge-cpu"]
    assert "0/5 nodes are available: 1 node(s) had untolerated taint {gpu: true}" in out.read_text()
    missing = CliRunner().invoke(app, ["report", log, "-o", str(out), "--pod", "default/nope"])
    assert missing.exit_code == 2 and "no attempt for pod default/nope" in missing.output
    bad = CliRunner().invoke(app, ["report", str(tmp_path / "none.log"), "-o", str(out)])
    assert bad.exit_code == 2 and "Traceback" not in bad.output


@needs_shared
def test_public_prefer_no_schedule_excerpt_shows_its_real_scores():
    """SOURCES.md facts of 06: kind-worker2 696 (TaintToleration 300) beats kind-worker 396 and is chosen."""
    doc = parse(render_html(reconciled(str(public("06-")))))
    row = doc.table("attempt-table")[0]
    assert (row["pod"], row["node"], row["total"], row["runner-up"], row["margin"]) == (
        "default/taint-toleration-test", "kind-worker2", "696", "kind-worker", "300")
    nodes = {r["node"].lstrip("★ "): r for r in doc.table("nodes")}
    assert nodes["kind-worker"]["PodTopologySpread"] == "200"
    assert nodes["kind-worker"]["NodeResourcesFit"] == "97"
    assert (nodes["kind-worker"]["TaintToleration"], nodes["kind-worker2"]["TaintToleration"]) == ("0", "300")
    assert doc.table("deciders") == [{"plugin that gave the winner its largest lead over the runner-up":
                                      "TaintToleration", "attempts": "1"}]


@needs_shared
@pytest.mark.parametrize("path", sorted(PUBLIC.glob("*.log")) if PUBLIC.is_dir() else [],
                         ids=lambda p: p.name[:2])
def test_every_public_excerpt_renders_one_row_and_section_per_attempt(path):
    result = reconciled(str(path))
    doc = parse(render_html(result))
    assert [(r["pod"], int(r["attempt"])) for r in doc.table("attempt-table")] == [
        (a.pod, a.attempt) for a in result.attempts]
    assert len(doc.sections) == len(result.attempts)


@needs_shared
def test_gap_chart_shows_what_each_plugin_cost_the_runner_up():
    """Public excerpt 06: kind-worker is 300 behind kind-worker2, all of it TaintToleration (0 vs 300)."""
    page_text = render_html(reconciled(str(public("06-"))))
    chart = page_text.split('<svg class="gap-chart"')[1].split("</svg>")[0]
    assert "<title>TaintToleration: 300 points behind the winner (derived)</title>" in chart
    assert ">300 behind</text>" in chart
    assert "kind-worker (396)" in chart


@pytest.fixture(scope="module")
def hundred_nodes(tmp_path_factory) -> tuple[AnalysisResult, str]:
    """A generated 1.30 log of 100 nodes and 4 pods, analyzed and rendered."""
    result = reconciled(str(generated_log(tmp_path_factory.mktemp("synth"), nodes=100, pods=4, seed=5)))
    return result, render_html(result)


def totals_of(attempt: Attempt) -> dict[str, int]:
    return {n.node: n.total_logged for n in attempt.nodes if n.total_logged is not None}


def test_each_attempt_shows_its_top_ten_and_counts_the_rest(hundred_nodes):
    result, page_text = hundred_nodes
    doc = parse(page_text)
    tables, rests = doc.all("nodes"), re.findall(r'<p class="rest">(.*?)</p>', page_text)
    assert len(tables) == len(rests) == len(result.attempts) == 4
    for attempt, rows, rest in zip(result.attempts, tables, rests, strict=True):
        totals = totals_of(attempt)
        assert len(totals) == 100
        assert len(rows) == 10
        assert rows[0]["node"] == f"★ {attempt.winner}"
        shown = [(r["node"].lstrip("★ "), int(r["total logged"])) for r in rows]
        assert all(totals[node] == total for node, total in shown)
        others = sorted((t for n, t in totals.items() if n != attempt.winner), reverse=True)
        assert [t for _, t in shown[1:]] == others[:9]
        assert [int(r["gap"]) for r in rows] == [totals[attempt.winner] - t for _, t in shown]
        low, high = min(others[9:]), max(others[9:])
        assert rest == f"90 more feasible nodes (totals {low}–{high})."
    assert [d["data-attempt"] for d in doc.details] == [f"attempt-{i}" for i in range(4)]


def test_every_node_stays_in_the_page_data(hundred_nodes):
    result, page_text = hundred_nodes
    blocks = [text for attrs, text in parse(page_text).scripts if attrs.get("type") == "application/json"]
    assert len(blocks) == 1
    data = json.loads(blocks[0])
    for seq, attempt in enumerate(result.attempts):
        got = data["attempts"][f"attempt-{seq}"]
        names = [data["names"][i] for i in (got["node"] or range(len(got["filter"])))]
        assert dict(zip(names, got["logged"], strict=True)) == totals_of(attempt)
        assert got["winner"] == attempt.winner
        assert got["recomputed"] is None or len(got["recomputed"]) == 100
        by_plugin = dict(zip(got["plugins"], got["values"], strict=True))
        for node in attempt.nodes[:5]:
            for score in node.scores:
                assert by_plugin[score.plugin][names.index(node.node)] == score.weighted


def test_heat_map_keeps_the_nodes_near_the_top(hundred_nodes):
    result, page_text = hundred_nodes
    rows = parse(page_text).table("heatmap")
    assert len(rows) == len(result.attempts)
    columns = [c for c in rows[0] if c not in ("attempt", "scored nodes")]
    assert 1 < len(columns) <= 12
    assert {a.winner for a in result.attempts} <= set(columns)
    for attempt, row in zip(result.attempts, rows, strict=True):
        totals = totals_of(attempt)
        assert {c: int(row[c]) for c in columns} == {c: totals[c] for c in columns}


def test_ties_are_neutral_not_errors(hundred_nodes):
    result, page_text = hundred_nodes
    rows = parse(page_text).table("attempt-table")
    ties = [a for a in result.attempts if any(d.kind == "tie" for d in a.discrepancies)]
    assert ties, "the generated log should hold a tie"
    assert sum(r["margin"] == "0 tie" for r in rows) == len(ties)
    assert all(d.explained for a in result.attempts for d in a.discrepancies)
    assert " bad" not in page_text.split('id="attempt-table"')[1]
    overview = page_text.split('id="discrepancy-kinds"')[1].split("</table>")[0]
    assert "Discrepancies" not in overview and "tie <span class=\"muted\">(a random pick, not an error)" in overview


def test_the_one_script_is_allowed_by_its_hash_and_nothing_else_runs(hundred_nodes):
    doc = parse(hundred_nodes[1])
    csp = next(m["content"] for m in doc.metas if m.get("http-equiv") == "Content-Security-Policy")
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    code = [text for attrs, text in doc.scripts if attrs.get("type") != "application/json"]
    assert len(code) == 1
    digest = base64.b64encode(hashlib.sha256(code[0].encode()).digest()).decode()
    assert directives["script-src"] == f"'sha256-{digest}'"
    assert directives["default-src"] == "'none'"


def test_names_in_the_data_block_cannot_close_it():
    evil = "</script><script>alert(1)</script>"
    nodes = tuple(NodeResult(f"n{i}" if i else evil, total_logged=100 - i,
                             scores=(Score("TaintToleration", weighted=100 - i),)) for i in range(12))
    attempt = Attempt(pod="ns/p", attempt=1, selected_node=evil, nodes=nodes)
    page_text = render_html(AnalysisResult(inputs=("x.log",), format=FormatInfo(), lines=LineCounts(total=1),
                                           attempts=(attempt,)))
    assert "<script>alert" not in page_text
    block = next(t for a, t in parse(page_text).scripts if a.get("type") == "application/json")
    assert evil in json.loads(block)["names"]


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@needs_shared
@pytest.mark.parametrize("quiet", [False, True])
def test_report_progress_is_one_line_rewritten_then_cleared(tmp_path, monkeypatch, quiet):
    from analyzer.cli import report as report_cli

    terminal = Terminal()
    monkeypatch.setattr(report_cli.sys, "stderr", terminal)
    log = str(log_of("framework", "v1.30.6-five-nodes"))
    report_cli.report([log], out=tmp_path / "r.html", pod=None, png_dir=None, quiet=quiet)
    text = terminal.getvalue()
    if quiet:
        assert text == ""
        return
    steps = text.split(report_cli.ERASE_LINE)
    assert steps[1:-1] == [f"rendering the report: {i}/9 attempts" for i in range(1, 10)]
    assert steps[-1] == f"wrote {tmp_path / 'r.html'}\n"  # the line was cleared before the last message


def test_a_huge_hidden_gap_is_drawn_shortened_so_small_differences_stay_visible():
    """tiny(): n2 is 99998 behind n1: 100000 of hidden NodePreferAvoidPods, but 2 ahead on TaintToleration."""
    from analyzer.report.svg import TAIL_RATIO

    chart = render_html(tiny()).split('<svg class="gap-chart"')[1].split("</svg>")[0]
    widths = {title: float(width) for width, title in re.findall(
        r'<rect x="[\d.]+" y="\d+" width="([\d.]+)"[^>]*><title>([^<]+)</title>', chart)}
    assert set(widths) == {
        "NodePreferAvoidPodsPriority: 100,000 points behind the winner (derived; drawn shortened)",
        "TaintToleration: 2 points ahead of the winner (derived)"}
    hidden, ahead = (widths[t] for t in sorted(widths))
    assert ahead > 10 and hidden == pytest.approx(ahead * TAIL_RATIO, rel=0.01)
    assert ">99,998 behind</text>" in chart and "parts shortened" in chart


@pytest.mark.parametrize(("nodes", "pods", "budget_mb"), [(100, 21, 1.5), (2000, 3, 5.0)])
def test_report_stays_within_its_size_budget(tmp_path, nodes, pods, budget_mb):
    """Issue 11's page budget: a 100-node, 21-attempt log <= 1.5 MB; a log of thousands of nodes <= 5 MB
    (the time budget is measured by benchmarks/report.py, not here)."""
    result = reconciled(str(generated_log(tmp_path, nodes=nodes, pods=pods, seed=7)))
    assert len(result.attempts) == pods and all(len(a.nodes) == nodes for a in result.attempts)
    size = len(render_html(result).encode())
    assert size <= budget_mb * 1e6, f"{size / 1e6:.2f} MB"
