"""pytest helpers for scheduler logs: assert where pods landed and how they scored, in a few lines.

    from analyzer.testing import assert_scheduled, assert_scores, assert_unschedulable

    @pytest.mark.scheduler_log("samples/lab/v1.30.6-three-nodes/v1.30.6-three-nodes.log")
    def test_nginx_prefers_the_big_node(scheduler_log):
        assert_scheduled(scheduler_log, "default/nginx", "node-3")
        assert_scores(scheduler_log, "default/nginx", "node-3", {"TaintToleration": 300, "ImageLocality": 4})

Fixtures (pytest plugin ``analyzer.testing``; or import them into a conftest.py or test module):
``schedlog_log`` is a session-wide factory, ``schedlog_log(path) -> Analysis``, analysing each file once;
``scheduler_log`` is the Analysis of the log named by ``@pytest.mark.scheduler_log(path)`` or by indirect
parametrization. Relative paths are taken from the pytest rootdir. Every assert takes a path, an Analysis
or an AnalysisResult; pods are 'ns/name' or a bare name; the default attempt is the pod's last one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path

import pytest

from .analysis import Analysis, analyze
from .model import AnalysisResult, Attempt, Outcome
from .pipeline import attempts_for
from .regress.snapshot import logged_score

LogLike = str | Path | Analysis | AnalysisResult
MARKER = "scheduler_log"


@cache
def _analyze_cached(path: str, stamp: tuple[int, int]) -> Analysis:
    return analyze(path)


def load_log(path: str | Path) -> Analysis:
    """The Analysis of a saved log, computed once per file version (path, mtime, size) per process."""
    resolved = Path(path).resolve()
    stat = resolved.stat()
    return _analyze_cached(str(resolved), (stat.st_mtime_ns, stat.st_size))


def _result(log: LogLike) -> AnalysisResult:
    if isinstance(log, AnalysisResult):
        return log
    if isinstance(log, Analysis):
        return log.result
    return load_log(log).result


def find_attempt(log: LogLike, pod: str, attempt: int | None = None) -> Attempt:
    """One attempt of a pod (its last unless `attempt` is given); AssertionError naming the pods if none."""
    result = _result(log)
    chosen = attempts_for(result, pod, attempt)
    if not chosen:
        pods = sorted({a.pod for a in result.attempts})
        which = f" attempt {attempt}" if attempt is not None else ""
        raise AssertionError(f"no{which} attempt for pod {pod} (pods in the log: {', '.join(pods)})")
    return chosen[-1]


def _describe(attempt: Attempt) -> str:
    where = f" on {attempt.winner}" if attempt.winner else ""
    why = f" ({attempt.failure.message})" if attempt.failure is not None else ""
    return f"{attempt.outcome.value}{where}{why}"


def assert_scheduled(log: LogLike, pod: str, node: str, attempt: int | None = None) -> Attempt:
    """Assert the pod was bound to `node` (by its last attempt, or attempt number `attempt`)."""
    found = find_attempt(log, pod, attempt)
    if found.outcome is not Outcome.BOUND or found.winner != node:
        raise AssertionError(f"{found.pod} #{found.attempt}: expected bound on {node}, "
                             f"but was {_describe(found)}")
    return found


def assert_scores(log: LogLike, pod: str, node: str, expected: Mapping[str, int],
                  attempt: int | None = None) -> Attempt:
    """Assert plugin scores on a node as the log prints them (weighted in the framework era)."""
    found = find_attempt(log, pod, attempt)
    result = found.node(node)
    if result is None or not result.scores:
        scored = sorted(n.node for n in found.nodes if n.scores)
        raise AssertionError(f"{found.pod} #{found.attempt}: no scores for node {node} "
                             f"(scored nodes: {', '.join(scored) or 'none'})")
    logged = {s.plugin: logged_score(s) for s in result.scores}
    logged = {plugin: value for plugin, value in logged.items() if value is not None}
    problems = []
    for plugin, want in sorted(expected.items()):
        if plugin not in logged:
            problems.append(f"{plugin} not scored (scored: {', '.join(sorted(logged))})")
        elif logged[plugin][1] != want:
            problems.append(f"{plugin} is {logged[plugin][1]} ({logged[plugin][0]}), expected {want}")
    if problems:
        raise AssertionError(f"{found.pod} #{found.attempt} on {node}: " + "; ".join(problems))
    return found


def assert_unschedulable(log: LogLike, pod: str, reason: str | None = None,
                         attempt: int | None = None) -> Attempt:
    """Assert the pod's attempt ended unschedulable, optionally for `reason` (a substring of a reason)."""
    found = find_attempt(log, pod, attempt)
    if found.outcome is not Outcome.UNSCHEDULABLE:
        raise AssertionError(f"{found.pod} #{found.attempt}: expected unschedulable, was {_describe(found)}")
    if reason is not None:
        failure = found.failure
        texts = [*failure.reasons, failure.message] if failure is not None else []
        if not any(reason.lower() in text.lower() for text in texts):
            got = ", ".join(f"{k} ({v})" for k, v in failure.reasons.items()) if failure else "none logged"
            raise AssertionError(f"{found.pod} #{found.attempt}: unschedulable, not for {reason!r}: {got}")
    return found


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"{MARKER}(path, skip_missing=False): the saved scheduler log the "
                                       "scheduler_log fixture loads")


@pytest.fixture(scope="session")
def schedlog_log() -> Callable[[str | Path], Analysis]:
    """Factory fixture: schedlog_log(path) -> Analysis, each saved log analysed once per session."""
    return load_log


@pytest.fixture
def scheduler_log(request: pytest.FixtureRequest, schedlog_log: Callable[[str | Path], Analysis]) -> Analysis:
    """The Analysis of the log named by @pytest.mark.scheduler_log(path) or indirect parametrization."""
    marker = request.node.get_closest_marker(MARKER)
    path = marker.args[0] if marker is not None and marker.args else getattr(request, "param", None)
    if path is None:
        pytest.fail("scheduler_log needs @pytest.mark.scheduler_log(path) or indirect parametrization", False)
    path = Path(path)
    if not path.is_absolute():
        path = Path(request.config.rootpath) / path
    if not path.is_file():
        if marker is not None and marker.kwargs.get("skip_missing"):
            pytest.skip(f"saved scheduler log {path} is absent")
        pytest.fail(f"saved scheduler log {path} does not exist", False)
    return schedlog_log(path)
