"""What people read at real cluster size: explain, attempts and errors on a generated 1,000-node log and
on real lab logs -- 80 columns, ranked, never a cut name, plain when piped, one-line errors."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import REPO, framework_log, legacy_log, needs_shared
from rich.console import Console
from typer.testing import CliRunner

from analyzer import __version__
from analyzer.cli import app, common
from analyzer.model import Attempt, FilterVerdict, NodeResult, Outcome, Score
from analyzer.report.explain_text import ExplainView, abbreviations, explain_lines
from analyzer.report.tables import Column, TableData, plain_lines, render_table
from analyzer.report.text import render_attempts
from analyzer.synth import write_log

BOX = re.compile("[\u2500-\u257f]")  # box-drawing characters
runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(autouse=True)
def width_80(monkeypatch):
    """The console width the issue asks for (rich reads $COLUMNS at each print)."""
    monkeypatch.setenv("COLUMNS", "80")


def _synth_log(tmp_path_factory, nodes: int) -> Path:
    """A 1.30 text log of 3 pods on ``nodes`` nodes (1,000 nodes: about 5 MB)."""
    path = tmp_path_factory.mktemp("synth") / f"{nodes}-nodes.log"
    with path.open("w", encoding="utf-8") as out:
        write_log(out, "1.30", nodes=nodes, pods=3, seed=7)
    return path


@pytest.fixture(scope="module")
def big_log(tmp_path_factory) -> Path:
    return _synth_log(tmp_path_factory, 1000)


@pytest.fixture(scope="module")
def small_log(tmp_path_factory) -> Path:
    """The same shapes on 20 nodes, for the YAML round trips (a 1,000-node YAML is slow to parse in Python)."""
    return _synth_log(tmp_path_factory, 20)


@pytest.fixture(scope="module")
def big_attempts(big_log) -> list[dict]:
    res = runner.invoke(app, ["attempts", str(big_log), "-o", "json", "-q"])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)["attempts"]


def _table_rows(lines: list[str]) -> list[list[str]]:
    """The ranking table's data rows (between the 'rank node total gap' header and the first blank line)."""
    start = next(i for i, line in enumerate(lines) if line.split()[:4] == ["rank", "node", "total", "gap"])
    rows = []
    for line in lines[start + 1:]:
        if not re.match(r"^ *(\d+  |\.\.\.$)", line):  # a rank and the two-space column gap, or a gap row
            break
        rows.append(line.split())
    return rows


# -- explain ------------------------------------------------------------------------------------------
def test_explain_default_fits_80_columns_and_40_lines_on_1000_nodes(big_log, big_attempts):
    attempt = next(a for a in big_attempts if a["outcome"] == "bound")
    res = run("explain", big_log, "--pod", attempt["pod"], "-q")
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert len(lines) <= 40, res.stdout
    assert max(map(len, lines)) <= 80, res.stdout
    assert not BOX.search(res.stdout)
    rows = _table_rows(lines)
    assert len(rows) == 10  # the winner and the top 10, nothing else
    winner = attempt["bound_node"]
    assert rows[0][1] == winner and rows[0][2] == "*"
    totals = {n["node"]: n["total_logged"] for n in attempt["nodes"] if n["total_logged"] is not None}
    shown = [int(r[3] if r[2] in "*=" else r[2]) for r in rows]
    assert shown == sorted(shown, reverse=True) and shown[0] == totals[winner] == max(totals.values())
    rest = sorted(t for node, t in totals.items() if node not in {r[1] for r in rows})
    assert f"{len(rest):,} more feasible nodes (totals {rest[0]}-{rest[-1]};" in res.stdout
    assert f"{attempt['pod']} attempt 1: bound -> {winner}" == lines[0]
    assert "columns: " in res.stdout and "NRF=NodeResourcesFit" in res.stdout


def test_explain_node_answers_why_not(big_log, big_attempts):
    attempt = next(a for a in big_attempts if a["outcome"] == "bound")
    totals = {n["node"]: n["total_logged"] for n in attempt["nodes"] if n["total_logged"] is not None}
    far = min(totals, key=lambda n: (totals[n], n))  # the last-ranked node
    res = run("explain", big_log, "--pod", attempt["pod"], "--node", far, "-q")
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert max(map(len, lines)) <= 80
    rows = _table_rows(lines)
    assert rows[10][0] == "..." and rows[11][1] == far  # after a gap, at its own rank
    assert int(rows[11][0]) == 1 + sum(t > totals[far] for t in totals.values())
    why = lines.index(next(line for line in lines if line.startswith(f"why not {far}?")))
    gap = totals[attempt["bound_node"]] - totals[far]
    assert f"total {totals[far]}: {gap} behind the winner" in " ".join(lines[why:why + 2])
    head = next(i for i in range(why, len(lines)) if lines[i].split()[:2] == ["plugin", "winner"])
    end = next(i for i in range(head, len(lines)) if lines[i].split()[0] == "total")
    costs = [int(line.split()[-1]) for line in lines[head + 1:end]]
    assert costs == sorted(costs, reverse=True) and sum(costs) == gap  # the plugins add up to the gap
    assert lines[end].split() == ["total", str(totals[attempt["bound_node"]]), str(totals[far]), str(gap)]


def test_explain_all_lists_every_node_and_json_is_unchanged(big_log, big_attempts):
    attempt = big_attempts[0]
    res = run("explain", big_log, "--pod", attempt["pod"], "--all", "-q")
    assert len(_table_rows(res.stdout.splitlines())) == sum(1 for n in attempt["nodes"] if n["scores"])
    data = json.loads(run("explain", big_log, "--pod", attempt["pod"], "-o", "json", "-q").stdout)
    assert set(data) == {"schema", "pod", "attempts"}
    exp = data["attempts"][0]["explanation"]
    assert set(exp) == {"winner", "winner_total", "runner_up", "margin", "tied_with", "losers"}
    assert len(exp["losers"]) == len(attempt["nodes"]) - 1
    assert set(exp["losers"][0]) == {"node", "total", "margin", "behind_on", "ahead_on"}


def test_explain_unknown_node_is_one_line_exit_2(big_log, big_attempts):
    res = run("explain", big_log, "--pod", big_attempts[0]["pod"], "--node", "worker-nope", "-q")
    assert res.exit_code == 2 and "no attempt names node worker-nope" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


@needs_shared
def test_explain_real_legacy_log_in_80_columns():
    res = run("explain", legacy_log("b-heterogeneous-5nodes"), "--pod", "ml/ml-train-5c4f7", "--node", "master-0")
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert max(map(len, lines)) <= 80 and len(lines) <= 40
    rows = _table_rows(lines)
    assert [(r[0], r[1], r[3] if r[2] == "*" else r[2]) for r in rows] == [("1", "worker-large-3", "100038"),
                                                                           ("2", "worker-std-2", "100030")]
    assert "winner worker-large-3 with 100038; runner-up worker-std-2 by 8" in res.stdout
    assert "3 nodes filtered out (inferred; reasons not logged per node)" in res.stdout
    assert "why not master-0? it did not pass filtering (inferred)" in res.stdout
    # the hidden component is named as inferred, never as a logged fact
    assert "NodePreferAvoidPodsPriority (hidden: not logged, inferred) 100000" in " ".join(lines)


@needs_shared
def test_explain_unschedulable_real_log_gives_the_counts_and_reasons():
    res = run("explain", framework_log("v1.30.6-five-nodes"), "--pod", "default/huge-cpu")
    assert res.exit_code == 0, res.output
    assert "nodes: 5 evaluated, 0 feasible (from the failure message), 0 scored in the log" in res.stdout
    assert "5 nodes filtered out (derived; reasons below)" in res.stdout
    assert re.search(r"^\s+3  Insufficient cpu$", res.stdout, re.M)


def test_explain_fits_80_columns_with_long_names_and_many_plugins():
    plugins = [f"OutOfTreePlugin{chr(65 + i)}Score" for i in range(12)]
    nodes = tuple(NodeResult(f"ip-10-0-{i}-17.eu-west-1.compute.internal", FilterVerdict.PASSED,
                             total_logged=sum(i * k for k in range(12)),
                             scores=tuple(Score(p, weighted=i * k) for k, p in enumerate(plugins)))
                  for i in range(30))
    attempt = Attempt("ns/pod", 1, outcome=Outcome.BOUND, bound_node=nodes[-1].node, nodes=nodes)
    lines = explain_lines(attempt, ExplainView(width=80))
    assert max(map(len, lines)) <= 80, "\n".join(lines)
    assert any(line.startswith("not shown, too narrow: ") for line in lines)  # the rest are named, not lost
    assert _table_rows(lines)[0][:3] == ["1", nodes[-1].node, "*"]
    wide = explain_lines(attempt, ExplainView(width=80, wide=True))
    header = next(line for line in wide if line.startswith("rank"))
    assert all(p in header for p in plugins)  # -o wide: every plugin under its full name


def test_abbreviations_are_unique_and_short():
    short = abbreviations(["NodeResourcesFit", "NodeResourcesFitness", "ImageLocalityPriority", "my-plugin"])
    assert short == {"NodeResourcesFit": "NRF", "NodeResourcesFitness": "NRF2", "ImageLocalityPriority": "IL",
                     "my-plugin": "my-"}


# -- attempts and tables ------------------------------------------------------------------------------
def test_attempts_piped_is_plain_full_names_and_no_headers(big_log, big_attempts):
    res = run("attempts", big_log, "-q")
    assert res.exit_code == 0 and not BOX.search(res.stdout)
    lines = res.stdout.splitlines()
    assert lines[0].split()[:5] == ["pod", "#", "outcome", "node", "eval/feasible"]
    assert [line.split()[0] for line in lines[1:]] == [a["pod"] for a in big_attempts]
    assert lines[1].split()[4] == f"{big_attempts[0]['evaluated_nodes']}/{big_attempts[0]['feasible_nodes']}"
    bare = run("attempts", big_log, "-q", "--no-headers").stdout.splitlines()
    assert [line.split() for line in bare] == [line.split() for line in lines[1:]]
    wide = run("attempts", big_log, "-q", "-o", "wide").stdout.splitlines()
    assert wide[0].split()[-4:] == ["started", "profile", "lines", "note"]



def test_yaml_is_the_json_data(small_log):
    pod = json.loads(run("attempts", small_log, "-q", "-o", "json").stdout)["attempts"][0]["pod"]
    for args in (["attempts"], ["summary"], ["check"], ["explain", "--pod", pod]):
        as_yaml = run(*args[:1], small_log, *args[1:], "-q", "-o", "yaml")
        as_json = run(*args[:1], small_log, *args[1:], "-q", "-o", "json")
        assert as_yaml.exit_code == as_json.exit_code and as_json.stdout.startswith("{"), as_json.output
        assert yaml.load(as_yaml.stdout, Loader=yaml.CSafeLoader) == json.loads(as_json.stdout), args


@needs_shared
def test_attempts_unschedulable_shows_the_logged_node_counts():
    res = run("attempts", framework_log("v1.30.6-five-nodes"))
    row = next(line.split() for line in res.stdout.splitlines() if line.startswith("default/huge-cpu "))
    assert row[2:5] == ["unschedulable", "-", "5/0"]  # "0/5 nodes are available"
    data = json.loads(run("attempts", framework_log("v1.30.6-five-nodes"), "-o", "json").stdout)
    huge = next(a for a in data["attempts"] if a["pod"] == "default/huge-cpu")
    assert huge["evaluated_nodes"] is None and huge["failure"]["total_nodes"] == 5  # the JSON stays as logged


def test_terminal_table_never_cuts_a_name():
    long_pod = "ingress-nginx/nginx-ingress-controller-5b6c8d7f4-m8r2t-with-a-very-long-suffix"
    table = TableData([Column("pod"), Column("node"), Column("note", optional=True)],
                      [[long_pod, "worker-0001", "a note that does not fit beside the pod name"]])
    out = io.StringIO()
    render_table(table, Console(file=out, width=60, force_terminal=True, color_system=None))
    assert long_pod in out.getvalue() and "worker-0001" in out.getvalue()
    assert "a note" not in out.getvalue()  # the optional column went first


def test_terminal_attempts_table_is_boxed_when_it_fits(big_attempts):
    out = io.StringIO()
    attempts = [Attempt(a["pod"], a["attempt"], outcome=Outcome(a["outcome"]), bound_node=a["bound_node"])
                for a in big_attempts]
    render_attempts(attempts, Console(file=out, width=200, force_terminal=True, color_system=None))
    assert BOX.search(out.getvalue()) and all(a.pod in out.getvalue() for a in attempts)


def test_plain_lines_align_and_mark_empty_cells():
    lines = plain_lines([Column("a"), Column("n", right=True), Column("z")], [["x", "1", ""], ["", "100", "t"]])
    assert lines == ["a    n  z", "x    1", "-  100  t"]


# -- inputs, errors, options --------------------------------------------------------------------------
@pytest.mark.parametrize("command", ["check", "summary", "report", "attempts", "snapshot", "export"])
def test_a_readme_is_not_a_scheduler_log(command, tmp_path):
    extra = {"report": ["--out", tmp_path / "r.html"], "export": ["--out-dir", tmp_path / "t"]}.get(command, [])
    res = run(command, REPO / "README.md", *extra)
    assert res.exit_code == 2, res.output
    assert res.stderr.count("\n") == 1 and "README.md: not a kube-scheduler log" in res.stderr
    assert not (tmp_path / "r.html").exists()


def test_a_startup_only_scheduler_log_is_still_a_log(tmp_path):
    log = tmp_path / "startup.log"
    log.write_text('I1128 16:00:00.000000   12407 server.go:150] "Starting Kubernetes Scheduler" version="v1.30.6"\n'
                   "I1128 16:00:00.100000   12407 reflector.go:243] Listing and watching *v1.Node from "
                   "k8s.io/client-go/informers/factory.go:134\n")
    for command in ("summary", "check", "attempts"):
        assert run(command, log).exit_code == 0, command


@needs_shared
def test_every_corpus_log_is_accepted():
    from conftest import LAB, PUBLIC, analysis

    logs = sorted(PUBLIC.glob("*.log")) + sorted(LAB.rglob("*.log"))
    assert len(logs) > 20
    for log in logs:
        result = analysis(str(log))
        assert common.scheduler_line_count(result) > 0 or result.attempts, log


def test_version():
    res = run("--version")
    assert res.exit_code == 0 and res.stdout == f"schedlog {__version__}\n"


def test_missing_config_is_one_line_exit_2(big_log):
    res = run("attempts", big_log, "--config", "/missing.yaml")
    assert res.exit_code == 2
    assert res.stderr == "schedlog: --config /missing.yaml: no such file\n"


def test_old_dash_o_path_still_works_with_one_warning(small_log, tmp_path):
    report = run("report", small_log, "-o", tmp_path / "r.html", "-q")
    assert report.exit_code == 0 and (tmp_path / "r.html").stat().st_size > 1000
    assert report.stderr.count("\n") == 1 and "deprecated" in report.stderr and "--out " in report.stderr
    snap = run("snapshot", small_log, "-o", tmp_path / "s.json", "-q")
    assert snap.exit_code == 0 and json.loads((tmp_path / "s.json").read_text())["schema"]
    assert "use --out " in snap.stderr
    export = run("export", small_log, "-o", tmp_path / "t", "-q")
    assert export.exit_code == 0 and (tmp_path / "t" / "attempts.csv").exists()
    assert "use --out-dir " in export.stderr
    # -o is the format everywhere: these write no warning
    new = run("export", small_log, "--out-dir", tmp_path / "j", "-o", "json", "-q")
    assert new.exit_code == 0 and new.stderr == "" and (tmp_path / "j" / "attempts.jsonl").exists()
    assert run("snapshot", small_log, "-o", "json", "-q").stdout.startswith("{")


def _small_pipe() -> tuple[int, int]:
    read, write = os.pipe()
    try:
        import fcntl

        fcntl.fcntl(write, getattr(fcntl, "F_SETPIPE_SZ", 1031), 4096)  # the reader leaves before the end
    except (ImportError, OSError):
        pass
    return read, write


@pytest.mark.parametrize("args", [["explain", "--all"], ["explain", "--all", "-o", "json"], ["attempts", "-o", "wide"]])
def test_closed_pipe_ends_quietly_with_exit_0(big_log, big_attempts, args):
    read, write = _small_pipe()
    command = [sys.executable, "-m", "analyzer", args[0], str(big_log), "-q", *args[1:]]
    if args[0] == "explain":
        command += ["--pod", big_attempts[0]["pod"]]
    proc = subprocess.Popen(command, stdout=write, stderr=subprocess.PIPE, cwd=REPO)
    os.close(write)
    with os.fdopen(read, "rb") as reader:
        assert reader.readline()  # `| head -1`
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0 and err == b""


def test_progress_line_is_erased(tmp_path, monkeypatch):
    out = io.StringIO()
    monkeypatch.setattr(common, "stderr", Console(file=out, width=80))
    from analyzer.pipeline import Progress

    line = common.ProgressLine([str(tmp_path / "x.log")])
    line(Progress(0, 50_000, 2_000_000, 7))
    line(Progress(0, 100_000, 4_000_000, 9))
    line.clear()
    text = out.getvalue()
    assert text.count(common.ERASE_LINE) == 3 and text.endswith(common.ERASE_LINE) and "\n" not in text
    assert "9 cycles" in text


def test_another_components_log_is_not_a_scheduler_log(tmp_path):
    """A kubelet's journal: klog lines, but none a kube-scheduler writes (told by the journald name and
    the kubelet's source files)."""
    log = tmp_path / "kubelet.log"
    log.write_text(
        "May 21 20:52:25 node-1 kubelet[811]: I0521 20:52:25.101000     811 kubelet.go:2346] \"SyncLoop ADD\" "
        "source=\"api\" pods=[\"default/web-0\"]\n"
        "May 21 20:52:25 node-1 kubelet[811]: I0521 20:52:25.201000     811 kubelet_node_status.go:70] "
        "\"Attempting to register node\" node=\"node-1\"\n"
        "May 21 20:52:26 node-1 kubelet[811]: E0521 20:52:26.000000     811 kubelet.go:2412] \"Error getting node\" "
        "err=\"node \\\"node-1\\\" not found\"\n")
    res = run("summary", log)
    assert res.exit_code == 2 and "not a kube-scheduler log" in res.stderr
