"""Full timestamps: the year from the log (wrapper, JSON ts), from --year, or from the file's mtime (inferred)."""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path

import pandas as pd
from conftest import framework_log, needs_shared, public
from typer.testing import CliRunner

from analyzer.analysis import analyze
from analyzer.cli import app
from analyzer.model import Attempt, SourceSpan
from analyzer.times import FullTimes

FIVE = "v1.30.6-five-nodes"


def at(raw: str, index: int = 0) -> Attempt:
    return Attempt(pod="ns/p", attempt=1, started_at=raw, span=SourceSpan(index, 1, 1))


def test_user_year_is_the_first_attempts_and_turns_with_the_calendar():
    times = FullTimes(["a.log"], year=2024)
    stamps = [times.of(at(raw)) for raw in ("--12-31T23:59:58.000001", "--01-01T00:00:03.500000")]
    assert [(t.text, t.provenance) for t in stamps] == [
        ("2024-12-31T23:59:58.000001", "user"), ("2025-01-01T00:00:03.500000", "user")]


def test_mtime_year_is_the_latest_that_is_not_after_the_file_was_written():
    written = datetime(2025, 1, 2, 8, 0).timestamp()
    times = FullTimes(["a.log"], mtimes={0: written})
    assert times.of(at("--12-31T23:59:58.000001")).text == "2024-12-31T23:59:58.000001"
    assert times.of(at("--01-02T07:59:00.000000")).text == "2025-01-02T07:59:00.000000"
    assert times.of(at("--01-02T07:59:00.000000")).provenance == "inferred"


def test_no_year_without_a_source_and_never_a_false_date():
    assert FullTimes(["-"]).of(at("--11-28T16:09:26.944401")).text is None  # stdin has no mtime
    leap = FullTimes(["a.log"], year=2025).of(at("--02-29T10:00:00.000000"))
    assert (leap.text, leap.provenance) == (None, None)
    assert FullTimes([]).of(at("2024-03-07T07:30:52.192068Z")).provenance == "observed"


@needs_shared
def test_a_lab_log_gets_the_year_of_its_modification_time(tmp_path):
    log = tmp_path / "five.log"
    log.write_bytes(framework_log(FIVE).read_bytes())
    written = datetime(2027, 1, 5, 12, 0).timestamp()  # the log says Nov 28: the November before
    os.utime(log, (written, written))
    frames = analyze(log).to_frames()
    attempts = frames["attempts"]
    assert str(attempts["started_at_time"].dtype) == "datetime64[us]"
    assert set(attempts["started_at_time_provenance"]) == {"inferred"}
    assert {t.year for t in attempts["started_at_time"]} == {2026}
    raw = attempts["started_at"].str.replace("--", "2026-", regex=False)
    assert list(pd.to_datetime(raw)) == list(attempts["started_at_time"])  # same clock, year added


@needs_shared
def test_a_cri_wrapped_log_carries_its_own_year(tmp_path):
    log = tmp_path / "cri.log"
    lines = framework_log(FIVE).read_text().splitlines()
    log.write_text("".join(f"2025-11-28T16:30:00.000000000Z stderr F {line}\n" for line in lines))
    data = analyze(log).to_dict()
    first = data["attempts"][0]
    assert first["started_at"].startswith("2025-11-28T16:0")
    assert (first["started_at_full"], first["started_at_full_provenance"]) == (first["started_at"], "observed")


@needs_shared
def test_json_logging_times_are_observed_and_json_keys_are_only_added():
    data = analyze(public("26-")).to_dict()
    first = next(a for a in data["attempts"] if a["started_at"])
    assert first["started_at"] == "2023-03-07T07:30:52.192068Z"
    assert first["started_at_full_provenance"] == "observed"
    keys = list(first)
    assert keys[keys.index("started_at"):keys.index("started_at") + 3] == [
        "started_at", "started_at_full", "started_at_full_provenance"]


@needs_shared
def test_year_option_reaches_json_and_the_exported_tables(tmp_path):
    log = str(framework_log(FIVE))
    runner = CliRunner()
    done = runner.invoke(app, ["--year", "2023", "attempts", log, "-o", "json", "-q"])
    assert done.exit_code == 0, done.output
    attempts = json.loads(done.stdout)["attempts"]
    assert {a["started_at_full"][:4] for a in attempts} == {"2023"}
    assert all(a["started_at_full"][4:] == a["started_at"][1:] for a in attempts)  # "--MM-DD..." kept
    out = tmp_path / "tables"
    done = runner.invoke(app, ["--year", "2023", "export", log, "-o", str(out), "-f", "csv", "-q"])
    assert done.exit_code == 0, done.output
    table = pd.read_csv(out / "attempts.csv")
    times = pd.to_datetime(table["started_at_time"])
    assert {t.year for t in times} == {2023} and set(table["started_at_time_provenance"]) == {"user"}
    assert [t.strftime("--%m-%dT%H:%M:%S.%f") for t in times] == list(table["started_at"])


def test_wrong_year_is_a_one_line_error():
    done = CliRunner().invoke(app, ["--year", "20x4", "summary", str(Path(__file__))])
    assert done.exit_code == 2 and "Traceback" not in done.output


@needs_shared
def test_attempts_table_shows_the_year_from_year_option_or_says_it_is_inferred(tmp_path):
    log = tmp_path / "five.log"
    log.write_bytes(framework_log(FIVE).read_bytes())
    os.utime(log, (datetime(2023, 12, 1).timestamp(),) * 2)
    runner = CliRunner()
    given = runner.invoke(app, ["--year", "2021", "attempts", str(log), "-q"])
    inferred = runner.invoke(app, ["attempts", str(log), "-q"])
    assert given.exit_code == inferred.exit_code == 0
    raw = analyze(str(log)).attempts[0].started_at  # e.g. --11-28T16:04:35.944401
    assert f"2021{raw[1:]}" in given.stdout and "inferred" not in given.stdout
    assert f"2023{raw[1:]}" in inferred.stdout
    assert "inferred" not in inferred.stdout  # piped: rows only, the note is for a terminal
    from rich.console import Console

    from analyzer.report.text import render_attempts
    result = analyze(str(log)).result
    screen = Console(record=True, width=200, force_terminal=True, color_system=None)
    render_attempts(list(result.attempts), screen, times=FullTimes.for_result(result))
    assert "inferred from the file's modification time" in screen.export_text()
