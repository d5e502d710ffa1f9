"""Open log inputs and yield their physical lines as text, without ever failing on a bad byte.

Plain files, .gz (also concatenated members, also on stdin), pipes and UTF-16 text (PowerShell
redirects) are read. Repairs are never silent: every repaired line is flagged ``damaged`` and each
kind of repair is summed up in one note per input.
"""

from __future__ import annotations

import codecs
import os
import stat
import sys
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

# Magic numbers of files that are certainly not logs.
_BINARY_MAGIC: dict[bytes, str] = {
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"%PDF": "a PDF document",
    b"\x7fELF": "an executable",
    b"PK\x03\x04": "a zip archive",
    b"BZh": "a bzip2 archive",
    b"\xfd7zXZ": "an xz archive",
    b"\x28\xb5\x2f\xfd": "a zstd archive",
}
_GZIP_MAGIC = b"\x1f\x8b\x08"  # gzip id and its only compression method, deflate
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
MAX_LINE_BYTES = 64 * 1024 * 1024  # a longer "line" is cut and counted as damaged
CHUNK = 64 * 1024
_HEAD = 4096
_GZIP_STEP = 4096

# One note per input and kind of repair: (what happened, what was done).
_REPAIRS: dict[str, str] = {
    "invalid-utf8": "invalid UTF-8 (bad bytes shown as U+FFFD)",
    "nul": "NUL bytes inside the line (kept)",
    "leading-nul": "a run of NUL bytes before the text "
                   "(a file truncated in place, e.g. by copytruncate; skipped)",
    "crlf": "CRLF line ends (CR removed)",
    "too-long": f"more than {MAX_LINE_BYTES // (1024 * 1024)} MiB without a line end (cut)",
    "no-eol": "no line end: the input stops mid-line",
}


class InputError(Exception):
    """An input that cannot be read as a log; the message is one line, fit for the terminal."""


@dataclass(slots=True)
class PhysicalLine:
    input: int
    number: int  # 1-based
    text: str
    damaged: bool = False  # repaired: invalid UTF-8, NUL bytes, CRLF, cut because too long or unterminated
    prefix: str | None = None  # the learned prefix removed from the text (read/prefixes.py), by name
    component: str | None = None  # the program that prefix names (journald identifier, stern container)
    source: str | None = None  # the pod/<name>/<container> that prefix names (stern)
    ts: str | None = None  # the time that prefix gives, year first (journalctl -o short-iso, stern -t)


# -- checks -----------------------------------------------------------------------------------------
def check_input(path: str) -> None:
    """Fail early, with one line, for inputs that are missing, unreadable or plainly not logs.

    Pipes and devices are not read here (their bytes would be lost); their first block is
    checked when they are read.
    """
    if path == "-":
        return
    try:
        mode = Path(path).stat().st_mode
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot open ({exc.strerror or exc.__class__.__name__})") from None
    if stat.S_ISDIR(mode):
        raise InputError(f"{path}: is a directory, not a log file")
    if not os.access(path, os.R_OK):
        raise InputError(f"{path}: permission denied")
    if not stat.S_ISREG(mode):
        return
    try:
        with open(path, "rb") as fh:
            head = fh.read(_HEAD)
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc.__class__.__name__})") from None
    check_head(path, head)


def check_head(path: str, head: bytes) -> None:
    """Reject a first block that is an image, an archive or other binary data (decompressing .gz)."""
    if _is_gzip(head):
        try:
            head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, _HEAD)
        except zlib.error:
            return  # damaged from the start: the reader will say so in a note
    for magic, what in _BINARY_MAGIC.items():
        # a log whose first bytes were overwritten by chance still reads as text after them
        if head.startswith(magic) and (len(head) == len(magic) or _mostly_binary(head[len(magic):])):
            raise InputError(f"{path}: looks like {what}, not a log")
    if head.startswith(_UTF16_BOMS) or _is_gzip(head):
        return
    if _mostly_binary(head):
        raise InputError(f"{path}: binary data, not a text log")


def _is_gzip(head: bytes) -> bool:
    """A gzip header: magic, deflate, no reserved flag bits (a text log whose first bytes rotted is not)."""
    return head.startswith(_GZIP_MAGIC) and len(head) > 3 and head[3] < 32


def _mostly_binary(block: bytes) -> bool:
    """True when a block is not text: many control bytes other than NUL, or bytes that are not UTF-8.

    NUL is not counted: real 1.14 logs carry a few (node_tree.go zone keys) and a log truncated in
    place by copytruncate starts with a run of them.
    """
    text = block.lstrip(b"\0")
    if not text:
        return False
    control = sum(1 for b in text if 0 < b < 9 or 13 < b < 32)
    invalid = text.decode("utf-8", errors="replace").count("\ufffd") - text.count("\ufffd".encode())
    return control + invalid > (len(text) - text.count(0)) * 0.10


# -- bytes --------------------------------------------------------------------------------------------
def _raw_chunks(path: str) -> Iterator[bytes]:
    """The input's bytes in chunks; stdin when path is '-'."""
    if path == "-":
        stream = sys.stdin.buffer
        while chunk := stream.read1(CHUNK) if hasattr(stream, "read1") else stream.read(CHUNK):
            yield chunk
        return
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            yield chunk


def _gunzip(chunks: Iterator[bytes], path: str, notes: list[str]) -> Iterator[bytes]:
    """Decompress gzip members one after another, yielding what was recovered before any damage."""
    decomp: zlib._Decompress | None = zlib.decompressobj(16 + zlib.MAX_WBITS)
    members = 1
    for chunk in chunks:
        pos = 0
        while pos < len(chunk):
            if decomp is None:  # between members: NUL padding is fine, anything else is not gzip
                rest = chunk[pos:].lstrip(b"\0")
                if not rest:
                    break
                if not rest.startswith(_GZIP_MAGIC[: len(rest)]):
                    notes.append(f"{path}: data after gzip member {members} is not gzip; ignored")
                    return
                chunk, pos, members = rest, 0, members + 1
                decomp = zlib.decompressobj(16 + zlib.MAX_WBITS)
            step = chunk[pos:pos + _GZIP_STEP]  # small steps: the bytes before a corrupt block survive
            pos += _GZIP_STEP
            try:
                out = decomp.decompress(step)
            except zlib.error as exc:
                notes.append(f"{path}: compressed data is damaged in gzip member {members} ({exc}); "
                             "the rest of the input is lost")
                return
            if out:
                yield out
            if decomp.eof:
                chunk, pos, decomp = decomp.unused_data + chunk[pos:], 0, None
    if decomp is not None:
        tail = decomp.flush()
        if tail:
            yield tail
        notes.append(f"{path}: compressed data ends early (truncated .gz, gzip member {members}); "
                     "the last line may be cut")


def _first_nonempty(chunks: Iterator[bytes]) -> tuple[bytes, Iterator[bytes]]:
    """The first non-empty chunk, and an iterator over it and the rest."""
    first = b""
    for first in chunks:
        if first:
            break
    return first, _prepend(first, chunks)


def _decoded_chunks(path: str, notes: list[str]) -> Iterator[bytes]:
    """The input's text bytes: decompressed when gzip, transcoded to UTF-8 when UTF-16 with a BOM."""
    first, chunks = _first_nonempty(_raw_chunks(path))
    if _is_gzip(first):
        first, chunks = _first_nonempty(_gunzip(chunks, path, notes))
    if path == "-" or not _is_regular(path):
        check_head("stdin" if path == "-" else path, first[:_HEAD])
    if first.startswith(_UTF16_BOMS):
        notes.append(f"{path}: UTF-16 text, decoded")
        decoder = codecs.getincrementaldecoder("utf-16")("replace")
        yield from (decoder.decode(c).encode("utf-8") for c in chunks)
        yield decoder.decode(b"", final=True).encode("utf-8")
        return
    if first.startswith(codecs.BOM_UTF8):
        next(chunks)
        chunks = _prepend(first[len(codecs.BOM_UTF8):], chunks)
    yield from chunks


def _prepend(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    if first:
        yield first
    yield from rest


def _is_regular(path: str) -> bool:
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def _split_lines(chunks: Iterator[bytes]) -> Iterator[tuple[bytes, bool, bool]]:
    """(line without its LF, had a line end, was cut because too long) for every line of the bytes."""
    pieces: list[bytes] = []  # the start of a line that continues in the next chunk
    size = 0
    skipping = False  # discarding the rest of an over-long line
    for chunk in chunks:
        parts = chunk.split(b"\n")
        for part in parts[:-1]:
            if skipping:
                skipping = False
                continue
            if pieces:
                pieces.append(part)
                part, pieces, size = b"".join(pieces), [], 0
            if len(part) > MAX_LINE_BYTES:
                yield part[:MAX_LINE_BYTES], True, True
            else:
                yield part, True, False
        tail = parts[-1]
        if tail and not skipping:
            pieces.append(tail)
            size += len(tail)
            if size > MAX_LINE_BYTES:
                yield b"".join(pieces)[:MAX_LINE_BYTES], True, True
                pieces, size, skipping = [], 0, True
    if pieces:
        yield b"".join(pieces), False, False


# -- lines --------------------------------------------------------------------------------------------
@dataclass
class Repairs:
    """How many lines of one input needed each kind of repair, and where each kind first happened.

    Mergeable, so the parts of one file read by different workers give the notes one pass gives.
    """

    counts: Counter = field(default_factory=Counter)
    first_at: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str, number: int) -> None:
        self.counts[kind] += 1
        if kind not in self.first_at or number < self.first_at[kind]:
            self.first_at[kind] = number

    def merge(self, other: Repairs) -> None:
        for kind, n in other.counts.items():
            self.counts[kind] += n
            self.first_at[kind] = min(self.first_at.get(kind, other.first_at[kind]), other.first_at[kind])

    def notes(self, path: str) -> list[str]:
        """One note per kind of repair, in a fixed order."""
        out = []
        for kind, what in _REPAIRS.items():
            n = self.counts[kind]
            if n:
                out.append(f"{path}: {n} line{'s' if n > 1 else ''} with {what}, first at line {self.first_at[kind]}")
        return out


def iter_physical_lines(path: str, index: int, errors: list[str] | None = None) -> Iterator[PhysicalLine]:
    """Yield every line of one input, decoded as UTF-8 (bad bytes replaced), line ends removed.

    Every repair flags the line ``damaged``; one note per kind of repair goes to ``errors`` at the end,
    and so does a truncated or corrupt .gz (with what could be decompressed still yielded).
    Raises InputError when a pipe or stdin turns out to carry binary data.
    """
    notes: list[str] = errors if errors is not None else []
    repairs = Repairs()
    yield from _decode_lines(_split_lines(_decoded_chunks(path, notes)), index, 1, repairs, None)
    notes.extend(repairs.notes(path))


def iter_lines_from(path: str, index: int, offset: int, first_number: int, repairs: Repairs,
                    count_until: int | None = None) -> Iterator[PhysicalLine]:
    """The lines of a plain file from byte ``offset`` (a line start) to its end, numbered from ``first_number``.

    For reading one file in parts: repairs are summed into ``repairs`` for lines numbered below
    ``count_until`` only (the part's own lines), so the parts' sums add up to one pass's.
    """
    def chunks() -> Iterator[bytes]:
        with open(path, "rb") as fh:
            fh.seek(offset)
            while chunk := fh.read(CHUNK):
                yield chunk
    yield from _decode_lines(_split_lines(chunks()), index, first_number, repairs, count_until)


def _decode_lines(split: Iterator[tuple[bytes, bool, bool]], index: int, first_number: int, repairs: Repairs,
                  count_until: int | None) -> Iterator[PhysicalLine]:
    for number, (raw, ended, cut) in enumerate(split, start=first_number):
        yield decode_line(raw, ended, cut, index, number, repairs, count_until)


def decode_line(raw: bytes, ended: bool, cut: bool, index: int, number: int, repairs: Repairs,
                count_until: int | None = None) -> PhysicalLine:
    """One raw line (without its LF) as text, repaired and flagged as the rules above say."""
    kinds = _repairs(raw, ended, cut)
    if kinds:
        raw = raw.rstrip(b"\r").lstrip(b"\0") if ("crlf" in kinds or "leading-nul" in kinds) else raw
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("utf-8", errors="replace")
        kinds = [*kinds, "invalid-utf8"]
    if kinds and (count_until is None or number < count_until):
        for kind in kinds:
            repairs.add(kind, number)
    return PhysicalLine(index, number, text, bool(kinds))


def _repairs(raw: bytes, ended: bool, cut: bool) -> list[str]:
    """The repairs one raw line needs (empty for a clean line; the common case costs two byte scans)."""
    kinds: list[str] = []
    if raw.endswith(b"\r"):
        kinds.append("crlf")
    if b"\0" in raw:
        kinds.append("leading-nul" if raw.startswith(b"\0") else "nul")
        if raw.startswith(b"\0") and b"\0" in raw.lstrip(b"\0"):
            kinds.append("nul")
    if cut:
        kinds.append("too-long")
    elif not ended:
        kinds.append("no-eol")
    return kinds
