"""Compare two snapshots: every change in a decision or a logged number, as data and as one readable line."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .snapshot import DISCREPANCY_KEYS

# Fields --ignore accepts (plus "plugin:NAME" to ignore one plugin's scores).
IGNORABLE = ("log", "weights", "outcome", "winner", "evaluated_nodes", "feasible_nodes", "complete",
             "failure", "nodes", "filter", "total", "scores", "discrepancies")
ATTEMPT_FIELDS = ("outcome", "winner", "evaluated_nodes", "feasible_nodes", "complete", "failure")
TOTAL, ANY_PLUGIN = "total", "*"


@dataclass(frozen=True)
class Change:
    """One difference between an expected (or first) snapshot and an actual (or second) one."""

    kind: str  # attempt-missing, attempt-new, <attempt field>, node-missing, node-new, filter, total, score,
    # plugin-gone, plugin-new, discrepancy-gone, discrepancy-new, log, weight
    text: str
    pod: str | None = None
    attempt: int | None = None
    node: str | None = None
    plugin: str | None = None
    before: Any = None
    after: Any = None

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "pod": self.pod, "attempt": self.attempt, "node": self.node,
                "plugin": self.plugin, "before": self.before, "after": self.after, "text": self.text}


def parse_tolerances(items: Iterable[str]) -> dict[str, float]:
    """'PLUGIN=N', 'total=N' or '*=N' -> {name: N}; raises ValueError with a one-line reason."""
    out: dict[str, float] = {}
    for item in items:
        name, sep, amount = item.partition("=")
        try:
            value = float(amount)
        except ValueError:
            value = -1.0
        if not sep or not name or value < 0:
            raise ValueError(f"bad tolerance {item!r}: expected PLUGIN=N (or total=N, *=N) with N >= 0")
        out[name] = value
    return out


def check_ignored(items: Iterable[str]) -> set[str]:
    """Validate --ignore values; raises ValueError naming the accepted ones."""
    items = set(items)
    bad = sorted(i for i in items if i not in IGNORABLE and not (i.startswith("plugin:") and len(i) > 7))
    if bad:
        raise ValueError(f"cannot ignore {', '.join(bad)}: use one of {', '.join(IGNORABLE)} or plugin:NAME")
    return items


def _label(pod: str, attempt: int, node: str | None = None) -> str:
    return f"{pod} #{attempt}" + (f" {node}" if node else "")


def _signed(delta: float) -> str:
    return f"{int(delta):+d}" if delta == int(delta) else f"{delta:+.6g}"


def _plugin_scores(node: Mapping[str, Any]) -> dict[str, tuple[str, int]]:
    """plugin -> (field, value) of one snapshot node."""
    return {plugin: (field, value) for field, values in node.get("scores", {}).items()
            for plugin, value in values.items()}


@dataclass(frozen=True)
class Comparer:
    """The comparison settings: per-name tolerances and ignored fields."""

    tolerances: Mapping[str, float]
    ignore: frozenset[str]

    def within(self, name: str, before: Any, after: Any) -> bool:
        """True when a numeric change is inside the tolerance for this plugin (or 'total')."""
        if before == after:
            return True
        if not isinstance(before, int | float) or not isinstance(after, int | float):
            return False
        limit = self.tolerances.get(name, self.tolerances.get(ANY_PLUGIN) if name != TOTAL else None)
        return limit is not None and abs(after - before) <= limit

    def plugin_ignored(self, plugin: str) -> bool:
        return "scores" in self.ignore or f"plugin:{plugin}" in self.ignore

    def snapshots(self, a: Mapping[str, Any], b: Mapping[str, Any]) -> list[Change]:
        changes: list[Change] = []
        if "log" not in self.ignore:
            for key in sorted(set(a.get("log", {})) | set(b.get("log", {}))):
                before, after = a.get("log", {}).get(key), b.get("log", {}).get(key)
                if before != after:
                    text = f"log {key}: {before} -> {after}"
                    changes.append(Change("log", text, before=before, after=after))
        if "weights" not in self.ignore:
            changes += self.weights(a.get("weights", {}), b.get("weights", {}))
        first = {(x["pod"], x["attempt"]): x for x in a["attempts"]}
        second = {(x["pod"], x["attempt"]): x for x in b["attempts"]}
        for key in sorted(set(first) | set(second)):
            old, new = first.get(key), second.get(key)
            if new is None:
                changes.append(Change("attempt-missing", f"{_label(*key)}: missing (was {old['outcome']}"
                                      f"{' on ' + old['winner'] if old['winner'] else ''})", *key))
            elif old is None:
                changes.append(Change("attempt-new", f"{_label(*key)}: new attempt ({new['outcome']}"
                                      f"{' on ' + new['winner'] if new['winner'] else ''})", *key))
            else:
                changes += self.attempts(old, new)
        return changes

    def weights(self, a: Mapping[str, int], b: Mapping[str, int]) -> list[Change]:
        if bool(a) != bool(b):  # only one log prints its plugin weights: one line, not one per plugin
            state = ("printed" if a else "not printed", "printed" if b else "not printed")
            return [Change("weight", f"plugin weights: {state[0]} -> {state[1]}",
                           before=dict(a) or None, after=dict(b) or None)]
        return [Change("weight", f"weight of {p}: {a.get(p)} -> {b.get(p)} (as logged)", plugin=p,
                       before=a.get(p), after=b.get(p))
                for p in sorted(set(a) | set(b)) if a.get(p) != b.get(p) and not self.plugin_ignored(p)]

    def attempts(self, old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
        pod, number = old["pod"], old["attempt"]
        changes = []
        for name in ATTEMPT_FIELDS:
            if name not in self.ignore and old.get(name) != new.get(name):
                before, after = old.get(name), new.get(name)
                shown = (json.dumps(before, sort_keys=True), json.dumps(after, sort_keys=True)) \
                    if name == "failure" else (before, after)
                changes.append(Change(name, f"{_label(pod, number)}: {name} {shown[0]} -> {shown[1]}",
                                      pod, number, before=before, after=after))
        if "nodes" not in self.ignore:
            changes += self.nodes(pod, number, old["nodes"], new["nodes"])
        if "discrepancies" not in self.ignore:
            changes += self.discrepancies(pod, number, old["discrepancies"], new["discrepancies"])
        return changes

    def nodes(self, pod: str, number: int, old: list[dict], new: list[dict]) -> list[Change]:
        first, second = {n["node"]: n for n in old}, {n["node"]: n for n in new}
        changes = []
        plugins_a = {p for n in old for p in _plugin_scores(n)}
        plugins_b = {p for n in new for p in _plugin_scores(n)}
        for plugin in sorted(plugins_a ^ plugins_b):
            if self.plugin_ignored(plugin):
                continue
            gone = plugin in plugins_a
            count = sum(plugin in _plugin_scores(n) for n in (old if gone else new))
            text = f"{_label(pod, number)}: {plugin} " + \
                (f"no longer scored (was on {count} nodes)" if gone else f"newly scored (on {count} nodes)")
            changes.append(Change("plugin-gone" if gone else "plugin-new", text, pod, number, plugin=plugin))
        for name in sorted(set(first) | set(second)):
            a, b = first.get(name), second.get(name)
            if a is None or b is None:
                kind = "node-new" if a is None else "node-missing"
                changes.append(Change(kind, f"{_label(pod, number, name)}: "
                                      f"{'new node' if a is None else 'node missing'}", pod, number, name))
                continue
            where = _label(pod, number, name)
            if "filter" not in self.ignore and a["filter"] != b["filter"]:
                changes.append(Change("filter", f"{where}: filter {a['filter']} -> {b['filter']}",
                                      pod, number, name, before=a["filter"], after=b["filter"]))
            before, after = a["total"], b["total"]
            if "total" not in self.ignore and not self.within(TOTAL, before, after):
                delta = f" ({_signed(after - before)})" if None not in (before, after) else ""
                changes.append(Change("total", f"{where}: total {before} -> {after}{delta}",
                                      pod, number, name, before=before, after=after))
            changes += self.scores(pod, number, name, a, b, plugins_a & plugins_b)
        return changes

    def scores(self, pod: str, number: int, node: str, a: Mapping, b: Mapping,
               shared: set[str]) -> list[Change]:
        first, second = _plugin_scores(a), _plugin_scores(b)
        changes = []
        for plugin in sorted(set(first) | set(second)):
            if self.plugin_ignored(plugin):
                continue
            old, new = first.get(plugin), second.get(plugin)
            if old is None or new is None:
                if plugin in shared:  # scored in both attempts, but not on this node in one of them
                    state = "no longer scored" if new is None else "newly scored"
                    changes.append(Change("plugin-gone" if new is None else "plugin-new",
                                          f"{_label(pod, number, node)}: {plugin} {state}", pod, number, node,
                                          plugin, old and old[1], new and new[1]))
                continue
            if old[0] != new[0]:
                changes.append(Change("score", f"{_label(pod, number, node)}: {plugin} {old[0]} {old[1]} -> "
                                      f"{new[0]} {new[1]}", pod, number, node, plugin, old[1], new[1]))
            elif not self.within(plugin, old[1], new[1]):
                changes.append(Change("score", f"{_label(pod, number, node)}: {plugin} {old[0]} {old[1]} -> "
                                      f"{new[1]} ({_signed(new[1] - old[1])})", pod, number, node, plugin,
                                      old[1], new[1]))
        return changes

    def discrepancies(self, pod: str, number: int, old: list[dict], new: list[dict]) -> list[Change]:
        def key(d: Mapping) -> str:
            return json.dumps(d, sort_keys=True)

        first, second = {key(d): d for d in old}, {key(d): d for d in new}
        changes = []
        for k in sorted(set(first) ^ set(second)):
            d = first.get(k) or second[k]
            gone = k in first
            where = " ".join(f"{f}={','.join(d[f]) if isinstance(d[f], list) else d[f]}"
                             for f in (*DISCREPANCY_KEYS, "nodes") if d.get(f) is not None)
            changes.append(Change("discrepancy-gone" if gone else "discrepancy-new",
                                  f"{_label(pod, number)}: discrepancy {'gone' if gone else 'new'}: {where}",
                                  pod, number, d.get("node"), d.get("plugin"), d if gone else None,
                                  None if gone else d))
        return changes


def compare(expected: Mapping[str, Any], actual: Mapping[str, Any],
            tolerances: Mapping[str, float] | None = None, ignore: Iterable[str] = ()) -> list[Change]:
    """Every change from `expected` to `actual` (two snapshots), in a stable order; empty when they match."""
    return Comparer(dict(tolerances or {}), frozenset(check_ignored(ignore))).snapshots(expected, actual)
