"""JSON logs (--logging-format=json, 1.21+) on the columnar parser: the same events, line accounting and
format features as the per-line path (``LineParser._json_record``) on real, generated and mangled JSON logs,
and the JSON shapes' RE2 regexes match what Python's re matches."""

from __future__ import annotations

import io
import json
import random
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from conftest import LAB, PUBLIC, REPO
from test_columnar import CRI_TIME, PER_POD_KINDS, _assert_same, assert_cli_json_alike, assert_fuzzed_alike, fuzzed

from analyzer.parse import columnar, hotshapes
from analyzer.parse.lines import _dup_tolerant, _json_ts
from analyzer.parse.structured import structured_event
from analyzer.read import blocks
from analyzer.synth import write_log


def _has_json(path: Path) -> bool:
    return any(line.startswith(b"{") for line in path.read_bytes().splitlines())


DATA = REPO / "tests" / "data" / "public"
JSON_CORPUS = sorted(p for p in {*LAB.rglob("*.log"), *PUBLIC.glob("*.log"), *DATA.glob("*.log"), *DATA.glob("*.txt"),
                                 *(REPO / "samples").rglob("*.log")} if _has_json(p))


def _generated(era: str, nodes: int, pods: int, seed: int = 7) -> list[str]:
    buf = io.StringIO()
    write_log(buf, era, nodes=nodes, pods=pods, fmt="json", seed=seed)
    return buf.getvalue().splitlines()


def _hot_count(path: str) -> int:
    return sum(len(columnar.hot_rows(b).rows) for b in blocks.iter_blocks(path))


def test_the_corpus_has_json_runs():
    names = {p.name for p in JSON_CORPUS}
    assert {"v1.21.0-pre-five-nodes-json.log", "v1.30.6-three-nodes-json.log"} <= names


@pytest.mark.parametrize("path", JSON_CORPUS, ids=lambda p: str(p.relative_to(p.parents[1])))
def test_json_corpus_logs_read_alike(path):
    _assert_same(str(path))


@pytest.mark.parametrize(("run", "hot"), [("v1.19.1-three-nodes-json", 6 + 3 + 3),
                                          ("v1.21.0-pre-five-nodes-json", 120 + 15 + 30 + 3 * 9 + 3 * 8),
                                          ("v1.30.6-three-nodes-json", 12 + 3 + 6 + 6)])
def test_lab_json_runs_take_the_columns(run, hot):
    """Every plugin-score, final-score and resource record of the real runs is a hot row: structured (1.30
    writes the pod twice and, on the Listed lines, the node twice: the first is kept) or printf text in "msg"
    (1.19 and 1.21 resource lines, 1.19 "Host => Score"); so are the lines of each pod and cycle (1.21 and 1.30:
    pod seen, dequeued, attempted, bind, bound, unqueued; 1.19: dequeued, attempted, bind as printf)."""
    path = str(next(LAB.rglob(f"{run}.log")))
    assert _hot_count(path) == hot
    assert _assert_same(path) > hot


@pytest.mark.parametrize("era", ["1.21", "1.30"])
@pytest.mark.parametrize(("nodes", "pods"), [(50, 20), (1000, 2)])
def test_generated_json_reads_alike(tmp_path, era, nodes, pods):
    path = tmp_path / f"{era}-{nodes}.log"
    lines = _generated(era, nodes, pods)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    events = _assert_same(str(path))
    assert events > nodes * pods * 7  # a score line per plugin and node, a final score per node
    hot = _hot_count(str(path))
    assert hot > 0.9 * len(lines)  # (1.21: the printf resource lines in "msg" too); the rest: node adds
    kinds = {e.kind for block in blocks.iter_blocks(str(path)) for e in columnar.hot_rows(block).events}
    assert kinds - {"pod_deleted"} == {"plugin_score", "final_score", "resource_score", *PER_POD_KINDS}


# -- a mangled JSON log --------------------------------------------------------------------------------------
COMPACT = (",", ":")


class _Pairs(list):
    """A JSON object's (key, value) pairs, as json.loads gives them to object_pairs_hook."""


def _edit(line: str, rng: random.Random) -> str | list[str]:
    """One of the ways a JSON record differs from the hot shapes (each must then go the per-line way), or
    one a hot shape must still take (objects, a missing logger or caller, context keys that disagree)."""
    try:
        obj = json.loads(line, object_pairs_hook=_Pairs)
    except ValueError:
        return line
    obj = [(k, dict(v) if isinstance(v, _Pairs) else v) for k, v in obj]  # the record's pairs, nested objects
    keys = [k for k, _ in obj]
    op = rng.randrange(17)
    if op == 0:  # keys in another order
        rng.shuffle(obj)
    elif op == 1:  # an escape in a value
        obj = [(k, v.replace("-", "\u002d\\", 1) if isinstance(v, str) else v) for k, v in obj]
        return json.dumps(dict(obj), separators=COMPACT)
    elif op == 2:
        return json.dumps(dict(obj), separators=COMPACT, ensure_ascii=True).replace('"msg":"P', '"msg":"\\u0050', 1)
    elif op == 3:  # non-ASCII
        return line.replace('"node":"', '"node":"\u00e9', 1)
    elif op == 4:  # an extra key
        return line[:-1] + ',"extra":1}'
    elif op == 5:  # spaces between tokens
        return json.dumps(dict(_dup_tolerant(obj)))
    elif op == 6:  # other number forms
        form = rng.choice(["1e2", "007", "-0", "5.0", '"12"', "12345678901234567890123", "true"])
        return re.sub(r'"(score|resourceScore)":-?[0-9]+', rf'"\1":{form}', line, count=1)
    elif op == 7:  # other ts forms
        form = rng.choice(["1795881600003", '"1795881600003.5"', "1.7e12", "9" * 30, "-1.5", "0"])
        return re.sub(r'^\{"ts":[0-9.]+', '{"ts":' + form, line)
    elif op == 8:  # no logger / no caller
        obj = [(k, v) for k, v in obj if k != rng.choice(["logger", "caller"])]
    elif op == 9:  # KObj forms: objects, no namespace, an empty namespace, a node object
        form = rng.choice([{"name": "p"}, {"name": "p", "namespace": ""}, {"namespace": "n", "name": "p"}])
        obj = [(k, form if k == rng.choice(["pod", "node"]) else v) for k, v in obj]
    elif op == 10 and "pod" in keys:  # a context pod that is not the call's pod: the first is kept
        at = keys.index("msg") + 1
        obj.insert(at, ("pod", {"name": "other", "namespace": "elsewhere"}))
        obj.insert(at + 1, ("node", "first-node"))
    elif op == 11:  # a message that ends in a newline, or a printf one with two
        return line.replace('","v":', '\\n","v":', 1).replace('\\n\\n', '\\n', 1) if rng.random() < 0.5 \
            else line.replace('\\n","v":', '\\n\\n","v":', 1)
    elif op == 12 and "allocatableResource" in keys:  # 1.22-1.2x "Listing" with map values
        obj = [("msg", "Listing internal info for allocatable resources, requested resources and score")
               if k == "msg" else (k, {"cpu": 1, "memory": 2, "cpu ": 3} if k.endswith("Resource") else v)
               for k, v in obj]
        if rng.random() < 0.5:  # a key given twice in a map: json.loads keeps the first
            return _compact(obj).replace('"cpu ":3', '"cpu":3')
    elif op == 13:  # a value of another type
        obj = [(k, [1, 2] if k == "plugin" else None if k == "node" else v) for k, v in obj]
    elif op == 14:  # an empty array, a negative score
        return line.replace('"requestedResource":[', '"requestedResource":[],"x":[', 1).replace(
            '"score":', '"score":-', 1)
    elif op == 15:  # zap's JSON (level, no v)
        obj = [(k, v) for k, v in obj if k != "v"] + [("level", "info")]
    else:
        return [line, line]
    return _compact(obj)


def _compact(pairs: list) -> str:
    """Pairs (a key may come twice) as one compact JSON object, as klog writes it."""
    return "{" + ",".join(f"{json.dumps(k)}:{json.dumps(v, separators=COMPACT)}" for k, v in pairs) + "}"


def _fuzzed_json_lines(seed: int) -> list[bytes]:
    """Generated 1.30 and 1.21 JSON records, then edited (_edit) and mangled the ways real files are."""
    text = _generated("1.30", 6, 25, seed) + _generated("1.21", 6, 25, seed)
    return fuzzed(text, seed, head=300, keep=0.5, ways=26, own=_own_mangle)


def _own_mangle(op: int, line: str, i: int, rng: random.Random, out: list[bytes]) -> None:
    """The JSON fuzzer's own ways: 6-10 around the record, 11-25 inside it (_edit)."""
    if op == 6:
        out.append(f"{CRI_TIME.format(i)} stderr F {line}".encode())
    elif op == 7:
        out += [line.encode() + b"  ", b"", b"   "]
    elif op == 8:
        out.append(json.dumps({"log": line + "\n", "stream": "stderr", "time": CRI_TIME.format(i)}).encode())
    elif op == 9:
        out.append(b"I1128 16:00:00.000001   12407 schedule_one.go:1] \"Plugin scored node for pod\" "
                   b"pod=\"a/b\" plugin=\"X\" node=\"n\" score=1")  # a text record among JSON ones
    elif op == 10:
        out.append(b"goroutine 1 [running]:")
    else:
        edited = _edit(line, rng)
        out += [e.encode() for e in ([edited] if isinstance(edited, str) else edited)]


@pytest.mark.parametrize("block_bytes", [None, 4096])
@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::SyntaxWarning")
def test_fuzzed_json_log_reads_alike(tmp_path, monkeypatch, block_bytes, seed):
    lines = [*_fuzzed_json_lines(seed), b'{"ts":1,"msg":"no line end","v":0}']
    assert_fuzzed_alike(tmp_path / "fuzzed.log", lines, monkeypatch, block_bytes, 1000)


# -- Python re against RE2, and the values against json.loads ------------------------------------------------
@pytest.fixture(scope="module")
def json_lines() -> list[str]:
    lines = [line for path in JSON_CORPUS
             for line in path.read_bytes().decode("utf-8", errors="replace").splitlines()]
    lines += _generated("1.30", 4, 8) + _generated("1.21", 4, 8)
    lines += [b.decode("utf-8", errors="replace") for seed in (3, 4) for b in _fuzzed_json_lines(seed)]
    return [line for line in dict.fromkeys(lines) if line.startswith("{") and line.isascii() and line.isprintable()]


def test_json_shapes_agree_with_python(json_lines):
    """Each JSON shape's RE2 regex matches exactly where its Python source does, with the same groups."""
    rows = pa.array([line + "\n" for line in json_lines], pa.string())
    hits = 0
    for shape in hotshapes.json_shapes():
        python = re.compile(shape.source)
        found = pc.extract_regex(rows, shape.regex).to_pylist()
        for line, got in zip(json_lines, found, strict=True):
            m = python.match(line + "\n")
            assert (got is None) == (m is None), line
            if got is not None:
                hits += 1
                assert got == {k: v or "" for k, v in m.groupdict().items()}, line
    assert hits > 1000


def test_json_layouts_split_each_shape(json_lines):
    """A structured shape's layouts (hotshapes.json_variants) split its rows: exactly one matches where the shape
    does (Python re and RE2 alike), with the shape's values in the groups it keeps; the header pass reads the
    shape's "ts", "logger" and "caller" groups on those rows."""
    rows = pa.array([line + "\n" for line in json_lines], pa.string())
    header = pc.extract_regex(rows, hotshapes.json_header_re2()).to_pylist()
    names = dict(zip(hotshapes.JSON_HEADER_ROLES, ("ts", "logger", "caller"), strict=True))
    layouts, kinds = 0, set()
    for shape in hotshapes.json_shapes():
        if shape.message is None:
            continue
        python = re.compile(shape.source)
        variants = [(re.compile(v.source), pc.extract_regex(rows, v.regex).to_pylist(), v) for v in shape.variants]
        for n, line in enumerate(json_lines):
            m = python.match(line + "\n")
            hits = [(vm, got[n], v) for vp, got, v in variants if (vm := vp.match(line + "\n")) or got[n]]
            assert len(hits) == (m is not None), line
            if m is None:
                continue
            vm, got, variant = hits[0]
            assert vm is not None and got == {k: v or "" for k, v in vm.groupdict().items()}, line
            assert {f"v{i}" for i in variant.groups} == set(got), line
            assert all(m[name] == value for name, value in got.items()), line
            assert all((m[f"v{i}"] or "") == header[n][names[role]] for i, role in enumerate(shape.roles)
                       if role in names), line
            layouts += 1
            kinds.add(variant.context)
    assert layouts > 1000
    printf = next(shape for shape in hotshapes.json_shapes() if shape.message is None)
    assert printf.roles == columnar._PRINTF_ROLES
    matched = pc.match_substring_regex(rows, printf.regex).to_pylist()
    texts = 0
    for n, (line, got) in enumerate(zip(json_lines, pc.extract_regex(rows, printf.regex).to_pylist(), strict=True)):
        assert matched[n] == (got is not None), line
        if got is not None:  # columnar reads these rows' groups from the header pass
            assert [got["v0"], got["v1"], got["v2"]] == [header[n]["ts"], header[n]["caller"], header[n]["m"]], line
            texts += 1
    assert texts > 100
    assert kinds == {frozenset(), frozenset({"pod"}), frozenset({"pod", "node"})}  # 1.21; 1.30; 1.30 resources


def test_json_events_are_json_loads_events(json_lines):
    """Where a structured JSON shape matches, its Event is the one structured_event builds from json.loads."""
    rows = pa.array([line + "\n" for line in json_lines], pa.string())
    checked = set()
    for shape in hotshapes.json_shapes():
        if shape.message is None:
            continue
        ok, found = columnar._extract(rows, shape.regex)
        events = columnar._json_events(shape, found) if len(ok) else []
        for row, event in zip(ok.tolist(), events, strict=True):
            obj = json.loads(json_lines[row], object_pairs_hook=_dup_tolerant)
            assert event == structured_event(shape.message, obj), json_lines[row]
            checked.add(shape.message)
    # every hot message (the fuzzer writes "Listing" records with maps), but a pod deleted after it was bound
    assert checked == {message for message, _keys in hotshapes.HOT_STRUCTURED} - {"Delete event for scheduled pod"}


# -- the CLI ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("era", ["1.21", "1.30"])
@pytest.mark.parametrize("command", ["attempts", "check"])
def test_cli_json_is_byte_identical_on_json_logs(tmp_path, command, era):
    path = tmp_path / "x.log"
    path.write_text("\n".join(_generated(era, 20, 30, seed=4)) + "\n", encoding="utf-8")
    assert_cli_json_alike(path, command)


def test_json_stamps_are_json_ts():
    """The bulk "ts" stamps equal _json_ts's on every form (whole ms, fractions, halves of a microsecond, a
    carry into the next second, floats' own digits) and fall back to it outside years 1000-9999."""
    rng = random.Random(5)
    ts = []
    for _ in range(20000):
        ms = rng.randrange(10**12, 2 * 10**12)
        ts += [str(ms), f"{ms}.{rng.randrange(10**6):06d}", f"{ms}.{rng.randrange(1000)}5", f"{ms}.9999995",
               repr(rng.uniform(0, 4e12)), f"{ms}.{rng.randrange(10)}"]
    assert columnar._json_times(ts)[1] == [_json_ts(t) for t in ts]
    odd = ["-1.5", "0", "1" + "0" * 18, "253402300799999.9999"]
    assert columnar._json_times(odd)[1] == [_json_ts(t) for t in odd]


def test_json_ts_is_strftime():
    """_json_ts formats with isoformat (faster) exactly as strftime did, across the years both can show."""
    from datetime import UTC, datetime

    rng = random.Random(6)
    values = [rng.uniform(-3e13, 2.5e14) for _ in range(20000)] + [rng.randrange(0, 10**13) for _ in range(20000)]
    for value in values:
        moment = datetime.fromtimestamp(value / 1000.0, tz=UTC)
        assert _json_ts(value) == moment.strftime("%Y-%m-%dT%H:%M:%S.%f") + "Z", value
