"""Translate the Python regexes derived from the grammars into RE2 (pyarrow.compute) syntax.

RE2 has no atomic groups, possessive quantifiers or lookarounds. Atomic groups become plain groups and
possessive quantifiers greedy ones; the hot-shape regexes built for RE2 are laid out so that this is
exact (every such token is followed by a literal it cannot contain, so it has one possible length, see
parse/columnar.py); tests/test_columnar.py checks Python re against RE2 on every corpus line. ``\\Z``
becomes ``$`` (RE2's ``$`` is the end of the text). A lookaround cannot be translated: it fails loudly.
"""

from __future__ import annotations

_QUANTIFIER_ENDS = frozenset("*+?}")


class UntranslatableRegex(ValueError):
    """A construct RE2 lacks and the translation does not rewrite."""


def to_re2(pattern: str) -> str:
    """``pattern`` (Python ``re`` syntax) in RE2 syntax; raises UntranslatableRegex for lookarounds."""
    out: list[str] = []
    i, n = 0, len(pattern)
    in_class = False
    while i < n:
        c = pattern[i]
        if c == "\\":
            pair = pattern[i:i + 2]
            out.append("$" if pair == "\\Z" and not in_class else pair)
            i += 2
            continue
        if in_class:
            if c == "]" and not _class_opens_at(pattern, i):
                in_class = False
            out.append(c)
            i += 1
            continue
        if c == "[":
            in_class = True
            out.append(c)
            i += 1
            continue
        if c == "(" and pattern.startswith("(?", i):
            if pattern.startswith("(?>", i):
                out.append("(?:")
                i += 3
                continue
            if pattern.startswith(("(?=", "(?!", "(?<=", "(?<!"), i):
                raise UntranslatableRegex(f"lookaround at {i} in {pattern!r}: RE2 has none; rewrite the shape")
        if c == "+" and out and out[-1][-1:] in _QUANTIFIER_ENDS and not _escaped_or_open(out):
            i += 1  # possessive: the greedy quantifier before it stays
            continue
        out.append(c)
        i += 1
    return "".join(out)


def _class_opens_at(pattern: str, i: int) -> bool:
    """True when the ']' at ``i`` is the first character of its class (literal, as in ``[]a]`` or ``[^]a]``)."""
    j = i - 1
    if j >= 0 and pattern[j] == "^":
        j -= 1
    return j >= 0 and pattern[j] == "[" and (j == 0 or pattern[j - 1] != "\\")


def _escaped_or_open(out: list[str]) -> bool:
    """True when the previous token cannot be a quantifier: an escape (``\\+``) or a group's '(' before '?'."""
    last = out[-1]
    if len(last) == 2 and last[0] == "\\":
        return True
    return last == "?" and len(out) > 1 and out[-2].endswith("(")
