"""The regex fast path gives what lark gives: the same events and JSON on real, generated, mangled logs."""

from __future__ import annotations

import io
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import LAB, PUBLIC, needs_shared

from analyzer.parse import fastpath
from analyzer.parse.klog import KLOG_HEADER
from analyzer.parse.printf import DISPATCH, dispatch, parse_printf
from analyzer.parse.structured import split_structured
from analyzer.pipeline import all_events, analyze_paths
from analyzer.report.jsonout import result_to_dict
from analyzer.synth import ERAS, write_log

LAB_LOGS = sorted(str(p) for p in LAB.rglob("*.log")) if LAB.is_dir() else []
PUBLIC_LOGS = sorted(str(p) for p in PUBLIC.glob("*.log")) if PUBLIC.is_dir() else []
SYNTH = [(era, fmt) for era in ERAS for fmt in ("text", "json") if not (era == "1.14" and fmt == "json")]


def _both(fn):
    """fn() with the fast path, then with lark only."""
    with_fast = fn()
    with fastpath.lark_only():
        lark = fn()
    return with_fast, lark


def _assert_same_analysis(path: str) -> None:
    fast_events, lark_events = _both(lambda: all_events([path]))
    assert fast_events == lark_events
    fast_json, lark_json = _both(lambda: json.dumps(result_to_dict(analyze_paths([path])), sort_keys=True))
    assert fast_json == lark_json


@pytest.fixture(scope="module")
def synth_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("synth")
    for era, fmt in SYNTH:
        with open(out / f"{era}-{fmt}.log", "w", encoding="utf-8") as fh:
            write_log(fh, era, nodes=6, pods=60, fmt=fmt, seed=11)
    return out


@needs_shared
@pytest.mark.parametrize("path", LAB_LOGS + PUBLIC_LOGS, ids=lambda p: Path(p).name)
def test_real_logs_parse_identically(path):
    _assert_same_analysis(path)


@pytest.mark.parametrize(("era", "fmt"), SYNTH)
def test_generated_logs_parse_identically(synth_dir, era, fmt):
    _assert_same_analysis(str(synth_dir / f"{era}-{fmt}.log"))


def test_every_hot_shape_compiles():
    compiled = {c.shape.name for items in fastpath.printf_matchers().values() for c in items}
    assert compiled == {s.name for s in fastpath.PRINTF_SHAPES}
    assert fastpath.structured_matcher().line.pattern


# -- the fast path really is taken for the hot lines -----------------------------------------------
def _messages(path: Path) -> list[str]:
    out = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        m = KLOG_HEADER.match(line.strip())
        if m:
            out.append(m["msg"])
    return out


def _rule(message: str) -> str | None:
    """The start rule by a plain scan of DISPATCH (what the indexed dispatch() must agree with)."""
    return next((route.rule for route in DISPATCH if route.test(message)), None)


@pytest.mark.parametrize("era", ERAS)
def test_fast_path_covers_the_hot_text_lines(tmp_path, era):
    path = tmp_path / "x.log"
    with open(path, "w", encoding="utf-8") as fh:
        write_log(fh, era, nodes=4, pods=20, seed=3)
    from analyzer.parse.printf import _TRANSFORMER
    from analyzer.parse.structured import _bare, _number, _unquote

    hot = missed = 0
    for msg in _messages(path):
        if msg.startswith('"'):
            hot += 1
            missed += fastpath.fast_split(msg, _unquote, _number, _bare) is None and " Plugins={" not in msg
        elif _rule(msg) in fastpath.printf_matchers():
            hot += 1
            missed += fastpath.fast_printf(_rule(msg), msg.rstrip(), _TRANSFORMER) is None
    assert hot > 50
    assert missed == 0


HOT_STRUCTURED = ('"Plugin scored node for pod"', '"Calculated node', '"Listed internal', '"Listing internal')


@needs_shared
def test_fast_path_covers_the_hot_real_lines():
    """Every hot line of the lab and public logs takes the fast path, except the v1.3 shapes."""
    from analyzer.parse.printf import _TRANSFORMER
    from analyzer.parse.structured import _bare, _number, _unquote

    hot, missed = 0, []
    for path in sorted(LAB.rglob("*.log")) + sorted(PUBLIC.glob("*.log")):
        for msg in _messages(path):
            if msg.startswith(HOT_STRUCTURED):
                hot += 1
                if fastpath.fast_split(msg, _unquote, _number, _bare) is None:
                    missed.append(msg)
            elif dispatch(msg) in ("arrow", "host", "plugin_list"):
                hot += 1
                if fastpath.fast_printf(dispatch(msg), msg.rstrip(), _TRANSFORMER) is None:
                    missed.append(msg)
    assert hot > 500
    v13 = [m for m in missed if "Absolute/Requested:" in m or (m.startswith("Host ") and "=>" not in m)]
    assert missed == v13


# -- mangled lines: wherever the fast path answers, lark answers the same --------------------------
PALETTE = ' ,:=()[]{}<>"\\-+0123456789aZ_/.&;\t'


def _mutations(text: str, rng: random.Random, count: int) -> list[str]:
    out = []
    for _ in range(count):
        s = text
        for _ in range(rng.randint(1, 3)):
            i = rng.randrange(len(s) + 1)
            op = rng.randrange(4)
            if op == 0 and s:
                s = s[:i] + s[i + 1 :]
            elif op == 1:
                s = s[:i] + rng.choice(PALETTE) + s[i:]
            elif op == 2:
                s = s[:i] + "  " + s[i:]
            elif s:
                j = rng.randrange(len(s))
                s = s[:j] + rng.choice(PALETTE) + s[j + 1 :]
        out.append(s)
    return out


def _sample_messages() -> list[str]:
    buf = io.StringIO()
    for era in ERAS:
        write_log(buf, era, nodes=3, pods=4, seed=5)
    messages = [
        KLOG_HEADER.match(line)["msg"] for line in buf.getvalue().splitlines() if KLOG_HEADER.match(line)
    ]
    if LAB.is_dir():
        for path in sorted(LAB.rglob("*.log")) + sorted(PUBLIC.glob("*.log")):
            messages += _messages(path)
    for path in sorted((Path(__file__).resolve().parent / "data" / "public").glob("facts-*.log")):
        messages += _messages(path)  # issue 12's shapes: recorded events, error paths, Go slices, panics
    seen = dict.fromkeys(m for m in messages if len(m) < 600)
    return list(seen)


@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::SyntaxWarning")  # _unquote on junk
def test_mangled_lines_agree():
    rng = random.Random(20261128)
    checked = 0
    for message in _sample_messages():
        for variant in [message, *_mutations(message, rng, 12)]:
            fast_split, lark_split = _both(lambda v=variant: split_structured(v))
            assert fast_split == lark_split, variant
            assert dispatch(variant) == _rule(variant), variant
            fast_event, lark_event = _both(lambda v=variant: parse_printf(v))
            assert fast_event == lark_event, variant
            checked += 1
    assert checked > 1000


# -- the switch -----------------------------------------------------------------------------------
def test_env_var_forces_lark():
    code = "from analyzer.parse import fastpath; print(fastpath.enabled())"
    env = dict(os.environ, SCHEDLOG_PARSER="lark")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
    env["SCHEDLOG_PARSER"] = ""
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"


def test_lark_only_restores_the_switch():
    assert fastpath.enabled() or os.environ.get(fastpath.ENV_VAR) == "lark"
    before = fastpath.enabled()
    with fastpath.lark_only():
        assert not fastpath.enabled()
    assert fastpath.enabled() == before


# -- flattening a grammar rule ----------------------------------------------------------------------
def _printf_parser():
    from analyzer.parse.grammar import lalr_parser
    from analyzer.parse.printf import START_RULES

    return lalr_parser("printf", START_RULES)


def test_flat_rule_asks_which_expansion():
    from analyzer.parse.regular import flat_rule

    with pytest.raises(ValueError, match="pick one"):
        flat_rule(_printf_parser(), "host")
    with pytest.raises(ValueError, match="no rule named"):
        flat_rule(_printf_parser(), "no_such_rule")


def test_flat_rule_captures_a_repetition_as_one_span():
    from analyzer.parse.regular import flat_rule

    flat = flat_rule(_printf_parser(), "plugin_list", {"plugin_list": 0})
    assert flat.captures == ("WORD", "POD", "*node_score")
    m = flat.regex.match("Plugin ImageLocality scores on default/nginx => [{node-1 0} {node-3 4}]")
    assert [e.groups() for e in flat.repeats["node_score"].finditer(m.group(3))] == [("node-1", "0"),
                                                                                     ("node-3", "4")]


@pytest.mark.parametrize("message", [
    "Schedule Pod a/b on Node n is allowed,   keeps the spaces REST took from %ignore",
    "Host n   =>   Score   7",
    "Host n => Score 007",
    "x -> n: P, Score: (-3)",
    "Plugin P scores on a/b => []",
])
def test_edge_spacing_matches_lark(message):
    fast, lark = _both(lambda: parse_printf(message))
    assert fast == lark and fast is not None


def test_dispatch_index_guards_its_assumptions():
    from analyzer.parse.printf import Route, _index

    with pytest.raises(ValueError, match="must come before"):
        _index((Route("host", "Host "), Route("arrow", contains=(" -> ",))))
    with pytest.raises(ValueError, match="first word"):
        _index((Route("x", "Version:"),))
    with pytest.raises(ValueError, match="shadowed"):
        _index((Route("host", "Host "), Route("x", "Ho", stem=True)))
