"""The progress line: share of the file read, lines, lines/s and cycles found, on a terminal only."""

from __future__ import annotations

import io
import re

from rich.console import Console

from analyzer.pipeline import Progress, analyze_paths

HEAD = "I1128 16:{t}   12407 {file}] {msg}\n"


def _log(tmp_path, cycles: int, filler: int):
    lines = []
    for i in range(cycles):
        for j in range(filler + 1):
            n = len(lines)
            t = f"{n // 60_000_000:02d}:{n // 1_000_000 % 60:02d}.{n % 1_000_000:06d}"
            msg = f'"About to try and schedule pod" pod="ns/p{i}"' if j == 0 else "Listing and watching *v1.Node"
            lines.append(HEAD.format(t=t, file="reflector.go:243", msg=msg))
    path = tmp_path / "progress.log"
    path.write_text("".join(lines))
    return path


def test_progress_reports_lines_characters_and_cycles(tmp_path):
    path = _log(tmp_path, cycles=12, filler=9000)
    seen: list[Progress] = []
    result = analyze_paths([str(path)], progress=seen.append)
    assert [p.lines for p in seen] == [50_000, 100_000]
    with open(path, "rb") as fh:
        first = b"".join(fh.readline() for _ in range(100_000))
    assert seen[-1].chars == len(first)
    assert seen[0].cycles == 6 and seen[1].cycles == 12  # a cycle starts every 9001 lines
    assert result.lines.total == 12 * 9001 and result.lines.unrecognized == 0


def test_progress_line_on_a_terminal_only(tmp_path, monkeypatch):
    from analyzer.cli import common

    path = _log(tmp_path, cycles=1, filler=10)
    out = io.StringIO()
    monkeypatch.setattr(common, "stderr", Console(file=out, width=200))
    monkeypatch.setattr(common.sys.stderr, "isatty", lambda: False, raising=False)
    assert common.progress_for([str(path)], quiet=False) is None
    monkeypatch.setattr(common.sys.stderr, "isatty", lambda: True, raising=False)
    assert common.progress_for([str(path)], quiet=True) is None
    report = common.progress_for([str(path)], quiet=False)
    report(Progress(0, 50_000, 2_000_000, 7))
    report.clear()  # as every command does at its end: no progress line stays active for later tests
    text = out.getvalue()
    assert f"{path}: 2/0 MB, 50,000 lines" in text and "7 cycles" in text and "lines/s" in text


def test_an_error_while_the_report_renders_starts_on_a_clean_line(monkeypatch, capsys):
    """The report's rendering line registers as the active progress line, so `fail` erases it first."""
    import pytest
    import typer

    from analyzer.cli import common
    from analyzer.cli.report import RenderProgress

    monkeypatch.setattr(common, "stderr", Console(file=io.StringIO(), width=80))  # fail's own text goes here
    progress = RenderProgress("rendering the report")
    progress(3, 10)
    assert common.ProgressLine.active is progress
    with pytest.raises(typer.Exit):
        common.fail("report.html: cannot write (No space left on device)")
    err = capsys.readouterr().err
    assert err == common.ERASE_LINE + "rendering the report: 3/10 attempts" + common.ERASE_LINE
    assert common.ProgressLine.active is None


def test_the_reading_line_of_report_counts_the_png_files_drawn_so_far(tmp_path, monkeypatch, capsys):
    """report draws each attempt's PNG while the log is read: the progress line says how many are written."""
    import sys

    from analyzer.cli import common
    from analyzer.cli.report import report
    from analyzer.synth import write_log

    path = tmp_path / "pngs.log"
    with open(path, "w", encoding="utf-8") as fh:
        write_log(fh, "1.30", 3, pods=4, seed=2)
    with open(path, "a", encoding="utf-8") as fh:  # quiet lines after the attempts: a progress call at 50,000
        fh.writelines(HEAD.format(t=f"59:59.{n:06d}", file="reflector.go:243", msg="Listing and watching *v1.Node")
                      for n in range(60_000))
    line = io.StringIO()
    monkeypatch.setattr(common, "stderr", Console(file=line, width=300))
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    report([str(path)], out=tmp_path / "r.html", png_dir=tmp_path / "png", quiet=False)
    pngs = sorted(p.name for p in (tmp_path / "png").iterdir())
    drawn = len([p for p in pngs if "-attempt" in p])
    shown = re.search(r"lines/s, 4 cycles, (\d+) PNG files\r", line.getvalue())
    assert shown and 1 <= int(shown[1]) <= drawn == 4, line.getvalue()  # the last attempt ends with the log
    assert f"wrote {tmp_path / 'r.html'} and {len(pngs)} PNG files" in capsys.readouterr().err
    assert common.ProgressLine.active is None


def test_the_reading_line_has_no_png_count_without_png_dir(tmp_path, monkeypatch):
    from analyzer.cli import common
    from analyzer.cli.report import png_note

    assert png_note([])() == ""
    out = io.StringIO()
    monkeypatch.setattr(common, "stderr", Console(file=out, width=200))
    monkeypatch.setattr(common.sys.stderr, "isatty", lambda: True, raising=False)
    line = common.progress_for(["x.log"], quiet=False)
    line(Progress(0, 50_000, 2_000_000, 7))
    line.clear()
    assert out.getvalue().endswith("7 cycles" + common.ERASE_LINE)
