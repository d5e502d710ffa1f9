"""A list for long runs: items appended in order and read back in order, most of them kept in a temporary
file, so that a record per attempt of a gigabyte log (check's findings) does not have to fit in memory."""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Iterator
from typing import IO, Generic, TypeVar

T = TypeVar("T")

BATCH = 500  # items pickled together: names shared inside a batch are written once


class Spool(Generic[T]):
    """Append-only; ``len`` and iteration (as often as wanted, one at a time) in the order appended.

    Items are pickled in batches of ``batch`` (default BATCH) to an anonymous temporary file, deleted when
    the spool is closed or collected; only the last, unfinished batch stays in memory."""

    def __init__(self, batch: int | None = None) -> None:
        self._batch = batch or BATCH
        self._pending: list[T] = []
        self._file: IO[bytes] | None = None
        self._count = 0

    def append(self, item: T) -> None:
        self._pending.append(item)
        self._count += 1
        if len(self._pending) >= self._batch:
            if self._file is None:
                self._file = tempfile.TemporaryFile(prefix="schedlog-spool-")  # noqa: SIM115 (kept open; close())
            pickle.dump(self._pending, self._file, protocol=pickle.HIGHEST_PROTOCOL)
            self._pending = []

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[T]:
        file = self._file
        if file is not None:
            end = file.tell()
            file.seek(0)
            try:
                while file.tell() < end:
                    yield from pickle.load(file)
            finally:
                file.seek(end)
        yield from self._pending

    def batches(self, size: int) -> Iterator[list[T]]:
        """The items in order, ``size`` at a time (the last batch may be shorter)."""
        batch: list[T] = []
        for item in self:
            batch.append(item)
            if len(batch) == size:
                yield batch
                batch = []
        if batch:
            yield batch

    def close(self) -> None:
        """Delete the temporary file now (it is deleted anyway when the spool is collected)."""
        if self._file is not None:
            self._file.close()
            self._file = None
            self._pending, self._count = [], 0
