"""The event contract between parse and reconstruct (issue 13, item 3): every event of every log keeps it, one
spelling per data key whatever the era or encoding, and the assembler's dispatch refuses a kind without a handler.

Logs: the lab and public corpus (../shared), tests/data, samples/, a generated log of every era and format, and
the lines below for the kinds no such log has (written from the scheduler's format strings, as named).
"""

from __future__ import annotations

import ast
import json
import tempfile
from collections import Counter
from dataclasses import replace
from functools import cache
from pathlib import Path

import pytest
from conftest import LAB, PUBLIC, REPO, needs_shared
from hypothesis import HealthCheck, given, settings
from strategies import damaged_logs, read_lines

from analyzer.parse.events import (
    ASSEMBLER,
    CACHE,
    CONFIG,
    CONTRACT,
    EVENT_KINDS,
    OPTIONAL,
    STORY,
    ContractError,
    Event,
    KindSpec,
    check_event,
    contract_problems,
    kinds_for,
)
from analyzer.parse.printf import parse_printf
from analyzer.parse.recorded import _KINDS as RECORDED_KINDS
from analyzer.parse.structured import STATEMENTS, split_structured, structured_event
from analyzer.pipeline import all_events
from analyzer.reconstruct.assembler import CONFIG_KINDS, STORY_ALSO_HANDLED, STORY_KINDS, Assembler
from analyzer.reconstruct.cache import CACHE_KINDS
from analyzer.reconstruct.registry import build_routes
from analyzer.synth import ERAS, write_log

# -- lines for the kinds the logs above lack ----------------------------------------------------------------
# 1.30 klog text: schedule_one.go, default_preemption.go, preemption.go, eventhandlers.go messages
STRUCTURED_130 = [
    'I0301 10:00:00.000001       1 eventhandlers.go:101] "Add event for node" node="node-1"',
    'I0301 10:00:00.000003       1 eventhandlers.go:120] "Update event for node" node="node-1"',
    'I0301 10:00:00.000010       1 schedule_one.go:98] "Attempting to schedule pod" pod="ns1/urgent"',
    'I0301 10:00:00.000011       1 default_preemption.go:200] "Selecting candidates from a pool of nodes" '
    'pod="ns1/urgent" potentialNodesCount=2 sample=["node-1","node-2"] candidates=2',
    'I0301 10:00:00.000012       1 default_preemption.go:210] "Pod is a potential preemption victim on node" '
    'pod="ns1/batch-1" node="node-2"',
    'I0301 10:00:00.000013       1 preemption.go:400] "Preemptor Pod preempted victim Pod" preemptor="ns1/urgent" '
    'victim="ns1/batch-1" node="node-2"',
    'I0301 10:00:00.000014       1 schedule_one.go:1061] "Unable to schedule pod; no fit; waiting" pod="ns1/urgent" '
    'err="0/2 nodes are available: 2 Insufficient memory."',
    'I0301 10:00:01.000000       1 schedule_one.go:98] "Attempting to schedule pod" pod="ns1/urgent"',
    'I0301 10:00:01.000001       1 extender.go:300] "Extender scored node for pod" pod="ns1/urgent" '
    'extender="http://10.0.0.9:8889/" node="node-2" score=5',
    'I0301 10:00:01.000100       1 default_binder.go:53] "Attempting to bind pod to node" pod="ns1/urgent" '
    'node="node-2"',
    'E0301 10:00:01.000200       1 schedule_one.go:935] "Failed to bind pod" pod="ns1/urgent" err="binding rejected"',
    'I0301 10:00:02.000000       1 schedule_one.go:98] "Attempting to schedule pod" pod="ns1/gone"',
    'I0301 10:00:02.000001       1 schedule_one.go:70] "Skip schedule deleting pod" pod="ns1/gone"',
    'I0301 10:00:04.000000       1 eventhandlers.go:140] "Delete event for node" node="node-1"',
    # 1.26+ dumper.go / comparer.go: the dump's entries in a multi-line value
    'I0301 10:00:05.000000       1 dumper.go:52] "Dump of cached NodeInfo" nodes=<',
    "\tNode name: node-1",
    "\tDeleted: false",
    "\tRequested Resources: &{MilliCPU:100 Memory:0 EphemeralStorage:0 AllowedPodNumber:0 ScalarResources:map[]}",
    "\tScheduled Pods(number: 0):",
    " >",
    'I0301 10:00:05.000100       1 dumper.go:60] "Dump of scheduling queue" summary="activeQ:0; backoffQ:1" pods=<',
    "\tname: batch-9, namespace: default, uid: e5f6, phase: Pending, nominated node: node-1",
    " >",
    'I0301 10:00:05.000200       1 comparer.go:62] "Cache mismatch" missedNodes=[] redundantNodes=["node-2"]',
]
# <= 1.23 printf: a dump's head, one entry (an Info line whose text starts on the next line), the comparer
LEGACY_DUMP = [
    "I0312 10:00:00.000100       1 dumper.go:48] Dump of cached NodeInfo",
    "I0312 10:00:00.000200       1 dumper.go:50] ",
    "Node name: node-a",
    "Number of Pods: 0",
    "I0312 10:00:00.000400       1 dumper.go:60] Dump of scheduling queue:",
    "name: big, namespace: default, uid: 0b1, phase: Pending, nominated node: ",
    "W0312 10:00:00.000500       1 comparer.go:65] cache mismatch: missed nodes: [node-c]; redundant nodes: []",
]
# 1.8-1.10 printf: generic_scheduler.go preemption lines, a bind failure, an extender score
PRINTF_19 = [
    "I0301 10:00:00.000010       1 scheduler.go:100] About to try and schedule pod ns1/urgent",
    "I0301 10:00:00.000011       1 generic_scheduler.go:200] Node node-2 is a potential node for preemption.",
    "I0301 10:00:00.000012       1 generic_scheduler.go:210] Pod ns1/batch-1 is a potential preemption victim on "
    "node node-2.",
    "I0301 10:00:00.000013       1 scheduler.go:220] Preempting 1 pod(s) on node node-2 to make room for ns1/urgent.",
    "I0301 10:00:00.000014       1 factory.go:1200] Unable to schedule ns1 urgent: no fit: 0/2 nodes are available: "
    "2 Insufficient memory.; waiting",
    "I0301 10:00:01.000000       1 scheduler.go:100] About to try and schedule pod ns1/urgent",
    "I0301 10:00:01.000050       1 generic_scheduler.go:700] urgent_ns1 -> node-2: http://10.0.0.9:8889/, Score: (5)",
    "I0301 10:00:01.000100       1 scheduler.go:300] Attempting to bind urgent to node-2",
    "I0301 10:00:01.000200       1 scheduler.go:374] Failed to bind pod: ns1/urgent",
]
# JSON logging (1.30): the victim and the pod as objects; the newest dumper's node list
JSON_130 = [
    {"ts": 1704425551000.1, "caller": "scheduler/schedule_one.go:98", "msg": "Attempting to schedule pod", "v": 3,
     "pod": {"name": "urgent", "namespace": "ns1"}},
    {"ts": 1704425551000.2, "caller": "preemption/preemption.go:400", "msg": "Preemptor Pod preempted victim Pod",
     "v": 2, "preemptor": {"name": "urgent", "namespace": "ns1"}, "victim": {"name": "batch-1", "namespace": "ns1"},
     "node": "node-2"},
    {"ts": 1704425551000.6, "caller": "scheduler/schedule_one.go:935", "msg": "Failed to bind pod", "v": 0,
     "pod": {"name": "urgent", "namespace": "ns1"}, "err": "binding rejected"},
    {"ts": 1704425551000.8, "caller": "debugger/dumper.go:52", "msg": "Dump of cached NodeInfo", "v": 0,
     "nodes": [{"name": "node-1", "deleted": False, "requested": {"milliCPU": 100}, "allocatable": {}}]},
    {"ts": 1704425551000.9, "caller": "debugger/comparer.go:62", "msg": "Cache mismatch", "v": 0,
     "missedPods": ["u1"], "redundantPods": []},
]
EXTRA_LOGS = {
    "structured-1.30.log": "\n".join(STRUCTURED_130) + "\n",
    "legacy-dump.log": "\n".join(LEGACY_DUMP) + "\n",
    "printf-1.9.log": "\n".join(PRINTF_19) + "\n",
    "json-1.30.log": "".join(json.dumps(record) + "\n" for record in JSON_130),
}
SYNTH = [(era, fmt) for era in ERAS for fmt in ("text", "json") if not (era == "1.14" and fmt == "json")]


@cache
def _scratch() -> Path:
    """The generated logs and the extra lines, written once per test run."""
    directory = Path(tempfile.mkdtemp(prefix="event-contract-"))
    for era, fmt in SYNTH:
        with open(directory / f"synth-{era}-{fmt}.log", "w", encoding="utf-8") as out:
            write_log(out, era, nodes=6, pods=40, fmt=fmt, seed=11)
    for name, text in EXTRA_LOGS.items():
        (directory / name).write_text(text, encoding="utf-8")
    return directory


def _repo_logs() -> list[str]:
    found = [*(REPO / "tests" / "data").rglob("*.log"), *(REPO / "tests" / "data").rglob("*.txt"),
             *(REPO / "samples").rglob("*.log")]
    return sorted(str(p.relative_to(REPO)) for p in found)


SHARED_LOGS = sorted(str(p) for p in [*LAB.rglob("*.log"), *PUBLIC.glob("*.log")]) if LAB.is_dir() else []
GENERATED = [f"synth-{era}-{fmt}.log" for era, fmt in SYNTH] + sorted(EXTRA_LOGS)


def _path(name: str) -> str:
    if name in GENERATED:
        return str(_scratch() / name)
    return name if Path(name).is_absolute() else str(REPO / name)


@cache
def events_of(name: str) -> tuple[Event, ...]:
    return tuple(all_events([_path(name)]))


# -- every event of every log keeps the contract ---------------------------------------------------------------
@needs_shared
@pytest.mark.parametrize("name", SHARED_LOGS, ids=lambda p: "/".join(Path(p).parts[-2:]))
def test_every_event_of_the_shared_corpus_keeps_the_contract(name: str) -> None:
    events = events_of(name)
    assert events, f"{name}: no events at all"
    for event in events:
        check_event(event)


def test_every_event_of_the_repo_and_generated_logs_keeps_the_contract() -> None:
    names = _repo_logs() + GENERATED
    problems = [p for name in names for e in events_of(name) for p in contract_problems(e)]
    assert problems == []
    assert sum(len(events_of(name)) for name in names) > 10_000  # (some of tests/data are wrappers without events)


def test_every_kind_in_the_contract_has_a_real_or_format_string_example() -> None:
    seen = Counter(e.kind for name in _repo_logs() + GENERATED for e in events_of(name))
    assert sorted(set(CONTRACT) - set(seen)) == []
    assert set(seen) <= set(CONTRACT)


def test_generated_logs_of_every_era_and_format_carry_the_same_keys_for_the_same_statement() -> None:
    """One spelling per field: the 1.14 printf and the 1.19-1.30 text and JSON lines give the same data keys."""
    keys: dict[str, set[frozenset[str]]] = {}
    for era, fmt in SYNTH:
        for event in events_of(f"synth-{era}-{fmt}.log"):
            if event.kind in ("bound", "provider", "resource_score") and event.data:
                keys.setdefault(event.kind, set()).add(frozenset(event.data) - {"line_style", "logger"})
    assert keys["bound"] == {frozenset({"evaluatedNodes", "feasibleNodes"})}
    assert keys["provider"] == {frozenset({"algorithmProvider"})}
    assert keys["resource_score"] == {frozenset({"allocatableResource", "requestedResource"})}


@pytest.mark.parametrize(("printf", "structured"), [
    ("pod default/web-1 is bound successfully on node node-a, 4 nodes evaluated, 3 nodes were found feasible",
     '"Successfully bound pod to node" pod="default/web-1" node="node-a" evaluatedNodes=4 feasibleNodes=3'),
    ("Unable to schedule reports/batch: no fit: 0/5 nodes are available: 5 Insufficient cpu.; waiting",
     '"Unable to schedule pod; no fit; waiting" pod="reports/batch" err="0/5 nodes are available: 5 Insufficient '
     'cpu."'),
    ("Creating scheduler from algorithm provider 'DefaultProvider'",
     '"Creating scheduler from algorithm provider" algorithmProvider="DefaultProvider"'),
])
def test_a_printf_and_a_structured_line_of_one_statement_give_the_same_event(printf: str, structured: str) -> None:
    old = parse_printf(printf)
    _prefix, message, values = split_structured(structured)
    new = structured_event(message, values)
    assert (old.kind, old.pod, old.node, old.data) == (new.kind, new.pod, new.node, new.data)


def test_resource_lines_carry_the_score_only_as_value_and_amounts_under_the_structured_keys() -> None:
    event = parse_printf("web-rs-7xk2p -> node-a: NodeResourcesBalancedAllocation, map of allocatable resources "
                         "map[cpu:4000 memory:8589934592], map of requested resources map[cpu:200 memory:268435456] "
                         ",score 98,")
    assert event.value == 98 and "score" not in event.data
    assert event.data["allocatableResource"] == {"cpu": 4000, "memory": 8589934592}
    assert event.data["requestedResource"] == {"cpu": 200, "memory": 268435456}


def test_structured_and_json_preemption_name_the_victims_as_the_recorded_events_do() -> None:
    text = [e for e in events_of("structured-1.30.log") if e.kind == "preempted"]
    json_ = [e for e in events_of("json-1.30.log") if e.kind == "preempted"]
    victims = [(e.pod, e.node, e.data) for e in text + json_]
    assert victims == [("ns1/urgent", "node-2", {"victims": ["ns1/batch-1"]})] * 2


# -- bad input never makes an unknown kind -------------------------------------------------------------------
def _event_calls() -> list[tuple[str, str, ast.expr]]:
    """(module, enclosing function, kind argument) of every Event(...) call in analyzer/."""
    out = []
    for path in sorted((REPO / "analyzer").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for func in ast.walk(tree):
            if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(func):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Event" \
                        and node.args:
                    out.append((path.stem, func.name, node.args[0]))
    return out


# the Event(...) calls whose kind is not a literal, and where that kind comes from (checked below)
DYNAMIC_KINDS = {("printf", "arrow"), ("printf", "node_event"), ("printf", "pod_informer"),
                 ("structured", "structured_event"), ("recorded", "recorded_event")}


def test_every_kind_a_producer_can_write_is_in_the_contract() -> None:
    calls = _event_calls()
    literal = {arg.value for _m, _f, arg in calls if isinstance(arg, ast.Constant)}
    assert literal and literal <= set(CONTRACT), sorted(literal - set(CONTRACT))
    dynamic = {(module, func) for module, func, arg in calls if not isinstance(arg, ast.Constant)}
    assert dynamic == DYNAMIC_KINDS  # a new site: say where its kind comes from, and check that here
    assert {s.kind for s in STATEMENTS.values()} <= set(CONTRACT)
    assert set(RECORDED_KINDS.values()) <= set(CONTRACT)
    printf_source = (REPO / "analyzer" / "parse" / "printf.py").read_text(encoding="utf-8")
    for kind in ("extender_score", "priority_score", "resource_score", "node_added", "node_deleted", "pod_seen",
                 "pod_unqueued", "pod_deleted"):  # the literals arrow, node_event and pod_informer choose from
        assert f'"{kind}"' in printf_source and kind in CONTRACT


SETTINGS = settings(max_examples=40, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
DAMAGED_SOURCES = [REPO / "samples" / "lab" / "v1.30.6-three-nodes-json" / "v1.30.6-three-nodes-json.log",
                   REPO / "samples" / "seed-article" / "scheduler.log"]


@pytest.mark.parametrize("source", DAMAGED_SOURCES, ids=lambda p: p.parent.name)
def test_damaged_logs_give_only_contract_kinds_and_keys(source: Path) -> None:
    lines = read_lines(source)

    @SETTINGS
    @given(damaged_logs(lines))
    def run(damaged) -> None:
        with tempfile.NamedTemporaryFile(suffix=".log") as out:
            out.write(damaged.data)
            out.flush()
            events = all_events([out.name])
        assembler = Assembler()
        for event in events:
            spec = CONTRACT[event.kind]  # a KeyError here: a producer made a kind the contract lacks
            assert set(event.data) <= set(spec.data), (event.kind, sorted(event.data))
            assert all(getattr(event, f) is None for f in ("pod", "node", "name", "value") if f not in spec.fields)
            list(assembler.feed(event))

    run()


# -- check_event fails when it must ---------------------------------------------------------------------------
@pytest.mark.parametrize(("event", "problem"), [
    (Event("no_fit", pod="default/a", data={"message": "0/3 nodes are available"}), "data key 'message'"),
    (Event("bound", pod="default/a", node="n1", data={"evaluated": 3}), "data key 'evaluated'"),
    (Event("host_total", node="n1"), "value is required and missing"),
    (Event("host_total", pod="default/a", node="n1", value=5), "never carries pod"),
    (Event("plugin_score", pod="default/a", node="n1", name="TaintToleration", value="100"), "is a str"),
    (Event("bound", pod="default/a", data={"evaluatedNodes": "3"}), "not int"),
    (Event("dequeue", pod="default/a", pod_form="namespace/name"), "pod_form"),
    (Event("queued", pod="default/a"), "not in the event contract"),
])
def test_check_event_names_what_is_wrong(event: Event, problem: str) -> None:
    with pytest.raises(ContractError, match=problem.replace("(", r"\(")):
        check_event(event)


def test_a_real_event_passes_and_a_renamed_key_of_it_fails() -> None:
    event = next(e for e in events_of("synth-1.14-text.log") if e.kind == "bound")
    check_event(event)
    assert contract_problems(replace(event, data={"evaluated": 6, "feasible": 6})) != []


def test_check_event_is_not_on_the_run_time_path() -> None:
    """It is for tests: no module of the analyzer calls it."""
    callers = [p.name for p in (REPO / "analyzer").rglob("*.py")
               if "check_event(" in p.read_text(encoding="utf-8") and p.name != "events.py"]
    assert callers == []


# -- the registry: built from the contract, refuses a kind without a handler -----------------------------------
def _with(kind: str, spec: KindSpec) -> dict[str, KindSpec]:
    return {**CONTRACT, kind: spec}


def test_a_kind_for_the_assembler_without_a_handler_fails_the_build() -> None:
    contract = _with("gang_wait", KindSpec("a gang waits", {"pod": OPTIONAL}, {}, frozenset({ASSEMBLER})))
    with pytest.raises(ContractError, match="gang_wait: declared for the assembler, but Assembler has no "
                                            "_on_gang_wait"):
        build_routes(Assembler, contract)


def test_a_kind_nobody_consumes_fails_the_build() -> None:
    contract = _with("gang_wait", KindSpec("a gang waits", {}, {}, frozenset()))
    with pytest.raises(ContractError, match="gang_wait: consumed by nobody"):
        build_routes(Assembler, contract)
    with pytest.raises(ContractError, match="consumed by \\['replay'\\]"):
        build_routes(Assembler, _with("gang_wait", KindSpec("a gang waits", {}, {}, frozenset({"replay"}))))


def test_a_handler_the_contract_does_not_route_to_fails_the_build() -> None:
    class WithStrayHandler(Assembler):
        def _on_gang_wait(self, stream, event):
            return None

    with pytest.raises(ContractError, match="WithStrayHandler._on_gang_wait handles a kind"):
        build_routes(WithStrayHandler)


def test_a_kind_consumed_elsewhere_needs_no_handler_and_the_real_table_builds() -> None:
    routes = build_routes(Assembler, _with("gang_wait", KindSpec("a gang waits", {}, {}, frozenset({STORY}))))
    assert routes["gang_wait"].handler is None and routes["gang_wait"].keep and routes["gang_wait"].aside
    real = build_routes(Assembler)
    assert real["bound"].handler is Assembler._on_bound and real["bound"].keep and not real["bound"].aside
    assert real["cache_dump"].handler is None and real["cache_dump"].keep and not real["cache_dump"].aside
    assert real["plugin_score"].handler is Assembler._on_plugin_score and not real["plugin_score"].keep


def test_feeding_a_kind_outside_the_contract_raises() -> None:
    assembler = Assembler()
    with pytest.raises(ContractError, match="'queued' is not in the event contract"):
        list(assembler.feed(Event("queued", pod="default/a")))


def test_the_consumer_sets_come_from_the_contract() -> None:
    assert kinds_for(CONFIG) == CONFIG_KINDS and kinds_for(CACHE) == CACHE_KINDS
    assert kinds_for(STORY) == STORY_KINDS | STORY_ALSO_HANDLED
    assert not STORY_KINDS & kinds_for(ASSEMBLER) and kinds_for(ASSEMBLER) >= STORY_ALSO_HANDLED
    assert EVENT_KINDS["bound"] == "binding succeeded" and set(EVENT_KINDS) == set(CONTRACT)
    with pytest.raises(ValueError, match="unknown event consumer"):
        kinds_for("replay")


def test_the_assembler_keeps_each_event_its_other_consumers_read_once() -> None:
    events = [e for name in GENERATED for e in events_of(name)]
    assembler = Assembler()
    for event in events:
        list(assembler.feed(event))
    kept = [e for e in events if CONTRACT[e.kind].consumers & {CACHE, STORY, CONFIG}]
    assert len(kept) > 100 and [id(e) for e in assembler.config_events] == [id(e) for e in kept]
