"""A list for long runs: items appended in order and read back in order, most of them kept in a temporary
file, so that a record per attempt of a gigabyte log (check's findings) does not have to fit in memory."""

from __future__ import annotations

import os
import pickle
import tempfile
from collections.abc import Iterator
from typing import IO, Generic, TypeVar

T = TypeVar("T")

BATCH = 500  # items pickled together: names shared inside a batch are written once


class Spool(Generic[T]):
    """Append-only; ``len`` and iteration in the order appended, as often as wanted (several readers at once
    too: each batch is read at its own offset).

    Items are pickled in batches of ``batch`` (default BATCH) to an anonymous temporary file, deleted when
    the spool is collected; only the last, unfinished batch stays in memory."""

    def __init__(self, batch: int | None = None) -> None:
        self._batch = batch or BATCH
        self._pending: list[T] = []
        self._file: IO[bytes] | None = None
        self._written: list[tuple[int, int]] = []  # (offset, length) of each batch in the file
        self._count = 0

    def append(self, item: T) -> None:
        self._pending.append(item)
        self._count += 1
        if len(self._pending) >= self._batch:
            self._write(pickle.dumps(self._pending, protocol=pickle.HIGHEST_PROTOCOL))
            self._pending = []

    def _write(self, data: bytes) -> None:
        """One batch to the end of the file; a full disk names the temporary directory, not the log read."""
        try:
            if self._file is None:
                self._file = tempfile.TemporaryFile(prefix="schedlog-spool-")  # noqa: SIM115 (lives with the spool)
            offset = self._written[-1][0] + self._written[-1][1] if self._written else 0
            self._file.seek(offset)
            self._file.write(data)
            self._file.flush()
        except OSError as exc:
            raise OSError(exc.errno, exc.strerror, tempfile.gettempdir()) from exc
        self._written.append((offset, len(data)))

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[T]:
        written, pending = list(self._written), list(self._pending)  # what is there now
        if written:
            fd = self._file.fileno()
            for offset, length in written:
                yield from pickle.loads(os.pread(fd, length, offset))
        yield from pending
