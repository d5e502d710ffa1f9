"""Cache dumps (SIGUSR2) and the cache comparer: their statements, and the text of a dump's node entries.

The scheduler prints what its cache holds when it receives SIGUSR2 (pkg/scheduler/.../debugger/dumper.go):
- <= 1.23: an Info line ``Dump of cached NodeInfo``, then one Info entry per node whose text starts on the
  next line (``Node name:``, ``Requested Resources:``, ``Allocatable Resources:``, ``Number of Pods:`` /
  ``Scheduled Pods(number: N):``, pods, ``Nominated Pods(number: N):``), and ``Dump of scheduling queue:``;
- 1.24+: one structured line ``"Dump of cached NodeInfo" nodes=<`` with the node entries (now with
  ``Deleted:``) in a multi-line value, and ``"Dump of scheduling queue"`` (1.26+ with ``summary=``); in JSON
  a string with newlines, or (newest) a list of objects.
The comparer logs ``cache mismatch: missed nodes: [..]; redundant nodes: [..]`` (<= 1.23) or
``"Cache mismatch" missedNodes=[..] redundantNodes=[..]`` (and the same for pods, by UID).

The head lines become events here (structured ones through the STATEMENTS table, printf ones through
grammars/printf.lark); the line parser collects each dump's continuation lines into ``data["text"]``
(the kinds in COLLECTED_KINDS), and reconstruct/cache.py turns the text into snapshots with ``parse_nodes``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .events import Event
from .structured import STATEMENTS, Statement

# Event kinds whose record continues on the following lines (their text is collected into data["text"]).
COLLECTED_KINDS = frozenset({"cache_dump", "cache_dump_entry", "queue_dump"})

# The structured (klog InfoS / JSON) statements of the dumper, the comparer and the cache's node updates
# (a scheduled pod's deletion is structured.py's, shared with the timeline).
CACHE_STATEMENTS: dict[str, Statement] = {
    "Dump of cached NodeInfo": Statement("cache_dump", pod=None, extra=("nodes",)),
    "Dump of scheduling queue": Statement("queue_dump", pod=None, extra=("summary", "pods")),
    "Cache mismatch": Statement("cache_mismatch", pod=None,
                                extra=("missedNodes", "redundantNodes", "missedPods", "redundantPods")),
    "Update event for node": Statement("node_updated", pod=None, node="node"),
}
STATEMENTS.update(CACHE_STATEMENTS)

_DUMPER_FILES = ("dumper.go", "debugger.go")


def legacy_entry_event(message: str, file: str | None) -> Event | None:
    """A <= 1.23 node entry: the dumper's Info line is empty because the entry's text starts with a newline."""
    if message.strip() or file is None or file.rsplit("/", 1)[-1] not in _DUMPER_FILES:
        return None
    return Event("cache_dump_entry", data={"text": ""})


@dataclass(frozen=True)
class DumpedPod:
    """A pod as the dump prints it (no requests: the dump never prints them)."""

    name: str
    namespace: str
    uid: str
    phase: str
    nominated_node: str

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"


@dataclass(frozen=True)
class DumpedNode:
    """One node entry of a dump: its Requested (not NonZeroRequested) and Allocatable amounts and its pods."""

    name: str
    deleted: bool | None  # None: the release did not print it (<= 1.23)
    requested: dict[str, int]
    allocatable: dict[str, int]
    pods: tuple[DumpedPod, ...] = ()
    nominated: tuple[DumpedPod, ...] = ()
    pod_count: int | None = None  # the count the entry states


# Go %+v of framework.Resource: &{MilliCPU:1 Memory:2 EphemeralStorage:3 AllowedPodNumber:4 ScalarResources:map[]}
_GO_FIELDS = {"MilliCPU": "cpu", "Memory": "memory", "EphemeralStorage": "ephemeral-storage",
              "AllowedPodNumber": "pods"}
_JSON_FIELDS = {"milliCPU": "cpu", "memory": "memory", "ephemeralStorage": "ephemeral-storage",
                "allowedPodNumber": "pods"}
_GO_FIELD = re.compile(r"(\w+):(-?\d+)")
_SCALARS = re.compile(r"ScalarResources:map\[([^\]]*)\]")
_POD = re.compile(r"name: (?P<name>[^,]*), namespace: (?P<ns>[^,]*), uid: (?P<uid>[^,]*), phase: (?P<phase>[^,]*),"
                  r" nominated node: ?(?P<nominated>.*)$")
# entry line -> field it sets; the value is the rest of the line
_ENTRY_FIELDS: tuple[tuple[str, str], ...] = (
    ("Node name:", "name"),
    ("Deleted:", "deleted"),
    ("Requested Resources:", "requested"),
    ("Allocatable Resources:", "allocatable"),
    ("Number of Pods:", "count"),
    ("Scheduled Pods(number:", "count"),
    ("Nominated Pods(number:", "nominated"),
    ("Pods:", "pods"),
)


def parse_resources(text: Any) -> dict[str, int]:
    """framework.Resource as printed (Go %+v, or the JSON object of the newest releases) -> amounts by name."""
    if isinstance(text, dict):
        out = {name: int(text[key]) for key, name in _JSON_FIELDS.items() if isinstance(text.get(key), int)}
        for name, amount in (text.get("scalarResources") or {}).items():
            if isinstance(amount, int):
                out[str(name)] = amount
        return out
    text = str(text)
    scalars = _SCALARS.search(text)
    head = text[: scalars.start()] if scalars else text
    out = {_GO_FIELDS[k]: int(v) for k, v in _GO_FIELD.findall(head) if k in _GO_FIELDS}
    if scalars:
        for item in scalars.group(1).split():
            name, _, amount = item.rpartition(":")
            if name and amount.lstrip("-").isdigit():
                out[name] = int(amount)
    return out


def parse_pod(line: str) -> DumpedPod | None:
    m = _POD.search(line.strip())
    if m is None:
        return None
    return DumpedPod(m["name"].strip(), m["ns"].strip(), m["uid"].strip(), m["phase"].strip(),
                     m["nominated"].strip())


def parse_nodes(value: Any) -> list[DumpedNode]:
    """Every node entry in a dump's text (any release), or in the JSON list of the newest releases."""
    if isinstance(value, list):
        return [_json_node(item) for item in value if isinstance(item, dict) and item.get("name")]
    nodes: list[DumpedNode] = []
    draft: dict[str, Any] | None = None
    section = "pods"
    for raw in str(value or "").splitlines():
        line = raw.strip()
        if not line:
            continue
        field, rest = _entry_field(line)
        if field == "name":
            if draft is not None:
                nodes.append(_node(draft))
            draft, section = {"name": rest, "pods": [], "nominated": []}, "pods"
        elif draft is None:
            continue
        elif field in ("requested", "allocatable"):
            draft[field] = parse_resources(rest)
        elif field == "deleted":
            draft["deleted"] = rest.lower() == "true"
        elif field == "count":
            draft["count"] = _leading_int(rest)
        elif field in ("nominated", "pods"):
            section = field
        else:
            pod = parse_pod(line)
            if pod is not None:
                draft[section].append(pod)
    if draft is not None:
        nodes.append(_node(draft))
    return nodes


def parse_pod_list(value: Any) -> list[DumpedPod]:
    """The pods of a queue dump (text, one per line, or the JSON list of the newest releases)."""
    if isinstance(value, list):
        return [_json_pod(p) for p in value if isinstance(p, dict)]
    return [p for p in (parse_pod(line) for line in str(value or "").splitlines()) if p is not None]


def parse_queue_summary(text: Any) -> dict[str, int]:
    """'activeQ:1; backoffQ:0; unschedulablePods:2' -> {'activeQ': 1, ...}."""
    out: dict[str, int] = {}
    for part in str(text or "").split(";"):
        name, _, count = part.strip().partition(":")
        if name and count.strip().isdigit():
            out[name] = int(count)
    return out


def parse_name_list(value: Any) -> list[str]:
    """A comparer list: a JSON list, or Go's %s of a []string ('[a b]')."""
    if isinstance(value, list):
        return [str(v) for v in value]
    text = str(value or "").strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    return [item for item in text.replace(",", " ").split() if item]


def _entry_field(line: str) -> tuple[str | None, str]:
    for prefix, field in _ENTRY_FIELDS:
        if line.startswith(prefix):
            return field, line[len(prefix):].strip()
    return None, line


def _leading_int(text: str) -> int | None:
    m = re.match(r"\s*(\d+)", text)
    return int(m.group(1)) if m else None


def _node(draft: dict[str, Any]) -> DumpedNode:
    return DumpedNode(draft["name"], draft.get("deleted"), draft.get("requested", {}), draft.get("allocatable", {}),
                      tuple(draft["pods"]), tuple(draft["nominated"]), draft.get("count"))


def _json_pod(item: dict[str, Any]) -> DumpedPod:
    return DumpedPod(str(item.get("name", "")), str(item.get("namespace", "")), str(item.get("uid", "")),
                     str(item.get("phase", "")), str(item.get("nominatedNode", "") or ""))


def _json_node(item: dict[str, Any]) -> DumpedNode:
    pods = tuple(_json_pod(p) for p in item.get("pods") or () if isinstance(p, dict))
    nominated = tuple(_json_pod(p) for p in item.get("nominatedPods") or () if isinstance(p, dict))
    deleted = item.get("deleted")
    return DumpedNode(str(item["name"]), deleted if isinstance(deleted, bool) else None,
                      parse_resources(item.get("requested") or {}), parse_resources(item.get("allocatable") or {}),
                      pods, nominated, len(pods))
