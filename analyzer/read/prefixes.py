"""Learn what a file puts before each kube-scheduler record (journald, grep, stern, quotes...) and strip it.

A paste or capture often carries text before the klog header: ``May 21 20:52:25 host
kube-scheduler[91664]: ``, ``3888:``, ``kube-scheduler-master kube-scheduler ``, ``> ``, indentation.
The record itself is found inside the line (a klog header, possibly cut down to ``file.go:NN]``, a
JSON object, or a CRI/kubectl/docker wrapper around one); the text before it is the prefix. The
prefix is learned once per file from its first lines, as one anchored regex: a named shape from
PREFIX_SHAPES when one fits them all, else a shape generalized from the prefixes seen. Every line,
continuation lines too, then costs one ``re.match``; a file whose records start at column 0 costs
nothing after the learning.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain
from operator import attrgetter
from typing import Any

from .sources import PhysicalLine

SAMPLE_LINES = 400  # the prefix is learned from at most this many first lines ...
SAMPLE_RECORDS = 64  # ... or from this many record lines, whichever comes first
MIN_SHARE = 0.8  # a shape must fit this share of the sampled prefixed records

# Where a scheduler record starts inside a line: a klog header, also cut down by whoever pasted it
# (no severity and date; only "file.go:NN]"), or a JSON object; the first that occurs wins.
RECORD_START = re.compile(
    r"(?:[IWEF]\d{4} +)?(?:\d\d:\d\d:\d\d\.\d{6}\s+\d+ )?\[?[\w./-]+\.go:\d+\]"
    r'|\{"'
)
# Where a container-runtime or kubectl wrapper (around a record) may start.
_WRAPPER_START = re.compile(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d|\[pod/|\{"log":')

# Named prefix shapes, tried in order (the first that fits the most sampled prefixes wins). Each is
# a regex matched at the start of a line; ``component`` names the program that wrote the line
# (journald's identifier, stern's container), ``pod`` stern's pod, ``ts`` a time with its year.
PREFIX_SHAPES: tuple[tuple[str, str], ...] = (
    # journalctl (short, short-precise): "May 21 20:52:25 host ident[pid]: "; the month is locale text
    ("journald", r"\S+ +\d{1,2} \d\d:\d\d:\d\d(?:\.\d+)? (?P<host>\S+) (?P<component>[^\s\[\]:]+)(?:\[\d+\])?: "),
    # journalctl -o short-iso / short-iso-precise: "2024-05-21T20:52:25+0000 host ident[pid]: "
    ("journald", r"(?P<ts>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?) (?P<host>\S+) "
                 r"(?P<component>[^\s\[\]:]+)(?:\[\d+\])?: "),
    # grep -n / grep -Hn (":" on matching lines, "-" on context lines)
    ("grep", r"(?:(?P<file>[^\s:]+):)?\d+[:-]"),
    # grep -H over one or several files ("/tmp/kube-scheduler.log:"): the file may name the component
    ("grep", r"(?P<file>[^\s:]+):"),
    # stern: "pod container " with an optional time (RFC 3339, or "-t short" MM-DD hh:mm:ss)
    ("stern", r"(?P<pod>[a-z0-9][-a-z0-9.]*) (?P<component>[a-z0-9][-a-z0-9]*) "
              r"(?:(?P<ts>\d{4}-\d\d-\d\dT\S+) |\d\d-\d\d \d\d:\d\d:\d\d )?"),
    # markdown quotes, nested or not
    ("quote", r"(?:> ?)+"),
)


# Programs whose name a grep file name may carry (the first found wins: schedulers are looked for first).
KNOWN_COMPONENTS = ("scheduler", "kube-apiserver", "apiserver", "kube-controller-manager", "controller-manager",
                    "kubelet", "kube-proxy", "etcd", "containerd", "dockerd", "crio", "coredns")


@lru_cache(maxsize=256)  # called per grep-prefixed line, with a few file names
def component_from_file(path: str | None) -> str | None:
    """The component a log file's name tells (``/tmp/kube-apiserver0.log`` -> kube-apiserver), if any."""
    if not path:
        return None
    name = path.rsplit("/", 1)[-1].lower()
    return next((c for c in KNOWN_COMPONENTS if c in name), None)


@dataclass(frozen=True)
class PrefixRule:
    """The prefix one file puts before its lines: a name for the report and an anchored regex."""

    name: str
    regex: re.Pattern[str]

    def strip(self, line: PhysicalLine) -> PhysicalLine:
        """The line without its prefix (unchanged when the prefix is not there)."""
        m = self.regex.match(line.text)
        if m is None:
            return line
        fields = m.groupdict()
        pod = fields.get("pod")
        component = fields.get("component") or component_from_file(fields.get("file"))
        source = f"pod/{pod}/{component}" if pod and component else None
        return PhysicalLine(line.input, line.number, line.text[m.end():], line.damaged,
                            prefix=self.name, component=component, source=source, ts=fields.get("ts"))


def record_start(text: str) -> int | None:
    """Where the scheduler record in this line starts (0: no prefix), or None when it holds none."""
    from .wrappers import unwrap_text

    m = RECORD_START.search(text)
    while m is not None and m.group().startswith("{") and not _is_json_record(text[m.start():]):
        m = RECORD_START.search(text, m.start() + 1)
    start = m.start() if m else None
    for w in _WRAPPER_START.finditer(text, 0, len(text) if start is None else start + 1):
        payload, wrapper, _ = unwrap_text(text[w.start():])
        if wrapper != "none" and payload != text[w.start():] and RECORD_START.match(payload):
            return w.start()
    return start


def _is_json_record(text: str) -> bool:
    try:
        obj = json.loads(text)
    except ValueError:
        return False
    return isinstance(obj, dict) and ("msg" in obj or "log" in obj)


def learn_prefix(texts: list[str]) -> PrefixRule | None:
    """The prefix rule for a file from its first lines, or None when its records start at column 0."""
    prefixes = []
    bare = 0
    for text in texts:
        start = record_start(text)
        if start is None:
            continue
        if start == 0:
            bare += 1
        else:
            prefixes.append(text[:start])
    if not prefixes and not bare:
        return _learn_from_statements(texts)
    if len(prefixes) <= bare:
        return None
    best: tuple[int, str, str] | None = None
    for name, pattern in PREFIX_SHAPES:
        regex = re.compile(pattern)
        fits = sum(1 for p in prefixes if (m := regex.match(p)) is not None and m.end() == len(p))
        if fits >= MIN_SHARE * len(prefixes) and (best is None or fits > best[0]):
            best = (fits, name, pattern)
    if best is not None:
        return PrefixRule(best[1], re.compile(best[2]))
    learned = _generalize(prefixes)
    return PrefixRule("prefix", learned) if learned is not None else None


def _learn_from_statements(texts: list[str]) -> PrefixRule | None:
    """For a paste with no klog header at all: the shape (or the text every line starts with) whose
    removal lets the parser understand more lines than it does with the lines as they are. A journald
    prefix is told by its shape alone (its lines may all be systemd's, about the scheduler's unit)."""
    lines = [t for t in texts if t.strip()]
    if not lines:
        return None
    candidates = [(name, re.compile(pattern)) for name, pattern in PREFIX_SHAPES]
    common = _common_start(lines)
    for end in range(len(common), 0, -1):
        if common[end - 1] in _SEPARATORS:
            candidates.append(("prefix", re.compile(re.escape(common[:end]))))
    baseline = None
    for name, regex in candidates:
        fits = sum(1 for t in lines if regex.match(t))
        if name in SELF_EVIDENT and fits * 2 > len(lines):  # most lines; a paste may open with other text
            return PrefixRule(name, regex)
        if fits < MIN_SHARE * len(lines):
            continue
        rule = PrefixRule(name, regex)
        baseline = _statements(lines) if baseline is None else baseline
        if _statements([rule.strip(PhysicalLine(0, 0, t)).text for t in lines]) > baseline:
            return rule
    return None


_SEPARATORS = frozenset(" \t:>|]")
SELF_EVIDENT = frozenset({"journald"})  # shapes specific enough to trust without the parser's say-so


def _common_start(lines: list[str]) -> str:
    first, last = min(lines), max(lines)
    n = 0
    while n < len(first) and n < len(last) and first[n] == last[n]:
        n += 1
    return first[:n]


def _statements(texts: list[str]) -> int:
    """How many of these lines the parser reads as scheduler statements."""
    from ..parse.lines import PARSED, LineParser
    from .wrappers import LogicalLine

    parser = LineParser()
    return sum(1 for i, text in enumerate(texts) for verdict in parser.classify(LogicalLine(0, i + 1, text))
               if verdict.bucket == PARSED)


_TOKEN = re.compile(r"\s+|[\w.-]+|.", re.DOTALL)


def _generalize(prefixes: list[str]) -> re.Pattern[str] | None:
    """One regex for prefixes that share a token layout: text that never changes stays literal,
    varying words become ``[\\w.-]+`` (``\\d+`` when all digits) and varying blanks ``\\s+``."""
    tokenized = [_TOKEN.findall(p) for p in prefixes]
    layouts = Counter(tuple(_kind(t) for t in tokens) for tokens in tokenized)
    layout, count = layouts.most_common(1)[0]
    if count < MIN_SHARE * len(prefixes):
        return None
    same = [tokens for tokens in tokenized if tuple(_kind(t) for t in tokens) == layout]
    parts = []
    for column, kind in enumerate(layout):
        values = {tokens[column] for tokens in same}
        if len(values) == 1:
            parts.append(re.escape(values.pop()))
        elif kind == "space":
            parts.append(r"\s+")
        elif all(v.isdigit() for v in values):
            parts.append(r"\d+")
        else:
            parts.append(r"[\w.-]+")
    return re.compile("".join(parts))


def _kind(token: str) -> str:
    if token.isspace():
        return "space"
    if len(token) > 1 or token[0].isalnum() or token in "_.-":
        return "word"
    return token  # punctuation is literal


def strip_prefixes(lines: Iterable[PhysicalLine | None], live: bool = False) -> Iterator[PhysicalLine]:
    """The lines with the file's learned prefix removed; lines of a file without one pass through as they are.

    Terminal color codes are removed first from a file whose first lines carry them. ``live`` (a followed
    input): a None in ``lines`` says the input paused; the prefix is then learned from the lines so far."""
    it = iter(lines)
    head = _head(it, attrgetter("text"))
    if live:
        it = (line for line in it if line is not None)
    lines_out: Iterator[PhysicalLine] = chain(head, it)
    if any("\x1b[" in line.text for line in head):  # a colored capture (stern, kubectl with a pager)
        head = [_decolor(line) for line in head]
        lines_out = chain(head, map(_decolor, it))
    rule = learn_prefix([line.text for line in head])
    if rule is None:
        return lines_out
    return map(rule.strip, lines_out)


def passes_through(texts: list[str]) -> bool:
    """True when ``strip_prefixes`` leaves a file's lines as they are, told from its first lines
    (at least SAMPLE_LINES of them, or all): no colors and no prefix learned from the same head."""
    head = _head(iter(texts), str)
    return not any("\x1b[" in text for text in head) and learn_prefix(head) is None


def _head(lines: Iterator, text: Callable[[Any], str]) -> list:
    """The first lines of a file, the prefix is learned from: SAMPLE_LINES of them, or up to the SAMPLE_RECORDS-th
    record line; a None (a live input paused) ends the head once it has a line (``text``: a line's text)."""
    head: list = []
    records = 0
    for line in lines:
        if line is None:
            if head:
                break
            continue
        head.append(line)
        records += RECORD_START.search(text(line)) is not None
        if len(head) >= SAMPLE_LINES or records >= SAMPLE_RECORDS:
            break
    return head


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")  # terminal color and style codes, never part of a log record


def _decolor(line: PhysicalLine) -> PhysicalLine:
    if "\x1b[" not in line.text:
        return line
    return PhysicalLine(line.input, line.number, _ANSI.sub("", line.text), line.damaged)
