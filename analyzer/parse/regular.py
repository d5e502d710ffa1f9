"""Compile a regular lark rule (a plain sequence of terminals) into one Python regex.

The grammar stays the single definition of the line shape; the regex is derived from it, so a hot
path can match a line with one ``re.match`` instead of running the LALR parser.
"""

from __future__ import annotations

import re

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
