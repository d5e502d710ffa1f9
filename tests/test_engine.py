"""Engines: several inputs analyzed in parallel (process pool, Dask) give byte-identical JSON."""

from __future__ import annotations

import pytest
from conftest import FRAMEWORK_RUNS, framework_log, legacy_log, needs_shared

from analyzer.engine import analyze_many
from analyzer.pipeline import analyze_paths
from analyzer.report.jsonout import dumps, result_to_dict

pytestmark = needs_shared


def _inputs():
    return [str(framework_log(r)) for r in FRAMEWORK_RUNS] + [str(legacy_log("b-heterogeneous-5nodes"))]


def _json(result) -> str:
    return dumps(result_to_dict(result))


def test_many_inputs_in_one_pass_number_attempts_across_inputs():
    paths = [str(framework_log("v1.30.6-three-nodes")), str(framework_log("v1.30.6-three-nodes-json"))]
    result = analyze_paths(paths)
    assert [(a.pod, a.attempt, a.span.input) for a in result.attempts] == [
        ("default/nginx", 1, 0), ("default/nginx", 2, 1)]
    assert result.lines.total == 241 + 112


def test_process_pool_equals_one_pass():
    paths = _inputs()
    assert _json(analyze_many(paths, jobs=2)) == _json(analyze_paths(paths))


def test_dask_local_cluster_equals_one_pass():
    pytest.importorskip("dask.distributed", reason="the dask engine needs dask[distributed]")
    paths = _inputs()[:4]
    assert _json(analyze_many(paths, jobs=2, engine="dask")) == _json(analyze_paths(paths))


def test_evolve_equals_dataclasses_replace_on_model_objects():
    """reconcile's fast copy-with-changes must give exactly what dataclasses.replace gives."""
    import dataclasses

    from analyzer.model import evolve

    result = analyze_paths([str(legacy_log("b-heterogeneous-5nodes"))])
    node = next(n for a in result.attempts for n in a.nodes if n.scores)
    score = node.scores[0]
    before = dataclasses.asdict(score)
    assert evolve(score, weight=7, normalized=3) == dataclasses.replace(score, weight=7, normalized=3)
    assert evolve(node, scores=()) == dataclasses.replace(node, scores=())
    assert dataclasses.asdict(score) == before  # the original is untouched
    assert not any(hasattr(cls, "__post_init__") or hasattr(cls, "__slots__")
                   for cls in (type(score), type(node), type(result.attempts[0])))
