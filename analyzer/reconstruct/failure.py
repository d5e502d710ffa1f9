"""Parse the aggregate failure message ("0/N nodes are available: 2 Insufficient cpu, ...")."""

from __future__ import annotations

import re

from ..model import Failure, frozen_map

_HEAD = re.compile(r"^0/(\d+) nodes are available:?\s*")
# Entries are "<count> <reason>" joined with ", "; a reason may itself contain ", " (1.20-1.23 taint
# text "node(s) had taint {k: v}, that the pod didn't tolerate"), so split only before "<digits> ".
_ENTRY_SPLIT = re.compile(r",\s+(?=\d+ )")
_ENTRY = re.compile(r"^(\d+) (.+)$", re.DOTALL)
_PREEMPTION = " preemption: "
# "<reason> (<count>), ..." lists after one of these heads: 1.7-1.9 "No nodes are available that match all of
# the predicates: Insufficient cpu (1), MatchNodeSelector (2)." and 1.5-1.6 "pod (<name>) failed to fit in any
# node\nfit failure summary on nodes : PodToleratesNodeTaints (1)"
_LEGACY_HEADS = ("No nodes are available that match all of the predicates:", "fit failure summary on nodes :")
_LEGACY_ENTRY = re.compile(r"\s*(.+?) \((\d+)\)\s*$")
# 1.2-1.4: one line per failed node after "pod (<name>) failed to fit in any node"
_PER_NODE = re.compile(r"^fit failure on node \(([^()\s]+)\): (.+)$", re.MULTILINE)


def _histogram(body: str) -> tuple[int | None, dict[str, int], str]:
    """(N, reason -> count, leftover text that was not a counted entry)."""
    m = _HEAD.match(body)
    if not m:
        return None, {}, body
    total = int(m.group(1))
    rest = body[m.end():].strip()
    if rest.endswith("."):
        rest = rest[:-1]
    reasons: dict[str, int] = {}
    leftovers = []
    # 1.28+: "<PreFilterMsg>. <FilterMsg>." parts; split parts on ". " only where a count follows
    for part in re.split(r"\.\s+(?=\d+ )", rest):
        for entry in _ENTRY_SPLIT.split(part):
            e = _ENTRY.match(entry.strip())
            if e:
                reason = e.group(2).strip().rstrip(".")
                reasons[reason] = reasons.get(reason, 0) + int(e.group(1))
            elif entry.strip():
                leftovers.append(entry.strip())
    return total, reasons, "; ".join(leftovers)


def _legacy_histogram(message: str) -> dict[str, int] | None:
    """reason -> count from a 1.5-1.9 "<reason> (<count>), ..." list (no node total is printed); None if none."""
    head = next((h for h in _LEGACY_HEADS if h in message), None)
    if head is None:
        return None
    reasons: dict[str, int] = {}
    for entry in message.split(head, 1)[1].strip().rstrip(".").split(", "):
        e = _LEGACY_ENTRY.match(entry)
        if e:
            reasons[e.group(1)] = reasons.get(e.group(1), 0) + int(e.group(2))
    return reasons


# 1.36+: a preemption that found room says so in the failure text (kubernetes PR #140180)
_PLACEMENT = re.compile(r"found a potential placement for pod on node (\S+?)[,.]?(?: preempting (\d+) victims)?\.?\s*$")


def preemption_placement(preemption_message: str | None) -> tuple[str, int | None] | None:
    """(nominated node, victim count or None) when the preemption part names the node it found."""
    m = _PLACEMENT.search(preemption_message or "")
    if m is None:
        return None
    return m.group(1), (int(m.group(2)) if m.group(2) else None)


def parse_failure(message: str) -> Failure:
    """A Failure with the reason histogram (and the preemption histogram when one is appended)."""
    legacy = _legacy_histogram(message)
    if legacy is not None:
        return Failure(message=message, reasons=frozen_map(legacy))
    per_node = _PER_NODE.findall(message)
    if per_node:
        counts: dict[str, int] = {}
        for _node, reasons in per_node:
            for reason in reasons.split(", "):
                counts[reason.strip()] = counts.get(reason.strip(), 0) + 1
        return Failure(message=message, reasons=frozen_map(counts))
    main, _, preemption = message.partition(_PREEMPTION)
    total, reasons, _left = _histogram(main.strip())
    pre_msg = None
    pre_reasons: dict[str, int] = {}
    if preemption:
        pre_msg = preemption.strip()
        _t, pre_reasons, _l = _histogram(pre_msg)
    return Failure(message=message, reasons=frozen_map(reasons), total_nodes=total,
                   preemption_message=pre_msg, preemption_reasons=frozen_map(pre_reasons))
