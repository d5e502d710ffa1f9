"""Reconciling again: a reconciled attempt taken back to what was parsed (reconcile.undo), so reconciling it
under another version or weights gives what reconciling the parsed attempt once gives; and a batch run
whose whole log states another plan than its head re-reconciles what it collected instead of reading again."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from conftest import LAB, PUBLIC, REPO, analysis, framework_log, legacy_log, needs_shared

import analyzer.run.stream as core
from analyzer.engine import analyze_reconciled
from analyzer.model import Provenance
from analyzer.reconcile import plan, reconcile_attempt, reconcile_result, unreconciled
from analyzer.report.jsonout import attempt_to_dict, dumps, result_to_dict
from analyzer.synth import write_log

LAB_LOGS = sorted(str(p) for p in LAB.rglob("*.log")) if LAB.is_dir() else []
EXCERPTS = sorted(str(p) for p in (REPO / "tests" / "data" / "public").glob("*.log")) + \
    (sorted(str(p) for p in PUBLIC.glob("*.log")) if PUBLIC.is_dir() else [])
# (era, format, nodes, pods): every era's generated shapes, and one cluster of real size
GENERATED = [("1.14", "text", 20, 6), ("1.19", "text", 20, 6), ("1.21", "text", 20, 6), ("1.30", "text", 20, 6),
             ("1.30", "json", 20, 6), ("1.30", "text", 1000, 1)]
V1_CONFIG = ("apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nprofiles:\n"
             "- schedulerName: default-scheduler\n  plugins:\n    multiPoint:\n      enabled:\n"
             "      - name: TaintToleration\n        weight: 1\n      - name: NodeResourcesFit\n        weight: 2\n")
POLICY = ('{"kind": "Policy", "apiVersion": "v1", "priorities": [{"name": "LeastRequestedPriority", "weight": 2}, '
          '{"name": "BalancedResourceAllocation", "weight": 1}, {"name": "NodeAffinityPriority", "weight": 1}, '
          '{"name": "TaintTolerationPriority", "weight": 3}, {"name": "NodePreferAvoidPodsPriority", '
          '"weight": 10000}, {"name": "ImageLocalityPriority", "weight": 1}]}')


@pytest.fixture(scope="module")
def plans(tmp_path_factory) -> dict[str, tuple[str | None, str | None]]:
    """name -> (--k8s-version, --config): the log's own plan, two versions, and two configs with other weights."""
    where = tmp_path_factory.mktemp("plans")
    (where / "v1.yaml").write_text(V1_CONFIG)
    (where / "policy.json").write_text(POLICY)
    return {"own": (None, None), "1.14": ("1.14", None), "1.18": ("1.18", None), "v1.30.6": ("v1.30.6", None),
            "v1 config": ("1.30", str(where / "v1.yaml")), "policy": ("1.14", str(where / "policy.json"))}


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> dict[str, str]:
    where = tmp_path_factory.mktemp("generated")
    out = {}
    for era, fmt, nodes, pods in GENERATED:
        path = where / f"synth-{era}-{fmt}-{nodes}n.log"
        with open(path, "w", encoding="utf-8") as fh:
            write_log(fh, era, nodes=nodes, pods=pods, seed=7, fmt=fmt)
        out[path.name] = str(path)
    return out


def _attempts_json(attempts) -> list[str]:
    return [dumps(attempt_to_dict(a)) for a in attempts]


def _check_rereconciling(path: str, plans: dict[str, tuple[str | None, str | None]]) -> None:
    """Under every plan: undo gives back the parsed attempts exactly, observed numbers stay observed; and
    attempts reconciled under plan A, reconciled under B, give the JSON reconciling the parsed ones under B."""
    raw = analysis(path)
    once = {name: reconcile_result(raw, *p) for name, p in plans.items()}
    for name, result in once.items():
        assert tuple(unreconciled(a) for a in result.attempts) == raw.attempts, name
        for a in result.attempts:
            for node in a.nodes:
                for s in node.scores:
                    parsed = s.parsed_provenance or {}
                    assert all(s.provenance.get(k) == v for k, v in parsed.items()), (name, s)
    pairs = [(a, b) for a in plans for b in plans if a != b and "own" in (a, b)] + \
        [("1.14", "v1.30.6"), ("v1.30.6", "1.14"), ("v1 config", "policy"), ("policy", "v1 config")]
    for a, b in pairs:
        target = plan(raw, *plans[b])
        if target.context is not None:
            again = tuple(reconcile_attempt(x, target.context) for x in once[a].attempts)
            assert _attempts_json(again) == _attempts_json(once[b].attempts), (a, b)


@needs_shared
@pytest.mark.parametrize("path", LAB_LOGS, ids=lambda p: p.rsplit("/", 2)[-2])
def test_lab_logs_reconcile_again_to_what_one_reconcile_gives(path, plans):
    _check_rereconciling(path, plans)


@needs_shared
def test_the_plans_give_different_results_so_the_check_above_can_fail(plans):
    """Each lab log scores differently under the plans (else reconciling again would trivially agree)."""
    for path in LAB_LOGS:
        raw = analysis(path)
        results = {dumps([attempt_to_dict(a) for a in reconcile_result(raw, *p).attempts]) for p in plans.values()}
        assert len(results) >= 3, path


@pytest.mark.parametrize("path", EXCERPTS, ids=lambda p: Path(p).name[:40])
def test_public_excerpts_reconcile_again_to_what_one_reconcile_gives(path, plans):
    _check_rereconciling(path, plans)


@pytest.mark.parametrize("name", [f"synth-{e}-{f}-{n}n.log" for e, f, n, _ in GENERATED])
def test_generated_logs_reconcile_again_to_what_one_reconcile_gives(name, generated, plans):
    _check_rereconciling(generated[name], plans)


def test_a_legacy_priority_renamed_under_one_version_gets_the_other_versions_name():
    """SelectorSpreadPriority is DefaultPodTopologySpread in 1.18 but SelectorSpread in 1.23: reconciled under
    1.18 then 1.23 it must be SelectorSpread; undo gives back the parsed name, observed numbers, nothing filled in."""
    raw = analysis(str(legacy_log("a-tutorial-3nodes")))
    under_18 = reconcile_result(raw, "1.18")
    names = {s.parsed_plugin: s.plugin for a in under_18.attempts for n in a.nodes for s in n.scores}
    assert names["SelectorSpreadPriority"] == "DefaultPodTopologySpread"
    ctx = plan(raw, "1.23").context
    again = [reconcile_attempt(a, ctx) for a in under_18.attempts]
    assert {s.plugin for a in again for n in a.nodes for s in n.scores} >= {"SelectorSpread", "NodeAffinity"}
    assert "DefaultPodTopologySpread" not in {s.plugin for a in again for n in a.nodes for s in n.scores}
    back = [unreconciled(a) for a in again]
    scores = [s for a in back for n in a.nodes for s in n.scores]
    assert scores and all(s.weight is None and s.recomputed is None and not s.hidden for s in scores)
    assert all(set(s.provenance.values()) == {Provenance.OBSERVED.value} for s in scores)
    assert all(not a.discrepancies and all(n.total_recomputed is None for n in a.nodes) for a in back)
    under_14 = reconcile_result(raw, "1.14")  # 1.14 never prints NodePreferAvoidPods: reconciling adds it, hidden
    assert any(s.hidden for a in under_14.attempts for n in a.nodes for s in n.scores)
    assert not any(s.hidden for a in under_14.attempts for n in reconcile_attempt(a, ctx).nodes for s in n.scores)


# -- batch: the whole log states another plan than its head ----------------------------------------------
def _restarted(tmp_path: Path) -> str:
    """A 1.14 scheduler (no version line: told by its line shapes) restarted as v1.19.1 into the same file, as
    a container's PID: the head says 1.14, the whole log says v1.19.1."""
    first = legacy_log("b-heterogeneous-5nodes").read_text()
    pid = re.search(r"^I\d{4} [\d:.]+ +(\d+) ", first, re.M).group(1)
    then = framework_log("v1.19.1-three-nodes").read_text()
    then = re.sub(r"^([IWEF]\d{4} [\d:.]+) +\d+ ", lambda m: f"{m.group(1)} {pid:>7} ", then, flags=re.M)
    path = tmp_path / "restarted-1.14-then-1.19.log"
    path.write_text(first + then)
    return str(path)


def _json(result) -> str:
    return dumps(result_to_dict(result))


@needs_shared
def test_a_log_restarted_with_another_version_is_reconciled_again_without_reading_again(
        tmp_path, monkeypatch, caplog, reads):
    monkeypatch.setenv("SCHEDLOG_MIN_CHUNK_BYTES", "1500")
    path = _restarted(tmp_path)
    one, one_weights = analyze_reconciled([path], jobs=1)
    reads.clear()
    with caplog.at_level("INFO", logger="analyzer.run.batch"):
        many, many_weights = analyze_reconciled([path], jobs=3)
    assert "reconciled again" in caplog.text and "collected attempts" in caplog.text
    assert one.format.k8s_version == "v1.19.1" and any(a.discrepancies for a in one.attempts)
    assert _json(many) == _json(one) and many_weights == one_weights
    assert len(reads) > 2 and set(reads.values()) == {1}, reads  # read in parts, each part once
    assert all(part is not None for _, part in reads)


@needs_shared
def test_inputs_whose_first_states_another_version_are_each_read_once(caplog, reads):
    paths = [str(legacy_log("b-heterogeneous-5nodes")), str(framework_log("v1.19.1-three-nodes"))]
    one, _ = analyze_reconciled(paths, jobs=1)
    reads.clear()
    with caplog.at_level("INFO", logger="analyzer.run.batch"):
        many, _ = analyze_reconciled(paths, jobs=2)
    assert "reconciled again" in caplog.text
    assert _json(many) == _json(one)
    assert reads == Counter({(p, None): 1 for p in paths})


@needs_shared
@pytest.mark.parametrize("path", LAB_LOGS, ids=lambda p: p.rsplit("/", 2)[-2])
def test_a_misleading_head_gives_the_one_read_json(monkeypatch, caplog, reads, path):
    """Every lab log, its head taken from a log of another version: reconciled again, same JSON, read once."""
    from analyzer.parts import preamble

    other = str(legacy_log("a-tutorial-3nodes") if "v1.14" not in path else framework_log("v1.30.6-three-nodes"))
    monkeypatch.setattr(core, "preamble", lambda p, index: preamble(other, index))
    monkeypatch.setenv("SCHEDLOG_MIN_CHUNK_BYTES", "1500")
    one, _ = analyze_reconciled([path], jobs=1)
    reads.clear()
    with caplog.at_level("INFO", logger="analyzer.run.batch"):
        many, _ = analyze_reconciled([path], jobs=2)
    assert "reconciled again" in caplog.text
    assert _json(many) == _json(one)
    assert set(reads.values()) == {1}, reads
