"""Structured scheduler messages (klog InfoS text and JSON): message + key/values -> Event.

Text lines are split into (message, key/values) by the lark grammar grammars/structured.lark;
JSON lines arrive already decoded. Either way the same table (STATEMENTS) maps a message to an
event kind and says which keys carry the pod, node, name and value.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from itertools import repeat
from typing import Any

from lark import Transformer, v_args
from lark.exceptions import LarkError

from . import fastpath
from .events import MULTILINE, Event, build_events
from .grammar import lalr_parser


@dataclass(frozen=True)
class Statement:
    """How one structured message maps onto an Event."""

    kind: str
    pod: str | None = "pod"
    node: str | None = None
    name: str | None = None
    value: str | None = None
    extra: tuple[str, ...] = ()


_RESOURCE = Statement("resource_score", node="node", name="resourceAllocationScorer", value="resourceScore",
                      extra=("allocatableResource", "requestedResource", "logger"))

# message -> Statement. The keys are the messages exactly as the scheduler prints them.
STATEMENTS: dict[str, Statement] = {
    "About to try and schedule pod": Statement("dequeue"),
    "Attempting to schedule pod": Statement("attempt_start"),
    "Plugin scored node for pod": Statement("plugin_score", node="node", name="plugin", value="score"),
    "Extender scored node for pod": Statement("extender_score", node="node", name="extender", value="score"),
    "Calculated node's final score for pod": Statement("final_score", node="node", value="score"),
    "Listing internal info for allocatable resources, requested resources and score": _RESOURCE,
    "Listed internal info for allocatable resources, requested resources and score": _RESOURCE,
    "Attempting to bind pod to node": Statement("bind_attempt", node="node"),
    "Successfully bound pod to node": Statement("bound", node="node",
                                                extra=("evaluatedNodes", "feasibleNodes")),
    "Failed to bind pod": Statement("bind_failed", extra=("err",)),
    "Unable to schedule pod; no fit; waiting": Statement("no_fit", extra=("err",)),
    "Unable to schedule pod, possibly due to node not found; waiting": Statement("schedule_error",
                                                                                 extra=("err",)),
    "Unable to schedule pod; no nodes are registered to the cluster; waiting": Statement("schedule_error",
                                                                                        extra=("err",)),
    "Error scheduling pod; retrying": Statement("schedule_error", extra=("err",)),
    "Error selecting node for pod": Statement("schedule_error", extra=("err",)),
    "Status after running PostFilter plugins for pod": Statement("postfilter", extra=("status",)),
    "Preemption will not help schedule pod on any node": Statement("preempt_no_help"),
    "Selecting candidates from a pool of nodes": Statement(
        "preempt_candidate", extra=("potentialNodesCount", "sample", "candidates")),
    "Selected candidates from a pool of nodes": Statement(
        "preempt_candidate", extra=("potentialNodesCount", "sample", "candidates")),
    "Pod is a potential preemption victim on node": Statement("preempt_victim", node="node"),
    "Preemptor Pod preempted victim Pod": Statement("preempted", pod="preemptor", node="node",
                                                    extra=("victim",)),
    "Starting Kubernetes Scheduler": Statement("version", pod=None, extra=("version",)),
    "Creating scheduler from algorithm provider": Statement("provider", pod=None,
                                                            extra=("algorithmProvider",)),
    "the scheduler starts to work with those plugins": Statement("plugins_config", pod=None,
                                                                 extra=("Plugins",)),
    "Using component config": Statement("component_config", pod=None),  # its YAML: data["text"] (lines.py)
    "Added node in listed group to NodeTree": Statement("node_added", pod=None, node="node"),
    "Removed node in listed group from NodeTree": Statement("node_deleted", pod=None, node="node"),
    "Add event for node": Statement("node_added", pod=None, node="node"),
    "Delete event for node": Statement("node_deleted", pod=None, node="node"),
    # --- timeline (issue 14): a pod's way through the queue, its gates and its deletion ---
    "Pod moved to an internal scheduling queue": Statement("queue_move", extra=("event", "queue", "hint")),
    "Pod moved to an internal scheduling queue, because the pod is gated": Statement(
        "queue_gated", extra=("event", "queue")),
    "Status after running PreEnqueue plugin": Statement("pre_enqueue", name="plugin", extra=("status",)),
    "Add event for unscheduled pod": Statement("pod_seen"),
    "Delete event for unscheduled pod": Statement("pod_unqueued"),
    "Delete event for scheduled pod": Statement("pod_deleted"),
    "Skip schedule deleting pod": Statement("pod_skipped"),
    # --- end timeline ---
}


def _unquote(text: str) -> str:
    """Undo Go %q quoting (a JSON-compatible subset plus \\x escapes)."""
    try:
        return json.loads(text)
    except ValueError:
        try:
            return ast.literal_eval(text)
        except (ValueError, SyntaxError):
            return text[1:-1]


def _number(text: str) -> int | float:
    """A JSON number token as int, or float when it has a fraction or exponent."""
    return float(text) if any(c in text for c in ".eE") else int(text)


def _bare(text: str) -> int | str:
    """A bare value token: an int when it reads as one, else the text."""
    try:
        return int(text)
    except ValueError:
        return text


@v_args(inline=True)
class _KeyValues(Transformer):
    def start(self, *items):
        prefix = None
        if items and items[0].type == "LOGGER_PREFIX":
            prefix, items = str(items[0])[:-2], items[1:]
        message = _unquote(str(items[0]))
        return prefix, message, list(items[1:])

    def pair(self, key, value):
        return str(key), value

    def string(self, tok):
        return _unquote(str(tok))

    def number(self, tok):
        return _number(str(tok))

    def bare(self, tok):
        return _bare(str(tok))

    def gomap(self, tok):
        return str(tok)

    def gostruct(self, tok):
        return str(tok)

    def goslice(self, tok):
        return fastpath.slice_value(str(tok), _bare)

    def multiline(self, tok):
        return MULTILINE

    def object(self, *members):
        return {k: v for k, v in members if k is not None} if members != (None,) else {}

    def member(self, key, value):
        return _unquote(str(key)), value

    def array(self, *values):
        return [] if values == (None,) else list(values)

    def true(self):
        return True

    def false(self):
        return False

    def null(self):
        return None


_KV = _KeyValues()


def split_structured(message: str) -> tuple[str | None, str, dict[str, Any]] | None:
    """Split '"msg" k=v ...' into (logger prefix, message, key/values); None when it is not that shape."""
    if fastpath.enabled():
        fast = fastpath.fast_split(message, _unquote, _number, _bare)
        if fast is not None:
            return fast
    try:
        tree = lalr_parser("structured").parse(message)
    except LarkError:
        return None
    prefix, msg, pairs = _KV.transform(tree)
    values: dict[str, Any] = {}
    for key, value in pairs:
        values.setdefault(key, value)  # contextual logging may repeat pod=; the first one wins
    return prefix, msg, values


def _pod_text(value: Any) -> tuple[str | None, str]:
    """A pod reference as 'ns/name' and the form it was logged in."""
    if value is None:
        return None, "ns/name"
    if isinstance(value, dict):
        name, ns = value.get("name"), value.get("namespace")
        return (f"{ns}/{name}" if ns else str(name)), "object"
    text = str(value)
    return text, ("ns/name" if "/" in text else "name")


def _node_text(value: Any) -> str | None:
    if isinstance(value, dict):
        return value.get("name")
    return None if value is None else str(value)


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


def structured_event(message: str, values: dict[str, Any]) -> Event | None:
    """The Event for a structured scheduler message, or None when the message is not a scheduler statement."""
    statement = STATEMENTS.get(message)
    if statement is None:
        return None
    pod, form = _pod_text(values.get(statement.pod)) if statement.pod else (None, "ns/name")
    event = Event(statement.kind, pod=pod, pod_form=form)
    if statement.node:
        event.node = _node_text(values.get(statement.node))
    if statement.name:
        name = values.get(statement.name)
        event.name = None if name is None else str(name)
    if statement.value:
        event.value = _as_int(values.get(statement.value))
    for key in statement.extra:
        if key in values:
            event.data[key] = values[key]
    if statement.kind == "resource_score":
        event.data["line_style"] = "listed" if message.startswith("Listed") else "listing"
    elif statement.kind == "preempted":
        _victims(event)
    return event


def structured_events(message: str, columns: dict[str, list], input_index: int, lines: list[int], ts: list[str],
                      streams: Iterable[str]) -> list[Event]:
    """``structured_event(message, values)`` of each row, whose values are ``columns`` (key -> one value per row;
    a key not in ``columns`` is in no row), stamped with its input, line, time and stream: the same Events,
    with what is the same for every row worked out once (the columnar parser's hot rows)."""
    statement = STATEMENTS[message]
    if statement.kind in _PER_ROW_KINDS:
        raise ValueError(f"structured_events: {statement.kind} events are built one by one")
    n = len(lines)
    pods, forms = _pod_column(columns.get(statement.pod) if statement.pod else None, n)
    keys = [key for key in statement.extra if key in columns]
    data_columns = [columns[key] for key in keys]
    if statement.kind == "resource_score":
        keys.append("line_style")
        data_columns.append(repeat("listed" if message.startswith("Listed") else "listing", n))
    data = list(map(dict, map(partial(zip, keys), zip(*data_columns, strict=True)))) if keys else None
    return build_events(n, statement.kind, input_index, lines, ts, streams, pods,
                        _column(columns, statement.node, str, _node_text, n),
                        _column(columns, statement.name, str, _name_text, n),
                        _column(columns, statement.value, int, _as_int, n), data, forms)


_PER_ROW_KINDS = frozenset({"preempted"})  # structured_event does more for them than the columns say


def _name_text(value: Any) -> str | None:
    return None if value is None else str(value)


def _column(columns: dict[str, list], key: str | None, plain: type, convert: Callable[[Any], Any], n: int) -> Any:
    """``convert`` of each row's value of ``key`` (None where it has none): the column itself when every value
    is already of the ``plain`` type, which ``convert`` leaves as it is."""
    column = columns.get(key) if key else None
    if column is None:
        return convert(None)
    if set(map(type, column)) <= {plain}:
        return column
    return [convert(value) for value in column]


def _pod_column(column: list | None, n: int) -> tuple[Any, Any]:
    """``_pod_text`` of each row's pod value: the pods and the forms they were logged in."""
    if column is None:
        return None, "ns/name"
    if set(map(type, column)) <= {str}:
        forms = {pod: "ns/name" if "/" in pod else "name" for pod in set(column)}  # (pods repeat, one object each)
        return column, list(map(forms.__getitem__, column))
    texts: dict[int, tuple[str | None, str]] = {}  # id -> _pod_text: a JSON pod object is one object per text
    pairs = [texts.get(id(value)) or texts.setdefault(id(value), _pod_text(value)) for value in column]
    return [pod for pod, _ in pairs], [form for _, form in pairs]


def _victims(event: Event) -> None:
    """The one victim a structured preemption line names (a KObj: 'ns/name' or an object) as data["victims"]."""
    victim = event.data.pop("victim", None)
    if isinstance(victim, dict):
        victim = f"{victim.get('namespace')}/{victim.get('name')}"
    if victim is not None:
        event.data["victims"] = [victim]
