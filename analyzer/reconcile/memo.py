"""Remember completed scores, so each distinct logged score is completed once per scoring context.

At --v=10 the same score repeats on node after node and attempt after attempt (a plugin's weighted
score, a resource line with the same allocatable and requested amounts). Completing one is pure
arithmetic on the Score's own fields, the attempt's profile name and the scoring context, so an equal
Score in the same context gives an equal result: the memo hands back the Score completed the first time.

Why this is safe:
- the key holds every field of the Score (and of its ResourceInputs), with the provenance and resource
  maps as item tuples, and the attempt's profile name; the node name is left out, because it only
  appears in discrepancy text, and a score with discrepancies is never remembered;
- the numbers are compared only when each is a plain int (or None), so equal keys mean equal values;
- the memo belongs to one ScoringContext object (held, and compared by identity), so other versions,
  weights or version sources never share it;
- a Score found by identity is the very object remembered (the memo holds it, so its id is not reused);
- Scores are frozen: sharing one Score object between nodes or attempts changes nothing;
- a parsed node (``parsed_node``) is the one object ``reconstruct/shared.py`` hands out for equal node drafts,
  so what reconciling it gave (its completed scores, findings, hidden split and reconciled node) is a function
  of that object, the profile and the context, and is looked up by identity while the entry holds the node;
  the decomposer and joined-tuple tables share objects the same way (keyed by content, or by held ids).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from typing import Any

from .. import memo_switch
from ..model import Score

Completed = tuple[tuple[Score, ...], int | None]  # a node's completed scores and their visible sum


class NodeDone:
    """What reconciling one parsed node gives before its hidden split (its completed scores, their visible sum and
    the findings on the way), and, per hidden-part decomposer, its split and the reconciled node (made when asked)."""

    __slots__ = ("scores", "visible", "issues", "settled")

    def __init__(self, scores: tuple[Score, ...], visible: int | None, issues: tuple) -> None:
        self.scores, self.visible, self.issues = scores, visible, issues
        self.settled: dict[Any, list] = {}  # decomposer -> [split, reconciled node or None]

_LIMIT = 1 << 14  # entries kept before the memo starts over (bounds the memory it holds)
# parsed nodes repeat only while reconstruct/shared.py still hands out the same object (its node table holds
# 4096), and each entry keeps a node and its reconciled forms alive: the same bound
_PARSED_LIMIT = 1 << 12


def score_key(score: Score) -> tuple | None:
    """Every field of a Score, hashable: equal keys give equal completed Scores. None (not remembered)
    when a number is not a plain int or None, so 1, 1.0 and True never share an entry."""
    inputs = score.inputs
    numbers = (score.raw, score.normalized, score.weight, score.weighted, score.recomputed,
               None if inputs is None else inputs.score)
    if not all(n is None or type(n) is int for n in numbers):
        return None
    shown = None if inputs is None else (inputs.scorer, tuple(inputs.allocatable.items()),
                                         tuple(inputs.requested.items()), inputs.line_style)
    parsed = None if score.parsed_provenance is None else tuple(score.parsed_provenance.items())
    return (score.plugin, score.logged_as, numbers, tuple(score.provenance.items()), shown, score.hidden,
            score.parsed_plugin, parsed)


# The Score fields score_key reads: a field added to Score must be added to the key (or here, with the
# reason it cannot change a completed score), or importing this module fails.
_KEYED = {"plugin", "logged_as", "raw", "normalized", "weight", "weighted", "recomputed", "inputs", "provenance",
          "hidden", "parsed_plugin", "parsed_provenance"}
_UNKEYED = {f.name for f in fields(Score)} ^ _KEYED
if _UNKEYED:
    raise ImportError(f"reconcile/memo.py: score_key does not cover the Score fields {sorted(_UNKEYED)}")


class ScoreMemo:
    """Completed scores of one scoring context: by the identity of the Score handed in (the assembler
    hands out one object for equal scores, ``reconstruct/shared.py``), else by its content."""

    def __init__(self, context: Any = None, on: bool = True) -> None:
        self.context = context  # held, so no other object takes its id while this memo is in use
        self.on = on  # off: nothing is remembered (memo_switch)
        self._by_id: dict[int, tuple[Score, str | None, Score]] = {}  # id -> (the score, profile, completed)
        self._by_content: dict[tuple, Score] = {}
        # a node's parsed scores (their ids, and the profile) -> (those scores, (completed scores, their sum))
        self._nodes: dict[tuple, tuple[tuple[Score, ...], Completed]] = {}
        self._parsed: dict[int, tuple[Any, str | None, NodeDone]] = {}  # id -> (a parsed node, profile, its NodeDone)
        self._decomposers: dict[tuple, Any] = {}  # (components, binary applies) -> the one Decomposer
        self._joined: dict[tuple[int, int], tuple] = {}  # (id of scores, id of hidden ones) -> (both, joined)

    def lookup(self, score: Score, profile: str | None) -> tuple[Score | None, tuple | None]:
        """(the completed score or None, the content key when it had to be built)."""
        if not self.on:
            return None, None
        entry = self._by_id.get(id(score))
        if entry is not None and entry[0] is score and entry[1] == profile:
            return entry[2], None
        fields = score_key(score)
        if fields is None:
            return None, None
        key = (profile, fields)
        done = self._by_content.get(key)
        if done is not None:
            self._by_id[id(score)] = (score, profile, done)
        return done, key

    def remember(self, score: Score, profile: str | None, key: tuple | None, done: Score) -> None:
        """Keep a completed score that had no findings (under ``key``, from ``lookup``; None: not kept)."""
        if key is None:
            return
        if len(self._by_content) >= _LIMIT or len(self._by_id) >= _LIMIT:
            self._by_id.clear()
            self._by_content.clear()
        self._by_content[key] = done
        self._by_id[id(score)] = (score, profile, done)

    def completed_node(self, scores: tuple[Score, ...], profile: str | None) -> Completed | None:
        """A node's scores completed (and their visible sum), when the very same Score objects were completed
        together before (in this context, under this profile) without findings; else None."""
        if not self.on:
            return None
        entry = self._nodes.get((profile, *map(id, scores)))
        return None if entry is None else entry[1]

    def remember_node(self, scores: tuple[Score, ...], profile: str | None, done: Completed) -> None:
        """Keep a node's completed scores (its completion had no findings). The entry holds the parsed
        Scores, so no other object takes one of their ids while it lives."""
        if not self.on:
            return
        if len(self._nodes) >= _LIMIT:
            self._nodes.clear()
        self._nodes[(profile, *map(id, scores))] = (scores, done)

    def parsed_node(self, node: Any, profile: str | None) -> NodeDone | None:
        """What reconciling this very NodeResult (a parsed one, under this profile) gave before; else None. The
        assembler hands out one object for equal nodes (``reconstruct/shared.py``), so a node repeated across
        attempts is reconciled once: everything in a NodeDone is a function of the node, the profile and the
        context (findings name the node, which is the same node)."""
        if not self.on:
            return None
        entry = self._parsed.get(id(node))
        if entry is not None and entry[0] is node and entry[1] == profile:
            return entry[2]
        return None

    def remember_parsed(self, node: Any, profile: str | None, done: NodeDone) -> None:
        """Keep a parsed node's NodeDone (the entry holds the node, so no other object takes its id)."""
        if not self.on:
            return
        if len(self._parsed) >= _PARSED_LIMIT:
            self._parsed.clear()
        self._parsed[id(node)] = (node, profile, done)

    def joined(self, scores: tuple[Score, ...], extra: tuple[Score, ...]) -> tuple[Score, ...]:
        """``scores + extra`` (a node's completed scores and its hidden ones), one tuple for the same two tuples, so
        nodes with equal scores and equal hidden parts share it as they share their scores."""
        if not self.on:
            return scores + extra
        key = (id(scores), id(extra))
        entry = self._joined.get(key)
        if entry is not None and entry[0] is scores and entry[1] is extra:
            return entry[2]
        if len(self._joined) >= _LIMIT:
            self._joined.clear()
        joined = scores + extra
        self._joined[key] = (scores, extra, joined)  # holds both, so neither id is reused while the entry lives
        return joined

    def decomposer(self, key: tuple, make: Callable[[], Any]) -> Any:
        """The one decomposer of hidden parts for ``key`` (its components and whether binary ones apply), made by
        ``make`` the first time; a new one each time with the memos off."""
        if not self.on:
            return make()
        found = self._decomposers.get(key)
        if found is None:
            if len(self._decomposers) >= _LIMIT:
                self._decomposers.clear()
            found = self._decomposers[key] = make()
        return found


_current = ScoreMemo()


def memo_for(context: Any) -> ScoreMemo:
    """The memo of ``context``: the last context seen keeps its memo (a run uses one context)."""
    global _current
    if _current.context is not context or _current.on is not memo_switch.enabled():
        _current = ScoreMemo(context, memo_switch.enabled())
    return _current
