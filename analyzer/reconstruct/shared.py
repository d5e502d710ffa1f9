"""Hand out one frozen object for equal resource inputs and equal scores, instead of one per line.

At --v=10 the same resource line (scorer, printed score, allocatable and requested amounts) and the
same score (a plugin's weighted value) repeat on node after node and attempt after attempt. The model
is immutable, so the assembler builds each distinct one once and gives every later equal line the same
object; reconcile then recognises a repeated Score by identity (``reconcile/memo.py``).

Why this is safe:
- a resource line's key holds every input of ``_resource_amounts`` and ``ResourceInputs``: the scorer,
  the printed score (with its type), the line style, the configured resource order and the raw
  allocatable and requested values (a list, a dict's items or the Go map text, tagged by kind). The
  values are what the parser produced: dict keys are strings (JSON keys and the grammars' names are),
  and numbers that compare equal give the same int (``int(1.0) == int(1)``);
- a score's key holds every field the frozen Score gets: plugin, logged name, the numbers in order (only
  when each is a plain int, so 1 and True or 1.0 never share; every one is observed, so they also give
  the provenance), and the identity of its ResourceInputs, which the remembered Score itself holds (so
  that id is not reused while the entry lives);
- a node's key holds every field of the NodeResult it gets (name, verdict and its provenance, logged total,
  filter reasons: the assembler writes these as enum members, ints and strings) and each score's key as above,
  so equal keys give equal nodes; its scores hold the ResourceInputs whose ids the key names;
- keys that cannot be hashed (a list inside a list) are simply not shared.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from .. import memo_switch
from ..model import NodeResult, Provenance, ResourceInputs, Score, frozen_map

_OBSERVED = Provenance.OBSERVED.value
_LIMIT = 1 << 15  # entries per table before it starts over (bounds memory when following a log for days)
# A node's key holds every score's fields (~2 kB with 8 plugins): fewer of them. Equal nodes come in nearby
# attempts, so a smaller table keeps most hits (on 5,000-node logs nodes rarely repeat at all).
_NODE_LIMIT = 1 << 12

Amounts = Callable[[Any, tuple[str, ...]], dict[str, int]]


def _raw_key(value: Any) -> Any:
    """A hashable stand-in for a raw resource value that equals another exactly when they read the same."""
    if isinstance(value, list):
        return ("list", *value)
    if isinstance(value, dict):
        return ("dict", *value.items())
    if isinstance(value, str):
        return value
    return ("other",)  # read as no amounts at all


class SharedParts:
    """The tables of one assembler: resource inputs, frozen scores and frozen nodes by content."""

    def __init__(self) -> None:
        self._inputs: dict[tuple, ResourceInputs] = {}
        self._scores: dict[tuple, Score] = {}
        self._nodes: dict[tuple, NodeResult] = {}
        self.on = memo_switch.enabled()  # off: a new object for every line and score (the reference)

    def resource_inputs(self, scorer: str, printed: Any, line_style: str, allocatable: Any, requested: Any,
                        order: tuple[str, ...], amounts: Amounts) -> ResourceInputs:
        """The ResourceInputs of a resource line (``amounts`` reads a raw value in the given order)."""
        key = (scorer, type(printed), printed, line_style, order, _raw_key(allocatable), _raw_key(requested)) \
            if self.on else None
        try:
            found = self._inputs.get(key) if key is not None else None
        except TypeError:
            key, found = None, None
        if found is None:
            found = ResourceInputs(scorer=scorer, allocatable=frozen_map(amounts(allocatable, order)),
                                   requested=frozen_map(amounts(requested, order)), score=printed,
                                   line_style=line_style)
            _keep(self._inputs, key, found)
        return found

    def score(self, plugin: str, logged_as: str | None, fields: dict[str, int], inputs: ResourceInputs | None) -> Score:
        """The frozen Score of a draft's fields, every one printed in the log (provenance observed)."""
        numbers = tuple(fields.items())
        key = (plugin, logged_as, numbers, id(inputs)) if self.on else None
        for _, v in numbers:
            if type(v) is not int:
                key = None
                break
        if key is not None:
            found = self._scores.get(key)
            if found is not None and found.inputs is inputs:
                return found
        found = Score(plugin=plugin, logged_as=logged_as, raw=fields.get("raw"), normalized=fields.get("normalized"),
                      weight=fields.get("weight"), weighted=fields.get("weighted"),
                      provenance=frozen_map(dict.fromkeys(fields, _OBSERVED)), inputs=inputs)
        _keep(self._scores, key, found)
        return found

    def node(self, name: str, verdict: Any, verdict_provenance: Any, total: int | None, reasons: tuple[str, ...],
             drafts: Collection[Any]) -> NodeResult:
        """The frozen NodeResult of a node draft (``drafts``: its score drafts, each with plugin, logged_as, fields
        and inputs): one object for equal nodes, within an attempt's scores and across attempts.

        The key holds every NodeResult field the draft gives and, per score, what ``score``'s key holds, flat
        (a fields item is a tuple, so it never reads as the next score's plugin); shared only when every number
        is a plain int (the total may be None; a None or float score field makes the node unshared).
        """
        key: list | None = None
        if self.on:
            key = [name, verdict, verdict_provenance, total, reasons]
            plain = total is None or type(total) is int
            for sd in drafts:
                fields = sd.fields
                key += (sd.plugin, sd.logged_as, id(sd.inputs), *fields.items())
                for v in fields.values():
                    if type(v) is not int:
                        plain = False
            if plain:
                found = self._nodes.get(key := tuple(key))
                if found is not None:
                    return found
            else:
                key = None
        make = self.score
        found = NodeResult(node=name, filter=verdict, filter_provenance=verdict_provenance, total_logged=total,
                           scores=tuple([make(sd.plugin, sd.logged_as, sd.fields, sd.inputs) for sd in drafts]),
                           filter_reasons=reasons)
        _keep(self._nodes, key, found, _NODE_LIMIT)
        return found


def _keep(table: dict, key: tuple | None, value: Any, limit: int = _LIMIT) -> None:
    """Remember ``value`` under ``key`` (None: not shareable); a full table starts over."""
    if key is None:
        return
    if len(table) >= limit:
        table.clear()
    table[key] = value
