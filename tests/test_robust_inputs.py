"""Inputs that are not logs: one line on stderr, exit code 2, never a traceback (issue 6)."""

from __future__ import annotations

import contextlib
import gzip
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from conftest import framework_log, needs_shared
from typer.testing import CliRunner

from analyzer.cli import app
from analyzer.cli.common import EXIT_BAD_INPUT, EXIT_CODES_HELP, EXIT_DISCREPANCY, EXIT_OK
from analyzer.read import sources

runner = CliRunner()
FIVE = "v1.30.6-five-nodes"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01"
       b"\x08\x06\x00\x00\x00\x1f\x15\xc4\x89")


def run(*args: str, stdin: bytes | None = None):
    return runner.invoke(app, list(args), input=stdin)


def assert_one_line_error(res, *words: str) -> None:
    """Exit 2, exactly one line on stderr naming the problem, nothing on stdout, no traceback."""
    assert res.exit_code == EXIT_BAD_INPUT, (res.exit_code, res.stdout, res.stderr)
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    lines = res.stderr.splitlines()
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith("schedlog: ")
    for word in words:
        assert word in lines[0], lines[0]
    assert "Traceback" not in res.stderr + res.stdout
    assert res.stdout == ""


NOT_LOGS: dict[str, tuple[bytes, str]] = {
    # file name: (content, what the error says)
    "image.png": (PNG, "looks like a PNG image"),
    "photo.jpg": (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "looks like a JPEG image"),
    "archive.zip": (b"PK\x03\x04\x14\x00\x00\x00\x08\x00", "looks like a zip archive"),
    "program": (b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 4, "looks like an executable"),
    "random.bin": (bytes((i * 37 + 11) % 256 for i in range(8192)), "binary data, not a text log"),
    "empty.log": (b"", "empty input, no log lines"),
    "notes.txt": (b"hello\nworld\n", "no kube-scheduler log lines found (2 unrecognized lines)"),
    "zeros.log": (b"\0" * 5000, "no kube-scheduler log lines found"),
    "png-inside.log.gz": (gzip.compress(PNG + b"\0" * 100), "looks like a PNG image"),
    "empty.log.gz": (gzip.compress(b""), "empty input, no log lines"),
}


@pytest.mark.parametrize("name", sorted(NOT_LOGS))
def test_not_a_log_file(tmp_path: Path, name: str):
    content, message = NOT_LOGS[name]
    path = tmp_path / name
    path.write_bytes(content)
    for command in ("summary", "attempts", "explain"):
        args = [command, str(path)] + (["--pod", "x"] if command == "explain" else [])
        assert_one_line_error(run(*args), str(path), message)


def test_missing_path(tmp_path: Path):
    assert_one_line_error(run("attempts", str(tmp_path / "nope.log")), "nope.log: no such file")


def test_broken_symlink_is_missing(tmp_path: Path):
    link = tmp_path / "dangling.log"
    link.symlink_to(tmp_path / "gone.log")
    assert_one_line_error(run("attempts", str(link)), "no such file")


def test_directory(tmp_path: Path):
    assert_one_line_error(run("summary", str(tmp_path)), "is a directory, not a log file")


def test_name_too_long(tmp_path: Path):
    assert_one_line_error(run("summary", str(tmp_path / ("x" * 5000))), "cannot open")


def test_permission_denied_by_access(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    # CI runs as root, where chmod 000 does not stop reading: make os.access say no instead.
    path = tmp_path / "secret.log"
    path.write_text("I1128 16:09:06.122968   12473 main.go:1] hello\n")
    monkeypatch.setattr(sources.os, "access", lambda p, mode: False)
    assert_one_line_error(run("summary", str(path)), "secret.log: permission denied")


def test_permission_denied_on_open(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    path = tmp_path / "secret.log"
    path.write_text("x\n")
    real_open = open

    def deny(file, *args, **kwargs):
        if str(file) == str(path):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", deny)
    assert_one_line_error(run("summary", str(path)), "secret.log: cannot read (Permission denied)")


@pytest.mark.skipif(os.geteuid() == 0, reason="running as root: chmod 000 does not stop root from reading "
                    "(the os.access and open() tests above cover this case)")
def test_permission_denied_real_chmod(tmp_path: Path):
    path = tmp_path / "secret.log"
    path.write_text("x\n")
    path.chmod(0)
    assert_one_line_error(run("summary", str(path)), "permission denied")


def _fifo_with(tmp_path: Path, data: bytes) -> tuple[Path, threading.Thread]:
    fifo = tmp_path / "pipe.log"
    os.mkfifo(fifo)

    def writer() -> None:
        with contextlib.suppress(BrokenPipeError), open(fifo, "wb") as fh:  # the reader may stop early
            fh.write(data)

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    return fifo, thread


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_binary_fifo_is_rejected_when_read(tmp_path: Path):
    fifo, thread = _fifo_with(tmp_path, bytes((i * 37 + 11) % 256 for i in range(8192)))
    assert_one_line_error(run("summary", str(fifo)), "pipe.log: binary data, not a text log")
    thread.join(5)


@needs_shared
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_fifo_log_is_read_whole(tmp_path: Path):
    """A pipe (bash `<(zcat x.gz)`) can be read once only: checking it must not eat its first lines."""
    data = framework_log(FIVE).read_bytes()
    fifo, thread = _fifo_with(tmp_path, data)
    res = run("summary", "-o", "json", str(fifo))
    thread.join(5)
    assert res.exit_code == EXIT_OK, res.stderr
    assert '"total": 409' in res.stdout and '"parsed": 185' in res.stdout


def test_binary_stdin_is_rejected():
    assert_one_line_error(run("summary", "-", stdin=PNG), "stdin: looks like a PNG image")


@needs_shared
def test_gzip_on_stdin_is_read():
    res = run("summary", "-o", "json", "-", stdin=gzip.compress(framework_log(FIVE).read_bytes()))
    assert res.exit_code == EXIT_OK, res.stderr
    assert '"total": 409' in res.stdout


@needs_shared
def test_one_bad_input_among_good_ones_fails_the_run(tmp_path: Path):
    res = run("attempts", str(framework_log(FIVE)), str(tmp_path / "nope.log"))
    assert_one_line_error(res, "nope.log: no such file")


def test_corrupt_gzip_names_the_damage(tmp_path: Path):
    path = tmp_path / "bad.log.gz"
    good = gzip.compress(b"x" * 10)
    path.write_bytes(good[:10] + b"\xff" * 40)  # gzip header, then garbage
    res = run("summary", str(path))
    assert_one_line_error(res, "empty input, no log lines", "compressed data is damaged")


def test_real_process_prints_no_traceback(tmp_path: Path):
    """The installed entry point, not only CliRunner: stderr is one line, exit code 2."""
    png = tmp_path / "image.png"
    png.write_bytes(PNG)
    for args in ([str(png)], [str(tmp_path)], [str(tmp_path / "nope.log")]):
        proc = subprocess.run([sys.executable, "-m", "analyzer", "summary", *args],
                              capture_output=True, text=True, timeout=60)
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr, proc.stderr
        assert proc.stdout == ""


# -- exit codes are documented and real ---------------------------------------------------------
def test_help_documents_every_exit_code():
    assert (EXIT_OK, EXIT_DISCREPANCY, EXIT_BAD_INPUT) == (0, 1, 2)
    res = run("--help")
    assert res.exit_code == 0
    flat = " ".join(res.stdout.split())
    assert " ".join(EXIT_CODES_HELP.split()) in flat
    for phrase in ("0 ok", "1 unexplained discrepancies", "2 bad input"):
        assert phrase in flat


def test_no_arguments_shows_help_not_a_traceback():
    res = run()
    assert res.exit_code in (0, 2)  # click's no_args_is_help exit code changed across versions
    assert "Exit codes:" in " ".join((res.stdout + res.stderr).split())


def test_unknown_option_is_a_usage_error():
    res = run("summary", "--no-such-option", "x.log")
    assert res.exit_code == 2
    assert "Traceback" not in res.stdout + res.stderr


@needs_shared
def test_good_log_exits_0():
    res = run("attempts", str(framework_log(FIVE)))
    assert res.exit_code == EXIT_OK, res.stderr
    assert res.stderr == ""


@pytest.mark.parametrize("command", ["summary", "attempts", "check", "snapshot", "report"])
def test_every_log_command_gives_the_same_one_line_error(tmp_path: Path, command: str):
    png = tmp_path / "image.png"
    png.write_bytes(PNG)
    assert_one_line_error(run(command, str(tmp_path / "nope.log")), "nope.log: no such file")
    assert_one_line_error(run(command, str(png)), "looks like a PNG image")


@needs_shared
def test_exit_codes_0_1_2_end_to_end(tmp_path: Path):
    """verify: 0 when the log still gives the snapshot, 1 when a cut log does not, 2 when it is not a log."""
    log = framework_log(FIVE)
    snap = tmp_path / "expected.json"
    assert run("snapshot", str(log), "-o", str(snap)).exit_code == EXIT_OK
    assert run("verify", str(log), str(snap)).exit_code == EXIT_OK
    cut = tmp_path / "cut.log"
    cut.write_bytes(b"".join(log.read_bytes().splitlines(keepends=True)[:300]))
    res = run("verify", str(cut), str(snap))
    assert res.exit_code == EXIT_DISCREPANCY, res.stdout
    assert_one_line_error(run("verify", str(tmp_path / "nope.log"), str(snap)), "no such file")
