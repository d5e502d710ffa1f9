"""Open log inputs and yield their physical lines as text, without ever failing on a bad byte."""

from __future__ import annotations

import gzip
import io
import os
import sys
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

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
}
MAX_LINE_BYTES = 64 * 1024 * 1024  # a longer "line" is cut and counted as damaged


class InputError(Exception):
    """An input that cannot be read as a log; the message is one line, fit for the terminal."""


@dataclass(slots=True)
class PhysicalLine:
    input: int
    number: int  # 1-based
    text: str
    damaged: bool = False  # invalid UTF-8 replaced, or cut because too long


def check_input(path: str) -> None:
    """Fail early, with one line, for inputs that are missing, unreadable or plainly not logs."""
    if path == "-":
        return
    p = Path(path)
    if not p.exists():
        raise InputError(f"{path}: no such file")
    if p.is_dir():
        raise InputError(f"{path}: is a directory, not a log file")
    if not os.access(p, os.R_OK):
        raise InputError(f"{path}: permission denied")
    with open(p, "rb") as fh:
        head = fh.read(4096)
    for magic, what in _BINARY_MAGIC.items():
        if head.startswith(magic):
            raise InputError(f"{path}: looks like {what}, not a log")
    if head.startswith(b"\x1f\x8b"):
        return
    if head and _mostly_binary(head):
        raise InputError(f"{path}: binary data, not a text log")


def _mostly_binary(block: bytes) -> bool:
    """True when a block is not text: many control bytes (a few NULs occur in real 1.14 logs)."""
    control = sum(1 for b in block if b < 9 or 13 < b < 32)
    return control > len(block) * 0.10


def _open(path: str) -> BinaryIO:
    if path == "-":
        return sys.stdin.buffer
    raw = open(path, "rb")  # noqa: SIM115 - closed by iter_physical_lines
    if raw.read(2) == b"\x1f\x8b":
        raw.seek(0)
        return gzip.GzipFile(fileobj=raw)  # type: ignore[return-value]
    raw.seek(0)
    return raw


def iter_physical_lines(path: str, index: int, errors: list[str] | None = None) -> Iterator[PhysicalLine]:
    """Yield every line of one input, decoded as UTF-8 (bad bytes replaced and flagged), CR/LF removed.

    A truncated .gz yields what it could decompress and appends a one-line note to ``errors``.
    """
    stream = _open(path)
    number = 0
    try:
        reader = io.BufferedReader(stream) if not isinstance(stream, io.BufferedReader) else stream
        while True:
            try:
                raw = reader.readline(MAX_LINE_BYTES)
            except (EOFError, OSError, zlib.error) as exc:
                if errors is not None:
                    errors.append(f"{path}: input ends early ({exc.__class__.__name__}: {exc})")
                break
            if not raw:
                break
            number += 1
            damaged = False
            if not raw.endswith(b"\n") and len(raw) >= MAX_LINE_BYTES:
                damaged = True
                while True:  # skip the rest of an over-long line
                    more = reader.readline(MAX_LINE_BYTES)
                    if not more or more.endswith(b"\n"):
                        break
            raw = raw.rstrip(b"\r\n")
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                text = raw.decode("utf-8", errors="replace")
                damaged = True
            yield PhysicalLine(index, number, text, damaged)
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()
