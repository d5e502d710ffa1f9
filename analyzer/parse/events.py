"""The parser's output: one Event per recognized scheduler statement, independent of era and encoding."""

from __future__ import annotations

from dataclasses import dataclass, field
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


# Every event kind the parser can emit, with what it means. Reconstruction dispatches on these.
EVENT_KINDS: dict[str, str] = {
    "dequeue": "pod taken from the queue (About to try and schedule pod)",
    "attempt_start": "a scheduling cycle starts (Attempting to schedule pod)",
    "filter_pass": "a predicate passed on a node (legacy 'is allowed' lines)",
    "filter_fail": "a predicate rejected a node (legacy 'Cannot schedule pod ... onto node')",
    "resource_score": "a resource-allocation scorer printed its inputs and score",
    "priority_score": "legacy per-priority score '<pod> -> <node>: <priority>, Score: (n)'",
    "extender_score": "a scheduler extender's raw score for a node",
    "plugin_score": "a framework plugin's weighted score for a node",
    "host_total": "a node's final total without a pod name (Host X => Score N)",
    "final_score": "a node's final total for a pod (Calculated node's final score for pod)",
    "bind_attempt": "the scheduler chose a node and starts binding",
    "bound": "binding succeeded",
    "bind_failed": "binding failed",
    "no_fit": "the pod is unschedulable; the aggregate failure message",
    "schedule_error": "the cycle ended with an error",
    "postfilter": "status after PostFilter (preemption) plugins",
    "preempt_candidate": "a node considered for preemption",
    "preempt_victim": "a pod that preemption would evict",
    "preempt_no_help": "preemption cannot help this pod",
    "preempted": "a victim was preempted",
    "preempt_nominated": "1.8-1.10: preemption evicts N pods on a node and nominates the pod to it",
    "event_scheduled": "a recorded Scheduled event (Successfully assigned <pod> to <node>)",
    "event_failed_scheduling": "a recorded FailedScheduling event with the failure message",
    "panic": "the scheduler process crashed (panic, fatal error, klog Fatal)",
    "node_added": "a node entered the scheduler's cache (NodeTree / node add event)",
    "node_deleted": "a node left the scheduler's cache",
    "version": "the scheduler's version string",
    "provider": "the legacy algorithm provider",
    "priorities": "the legacy predicate and priority key sets",
    "plugins_config": "the plugins and weights the framework instantiated (1.30+)",
    "component_config": "the KubeSchedulerConfiguration the scheduler runs with",
    # --- timeline (issue 14) ---
    "queue_move": "the pod moved to a scheduling queue (activeQ, backoffQ, unschedulable) on an event",
    "queue_gated": "the pod went to the unschedulable pods because a PreEnqueue plugin (a gate) holds it",
    "pre_enqueue": "a PreEnqueue plugin did not let the pod into the active queue",
    "pod_seen": "the informer saw the pending pod (Add event for unscheduled pod)",
    "pod_unqueued": "the pending pod left the informer's unscheduled set (bound, or deleted while pending)",
    "pod_deleted": "a scheduled pod was deleted",
    "pod_skipped": "the scheduler skipped a pod being deleted",
    # --- end timeline ---
}
