"""Attribute the gap between a node's logged total and its visible weighted sum to hidden components.

Per version (``VersionProfile.hidden``): NodePreferAvoidPods (weight 10000, always at its maximum unless
the node's preferAvoidPods annotation names the pod's controller) is never printed up to 1.16 and in
1.17-1.18; legacy ImageLocality (0-10) is never printed in 1.12-1.16; TaintToleration was not printed
before v1.3's PR #27237. A gap these explain exactly is reported as explained; whatever is left is not.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from operator import add, attrgetter
from typing import NamedTuple

from ..model import NodeResult, Provenance, Score, evolve, frozen_map
from ..scoring.versions import HiddenComponent, canonical_plugin_name
from .discrepancy import HIDDEN, Discrepancy
from .memo import NodeDone, ScoreMemo
from .scores import ScoringContext

_GAPS_LIMIT = 4096  # distinct gaps a decomposer remembers before it starts over
BALANCED_PLUGIN = "NodeResourcesBalancedAllocation"  # skipped without a line for best-effort pods from 1.33
AVOID_MARK = "PreferAvoid"  # binary components: full score, or 0 on a node that avoids the pod's controller


class Part(NamedTuple):
    """One hidden component's share of a node's total (a tuple: grouping nodes by their parts hashes them)."""

    name: str
    weight: int
    normalized: int

    @property
    def amount(self) -> int:
        return self.weight * self.normalized

    @property
    def label(self) -> str:
        return f"{self.name.removesuffix('Priority')} (weight {self.weight} × score {self.normalized})"


class Split(NamedTuple):
    """A node's gap = the parts recognised + what is left."""

    node: str
    logged: int
    visible: int
    parts: tuple[Part, ...]
    leftover: int
    avoided: Part | None = None  # a binary component that scored 0 on this node

    @property
    def gap(self) -> int:
        return self.logged - self.visible


def visible_sum(scores: tuple[Score, ...]) -> int | None:
    """Σ weighted of the printed scores (extenders included); None when one of them is unknown."""
    total, shown = 0, False
    for s in scores:
        if s.hidden:
            continue
        if s.weighted is None:
            return None
        total += s.weighted
        shown = True
    return total if shown else None


def shown_names(per_node: list[tuple[Score, ...]], version: str) -> set[str]:
    """Every plugin name the attempt's scores show (each node's scores), as logged and as registered."""
    distinct = {id(t): t for t in per_node}.values()  # nodes often share one tuple (reconcile/memo.py)
    logged = {s.plugin for t in distinct for s in t} | {s.logged_as for t in distinct for s in t}
    logged.discard(None)
    logged.discard("")
    return logged | {_registered(name, version) for name in logged}


_registered = lru_cache(maxsize=1024)(canonical_plugin_name)  # a handful of names, asked for on every attempt


def candidates(profile: str | None, shown: set[str], ctx: ScoringContext) -> list[HiddenComponent]:
    """The hidden components of this version, with the weights in effect, plus an unprinted
    NodePreferAvoidPods where the weights have one but the attempt (``shown``: its names) shows no line for it."""
    weights = ctx.weights.weights_for(profile)
    out: list[HiddenComponent] = []
    for h in ctx.profile.hidden:
        if h.name in shown:
            continue
        configured = ctx.weights.origin not in ("defaults", "none")
        if configured and h.name not in weights:
            continue  # a configuration that leaves the component out: it does not run
        w = weights.get(h.name, h.weight)
        if w:  # a weight of 0 (configured off) adds nothing
            out.append(HiddenComponent(h.name, w, h.max_normalized, h.note))
    have = {h.name for h in out}
    for name, w in weights.items():
        if AVOID_MARK in name and name not in shown and name not in have and w:
            out.append(HiddenComponent(name, w, ctx.profile.max_score, "no score line in this attempt"))
    return out


def unlogged(profile: str | None, shown: set[str], ctx: ScoringContext, hidden: list[HiddenComponent]
             ) -> list[tuple[str, int]]:
    """(plugin, largest possible contribution) for weighted plugins with no line in this attempt.

    From 1.33 BalancedAllocation skips best-effort pods (PR #130260): no line there means it added 0.
    """
    shown = shown | {h.name for h in hidden}
    if ctx.profile.balanced_skip_best_effort:
        shown.add(BALANCED_PLUGIN)
    return [(n, w * ctx.profile.max_score) for n, w in ctx.weights.weights_for(profile).items()
            if n not in shown and w]


class Decomposition(NamedTuple):
    """What one gap (logged total - visible sum) is made of, and what it adds to the node."""

    parts: tuple[Part, ...]
    leftover: int
    avoided: Part | None  # a binary component that scored 0 on this node
    extra: tuple[Score, ...]  # one hidden Score per recognised part, then the avoided one
    amount: int  # what the recognised parts add


class Decomposer:
    """Split nodes' gaps into an attempt's hidden components; each distinct gap is worked out once (most
    nodes of an attempt share a few gaps)."""

    def __init__(self, comps: list[HiddenComponent], binary_applies: bool, max_score: int) -> None:
        # per binary component in order: its full share, and its share on a node that avoids the pod
        self.binary = [(Part(c.name, c.weight, c.max_normalized or max_score), Part(c.name, c.weight, 0))
                       for c in comps if AVOID_MARK in c.name and binary_applies]
        variable = [c for c in comps if AVOID_MARK not in c.name]
        self.variable = variable[0] if len(variable) == 1 else None  # only one can take the rest
        self.max_score = max_score
        self._gaps: dict[int, Decomposition] = {}

    def split(self, node: NodeResult, visible: int | None) -> Split | None:
        """Decompose one node's gap (``visible``: its visible sum); None when the node has no logged total or
        an unknown visible score."""
        if node.total_logged is None or visible is None:
            return None
        d = self.of(node.total_logged - visible)
        return Split(node.node, node.total_logged, visible, d.parts, d.leftover, d.avoided)

    def of(self, gap: int) -> Decomposition:
        found = self._gaps.get(gap)
        if found is None:
            if len(self._gaps) >= _GAPS_LIMIT:  # a decomposer is kept for the whole run (reconcile/memo.py)
                self._gaps.clear()
            found = self._gaps[gap] = self._decompose(gap)
        return found

    def _decompose(self, rest: int) -> Decomposition:
        parts: list[Part] = []
        avoided = None
        for full, none in self.binary:
            if rest >= full.amount:
                parts.append(full)
                rest -= full.amount
            else:
                avoided = none
        c = self.variable
        if c is not None and rest > 0 and rest % c.weight == 0 and rest // c.weight <= self.max_score:
            parts.append(Part(c.name, c.weight, rest // c.weight))
            rest = 0
        extra = tuple(_hidden_score(p.name, p.weight, p.normalized) for p in (*parts, *([avoided] if avoided else [])))
        return Decomposition(tuple(parts), rest, avoided, extra, sum(p.amount for p in parts))


def with_hidden_scores(node: NodeResult, scores: tuple[Score, ...], visible: int | None, split: Split | None,
                       decomposer: Decomposer, join: Callable[[tuple, tuple], tuple] = add) -> NodeResult:
    """The node with its completed ``scores`` (``visible``: their sum), one hidden Score per recognised part
    and total_recomputed = visible + parts. ``join`` puts the scores and the hidden ones in one tuple."""
    if split is None:
        if visible is None:
            return node if scores is node.scores else evolve(node, scores=scores)
        return evolve(node, scores=scores, total_recomputed=visible)
    d = decomposer.of(split.gap)
    return evolve(node, scores=join(scores, d.extra) if d.extra else scores, total_recomputed=split.visible + d.amount)


@lru_cache(maxsize=256, typed=True)  # typed: 1, 1.0 and True never share a Score
def _hidden_score(name: str, weight: int, normalized: int) -> Score:
    """A hidden part's Score; the same frozen object for the same part, which repeats on every node."""
    inferred = Provenance.INFERRED.value
    prov = frozen_map({"normalized": inferred, "weight": inferred, "weighted": inferred})
    return Score(plugin=name, normalized=normalized, weight=weight, weighted=weight * normalized, provenance=prov,
                 hidden=True)


def _values(splits: list[Split]) -> str:
    vis = "/".join(str(s.visible) for s in splits)
    logged = "/".join(str(s.logged) for s in splits)
    return f"visible {vis}, logged {logged}"


def _where(group: list[Split], everyone: int) -> str:
    return "on every node" if len(group) == everyone and everyone > 1 else "on " + ", ".join(s.node for s in group)


def hidden_discrepancies(profile: str | None, shown: set[str], splits: list[Split], ctx: ScoringContext,
                         comps: list[HiddenComponent]) -> list[Discrepancy]:
    """One record per group of nodes with the same decomposition: explained parts, avoided components,
    and unexplained leftovers (with the unlogged plugins that could hold them)."""
    out: list[Discrepancy] = []
    if not any(s.parts or s.avoided or s.leftover for s in splits):
        return out  # every gap is zero: nothing to say (the common case)
    everyone = len(splits)
    story = _values(splits) if everyone > 1 else ""
    for key, group in _groups(splits, _PARTS).items():
        if not key:
            continue
        amount = sum(p.amount for p in key)
        parts = " + ".join(p.label for p in key)
        values = story or _values(group)
        text = f"{values}: +{amount} {_where(group, everyone)} = {parts}, not logged in this version"
        typical = all(p.normalized == _typical(p, comps) for p in key)
        out.append(_record(group, amount, parts, text, True, ctx.confidence if typical else "medium"))
    for key, group in _groups(splits, _AVOIDED).items():
        if key is None or not any(s.parts and s.parts[0].name == key.name for s in splits):
            continue
        full = next(p for s in splits for p in s.parts if p.name == key.name)
        text = (f"{_values(group)}: no +{full.amount} {_where(group, everyone)}, unlike the other nodes = "
                f"{key.label}: the node's preferAvoidPods annotation names this pod's controller")
        out.append(_record(group, 0, key.label, text, True, ctx.confidence))
    unlogged_plugins = unlogged(profile, shown, ctx, comps)
    for leftover, group in _groups(splits, _LEFTOVER).items():
        if leftover == 0:
            continue
        out.append(_leftover(group, leftover, everyone, story, unlogged_plugins, ctx))
    return out


def _leftover(group: list[Split], leftover: int, everyone: int, story: str,
              unlogged_plugins: list[tuple[str, int]], ctx: ScoringContext) -> Discrepancy:
    values = story or _values(group)
    where = _where(group, everyone)
    if leftover < 0:
        text = (f"{values}: the visible scores exceed the logged total by {-leftover} {where}: no hidden "
                f"component can subtract{ctx.version_note()}")
        return _record(group, leftover, None, text, False, ctx.confidence)
    room = sum(m for _, m in unlogged_plugins)
    if unlogged_plugins and leftover <= room:
        names = ", ".join(n for n, _ in unlogged_plugins)
        attribution = f"plugins with no score line here: {names}"
        text = (f"{values}: {leftover} {where} is not explained by a known hidden component; the plugins "
                f"with no score line here ({names}) could add up to {room}, but the log does not say which")
        return _record(group, leftover, attribution, text, False, "low")
    text = (f"{values}: {leftover} {where} is not explained by any component this version is known to "
            f"leave unlogged{ctx.version_note()}")
    return _record(group, leftover, None, text, False, ctx.confidence)


def _record(group: list[Split], amount: int, attribution: str | None, text: str, explained: bool,
            confidence: str) -> Discrepancy:
    one = group[0] if len(group) == 1 else None
    return Discrepancy(
        HIDDEN, one.node if one else None, None, one.logged if one else None, one.visible if one else None,
        amount, attribution, text, confidence, explained=explained, nodes=tuple(s.node for s in group),
        per_node=tuple((s.node, s.logged, s.visible) for s in group))


def _typical(part: Part, comps: list[HiddenComponent]) -> int | None:
    return next((c.max_normalized for c in comps if c.name == part.name), None)


_PARTS, _AVOIDED, _LEFTOVER = attrgetter("parts"), attrgetter("avoided"), attrgetter("leftover")


def _groups(splits: list[Split], key) -> dict:
    out: dict = {}
    for s in splits:
        out.setdefault(key(s), []).append(s)
    return out


def reconcile_hidden(profile: str | None, nodes: list[NodeResult], done: list[NodeDone], ctx: ScoringContext,
                     memo: ScoreMemo) -> tuple[tuple[NodeResult, ...], list[Discrepancy]]:
    """An attempt's parsed ``nodes`` with their completed scores (``done``, in node order), hidden scores and
    recomputed totals filled in, and the attempt's hidden-component records. ``memo`` keeps the decomposers
    and, in each NodeDone, the node's split and reconciled node per decomposer."""
    shown = shown_names([d.scores for d in done], ctx.version)
    comps = candidates(profile, shown, ctx)
    max_score = ctx.profile.max_score
    decomposer = memo.decomposer((tuple(comps), True, max_score), lambda: Decomposer(comps, True, max_score))
    raw = [_settled(n, d, decomposer) for n, d in zip(nodes, done, strict=True)]
    # A binary component counts only when some node carries it; otherwise the version guess is the
    # likelier thing to be wrong, and the nodes are decomposed without it (the same split when there is none).
    binary = any(AVOID_MARK in c.name for c in comps)
    if binary and not any(s and s.parts and AVOID_MARK in s.parts[0].name for s, _ in raw):
        decomposer = memo.decomposer((tuple(comps), False, max_score), lambda: Decomposer(comps, False, max_score))
        raw = [_settled(n, d, decomposer) for n, d in zip(nodes, done, strict=True)]
    reconciled = tuple(_reconciled(n, d, entry, decomposer, memo) for n, d, entry in zip(nodes, done, raw, strict=True))
    splits = [s for s, _ in raw if s is not None]
    return reconciled, hidden_discrepancies(profile, shown, splits, ctx, comps)


def _settled(node: NodeResult, done: NodeDone, decomposer: Decomposer) -> list:
    """[the node's split under ``decomposer``, its reconciled node or None until asked], kept in ``done``."""
    entry = done.settled.get(decomposer)
    if entry is None:
        entry = done.settled[decomposer] = [decomposer.split(node, done.visible), None]
    return entry


def _reconciled(node: NodeResult, done: NodeDone, entry: list, decomposer: Decomposer, memo: ScoreMemo) -> NodeResult:
    """The node reconciled (``entry``: its split under ``decomposer``, from ``_settled``), made once."""
    if entry[1] is None:
        entry[1] = with_hidden_scores(node, done.scores, done.visible, entry[0], decomposer, memo.joined)
    return entry[1]
