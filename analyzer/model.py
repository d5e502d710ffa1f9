"""The typed, immutable model of what a scheduler log says: attempts, per-node results, scores.

Every number carries a provenance (see ``Provenance``) so reports never present a guess as a fact.
Later stages (reference scoring, reconciliation) add to a model with ``dataclasses.replace``; nothing
is mutated in place.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any


class Provenance(StrEnum):
    """Where a number comes from."""

    OBSERVED = "observed"  # printed in the log
    DERIVED = "derived"  # arithmetic on observed numbers only
    RECOMPUTED = "recomputed"  # produced by the reference implementation of the scoring functions
    INFERRED = "inferred"  # a guess (defaults of a version, a heuristic); never shown as fact


class Outcome(StrEnum):
    BOUND = "bound"
    UNSCHEDULABLE = "unschedulable"
    ERROR = "error"
    UNKNOWN = "unknown"


class FilterVerdict(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    UNKNOWN = "unknown"


class FrozenDict(dict):
    """A read-only dict: picklable (results cross process boundaries), JSON-serializable, hashable-free."""

    __slots__ = ()

    def _readonly(self, *args, **kwargs):
        raise TypeError("schedlog model mappings are read-only")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = _readonly  # type: ignore[assignment]
    __ior__ = _readonly  # type: ignore[assignment]

    def __reduce__(self):
        return (FrozenDict, (dict(self),))


_INTERNED: dict[tuple, FrozenDict] = {}
_INTERN_LIMIT = 1 << 16


def frozen_map(data: Mapping | None = None) -> Mapping:
    """A read-only copy of a mapping, so frozen dataclasses stay immutable all the way down.

    Equal small mappings (provenance tables, a node's allocatable resources) repeat on every score of
    every attempt, so they are interned: a --v=10 log then costs one copy per distinct table.
    """
    items = tuple((data or {}).items())
    try:
        shared = _INTERNED.get(items)
    except TypeError:  # unhashable values: no sharing
        return FrozenDict(items)
    if shared is None:
        if len(_INTERNED) >= _INTERN_LIMIT:
            _INTERNED.clear()
        shared = _INTERNED[items] = FrozenDict(items)
    return shared


def names_pod(name: str, asked: str) -> bool:
    """Whether a logged pod name (usually 'ns/name') is the pod a user asked for ('ns/name' or a bare name)."""
    return name == asked or name.rsplit("/", 1)[-1] == asked


def evolve(obj, **changes):
    """``dataclasses.replace`` for this module's frozen dataclasses, without its per-call introspection.

    They have no ``__post_init__``, so setting each field on a new instance is the same thing; reconcile
    calls it for every node of every attempt. The setting is written out once per class (``_evolver``),
    about twice as fast as a loop over the fields. (Copying ``__dict__`` would be faster still but gives
    every object a materialized dict: 18 % more memory for a held result.)
    """
    cls = type(obj)
    copy = _EVOLVERS.get(cls) or _evolver(cls)
    return copy(obj, changes)


_EVOLVERS: dict[type, Any] = {}


def _evolver(cls: type):
    """A function (obj, changes) -> a new ``cls`` with every field from ``changes`` or else from ``obj``."""
    lines = ["def evolve_one(obj, changes):", "    new = _new(_cls)"]
    lines += [f"    _set(new, {name!r}, changes[{name!r}] if {name!r} in changes else obj.{name})"
              for name in _field_names(cls)]
    lines.append("    return new")
    scope = {"_new": object.__new__, "_cls": cls, "_set": object.__setattr__}
    exec("\n".join(lines), scope)  # field names are identifiers: the source holds nothing from outside
    _EVOLVERS[cls] = scope["evolve_one"]
    return scope["evolve_one"]


def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


@dataclass(frozen=True)
class ResourceInputs:
    """Inputs a resource-allocation line prints: allocatable and requested amounts per resource.

    Amounts are exactly as printed (milli-CPU, bytes). Version quirks are the scoring stage's job:
    1.10-1.11 printed "total request" as requested + capacity. Lines that print plain lists (1.28+
    ``[4000,8589934592]``) are keyed by the configured resource order (cpu, memory by default).
    """

    scorer: str  # the scorer's own name as logged, e.g. LeastResourceAllocation or LeastAllocated
    allocatable: Mapping[str, int]
    requested: Mapping[str, int]
    score: int  # the score printed on the same line
    line_style: str  # legacy-capacity | map | listing | listed


@dataclass(frozen=True)
class Score:
    """One plugin's (or legacy priority's) contribution to one node's total.

    raw: the plugin's own score before normalization (0-10 legacy, 0-100 framework).
    normalized: after NormalizeScore / Reduce, before the weight.
    weight: the plugin weight; weighted = normalized * weight, the amount added to the total.
    Each is None when unknown; ``provenance`` maps each known field name to a Provenance value.
    """

    plugin: str
    logged_as: str | None = None
    raw: int | None = None
    normalized: int | None = None
    weight: int | None = None
    weighted: int | None = None
    provenance: Mapping[str, str] = field(default_factory=frozen_map)
    inputs: ResourceInputs | None = None
    recomputed: int | None = None  # the reference implementation's value for `normalized`
    hidden: bool = False  # a component the log never prints (e.g. legacy NodePreferAvoidPods)
    # What the parser gave before the reconcile stage completed the score (``reconcile.undo``), so a score
    # can be reconciled again under another version or weights: the name it was parsed under (None: not
    # renamed) and the provenance it was parsed with (None: not reconciled). Not part of the JSON.
    parsed_plugin: str | None = None
    parsed_provenance: Mapping[str, str] | None = None

    def value(self, name: str) -> int | None:
        return getattr(self, name)


@dataclass(frozen=True)
class NodeResult:
    """What one attempt shows about one node."""

    node: str
    filter: FilterVerdict = FilterVerdict.UNKNOWN
    filter_provenance: Provenance | None = None
    total_logged: int | None = None
    scores: tuple[Score, ...] = ()
    total_recomputed: int | None = None
    filter_reasons: tuple[str, ...] = ()  # why it failed, where the log names it per node (1.2-1.6 FitError)

    def score(self, plugin: str) -> Score | None:
        for s in self.scores:
            if s.plugin == plugin:
                return s
        return None

    @property
    def visible_sum(self) -> int | None:
        """Sum of the weighted scores that are known (None when none is)."""
        known = [s.weighted for s in self.scores if s.weighted is not None and not s.hidden]
        return sum(known) if known else None


@dataclass(frozen=True)
class Failure:
    """An unschedulable verdict: the aggregate message and its reason -> count histogram."""

    message: str
    reasons: Mapping[str, int] = field(default_factory=frozen_map)
    total_nodes: int | None = None
    preemption_message: str | None = None
    preemption_reasons: Mapping[str, int] = field(default_factory=frozen_map)


@dataclass(frozen=True)
class Preemption:
    """What the log says about preemption for one attempt."""

    ran: bool = False
    status: str | None = None
    potential_nodes: tuple[str, ...] = ()
    victims: tuple[tuple[str, str], ...] = ()  # (victim pod, node)
    nominated_node: str | None = None
    victim_count: int | None = None  # 1.8-1.10 "Preempting N pod(s) on node X" names the count, not the pods


@dataclass(frozen=True)
class SourceSpan:
    """Where an attempt's lines are: input index, first and last line number (1-based)."""

    input: int
    first_line: int
    last_line: int


@dataclass(frozen=True)
class Attempt:
    """One scheduling cycle of one pod, as rebuilt from the log."""

    pod: str  # ns/name (name alone when the log never gave the namespace)
    attempt: int  # 1-based per pod, in log order
    started_at: str | None = None
    profile: str | None = None
    outcome: Outcome = Outcome.UNKNOWN
    outcome_provenance: Provenance | None = None
    selected_node: str | None = None
    bound_node: str | None = None
    evaluated_nodes: int | None = None
    feasible_nodes: int | None = None
    failure: Failure | None = None
    nodes: tuple[NodeResult, ...] = ()
    preemption: Preemption | None = None
    complete: bool = True  # False when the log starts or ends inside this cycle
    incomplete_reason: str | None = None
    stream: str | None = None  # which scheduler process (input and pid) wrote it
    span: SourceSpan | None = None
    discrepancies: tuple = ()  # filled by the reconcile stage

    def node(self, name: str) -> NodeResult | None:
        for n in self.nodes:
            if n.node == name:
                return n
        return None

    @property
    def winner(self) -> str | None:
        """The node the scheduler picked: bound node, else the node it tried to bind."""
        return self.bound_node or self.selected_node


@dataclass(frozen=True)
class LineCounts:
    """Line accounting: every input line lands in exactly one of parsed, ignored, unrecognized."""

    total: int = 0
    parsed: int = 0
    ignored: int = 0
    unrecognized: int = 0
    ignored_by_reason: Mapping[str, int] = field(default_factory=frozen_map)
    unrecognized_samples: tuple[tuple[int, int, str], ...] = ()  # (input, line number, text)
    # lines that needed repair but were still read: invalid UTF-8, CR line ends, NUL runs, lines cut
    # by a size limit or by the end of the input, abandoned CRI/docker fragments
    damaged: int = 0


@dataclass(frozen=True)
class FormatInfo:
    era: str | None = None  # e.g. legacy-1.14, framework-1.19, structured-1.21, structured-1.25+
    encoding: str | None = None  # text | json | mixed
    wrapper: str | None = None  # none | cri | docker-json | kubectl-timestamps | kubectl-prefix
    k8s_version: str | None = None
    version_source: str | None = None  # logged | signature | user


@dataclass(frozen=True)
class SchedulerConfig:
    """Configuration facts the log itself states (weights from a plugins dump, priorities list)."""

    weights: Mapping[str, int] = field(default_factory=frozen_map)
    weights_provenance: Provenance | None = None
    priorities: tuple[str, ...] = ()
    algorithm_provider: str | None = None
    profiles: tuple[str, ...] = ()
    component_config: str | None = None  # the KubeSchedulerConfiguration YAML the log printed (1.21+)


@dataclass(frozen=True)
class AnalysisResult:
    """Everything one run of the pipeline produced: inputs, format, line accounting, attempts."""

    inputs: tuple[str, ...]
    format: FormatInfo
    lines: LineCounts
    attempts: tuple[Attempt, ...]
    config: SchedulerConfig = field(default_factory=SchedulerConfig)
    notes: tuple[str, ...] = ()
    year: int | None = None  # the year the user says the log starts in (--year); klog prints none
    # the lines of each pod's story beyond its cycles (queue moves, gates, informer add/delete, outcome
    # and preemption lines), parser Events in log order, for analyzer/timeline
    story: tuple = ()
    cache: Any = None  # reconstruct.cache.CacheFacts: SIGUSR2 dumps, comparer findings, cache changes (or None)
