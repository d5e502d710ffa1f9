"""Known-and-ignored log lines: statements we recognize as not being about scheduling decisions.

Data, not code: the parser consults these tables only after a line failed to be a scheduler event.
Each entry maps to the reason shown in the line accounting.
"""

from __future__ import annotations

import re

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
    "feature_gate.go": "feature-gates",
    "httplog.go": "httplog",
    "wrap.go": "httplog",  # the apiserver library's HTTP log before httplog.go (1.10-1.17)
    "pathrecorder.go": "healthz",
    "serving.go": "startup",
    "dynamic_cafile_content.go": "startup",
    "options.go": "startup",
    # other components that share a captured stream with the scheduler (journald, stern, node logs)
    "kubelet.go": "component:kubelet",
    "kubelet_node_status.go": "component:kubelet",
    "kubelet_pods.go": "component:kubelet",
    "kubelet_volumes.go": "component:kubelet",
    "pod_workers.go": "component:kubelet",
    "pod_startup_latency_tracker.go": "component:kubelet",
    "kuberuntime_manager.go": "component:kubelet",
    "kuberuntime_container.go": "component:kubelet",
    "kuberuntime_sandbox.go": "component:kubelet",
    "volume_manager.go": "component:kubelet",
    "reconciler_common.go": "component:kubelet",
    "operation_generator.go": "component:kubelet",
    "prober.go": "component:kubelet",
    "status_manager.go": "component:kubelet",
    "eviction_manager.go": "component:kubelet",
    "container_manager_linux.go": "component:kubelet",
    "cpu_manager.go": "component:kubelet",
    "topology_manager.go": "component:kubelet",
    "generic.go": "component:kubelet",
    "controllermanager.go": "component:kube-controller-manager",
    "cacher.go": "component:kube-apiserver",
    "plugins.go": "component:kube-apiserver",
    "storage_factory.go": "component:kube-apiserver",
    "alloc.go": "component:kube-apiserver",
    "proxier.go": "component:kube-proxy",
    "server_others.go": "component:kube-proxy",
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
    'time="': "logfmt",  # containerd, dockerd, CRI-O: logfmt, never written by the scheduler
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
    # journalctl's and systemctl's own lines around the records they show
    "-- Logs begin at ": "journald-marker",
    "-- Journal begins at ": "journald-marker",
    "-- No entries --": "journald-marker",
    "-- Boot ": "journald-marker",
    "-- Reboot --": "journald-marker",
    "Hint: Some lines were ellipsized": "journald-marker",
    "Backing off ": "queue",
    "Node not found, ": "predicate-error",  # 1.12-1.14 predicates: a node the cache lost; names no pod
    "DEBUG: ": "debug-build",  # patched builds (e.g. Arktos perf logging) that name the phase only
    "from a pool of ": "preemption-detail",
}

# Whole lines that are no log statement at all, as regexes (tried only on lines without a header).
IGNORED_LINE_SHAPES: dict[str, str] = {
    # a log viewer's (Grafana, Loki, Kibana) own time, on its own line above the record
    r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?": "viewer-timestamp",
    # stern's notes when it starts or stops following a container: "+ pod › container"
    r"[+-] \S+ \u203a \S+": "stern-marker",
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


_LINE_SHAPES = [(re.compile(shape), reason) for shape, reason in IGNORED_LINE_SHAPES.items()]


def ignored_line_reason(stripped: str) -> str | None:
    """The reason for a whole line that is no log statement (a viewer's time, a stern marker)."""
    if stripped[:1].isdigit() or stripped[:1] in "+-":
        for regex, reason in _LINE_SHAPES:
            if regex.fullmatch(stripped):
                return reason
    return None


def ignored_component_reason(component: str | None) -> str | None:
    """The reason for a line a journald or stern prefix says another program wrote (None: a scheduler,
    or not told). Only asked for lines that are no scheduler statement, so a scheduler running under
    another name (hyperkube) loses nothing."""
    if not component or "sched" in component.lower():
        return None
    return f"component:{component}"


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
