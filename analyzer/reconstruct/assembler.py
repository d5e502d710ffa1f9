"""Rebuild scheduling attempts from the event stream.

Lines interleave: bind goroutines finish while the next pod is being scheduled, replicas share a
stream, and a log may start or end inside a cycle. Attempts are therefore tracked per stream
(input + process), events are routed by pod where the line names one and to the stream's current
cycle where it does not (``Host X => Score N``), and an attempt is handed on once its outcome is
known and its stream has moved to another cycle.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..model import (
    Attempt,
    FilterVerdict,
    Outcome,
    Preemption,
    Provenance,
    ResourceInputs,
    SourceSpan,
)
from ..parse.events import ASSEMBLER, CONFIG, STORY, ContractError, Event, EventRun, kinds_for
from .failure import parse_failure, preemption_placement
from .names import canonical_name, plugin_from_logger
from .registry import build_routes, unknown_kind
from .resource_order import DEFAULT_ORDER, resource_orders
from .shared import SharedParts

# enum members looked up once: attribute access on an Enum class is slow and these run per line
_UNKNOWN, _FAILED, _PASSED, _OBSERVED = Outcome.UNKNOWN, FilterVerdict.FAILED, FilterVerdict.PASSED, Provenance.OBSERVED
# Legacy MatchInterPodAffinity pass lines: the last predicate, so the node passed every predicate.
CONFIG_KINDS = kinds_for(CONFIG)
_HANDED_LIMIT = 4096  # how many handed-on attempts a stream remembers for late recorded events
_FAILED_OUTCOMES = (Outcome.UNSCHEDULABLE, Outcome.ERROR)
# failure texts that are a filter histogram (unschedulable), in the eras' spellings; others are errors
_FIT_FAILURE_HEADS = ("0/", "No nodes are available that match", "pod (")
# A pod's story beyond its cycles (analyzer/timeline): kept beside the config lines. The queue, gate and
# informer lines have no handler; the outcome and preemption lines are also applied to their attempt.
STORY_KINDS = kinds_for(STORY) - kinds_for(ASSEMBLER)
STORY_ALSO_HANDLED = kinds_for(STORY) & kinds_for(ASSEMBLER)
_FINAL_PREDICATE_DETAILS = ("existing pods anti-affinity", "pod affinity/anti-affinity constraints satisfied",
                            "pod (anti)affinity constraints satisfied")
_FINAL_PREDICATE = re.compile("|".join(map(re.escape, _FINAL_PREDICATE_DETAILS)))  # one search per pass line
_NS_NAMES_LIMIT = 4096  # 'name_ns' pod names remembered as 'ns/name' before the table starts over
_SCORERS_LIMIT = 4096  # (logger, logged name) -> resource scorer pairs remembered before the table starts over


@dataclass(slots=True)
class _ScoreDraft:
    plugin: str
    logged_as: str | None = None
    fields: dict[str, int] = field(default_factory=dict)  # every one printed in the log (observed)
    inputs: ResourceInputs | None = None


@dataclass(slots=True)
class _NodeDraft:
    node: str
    filter: FilterVerdict = FilterVerdict.UNKNOWN
    filter_provenance: Provenance | None = None
    total_logged: int | None = None
    scores: dict[str, _ScoreDraft] = field(default_factory=dict)
    reasons: tuple[str, ...] = ()

    def observe(self, plugin: str, logged_as: str | None, name: str, value: int | None) -> _ScoreDraft:
        """Set a number a line prints for one plugin's score (a later line of the same score wins)."""
        draft = self.scores.get(plugin)
        if draft is None:
            draft = self.scores[plugin] = _ScoreDraft(plugin, logged_as)
        elif logged_as and draft.logged_as in (None, plugin):
            draft.logged_as = logged_as
        if value is not None:
            draft.fields[name] = value
        return draft


@dataclass(slots=True)
class _AttemptDraft:
    seq: int
    pod: str
    stream: str
    started: bool
    started_at: str | None = None
    nodes: dict[str, _NodeDraft] = field(default_factory=dict)
    outcome: Outcome = Outcome.UNKNOWN
    outcome_provenance: Provenance | None = None
    selected_node: str | None = None
    bound_node: str | None = None
    bound_provenance: Provenance | None = None
    evaluated: int | None = None
    feasible: int | None = None
    failure_message: str | None = None
    preemption: dict[str, Any] = field(default_factory=dict)
    number: int = 0  # per-pod attempt number, in start order
    input: int = 0
    first_line: int = 0
    last_line: int = 0
    scored: bool = False
    reason_pending: bool = False  # 1.7-1.11 "Failed to schedule pod": the reason comes on a later line
    from_event: bool = False  # the outcome was read from a recorded event (Scheduled / FailedScheduling)
    echoed: bool = False  # a recorded event already repeated this outcome
    cut_reason: str | None = None  # a panic or restart ended the process inside this cycle
    name: str = ""  # the pod's bare name (set from ``pod``, which only ``Assembler._rename`` changes)

    def __post_init__(self) -> None:
        self.name = self.pod.rsplit("/", 1)[-1]

    def node(self, name: str) -> _NodeDraft:
        draft = self.nodes.get(name)
        if draft is None:
            draft = self.nodes[name] = _NodeDraft(name)
        return draft


@dataclass(slots=True)
class _Stream:
    current: _AttemptDraft | None = None
    open: list[_AttemptDraft] = field(default_factory=list)  # not yet handed on, in start order
    cluster: dict[str, None] = field(default_factory=dict)  # nodes the scheduler's cache holds, in order
    handed: dict[str, _AttemptDraft] = field(default_factory=dict)  # each pod's last attempt handed on


def _canonical_pod(event: Event) -> str | None:
    return _canonical(event.pod, event.pod_form)


def _canonical(pod: str | None, form: str) -> str | None:
    """A pod as logged in ``form`` as the assembler names it ('name_ns' becomes 'ns/name')."""
    if pod is None:
        return None
    if form == "name_ns" and "_" in pod:
        name, _, ns = pod.partition("_")
        return f"{ns}/{name}"
    return pod


def _names(draft: _AttemptDraft, pod: str | None, form: str) -> bool:
    """True when a line naming ``pod`` (logged in ``form``) goes to ``draft``, the latest open attempt of its stream:
    what ``Assembler._latest_for_pod`` and ``Assembler._find`` test first."""
    pod = _canonical(pod, form)
    return pod is not None and (draft.pod == pod or ("/" not in pod and draft.name == pod))


def _same_pod(one: str, other: str) -> bool:
    """One pod named twice, bare ('name') or qualified ('ns/name'): equal, or equal names when one is bare."""
    if one == other:
        return True
    return ("/" not in one or "/" not in other) and one.rsplit("/", 1)[-1] == other.rsplit("/", 1)[-1]


class Assembler:
    """Feed events in log order with ``feed``; collect finished attempts from what it yields."""

    def __init__(self) -> None:
        self._streams: dict[str, _Stream] = {}
        self._seq = 0
        self._attempt_numbers: dict[str, int] = {}
        self.config_events: list[Event] = []
        self.last_draft: _AttemptDraft | None = None  # the attempt the last event went to (None: none)
        self.renames = 0  # attempts whose pod got its namespace after a bare-name line
        self._qualified: dict[str, str] = {}  # bare name -> the one 'ns/name' seen with it ('' when several)
        self._cut: list[_AttemptDraft] = []  # attempts a panic or restart ended, to hand on now
        self._last_stream: dict[str, str] = {}  # input -> the stream of its last scheduler line
        self._last_key: str | None = None  # the stream _last_stream was last set to
        self._resource_orders: dict[str, tuple[str, ...]] = {}  # plugin -> its configured resource order
        self.shared = SharedParts()  # one frozen object for equal resource inputs and scores
        # (logger, logged scorer) -> the plugin it scores for and that plugin's resource order
        self._scorers: dict[tuple[Any, str], tuple[str, tuple[str, ...]]] = {}
        self._ns_names: dict[str, str | None] = {}  # a pod logged as 'name_ns' -> 'ns/name'

    # -- routing ---------------------------------------------------------------------------------
    def _stream(self, event: Event) -> _Stream:
        stream = self._streams.get(event.stream)
        if stream is None:
            stream = self._streams[event.stream] = _Stream()
        return stream

    def _start(self, stream: _Stream, event: Event, pod: str, started: bool) -> _AttemptDraft:
        pod = self._qualify(pod)
        self._seq += 1
        draft = _AttemptDraft(self._seq, pod, event.stream, started, event.ts if started else None)
        self._attempt_numbers[pod] = draft.number = self._attempt_numbers.get(pod, 0) + 1
        stream.open.append(draft)
        if started or stream.current is None:
            # a pod line whose cycle start the log lost (a late bind, say) must not take over the
            # running cycle: only a real start, or the first cycle seen, becomes the current one
            stream.current = draft
        return draft

    def _find(self, stream: _Stream, pod: str | None, form: str) -> _AttemptDraft | None:
        """The latest open attempt in this stream for a pod named in any of its logged forms.
        (``_latest_for_pod`` repeats the first test for the hot score lines: change both together.)"""
        if pod is None:
            return None
        if stream.open and stream.open[-1].pod == pod:
            return stream.open[-1]  # the common case, the latest attempt's own line: the loop's first test
        bare = form in ("name",) or "/" not in pod
        name = pod.rsplit("/", 1)[-1]
        for draft in reversed(stream.open):
            if draft.pod == pod or (bare and draft.name == pod):
                return draft
            if not bare and "/" not in draft.pod and draft.name == name:
                self._rename(draft, pod)  # a bare-name line came first; now we know the namespace
                return draft
        return None

    def _qualify(self, pod: str) -> str:
        """A bare pod name as the one 'ns/name' seen before with that name; unchanged when there is
        none or several (the same name in two namespaces)."""
        name = pod.rsplit("/", 1)[-1]
        if "/" in pod:
            known = self._qualified.setdefault(name, pod)
            if known != pod:
                self._qualified[name] = ""  # ambiguous from now on
            return pod
        known = self._qualified.get(name)
        if known:
            self.renames += 1  # a part of a file read alone could not know this: read it in one pass
        return known or pod

    def _rename(self, draft: _AttemptDraft, pod: str) -> None:
        old = draft.pod
        self.renames += 1
        self._qualify(pod)
        self._attempt_numbers[old] -= 1
        draft.pod, draft.name = pod, pod.rsplit("/", 1)[-1]
        self._attempt_numbers[pod] = draft.number = self._attempt_numbers.get(pod, 0) + 1

    def _for_pod(self, stream: _Stream, event: Event, create: bool = True,
                 ends_cycle: bool = False) -> _AttemptDraft | None:
        """The attempt this pod's line belongs to; an outcome line after an outcome means a new cycle."""
        pod = _canonical_pod(event)
        draft = self._find(stream, pod, event.pod_form)
        if ends_cycle and draft is not None and draft.outcome is not Outcome.UNKNOWN and not draft.reason_pending:
            draft = None  # the log does not show this cycle's start (e.g. a v2 log of retries)
        if draft is None and pod is None:
            draft = stream.current
        if draft is None and create and pod is not None:
            draft = self._start(stream, event, pod, started=False)  # the log began inside this cycle
        return draft

    def _latest_for_pod(self, stream: _Stream, event: Event) -> _AttemptDraft | None:
        """``_for_pod`` with the common case written out: a line of the latest open attempt's own pod, named
        'ns/name' or by its bare name (what ``_find`` tries first)."""
        pod, opened = event.pod, stream.open
        if pod is not None and opened:
            if event.pod_form == "name_ns":  # 1.14 score lines: 'name_ns', the same few names over and over
                known = self._ns_names.get(pod)
                if known is None:
                    if len(self._ns_names) >= _NS_NAMES_LIMIT:
                        self._ns_names.clear()
                    known = self._ns_names[pod] = _canonical_pod(event)
                pod = known
            latest = opened[-1]
            if latest.pod == pod or ("/" not in pod and latest.name == pod):
                return latest
        return self._for_pod(stream, event)

    # -- feeding ---------------------------------------------------------------------------------
    def feed(self, event: Event) -> Sequence[_AttemptDraft]:
        """Apply one event; return the attempts that became final because of it.

        A kind outside the event contract raises ContractError: a producer's bug, which no input can cause.
        Runs once per parsed line, so the common steps are written out here rather than called.
        """
        kind = event.kind
        self.last_draft = None
        route = _ROUTES.get(kind)
        if route is None:
            raise unknown_kind(kind)
        if route.aside:
            return self._aside(event)
        if route.keep:  # kept for the timeline and reconstruct/cache.py
            self.config_events.append(event)
        key = event.stream
        stream = self._streams.get(key)
        if stream is None:
            stream = self._streams[key] = _Stream()
        if key != self._last_key and kind != "panic":
            # the input's latest stream only changes when the stream does (panic lines never set it)
            self._last_key = key
            self._last_stream[key.split(":", 1)[0]] = key
        handler = route.handler
        if handler is None:
            return ()
        draft = self.last_draft = handler(self, stream, event)
        if draft is not None:  # the lines the attempt spans (_bulk writes the same steps out)
            line = event.line
            if not draft.first_line:
                draft.input, draft.first_line = event.input, line
            if line > draft.last_line:
                draft.last_line = line
        opened = stream.open
        ready = () if len(opened) == 1 and opened[0] is stream.current else self._ready(stream)
        if self._cut:
            return [*ready, *self._take_cut()]
        return ready

    def feed_run(self, events: Sequence[Event]) -> list[_AttemptDraft]:
        """``feed`` of each event in turn (a run of hot rows: parse/columnar.py), the attempts that became final
        in order. After each event fed, the node lines that follow it in the same stream and name the pod of
        that stream's latest attempt (or, for 'Host X => Score N', its running cycle) are applied in bulk."""
        handed: list[_AttemptDraft] = []
        feed, i, n = self.feed, 0, len(events)
        while i < n:
            handed += feed(events[i])
            i = self._bulk(events, i + 1)
        return handed

    def _bulk(self, events: Sequence[Event], start: int) -> int:
        """Apply ``events[start:]`` up to the first one ``feed`` could route elsewhere; the index of that one.

        What ``feed`` does for such a line, without its routing: ``_latest_for_pod`` (and ``_find``, for the final
        score) gives the latest open attempt when the line names its pod; the stream and the input's latest stream
        stay; nothing becomes final (no outcome or open attempt changes, and ``feed`` left none ready); no panic
        or restart cuts a cycle."""
        key = self._last_key
        stream = self._streams.get(key) if key is not None else None
        if stream is None or not stream.open:
            return start
        latest, current = stream.open[-1], stream.current
        latest_pod, latest_name = latest.pod, latest.name
        ns_names_latest: dict[str, bool] = {}  # a pod logged as 'name_ns' -> it names ``latest``
        done, n, draft = start, len(events), None
        while done < n:  # the steps are written out: this loop runs for most lines of a --v=10 log
            event = events[done]
            if event.stream != key:
                break
            kind = event.kind
            on_node = _BULK_ON_NODE.get(kind)
            if on_node is not None:
                pod = event.pod  # does it name ``latest``? (_names, written out: other forms are 'ns/name' as logged)
                if event.pod_form == "name_ns":
                    named = ns_names_latest.get(pod)
                    if named is None:
                        named = ns_names_latest[pod] = _names(latest, pod, "name_ns")
                else:
                    named = pod == latest_pod or (pod is not None and "/" not in pod and pod == latest_name)
                if not named:
                    break
                draft = latest
            elif kind == "host_total" and current is not None:  # Host X => Score N: the running cycle's
                draft, on_node = current, _set_total
            else:
                on_draft = _BULK_ON_DRAFT.get(kind)
                if on_draft is None or not _names(latest, event.pod, event.pod_form):
                    break
                draft = latest
                on_draft(self, draft, event)
            name = event.node
            if on_node is not None and name:  # what _node_line and _scored_node do
                draft.scored = True
                node = draft.nodes.get(name)
                if node is None:
                    node = draft.nodes[name] = _NodeDraft(name)
                if node.filter is not _FAILED:
                    node.filter, node.filter_provenance = _PASSED, _OBSERVED
                on_node(self, node, event)
            line = event.line  # the lines the attempt spans, as feed widens them
            if not draft.first_line:
                draft.input, draft.first_line = event.input, line
            if line > draft.last_line:
                draft.last_line = line
            done += 1
        if done > start:
            self.last_draft = draft
        return done

    def _aside(self, event: Event) -> Sequence[_AttemptDraft]:
        """A configuration or story line: kept; a restart ends the process's open cycles."""
        self.config_events.append(event)
        if event.kind == "component_config":
            self._resource_orders = resource_orders(event.data.get("text"))
            self._scorers = {}  # their resource orders may have changed
        if event.data.get("restart"):
            self._cut_process(event, f"the scheduler restarted at line {event.line}")
            return self._take_cut()
        return ()

    def _ready(self, stream: _Stream) -> Sequence[_AttemptDraft]:
        """The stream's attempts that are final now (outcome known, no longer the running cycle).
        (``feed`` makes the first test itself before calling: change both together.)"""
        current = stream.current
        if len(stream.open) == 1 and stream.open[0] is current:
            return ()  # the common case: only the running cycle is open
        ready = [d for d in stream.open if d is not current and d.outcome is not _UNKNOWN]
        if ready:
            stream.open = [d for d in stream.open if d is current or d.outcome is _UNKNOWN]
            if len(stream.handed) > _HANDED_LIMIT:
                stream.handed.clear()
            for draft in ready:
                stream.handed[draft.pod] = draft
        return ready

    def _take_cut(self) -> Sequence[_AttemptDraft]:
        if not self._cut:
            return ()  # the common case, without a new list per event
        cut, self._cut = self._cut, []
        return cut

    def _cut_process(self, event: Event, reason: str) -> None:
        """End every open cycle of the process that panicked or restarted: no more lines will come for them.

        The process is the event's stream. A headerless Go panic names no pid: it is the process that
        wrote the input's last scheduler line.
        """
        key = event.stream if event.stream in self._streams else self._last_stream.get(event.stream.split(":", 1)[0])
        stream = self._streams.get(key) if key is not None else None
        if stream is None:
            return
        for draft in stream.open:
            if draft.outcome is _UNKNOWN:
                draft.cut_reason = reason
        self._cut += stream.open
        stream.open, stream.current = [], None

    def finish(self) -> Iterator[_AttemptDraft]:
        """Hand on every attempt still open when the input ends."""
        for stream in self._streams.values():
            yield from stream.open
            stream.open = []
            stream.current = None

    def open_drafts(self) -> list[_AttemptDraft]:
        """The attempts not yet handed on, every stream's in start order (a followed log shows them as pending)."""
        return [d for st in self._streams.values() for d in st.open]

    def min_open_seq(self) -> int | None:
        """The lowest start sequence number of an attempt still open (None when none is)."""
        return min((d.seq for st in self._streams.values() for d in st.open), default=None)

    @property
    def custom_resource_order(self) -> bool:
        """True when the printed config orders some plugin's scored resources other than cpu, memory."""
        return any(order != DEFAULT_ORDER for order in self._resource_orders.values())

    @property
    def started_count(self) -> int:
        """How many attempts were started so far (the start sequence number of the latest)."""
        return self._seq

    def open_pod_names(self, up_to_seq: int) -> set[str]:
        """The bare pod names of the attempts still open that started at or before ``up_to_seq``."""
        return {d.name for st in self._streams.values() for d in st.open if d.seq <= up_to_seq}

    def runs_cycle_from(self, up_to_seq: int) -> bool:
        """True when some stream's running cycle started at or before ``up_to_seq``."""
        return any(st.current is not None and st.current.seq <= up_to_seq for st in self._streams.values())

    def cluster_nodes(self, stream: str) -> list[str]:
        """The nodes the scheduler's cache held in this stream (from node add/delete lines)."""
        known = self._streams.get(stream)
        return list(known.cluster) if known else []

    # -- one handler per event kind ------------------------------------------------------------
    def _on_node_added(self, stream: _Stream, event: Event) -> None:
        if event.node:
            stream.cluster[event.node] = None

    def _on_node_deleted(self, stream: _Stream, event: Event) -> None:
        stream.cluster.pop(event.node or "", None)

    def _on_dequeue(self, stream: _Stream, event: Event) -> _AttemptDraft:
        return self._start(stream, event, _canonical_pod(event) or "?", started=True)

    def _on_attempt_start(self, stream: _Stream, event: Event) -> _AttemptDraft:
        pod = _canonical_pod(event) or "?"
        cur = stream.current
        if cur is not None and _same_pod(cur.pod, pod) and cur.started and not cur.nodes and not cur.scored \
                and cur.outcome is Outcome.UNKNOWN and cur.selected_node is None:
            cur.started_at = event.ts or cur.started_at  # the dequeue line just before it
            if cur.pod != pod and "/" in pod:
                self._rename(cur, pod)  # old logs dequeue a bare name, then start "ns/name"
            return cur
        return self._start(stream, event, pod, started=True)

    def _on_filter_pass(self, stream: _Stream, event: Event) -> _AttemptDraft | None:
        draft = self._latest_for_pod(stream, event)
        if draft is not None:
            self._filter_passed(draft, event)
        return draft

    def _filter_passed(self, draft: _AttemptDraft, event: Event) -> None:
        """A predicate passed on the event's node; the last one means the node passed the filters."""
        if draft.failure_message is not None or not event.node:
            return  # after a FitError these lines come from preemption's re-run
        node = draft.node(event.node)
        if _FINAL_PREDICATE.search(event.data.get("detail", "")):
            node.filter, node.filter_provenance = FilterVerdict.PASSED, Provenance.OBSERVED

    def _on_filter_fail(self, stream: _Stream, event: Event) -> _AttemptDraft | None:
        if event.data.get("fit_error"):
            return self._fit_error_node(stream, event)
        draft = self._for_pod(stream, event)
        if draft is None or draft.failure_message is not None or not event.node:
            return draft
        node = draft.node(event.node)
        node.filter, node.filter_provenance = FilterVerdict.FAILED, Provenance.OBSERVED
        return draft

    def _fit_error_node(self, stream: _Stream, event: Event) -> _AttemptDraft | None:
        """A 1.2-1.6 FitError's per-node line: that node failed the filters, for the reasons it names."""
        draft = self._for_pod(stream, event, create=False)
        if draft is None or not event.node:
            return draft
        detail = str(event.data.get("detail", ""))
        node = draft.node(event.node)
        if node.reasons:
            return draft  # the recorded event repeats the error's per-node lines
        node.filter, node.filter_provenance = _FAILED, _OBSERVED
        node.reasons = tuple(r.strip() for r in detail.split(", ") if r.strip())
        if draft.failure_message is not None:
            draft.failure_message += f"\nfit failure on node ({event.node}): {detail}"
        return draft

    def _scored_node(self, draft: _AttemptDraft, node_name: str) -> _NodeDraft:
        """The draft's node for a line that scored it (it passed the filters unless a line said it failed).
        ``_node_line`` writes the same steps out for the hot score lines: change both together."""
        draft.scored = True
        node = draft.node(node_name)
        if node.filter is not _FAILED:
            node.filter, node.filter_provenance = _PASSED, _OBSERVED
        return node

    def _node_line(self, stream: _Stream, event: Event) -> tuple[_AttemptDraft | None, _NodeDraft | None]:
        """The attempt and scored node a per-node score line belongs to (node None when it names none).

        Most lines of a --v=10 log come here.
        """
        draft = self._latest_for_pod(stream, event)
        name = event.node
        if draft is None or not name:
            return draft, None
        draft.scored = True  # what _scored_node does, written out
        node = draft.nodes.get(name)
        if node is None:
            node = draft.nodes[name] = _NodeDraft(name)
        if node.filter is not _FAILED:
            node.filter, node.filter_provenance = _PASSED, _OBSERVED
        return draft, node

    def _on_resource_score(self, stream: _Stream, event: Event) -> _AttemptDraft | None:
        draft, node = self._node_line(stream, event)
        if node is not None:
            self._resource_score(node, event)
        return draft

    def _resource_score(self, node: _NodeDraft, event: Event) -> None:
        """A resource scorer's printed score and inputs, under the plugin it scores for."""
        logged = event.name or "?"
        data = event.data
        logger = data.get("logger")
        key = (logger if isinstance(logger, str) else None, logged)  # a damaged line's logger may be a list
        scorer = self._scorers.get(key)
        if scorer is None:
            if len(self._scorers) >= _SCORERS_LIMIT:
                self._scorers = {}
            plugin = plugin_from_logger(key[0]) or canonical_name(logged)
            scorer = self._scorers[key] = (plugin, self._resource_orders.get(plugin, DEFAULT_ORDER))
        plugin, order = scorer
        printed = event.value
        score = node.observe(plugin, logged, "raw", printed)
        score.inputs = self.shared.resource_inputs(
            logged, printed, data.get("line_style", "?"), data.get("allocatableResource"),
            data.get("requestedResource"), order, _resource_amounts)

    def _on_priority_score(self, stream: _Stream, event: Event) -> _AttemptDraft | None:
        draft, node = self._node_line(stream, event)
        if node is not None:
            _priority_score(self, node, event)
        return draft

    def _on_extender_score(self, stream: _Stream, event: Event) -> _AttemptDraft | None:
        draft, node = self._node_line(stream, event)
        if node is not None:
            _extender_score(self, node, event)
        return draft

    def _on_plugin_score(self, stream: _Stream, event: Event) -> _AttemptDraft | None:
        draft, node = self._node_line(stream, event)
        if node is not None:
            _plugin_score(self, node, event)
        return draft

    def _on_plugin_score_list(self, stream: _Stream, event: Event) -> _AttemptDraft | None:
        draft = self._for_pod(stream, event)
        if draft is None:
            return draft
        for node, value in event.data.get("scores", []):
            self._scored_node(draft, node).observe(event.name or "?", event.name, "weighted", value)
        return draft

    def _on_host_total(self, stream: _Stream, event: Event) -> _AttemptDraft | None:
        draft = stream.current  # 'Host X => Score N' names no pod: it belongs to the running cycle
        if draft is None:
            draft = self._start(stream, event, "?", started=False)
        if event.node:
            _set_total(self, self._scored_node(draft, event.node), event)
        return draft

    def _on_final_score(self, stream: _Stream, event: Event) -> _AttemptDraft | None:
        draft = self._for_pod(stream, event)
        if draft is not None and event.node:
            _set_total(self, self._scored_node(draft, event.node), event)
        return draft

    def _on_bind_attempt(self, stream: _Stream, event: Event) -> _AttemptDraft | None:
        # after a failed cycle of the same pod, a bind belongs to the next cycle, whose start the log lacks
        draft = self._for_pod(stream, event, ends_cycle=True)
        if draft is not None and event.node:
            draft.selected_node = event.node
        return draft

    def _on_bound(self, stream: _Stream, event: Event) -> _AttemptDraft | None:
        if event.pod is None:  # 1.19 JSON lost the key/values: take the oldest bind still waiting
            draft = next((d for d in stream.open if d.selected_node and d.outcome is Outcome.UNKNOWN), None)
            if draft is None:
                return None
            draft.bound_node, draft.bound_provenance = draft.selected_node, Provenance.INFERRED
            draft.outcome, draft.outcome_provenance = Outcome.BOUND, Provenance.OBSERVED
            return draft
        draft = self._find(stream, _canonical_pod(event), event.pod_form)
        if draft is None or not (draft.from_event and draft.bound_node == event.node):
            draft = self._for_pod(stream, event, ends_cycle=True)  # else: the Scheduled event came first
        if draft is None:
            return None
        draft.from_event = False
        draft.bound_node, draft.bound_provenance = event.node, Provenance.OBSERVED
        draft.outcome, draft.outcome_provenance = Outcome.BOUND, Provenance.OBSERVED
        if draft.selected_node is None:
            draft.selected_node = event.node
        draft.evaluated = _int(event.data.get("evaluatedNodes"))
        draft.feasible = _int(event.data.get("feasibleNodes"))
        return draft

    def _on_bind_failed(self, stream: _Stream, event: Event) -> _AttemptDraft | None:
        draft = self._for_pod(stream, event, ends_cycle=True)
        if draft is not None:
            draft.outcome, draft.outcome_provenance = Outcome.ERROR, Provenance.OBSERVED
            draft.failure_message = str(event.data.get("err") or "binding failed")
        return draft

    def _on_no_fit(self, stream: _Stream, event: Event) -> _AttemptDraft | None:
        draft = self._for_pod(stream, event, ends_cycle=True)
        if draft is not None:
            draft.outcome, draft.outcome_provenance = Outcome.UNSCHEDULABLE, Provenance.OBSERVED
            draft.failure_message = str(event.data.get("err", ""))
            draft.reason_pending = False
        return draft

    def _on_schedule_error(self, stream: _Stream, event: Event) -> _AttemptDraft | None:
        draft = self._for_pod(stream, event, ends_cycle=True)
        if event.pod is None and draft is not None and not draft.started:
            return None  # a line naming no pod belongs to the running cycle only when the log shows its start
        if draft is not None and (draft.outcome is Outcome.UNKNOWN or draft.reason_pending):
            draft.failure_message = str(event.data.get("err", ""))
            # 1.2-1.6 logged a FitError through the error path: the pod is unschedulable, not in error
            unschedulable = draft.failure_message.startswith(_FIT_FAILURE_HEADS)
            draft.outcome = Outcome.UNSCHEDULABLE if unschedulable else Outcome.ERROR
            draft.outcome_provenance = Provenance.OBSERVED
            draft.reason_pending = bool(event.data.get("reason_follows"))
        return draft

    def _on_postfilter(self, stream: _Stream, event: Event) -> _AttemptDraft | None:
        draft = self._for_pod(stream, event)
        if draft is not None:
            draft.preemption["ran"] = True
            draft.preemption["status"] = str(event.data.get("status", ""))
        return draft

    def _on_preempt_candidate(self, stream: _Stream, event: Event) -> _AttemptDraft | None:
        draft = self._for_pod(stream, event, create=False) if event.pod else stream.current
        if draft is not None:
            draft.preemption["ran"] = True
            nodes = draft.preemption.setdefault("nodes", [])
            if event.node:
                nodes.append(event.node)
            sample = event.data.get("sample")
            if isinstance(sample, list):
                nodes.extend(str(s) for s in sample)
        return draft

    def _on_preempt_victim(self, stream: _Stream, event: Event) -> _AttemptDraft | None:
        draft = stream.current
        if draft is not None:
            draft.preemption["ran"] = True
            draft.preemption.setdefault("victims", []).append((event.pod or "?", event.node or "?"))
        return draft

    def _on_preempted(self, stream: _Stream, event: Event) -> _AttemptDraft | None:
        draft = self._for_pod(stream, event, create=False)
        if draft is None:
            return None
        draft.preemption["ran"] = True
        victims = draft.preemption.setdefault("victims", [])
        for name in event.data.get("victims", []):
            if (str(name), event.node or "?") not in victims:
                victims.append((str(name), event.node or "?"))
        draft.preemption["nominated"] = event.node
        return draft

    def _on_preempt_no_help(self, stream: _Stream, event: Event) -> _AttemptDraft | None:
        draft = self._for_pod(stream, event, create=False)
        if draft is not None:
            draft.preemption["ran"] = True
            draft.preemption.setdefault("status", event.data.get("reason")
                                        or "Preemption will not help schedule pod on any node")
        return draft

    def _on_preempt_nominated(self, stream: _Stream, event: Event) -> _AttemptDraft | None:
        """1.8-1.10: preemption chose a node and evicts N pods there; the preemptor is nominated to it."""
        draft = self._for_pod(stream, event)  # the line names the preemptor: its cycle, or one the log lacks
        if draft is not None:
            draft.preemption["ran"] = True
            draft.preemption["nominated"] = event.node
            draft.preemption["victim_count"] = event.value
            draft.preemption.setdefault("nodes", []).append(event.node)
        return draft

    # -- recorded events: an outcome the log may state only here, or repeat -------------------------
    def _echo_target(self, stream: _Stream, event: Event) -> _AttemptDraft | None:
        """The attempt a recorded event speaks about: the pod's open attempt, else its last one handed on."""
        pod = _canonical_pod(event) or "?"
        draft = self._find(stream, pod, event.pod_form)
        if draft is None:
            draft = stream.handed.get(pod) or stream.handed.get(pod.rsplit("/", 1)[-1])
        return draft

    def _event_attempt(self, stream: _Stream, event: Event, repeats) -> _AttemptDraft | None:
        """The attempt a recorded event gives its outcome to; None when it only repeats a logged outcome."""
        draft = self._echo_target(stream, event)
        if draft is not None and draft.outcome is not _UNKNOWN and not draft.reason_pending:
            if repeats(draft) and not draft.echoed and not draft.from_event:
                draft.echoed = True
                return None  # the same outcome the log already stated: count it once
            draft = None  # a later cycle whose other lines the log does not show
        if draft is None:
            draft = self._start(stream, event, _canonical_pod(event) or "?", started=False)
        draft.from_event = draft.echoed = True
        draft.outcome_provenance = Provenance.OBSERVED
        return draft

    def _on_event_scheduled(self, stream: _Stream, event: Event) -> _AttemptDraft | None:
        draft = self._event_attempt(stream, event, lambda d: d.outcome is Outcome.BOUND and d.bound_node == event.node)
        if draft is not None:
            draft.outcome = Outcome.BOUND
            draft.bound_node, draft.bound_provenance = event.node, Provenance.OBSERVED
            draft.selected_node = draft.selected_node or event.node
            draft.reason_pending = False
        return draft

    def _on_event_failed_scheduling(self, stream: _Stream, event: Event) -> _AttemptDraft | None:
        draft = self._event_attempt(stream, event, lambda d: d.outcome in _FAILED_OUTCOMES)
        if draft is not None:
            message = str(event.data.get("message", ""))
            unschedulable = message.startswith(_FIT_FAILURE_HEADS)
            draft.outcome = Outcome.UNSCHEDULABLE if unschedulable else Outcome.ERROR
            draft.failure_message = message
            draft.reason_pending = False
        return draft

    # -- the process ended: panics and restarts -------------------------------------------------------
    def _on_panic(self, stream: _Stream, event: Event) -> None:
        message = str(event.data.get("message", "")).strip()
        self._cut_process(event, f"the scheduler panicked at line {event.line}: {message}")


# -- what a node line sets on its scored node (the handlers above and Assembler._bulk share them) -----------
def _plugin_score(_: Assembler, node: _NodeDraft, event: Event) -> None:
    node.observe(event.name or "?", event.name, "weighted", event.value)


def _priority_score(_: Assembler, node: _NodeDraft, event: Event) -> None:
    logged = event.name or "?"
    node.observe(canonical_name(logged), logged, "normalized", event.value)


def _extender_score(_: Assembler, node: _NodeDraft, event: Event) -> None:
    node.observe(f"extender:{event.name}", event.name, "raw", event.value)


def _set_total(_: Assembler, node: _NodeDraft, event: Event) -> None:
    node.total_logged = event.value


# kind -> what ``Assembler._bulk`` sets on the scored node of the latest attempt (routed by ``_node_line``, or by
# ``_for_pod`` for the final score, which give that attempt when the line names its pod); 'host_total' goes to the
# running cycle. _BULK_ON_DRAFT: kinds routed so whose handler does not score the node.
_BULK_ON_NODE = {"plugin_score": _plugin_score, "priority_score": _priority_score, "extender_score": _extender_score,
                 "resource_score": Assembler._resource_score, "final_score": _set_total}
_BULK_ON_DRAFT = {"filter_pass": Assembler._filter_passed}


def _int(value: Any) -> int | None:
    try:
        return None if value is None else int(value)
    except (TypeError, ValueError):
        return None


def _resource_amounts(value: Any, order: tuple[str, ...] = DEFAULT_ORDER) -> dict[str, int]:
    """Resource amounts from a dict, a Go map string or a 1.26+ list (in the plugin's configured order)."""
    if isinstance(value, dict):
        return {str(k): int(v) for k, v in value.items() if _int(v) is not None}
    if isinstance(value, list):
        if len(order) != len(value):
            order = DEFAULT_ORDER  # the printed config does not describe this line
        names = order + tuple(f"resource{i}" for i in range(len(order), len(value)))
        return {names[i]: int(v) for i, v in enumerate(value) if _int(v) is not None}
    if isinstance(value, str) and value.startswith("map["):
        out = {}
        for item in value[4:-1].split():
            key, _, amount = item.rpartition(":")
            if _int(amount) is not None:
                out[key] = int(amount)
        return out
    return {}


def _infer_filter_verdicts(draft: _AttemptDraft, cluster: Iterable[str]) -> None:
    """Fill verdicts the log implies but never prints per node (provenance inferred or derived).

    A node with score lines passed (observed). When the score phase ran, a node the cycle named
    (legacy predicate lines) that got no score failed. When every cluster node was evaluated and the
    feasible count equals the nodes with scores, every other cluster node failed. With exactly one
    feasible node there is no score phase: the bound node is the one that passed.
    "0/N nodes are available" with N = all cluster nodes means every node failed.
    """
    if not draft.started:
        return
    cluster = list(cluster)
    scored = {n.node for n in draft.nodes.values() if n.scores or n.total_logged is not None}
    everyone_evaluated = bool(cluster) and draft.evaluated == len(cluster)
    if draft.feasible == 1 and draft.bound_node and not scored:
        node = draft.node(draft.bound_node)
        if node.filter is FilterVerdict.UNKNOWN:
            node.filter, node.filter_provenance = FilterVerdict.PASSED, Provenance.DERIVED
        scored = {draft.bound_node}
    if draft.scored or scored:
        for node in draft.nodes.values():
            if node.node not in scored and node.filter is FilterVerdict.UNKNOWN:
                node.filter, node.filter_provenance = FilterVerdict.FAILED, Provenance.INFERRED
        if everyone_evaluated and draft.feasible == len(scored):
            for name in cluster:
                if name not in scored and name not in draft.nodes:
                    node = draft.node(name)
                    node.filter, node.filter_provenance = FilterVerdict.FAILED, Provenance.INFERRED
    if draft.outcome is Outcome.UNSCHEDULABLE and draft.failure_message and cluster and \
            draft.failure_message.startswith(f"0/{len(cluster)} nodes are available"):
        for name in cluster:
            node = draft.node(name)
            if node.filter is FilterVerdict.UNKNOWN:
                node.filter, node.filter_provenance = FilterVerdict.FAILED, Provenance.DERIVED


def freeze(draft: _AttemptDraft, cluster: Iterable[str] = (), shared: SharedParts | None = None) -> Attempt:
    """The immutable Attempt for a finished draft (``cluster``: the stream's known nodes; ``shared``: the
    assembler's table of scores, so equal scores become one object)."""
    _infer_filter_verdicts(draft, cluster)
    make_node = (shared or SharedParts()).node
    nodes = [make_node(nd.node, nd.filter, nd.filter_provenance, nd.total_logged, nd.reasons, nd.scores.values())
             for nd in draft.nodes.values()]
    complete, reason = True, None
    if draft.cut_reason and draft.outcome is Outcome.UNKNOWN:
        complete, reason = False, draft.cut_reason
    elif not draft.started:
        complete, reason = False, "the log starts inside this cycle"
    elif draft.outcome is Outcome.UNKNOWN:
        complete = False
        reason = ("the log ends before the bind result" if draft.selected_node
                  else "the log ends before this cycle's outcome")
    failure = parse_failure(draft.failure_message) if draft.failure_message else None
    pre = draft.preemption
    placement = preemption_placement(failure.preemption_message) if failure else None
    if placement is not None:
        pre["ran"] = True
        pre.setdefault("nominated", placement[0])
        pre.setdefault("victim_count", placement[1])
    preemption = None
    if pre:
        preemption = Preemption(ran=bool(pre.get("ran")), status=pre.get("status"),
                                potential_nodes=tuple(dict.fromkeys(pre.get("nodes", []))),
                                victims=tuple(pre.get("victims", [])), nominated_node=pre.get("nominated"),
                                victim_count=pre.get("victim_count"))
    return Attempt(
        pod=draft.pod, attempt=draft.number, started_at=draft.started_at, outcome=draft.outcome,
        outcome_provenance=draft.outcome_provenance, selected_node=draft.selected_node,
        bound_node=draft.bound_node, evaluated_nodes=draft.evaluated, feasible_nodes=draft.feasible,
        failure=failure, nodes=tuple(nodes), preemption=preemption, complete=complete,
        incomplete_reason=reason, stream=draft.stream,
        span=SourceSpan(draft.input, draft.first_line, draft.last_line),
    )


_ROUTES = build_routes(Assembler)  # kind -> what feed does with it; fails at import when code and contract disagree
if any(_ROUTES[kind].keep or _ROUTES[kind].aside for kind in (*_BULK_ON_NODE, *_BULK_ON_DRAFT, "host_total")):
    raise ContractError("Assembler._bulk applies a kind that feed also keeps in config_events")


def assemble(events: Iterable[Event | EventRun], assembler: Assembler | None = None
             ) -> Iterator[tuple[int, Attempt]]:
    """Attempts as soon as each is final, with its start sequence number (sort on it for log order);
    an EventRun (hot rows) is fed by ``feed_run``, the same as each of its events by ``feed``."""
    assembler = assembler or Assembler()
    for event in events:
        drafts = assembler.feed_run(event) if type(event) is EventRun else assembler.feed(event)
        for draft in drafts:
            yield draft.seq, freeze_handed(draft, assembler)
    for draft in assembler.finish():
        yield draft.seq, freeze_handed(draft, assembler)


def freeze_handed(draft: _AttemptDraft, assembler: Assembler) -> Attempt:
    """Freeze an attempt handed on, and drop its draft's nodes: the assembler keeps its last few thousand
    drafts for late recorded events, which need only the outcome (with every node, 4,096 drafts of a
    1,000-node log held most of a run's memory)."""
    attempt = freeze(draft, assembler.cluster_nodes(draft.stream), assembler.shared)
    draft.nodes = {}
    return attempt
