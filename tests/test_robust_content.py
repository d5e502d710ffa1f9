"""Crafted content in real lines (issue 6): the JSON output stays valid and says exactly what the log said.

Also: the same input gives byte-identical JSON, run after run and process after process.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import LAB, framework_log, needs_shared
from strategies import join, read_lines
from typer.testing import CliRunner

from analyzer.cli import app

pytestmark = needs_shared
runner = CliRunner()

FIVE = "v1.30.6-five-nodes"
JSON_LOG = LAB / "v1.30.6-three-nodes-json" / "v1.30.6-three-nodes-json.log"


def _reject_constant(name: str):
    raise ValueError(f"not JSON: {name}")  # NaN / Infinity are Python's extension, not JSON


def attempts_json(path: Path) -> dict:
    res = runner.invoke(app, ["attempts", "-o", "json", str(path)])
    assert res.exit_code == 0, res.stderr
    return json.loads(res.stdout, parse_constant=_reject_constant)


def klog_quote(text: str) -> str:
    """How klog's text format prints a string value (Go's %q for these characters)."""
    return json.dumps(text, ensure_ascii=False)[1:-1]


def craft_text(tmp_path: Path, pod: str, node: str) -> Path:
    """The five-node log with default/web-1 and worker-medium renamed, quoted the way klog quotes."""
    data = framework_log(FIVE).read_bytes().decode()
    data = data.replace('"default/web-1"', f'"{klog_quote(pod)}"')
    data = data.replace('"worker-medium"', f'"{klog_quote(node)}"')
    path = tmp_path / "crafted.log"
    path.write_text(data)
    return path


@pytest.mark.parametrize(("pod", "node"), [
    ("default/<script>alert(1)</script>", "<b>worker</b>&amp;"),
    ('default/say-"hi"', "worker-'quoted'"),
    ("default/back\\slash", "tab\tnode"),
    ("default/" + "p" * 5000, "n" * 3000),
    ("default/ünïcødé-☃", "nøde-\u2028-sep"),
])
def test_crafted_names_in_text_lines_round_trip(tmp_path, pod, node):
    data = attempts_json(craft_text(tmp_path, pod, node))
    pods = [a["pod"] for a in data["attempts"]]
    assert pods[0] == pod, pods[0][:80]
    first = data["attempts"][0]
    assert first["complete"] and first["outcome"] == "bound"
    assert node in [n["node"] for n in first["nodes"]]
    web2 = next(a for a in data["attempts"] if a["pod"] == "default/web-2")
    assert web2["bound_node"] == node  # web-2 went to worker-medium in the real run
    assert data["lines"]["unrecognized"] == 0


def test_escaped_newlines_and_quotes_in_json_lines(tmp_path):
    """JSON logs escape anything in names: \\n, quotes, '<', NUL all decode and re-encode faithfully."""
    crafted = 'evil\n"pod"</script>\u0000'
    lines = [ln.decode() for ln in read_lines(JSON_LOG)]
    out = []
    for ln in lines:
        record = json.loads(ln)
        if record.get("pod") == {"name": "nginx", "namespace": "default"}:
            record["pod"] = {"name": crafted, "namespace": "default"}
        out.append(json.dumps(record, separators=(",", ":")))
    changed = sum(a != b for a, b in zip(lines, out, strict=True))
    assert changed > 5
    path = tmp_path / "crafted.json.log"
    path.write_text("\n".join(out) + "\n")
    data = attempts_json(path)
    assert [a["pod"] for a in data["attempts"]] == [f"default/{crafted}"]
    assert data["attempts"][0]["bound_node"] == "node-3" and data["attempts"][0]["complete"]
    assert data["lines"]["total"] == len(lines)


def _replace_score(text: str, node: str, value: str) -> str:
    """Set web-1's logged final score on one node."""
    out = []
    for ln in text.splitlines(keepends=True):
        if "final score for pod" in ln and 'pod="default/web-1"' in ln and f'node="{node}"' in ln:
            head, _, _ = ln.rpartition("score=")
            ln = f"{head}score={value}\n"
        out.append(ln)
    return "".join(out)


@pytest.mark.parametrize("value", ["99999999999999999999999999", "-9223372036854775809", "-42"])
def test_numbers_beyond_int64_and_negative_scores_stay_exact(tmp_path, value):
    path = tmp_path / "numbers.log"
    path.write_text(_replace_score(framework_log(FIVE).read_text(), "worker-small", value))
    data = attempts_json(path)
    node = next(n for n in data["attempts"][0]["nodes"] if n["node"] == "worker-small")
    assert node["total_logged"] == int(value)
    assert data["attempts"][0]["bound_node"] == "worker-large"


def test_a_non_number_score_is_not_invented(tmp_path):
    path = tmp_path / "nan.log"
    path.write_text(_replace_score(framework_log(FIVE).read_text(), "worker-small", "NaN"))
    res = runner.invoke(app, ["attempts", "-o", "json", str(path)])
    assert res.exit_code == 0
    data = json.loads(res.stdout, parse_constant=_reject_constant)
    node = next(n for n in data["attempts"][0]["nodes"] if n["node"] == "worker-small")
    assert node["total_logged"] in (None, "NaN")


# -- determinism -------------------------------------------------------------------------------------
def _damaged_copy(tmp_path: Path) -> Path:
    lines = read_lines(framework_log(FIVE))
    mixed = lines[:200] + [b"\xff\xfe junk \x00"] + lines[200:300] + lines[250:260] + lines[300:]
    path = tmp_path / "mixed.log"
    path.write_bytes(join(mixed, b"\r\n"))
    return path


@pytest.mark.parametrize("which", ["clean", "damaged"])
def test_same_input_same_bytes_in_process(tmp_path, which):
    path = framework_log(FIVE) if which == "clean" else _damaged_copy(tmp_path)
    outputs = set()
    for _ in range(3):
        res = runner.invoke(app, ["attempts", "-o", "json", str(path)])
        assert res.exit_code == 0
        outputs.add(res.stdout)
    assert len(outputs) == 1
    summary = {runner.invoke(app, ["summary", "-o", "json", str(path)]).stdout for _ in range(2)}
    assert len(summary) == 1


def test_same_input_same_bytes_across_processes(tmp_path):
    """Separate interpreters (different hash seeds): set or dict ordering must not leak into the output."""
    path = _damaged_copy(tmp_path)
    outputs = set()
    for seed in ("1", "2", "3"):
        proc = subprocess.run([sys.executable, "-m", "analyzer", "attempts", "-o", "json", str(path)],
                              capture_output=True, timeout=120,
                              env={"PYTHONHASHSEED": seed, "PATH": "/usr/bin"})
        assert proc.returncode == 0, proc.stderr
        outputs.add(proc.stdout)
    assert len(outputs) == 1
    data = json.loads(outputs.pop())
    assert data["lines"]["damaged"] == 420 and data["lines"]["ignored_by_reason"]["duplicate"] == 10
