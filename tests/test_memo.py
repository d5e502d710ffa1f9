"""The hot path's memos change nothing: the same attempts and check JSON with them as without them.

``reconstruct/shared.py`` hands out one frozen object for equal resource inputs and scores, and
``reconcile/memo.py`` completes each distinct score once; ``SCHEDLOG_MEMO=off`` builds and completes
every score afresh, the per-line reference. Both must print the same bytes on generated logs of every
era and format (a 1,000-node one too), every lab log and every public excerpt.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import LAB, PUBLIC, needs_shared
from typer.testing import CliRunner

from analyzer import memo_switch
from analyzer.cli import app
from analyzer.model import Score
from analyzer.reconcile import plan, reconcile_attempt
from analyzer.reconcile.memo import ScoreMemo, memo_for, score_key
from analyzer.reconstruct.shared import SharedParts
from analyzer.run.batch import analyze_paths
from analyzer.synth import ERAS, write_log

SYNTH = [(era, fmt) for era in ERAS for fmt in ("text", "json") if not (era == "1.14" and fmt == "json")]
REAL = (sorted(str(p) for p in LAB.rglob("*.log")) if LAB.is_dir() else []) + \
       (sorted(str(p) for p in PUBLIC.glob("*.log")) if PUBLIC.is_dir() else [])
runner = CliRunner()


def _outputs(path: str) -> list[str]:
    """``attempts -o json`` and ``check -o json`` of one log, exit codes included."""
    out = []
    for command in ("attempts", "check"):
        result = runner.invoke(app, ["--jobs", "1", command, path, "-o", "json"])
        out.append(f"{result.exit_code}\n{result.stdout}")
    return out


def _assert_same_with_and_without_memo(path: str) -> None:
    with_memo = _outputs(path)
    with memo_switch.memo_off():
        reference = _outputs(path)
    assert with_memo == reference
    assert memo_switch.enabled() or os.environ.get(memo_switch.ENV_VAR) == "off"


@pytest.fixture(scope="module")
def synth_dir(tmp_path_factory) -> Path:
    """Every era and format at 8 nodes x 80 pods, and 1.14 and 1.30 text at 1,000 nodes x 3 pods."""
    out = tmp_path_factory.mktemp("synth-memo")
    logs = [(f"{era}-{fmt}", era, fmt, 8, 80) for era, fmt in SYNTH]
    logs += [(f"{era}-text-1000n", era, "text", 1000, 3) for era in ("1.14", "1.30")]
    for name, era, fmt, nodes, pods in logs:
        with open(out / f"{name}.log", "w", encoding="utf-8") as fh:
            write_log(fh, era, nodes=nodes, pods=pods, fmt=fmt, seed=13)
    return out


@pytest.mark.parametrize(("era", "fmt"), SYNTH)
def test_generated_logs_print_the_same_with_and_without_memo(synth_dir, era, fmt):
    _assert_same_with_and_without_memo(str(synth_dir / f"{era}-{fmt}.log"))


@pytest.mark.parametrize("era", ["1.14", "1.30"])
def test_a_1000_node_log_prints_the_same_with_and_without_memo(synth_dir, era):
    path = str(synth_dir / f"{era}-text-1000n.log")
    _assert_same_with_and_without_memo(path)
    attempts = json.loads(_outputs(path)[0].split("\n", 1)[1])["attempts"]
    assert [len(a["nodes"]) for a in attempts] == [1000, 1000, 1000]  # three pods scored on 1,000 nodes each
    recomputed = [s["recomputed"] for a in attempts for n in a["nodes"] for s in n["scores"] if s.get("inputs")]
    assert len(recomputed) == 6000 and None not in recomputed


@needs_shared
@pytest.mark.parametrize("path", REAL, ids=lambda p: Path(p).name)
def test_real_logs_print_the_same_with_and_without_memo(path):
    _assert_same_with_and_without_memo(path)


def test_the_memos_share_objects_on_a_generated_log(synth_dir):
    """They are on by default and do share: equal scores are one object after reconcile."""
    result = analyze_paths([str(synth_dir / "1.30-text.log")])
    context = plan(result).context
    done = [reconcile_attempt(a, context) for a in result.attempts]
    scores = [s for a in done for n in a.nodes for s in n.scores]
    assert len({id(s) for s in scores}) < len(scores) / 2
    memo = memo_for(context)
    assert memo.context is context and memo.on


def test_memo_keys_tell_ints_from_other_numbers():
    """1, 1.0 and True print differently in JSON: a score holding anything but ints is never remembered."""
    assert score_key(Score("P", weighted=1)) is not None
    assert score_key(Score("P", weighted=1.0)) is None
    assert score_key(Score("P", weighted=True)) is None
    memo = ScoreMemo(object())
    assert memo.lookup(Score("P", weighted=True), None) == (None, None)


def test_shared_parts_tell_raw_values_apart():
    """Equal lines share one ResourceInputs; a list, a dict and a map text with the same numbers do not."""
    parts = SharedParts()
    amounts = {"list": [4000, 8000], "dict": {"cpu": 4000, "memory": 8000}, "text": "map[cpu:4000 memory:8000]"}

    def read(value, order):
        return {"cpu": 4000, "memory": 8000} if value is not None else {}

    made = {k: parts.resource_inputs("LeastAllocated", 90, "listed", v, v, ("cpu", "memory"), read)
            for k, v in amounts.items()}
    assert len({id(v) for v in made.values()}) == 3
    again = parts.resource_inputs("LeastAllocated", 90, "listed", [4000, 8000], [4000, 8000], ("cpu", "memory"), read)
    assert again is made["list"]
    other_score = parts.resource_inputs("LeastAllocated", 91, "listed", [4000, 8000], [4000, 8000], ("cpu", "memory"),
                                        read)
    assert other_score is not made["list"] and other_score.score == 91
    unhashable = parts.resource_inputs("LeastAllocated", 90, "listed", [[1]], [[1]], ("cpu", "memory"), read)
    assert unhashable.allocatable == {"cpu": 4000, "memory": 8000}


def test_env_var_turns_the_memos_off():
    code = "from analyzer import memo_switch; print(memo_switch.enabled())"
    env = dict(os.environ, **{memo_switch.ENV_VAR: "off"})
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_a_nodes_scores_are_completed_once_per_distinct_tuple(synth_dir):
    """The node memo: nodes whose parsed scores are the same objects get the same completed tuple."""
    result = analyze_paths([str(synth_dir / "1.30-text.log")])
    context = plan(result).context
    parsed = [tuple(map(id, n.scores)) for a in result.attempts for n in a.nodes]
    done = [n.scores for a in result.attempts for n in reconcile_attempt(a, context).nodes]
    assert len(set(parsed)) < 0.6 * len(parsed)  # the generated log repeats whole nodes' scores (340 of 640)
    assert len({id(scores) for scores in done}) == len(set(parsed))


def test_nodes_with_findings_are_completed_for_their_own_names(synth_dir, tmp_path):
    """A configured weight the log contradicts gives a finding on every node: each names its own node, with
    the memos as without them (a completion with findings is never remembered)."""
    cfg = tmp_path / "sched.yaml"
    cfg.write_text("apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nprofiles:\n"
                   "- schedulerName: default-scheduler\n  plugins:\n    multiPoint:\n      enabled:\n"
                   "      - name: TaintToleration\n        weight: 1\n")
    result = analyze_paths([str(synth_dir / "1.30-text.log")])

    def findings() -> list[list[tuple]]:
        context = plan(result, config_path=str(cfg)).context
        return [[(d.kind, d.node, d.plugin, d.explanation) for d in reconcile_attempt(a, context).discrepancies]
                for a in result.attempts]

    with_memo = findings()
    with memo_switch.memo_off():
        assert findings() == with_memo
    for attempt, found in zip(result.attempts, with_memo, strict=True):
        named = [node for kind, node, plugin, _ in found if kind == "weight-mismatch" and plugin == "TaintToleration"]
        assert named == [n.node for n in attempt.nodes if n.score("TaintToleration")]
        assert all(f" on {node}:" in text for kind, node, _, text in found if kind == "weight-mismatch")
