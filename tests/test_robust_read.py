"""The read stage on its own (issue 6): line splitting, encodings and repairs, without the shared corpus."""

from __future__ import annotations

import codecs
import gzip
from pathlib import Path

import pytest
from conftest import physical_line_count
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analyzer import analyze_paths
from analyzer.read import sources
from analyzer.read.sources import InputError, iter_physical_lines
from analyzer.read.wrappers import unwrap_lines

LINE = 'I1128 16:09:06.433149   12473 schedule_one.go:84] "Attempting to schedule pod" pod="default/web-1"'


def read(tmp_path: Path, data: bytes, name: str = "in.log") -> tuple[list, list[str]]:
    path = tmp_path / name
    path.write_bytes(data)
    notes: list[str] = []
    return list(iter_physical_lines(str(path), 0, notes)), notes


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=300), cuts=st.lists(st.integers(0, 300), max_size=6))
def test_split_lines_is_independent_of_chunk_boundaries(data, cuts):
    bounds = sorted({0, len(data), *(c for c in cuts if c <= len(data))})
    chunks = [data[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]
    got = [line for line, _, _ in sources._split_lines(iter(chunks))]
    expected = data.split(b"\n")
    if expected and expected[-1] == b"":
        expected.pop()
    assert got == expected


def test_utf16_with_bom_is_decoded(tmp_path):
    """PowerShell 5 `kubectl logs ... > x.log` writes UTF-16LE with a BOM."""
    text = (LINE + "\r\n") * 3
    lines, notes = read(tmp_path, codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    assert [ln.text for ln in lines] == [LINE] * 3
    assert notes[0].endswith("UTF-16 text, decoded")
    assert "3 lines with CRLF line ends" in notes[1]


def test_utf8_bom_is_dropped(tmp_path):
    lines, notes = read(tmp_path, codecs.BOM_UTF8 + (LINE + "\n").encode())
    assert [ln.text for ln in lines] == [LINE] and not lines[0].damaged and notes == []


def test_copytruncate_leading_nuls_are_skipped_and_reported(tmp_path):
    lines, notes = read(tmp_path, b"\0" * 70000 + (LINE + "\n" + LINE + "\n").encode())
    assert [ln.text for ln in lines] == [LINE, LINE]
    assert [ln.damaged for ln in lines] == [True, False]
    assert notes == [f"{tmp_path / 'in.log'}: 1 line with a run of NUL bytes before the text "
                     "(a file truncated in place, e.g. by copytruncate; skipped), first at line 1"]


def test_repairs_are_counted_per_kind(tmp_path):
    data = (LINE + "\r\n").encode() + b"bad \xff byte\n" + b"in\0side\n" + b"clean\n" + b"cut"
    lines, notes = read(tmp_path, data)
    assert [ln.damaged for ln in lines] == [True, True, True, False, True]
    assert [ln.text for ln in lines] == [LINE, "bad \ufffd byte", "in\0side", "clean", "cut"]
    kinds = [n.split(": ", 1)[1] for n in notes]
    assert kinds == ["1 line with invalid UTF-8 (bad bytes shown as U+FFFD), first at line 2",
                     "1 line with NUL bytes inside the line (kept), first at line 3",
                     "1 line with CRLF line ends (CR removed), first at line 1",
                     "1 line with no line end: the input stops mid-line, first at line 5"]


def test_gzip_members_padding_and_truncation(tmp_path):
    a, b = gzip.compress(b"one\ntwo\n"), gzip.compress(b"three\n")
    lines, notes = read(tmp_path, a + b + b"\0" * 100, "x.gz")
    assert [ln.text for ln in lines] == ["one", "two", "three"] and notes == []
    lines, notes = read(tmp_path, (a + b)[:-12], "y.gz")
    assert [ln.text for ln in lines][:2] == ["one", "two"]
    assert any("compressed data ends early (truncated .gz, gzip member 2)" in n for n in notes)


def test_binary_stdin_raises_input_error(monkeypatch):
    import io

    class FakeStdin:
        buffer = io.BytesIO(b"\x7fELF" + bytes(range(1, 200)))

    monkeypatch.setattr(sources.sys, "stdin", FakeStdin)
    with pytest.raises(sources.InputError, match="stdin: looks like an executable"):
        list(iter_physical_lines("-", 0, []))


def test_cri_runs_per_stream_and_lost_final_fragment():
    phys = [sources.PhysicalLine(0, i + 1, t) for i, t in enumerate([
        "2026-01-01T00:00:00Z stderr P I0101 00:00:00.000001       1 a.go:1] first ",
        "2026-01-01T00:00:00Z stdout F unrelated stdout line",
        "2026-01-01T00:00:00Z stderr F half",
        "2026-01-01T00:00:01Z stderr P I0101 00:00:01.000001       1 a.go:1] lost its F ",
        "2026-01-01T00:00:02Z stderr F I0101 00:00:02.000001       1 a.go:1] next record",
        "2026-01-01T00:00:03Z stderr P never finished",
    ])]
    out = [(ln.number, ln.text, ln.joined, ln.damaged) for ln in unwrap_lines(phys)]
    assert out == [
        (2, "unrelated stdout line", 0, False),
        (1, "I0101 00:00:00.000001       1 a.go:1] first half", 1, False),
        (4, "I0101 00:00:01.000001       1 a.go:1] lost its F ", 0, True),
        (5, "I0101 00:00:02.000001       1 a.go:1] next record", 0, False),
        (6, "never finished", 0, True),
    ]
    assert sum(1 + j for _, _, j, _ in out) == len(phys)


NOISE = settings(max_examples=50, deadline=None, derandomize=True, database=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@NOISE
@given(junk=st.binary(max_size=2000))
def test_arbitrary_bytes_never_crash(tmp_path_factory, junk):
    out = tmp_path_factory.mktemp("junk") / "junk.log"
    out.write_bytes(junk)
    try:
        result = analyze_paths([str(out)])
    except InputError as exc:  # rejected up front as binary: the designed outcome, one line of text
        assert "\n" not in str(exc) and str(out) in str(exc)
        return
    c = result.lines
    assert c.parsed + c.ignored + c.unrecognized == c.total == physical_line_count(out)


@NOISE
@given(text=st.lists(st.sampled_from([
    "I1128 16:09:06.433149   12473 schedule_one.go:84] ",
    '"Attempting to schedule pod" pod="default/web-1"',
    ' node="worker-large" score=', "=<", " >", "\t", "{", '{"msg":"', '"}', "\r", "\x00", "\ufffd",
    "Host node1 => Score 100", "\n", "P ", "2026-11-28T16:09:06.0Z stderr ",
]), max_size=60).map("".join))
def test_scheduler_shaped_noise_never_crashes(tmp_path_factory, text):
    out = tmp_path_factory.mktemp("noise") / "noise.log"
    out.write_bytes(text.encode())
    result = analyze_paths([str(out)])
    c = result.lines
    assert c.parsed + c.ignored + c.unrecognized == c.total == physical_line_count(out)


@pytest.mark.parametrize("rot", [b"\x1f\x8b", b"\x89PNG", b"PK\x03\x04", b"\x7fELF"])
def test_a_log_whose_first_bytes_rotted_into_a_magic_number_is_still_read(tmp_path, rot):
    """Found by tests/fuzz_parser.py: the first bytes of a text log overwritten by an archive's magic."""
    text = (LINE + "\n") * 3
    lines, notes = read(tmp_path, rot + text.encode()[len(rot):])
    assert len(lines) == 3 and [ln.text for ln in lines[1:]] == [LINE, LINE]
    sources.check_input(str(tmp_path / "in.log"))  # not rejected as an image or archive
