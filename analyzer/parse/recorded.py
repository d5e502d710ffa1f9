"""Events the scheduler recorded for a pod (client-go's recorder, echoed into the log) as scheduler Events.

Old eras log every recorded event as ``Event(v1.ObjectReference{Kind:"Pod", Namespace:"ns", Name:"name",
...}): type: 'Normal' reason: 'Scheduled' Successfully assigned ns/name to node``. In 1.1-1.13 that
line is often the only record of a pod's outcome. Only Pod events with a known reason become Events;
the object reference gives the namespace the message may leave out (1.10: bare pod names).
"""

from __future__ import annotations

import re

from .events import Event

_REF_FIELD = re.compile(r'(\w+):"([^"]*)"')
# "Successfully assigned <ns>/<name> to <node>" (1.11+) or "Successfully assigned <name> to <node>" (<=1.10)
_ASSIGNED = re.compile(r"Successfully assigned (\S+) to (\S+)")
# preemption, recorded on the victim: 1.8 GotPreempted "by <ns>/<name> on node <node>", 1.11-1.22 Preempted
# "Preempted by <ns>/<name> on node <node>"; on the preemptor (1.8-1.10): "pods <ns>/<v1>, <ns>/<v2>, on node <node>"
_PREEMPTED_BY = re.compile(r"^(?:Preempted )?by (\S+/\S+) on node (\S+)")
_PREEMPTED_PODS = re.compile(r"^pods (.*?),?\s+on node (\S+)")

# reason as logged -> what the event says about the pod's scheduling
_KINDS = {
    "Scheduled": "event_scheduled",
    "FailedScheduling": "event_failed_scheduling",
    "failedScheduling": "event_failed_scheduling",  # 1.1-1.2 spelling
    "Preempted": "preempted",
    "GotPreempted": "preempted",
}


def _object_ref(ref: str) -> dict[str, str]:
    """The string fields of a Go '%#v' ObjectReference: Kind, Namespace, Name, UID, ..."""
    return dict(_REF_FIELD.findall(ref))


def recorded_event(ref: str, event_type: str, reason: str, message: str) -> Event | None:
    """The Event for one recorded pod event, or None for other objects and reasons (left as ignored lines)."""
    fields = _object_ref(ref)
    kind = _KINDS.get(reason)
    if fields.get("Kind") != "Pod" or kind is None or not fields.get("Name"):
        return None
    namespace, name = fields.get("Namespace", ""), fields["Name"]
    pod = f"{namespace}/{name}" if namespace else name
    data = {"message": message, "reason": reason, "type": event_type}
    if kind == "event_scheduled":
        assigned = _ASSIGNED.search(message)
        if assigned is None:
            return None
        return Event(kind, pod=pod, node=assigned.group(2), data=data)
    if kind == "preempted":
        return _preemption(pod, message)
    return Event(kind, pod=pod, data=data)


def _preemption(pod: str, message: str) -> Event | None:
    """A preemption event as the preemptor's 'preempted' Event (victims and the node they were on)."""
    by = _PREEMPTED_BY.match(message)
    if by is not None:  # recorded on the victim
        return Event("preempted", pod=by.group(1), node=by.group(2), data={"victims": [pod]})
    pods = _PREEMPTED_PODS.match(message)
    if pods is not None:  # recorded on the preemptor
        victims = [v.strip() for v in pods.group(1).split(",") if v.strip()]
        return Event("preempted", pod=pod, node=pods.group(2), data={"victims": victims})
    return None
