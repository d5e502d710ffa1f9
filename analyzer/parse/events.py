"""The parser's output: one Event per recognized scheduler statement, independent of era and encoding.

``CONTRACT`` says, per event kind, what it means, which of pod/node/name/value it carries, the ``data`` keys it
may carry (one spelling each, whatever the era or encoding) and who consumes it. Every producer (printf,
structured, recorded, dumps, the line parser) writes to it; reconstruction builds its dispatch from it
(analyzer/reconstruct/registry.py); ``check_event`` checks one event against it (tests only).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any


@dataclass(slots=True)
class Event:
    """A scheduler statement reduced to what reconstruction needs.

    ``pod`` is as logged (``ns/name``, bare ``name`` or ``name_ns``); reconstruction resolves it.
    ``name`` is the plugin, priority, scorer or extender name; ``value`` the score or total.
    """

    kind: str
    pod: str | None = None
    node: str | None = None
    name: str | None = None
    value: int | None = None
    data: dict[str, Any] = field(default_factory=dict)
    input: int = 0
    line: int = 0
    ts: str | None = None
    stream: str = ""
    pod_form: str = "ns/name"  # ns/name | name | name_ns | ns name | object




def build_events(n: int, kind: Any, input_index: int, lines: Iterable[int], ts: Iterable[str | None],
                 streams: Iterable[str], pod: Any = None, node: Any = None, name: Any = None, value: Any = None,
                 data: Iterable[dict[str, Any]] | None = None, pod_form: Any = "ns/name") -> list[Event]:
    """``n`` Events built a column at a time (the columnar parser's hot rows): each of kind, pod, node, name, value
    and pod_form is a column (a list or an iterator of ``n`` values) or one value for every row; each row gets a
    data dict of its own (``data``, or an empty one)."""
    def column(values: Any) -> Iterable[Any]:
        return values if isinstance(values, list | Iterator) else repeat(values, n)

    data = [{} for _ in range(n)] if data is None else data
    return list(map(Event, column(kind), column(pod), column(node), column(name), column(value), data,
                    repeat(input_index, n), lines, ts, streams, column(pod_form)))


class EventRun(list):
    """The Events of consecutive hot rows (parse/columnar.py), handed on together so that the assembler can apply
    them in bulk (``Assembler.feed_run``). Only callers that ask for runs (``runs=True``: ``pipeline.read_input``
    and the part workers) get them; ``expand`` turns such a stream back into single Events."""

    __slots__ = ()


def expand(items: Iterable[Event | EventRun]) -> Iterator[Event]:
    """Every Event of a stream of Events and EventRuns, one by one, in order."""
    for item in items:
        if type(item) is EventRun:
            yield from item
        else:
            yield item


class _Multiline:
    """The type of MULTILINE."""

    def __repr__(self) -> str:
        return "MULTILINE"


MULTILINE = _Multiline()  # marker: a key/value whose value continues on the following header-less lines

# -- the contract ---------------------------------------------------------------------------------------
REQUIRED, OPTIONAL = "required", "optional"  # how an Event field is carried; a field not named: never set
# Who consumes a kind: the assembler's handler (reconstruct/assembler.py), the cache facts (reconstruct/cache.py),
# a pod's story (analyzer/timeline, through the assembler's config_events) or the configuration (reconstruct/config.py).
ASSEMBLER, CACHE, STORY, CONFIG = "assembler", "cache", "story", "config"
CONSUMERS = frozenset({ASSEMBLER, CACHE, STORY, CONFIG})
EVENT_FIELDS = ("pod", "node", "name", "value")
POD_FORMS = frozenset({"ns/name", "name", "name_ns", "ns name", "object"})

# The types a data value has on a well-formed line. A damaged line may give another type for a value copied from
# its key/values (consumers coerce, e.g. the assembler's _int); check_event is for the parser's tests, not input.
TEXT: tuple[type, ...] = (str,)
COUNT: tuple[type, ...] = (int,)
FLAG: tuple[type, ...] = (bool,)
LIST: tuple[type, ...] = (list,)
MAPPING: tuple[type, ...] = (dict,)
AMOUNTS = (dict, list, str)  # resource amounts: a dict (printf), a 1.26+ list, or a Go map string
NAMES = (list, str)  # a list of names: JSON or Go slice, or Go's %s of a []string
HELD = (str, list, _Multiline)  # a dump's value: text, a JSON list, or MULTILINE (its text is in data["text"])
STATUS = (str, dict)  # a plugin status: text, or an object in JSON


@dataclass(frozen=True)
class KindSpec:
    """What one event kind means and carries, and who consumes it."""

    meaning: str
    fields: Mapping[str, str]  # Event field (pod/node/name/value) -> REQUIRED or OPTIONAL
    data: Mapping[str, tuple[type, ...]]  # data key -> the types its value may have
    consumers: frozenset[str]


def _kind(meaning: str, consumers: tuple[str, ...] = (ASSEMBLER,), data: Mapping[str, tuple[type, ...]] | None = None,
          **fields: str) -> KindSpec:
    return KindSpec(meaning, fields, data or {}, frozenset(consumers))


_O, _R = OPTIONAL, REQUIRED
_FAILURE = {"err": TEXT}  # the failure text, as the structured lines name it
_RECORDED = {"message": TEXT, "reason": TEXT, "type": TEXT}  # a recorded event's message, reason and type
_QUEUE = {"event": TEXT, "queue": TEXT}

# Every event kind the parser can emit. A structured line may lack any of its keys, so fields taken from
# key/values are optional; REQUIRED only where every producer's grammar demands the field.
CONTRACT: dict[str, KindSpec] = {
    "dequeue": _kind("pod taken from the queue (About to try and schedule pod)", pod=_O),
    "attempt_start": _kind("a scheduling cycle starts (Attempting to schedule pod)", pod=_O),
    "filter_pass": _kind("a predicate passed on a node (legacy 'is allowed' lines)", data={"detail": TEXT},
                         pod=_R, node=_R),
    "filter_fail": _kind("a predicate rejected a node (legacy 'Cannot schedule pod ... onto node', 1.2-1.6 FitError "
                         "per-node lines: fit_error)", data={"detail": TEXT, "fit_error": FLAG}, pod=_O, node=_R),
    "resource_score": _kind("a resource-allocation scorer printed its inputs and score",
                            data={"allocatableResource": AMOUNTS, "requestedResource": AMOUNTS, "line_style": TEXT,
                                  "logger": TEXT, "per_resource_scores": LIST},
                            pod=_O, node=_O, name=_O, value=_O),
    "priority_score": _kind("legacy per-priority score '<pod> -> <node>: <priority>, Score: (n)'",
                            pod=_R, node=_R, name=_R, value=_R),
    "extender_score": _kind("a scheduler extender's raw score for a node", pod=_O, node=_O, name=_O, value=_O),
    "plugin_score": _kind("a framework plugin's weighted score for a node", pod=_O, node=_O, name=_O, value=_O),
    "plugin_score_list": _kind("1.19 dev: a plugin's scores on every node (Plugin X scores on <pod> => [..])",
                               data={"scores": LIST}, pod=_R, name=_R),
    "host_total": _kind("a node's final total without a pod name (Host X => Score N)", node=_R, value=_R),
    "final_score": _kind("a node's final total for a pod (Calculated node's final score for pod)",
                         pod=_O, node=_O, value=_O),
    "bind_attempt": _kind("the scheduler chose a node and starts binding", pod=_O, node=_O),
    "bound": _kind("binding succeeded", (ASSEMBLER, STORY), {"evaluatedNodes": COUNT, "feasibleNodes": COUNT},
                   pod=_O, node=_O),
    "bind_failed": _kind("binding failed", (ASSEMBLER, STORY), _FAILURE, pod=_O),
    "no_fit": _kind("the pod is unschedulable; the aggregate failure message", (ASSEMBLER, STORY), _FAILURE, pod=_O),
    "schedule_error": _kind("the cycle ended with an error (reason_follows: the reason is on a later line)",
                            (ASSEMBLER, STORY), {**_FAILURE, "reason_follows": FLAG}, pod=_O),
    "postfilter": _kind("status after PostFilter (preemption) plugins", data={"status": STATUS}, pod=_O),
    "preempt_candidate": _kind("a node (or a sample of nodes) considered for preemption",
                               data={"potentialNodesCount": COUNT, "sample": LIST, "candidates": COUNT},
                               pod=_O, node=_O),
    "preempt_victim": _kind("a pod that preemption would evict", pod=_O, node=_O),
    "preempt_no_help": _kind("preemption cannot help this pod", data={"reason": TEXT}, pod=_O),
    "preempted": _kind("victims were preempted for the pod, on a node", (ASSEMBLER, STORY), {"victims": LIST},
                       pod=_O, node=_O),
    "preempt_nominated": _kind("1.8-1.10: preemption evicts N pods on a node and nominates the pod to it",
                               pod=_R, node=_R, value=_R),
    "event_scheduled": _kind("a recorded Scheduled event (Successfully assigned <pod> to <node>)", data=_RECORDED,
                             pod=_R, node=_R),
    "event_failed_scheduling": _kind("a recorded FailedScheduling event with the failure message", data=_RECORDED,
                                     pod=_R),
    "panic": _kind("the scheduler process crashed (panic, fatal error, klog Fatal)", data={"message": TEXT}),
    "node_added": _kind("a node entered the scheduler's cache (NodeTree / node add event)", (ASSEMBLER, CACHE),
                        node=_O),
    "node_deleted": _kind("a node left the scheduler's cache", (ASSEMBLER, CACHE), node=_O),
    "version": _kind("the scheduler's version string (restart: a process that scheduled printed it again)",
                     (CONFIG,), {"version": TEXT, "restart": FLAG}),
    "provider": _kind("the legacy algorithm provider", (CONFIG,), {"algorithmProvider": TEXT}),
    "priorities": _kind("the legacy predicate and priority key sets", (CONFIG,),
                        {"predicates": LIST, "priorities": LIST}),
    "plugins_config": _kind("the plugins and weights the framework instantiated (1.30+)", (CONFIG,),
                            {"Plugins": MAPPING}),
    "component_config": _kind("the KubeSchedulerConfiguration the scheduler runs with (its YAML in text)", (CONFIG,),
                              {"text": TEXT}),
    # --- timeline (issue 14) ---
    "queue_move": _kind("the pod moved to a scheduling queue (activeQ, backoffQ, unschedulable) on an event",
                        (STORY,), {**_QUEUE, "hint": (int, str)}, pod=_O),
    "queue_gated": _kind("the pod went to the unschedulable pods because a PreEnqueue plugin (a gate) holds it",
                         (STORY,), _QUEUE, pod=_O),
    "pre_enqueue": _kind("a PreEnqueue plugin did not let the pod into the active queue", (STORY,),
                         {"status": STATUS}, pod=_O, name=_O),
    "pod_seen": _kind("the informer saw the pending pod (Add event for unscheduled pod)", (STORY,), pod=_O),
    "pod_unqueued": _kind("the pending pod left the informer's unscheduled set (bound, or deleted while pending)",
                          (STORY,), pod=_O),
    "pod_deleted": _kind("a scheduled pod was deleted", (STORY, CACHE), pod=_O),
    "pod_skipped": _kind("the scheduler skipped a pod being deleted", (STORY,), pod=_O),
    # --- the scheduler's cache (issue 14): SIGUSR2 dumps, the comparer, node updates ---
    "cache_dump": _kind("a SIGUSR2 dump of the cached nodes (text: the entries on the lines that follow)", (CACHE,),
                        {"nodes": HELD, "text": TEXT}),
    "cache_dump_entry": _kind("<= 1.23: one node entry of a dump (text: the entry)", (CACHE,), {"text": TEXT}),
    "queue_dump": _kind("a SIGUSR2 dump of the scheduling queue's pending pods", (CACHE,),
                        {"summary": TEXT, "pods": HELD, "text": TEXT}),
    "cache_mismatch": _kind("the cache comparer found nodes or pods the informers and the cache disagree on",
                            (CACHE,), {key: NAMES for key in ("missedNodes", "redundantNodes", "missedPods",
                                                               "redundantPods")}),
    "node_updated": _kind("a node in the scheduler's cache was updated", (CACHE,), node=_O),
}

# kind -> what it means (the contract's first column, under its old name).
EVENT_KINDS: dict[str, str] = {kind: spec.meaning for kind, spec in CONTRACT.items()}


def kinds_for(consumer: str, contract: Mapping[str, KindSpec] = CONTRACT) -> frozenset[str]:
    """The event kinds a consumer (ASSEMBLER, CACHE, STORY, CONFIG) takes."""
    if consumer not in CONSUMERS:
        raise ValueError(f"unknown event consumer {consumer!r}; known: {sorted(CONSUMERS)}")
    return frozenset(kind for kind, spec in contract.items() if consumer in spec.consumers)


def contract_problems(event: Event, contract: Mapping[str, KindSpec] = CONTRACT) -> list[str]:
    """Every way the event breaks the contract (empty when it keeps it)."""
    spec = contract.get(event.kind)
    if spec is None:
        return [f"kind {event.kind!r} is not in the event contract"]
    out = []
    for name in EVENT_FIELDS:
        value, carried = getattr(event, name), spec.fields.get(name)
        if value is None:
            if carried == REQUIRED:
                out.append(f"{name} is required and missing")
        elif carried is None:
            out.append(f"{name}={value!r}: {event.kind} never carries {name}")
        elif not isinstance(value, int if name == "value" else str) or isinstance(value, bool):
            out.append(f"{name}={value!r} is a {type(value).__name__}")
    for key, value in event.data.items():
        types = spec.data.get(key)
        if types is None:
            out.append(f"data key {key!r} is not one of {event.kind}'s: {sorted(spec.data)}")
        elif not isinstance(value, types):
            out.append(f"data[{key!r}]={value!r:.60} is a {type(value).__name__}, not "
                       f"{' or '.join(t.__name__ for t in types)}")
    if event.pod_form not in POD_FORMS:
        out.append(f"pod_form {event.pod_form!r} is not one of {sorted(POD_FORMS)}")
    if not (isinstance(event.input, int) and isinstance(event.line, int) and isinstance(event.stream, str)):
        out.append(f"location input={event.input!r} line={event.line!r} stream={event.stream!r} is mistyped")
    if event.ts is not None and not isinstance(event.ts, str):
        out.append(f"ts={event.ts!r} is a {type(event.ts).__name__}")
    return [f"{event.kind} at input {event.input} line {event.line}: {problem}" for problem in out]


class ContractError(ValueError):
    """An event that breaks the event contract: a programming error in a producer, never bad input."""


def check_event(event: Event, contract: Mapping[str, KindSpec] = CONTRACT) -> None:
    """Raise ContractError when the event breaks the contract (for tests: it never runs on the hot path)."""
    problems = contract_problems(event, contract)
    if problems:
        raise ContractError("; ".join(problems))
