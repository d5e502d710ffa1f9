"""Part planning, in one place: which inputs a run reads whole and which in parts, and where each is read."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..parts import Chunk, plan_chunks
from .pool import Engine

PART_BYTES = 8 * 1024 * 1024  # a streamed part's attempts are held until handed on: this bounds memory (~85 MB)


@dataclass(frozen=True)
class Unit:
    """One piece of work: a whole input (``chunk`` None) or one part of it; read here or by the pool."""

    position: int  # in the run's order
    index: int  # which input
    path: str
    chunk: Chunk | None
    here: bool


def plan_units(paths: Sequence[str], jobs: int, max_bytes: int | None, bounded: bool,
               engine: Engine = Engine.local) -> list[Unit]:
    """The run's units in order. With one job everything is read here, whole. Locally a large plain file
    is cut into parts (at most ``max_bytes`` each, when given). Streaming (``bounded``) reads whole inputs
    and every ``jobs``-th part here; a batch run reads the first unit here only when there are no more
    units than jobs (so no worker waits on this process), and nothing here on Dask."""
    if engine is Engine.local and (jobs <= 1 or ("-" in paths and not bounded)):
        return [Unit(i, i, path, None, True) for i, path in enumerate(paths)]
    pieces: list[tuple[int, str, Chunk | None]] = []
    for index, path in enumerate(paths):
        chunks = plan_chunks(path, jobs, max_bytes=max_bytes) if engine is Engine.local else None
        pieces += [(index, path, chunk) for chunk in chunks] if chunks else [(index, path, None)]
    units = []
    for position, (index, path, chunk) in enumerate(pieces):
        if bounded:
            here = chunk is None or chunk.index % jobs == 0
        else:
            here = engine is Engine.local and position == 0 and len(pieces) <= jobs
        units.append(Unit(position, index, path, chunk, here))
    return units
