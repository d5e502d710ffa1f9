"""Equal nodes frozen once and reconciled once change nothing: the same attempts and check JSON as the reference.

The assembler hands out one NodeResult for equal nodes (``reconstruct/shared.py``), reconcile remembers what each
parsed node gave (``reconcile/memo.py``) and the weight evidence what each scores tuple gave (``reconcile/infer.py``).
``SCHEDLOG_MEMO=off`` freezes and reconciles every node afresh: ``reconcile_attempt(freeze(draft))`` node by node,
the reference. Both must give the same bytes on generated logs of every era and format at 50 and 1,000 nodes and
the same attempts on damaged (fuzzed) real logs; the corpus logs are compared in tests/test_memo.py.
"""

from __future__ import annotations

import json

import pytest
from conftest import framework_log, legacy_log, needs_shared
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import damaged_logs, read_lines
from typer.testing import CliRunner

from analyzer import memo_switch
from analyzer.cli import app
from analyzer.reconcile import plan, reconcile_attempt, reconcile_with_plan
from analyzer.reconcile.infer import WeightEvidence
from analyzer.run.batch import analyze_paths
from analyzer.synth import ERAS, write_log

SYNTH = [(era, fmt) for era in ERAS for fmt in ("text", "json") if not (era == "1.14" and fmt == "json")]
SIZES = {"50n": (50, 12), "1000n": (1000, 2)}  # nodes, pods
runner = CliRunner()


def _outputs(path: str) -> list[str]:
    """``attempts -o json`` and ``check -o json`` (and ``check -v`` text) of one log, exit codes included."""
    out = []
    for args in (["attempts", path, "-o", "json"], ["check", path, "-o", "json"], ["check", path, "-v"]):
        result = runner.invoke(app, ["--jobs", "1", *args])
        out.append(f"{result.exit_code}\n{result.stdout}")
    return out


@pytest.fixture(scope="module")
def synth_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth-nodes")
    for era, fmt in SYNTH:
        for size, (nodes, pods) in SIZES.items():
            with open(out / f"{era}-{fmt}-{size}.log", "w", encoding="utf-8") as fh:
                write_log(fh, era, nodes=nodes, pods=pods, fmt=fmt, seed=19)
    return out


@pytest.mark.parametrize("size", sorted(SIZES))
@pytest.mark.parametrize(("era", "fmt"), SYNTH)
def test_generated_logs_print_the_same_as_the_node_by_node_reference(synth_dir, era, fmt, size):
    path = str(synth_dir / f"{era}-{fmt}-{size}.log")
    shared = _outputs(path)
    with memo_switch.memo_off():
        assert _outputs(path) == shared
    attempts = json.loads(shared[0].split("\n", 1)[1])["attempts"]
    assert len(attempts) >= SIZES[size][1] and max(len(a["nodes"]) for a in attempts) == SIZES[size][0]


def test_equal_nodes_are_one_object_and_reconciled_once(synth_dir):
    """On a generated 50-node log most nodes repeat a node of an earlier attempt: one frozen object each, one
    reconciled object each; with the memos off every node is its own object."""
    path = str(synth_dir / "1.30-text-50n.log")
    result = analyze_paths([path])
    context = plan(result).context
    parsed = [n for a in result.attempts for n in a.nodes]
    done = [n for a in result.attempts for n in reconcile_attempt(a, context).nodes]
    distinct = {id(n) for n in parsed}
    assert len(distinct) < 0.8 * len(parsed)
    assert len({id(n) for n in done}) == len(distinct)  # one reconciled node per parsed one
    with memo_switch.memo_off():
        fresh = analyze_paths([path])
        assert fresh.attempts == result.attempts  # equal content, ...
        assert len({id(n) for a in fresh.attempts for n in a.nodes}) == len(parsed)  # ... a new object per node
        again = [reconcile_attempt(a, plan(fresh).context) for a in fresh.attempts]
    assert again == [reconcile_attempt(a, context) for a in result.attempts]


def test_weight_evidence_counts_every_node_of_a_shared_tuple(synth_dir):
    """The evidence notes a scores tuple once per attempt but counts each node that carries it (rows, remainders),
    as it does with every node's scores its own tuple (the memos off)."""
    def evidence(result):
        p = plan(result)
        found = WeightEvidence(p.context.version)
        for attempt in reconcile_with_plan(result, p).attempts:
            found.add(attempt)
        return found

    result = analyze_paths([str(synth_dir / "1.30-text-50n.log")])
    shared = evidence(result)
    with memo_switch.memo_off():
        reference = evidence(analyze_paths([str(synth_dir / "1.30-text-50n.log")]))
    with_total = sum(1 for a in result.attempts for n in a.nodes if n.total_logged is not None)
    assert shared.rows == reference.rows == with_total == sum(shared.remainders.values())
    assert (shared.remainders, shared.divisors, shared.applied, shared.ratios) == \
        (reference.remainders, reference.divisors, reference.applied, reference.ratios)
    assert shared.solve() == reference.solve()


FUZZED = {
    "text-1.30": lambda: framework_log("v1.30.6-five-nodes"),
    "json-1.21": lambda: framework_log("v1.21.0-pre-five-nodes-json"),
    "legacy-1.14": lambda: legacy_log("b-heterogeneous-5nodes"),
}


def _reconciled(path: str):
    result = analyze_paths([path])
    return reconcile_with_plan(result, plan(result)).attempts


@needs_shared
@pytest.mark.parametrize("log", sorted(FUZZED))
@settings(max_examples=15, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_damaged_logs_reconcile_the_same_as_the_reference(tmp_path_factory, log, data):
    damaged = data.draw(damaged_logs(read_lines(FUZZED[log]())))
    out = tmp_path_factory.mktemp("damaged") / "damaged.log"
    out.write_bytes(damaged.data)
    shared = _reconciled(str(out))
    with memo_switch.memo_off():
        assert _reconciled(str(out)) == shared
