"""The hot line shapes of a --v=10 log as anchored RE2 regexes, derived from the grammars.

Structured shapes (1.21+) are built from grammars/structured.lark's own terminals (STRING, NUMBER,
GOMAP, BARE narrowed to integers); printf shapes (1.14-1.20) from the flat rule regexes the per-line
fast path uses (parse/fastpath.py), laid out with the spaces the scheduler logs. Both are translated to
RE2 (parse/re2.py): every token is followed by a literal it cannot contain, so dropping the atomic
groups changes no match, and a token's lookahead must be the literal text that follows it (checked
here, loudly). tests/test_columnar.py compares them with Python's re on every corpus line.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, partial
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import fastpath
from .klog import KLOG_HEADER
from .lines import STATEFUL_KINDS
from .re2 import to_re2
from .structured import STATEMENTS

# -- the hot shapes --------------------------------------------------------------------------------
# A hot structured shape: the message and its keys in order, each with the value form it always has.
# Forms: STRING (a Go-quoted string), INT (a bare integer), ARRAY (a JSON array of numbers), GOMAP.
# fmt: off
HOT_STRUCTURED: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    ("Plugin scored node for pod",
     (("pod", "STRING"), ("plugin", "STRING"), ("node", "STRING"), ("score", "INT"))),
    ("Calculated node's final score for pod",
     (("pod", "STRING"), ("node", "STRING"), ("score", "INT"))),
    ("Listed internal info for allocatable resources, requested resources and score",
     (("logger", "STRING"), ("pod", "STRING"), ("node", "STRING"), ("resourceAllocationScorer", "STRING"),
      ("allocatableResource", "ARRAY"), ("requestedResource", "ARRAY"), ("resourceScore", "INT"))),
    ("Listing internal info for allocatable resources, requested resources and score",
     (("pod", "STRING"), ("node", "STRING"), ("resourceAllocationScorer", "STRING"),
      ("allocatableResource", "GOMAP"), ("requestedResource", "GOMAP"), ("resourceScore", "INT"))),
    # one line each per pod and cycle (with many nodes rare, with few nodes a tenth of all lines)
    ("Add event for unscheduled pod", (("pod", "STRING"),)),
    ("About to try and schedule pod", (("pod", "STRING"),)),
    ("Attempting to schedule pod", (("pod", "STRING"),)),
    ("Attempting to bind pod to node", (("logger", "STRING"), ("pod", "STRING"), ("node", "STRING"))),  # 1.30
    ("Attempting to bind pod to node", (("pod", "STRING"), ("node", "STRING"))),  # 1.21
    ("Successfully bound pod to node",
     (("pod", "STRING"), ("node", "STRING"), ("evaluatedNodes", "INT"), ("feasibleNodes", "INT"))),
    ("Delete event for unscheduled pod", (("pod", "STRING"),)),
    ("Delete event for scheduled pod", (("pod", "STRING"),)),
)
# fmt: on
INT_FORM = r"-?[0-9]+"


@dataclass(frozen=True)
class HotShape:
    """One hot structured shape compiled for RE2: the message prefix that selects rows, and the full regex."""

    message: str
    keys: tuple[tuple[str, str], ...]
    selector: str  # what the message text starts with
    regex: str  # RE2, anchored, one named group per value


def _form_regexes() -> dict[str, str]:
    """Each value form as a Python regex made of the structured grammar's terminals.

    STRING drops its escapes: the columnar parser leaves messages with a backslash to the per-line path,
    and without the alternative RE2 reads the values in one pass."""
    pat = fastpath.structured_terminals()
    number = pat["NUMBER"]
    string = pat["STRING"].replace(_ESCAPED_CHARS, _PLAIN_CHARS)
    if string == pat["STRING"]:
        raise ValueError(f"columnar: structured.lark's STRING is no longer {_ESCAPED_CHARS!r} in quotes")
    return {"STRING": string, "ARRAY": rf"\[(?:{number}(?:,{number})*)?\]", "GOMAP": pat["GOMAP"],
            "INT": INT_FORM}


_ESCAPED_CHARS = r'(?:[^"\\]|\\.)*'
_PLAIN_CHARS = r'[^"\\]*'


def selector(message: str) -> str:
    """What a structured line with this message starts with (the message quoted, and a space)."""
    return f'"{message}" '


@cache
def hot_shapes() -> tuple[HotShape, ...]:
    """The hot shapes, checked against the grammar and the per-line fast path once per process."""
    forms = _form_regexes()
    pair = fastpath.structured_matcher().pair
    for sample in ("7", "-12"):  # an INT value must be read as a bare token by the per-line path
        m = pair.fullmatch(f" k={sample}")
        if m is None or m.group(1 + fastpath.PAIR_GROUPS.index("bare")) != sample:
            raise ValueError(f"columnar INT form: the structured grammar no longer reads {sample!r} as a bare value")
    message_terminal = re.compile(fastpath.structured_terminals()["MESSAGE"])
    out = []
    for message, keys in HOT_STRUCTURED:
        statement = STATEMENTS.get(message)
        if statement is None or statement.kind in STATEFUL_KINDS:
            raise ValueError(f"columnar shape {message!r}: not a plain scored statement in structured.STATEMENTS")
        quoted = f'"{message}"'
        if message_terminal.fullmatch(quoted) is None or "\\" in message:
            raise ValueError(f"columnar shape {message!r}: not a MESSAGE token")
        body = "".join(f" {key}=(?P<v{i}>{forms[form]})" for i, (key, form) in enumerate(keys))
        regex = to_re2(f"^{re.escape(quoted)}{body}\\Z")
        out.append(HotShape(message, keys, selector(message), regex))
    return tuple(out)


@cache
def header_re2() -> str:
    """The klog header regex (parse/klog.py) for RE2, on rows that keep their LF."""
    pattern = KLOG_HEADER.pattern
    if not pattern.endswith("(?P<msg>.*)\\Z"):
        raise ValueError("klog.KLOG_HEADER no longer ends with the message: update header_re2")
    return "^" + to_re2(pattern[: -len("\\Z")]) + "\n$"


_MESSAGE_AFTER_HEADER = "\\] ?(?P<msg>.*)\\Z"


@cache
def header_start_re2() -> str:
    """The klog header regex up to the ']' that ends it, for RE2: on a row whose only LF ends it, it matches where
    ``header_re2`` does (the message may be anything but a LF), and RE2 stops reading the row at the ']'."""
    pattern = KLOG_HEADER.pattern
    if not pattern.endswith(_MESSAGE_AFTER_HEADER):
        raise ValueError("klog.KLOG_HEADER no longer ends with '] ?' and the message: update header_start_re2")
    return "^" + to_re2(pattern[: -len(_MESSAGE_AFTER_HEADER)]) + "\\]"


# A hot printf shape (fastpath.PRINTF_SHAPES by name) and its text as logged, one '*' per captured
# token: the template fixes the spaces between the grammar's tokens (lark's %ignore allows any), so
# each token is followed by a literal it cannot contain and a token's lookahead by its literal text.
HOT_PRINTF: dict[str, str] = {
    "arrow-score": "* -> *: *, Score: (*)",
    "arrow-resource-map": "* -> *: *, map of allocatable resources *, map of requested resources * ,score *,",
    "arrow-resource-capacity": "* -> *: *, capacity * millicores * memory bytes, total request * millicores "
                               "* memory bytes, score *",
    "host": "Host * => Score *",
    "allowed": "Schedule Pod * on Node * is allowed,*",
    "dequeue": "About to try and schedule pod *",
    "attempt": "Attempting to schedule pod: *",
    "bind": "Attempting to bind * to *",
    "bound": "pod * is bound successfully on node *, * nodes evaluated, * nodes were found feasible",
}
# the printf start rules of the hot shapes (parse/printf.py DISPATCH), in fastpath.PRINTF_SHAPES order
HOT_PRINTF_RULES: tuple[str, ...] = tuple(dict.fromkeys(shape.rule for shape in fastpath.PRINTF_SHAPES
                                                        if shape.name in HOT_PRINTF))
_SEP = " *+"
_LITERAL = re.compile(r"(?:\\.|[A-Za-z0-9_:,=/'\"<>!@#%&~-])+")
_LOOKAHEAD = re.compile(r"(?P<token>.*)\(\?=(?P<text>[^()\[\]*+?|\\]*)\)")
STRUCTURED_START = r'^[A-Za-z0-9_./-]+: "'  # lines.py _LOGGER_PREFIX: a message that may be structured


@dataclass(frozen=True)
class PrintfShape:
    """One hot printf shape compiled for RE2: its fast-path shape, dispatch rule and regexes."""

    compiled: Any  # fastpath._Compiled
    regex: str  # RE2, anchored, spaced as logged, one named group per captured token
    loose: str  # RE2 that matches at least every message the Python regex matches (any spacing)


def _units(pattern: str) -> list[str]:
    """A flat rule's regex (regular.flat_rule) cut into its top-level parts: separators, groups, the end."""
    units, i = [], 0
    while i < len(pattern):
        if pattern.startswith(_SEP, i):
            units.append(_SEP)
            i += len(_SEP)
        elif pattern.startswith("\\Z", i):
            units.append("\\Z")
            i += 2
        elif pattern[i] == "(":
            depth, j, in_class = 0, i, False
            while True:
                c = pattern[j]
                if c == "\\":
                    j += 2
                    continue
                if in_class:
                    in_class = c != "]"
                elif c == "[":
                    in_class = True
                elif c == "(":
                    depth += 1
                elif c == ")":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            units.append(pattern[i:j + 1])
            i = j + 1
        else:
            raise ValueError(f"columnar: unexpected {pattern[i:]!r} in flat rule regex {pattern!r}")
    return units


def _printf_re2(name: str, pattern: str, template: str) -> tuple[str, str]:
    """(spaced RE2 regex, loose RE2 regex) for one flat printf rule regex laid out as ``template``."""
    units = _units(pattern)
    if units[-1] != "\\Z":
        raise ValueError(f"columnar shape {name}: the flat regex does not end with \\Z")
    pieces: list[tuple[str, str | None, str | None]] = []  # (gap before, literal text or None, token regex)
    gap, pos, captures = "", 0, 0
    for unit in units[:-1]:
        if unit == _SEP:
            gap = " " if template[pos:pos + 1] == " " else ""
            pos += len(gap)
            continue
        inner = unit[3:-1]  # (?>...)
        if _LITERAL.fullmatch(inner):
            text = re.sub(r"\\(.)", r"\1", inner)
            if not template.startswith(text, pos):
                raise ValueError(f"columnar shape {name}: template {template!r} lacks {text!r} at {pos}")
            pieces.append((gap, text, None))
            pos += len(text)
        else:
            if not (inner.startswith("(") and inner.endswith(")")) or template[pos:pos + 1] != "*":
                raise ValueError(f"columnar shape {name}: cannot place token {unit!r} at {pos} of {template!r}")
            pieces.append((gap, None, inner[1:-1]))
            pos += 1
            captures += 1
        gap = ""
    if pos != len(template):
        raise ValueError(f"columnar shape {name}: template {template!r} has more than the grammar rule")
    spaced, loose = [], []
    for k, (gap, text, token) in enumerate(pieces):
        if text is not None:
            spaced.append(gap + re.escape(text))
            loose.append(" *" + re.escape(text))
            continue
        m = _LOOKAHEAD.fullmatch(token)
        if m is not None:  # the lookahead must be the literal text the template puts after the token
            following = "".join(g + (t or "") for g, t, _ in _until_token(pieces[k + 1:]))
            if not following.startswith(m["text"]):
                raise ValueError(f"columnar shape {name}: lookahead {m['text']!r} is not what follows the token")
            loose.append(f" *(?:{to_re2(m['token'])})")
            token = _stop_before(m["token"], m["text"][0])
        else:
            loose.append(f" *(?:{to_re2(token)})")
        spaced.append(f"{gap}(?P<v{sum(1 for p in pieces[:k] if p[2] is not None)}>{to_re2(token)})")
    return "^" + "".join(spaced) + "$", "^" + "".join(loose) + " *$"


def _stop_before(token: str, char: str) -> str:
    """A token that is a negated class run ending before its lookahead, narrowed to stop at the lookahead's
    first character (``[^\\s]+?`` before ': ' becomes ``[^\\s:]+``): the same text wherever the token holds
    no such character (other lines go the per-line way), and RE2 reads it in one pass."""
    m = re.fullmatch(r"\[\^(?P<chars>[^\]]*)\]\+\??", token)
    if m is None or char.isspace():
        return token
    return f"[^{m['chars']}{re.escape(char)}]+"


def _until_token(pieces: list) -> list:
    out = []
    for piece in pieces:
        if piece[2] is not None:
            out.append((piece[0], None, None))
            break
        out.append(piece)
    return out


@cache
def printf_shapes() -> tuple[PrintfShape, ...]:
    """The hot printf shapes, in fastpath.PRINTF_SHAPES order."""
    out = []
    for compiled in (c for items in fastpath.printf_matchers().values() for c in items):
        template = HOT_PRINTF.get(compiled.shape.name)
        if template is None:
            continue
        if compiled.star is not None:
            raise ValueError(f"columnar shape {compiled.shape.name}: repeated spans are not read by columns")
        regex, loose = _printf_re2(compiled.shape.name, compiled.flat.regex.pattern, template)
        out.append(PrintfShape(compiled, regex, loose))
    missing = set(HOT_PRINTF) - {shape.compiled.shape.name for shape in out}
    if missing:
        raise ValueError(f"columnar: no fast-path shape named {sorted(missing)}")
    return tuple(out)


def dispatched(msg: pa.Array, rule: str, tests: dict | None = None) -> pa.Array:
    """Where ``printf.dispatch`` sends the message to ``rule`` (its route passes, no earlier one does);
    ``tests`` keeps each route's test on ``msg`` for the next rule asked about the same messages."""
    from .printf import _BY_WORD, _UNPREFIXED

    routes = list(_UNPREFIXED)
    for candidates in _BY_WORD.values():
        if any(route.rule == rule for route in candidates):
            routes += candidates
    tests = {} if tests is None else tests
    mask = None
    for route in routes:
        test = tests.get(route)
        if test is None:
            test = tests[route] = _route_test(msg, route)
        if route.rule == rule:
            return test if mask is None else pc.and_(mask, test)
        mask = pc.invert(test) if mask is None else pc.and_(mask, pc.invert(test))
    raise ValueError(f"columnar: no printf route for {rule}")


def _route_test(msg: pa.Array, route) -> pa.Array:
    """Where ``route.test`` passes: its prefix, then each substring and its ending, each looked for only in the
    messages that passed the tests before (most messages fail the prefix)."""
    test = pc.starts_with(msg, route.prefix) if route.prefix is not None else None
    for part in route.contains:
        test = _and_then(msg, test, partial(pc.match_substring, pattern=part))
    if route.endswith is not None:
        test = _and_then(msg, test, partial(pc.ends_with, pattern=route.endswith))
    return test


def _and_then(msg: pa.Array, test: pa.Array | None, check: Callable[[pa.Array], pa.Array]) -> pa.Array:
    """``test AND check(msg)`` (``check(msg)`` when there is no test yet), ``check`` run only where ``test`` holds."""
    if test is None:
        return check(msg)
    where = pc.indices_nonzero(test)
    if len(where) == len(msg):
        return check(msg)
    passed = np.zeros(len(msg), dtype=bool)
    if len(where):
        kept = where.filter(check(msg.take(where)))  # (numpy reads Arrow's buffer: to_numpy would import pandas)
        passed[np.frombuffer(kept.buffers()[1], dtype=np.uint64, count=len(kept), offset=kept.offset * 8)] = True
    return pa.BooleanArray.from_buffers(pa.bool_(), len(msg), [None, pa.py_buffer(np.packbits(passed,
                                                                                              bitorder="little"))])


# -- JSON logging (--logging-format=json, 1.21+) ---------------------------------------------------
# klog's JSON encoder writes one object per line: "ts", then "logger" and "caller" when set, "msg", the
# logger's WithValues pairs (1.30: the pod, and for the resource lines the node), "v", then the call's
# pairs in call order (the keys of HOT_STRUCTURED, whose "logger" JSON puts in front). A hot JSON shape
# is one anchored RE2 regex over the whole row (LF kept); the groups are named v0, v1, ... (as
# columnar._extract reads them) and JsonShape.roles says what each one holds. Strings are read without
# escapes and numbers only in the plain forms json.loads reads as int (or float, for "ts"): any other
# row (other key order, escapes, extra keys, spaces, non-ASCII) goes per-line.
JSON_STRING = r'"[^"\\]*"'
JSON_INT = r"-?(?:0|[1-9][0-9]*)"
JSON_TS = rf"{JSON_INT}(?:\.[0-9]+)?"
JSON_KOBJ = rf'(?:{JSON_STRING}|\{{"name":{JSON_STRING}(?:,"namespace":{JSON_STRING})?\}})'  # klog.KObj
JSON_FORMS = {"STRING": JSON_STRING, "INT": JSON_INT, "ARRAY": rf"\[(?:{JSON_INT}(?:,{JSON_INT})*)?\]",
              "GOMAP": rf"\{{(?:{JSON_STRING}:{JSON_INT}(?:,{JSON_STRING}:{JSON_INT})*)?\}}", "KOBJ": JSON_KOBJ}
JSON_HEADER_KEYS = ("logger", "caller")  # optional, before "msg"
JSON_CONTEXT_KEYS = ("pod", "node")  # optional WithValues pairs, between "msg" and "v"
JSON_OBJECT_KEYS = frozenset({"pod", "node"})  # keys whose value is a klog.KObj: a string or an object


@dataclass(frozen=True)
class JsonShape:
    """One hot JSON shape: the row text that selects candidates, the RE2 regex and each group's role.

    A role is "ts", "msg" (the printf text), or (key, form) for a value that goes into the record."""

    message: str | None  # the structured message, None for the printf shape
    selector: str
    regex: str
    roles: tuple[Any, ...]
    source: str  # the regex in Python syntax, before the RE2 translation (tests compare the two)
    variants: tuple[JsonVariant, ...] = ()  # a structured shape's layouts (json_variants), none for the printf one


@dataclass(frozen=True)
class JsonVariant:
    """One layout of a structured JSON shape: the context keys (JSON_CONTEXT_KEYS with a group) its rows have.

    The variants of a shape split its rows between them (each optional context pair is there or not). A variant's
    regex captures, under the shape's group names, only what the header pass (json_header_re2) does not read and
    not a key's second value (a key given twice keeps its first), so RE2 reads most shapes in one pass."""

    context: frozenset[str]
    regex: str  # RE2
    source: str  # Python
    groups: tuple[int, ...]  # the roles it captures (group v<i> for role i)


def _json_head(roles: list[Any], wanted: frozenset[str]) -> str:
    """'{"ts":..,["logger":..,]["caller":..,]"msg":' with groups for the ts, the caller and the wanted keys.

    Each optional pair is written after the '"' that every next key starts with, so the next byte picks the
    way (RE2 reads such a regex in one pass)."""
    roles.append("ts")
    parts = [rf'^\{{"ts":(?P<v0>{JSON_TS}),"']
    parts += [_json_pair(key, "STRING", roles, wanted | {"caller"}, optional=True) for key in JSON_HEADER_KEYS]
    return "".join(parts) + 'msg":'


def _json_pair(key: str, form: str, roles: list[Any], wanted: frozenset[str], optional: bool = False) -> str:
    """One '"key":value' pair, a group when the key is wanted (the '"' of an optional pair's key stays before
    it, as in _json_head)."""
    form = "KOBJ" if key in JSON_OBJECT_KEYS else form
    value = JSON_FORMS[form]
    if key in wanted:  # RE2 reads groups in one pass only a few at a time: only the values the Event reads
        roles.append((key, form))
        value = f"(?P<v{len(roles) - 1}>{value})"
    return f'(?:{key}":{value},")?' if optional else f',"{key}":{value}'


@cache
def json_shapes() -> tuple[JsonShape, ...]:
    """The hot structured shapes as JSON rows (HOT_STRUCTURED's keys and order), then the printf shape."""
    hot_shapes()  # the same checks of the messages against the grammar
    out = []
    for message, keys in HOT_STRUCTURED:
        statement = STATEMENTS[message]
        wanted = frozenset({statement.pod, statement.node, statement.name, statement.value, *statement.extra})
        roles: list[Any] = []
        quoted = f'"{message}"'
        regex = _json_head(roles, wanted) + re.escape(quoted) + ',"'
        regex += "".join(_json_pair(key, "KOBJ", roles, wanted, optional=True) for key in JSON_CONTEXT_KEYS)
        regex += f'v":{JSON_INT}'
        regex += "".join(_json_pair(key, form, roles, wanted) for key, form in keys if key not in JSON_HEADER_KEYS)
        regex += r"\}\n\Z"
        if all(shape.source != regex for shape in out):  # (a logger key is a header key in JSON)
            out.append(JsonShape(message, f'"msg":{quoted},', to_re2(regex), tuple(roles), regex,
                                 json_variants(regex, tuple(roles))))
    # 1.19-1.21 printf lines through JSON: klog.Infof's text with its newline, then "v"; the message text
    # is then matched by the printf shapes (columnar._printf_events), as parse_printf would read it
    roles = []
    regex = _json_head(roles, frozenset()) + rf'"(?P<v{len(roles)}>[^"\\]*)\\n",' + f'"v":{JSON_INT}' + r"\}\n\Z"
    roles.append("msg")
    out.append(JsonShape(None, '\\n","v":', to_re2(regex), tuple(roles), regex))
    return tuple(out)


JSON_HEADER_ROLES = ("ts", ("logger", "STRING"), ("caller", "STRING"))  # what the header pass reads for every shape


@cache
def json_header_re2() -> str:
    """The head every JSON shape starts with (_json_head: "ts", "logger", "caller"), then the "msg" text, for RE2:
    groups ts, logger, caller ('' when absent) and m (the message; a printf message without its closing \\n)."""
    roles: list[Any] = []
    head = _json_head(roles, frozenset({"logger"}))
    if tuple(roles) != JSON_HEADER_ROLES:
        raise ValueError(f"hotshapes: the JSON head now reads {roles}: update JSON_HEADER_ROLES")
    for i, name in enumerate(("ts", "logger", "caller")):
        head = head.replace(f"(?P<v{i}>", f"(?P<{name}>", 1)
    return to_re2(head + r'"(?P<m>[^"\\]*)(?:\\n)?"')


def json_variants(source: str, roles: tuple[Any, ...]) -> tuple[JsonVariant, ...]:
    """The layouts of one structured shape (its Python ``source`` and ``roles``): one per set of the context pairs
    that have a group, each regex with that set's pairs required and the others left out."""
    kobj = JSON_FORMS["KOBJ"]
    context = []  # (key, its context role, its call role)
    for i, role in enumerate(roles):
        if isinstance(role, tuple) and role[0] in JSON_CONTEXT_KEYS and role not in [roles[c] for _k, c, _j in context]:
            later = [j for j in range(i + 1, len(roles)) if roles[j] == role]
            piece = f'(?:{role[0]}":(?P<v{i}>{kobj}),")?'
            if len(later) != 1 or source.count(piece) != 1:
                raise ValueError(f"hotshapes: JSON shape {source!r} has no context pair {piece!r} and one call pair")
            context.append((role[0], i, later[0]))
    out = []
    for n in range(2 ** len(context)):
        regex, present = source, set()
        skipped = [roles.index(role) for role in JSON_HEADER_ROLES if role in roles]
        for bit, (key, i, j) in enumerate(context):
            piece = f'(?:{key}":(?P<v{i}>{kobj}),")?'
            if n >> bit & 1:
                present.add(key)
                regex = regex.replace(piece, piece[3:-2])
                skipped.append(j)  # the first value is the context one
            else:
                regex = regex.replace(piece, "")
                skipped.append(i)
        for i in skipped:
            regex = regex.replace(f"(?P<v{i}>", "(?:")
        groups = tuple(int(g) for g in re.findall(r"\(\?P<v(\d+)>", regex))
        out.append(JsonVariant(frozenset(present), to_re2(regex), regex, groups))
    return tuple(out)
