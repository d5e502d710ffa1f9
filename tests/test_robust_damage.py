"""Damaged real logs (issue 6): every case is built from a real lab log and must not crash.

For each case: every physical line lands in one bucket, what was unusual is visible (damaged count,
notes, unrecognized lines, incomplete attempts), and the complete attempts are the clean log's.
"""

from __future__ import annotations

import gzip
import re
from collections import Counter
from pathlib import Path

import pytest
from conftest import LAB, analysis, framework_log, legacy_log, needs_shared, physical_line_count, public
from strategies import (
    complete_signatures,
    corrupt,
    duplicate,
    gzip_bytes,
    interleave,
    join,
    read_lines,
    records,
    shift_dates,
    signature,
    splice,
    strip_headers,
    truncate,
    with_pid,
)

from analyzer import analyze_paths
from analyzer.model import AnalysisResult
from analyzer.parse.lines import FormatFeatures
from analyzer.pipeline import LineTally, iter_events

pytestmark = needs_shared

FIVE = "v1.30.6-five-nodes"
PID = b"12473"


@pytest.fixture(scope="module")
def lines() -> list[bytes]:
    return read_lines(framework_log(FIVE))


@pytest.fixture(scope="module")
def clean() -> AnalysisResult:
    return analysis(str(framework_log(FIVE)))


def analyze_bytes(tmp_path: Path, data: bytes, name: str = "damaged.log") -> AnalysisResult:
    """Analyze damaged bytes and check the invariant every case shares: the buckets add up."""
    path = tmp_path / name
    path.write_bytes(data)
    result = analyze_paths([str(path)])
    c = result.lines
    assert c.parsed + c.ignored + c.unrecognized == c.total
    if not name.endswith(".gz"):
        assert c.total == physical_line_count(path)
    return result


# Notes the line parser leaves; read_notes() leaves them out so these tests hold whether or not the
# pipeline copies the parser's notes into result.notes.
PARSER_NOTE_MARKS = ("file order kept", "repeated an earlier line exactly", "never got its closing '>'")


def read_notes(result: AnalysisResult) -> tuple[str, ...]:
    """The read stage's notes (encoding repairs, .gz damage) among the result's notes."""
    return tuple(n for n in result.notes if not any(mark in n for mark in PARSER_NOTE_MARKS))


def parser_notes(path: Path) -> list[str]:
    """Notes the line parser leaves (time going backwards, year turning, duplicates, open blocks)."""
    features = FormatFeatures()
    for _ in iter_events([str(path)], LineTally(), features):
        pass
    return [text for _, text in features.notes]


# The real log has one line out of time order: the bind goroutine's "Successfully bound" at line 380.
REAL_BACKWARDS = ("1 line carries a time earlier than the line before from the same process, "
                  "first at line 380; "
                  "file order kept")


def test_the_clean_log_is_what_the_cases_compare_with(clean):
    assert clean.lines.total == 409 and clean.lines.damaged == 0 and read_notes(clean) == ()
    assert parser_notes(framework_log(FIVE)) == [REAL_BACKWARDS]
    assert len(clean.attempts) == 9 and all(a.complete for a in clean.attempts)


# -- bytes --------------------------------------------------------------------------------------------
def test_nul_bytes_in_a_real_1_14_node_tree_line(tmp_path):
    """1.14 node_tree.go prints zone keys as region + ':\\x00:' + zone; with zone labels the log has NULs."""
    path = legacy_log("b-heterogeneous-5nodes")
    clean_result = analysis(str(path))
    raw = read_lines(path)
    nul = [ln.replace(b"in group  to", b"in group eu-west:\x00:eu-west-1a to") for ln in raw]
    changed = sum(a != b for a, b in zip(raw, nul, strict=True))
    assert changed == 5
    result = analyze_bytes(tmp_path, join(nul))
    assert result.lines.damaged == 5
    assert read_notes(result) == (f"{tmp_path / 'damaged.log'}: 5 lines with NUL bytes inside the line "
                                  "(kept), first at line 10",)
    assert (result.lines.parsed, result.lines.unrecognized) == (clean_result.lines.parsed, 0)
    assert complete_signatures(result) == complete_signatures(clean_result)


def test_invalid_utf8_outside_and_inside_attempts(tmp_path, lines, clean):
    # 42 informer lines get a Latin-1 byte; web-1's final-score line for worker-medium gets a cut sequence
    bad = [ln.replace(b"factory.go", b"f\xe4ctory.go") if 132 <= i < 192 else ln
           for i, ln in enumerate(lines)]
    k = next(i for i, ln in enumerate(lines) if b'"Calculated node\'s final score for pod"' in ln)
    bad[k] = bad[k] + b" \xc3"
    result = analyze_bytes(tmp_path, join(bad))
    assert result.lines.damaged == sum(b"\xe4" in ln for ln in bad) + 1 == 43
    assert read_notes(result) == (f"{tmp_path / 'damaged.log'}: 43 lines with invalid UTF-8 "
                                  "(bad bytes shown as U+FFFD), first at line 133",)
    # the informer lines are still ignored by their file name; the score line is not guessed at
    assert result.lines.unrecognized == 1 and result.lines.unrecognized_samples[0][1] == k + 1
    assert result.lines.unrecognized_samples[0][2].endswith("score=442 \ufffd")
    changed = [a.pod for a in result.attempts if signature(a) not in complete_signatures(clean)]
    assert changed == ["default/web-1"]
    assert result.attempts[0].node("worker-medium").total_logged is None
    assert len(complete_signatures(result)) == 9


def test_invalid_utf8_closing_a_multiline_value_does_not_swallow_the_log(tmp_path, lines, clean):
    """The ' >' that closes the config dump gets junk: the next klog header must still end the block."""
    k = lines.index(b" >")
    bad = lines[:k] + [b" >\xff\xfe"] + lines[k + 1:]
    result = analyze_bytes(tmp_path, join(bad))
    assert result.lines.damaged == 1
    assert complete_signatures(result) == complete_signatures(clean)
    assert parser_notes(tmp_path / "damaged.log") == [
        "line 2: a multi-line value (key=<) never got its closing '>'", REAL_BACKWARDS]


def test_crlf_line_ends(tmp_path, lines, clean):
    result = analyze_bytes(tmp_path, join(lines, b"\r\n"))
    assert result.lines.damaged == 409
    assert read_notes(result) == (f"{tmp_path / 'damaged.log'}: 409 lines with CRLF line ends "
                                  "(CR removed), first at line 1",)
    assert (result.lines.parsed, result.lines.unrecognized) == (185, 0)  # 27 queue and informer lines: timeline
    assert complete_signatures(result) == complete_signatures(clean)


def test_a_10_mib_line(tmp_path, lines, clean):
    k = 300
    huge = [lines[k] + b" junk=" + b"x" * (10 * 1024 * 1024)]
    result = analyze_bytes(tmp_path, join(lines[:k] + huge + lines[k:]))
    assert result.lines.total == 410 and result.lines.damaged == 0  # under the 64 MiB cut: read whole
    assert complete_signatures(result) == complete_signatures(clean)
    garbage = analyze_bytes(tmp_path, join(lines[:k] + [b"\x01y" * (5 * 1024 * 1024)] + lines[k:]))
    assert garbage.lines.unrecognized == 1
    assert complete_signatures(garbage) == complete_signatures(clean)


def test_a_line_longer_than_the_cut_is_cut_and_counted(tmp_path, lines, clean, monkeypatch):
    from analyzer.read import sources

    monkeypatch.setattr(sources, "MAX_LINE_BYTES", 1000)
    long_lines = [i for i, ln in enumerate(lines) if len(ln) > 1000]
    assert long_lines == [0]  # the real 2448-byte plugin dump
    result = analyze_bytes(tmp_path, join(lines))
    assert result.lines.total == 409 and result.lines.damaged == 1
    assert any("1 line with more than" in n and "first at line 1" in n for n in result.notes)
    assert result.config.weights == {}  # the cut plugin dump no longer gives the weights
    assert complete_signatures(result) == complete_signatures(clean)


# -- cut short ---------------------------------------------------------------------------------------
def test_file_cut_mid_line_and_mid_cycle(tmp_path, lines, clean):
    cut = truncate(lines, 310, 40)  # line 311 keeps 40 bytes and no line end
    result = analyze_bytes(tmp_path, cut.data)
    assert result.lines.total == 311 and result.lines.damaged == 1 and result.lines.unrecognized == 1
    assert result.lines.unrecognized_samples[0][1] == 311
    assert any("1 line with no line end: the input stops mid-line, first at line 311" in n
               for n in result.notes)
    incomplete = [(a.pod, a.incomplete_reason) for a in result.attempts if not a.complete]
    assert len(incomplete) == 4
    assert {r for _, r in incomplete} == {"the log ends before the bind result"}
    survivors = complete_signatures(result)
    assert len(survivors) == 2 and all(s in complete_signatures(clean) for s in survivors)


def test_file_cut_between_lines_mid_cycle(tmp_path, lines, clean):
    result = analyze_bytes(tmp_path, truncate(lines, 300).data)
    assert result.lines.total == 300 and result.lines.damaged == 0
    assert sum(not a.complete for a in result.attempts) == 5
    survivors = complete_signatures(result)
    assert len(survivors) == 1 and survivors[0] in complete_signatures(clean)


def test_log_starting_mid_cycle(tmp_path, lines, clean):
    result = analyze_bytes(tmp_path, splice(lines, 0, 250).data)
    started_inside = [a.pod for a in result.attempts
                      if a.incomplete_reason == "the log starts inside this cycle"]
    assert started_inside
    for sig in complete_signatures(result):
        assert sig in complete_signatures(clean)


def test_gzip_clean_and_concatenated(tmp_path, lines, clean):
    one = analyze_bytes(tmp_path, gzip_bytes(join(lines)), "log.gz")
    assert read_notes(one) == () and complete_signatures(one) == complete_signatures(clean)
    half = len(lines) // 2
    two = analyze_bytes(tmp_path, gzip_bytes(join(lines[:half])) + gzip_bytes(join(lines[half:])), "two.gz")
    assert two.lines.total == 409 and read_notes(two) == ()  # logrotate + cat: two gzip members
    assert complete_signatures(two) == complete_signatures(clean)


def test_truncated_gzip(tmp_path, lines, clean):
    data = gzip_bytes(join(lines))
    result = analyze_bytes(tmp_path, data[: len(data) * 2 // 3], "cut.log.gz")
    path = tmp_path / "cut.log.gz"
    assert read_notes(result)[0] == (f"{path}: compressed data ends early (truncated .gz, gzip member 1); "
                                     "the last line may be cut")
    assert 0 < result.lines.total < 409
    assert any(not a.complete for a in result.attempts)
    for sig in complete_signatures(result):
        assert sig in complete_signatures(clean)


def test_gzip_corrupt_in_the_middle_keeps_what_came_before(tmp_path, lines, clean):
    data = bytearray(gzip_bytes(join(lines)))
    middle = len(data) * 3 // 4
    data[middle:middle + 64] = bytes(64)
    result = analyze_bytes(tmp_path, bytes(data), "rot.log.gz")
    assert "compressed data is damaged in gzip member 1" in read_notes(result)[0]
    assert 100 < result.lines.total < 409
    for sig in complete_signatures(result):
        assert sig in complete_signatures(clean)


def test_gzip_with_trailing_garbage(tmp_path, lines, clean):
    result = analyze_bytes(tmp_path, gzip_bytes(join(lines)) + b"\0" * 512 + b"garbage", "tail.log.gz")
    assert result.lines.total == 409
    assert read_notes(result) == (f"{tmp_path / 'tail.log.gz'}: data after gzip member 1 is not gzip; "
                                  "ignored",)
    assert complete_signatures(result) == complete_signatures(clean)


# -- pasted and edited -------------------------------------------------------------------------------
def test_headers_stripped(tmp_path, lines, clean):
    result = analyze_bytes(tmp_path, join(strip_headers(lines)))
    assert result.lines.parsed == 185  # 27 queue and informer lines parsed for the timeline
    # 'Caches populated' lines are only known by their file name (reflector.go), which went with the header
    assert result.lines.unrecognized == 14
    assert {a.started_at for a in result.attempts} == {None}  # no header, no time: not made up
    assert {a.stream for a in result.attempts} == {"0"}
    assert complete_signatures(result, keep_time=False) == complete_signatures(clean, keep_time=False)


@pytest.mark.parametrize("indent", [b"    ", b"\t", b"  "])
def test_indented_paste(tmp_path, lines, clean, indent):
    result = analyze_bytes(tmp_path, join([indent + ln for ln in lines]))
    assert (result.lines.parsed, result.lines.unrecognized) == (185, 0)  # 27 queue and informer lines: timeline
    assert complete_signatures(result) == complete_signatures(clean)


def test_every_line_duplicated(tmp_path, lines, clean):
    result = analyze_bytes(tmp_path, join([x for ln in lines for x in (ln, ln)]))
    by_reason = result.lines.ignored_by_reason
    assert by_reason["duplicate"] == len(records(lines)) == 280
    assert result.lines.parsed == 185
    # the doubled body of the config dump is kept as continuation; its second ' >' closes nothing
    assert result.lines.unrecognized_samples == ((0, 262, " >"),)
    assert complete_signatures(result) == complete_signatures(clean)
    notes = parser_notes(tmp_path / "damaged.log")
    assert "280 records repeated an earlier line exactly (ignored as 'duplicate'), first at line 2" in notes


def test_a_chunk_resent_by_a_log_shipper(tmp_path, lines, clean):
    """Lines 200-260 sent twice (a retry after a timeout): the second copy changes nothing."""
    chunk = lines[199:260]
    result = analyze_bytes(tmp_path, join(lines[:260] + chunk + lines[260:]))
    assert result.lines.ignored_by_reason["duplicate"] == 61
    assert complete_signatures(result) == complete_signatures(clean)


def test_a_duplicated_multiline_record_is_skipped_whole(tmp_path, lines, clean):
    k = lines.index(b" >")
    config = lines[1:k + 1]  # the component-config dump: header, body, ' >'
    result = analyze_bytes(tmp_path, join(lines[:k + 1] + config + lines[k + 1:]))
    assert result.lines.ignored_by_reason["duplicate"] == len(config) == 130
    assert result.lines.unrecognized == 0
    assert result.config == clean.config
    assert complete_signatures(result) == complete_signatures(clean)


def test_single_duplicated_lines(tmp_path, lines, clean):
    data = lines
    for k in (310, 250, 200):  # score, filter and bind lines of real attempts
        data = read_lines_from(duplicate(data, k).data)
    result = analyze_bytes(tmp_path, join(data))
    assert result.lines.ignored_by_reason["duplicate"] == 3
    assert complete_signatures(result) == complete_signatures(clean)


def read_lines_from(data: bytes) -> list[bytes]:
    return data.split(b"\n")[:-1]


# -- time ---------------------------------------------------------------------------------------------
KLOG_TIME = re.compile(rb"^([IWEF]\d{4} )(\d\d:\d\d:\d\d\.\d{6})")


def test_out_of_order_timestamps_keep_file_order(tmp_path, lines, clean):
    """klog takes the time before the write lock: neighbours can be out of order by microseconds."""
    bad = list(lines)
    swapped = 0
    for k in range(200, 380, 12):
        a, b = KLOG_TIME.match(bad[k]), KLOG_TIME.match(bad[k + 1])
        if a and b and a[2] < b[2]:
            bad[k] = KLOG_TIME.sub(lambda m, t=b[2]: m[1] + t, bad[k], count=1)
            bad[k + 1] = KLOG_TIME.sub(lambda m, t=a[2]: m[1] + t, bad[k + 1], count=1)
            swapped += 1
    assert swapped == 15
    result = analyze_bytes(tmp_path, join(bad))
    assert complete_signatures(result, keep_time=False) == complete_signatures(clean, keep_time=False)
    assert [a.pod for a in result.attempts] == [a.pod for a in clean.attempts]  # no reordering
    notes = parser_notes(tmp_path / "damaged.log")
    assert notes == ["16 lines carry a time earlier than the line before from the same process, "
                     "first at line 202; file order kept"]  # 15 made + 1 real (line 380)


def test_year_rollover(tmp_path, lines, clean):
    """Dec 31 -> Jan 1 inside a cycle (web-1 spans lines 194-309): no reordering, no broken attempt."""
    rolled = shift_dates(lines[:250], b"1231") + shift_dates(lines[250:], b"0101")
    result = analyze_bytes(tmp_path, join(rolled))
    assert [a.pod for a in result.attempts] == [a.pod for a in clean.attempts]
    assert all(a.complete for a in result.attempts)
    assert complete_signatures(result, keep_time=False) == complete_signatures(clean, keep_time=False)
    web1 = result.attempts[0]
    assert web1.pod == "default/web-1" and web1.started_at == "--12-31T16:09:06.433149"
    assert result.attempts[-1].started_at.startswith("--01-01T")
    assert parser_notes(tmp_path / "damaged.log") == [
        "line 251: the time turns from Dec 31 to Jan 1 (klog prints no year); file order kept",
        REAL_BACKWARDS]


# -- several processes ---------------------------------------------------------------------------------
def _by_stream(result: AnalysisResult) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for a in result.attempts:
        out.setdefault(a.stream, []).append(signature_without_number(a))
    return out


def signature_without_number(attempt) -> str:
    import json

    data = json.loads(signature(attempt))
    data.pop("attempt")
    return json.dumps(data, sort_keys=True)


def test_two_replicas_interleaved(tmp_path, lines, clean):
    other = with_pid(lines, 4242)
    data = interleave(lines, other, [i % 3 == 0 for i in range(1000)])
    result = analyze_bytes(tmp_path, data)
    assert result.lines.total == 818 and result.lines.unrecognized == 0
    streams = _by_stream(result)
    expected = [signature_without_number(a) for a in clean.attempts]
    assert streams == {"0:12473": expected, "0:4242": expected}
    # attempt numbers count both processes' cycles of a pod, in log order
    assert Counter(a.attempt for a in result.attempts) == Counter({1: 9, 2: 9})


def test_scheduler_restart_mid_cycle(tmp_path, lines, clean):
    """PID 12473 dies at line 300 (5 cycles open); PID 777 starts over and schedules everything."""
    result = analyze_bytes(tmp_path, join(lines[:300] + with_pid(lines, 777)))
    old = [a for a in result.attempts if a.stream == "0:12473"]
    new = [a for a in result.attempts if a.stream == "0:777"]
    assert len(old) == 6 and len(new) == 9
    assert [a.pod for a in old if not a.complete] == [
        "default/web-1", "default/hostport-8080", "default/ssd-db", "default/gpu-job",
        "default/zone-a-preferred"]
    assert [signature_without_number(a) for a in new] == [signature_without_number(a) for a in clean.attempts]
    assert [a.attempt for a in new if a.pod == "default/web-1"] == [2]


def test_text_and_json_lines_in_one_stream(tmp_path):
    """The same scenario logged as text and as JSON, merged record by record into one file."""
    text_log = framework_log("v1.30.6-three-nodes")
    json_log = LAB / "v1.30.6-three-nodes-json" / "v1.30.6-three-nodes-json.log"
    text_clean, json_clean = analysis(str(text_log)), analysis(str(json_log))
    data = interleave(read_lines(text_log), read_lines(json_log), [i % 2 == 0 for i in range(1000)])
    result = analyze_bytes(tmp_path, data)
    assert result.format.encoding == "mixed"
    assert result.lines.total == text_clean.lines.total + json_clean.lines.total
    assert result.lines.unrecognized == 0
    streams = _by_stream(result)
    assert streams["0"] == [signature_without_number(a) for a in json_clean.attempts]
    (text_stream,) = [s for s in streams if s != "0"]
    assert streams[text_stream] == [signature_without_number(a) for a in text_clean.attempts]


# -- CRI partial lines -----------------------------------------------------------------------------------
def _cri(lines: list[bytes], split_over: int = 600) -> list[bytes]:
    """The log as containerd writes it: lines longer than ``split_over`` bytes go out as P...P F."""
    out = []
    for k, ln in enumerate(lines):
        ts = b"2026-11-28T16:09:%02d.%09dZ" % (k // 1000, k)
        parts = [ln[i:i + split_over] for i in range(0, len(ln), split_over)] or [b""]
        for j, part in enumerate(parts):
            out.append(ts + b" stderr " + (b"F " if j == len(parts) - 1 else b"P ") + part)
    return out


def test_cri_partial_lines_are_joined(tmp_path, lines, clean):
    cri = _cri(lines)
    assert len(cri) > len(lines)
    result = analyze_bytes(tmp_path, join(cri))
    assert result.format.wrapper == "cri"
    assert result.lines.total == len(cri) and result.lines.damaged == 0
    assert (result.lines.parsed - clean.lines.parsed) == len(cri) - len(lines) - (
        result.lines.ignored - clean.lines.ignored)
    assert complete_signatures(result, keep_time=False) == complete_signatures(clean, keep_time=False)


def test_cri_partial_lines_never_completed(tmp_path, lines, clean):
    cri = _cri(lines)
    last_p = max(i for i, ln in enumerate(cri) if b" stderr P " in ln)
    # the run of P fragments at the end never gets its F (the writer died mid-line)
    cut = cri[:last_p + 1]
    result = analyze_bytes(tmp_path, join(cut))
    assert result.lines.total == len(cut)
    assert result.lines.damaged == 1
    # an F lost in the middle: the next record starts a fresh line instead of being glued on
    first_p = min(i for i, ln in enumerate(cri) if b" stderr P " in ln)
    run_end = next(i for i in range(first_p, len(cri)) if b" stderr F " in cri[i])
    lost_f = cri[:run_end] + cri[run_end + 1:]
    result = analyze_bytes(tmp_path, join(lost_f))
    assert result.lines.damaged == 1
    assert complete_signatures(result, keep_time=False) == complete_signatures(clean, keep_time=False)


def test_cri_fragments_of_stdout_and_stderr_do_not_mix(tmp_path, lines, clean):
    cri = _cri(lines)
    noise = [b"2026-11-28T16:09:00.000000000Z stdout P half of a stdout line ",
             b"2026-11-28T16:09:00.000000001Z stdout F and its end"]
    first_p = min(i for i, ln in enumerate(cri) if b" stderr P " in ln)
    mixed = cri[:first_p + 1] + noise + cri[first_p + 1:]
    result = analyze_bytes(tmp_path, join(mixed))
    assert result.lines.damaged == 0 and result.lines.unrecognized == 2  # two physical lines, one record
    assert result.lines.unrecognized_samples[0][2] == "half of a stdout line and its end"
    assert complete_signatures(result, keep_time=False) == complete_signatures(clean, keep_time=False)


# -- the corrupt-bytes operator on lines no attempt uses -----------------------------------------------------
def test_corrupted_bytes_in_startup_lines(tmp_path, lines, clean):
    data = lines
    for k in (140, 150, 160):
        data = read_lines_from(corrupt(data, k, 20, b"\x00\xff\x13\x07").data)
    result = analyze_bytes(tmp_path, join(data))
    assert result.lines.damaged == 3
    assert complete_signatures(result) == complete_signatures(clean)


def test_gzip_helper_is_deterministic():
    assert gzip_bytes(b"a\n") == gzip_bytes(b"a\n") and gzip.decompress(gzip_bytes(b"a\n")) == b"a\n"


@pytest.mark.parametrize(("log", "count", "first"), [
    ("v1.23.9-three-nodes", 1, 132),
    ("v1.30.6-five-nodes", 1, 380),
    ("v1.30.6-three-nodes", 2, 189),
    ("public:22", 1, 4),  # the excerpt named for it: parallel scorers print times out of order
])
def test_real_logs_with_times_out_of_order_are_noted(log, count, first):
    path = public(log.split(":")[1]) if log.startswith("public:") else framework_log(log)
    notes = parser_notes(path)
    lines = "lines carry" if count > 1 else "line carries"
    assert notes == [f"{count} {lines} a time earlier than the line before from the same process, "
                     f"first at line {first}; file order kept"]


def test_docker_json_partial_entries_are_joined(tmp_path, lines, clean):
    """docker's json-file driver splits lines over 16 KiB into entries without the final newline."""
    import json

    out = []
    for k, ln in enumerate(lines):
        text = ln.decode() + "\n"
        parts = [text[i:i + 1000] for i in range(0, len(text), 1000)]
        out += [json.dumps({"log": p, "stream": "stderr", "time": f"2026-11-28T16:09:06.{k:09d}Z"}).encode()
                for p in parts]
    assert len(out) == len(lines) + 2  # the 2448-byte plugin dump became three entries
    result = analyze_bytes(tmp_path, join(out))
    assert result.format.wrapper == "docker-json"
    assert result.lines.total == len(out) and result.lines.damaged == 0 and result.lines.unrecognized == 0
    assert result.config.weights == clean.config.weights != {}
    assert complete_signatures(result, keep_time=False) == complete_signatures(clean, keep_time=False)
    cut = analyze_bytes(tmp_path, join(out[:1]))  # the dump's first entry and nothing more
    assert cut.lines.total == 1 and cut.lines.damaged == 1


def test_a_late_bind_line_does_not_steal_the_running_cycle(tmp_path):
    """prefer-avoid with clean lines 87-106 and 110-129 lost: web-rs-z5w8n's cycle is gone but its bind
    line (136) comes inside standalone's cycle (134-168), whose lines are all intact."""
    path = framework_log("v1.19.1-prefer-avoid")
    raw = read_lines(path)
    result = analyze_bytes(tmp_path, join(raw[:86] + raw[106:109] + raw[129:]))
    (standalone,) = [a for a in result.attempts if a.pod == "default/standalone"]
    (truth,) = [a for a in analysis(str(path)).attempts if a.pod == "default/standalone"]
    assert signature(standalone) == signature(truth)


@needs_shared
@pytest.mark.parametrize("parser", ["fast", "line"])
def test_a_resource_line_whose_logger_is_a_list_is_read_not_fatal(tmp_path: Path, monkeypatch, parser: str):
    """A damaged 1.30 resource line with logger=[a b] (a Go slice, not a name): the assembler's scorer table
    once keyed on it and the run died with 'unhashable type: list'. The score is read as the logged name says."""
    from typer.testing import CliRunner

    from analyzer.cli import app

    monkeypatch.setenv("SCHEDLOG_PARSER", parser)
    text = (LAB / "v1.30.6-three-nodes" / "v1.30.6-three-nodes.log").read_text(encoding="utf-8")
    damaged = text.replace('logger="Score.NodeResourcesFit" pod="default/nginx" node="node-1"',
                           'logger=[a b] pod="default/nginx" node="node-1"', 1)
    assert damaged != text
    log = tmp_path / "damaged.log"
    log.write_text(damaged, encoding="utf-8")
    done = CliRunner().invoke(app, ["-j1", "check", "-o", "json", str(log)])
    assert done.exception is None or isinstance(done.exception, SystemExit), done.exception
    assert done.exit_code in (0, 1) and '"schema": "schedlog/v1"' in done.stdout
    result = analyze_paths([str(log)])
    node = next(n for a in result.attempts for n in a.nodes if n.node == "node-1")
    assert "NodeResourcesFit" in {s.plugin for s in node.scores}
