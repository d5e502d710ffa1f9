"""One file split over several workers gives the JSON one pass gives, or says why it cannot and is read whole."""

from __future__ import annotations

import gzip
import os
import shutil
from pathlib import Path
from unittest import mock

import pytest
from conftest import FRAMEWORK_RUNS, LAB, DoneHere, framework_log, legacy_log, needs_shared
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from strategies import damaged_logs, interleave, read_lines, with_pid

import analyzer.run.stream as core
from analyzer.engine import analyze_many, analyze_reconciled
from analyzer.parse.printf import DISPATCH
from analyzer.parse.structured import STATEMENTS
from analyzer.parts import CYCLE_MARKERS, NODE_MARKERS, PartMerger, analyze_chunk, plan_chunks
from analyzer.parts.plan import ENV_MIN_BYTES
from analyzer.pipeline import analyze_paths
from analyzer.report.jsonout import attempt_to_dict, dumps, result_to_dict
from analyzer.run.pool import WorkerPool
from analyzer.stream import AttemptStream
from analyzer.synth import write_log

pytestmark = needs_shared

# lab logs that split cleanly (1.19 JSON too, though its bind lines lost their pod)
SPLITTABLE = [str(framework_log(r)) for r in FRAMEWORK_RUNS] + \
    [str(legacy_log("a-tutorial-3nodes")), str(legacy_log("b-heterogeneous-5nodes"))]
SETTINGS = settings(max_examples=40, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture])


def _json(result) -> str:
    return dumps(result_to_dict(result))


def chunked(path: str, jobs: int, min_bytes: int):
    """(merged result or None, why, the parts) for the file split ``jobs`` ways and read as a run reads it
    (the attempt stream, its parts merged by PartMerger), every part in this process. None: the parts could
    not be merged (``why`` says why) and the stream read the file in one pass."""
    parts, whys = [], []

    def read(*args):
        parts.append(analyze_chunk(*args))
        return parts[-1]

    class Merger(PartMerger):
        def add(self, part):
            attempts, why = super().add(part)
            whys.extend([why] if why else [])
            return attempts, why

    with mock.patch.dict(os.environ, {ENV_MIN_BYTES: str(min_bytes)}), \
            mock.patch.object(core, "analyze_chunk", read), mock.patch.object(core, "PartMerger", Merger), \
            mock.patch.object(WorkerPool, "submit", lambda self, work, *args: DoneHere(work(*args))), \
            mock.patch.object(WorkerPool, "result", lambda self, handle: handle.value):
        result = AttemptStream([path], reconcile=False, jobs=jobs, bounded=False).collect()
    assert parts, f"{path} was not split"
    parts.sort(key=lambda part: part.chunk.index)
    return (None if whys else result), (whys[0] if whys else None), parts


def test_markers_cover_every_node_and_cycle_statement():
    """The byte search for node lines and cycle starts must find every shape the parsers know."""
    for route in DISPATCH:
        text = (route.prefix or "") + " ".join(c.strip() for c in route.contains) + (route.endswith or "")
        if route.rule.startswith("node_"):
            assert any(m in text for m in NODE_MARKERS), route
        if route.rule in ("attempt", "dequeue"):
            assert any(m in text for m in CYCLE_MARKERS), route
    for message, statement in STATEMENTS.items():
        if statement.kind in ("node_added", "node_deleted"):
            assert any(m in message for m in NODE_MARKERS), message
        if statement.kind in ("dequeue", "attempt_start"):
            assert any(m in message for m in CYCLE_MARKERS), message


@pytest.mark.parametrize("path", SPLITTABLE, ids=lambda p: p.rsplit("/", 2)[-2])
@pytest.mark.parametrize("jobs,min_bytes", [(2, 1000), (5, 1000), (16, 200)])
def test_every_lab_run_split_equals_one_pass(path, jobs, min_bytes):
    result, why, parts = chunked(path, jobs, min_bytes)
    assert why is None and result is not None
    assert len(parts) >= 2
    assert _json(result) == _json(analyze_paths([path]))


def test_a_cycle_start_lands_on_a_boundary_and_later_lines_are_claimed():
    """The legacy lab run binds asynchronously: a part reads past its end to finish its last attempt."""
    path = str(legacy_log("b-heterogeneous-5nodes"))
    _, _, parts = chunked(path, 8, 1000)
    assert all(p.overrun_lines >= 1 for p in parts[:-1])
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    for part in parts[1:]:
        assert any(m in lines[part.chunk.first_line - 1] for m in CYCLE_MARKERS)


PODLESS_BIND = '"msg":"Successfully bound pod to node"'


def _generated_1_19_json(path: Path, delay: int = 0) -> str:
    """A generated 1.19 JSON log; with ``delay``, each bind line without its pod moved ``delay`` lines later
    (as when binding runs while the next cycles are logged), so it crosses the parts' ends."""
    with open(path, "w", encoding="utf-8") as fh:
        write_log(fh, "1.19", 30, pods=40, fmt="json", seed=7)
    if delay:
        lines, moved = path.read_text(encoding="utf-8").splitlines(keepends=True), []
        out: list[str] = []
        for line in lines:
            if PODLESS_BIND in line:
                moved.append([delay, line])
                continue
            out.append(line)
            for late in moved:
                late[0] -= 1
            while moved and moved[0][0] <= 0:
                out.append(moved.pop(0)[1])
        path.write_text("".join(out + [late[1] for late in moved]), encoding="utf-8")
    return str(path)


def test_1_19_json_bind_lines_without_pod_are_split(tmp_path):
    """1.19 JSON bind lines name no pod (one pass gives each to the oldest attempt waiting for its bind):
    the file is still read in parts, each part following those lines past its end, as one pass reads it."""
    path = _generated_1_19_json(tmp_path / "synth-1.19-json.log")
    result, why, parts = chunked(path, 6, 20_000)
    assert why is None and len(parts) >= 3
    assert all(any(target is not None for _, target in part.podless_binds) for part in parts)
    assert _json(result) == _json(analyze_paths([path]))


@pytest.mark.parametrize("delay", [5, 60, 400])
def test_1_19_json_late_bind_lines_give_what_one_pass_gives(tmp_path, monkeypatch, delay):
    """Bind lines without their pod logged after later cycles started: a part that follows one past its
    end claims it, and the next part must not give it to one of its own attempts; when a part sent one
    elsewhere than one pass would, the file is read in one pass. Either way the JSON is one pass's."""
    path = _generated_1_19_json(tmp_path / f"late-{delay}.log", delay)
    one_pass = _json(analyze_paths([path]))
    result, why, parts = chunked(path, 6, 20_000)
    assert len(parts) >= 3
    if delay < 100:  # past the part's end, but before the attempts of two parts on are waiting for theirs
        assert why is None and _json(result) == one_pass
        assert any(line in part.claims for part in parts for line, _ in part.podless_binds)
    else:  # a bind line many cycles late: the parts cannot tell which attempt one pass gives it to
        assert result is None and "without its pod" in why
    monkeypatch.setenv("SCHEDLOG_MIN_CHUNK_BYTES", "20000")
    assert _json(analyze_many([path], jobs=3)) == _json(analyze_paths([path]))


def test_engine_splits_one_file_over_the_pool(monkeypatch):
    """Through the engine: parts run in worker processes and this one, results travel pickled."""
    monkeypatch.setenv("SCHEDLOG_MIN_CHUNK_BYTES", "2000")
    paths = SPLITTABLE[:3]
    assert _json(analyze_many(paths, jobs=3)) == _json(analyze_paths(paths))


@pytest.mark.parametrize("era,fmt", [("1.14", "text"), ("1.21", "json"), ("1.30", "text")])
def test_generated_logs_split_equals_one_pass(tmp_path, era, fmt):
    path = tmp_path / f"synth-{era}-{fmt}.log"
    with open(path, "w", encoding="utf-8") as fh:
        write_log(fh, era, 30, pods=40, fmt=fmt, seed=7)
    result, why, parts = chunked(str(path), 6, 20_000)
    assert why is None and len(parts) >= 3
    assert _json(result) == _json(analyze_paths([str(path)]))


def test_notes_from_every_part_add_up_to_one_pass(tmp_path):
    """Repairs, repeated records and clock trouble spread over parts give one pass's notes."""
    lines = read_lines(legacy_log("b-heterogeneous-5nodes"))
    n = len(lines)
    lines[n // 5] += b"\r"
    lines[n // 2] = lines[n // 2][:30] + b"\xff\xfe" + lines[n // 2][32:]
    lines.insert(3 * n // 4, lines[3 * n // 4 - 2])  # a repeated record late in the file
    lines[4 * n // 5] += b"\r"
    path = tmp_path / "damaged.log"
    path.write_bytes(b"\n".join(lines) + b"\n")
    one = analyze_paths([str(path)])
    assert any("CRLF" in note for note in one.notes) and any("invalid UTF-8" in note for note in one.notes)
    result, why, _ = chunked(str(path), 6, 2000)
    assert why is None
    assert result.notes == one.notes
    assert _json(result) == _json(one)


def test_two_processes_in_one_file_fall_back(tmp_path):
    clean = read_lines(framework_log("v1.30.6-five-nodes"))
    path = tmp_path / "replicas.log"
    path.write_bytes(interleave(clean, with_pid(clean, 4242), [i % 3 == 0 for i in range(2 * len(clean))]))
    result, why, _ = chunked(str(path), 4, 2000)
    assert result is None and "several scheduler processes" in why


def test_compressed_small_or_single_process_inputs_are_not_split(tmp_path):
    path = SPLITTABLE[0]
    gz = tmp_path / "log.gz"
    with open(path, "rb") as src, gzip.open(gz, "wb") as dst:
        shutil.copyfileobj(src, dst)
    assert plan_chunks(str(gz), 4, 100) is None
    assert plan_chunks(path, 1, 100) is None
    assert plan_chunks(path, 4, 10**9) is None
    assert plan_chunks("-", 4, 100) is None


@SETTINGS
@given(data=st.data(), which=st.sampled_from(SPLITTABLE), jobs=st.integers(2, 9))
def test_damaged_logs_split_equal_one_pass_or_fall_back(tmp_path, data, which, jobs):
    damaged = data.draw(damaged_logs(read_lines(which)))
    path = tmp_path / "damaged.log"
    path.write_bytes(damaged.data)
    if not plan_chunks(str(path), jobs, 800):
        return
    merged, why, _ = chunked(str(path), jobs, 800)
    if merged is None:
        assert why
        event(f"read in one pass: {why.split(':')[0]}")
        return
    event("split")
    assert _json(merged) == _json(analyze_paths([str(path)]))


ALL_LAB = SPLITTABLE + [str(LAB / "v1.19.1-three-nodes-json" / "v1.19.1-three-nodes-json.log")]


@pytest.mark.parametrize("path", ALL_LAB, ids=lambda p: p.rsplit("/", 2)[-2])
def test_workers_reconcile_to_the_same_json(monkeypatch, path):
    """Reconciled in the workers under the plan the log's head gives = reconciled after one pass."""
    monkeypatch.setenv("SCHEDLOG_MIN_CHUNK_BYTES", "1500")
    one, one_weights = analyze_reconciled([path], jobs=1)
    many, many_weights = analyze_reconciled([path], jobs=3)
    assert one.format.k8s_version is not None and any(a.discrepancies or a.nodes for a in one.attempts)
    assert _json(many) == _json(one)
    assert many_weights == one_weights


def test_a_head_that_misleads_the_plan_is_reconciled_again(monkeypatch, caplog):
    """When the whole log states another version than its head, the workers' reconciling is redone."""
    import analyzer.run.stream as core
    from analyzer.parts import preamble

    other = str(framework_log("v1.21.0-pre-three-nodes"))
    monkeypatch.setattr(core, "preamble", lambda path, index: preamble(other, index))
    monkeypatch.setenv("SCHEDLOG_MIN_CHUNK_BYTES", "1500")
    path = str(framework_log("v1.30.6-five-nodes"))
    with caplog.at_level("INFO", logger="analyzer.run.batch"):
        many, _ = analyze_reconciled([path], jobs=2)
    assert "reconciled again" in caplog.text
    one, _ = analyze_reconciled([path], jobs=1)
    assert one.format.k8s_version.startswith("v1.30")
    assert _json(many) == _json(one)


def test_cli_jobs_give_the_same_check_output(monkeypatch):
    from typer.testing import CliRunner

    from analyzer.cli import app

    monkeypatch.setenv("SCHEDLOG_MIN_CHUNK_BYTES", "1500")
    path = str(legacy_log("b-heterogeneous-5nodes"))
    runner = CliRunner()
    one = runner.invoke(app, ["--jobs", "1", "check", "-o", "json", path])
    two = runner.invoke(app, ["--jobs", "2", "check", "-o", "json", path])
    assert one.exit_code == two.exit_code == 0
    assert one.stdout == two.stdout and '"hidden' in one.stdout


@pytest.mark.parametrize("path", ALL_LAB, ids=lambda p: p.rsplit("/", 2)[-2])
def test_streaming_in_parts_equals_streaming_in_one_pass(path):
    """export's stream: parts read by a pool a few ahead, attempts handed on in one pass's order."""
    one = AttemptStream([path])
    one_attempts = [attempt_to_dict(a) for a in one]
    many = AttemptStream([path], jobs=3, part_bytes=2500)
    assert len(plan_chunks(path, 3, max_bytes=2500) or ()) >= 2
    assert [attempt_to_dict(a) for a in many] == one_attempts
    assert _json(many.header()) == _json(one.header())


def test_streaming_several_inputs_in_parts_numbers_attempts_across_them():
    paths = SPLITTABLE[:2] + SPLITTABLE[:1]
    one = [attempt_to_dict(a) for a in AttemptStream(paths)]
    assert [attempt_to_dict(a) for a in AttemptStream(paths, jobs=2, part_bytes=3000)] == one
    assert max(a["attempt"] for a in one) >= 2


def test_streaming_falls_back_midway_without_repeating_attempts(tmp_path, caplog):
    """Two processes interleaved in a later part: the rest is read in one pass, nothing handed on twice."""
    first = read_lines(framework_log("v1.30.6-five-nodes"))
    later = interleave(first, with_pid(first, 777), [i % 2 == 0 for i in range(2 * len(first))])
    path = tmp_path / "replicas-later.log"
    path.write_bytes(b"\n".join(first) + b"\n" + later)
    single = AttemptStream([str(path)])
    one = [attempt_to_dict(a) for a in single]
    with caplog.at_level("INFO", logger="analyzer.run.stream"):
        many = AttemptStream([str(path)], jobs=2, part_bytes=8000)
        streamed = [attempt_to_dict(a) for a in many]
    assert "read in one pass from the start" in caplog.text
    assert streamed == one and len(one) >= 10
    assert _json(many.header()) == _json(single.header())
    twice = [attempt_to_dict(a) for a in AttemptStream([str(path), str(path)])]  # numbers run on
    assert [attempt_to_dict(a) for a in AttemptStream([str(path), str(path)], jobs=2, part_bytes=8000)] == twice


def test_pread_reader_finds_what_mmap_finds():
    """Planning reads by pread; its find/rfind/slices and line counting agree with mmap's on a real log."""
    import mmap
    import random

    from analyzer.parts.plan import _FileBytes, _lines_back

    path = legacy_log("b-heterogeneous-5nodes")
    rng = random.Random(5)
    with open(path, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        data = _FileBytes(fh.fileno(), len(mm))
        data.BLOCK = 997  # many block edges
        for _ in range(2000):
            a = rng.randrange(len(mm))
            b = rng.randrange(a, len(mm) + 1)
            needle = rng.choice([b"\n", b"About to", b"NodeTree", b"no such text", b"Score"])
            assert data.find(needle, a, b) == mm.find(needle, a, b)
            assert data.rfind(needle, a, b) == mm.rfind(needle, a, b)
            assert data[a:b] == mm[a:b]
        starts = [0] + [i + 1 for i in range(len(mm) - 1) if mm[i] == 10]
        for _ in range(300):
            offset, back = rng.choice(starts), rng.randrange(0, 400)
            k = starts.index(offset)
            want = (starts[max(0, k - back)], min(back, k))
            assert _lines_back(data, offset, back) == want


def test_panics_split_equals_one_pass(tmp_path):
    """A crash cuts the cycles open in its process: the part that owns them reads on to the panic line."""
    synth = tmp_path / "synth.log"
    with open(synth, "w", encoding="utf-8") as fh:
        write_log(fh, "1.14", 30, pods=40, fmt="text", seed=11)
    lines = read_lines(synth)
    panic = b'E1205 11:34:08.356770       1 runtime.go:64] Observed a panic: "invalid memory address or nil ' \
        b'pointer dereference" (runtime error: invalid memory address or nil pointer dereference)'
    starts = [i for i, line in enumerate(lines) if b"Attempting to schedule pod" in line]
    for at in (starts[2 * len(starts) // 3] + 1, starts[len(starts) // 3] + 2):  # inside two cycles, last first
        stamp = b"E" + lines[at][1:21]  # logged (at E) at the time of the line before it, so no repeat
        lines.insert(at, with_pid([stamp + panic[21:]], int(pid_of(lines[at])))[0])
        lines.insert(at + 1, b"goroutine 1 [running]:")
    path = tmp_path / "crashed.log"
    path.write_bytes(b"\n".join(lines) + b"\n")
    one = analyze_paths([str(path)])
    assert sum("panicked" in (a.incomplete_reason or "") for a in one.attempts) >= 2
    assert sum("panicked" in note for note in one.notes) == 2
    result, why, _ = chunked(str(path), 6, 2000)
    assert why is None
    assert result.notes == one.notes
    assert _json(result) == _json(one)


def pid_of(line: bytes) -> bytes:
    """The pid of a klog line."""
    return line.split()[2]


@needs_shared
def test_a_cache_dump_and_pod_stories_in_the_middle_of_a_split_file_equal_one_pass(tmp_path):
    """A SIGUSR2 dump (a multi-line record) between two cycles, and the queue/bind lines of the timeline:
    the file read in parts gives one pass's attempts, dumps and pod stories."""
    from test_cache_replay import RUN, dump_lines

    from analyzer.timeline.build import build_stories

    full = (RUN / "v1.30.6-five-nodes.log").read_text().splitlines()
    at = [i for i, line in enumerate(full) if '"About to try and schedule pod"' in line][2]
    header = full[at].split("]", 1)[0].replace("schedule_one.go:84", "dumper.go:52")
    path = tmp_path / "mid-dump.log"
    path.write_text("\n".join(full[:at] + dump_lines(header) + full[at:]) + "\n")
    one = analyze_paths([str(path)])
    merged, why, parts = chunked(str(path), 4, 1500)
    assert len(parts) > 1
    assert one.cache is not None and len(one.cache.dumps) == 1 and one.story
    split = merged if merged is not None else analyze_many([str(path)], jobs=2)
    assert _json(split) == _json(one), why
    assert build_stories(split) == build_stories(one)
    assert len(split.cache.dumps) == 1 and split.story == one.story


def test_node_lines_are_found_across_block_ends(tmp_path):
    """The planner reads the file once in blocks and searches every node marker there: a marker cut by a
    block's end, or a line that starts in the block before its marker, is found all the same."""
    from analyzer.parts.plan import _FileBytes, _node_lines

    block, body = _FileBytes.BLOCK, bytearray()
    for i, marker in enumerate(NODE_MARKERS * 3):
        pad = (i + 1) * block - (i % len(marker) + 1) - len(body) - 7  # the marker straddles the block's end
        body += b"x" * (pad - 1) + b"\nline: " + marker.encode() + b" node-%d\n" % i
        body += b"I1203 Update event for node n\n"  # names a node event no marker stands for
    path = tmp_path / "straddle.log"
    path.write_bytes(bytes(body))
    expected, offset = [], 0
    for line in bytes(body).split(b"\n"):
        if any(m.encode() in line for m in NODE_MARKERS):
            expected.append((offset, line))
        offset += len(line) + 1
    with open(path, "rb") as fh:
        data = _FileBytes(fh.fileno(), len(body))
        assert _node_lines(data, len(body)) == expected and len(expected) == 3 * len(NODE_MARKERS)
        half = len(body) // 2
        assert _node_lines(data, half) == [(o, line) for o, line in expected if o + len(line) <= half]
