"""Read a plain log file in large blocks of whole lines, as Arrow string arrays, for the columnar parser.

Each block is about BLOCK_BYTES of the file cut at a line end: numpy finds the line ends and a
pyarrow string array views the lines without copying (each row keeps its LF, so rows sit back to
back in the block's bytes). Rows that are not clean printable ASCII (bad bytes, CR, NUL, tabs, other
text than ASCII) or are long are marked, so the caller hands them to the per-line reader, which
holds the repair rules (read/sources.py). Memory stays flat: one block and its carried tail at a time.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from ..parse.klog import HASHED_RECORD_CHARS
from . import sources
from .sources import _GZIP_MAGIC, _UTF16_BOMS

# 1 MiB: the hot rows of a block become Python objects (about 12 strings and an Event per row), so the
# block size sets the parser's working set (8 MiB blocks: ~270 MB peak RSS, 1 MiB: ~170-200 MB on a
# 10 MB log, against 79 MB per line; Arrow's own start-up takes ~45 MB of that), not its speed.
BLOCK_BYTES = 1024 * 1024
CLEAN_MAX = HASHED_RECORD_CHARS  # longer rows go the per-line way (the repeated-record window hashes them)
_LF = 10


@dataclass
class LineBlock:
    """Whole lines of a file: row i is ``data[starts[i]:starts[i + 1]]``, its LF included (but for an
    unterminated last line of the file, ``ended`` False)."""

    first_number: int  # the line number of row 0 (1-based)
    data: bytes
    starts: np.ndarray  # int32 offsets, one more than rows
    rows: pa.StringArray
    clean: np.ndarray  # bool per row: printable ASCII only, LF-terminated, at most CLEAN_MAX bytes
    ended: bool = True  # False when the last row has no LF (the file stops mid-line)

    def __len__(self) -> int:
        return len(self.starts) - 1

    def raw(self, row: int) -> bytes:
        """Row ``row``'s bytes without its LF."""
        end = int(self.starts[row + 1])
        if self.ended or row < len(self) - 1:
            end -= 1
        return self.data[int(self.starts[row]):end]

    def lengths(self) -> np.ndarray:
        """Each row's length in bytes, its LF included."""
        return np.diff(self.starts)


@dataclass(frozen=True)
class RestPerLine:
    """The rest of the file, from ``offset`` (a line start, line ``number``), must be read line by line:
    a line longer than sources.MAX_LINE_BYTES starts there."""

    offset: int
    number: int


def block_readable(path: str) -> bool:
    """True for a regular, uncompressed, BOM-less file (what ``iter_blocks`` reads exactly as the per-line
    reader would); gzip, UTF-16 and a UTF-8 BOM keep the per-line reader."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(4)
    except OSError:
        return False
    return not (head.startswith(_GZIP_MAGIC) or head.startswith(_UTF16_BOMS) or head.startswith(codecs.BOM_UTF8))


def iter_blocks(path: str, block_bytes: int | None = None, start: int = 0, end: int | None = None,
                first_number: int = 1) -> Iterator[LineBlock | RestPerLine]:
    """The file's lines in blocks, in order; a RestPerLine last when an over-long line needs the per-line cut.

    ``start`` (a line start, line ``first_number``) and ``end`` (a line start, or None: the file's end)
    read one byte range of the file, e.g. one part of it (parts/plan.py cuts at line starts)."""
    block_bytes = block_bytes or BLOCK_BYTES
    number, offset = first_number, start  # of the carried bytes' first line
    carry = b""
    with open(path, "rb") as fh:
        fh.seek(start)
        while True:
            chunk = fh.read(block_bytes if end is None else min(block_bytes, end - offset - len(carry)))
            if not chunk:
                break
            buf = carry + chunk if carry else chunk
            cut = buf.rfind(b"\n") + 1
            if cut == 0:
                carry = buf
                if len(carry) > sources.MAX_LINE_BYTES:
                    yield RestPerLine(offset, number)
                    return
                continue
            block = _block(buf[:cut] if cut < len(buf) else buf, number, True)
            if _longest(block) > sources.MAX_LINE_BYTES:
                yield RestPerLine(offset, number)
                return
            yield block
            number += len(block)
            offset += cut
            carry = buf[cut:]
    if carry:
        if len(carry) > sources.MAX_LINE_BYTES:
            yield RestPerLine(offset, number)
            return
        yield _block(carry, number, False)


def _longest(block: LineBlock) -> int:
    return int(block.lengths().max()) - 1 if len(block) else 0


def _block(data: bytes, first_number: int, ended: bool) -> LineBlock:
    """Index one block's rows and mark the clean ones."""
    raw = np.frombuffer(data, dtype=np.uint8)
    ends = np.flatnonzero(raw == _LF)
    if not ended:  # the file's last line has no LF: it is one more row, never clean
        ends = np.append(ends, len(data) - 1)
    starts = np.empty(len(ends) + 1, dtype=np.int32)
    starts[0] = 0
    starts[1:] = ends + 1
    if not ended:
        starts[-1] = len(data)
    rows = pa.StringArray.from_buffers(len(ends), pa.py_buffer(starts), pa.py_buffer(data))
    not_printable = (raw - np.uint8(0x20)) > np.uint8(0x5E)  # outside ' '..'~' (LF too, cleared below)
    not_printable[ends[: len(ends) - (0 if ended else 1)]] = False
    clean = np.diff(starts) <= CLEAN_MAX + 1
    bad = np.flatnonzero(not_printable)
    if len(bad):
        clean[np.searchsorted(starts, bad, side="right") - 1] = False
    if not ended:
        clean[-1] = False
    return LineBlock(first_number, data, starts, rows, clean, ended)
