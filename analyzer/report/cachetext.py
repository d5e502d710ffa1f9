"""Cache dumps, comparer findings and replays in the outputs: JSON keys, summary rows and check lines.

Dumps are observed; replayed amounts are derived and the scores computed from them recomputed. Lists
are cut to a few names with a count of the rest, so a 5,000-node dump reads as a few lines.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from ..model import AnalysisResult
from ..reconstruct.cache import CacheDump, CacheFacts, CacheMismatch

SHOWN = 5  # names listed before "and N more"
SHOWN_NODES = 10  # replayed nodes an attempt's JSON lists: the best ranked (plus the winner and changed nodes)


def _facts(result: AnalysisResult) -> CacheFacts:
    return result.cache or CacheFacts()


def dump_to_dict(dump: CacheDump) -> dict[str, Any]:
    def pod(p):
        return {"name": p.name, "namespace": p.namespace, "uid": p.uid, "phase": p.phase,
                "nominated_node": p.nominated_node}

    return {
        "time": dump.at.ts, "input": dump.at.input, "line": dump.at.line, "style": dump.style,
        "provenance": dump.provenance, "node_count": len(dump.nodes),
        "nodes": [{"name": n.name, "deleted": n.deleted, "requested": dict(n.requested),
                   "allocatable": dict(n.allocatable), "pod_count": n.pod_count,
                   "pods": [pod(p) for p in n.pods], "nominated_pods": [pod(p) for p in n.nominated]}
                  for n in dump.nodes],
        "queue": None if dump.queue is None else {"summary": dict(dump.queue_summary),
                                                  "pods": [pod(p) for p in dump.queue]},
    }


def mismatch_to_dict(m: CacheMismatch) -> dict[str, Any]:
    return {"time": m.at.ts, "input": m.at.input, "line": m.at.line, "missed_nodes": list(m.missed_nodes),
            "redundant_nodes": list(m.redundant_nodes), "missed_pods": list(m.missed_pods),
            "redundant_pods": list(m.redundant_pods)}


def cache_keys(result: AnalysisResult) -> dict[str, Any]:
    """The result-level JSON keys (always present, empty without dumps)."""
    facts = _facts(result)
    return {"cache_dumps": [dump_to_dict(d) for d in facts.dumps],
            "cache_mismatches": [mismatch_to_dict(m) for m in facts.mismatches]}


def replays_by_attempt(result: AnalysisResult) -> dict[tuple[str, int], dict[str, Any]]:
    """(pod, attempt) -> the attempt's "cache_replay" JSON, for the attempts after a dump."""
    facts = _facts(result)
    if not facts.dumps:
        return {}
    from ..replay import replay

    return {(r.pod, r.attempt): r.to_dict() for r in replay(result, facts.pod_requests, keep=SHOWN_NODES)}


def when(ts: str | None) -> str:
    """A log time for text output: '--11-28T16:09:06.433142' (klog prints no year) -> '11-28 16:09:06.433142'."""
    return "?" if not ts else ts.removeprefix("--").replace("T", " ")


def names(items: tuple[str, ...] | list[str]) -> str:
    shown = ", ".join(items[:SHOWN])
    return shown + (f" and {len(items) - SHOWN} more" if len(items) > SHOWN else "")


def summary_rows(result: AnalysisResult) -> list[list[str]]:
    """Rows for `schedlog summary`: each dump (when, how many nodes and pods), then the comparer."""
    facts = _facts(result)
    rows = []
    for dump in facts.dumps[:SHOWN]:
        deleted = sum(1 for n in dump.nodes if n.deleted)
        pods = sum(len(n.pods) for n in dump.nodes)
        queue = "" if dump.queue is None else f", {len(dump.queue)} pending in the queue"
        rows.append(["cache dump", f"{when(dump.at.ts)} (line {dump.at.line}): {len(dump.nodes)} nodes"
                     + (f" ({deleted} deleted)" if deleted else "") + f", {pods} pods on them{queue}"])
    if len(facts.dumps) > SHOWN:
        rows.append(["cache dumps", f"{len(facts.dumps)} in all"])
    if facts.mismatches:
        rows.append(["cache comparer", f"{len(facts.mismatches)} mismatch warning(s), see `schedlog check`"])
    return rows


def mismatch_lines(m: CacheMismatch) -> list[str]:
    parts = [(m.missed_nodes, "nodes the API has and the cache lacks"),
             (m.redundant_nodes, "nodes the cache holds and the API no longer has"),
             (m.missed_pods, "pods (UIDs) the API has and the cache lacks"),
             (m.redundant_pods, "pods (UIDs) the cache holds and the API no longer has")]
    return [f"  {when(m.at.ts)} (line {m.at.line}): {len(items)} {what}: {names(items)}" for items, what in parts
            if items]


def finding_lines(result: AnalysisResult) -> list[str]:
    """`schedlog check`: the comparer's warnings (a stale cache explains otherwise unexplained scores) and
    where resource lines disagree with a replayed dump."""
    facts = _facts(result)
    out: list[str] = []
    if facts.mismatches:
        out += ["", f"cache-mismatch: {len(facts.mismatches)} comparer warning(s); scores computed from a stale "
                "cache can differ from what the nodes hold"]
        for m in facts.mismatches:
            out += mismatch_lines(m)
    if facts.dumps:
        replays = replays_by_attempt(result)
        disagree = {key: r["disagreements"] for key, r in replays.items() if r["disagreements"]}
        out += ["", f"cache-dump: {len(facts.dumps)} dump(s); {len(replays)} attempt(s) after one, "
                f"{len(disagree)} whose resource lines disagree with the replayed cache"]
        by_text = Counter(text for lines in disagree.values() for text in lines)  # the same gap in many attempts
        for text, count in by_text.most_common(SHOWN):
            out.append(f"  {count} attempt(s): {text}")
        if len(by_text) > SHOWN:
            out.append(f"  ... {len(by_text) - SHOWN} more (check -o json lists them all)")
    return out


def check_keys(result: AnalysisResult) -> dict[str, Any]:
    """`check -o json`: the comparer's warnings and the replay disagreements."""
    replays = replays_by_attempt(result)
    return {"cache": {"mismatches": [mismatch_to_dict(m) for m in _facts(result).mismatches],
                      "replay_disagreements": [{"pod": pod, "attempt": n, "disagreements": r["disagreements"]}
                                               for (pod, n), r in replays.items() if r["disagreements"]]}}


def _amounts(values: dict[str, int] | None) -> str:
    if values is None:
        return "unknown"
    cpu, mem = values.get("cpu"), values.get("memory")
    return f"cpu {cpu}m, memory {mem / 2**30:.2f}Gi" if cpu is not None and mem is not None else "?"


def replay_lines(replays: dict[tuple[str, int], dict[str, Any]], pod: str, attempt: int) -> list[str]:
    """`schedlog explain`: the attempt as the replayed cache dump scores it (top nodes, then counts)."""
    r = replays.get((pod, attempt))
    if r is None:
        return []
    head = (f"replayed cache dump (line {r['dump_line']}, {when(r['dump_time'])}, {r['node_count']} nodes, "
            f"{r['changed_nodes']} changed since)")
    if r["pod_requests"] is None:
        return ["", head + ": the pod's requests are not in the log (give them with --pods) - node states only"]
    out = ["", head + f"; pod requests {_amounts(r['pod_requests'])} (inferred: given with --pods, not in the log)",
           f"  resource scores recomputed, totals and ranking derived; {r['fitting_nodes']} of {r['node_count']} "
           "nodes hold the pod's requests"]
    plugins = list(r["weights"])
    width = max([len(n["node"]) for n in r["nodes"]] + [4])
    out.append("  " + "  ".join(["rank", "node".ljust(width), *plugins, "total", "requested before the pod"]))
    for n in sorted(r["nodes"], key=lambda n: (n["rank"] is None, n["rank"] or 0, n["node"])):
        cells = [str(n["rank"] or "-").rjust(4), n["node"].ljust(width),
                 *(str(n["scores"].get(p, "-")).rjust(len(p)) for p in plugins), str(n["total"] or "-").rjust(5),
                 _amounts(n["requested"]) + ("" if n["fits"] is not False else "  (does not fit)")]
        out.append("  " + "  ".join(cells))
    out += [f"  caveat: {c}" for c in r["caveats"]]
    out += [f"  disagrees: {d}" for d in r["disagreements"]]
    return out
