"""The klog/glog text header, split with one compiled regex (the only regex on the per-line path)."""

from __future__ import annotations

import re

# Lmmdd hh:mm:ss.uuuuuu PID file.go:NN] message   (PID right-aligned; file may carry a directory)
KLOG_HEADER = re.compile(
    r"(?P<sev>[IWEF])(?P<month>\d\d)(?P<day>\d\d) (?P<time>\d\d:\d\d:\d\d\.\d{6})\s+(?P<pid>\d+) "
    r"(?P<file>[^\s:\]]+):(?P<lineno>\d+)\] ?(?P<msg>.*)\Z",
    re.DOTALL,
)
# Pastes that kept only "file.go:NN] message" (or "[file.go:NN] message").
FILE_ONLY_HEADER = re.compile(r"\[?(?P<file>[\w./-]+\.go):(?P<lineno>\d+)\] ?(?P<msg>.*)\Z", re.DOTALL)
# klog's log-file header lines (written when logging to files with --log-dir).
KLOG_FILE_HEADER = (
    "Log file created at:",
    "Running on machine:",
    "Binary: Built with",
    "Log line format:",
)


def klog_timestamp(month: str, day: str, time: str, year: int | None = None) -> str:
    """ISO 8601 text for a klog time; klog prints no year, so it is '--MM-DD' unless a wrapper gave one."""
    date = f"{year:04d}-{month}-{day}" if year else f"--{month}-{day}"
    return f"{date}T{time}"
