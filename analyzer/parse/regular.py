"""Compile a regular lark rule (a plain sequence of terminals) into one Python regex.

The grammar stays the single definition of the line shape; the regex is derived from it, so a hot
path can match a line with one ``re.match`` instead of running the LALR parser.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from lark import Lark
from lark.grammar import Terminal


def rule_regex(parser: Lark, rule_name: str, no_capture: frozenset[str] = frozenset()) -> re.Pattern[str]:
    """One regex for each alternative of ``rule_name`` joined with '|'; terminals become named groups.

    Raises ValueError when the rule is not a flat sequence of terminals (i.e. not regular here).
    """
    terminals = {t.name: t for t in parser.terminals}
    alternatives = []
    for rule in parser.rules:
        if rule.origin.name != rule_name:
            continue
        parts = []
        for sym in rule.expansion:
            if not isinstance(sym, Terminal):
                raise ValueError(f"rule {rule_name} is not regular: it refers to rule {sym.name}")
            pattern = terminals[sym.name].pattern.to_regexp()
            if sym.filter_out or sym.name in no_capture:
                parts.append(f"(?:{pattern})")
            else:
                parts.append(f"(?P<{sym.name}>{pattern})")
        alternatives.append("".join(parts))
    if not alternatives:
        raise ValueError(f"no rule named {rule_name}")
    return re.compile("|".join(f"(?:{a})" for a in alternatives) + r"\Z", re.DOTALL)


# -- token sequences (grammars with %ignore " ") ---------------------------------------------------
# What %ignore " " allows between two tokens; possessive, as the lexer never gives spaces back.
SEPARATOR = " *+"
_SPACE_PROBES = (" ", " a", " 1", " -", " x y")


def _takes_leading_space(pattern: str) -> bool:
    """True when a terminal can itself start with a space (then the lexer hands it the space, not %ignore)."""
    compiled = re.compile(pattern)
    return any(compiled.match(probe) for probe in _SPACE_PROBES)


@dataclass(frozen=True)
class FlatRule:
    """A rule flattened to one regex: ``captures`` names the capturing group of each kept terminal, in order.

    A repeated sub-rule (lark's ``__x_star_n`` helper) is captured as one span named ``*<rule>``;
    ``repeats[<rule>]`` is the regex that re-scans that span element by element.
    """

    regex: re.Pattern[str]
    captures: tuple[str, ...]
    repeats: dict[str, re.Pattern[str]]


def flat_rule(parser: Lark, rule_name: str, pick: Mapping[str, int] | None = None,
              sep: str = SEPARATOR) -> FlatRule:
    """One regex for one expansion path of ``rule_name``, each token atomic and separated like %ignore " ".

    ``pick`` chooses, for each rule with several expansions, which one (its index among the rule's
    expansions in ``parser.rules``, where ``[x]`` puts the form with x first); a rule with one
    expansion needs no pick. Every token is an atomic group, so the
    regex never splits the text differently from lark's lexer, which also never backtracks into a token.
    Raises ValueError for an ambiguous or recursive rule that is not a simple repetition.
    """
    pick = dict(pick or {})
    terminals = {t.name: t for t in parser.terminals}
    by_origin: dict[str, list] = {}
    for rule in parser.rules:
        by_origin.setdefault(rule.origin.name, []).append(rule)
    repeats: dict[str, re.Pattern[str]] = {}

    def star_element(name: str) -> str | None:
        """The element rule of a 'x: elem | x elem' repetition helper, else None."""
        alts = by_origin.get(name, [])
        if len(alts) != 2:
            return None
        first, second = (tuple(s.name for s in a.expansion) for a in alts)
        return first[0] if len(first) == 1 and second == (name, first[0]) else None

    active: list[str] = []

    def render(name: str, capture: bool, captures: list[str]) -> str:
        if name in active:
            raise ValueError(f"rule {name} is recursive (other than a plain repetition)")
        active.append(name)
        try:
            return render_once(name, capture, captures)
        finally:
            active.pop()

    def render_once(name: str, capture: bool, captures: list[str]) -> str:
        element = star_element(name)
        if element is not None:
            inner = render(element, False, [])
            repeats[element] = re.compile(render(element, True, []))
            if capture:
                captures.append(f"*{element}")
                return f"((?:{inner})*)"
            return f"(?:{inner})*"
        alts = by_origin.get(name)
        if not alts:
            raise ValueError(f"no rule named {name}")
        if len(alts) > 1 and name not in pick:
            raise ValueError(f"rule {name} has {len(alts)} expansions: pick one")
        parts = []
        for sym in alts[pick.get(name, 0)].expansion:
            if not isinstance(sym, Terminal):
                parts.append(render(sym.name, capture, captures))
                continue
            pattern = terminals[sym.name].pattern.to_regexp()
            lead = "" if _takes_leading_space(pattern) else sep
            if capture and not sym.filter_out:
                captures.append(sym.name)
                parts.append(f"{lead}(?>({pattern}))")
            else:
                parts.append(f"{lead}(?>{pattern})")
        return "".join(parts)

    captures: list[str] = []
    body = render(rule_name, True, captures)
    return FlatRule(re.compile(f"{body}{sep}\\Z"), tuple(captures), repeats)


def first_terminals(parser: Lark, rule_name: str) -> set[str]:
    """The terminals that can start ``rule_name`` (its FIRST set; the grammars here have no empty rules)."""
    by_origin: dict[str, list] = {}
    for rule in parser.rules:
        by_origin.setdefault(rule.origin.name, []).append(rule)
    out: set[str] = set()
    seen: set[str] = set()
    todo = [rule_name]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for rule in by_origin.get(name, []):
            if not rule.expansion:
                continue
            head = rule.expansion[0]
            if isinstance(head, Terminal):
                out.add(head.name)
            else:
                todo.append(head.name)
    return out
