"""A streamed file's parts go to whichever of the main process and the pool is free first, and the attempts
come out as one pass gives them whoever read each part."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import analyzer.run.stream as core
from analyzer.report.jsonout import attempt_to_dict, dumps
from analyzer.run.pool import WorkerPool
from analyzer.stream import AttemptStream
from analyzer.synth import write_log


class Later:
    """Work the fake pool runs only when its result is asked for; ``busy`` says whether it is still running."""

    def __init__(self, work: Callable, args: tuple, busy: bool) -> None:
        self.work, self.args, self.busy = work, args, busy

    def done(self) -> bool:
        return not self.busy

    def cancel(self) -> None:
        pass


@pytest.fixture
def generated(tmp_path: Path) -> str:
    path = tmp_path / "synth-1.30-text.log"
    with open(path, "w", encoding="utf-8") as fh:
        write_log(fh, "1.30", 30, pods=60, fmt="text", seed=3)
    return str(path)


def _stream(path: str, monkeypatch, busy: bool) -> tuple[str, list[tuple[str, int]]]:
    """The streamed attempts (as JSON) on 2 jobs with a pool that is ``busy`` (never done before asked) or
    idle (always done), and who read each part in order: ('here' | 'pool', part index)."""
    readers: list[tuple[str, int]] = []
    real = core.analyze_chunk

    def here(path, index, chunk, context):
        readers.append(("here", chunk.index))
        return real(path, index, chunk, context)

    def pooled(path, index, chunk, context):
        readers.append(("pool", chunk.index))
        return real(path, index, chunk, context)

    monkeypatch.setattr(core, "analyze_chunk", here)
    monkeypatch.setattr(WorkerPool, "submit", lambda self, work, *args: Later(pooled, args, busy))
    monkeypatch.setattr(WorkerPool, "result", lambda self, handle: handle.work(*handle.args))
    monkeypatch.setenv("SCHEDLOG_MIN_CHUNK_BYTES", "20000")
    stream = AttemptStream([path], jobs=2, part_bytes=200_000)
    return dumps([attempt_to_dict(a) for a in stream]), readers


def test_a_busy_pool_leaves_the_next_parts_to_the_main_process(generated, monkeypatch):
    one_pass = dumps([attempt_to_dict(a) for a in AttemptStream([generated])])
    busy, readers = _stream(generated, monkeypatch, busy=True)
    assert busy == one_pass
    parts = sorted(index for _, index in readers)
    assert parts == list(range(len(parts))) and len(parts) >= 6  # every part read once
    here = [index for who, index in readers if who == "here"]
    # the pool keeps 2 parts (its worker's and one queued); the main process reads the first part, then,
    # while it waits for the pool's, the next 2 nobody has taken (at most 2 held), and so on
    assert here[:3] == [0, 3, 4] and len(here) >= len(parts) // 2


def test_an_idle_pool_takes_every_part_but_the_first(generated, monkeypatch):
    one_pass = dumps([attempt_to_dict(a) for a in AttemptStream([generated])])
    idle, readers = _stream(generated, monkeypatch, busy=False)
    assert idle == one_pass
    assert [index for who, index in readers if who == "here"] == [0]
