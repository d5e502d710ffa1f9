"""Fast path for the hot line shapes: one regex derived from the lark grammar instead of an LALR parse.

The grammars stay the only definition of a line shape. For the shapes that fill real logs (per-node
score lines, totals, resource lines, simple structured key/values) this module flattens a grammar
rule into one regex (``regular.flat_rule``: lark's own terminal regexps, each token atomic, spaces
as %ignore allows) and feeds the captured tokens to the same Transformer methods lark would call.
Anything the regex does not fully match goes to lark unchanged, so the fast path can only be faster,
never different. ``SCHEDLOG_PARSER=lark`` (or ``set_enabled(False)``) forces the lark-only path.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from types import MethodType, SimpleNamespace
from typing import Any

from ..switch import Switch
from .events import Event
from .regular import FlatRule, first_terminals, flat_rule

ENV_VAR = "SCHEDLOG_PARSER"
_switch = Switch(ENV_VAR, ("lark",))
enabled = _switch.enabled  # whether the parsers try the fast path before lark
set_enabled = _switch.set_enabled  # tests and benchmarks compare both paths
lark_only = _switch.off  # within the block every line goes through lark


# -- printf shapes -------------------------------------------------------------------------------
# A shape: the start rule parse_printf chose, which expansion of each multi-expansion rule the hot
# line uses (index in grammars/printf.lark order), and how the captured tokens become the Event via
# the printf Transformer's own methods (t). ``v`` holds the captured tokens in grammar order.
Build = Callable[[Any, tuple[Any, ...]], Event]


@dataclass(frozen=True)
class Shape:
    """One hot printf line shape: a start rule, an expansion path through it, and how to build its Event."""

    name: str
    rule: str
    pick: dict[str, int]
    expects: tuple[str, ...]  # the captured terminals, in order: a grammar edit that moves them fails loudly
    build: Build


_ARROW = ("SUBJECT", "TARGET", "NAME")

# fmt: off
PRINTF_SHAPES: tuple[Shape, ...] = (
    # "<pod>_<ns> -> <node>: <priority>, Score: (n)"
    Shape("arrow-score", "arrow", {"arrow_tail": 0}, (*_ARROW, "SIGNED_INT"),
          lambda t, v: t.arrow(v[0], v[1], v[2], t.priority_score(v[3]))),
    # "<pod> -> <node>: <scorer>, map of allocatable resources map[..], map of requested resources map[..]
    #  ,score n,"
    Shape("arrow-resource-map", "arrow", {"arrow_tail": 3, "map_request": 0},
          (*_ARROW, "GOMAP", "GOMAP", "SIGNED_INT"),
          lambda t, v: t.arrow(v[0], v[1], v[2], t.resource_map(v[3], t.map_request(v[4], v[5])))),
    # "<pod> -> <node>: <scorer>, capacity C millicores M memory bytes, total request c millicores
    #  m memory bytes, score n"
    Shape("arrow-resource-capacity", "arrow", {"arrow_tail": 2, "capacity_part": 1, "request_part": 1},
          (*_ARROW, "INT", "INT", "INT", "INT", "SIGNED_INT"),
          lambda t, v: t.arrow(v[0], v[1], v[2], t.resource_capacity(
              t.capacity_part(v[3], v[4], None), t.request_part(v[5], v[6], None), v[7], None))),
    # "Host <node> => Score <total>"
    Shape("host", "host", {"host": 0}, ("NODE", "SIGNED_INT"), lambda t, v: t.host(v[0], v[1])),
    # "Plugin <name> scores on <ns>/<pod> => [{node score} ...]"
    Shape("plugin-list", "plugin_list", {"plugin_list": 0}, ("WORD", "POD", "*node_score"),
          lambda t, v: t.plugin_list(v[0], v[1], *(t.node_score(n, s) for n, s in v[2]))),
    Shape("attempt", "attempt", {}, ("POD",), lambda t, v: t.attempt(v[0])),
    Shape("dequeue", "dequeue", {}, ("POD",), lambda t, v: t.dequeue(v[0])),
    Shape("bind", "bind", {}, ("POD", "NODE"), lambda t, v: t.bind(v[0], v[1])),
    Shape("bound", "bound", {"evaluated_feasible": 1}, ("POD", "NODE_MAYBE_QUOTED", "INT", "INT"),
          lambda t, v: t.bound(v[0], v[1], t.evaluated_feasible(v[2], v[3]))),
    Shape("allowed", "allowed", {}, ("POD", "NODE", "REST"), lambda t, v: t.allowed(v[0], v[1], v[2])),
    # "Event(v1.ObjectReference{..}): type: 'Normal' reason: 'Scheduled' <message>" (1.14-1.16, one per pod)
    Shape("event", "event", {"event": 0}, ("OBJECT_REF", "SQUOTED", "SQUOTED", "EVENT_TEXT"),
          lambda t, v: t.event(v[0], v[1], v[2], v[3])),
)
# fmt: on


@dataclass(frozen=True)
class _Compiled:
    shape: Shape
    flat: FlatRule
    star: int | None  # index of the captured repetition span, if any
    star_regex: re.Pattern[str] | None


@cache
def printf_matchers() -> dict[str, tuple[_Compiled, ...]]:
    """Start rule -> its compiled hot shapes, derived from grammars/printf.lark once per process."""
    from .grammar import lalr_parser
    from .printf import START_RULES

    parser = lalr_parser("printf", START_RULES)
    out: dict[str, list[_Compiled]] = {}
    for shape in PRINTF_SHAPES:
        flat = flat_rule(parser, shape.rule, shape.pick)
        if flat.captures != shape.expects:
            raise ValueError(f"fast-path shape {shape.name}: grammars/printf.lark now captures "
                             f"{flat.captures}, not {shape.expects}; update PRINTF_SHAPES")
        star = next((i for i, name in enumerate(flat.captures) if name.startswith("*")), None)
        star_regex = flat.repeats[flat.captures[star][1:]] if star is not None else None
        out.setdefault(shape.rule, []).append(_Compiled(shape, flat, star, star_regex))
    return {rule: tuple(items) for rule, items in out.items()}


@cache
def _plain_methods(transformer: Any) -> SimpleNamespace:
    """The transformer's rule methods as plain bound methods.

    lark's v_args wraps each method in a descriptor that builds a new wrapper on every attribute
    access; calling the underlying functions directly keeps the builders cheap.
    """
    methods = {}
    for klass in reversed(type(transformer).__mro__):
        for name, attr in vars(klass).items():
            func = getattr(attr, "base_func", None)
            if func is not None and not name.startswith("_"):
                methods[name] = MethodType(func, transformer)
    return SimpleNamespace(**methods)


def fast_printf(rule: str, message: str, transformer: Any) -> Event | None:
    """The Event for a printf message already dispatched to ``rule``, or None when no hot shape matches."""
    matchers = printf_matchers().get(rule)
    if not matchers:
        return None
    methods = _plain_methods(transformer)
    for compiled in matchers:
        m = compiled.flat.regex.match(message)
        if m is None:
            continue
        values: tuple[Any, ...] = m.groups()
        if compiled.star is not None:
            span = values[compiled.star]
            items = tuple(e.groups() for e in compiled.star_regex.finditer(span))
            values = values[: compiled.star] + (items,) + values[compiled.star + 1 :]
        return compiled.shape.build(methods, values)
    return None


# -- structured key/values -----------------------------------------------------------------------
# the groups of structured_matcher().pair, in order: the key, then one per value form
PAIR_GROUPS = ("key", "string", "array", "gomap", "gostruct", "goslice", "bare")


@dataclass(frozen=True)
class _Structured:
    line: re.Pattern[str]
    pair: re.Pattern[str]


@cache
def structured_terminals() -> dict[str, str]:
    """Terminal name -> its regex in grammars/structured.lark."""
    from .grammar import lalr_parser

    return {t.name: t.pattern.to_regexp() for t in lalr_parser("structured").terminals}


def slice_value(text: str, bare: Callable[[str], Any]) -> list[Any]:
    """A Go slice of bare values ('[8000 14554681344]', '[]') as a list."""
    return [bare(item) for item in text[1:-1].split()]


def array_value(text: str, number: Callable[[str], Any]) -> list[Any]:
    """A JSON array of numbers ('[4000,8589934592]', '[]') as a list."""
    return [number(n) for n in text[1:-1].split(",")] if len(text) > 2 else []


@cache
def structured_matcher() -> _Structured:
    """Regexes for '"msg" key="v" key=v key=[1,2]' built from grammars/structured.lark's terminals.

    Only the plain value forms are taken: quoted string, Go map, Go struct dump, JSON array of numbers,
    Go slice (``[8000 14554681344]``), and a bare token no other value terminal would claim first. JSON
    objects, other arrays, multi-line values and any spacing other than one space between pairs are left
    to lark.
    """
    from .grammar import lalr_parser

    parser = lalr_parser("structured")
    pat = structured_terminals()
    shadows = sorted(first_terminals(parser, "value") - {"BARE"})
    bare = "(?!" + "|".join(f"(?:{pat[name]})" for name in shadows) + f")(?>{pat['BARE']})"
    number = f"(?>{pat['NUMBER']})"
    array = rf"\[(?:{number}(?:,{number})*)?\]"

    def pair(capture: str) -> str:
        """' key=value' with the key and each value form in a group when capture is '(', else '(?:'."""
        forms = (pat["STRING"], array, pat["GOMAP"], pat["GOSTRUCT"], pat["GOSLICE"], bare)
        return f" (?>{capture}{pat['KEY']}))=(?:" + "|".join(f"(?>{capture}{f}))" for f in forms) + ")"

    line = f"(?>({pat['LOGGER_PREFIX']}))?(?>({pat['MESSAGE']}))((?:{pair('(?:')})*)\\Z"
    pairs = re.compile(pair("("))
    if pairs.groups != len(PAIR_GROUPS):
        raise ValueError(f"structured pair regex: {pairs.groups} groups, PAIR_GROUPS names {len(PAIR_GROUPS)}")
    return _Structured(re.compile(line), pairs)


def fast_split(
    message: str, unquote: Callable[[str], str], number: Callable[[str], Any], bare: Callable[[str], Any]
) -> tuple[str | None, str, dict[str, Any]] | None:
    """(logger prefix, message, key/values) for a plain structured message, or None to leave it to lark."""
    matcher = structured_matcher()
    m = matcher.line.match(message)
    if m is None:
        return None
    prefix, quoted, rest = m.groups()
    values: dict[str, Any] = {}
    for key, string, array, gomap, gostruct, goslice, token in matcher.pair.findall(rest):
        if string:
            value: Any = string[1:-1] if "\\" not in string and string.isprintable() else unquote(string)
        elif goslice:
            value = slice_value(goslice, bare)
        elif array:
            value = array_value(array, number)
        elif token:
            value = bare(token)
        else:
            value = gomap or gostruct  # Go maps and struct dumps stay text, as in split_structured
        values.setdefault(key, value)  # the first of a repeated key wins, as in split_structured
    message_text = quoted[1:-1] if "\\" not in quoted and quoted.isprintable() else unquote(quoted)
    return (prefix[:-2] if prefix else None), message_text, values
