"""The columnar parser gives what the per-line path gives: the same events, line accounting and format
features on real, generated and mangled logs, and its RE2 regexes match what Python's re matches."""

from __future__ import annotations

import copy
import os
import random
import re
import subprocess
import sys
from itertools import islice
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from conftest import LAB, PUBLIC, REPO
from test_fastpath import _mutations

from analyzer.parse import columnar, fastpath, hotshapes
from analyzer.parse.klog import KLOG_HEADER
from analyzer.parse.lines import ALONE_KINDS, FormatFeatures
from analyzer.parse.re2 import UntranslatableRegex, to_re2
from analyzer.parse.structured import _bare, _number, _unquote
from analyzer.pipeline import LineTally, iter_events
from analyzer.read import blocks
from analyzer.synth import ERAS, write_log

CORPUS = sorted({*LAB.rglob("*.log"), *PUBLIC.glob("*.log"), *(REPO / "tests" / "data" / "public").glob("*.log"),
                 *(REPO / "tests" / "data" / "public").glob("*.txt"), *(REPO / "samples").rglob("*.log")})


def _read(path: str, columns: bool) -> tuple[list, LineTally, FormatFeatures]:
    before = columnar.enabled()
    columnar.set_enabled(columns)
    try:
        tally, features = LineTally(), FormatFeatures()
        events = list(iter_events([path], tally, features))
        return events, tally, features
    finally:
        columnar.set_enabled(before)


def _assert_same(path: str, by_blocks: bool = True) -> int:
    """Columnar and per-line read the file alike; how many events they gave."""
    assert columnar.usable(path) == (by_blocks and columnar.enabled())
    line_events, line_tally, line_features = _read(path, False)
    col_events, col_tally, col_features = _read(path, True)
    assert len(col_events) == len(line_events)
    for col, line in zip(col_events, line_events, strict=True):
        assert col == line
    assert col_tally == line_tally
    assert col_features == line_features
    for name in ("wrappers", "encodings", "files", "kinds", "styles", "pod_forms"):  # also the order keys came in
        assert list(getattr(col_features, name)) == list(getattr(line_features, name))
    return len(line_events)


@pytest.fixture(scope="module")
def synth_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("synth-columnar")
    for era in ERAS:
        for fmt in ("text", "json"):
            if era == "1.14" and fmt == "json":
                continue
            with open(out / f"{era}-{fmt}.log", "w", encoding="utf-8") as fh:
                write_log(fh, era, nodes=12, pods=40, fmt=fmt, seed=7)
    return out


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: str(p.relative_to(p.parents[1])))
def test_corpus_logs_read_alike(path):
    _assert_same(str(path))


@pytest.mark.parametrize("name", [f"{era}-{fmt}" for era in ERAS for fmt in ("text", "json")
                                  if not (era == "1.14" and fmt == "json")])
def test_generated_logs_read_alike(synth_dir, name):
    path = str(synth_dir / f"{name}.log")
    assert _assert_same(path) > 100


# the kinds of the lines logged once per pod and cycle, hot too (1.14: as printf)
PER_POD_KINDS = {"pod_seen", "dequeue", "attempt_start", "bind_attempt", "bound", "pod_unqueued"}


def test_generated_130_takes_the_columns(synth_dir):
    """The hot rows really are taken by the columnar parser (not all handed to the per-line path)."""
    path = str(synth_dir / "1.30-text.log")
    block = next(blocks.iter_blocks(path))
    hot = columnar.hot_rows(block)
    assert len(hot.rows) > 0.9 * len(block)
    kinds = {e.kind for e in hot.events}
    assert kinds - {"pod_deleted"} == {"plugin_score", "final_score", "resource_score", *PER_POD_KINDS}


# -- a mangled log -----------------------------------------------------------------------------------
CRI_TIME = "2026-11-28T16:00:00.{:09d}Z"


def mangle(op: int, line: str, i: int, rng: random.Random, out: list[bytes]) -> bool:
    """Add ``line`` to ``out`` mangled by way ``op`` (0-5: cut, repeated right away or from further back, CR,
    a bad byte, CRI halves); False, with nothing added, for any other way (the caller's own)."""
    if op == 0:
        out.append(line[: rng.randrange(len(line) + 1)].encode())  # cut
    elif op == 1:
        out += [line.encode(), line.encode()]  # repeated right away
    elif op == 2 and len(out) > 50:
        out += [line.encode(), out[-rng.randrange(2, 50)]]  # a record repeated from further back
    elif op == 3:
        out.append(line.encode() + b"\r")
    elif op == 4:
        j = rng.randrange(len(line) + 1)
        out.append(line[:j].encode() + rng.choice([b"\xff", b"\x00", b"\t", "\u00e9".encode(), b"\xc3"])
                   + line[j:].encode())
    elif op == 5:
        half = len(line) // 2
        out += [f"{CRI_TIME.format(i)} stderr P {line[:half]}".encode(),
                f"{CRI_TIME.format(i)} stderr F {line[half:]}".encode()]
    else:
        return False
    return True


def _fuzzed_lines(seed: int) -> list[bytes]:
    """Generated 1.30, 1.21 and 1.14 lines, then mangled the ways real files are."""
    text = []
    for era in ("1.30", "1.21", "1.14"):
        buf = __import__("io").StringIO()
        write_log(buf, era, nodes=5, pods=30, seed=seed)
        text += buf.getvalue().splitlines()
    return fuzzed(text, seed, head=420, keep=0.55, ways=19, own=_own_mangle)


def _own_mangle(op: int, line: str, i: int, rng: random.Random, out: list[bytes]) -> None:
    """The text fuzzer's own ways (6-18)."""
    if op == 6:
        out.append(f"{CRI_TIME.format(i)} stderr P {line}".encode())  # a fragment whose F never comes
    elif op == 7:
        out += [b"", b"   "]
    elif op == 8:
        out.append(line.encode() + b"  ")
    elif op == 9 and line[:1] in "IW":
        out.append(rng.choice("EF").encode() + line[1:].encode())
    elif op == 10:
        out.append(line.replace('pod="', 'pod="a\\"', 1).encode())
    elif op == 11 and KLOG_HEADER.match(line):
        out.append(line.replace(":", ":0", 1).replace("16:", "15:", 1).encode())  # time going backwards
    elif op == 12:
        out.append(re.sub(r"^(\S+ \S+\s+)\d+", r"\g<1>999", line).encode())  # a second process
    elif op == 13:
        out += [line.encode() + b' Plugins=<', b"\tScore:", b"\t  Enabled: []", b" >"]
    elif op == 14:
        out += [line.encode() + b' Plugins=<', b"\tScore:"]  # never closed
    elif op == 15:
        out += [m.encode() for m in _mutations(line, rng, 2)]
    elif op == 16:
        out.append(line.replace('node="', 'node="' + "n" * 5000, 1).encode())  # long
    elif op == 17:
        out.append(b"goroutine 1 [running]:")  # a headerless continuation
    else:
        out.append(f"[pod/kube-scheduler-0/kube-scheduler] {line}".encode())


def fuzzed(text: list[str], seed: int, head: int, keep: float, ways: int, own) -> list[bytes]:
    """``text`` as bytes lines, the first ``head`` clean (no prefix is learned), then each kept with chance
    ``keep`` or mangled one of ``ways`` ways: mangle's (0-5), else ``own(op, line, i, rng, out)``."""
    rng = random.Random(seed)
    out: list[bytes] = [line.encode() for line in text[:head]]
    for i, line in enumerate(text[head:]):
        if rng.random() < keep:
            out.append(line.encode())
            continue
        op = rng.randrange(ways)
        if not mangle(op, line, i, rng, out):
            own(op, line, i, rng, out)
    return out


@pytest.mark.parametrize("block_bytes", [None, 4096, 65536])
@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::SyntaxWarning")  # _unquote on junk
def test_fuzzed_log_reads_alike(tmp_path, monkeypatch, block_bytes, seed):
    lines = [*_fuzzed_lines(seed), b"I1128 16:09:00.000001   12407 x.go:1] no line end"]
    assert_fuzzed_alike(tmp_path / "fuzzed.log", lines, monkeypatch, block_bytes, 500)


def assert_fuzzed_alike(path: Path, lines: list[bytes], monkeypatch, block_bytes: int | None, least: int) -> None:
    """The fuzzed ``lines`` (the last without LF) read alike, read in blocks of ``block_bytes``; more than
    ``least`` events, and more than ``least`` hot rows (the log does exercise the columns)."""
    path.write_bytes(b"\n".join(lines))
    if block_bytes:
        monkeypatch.setattr(blocks, "BLOCK_BYTES", block_bytes)
    assert _assert_same(str(path)) > least
    hot = sum(len(columnar.hot_rows(b).rows) for b in blocks.iter_blocks(str(path)))
    assert hot > least


@pytest.mark.parametrize("min_run", [1, 10**9])
@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::SyntaxWarning")  # _unquote on junk
def test_runs_and_single_rows_read_alike(tmp_path, monkeypatch, min_run):
    """Hot rows taken a run at a time (every run, however short) and one by one (none in runs) read alike."""
    monkeypatch.setattr(columnar, "MIN_RUN", min_run)
    lines = [*_fuzzed_lines(3), b"I1128 16:09:00.000001   12407 x.go:1] no line end"]
    assert_fuzzed_alike(tmp_path / "fuzzed.log", lines, monkeypatch, 65536, 500)


def _lockstep(path: str, columns: bool):
    """Each event of the file with the line accounting and the counted kinds right after it was handed on."""
    before = columnar.enabled()
    columnar.set_enabled(columns)
    try:
        tally, features = LineTally(), FormatFeatures()
        for event in iter_events([path], tally, features):
            yield event, tally, features
    finally:
        columnar.set_enabled(before)


def test_counts_are_exact_where_they_are_read(synth_dir):
    """The line count at every event and every counter at each cycle start (what parts.preamble and the
    progress line read while the events come) are one pass's, and so is everything counted when a caller
    stops at any event (the rest of a run of hot rows is not counted)."""
    path = str(synth_dir / "1.30-text.log")
    starts = 0
    for (col, col_tally, col_features), (line, line_tally, line_features) in zip(
            _lockstep(path, True), _lockstep(path, False), strict=True):
        assert col == line and col_tally.total == line_tally.total
        if col.kind in ALONE_KINDS:
            starts += 1
            assert (col_tally, col_features) == (line_tally, line_features)
    assert starts > 40
    n = sum(1 for _ in _lockstep(path, True))
    for stop in [1, 7, 100, n // 3 + 5, n // 2 + 3, n - 2]:
        counts = []
        for columns in (True, False):
            stream = _lockstep(path, columns)
            _event, tally, features = next(islice(stream, stop - 1, None))  # the stop-th event
            stream.close()
            counts.append((copy.deepcopy(tally), copy.deepcopy(features)))
        assert counts[0] == counts[1], stop


def test_prefixed_and_odd_files_read_alike(tmp_path):
    buf = __import__("io").StringIO()
    write_log(buf, "1.30", nodes=4, pods=10, seed=3)
    lines = buf.getvalue().splitlines()
    cases = {
        "journald.log": "\n".join(f"May 21 20:52:25 host kube-scheduler[91664]: {line}" for line in lines) + "\n",
        "bom.log": "\ufeff" + "\n".join(lines) + "\n",
        "empty.log": "",
        "one.log": lines[-1],
        "colored.log": "\n".join(f"\x1b[32m{line}\x1b[0m" for line in lines) + "\n",
    }
    for name, text in cases.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        _assert_same(str(path), by_blocks=name != "bom.log")
    gz = tmp_path / "x.log.gz"
    gz.write_bytes(__import__("gzip").compress(cases["journald.log"].encode()))
    _assert_same(str(gz), by_blocks=False)


def test_trailing_spaces_and_repeats_read_alike(tmp_path):
    """A record repeated with trailing spaces is the same record to the per-line path (it strips lines)."""
    buf = __import__("io").StringIO()
    write_log(buf, "1.14", nodes=4, pods=40, seed=3)
    lines = buf.getvalue().splitlines()
    allowed = next(i for i, line in enumerate(lines) if "is allowed," in line and i > 450)
    scored = next(i for i, line in enumerate(lines) if ", Score: (" in line and i > 450)
    lines[allowed] += "   "
    lines[scored] += " "
    lines[allowed + 1:allowed + 1] = [lines[allowed].rstrip()]
    lines[scored + 2:scored + 2] = [lines[scored].rstrip()]
    path = tmp_path / "spaces.log"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _, tally, _ = _read(str(path), True)
    assert tally.ignored_reasons["duplicate"] == 2
    _assert_same(str(path))


@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::SyntaxWarning")  # _unquote on "x\\worker"
def test_backslashes_read_alike(tmp_path):
    """A backslash in a row's message sends the row the per-line way; one only in its header (the file name) or
    on another row does not (columnar._without_backslash finds the rows by their bytes, then the messages)."""
    buf = __import__("io").StringIO()
    write_log(buf, "1.30", nodes=4, pods=30, seed=3)
    lines = buf.getvalue().splitlines()
    scored = [i for i, line in enumerate(lines) if '"Plugin scored node for pod"' in line][5:200:7]
    for k, i in enumerate(scored):
        if k % 2:
            lines[i] = lines[i].replace('node="', 'node="x\\', 1)  # in the message
        else:
            lines[i] = re.sub(r" (\S+\.go:)", r" sub\\\1", lines[i], count=1)  # in the file name only
    path = tmp_path / "backslashes.log"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    block = next(blocks.iter_blocks(str(path)))
    hot = set(columnar.hot_rows(block).rows.tolist())
    assert all((i in hot) == (k % 2 == 0) for k, i in enumerate(scored))
    _assert_same(str(path))


def test_over_long_line_reads_alike(tmp_path, monkeypatch):
    monkeypatch.setattr("analyzer.read.sources.MAX_LINE_BYTES", 3000)
    buf = __import__("io").StringIO()
    write_log(buf, "1.30", nodes=4, pods=20, seed=3)
    lines = buf.getvalue().splitlines()
    lines.insert(600, "x" * 9000)
    path = tmp_path / "long.log"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setattr(blocks, "BLOCK_BYTES", 4096)
    _assert_same(str(path))


# -- Python re against RE2 -------------------------------------------------------------------------------
def _corpus_lines() -> list[str]:
    out = []
    for path in CORPUS:
        out += path.read_bytes().decode("utf-8", errors="replace").splitlines()
    buf = __import__("io").StringIO()
    for era in ERAS:
        write_log(buf, era, nodes=4, pods=8, seed=9)
    out += buf.getvalue().splitlines()
    rng = random.Random(13)
    mangled = [m for line in out if KLOG_HEADER.match(line) for m in _mutations(line, rng, 3)]
    return [line for line in dict.fromkeys(out + mangled) if line.isascii() and line.isprintable()]


@pytest.fixture(scope="module")
def corpus_lines() -> list[str]:
    return _corpus_lines()


def test_header_regex_agrees_with_python(corpus_lines):
    rows = pa.array([line + "\n" for line in corpus_lines], pa.string())
    found = pc.extract_regex(rows, hotshapes.header_re2()).to_pylist()
    agree = 0
    for line, got in zip(corpus_lines, found, strict=True):
        m = KLOG_HEADER.match(line)
        assert (got is None) == (m is None), line
        if m is not None:
            assert got == m.groupdict(), line
            agree += 1
    assert agree > 5000
    starts = pc.match_substring_regex(rows, hotshapes.header_start_re2()).to_pylist()
    assert starts == [got is not None for got in found]  # (the corpus lines hold no LF of their own)


@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::SyntaxWarning")  # _unquote on junk
def test_hot_shapes_agree_with_python(corpus_lines):
    """Wherever a hot shape's RE2 regex matches, the per-line fast path reads the same values; and the
    RE2 regex matches exactly where its Python source regex does."""
    messages = list(dict.fromkeys(m["msg"] for line in corpus_lines if (m := KLOG_HEADER.match(line))))
    column = pa.array(messages, pa.string())
    hits = 0
    for shape in hotshapes.hot_shapes():
        python = re.compile(_python_source(shape))
        found = pc.extract_regex(column, shape.regex).to_pylist()
        for message, got in zip(messages, found, strict=True):
            m = python.match(message)
            assert (got is None) == (m is None), message
            if got is None:
                continue
            hits += 1
            assert got == m.groupdict()
            split = fastpath.fast_split(message, _unquote, _number, _bare)
            assert split is not None and split[0] is None and split[1] == shape.message, message
            if "\\" in message:
                continue  # the columnar parser leaves these rows to the per-line path
            values = [columnar._values(pa.array([got[f"v{i}"]]), form)[0]
                      for i, (_key, form) in enumerate(shape.keys)]
            assert dict(zip((k for k, _ in shape.keys), values, strict=True)) == split[2], message
    assert hits > 1000


def test_printf_shapes_agree_with_python(corpus_lines):
    """Where a printf shape's RE2 regex matches (and dispatch sends the message to its rule), the fast path
    builds the same Event from the same tokens; its loose RE2 regex matches wherever Python's does."""
    from analyzer.parse.printf import _TRANSFORMER, COLUMN_BUILDS, dispatch

    messages = list(dict.fromkeys(m["msg"] for line in corpus_lines if (m := KLOG_HEADER.match(line))))
    column = pa.array(messages, pa.string())
    methods = fastpath._plain_methods(_TRANSFORMER)
    hits = 0
    taken: dict = {}  # shape name -> the tokens of the messages it takes
    for shape in hotshapes.printf_shapes():
        python = shape.compiled.flat.regex
        spaced = pc.extract_regex(column, shape.regex).to_pylist()
        loose = pc.match_substring_regex(column, shape.loose).to_pylist()
        dispatched = hotshapes.dispatched(column, shape.compiled.shape.rule).to_pylist()
        for message, got, wide, routed in zip(messages, spaced, loose, dispatched, strict=True):
            m = python.match(message)
            assert wide or m is None, message
            assert routed == (dispatch(message) == shape.compiled.shape.rule), message
            if got is None:
                continue
            hits += 1
            values = tuple(got[f"v{i}"] for i in range(len(got)))
            assert m is not None and m.groups() == values, message
            if routed:
                assert shape.compiled.shape.build(methods, values) == fastpath.fast_printf(
                    shape.compiled.shape.rule, message, _TRANSFORMER), message
                taken.setdefault(shape.compiled.shape.name, []).append(values)
        rows = taken.get(shape.compiled.shape.name, [])
        columns = [list(column) for column in zip(*rows, strict=True)]
        built = columnar._printf_events(shape, columns, 0, [0] * len(rows), [None] * len(rows),
                                        [""] * len(rows)) if rows else []
        assert built == [shape.compiled.shape.build(methods, values) for values in rows]  # the columns' Events
    assert hits > 1000
    assert set(taken) >= set(COLUMN_BUILDS)


def test_number_columns_read_as_python_does():
    """INT and ARRAY columns: Arrow's cast where it reads every row, else each row as the per-line path reads it."""
    big = "9223372036854775808"  # one more than int64 holds
    assert columnar._values(pa.array(["12", "-0", "007"]), "INT") == [12, 0, 7]
    assert columnar._values(pa.array(["12", big]), "INT") == [12, int(big)]
    assert columnar._values(pa.array(["[1,-2]", "[3]"]), "ARRAY") == [[1, -2], [3]]
    for odd in ("[]", "[1.5,2]", "[1e3]", f"[{big}]"):
        assert columnar._values(pa.array(["[1]", odd]), "ARRAY") == [[1], fastpath.array_value(odd, _number)]


def test_printf_templates_are_checked():
    compiled = next(c for items in fastpath.printf_matchers().values() for c in items if c.shape.name == "host")
    with pytest.raises(ValueError, match="lacks"):
        hotshapes._printf_re2("host", compiled.flat.regex.pattern, "Host * -> Score *")
    with pytest.raises(ValueError, match="more than"):
        hotshapes._printf_re2("host", compiled.flat.regex.pattern, "Host * => Score * extra")
    arrow = next(c for items in fastpath.printf_matchers().values() for c in items if c.shape.name == "arrow-score")
    with pytest.raises(ValueError, match="lookahead"):
        hotshapes._printf_re2("arrow-score", arrow.flat.regex.pattern, "*-> *: *, Score: (*)")


def _python_source(shape: hotshapes.HotShape) -> str:
    """The shape's regex in Python syntax, as built before the RE2 translation."""
    forms = hotshapes._form_regexes()
    body = "".join(f" {key}=(?P<v{i}>(?>{forms[form]}))" for i, (key, form) in enumerate(shape.keys))
    return f'{re.escape(chr(34) + shape.message + chr(34))}{body}\\Z'


@pytest.mark.parametrize(("python", "re2"), [
    (r"(?>a+) *+b\Z", r"(?:a+) *b$"),
    (r"[+*]+\++x?+", r"[+*]+\++x?"),
    (r"(?P<n>\d{2}+)", r"(?P<n>\d{2})"),
    (r"[]a)(]+(?>x)", r"[]a)(]+(?:x)"),
])
def test_to_re2(python, re2):
    assert to_re2(python) == re2


@pytest.mark.parametrize("pattern", [r"\S+(?= -> )", r"(?!map\[)x", r"(?<=a)b"])
def test_to_re2_refuses_lookarounds(pattern):
    with pytest.raises(UntranslatableRegex):
        to_re2(pattern)


# -- the switch and the CLI ----------------------------------------------------------------------------
def test_env_values():
    code = "from analyzer.parse import columnar, fastpath; print(columnar.enabled(), fastpath.enabled())"
    expected = {"": "True True", "line": "False True", "lark": "False False"}
    for value, want in expected.items():
        env = dict(os.environ, SCHEDLOG_PARSER=value, PYTHONPATH=str(REPO))
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True,
                             cwd=REPO)
        assert out.stdout.strip() == want, value


@pytest.mark.parametrize("era", ["1.30", "1.14"])
@pytest.mark.parametrize("command", ["attempts", "check"])
def test_cli_json_is_byte_identical(tmp_path, command, era):
    path = tmp_path / "x.log"
    with open(path, "w", encoding="utf-8") as fh:
        write_log(fh, era, nodes=20, pods=30, seed=4)
    assert_cli_json_alike(path, command)


def assert_cli_json_alike(path: Path, command: str) -> None:
    """``command -o json`` on ``path`` prints the same bytes per line (SCHEDLOG_PARSER=line) and by columns."""
    outputs = []
    for value in ("line", ""):
        env = dict(os.environ, SCHEDLOG_PARSER=value, PYTHONPATH=str(REPO))
        run = subprocess.run([sys.executable, "-m", "analyzer", command, str(path), "-o", "json"], env=env,
                             capture_output=True, cwd=REPO)
        assert run.returncode in (0, 1), run.stderr
        outputs.append(run.stdout)
    assert outputs[0] == outputs[1]
    assert len(outputs[0]) > 1000
