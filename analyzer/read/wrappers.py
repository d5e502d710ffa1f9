"""Remove container-runtime and kubectl wrappers from lines, re-joining CRI partial (P) lines.

A prefix a file puts before every line (journald, grep, stern, quotes: read/prefixes.py) is removed first.

The wrapper shapes are defined in grammars/wrappers.lark; this module only applies them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache

from ..parse.grammar import grammar_text
from ..parse.klog import KLOG_HEADER
from ..parse.regular import rule_regex
from .prefixes import strip_prefixes


@dataclass(slots=True)
class LogicalLine:
    """One log record's first line after unwrapping, with where it came from."""

    input: int
    number: int
    text: str
    wrapper: str = "none"
    wrapper_ts: str | None = None  # RFC 3339 time from the wrapper, when it gave one
    source: str | None = None  # kubectl --prefix target: pod/<name>/<container>
    damaged: bool = False
    joined: int = 0  # CRI partial lines folded into this one
    component: str | None = None  # the program a journald or stern prefix names (None: not told)


@cache
def _regexes():
    from lark import Lark

    parser = Lark(grammar_text("wrappers"), parser="lalr", start=["cri", "kubectl_timestamps",
                                                                   "kubectl_prefix"])
    sp = frozenset({"SP"})
    return (
        ("cri", rule_regex(parser, "cri", sp)),
        ("kubectl-timestamps", rule_regex(parser, "kubectl_timestamps", sp)),
        ("kubectl-prefix", rule_regex(parser, "kubectl_prefix", sp)),
    )


def unwrap_text(text: str) -> tuple[str, str, dict[str, str]]:
    """Peel wrappers off one line: (payload, outermost wrapper name or 'none', captured fields)."""
    fields: dict[str, str] = {}
    names: list[str] = []
    for _ in range(3):  # kubectl --prefix --timestamps over a CRI file nests at most three deep
        first = text[:1]
        if first == "[" and text.startswith("[pod/"):
            candidates = _regexes()[2:]
        elif first.isdigit() and text[10:11] == "T":
            candidates = _regexes()[:2]
        elif first == "{" and text.startswith('{"log":'):
            inner = _docker_payload(text)
            if inner is None:
                break
            text, ts, stream, complete = inner
            names.append("docker-json")
            if ts:
                fields.setdefault("RFC3339", ts)
            if stream:
                fields.setdefault("STREAM", stream)
            fields.setdefault("CRI_TAG", "F" if complete else "P")  # docker splits lines over 16 KiB too
            continue
        else:
            break
        for name, regex in candidates:
            m = regex.match(text)
            if m:
                names.append(name)
                for key, value in m.groupdict().items():
                    if key != "PAYLOAD" and value is not None:
                        fields.setdefault(key, value)
                text = m.group("PAYLOAD")
                break
        else:
            break
    return text, (names[0] if names else "none"), fields


def _docker_payload(text: str) -> tuple[str, str | None, str | None, bool] | None:
    """(payload, time, stream, complete) of a docker json-file line; a payload without its LF is partial."""
    try:
        obj = json.loads(text)
    except ValueError:
        return None
    if not isinstance(obj, dict) or "log" not in obj:
        return None
    log = str(obj["log"])
    ts, stream = obj.get("time"), obj.get("stream")
    return (log[:-1] if log.endswith("\n") else log, ts if isinstance(ts, str) else None,
            stream if isinstance(stream, str) else None, log.endswith("\n"))


def unwrap_lines(lines: Iterable, live: bool = False) -> Iterator[LogicalLine]:
    """Unwrap each physical line; CRI 'P' fragments are held and joined with the following 'F' line.

    Docker json-file entries without a final newline are fragments the same way. Fragments are
    joined per stream (stdout and stderr interleave) and reported through
    ``LogicalLine.joined`` so the line accounting still sees them. A fragment run never completed
    (the input ends, an unwrapped line or a new klog record comes instead) is yielded as damaged.
    ``live``: a followed input, whose None items are pauses (see ``strip_prefixes``).
    """
    unwrapper = Unwrapper()
    for phys in strip_prefixes(lines, live):
        yield from unwrapper.push(phys)
    yield from unwrapper.finish()


class Unwrapper:
    """``unwrap_lines`` one physical line at a time, for a reader that hands on only some of a file's lines.

    ``pending`` holds the CRI/docker fragment runs not yet completed (keyed by source and stream).
    """

    def __init__(self) -> None:
        self.pending: dict[tuple[str | None, str | None], LogicalLine] = {}

    def push(self, phys) -> list[LogicalLine]:
        """The logical lines this physical line completes (none while it is a held fragment)."""
        pending = self.pending
        payload, wrapper, fields = unwrap_text(phys.text)
        line = LogicalLine(phys.input, phys.number, payload, phys.prefix or wrapper, fields.get("RFC3339") or phys.ts,
                           fields.get("PREFIX_TARGET") or phys.source, phys.damaged, 0, phys.component)
        tag = fields.get("CRI_TAG")
        if tag is None:
            if pending:  # a partial run interrupted by an unwrapped line
                return [*_abandon(pending, list(pending)), line]
            return [line]
        out: list[LogicalLine] = []
        key = (line.source, fields.get("STREAM"))
        held = pending.get(key)
        if held is not None and KLOG_HEADER.match(payload):
            out.extend(_abandon(pending, [key]))  # its 'F' was lost: this fragment starts a new record
            held = None
        if held is None:
            if tag == "P":
                pending[key] = line
            else:
                out.append(line)
            return out
        held.text += payload
        held.joined += 1
        held.damaged |= phys.damaged
        if tag == "F":
            out.append(pending.pop(key))
        return out

    def finish(self) -> list[LogicalLine]:
        """The fragment runs never completed, at the end of the input."""
        return list(_abandon(self.pending, list(self.pending)))


def _abandon(pending: dict, keys: list) -> Iterator[LogicalLine]:
    """Yield held fragment runs that will never be completed, flagged damaged, in line order."""
    for line in sorted((pending.pop(k) for k in keys), key=lambda held: held.number):
        line.damaged = True
        yield line
