"""Known-and-ignored log lines: statements we recognize as not being about scheduling decisions.

Data, not code: the parser consults these tables only after a line failed to be a scheduler event.
Each entry maps to the reason shown in the line accounting.
"""

from __future__ import annotations

# Source files whose statements are never about a scheduling decision (klog header file names).
IGNORED_FILES: dict[str, str] = {
    "reflector.go": "informer",
    "shared_informer.go": "informer",
    "controller_utils.go": "informer",
    "watch.go": "informer",
    "round_trippers.go": "api-client",
    "request.go": "api-client",
    "leaderelection.go": "leader-election",
    "leader_election.go": "leader-election",
    "eventhandlers.go": "cache-events",
    "node_tree.go": "cache-events",
    "cache.go": "cache-events",
    "event.go": "events",
    "event_recorder.go": "events",
    "event_broadcaster.go": "events",
    "defaults.go": "startup",
    "registry.go": "startup",
    "configfile.go": "startup",
    "server.go": "startup",
    "secure_serving.go": "startup",
    "tlsconfig.go": "startup",
    "dynamic_serving_content.go": "startup",
    "configmap_cafile_content.go": "startup",
    "requestheader_controller.go": "startup",
    "flags.go": "startup",
    "healthz.go": "healthz",
    "trace.go": "trace",
    "debugger.go": "cache-dump",
    "dumper.go": "cache-dump",
    "comparer.go": "cache-dump",
    "scheduler_binder.go": "volume-binding",
    "binder.go": "volume-binding",
    "csi.go": "volume-binding",
    "plugin.go": "namespace-lookup",
    "backoff_utils.go": "queue",
}

# Message prefixes (printf text, or the quoted message of a structured line) that are known noise.
IGNORED_MESSAGES: dict[str, str] = {
    "Add event for": "cache-events",
    "add event for": "cache-events",
    "Update event for": "cache-events",
    "update event for": "cache-events",
    "Delete event for": "cache-events",
    "delete event for": "cache-events",
    "Added node": "cache-events",
    "Finished binding for pod": "cache-events",
    "Pod moved to an internal scheduling queue": "queue",
    "Scheduling queue is closed": "queue",
    "Skip schedule deleting pod": "queue",
    "Stopping fake watcher": "informer",
    "caches populated": "informer",
    "Listing and watching": "informer",
    "Starting reflector": "informer",
    "Stopping reflector": "informer",
    "Watch close": "informer",
    "Waiting for caches to sync": "informer",
    "Caches are synced": "informer",
    "Handlers synced": "startup",
    "Registering SelectorSpread plugin": "startup",
    "TaintNodesByCondition is enabled": "startup",
    "Could not construct reference": "events",
    "Event(": "events",
    "Updating pod condition": "pod-condition",
    "AssumePodVolumes": "volume-binding",
    "Trace[": "trace",
    "since alwaysCheckAllPredicates has not been set": "predicate-short-circuit",
    "Match for RequiredDuringSchedulingIgnoredDuringExecution": "predicate-detail",
    "Requested resource is omitted for node score calculation": "resource-omitted",
    "requested resource ": "resource-omitted",
    "Dumping node infos": "cache-dump",
    "getting namespace, assuming empty set": "namespace-lookup",
    "Serving securely": "startup",
    "FLAG:": "startup",
    "attempting to acquire leader lease": "leader-election",
    "successfully acquired lease": "leader-election",
    "Trying to preempt": "preemption-detail",
    "Backing off ": "queue",
    "Node not found, ": "predicate-error",  # 1.12-1.14 predicates: a node the cache lost; names no pod
    "DEBUG: ": "debug-build",  # patched builds (e.g. Arktos perf logging) that name the phase only
    "from a pool of ": "preemption-detail",
}

# Message endings of known noise whose start names a pod (so no prefix can tell them).
IGNORED_ENDINGS: dict[str, str] = {
    # 1.15-1.19 error handler: "pod: <ns>/<name> is already present in the active queue" (E) and the like
    "is already present in the active queue": "queue",
    "is already present in the backoff queue": "queue",
    "is already present in unschedulable queue": "queue",
}

IGNORED_EXACT_LINES: dict[str, str] = {
    "...snip...": "paste-marker",
    "```": "paste-marker",
}


def ignored_file_reason(file: str | None) -> str | None:
    if not file:
        return None
    return IGNORED_FILES.get(file.rsplit("/", 1)[-1])


def ignored_message_reason(message: str) -> str | None:
    for prefix, reason in IGNORED_MESSAGES.items():
        if message.startswith(prefix):
            return reason
    ending = message.rstrip()
    for suffix, reason in IGNORED_ENDINGS.items():
        if ending.endswith(suffix):
            return reason
    return None
