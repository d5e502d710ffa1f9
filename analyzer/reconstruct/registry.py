"""The assembler's dispatch table, built once from the event contract (analyzer/parse/events.py).

Building it fails loudly (ContractError) when the contract and the code disagree: a kind declared for the
assembler without an ``_on_<kind>`` handler, a handler for a kind the contract does not give the assembler, or a
kind nobody consumes. So a new event kind cannot be parsed and then silently dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..parse.events import ASSEMBLER, CACHE, CONFIG, CONSUMERS, CONTRACT, STORY, ContractError, KindSpec

HANDLER_PREFIX = "_on_"
KEPT_BY = frozenset({CACHE, STORY, CONFIG})  # consumers that read the assembler's config_events


@dataclass(frozen=True, slots=True)
class Route:
    """What the assembler does with one event kind."""

    handler: Callable[..., Any] | None  # the unbound ``_on_<kind>`` method, or None
    keep: bool  # kept in config_events for the cache, the story or the configuration
    aside: bool  # only kept: the kind touches no stream (config and story lines without a handler)


def build_routes(owner: type, contract: Mapping[str, KindSpec] = CONTRACT) -> dict[str, Route]:
    """kind -> Route for every kind in the contract, the handlers taken from ``owner``'s ``_on_<kind>`` methods."""
    problems = []
    handled = {name[len(HANDLER_PREFIX):] for name in dir(owner) if name.startswith(HANDLER_PREFIX)}
    for kind in sorted(handled - {k for k, spec in contract.items() if ASSEMBLER in spec.consumers}):
        problems.append(f"{owner.__name__}.{HANDLER_PREFIX}{kind} handles a kind the contract does not give it")
    routes = {}
    for kind, spec in contract.items():
        unknown = spec.consumers - CONSUMERS
        if unknown or not spec.consumers:
            problems.append(f"{kind}: consumed by {sorted(unknown) or 'nobody'}")
        if ASSEMBLER in spec.consumers and kind not in handled:
            problems.append(f"{kind}: declared for the assembler, but {owner.__name__} has no "
                            f"{HANDLER_PREFIX}{kind}")
        handler = getattr(owner, f"{HANDLER_PREFIX}{kind}", None) if ASSEMBLER in spec.consumers else None
        keep = bool(spec.consumers & KEPT_BY)
        routes[kind] = Route(handler, keep, aside=handler is None and bool(spec.consumers & {STORY, CONFIG}))
    if problems:
        raise ContractError("the event contract and the assembler disagree: " + "; ".join(problems))
    return routes


def unknown_kind(kind: str) -> ContractError:
    """The error for feeding an event whose kind is not in the contract (a producer's bug, never bad input)."""
    return ContractError(f"event kind {kind!r} is not in the event contract (analyzer/parse/events.py CONTRACT)")
