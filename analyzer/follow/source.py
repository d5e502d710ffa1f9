"""The lines of a log that is still being written: a file followed like ``tail -F``, or stdin.

A file is reopened when its inode changes (rotated: renamed and recreated) or its size shrinks
(truncated in place); line numbers run on across reopenings, as in one stream. When no byte comes
for ``quiet_period`` seconds the reader yields None once (the input paused) and then calls
``on_pause``: everything read before was handed on by then.
"""

from __future__ import annotations

import os
import select
import sys
import time
from collections.abc import Callable, Iterator

from ..read.sources import CHUNK, InputError, PhysicalLine, check_head, check_input

POLL_SECONDS = 0.05  # how often a file with no new bytes is looked at again


class LiveLines:
    """Iterate for the physical lines of a followed input, None at each pause (see the module docstring)."""

    def __init__(self, path: str, quiet_period: float, on_pause: Callable[[], None] = lambda: None,
                 from_end: bool = False) -> None:
        check_input(path)
        self.path, self.quiet_period, self.on_pause, self.from_end = path, quiet_period, on_pause, from_end
        self.reopened = 0  # how often the file was rotated or truncated

    def __iter__(self) -> Iterator[PhysicalLine | None]:
        number = 0
        rest = b""  # a line whose end has not come yet
        checked = False
        for chunk in self._chunks():
            if chunk is None:
                yield None
                self.on_pause()
                continue
            if not checked and chunk:
                check_head("stdin" if self.path == "-" else self.path, chunk[:4096])
                checked = True
            if chunk == b"" and rest:  # reopened: the old file's unfinished line ends here
                number += 1
                yield _line(rest, number, ended=False)
                rest = b""
            *complete, rest = (rest + chunk).split(b"\n")
            for raw in complete:
                number += 1
                yield _line(raw, number)
        if rest:
            yield _line(rest, number + 1, ended=False)

    def _chunks(self) -> Iterator[bytes | None]:
        """The bytes as they come; b"" when the file was reopened, None when the input paused."""
        yield from (self._stdin_chunks() if self.path == "-" else self._file_chunks())

    def _stdin_chunks(self) -> Iterator[bytes | None]:
        fd = sys.stdin.buffer.fileno()
        paused = False
        while True:
            ready, _, _ = select.select([fd], [], [], None if paused else self.quiet_period)
            if not ready:
                paused = True
                yield None
                continue
            data = os.read(fd, CHUNK)
            if not data:
                return
            paused = False
            yield data

    def _file_chunks(self) -> Iterator[bytes | None]:
        fh = open(self.path, "rb")  # noqa: SIM115 - reopened on rotation, closed in finally
        try:
            inode, position = os.fstat(fh.fileno()).st_ino, 0
            if self.from_end:
                position = fh.seek(0, os.SEEK_END)
            last_data, paused = time.monotonic(), False
            while True:
                data = fh.read(CHUNK)
                if data:
                    position += len(data)
                    last_data, paused = time.monotonic(), False
                    yield data
                    continue
                now = _stat(self.path)
                if now is not None and (now.st_ino != inode or now.st_size < position):
                    reopened = _open(self.path)
                    if reopened is not None:
                        fh.close()
                        fh, inode, position = reopened, os.fstat(reopened.fileno()).st_ino, 0
                        self.reopened += 1
                        yield b""
                        continue
                if not paused and time.monotonic() - last_data >= self.quiet_period:
                    paused = True
                    yield None
                time.sleep(POLL_SECONDS)
        finally:
            fh.close()


def _stat(path: str) -> os.stat_result | None:
    try:
        return os.stat(path)
    except OSError:  # between the rename and the new file: wait for it
        return None


def _open(path: str):
    try:
        return open(path, "rb")  # noqa: SIM115 - the caller owns it
    except OSError:
        return None


def _line(raw: bytes, number: int, ended: bool = True) -> PhysicalLine:
    """One line decoded as UTF-8 (bad bytes replaced); repaired lines (CR, NULs, bad bytes, no end) are damaged."""
    damaged = not ended
    if raw.endswith(b"\r") or raw.startswith(b"\0"):
        raw, damaged = raw.rstrip(b"\r").lstrip(b"\0"), True
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text, damaged = raw.decode("utf-8", errors="replace"), True
    return PhysicalLine(0, number, text, damaged)


__all__ = ["InputError", "LiveLines"]
