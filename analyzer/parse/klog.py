"""The klog/glog text header, split with one compiled regex (the only regex on the per-line path)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Lmmdd hh:mm:ss.uuuuuu PID file.go:NN] message   (PID right-aligned; file may carry a directory)
KLOG_HEADER = re.compile(
    r"(?P<sev>[IWEF])(?P<month>\d\d)(?P<day>\d\d) (?P<time>\d\d:\d\d:\d\d\.\d{6})\s+(?P<pid>\d+) "
    r"(?P<file>[^\s:\]]+):(?P<lineno>\d+)\] ?(?P<msg>.*)\Z",
    re.DOTALL,
)
# A record line longer than this is remembered by its hash in the parser's repeated-record window (lines.py);
# the columnar parser leaves such lines to the per-line path (read/blocks.py).
HASHED_RECORD_CHARS = 4096
# Pastes that cut the severity and date off: "hh:mm:ss.uuuuuu PID file.go:NN] message".
CUT_HEADER = re.compile(
    r"(?P<time>\d\d:\d\d:\d\d\.\d{6})\s+(?P<pid>\d+) (?P<file>[^\s:\]]+):(?P<lineno>\d+)\] ?(?P<msg>.*)\Z", re.DOTALL)
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


def looks_like_record(text: str) -> bool:
    """Cheap test (no regex) for the first line of a record: a klog header or a JSON object."""
    return text[:1] == "{" or (text[:1] in "IWEF" and text[1:5].isdigit() and text[5:6] == " ")


@dataclass
class ClockWatch:
    """Notices time going backwards within one process, and the Dec 31 -> Jan 1 wrap klog cannot show.

    Lines are never reordered (file order is the order the scheduler wrote them); this only reports.
    """

    last: dict[str, tuple] = field(default_factory=dict)  # stream -> last (month, day, time) or (epoch,)
    backwards: int = 0
    first_backwards: int = 0
    rollovers: list[int] = field(default_factory=list)  # line numbers where the year turned

    def see(self, stream: str, moment: tuple, line: int) -> None:
        previous = self.last.get(stream)
        self.last[stream] = moment
        if previous is None or moment >= previous:
            return
        if len(moment) == 3 and previous[0] == "12" and moment[0] == "01":
            self.rollovers.append(line)
            return
        self.backwards += 1
        self.first_backwards = self.first_backwards or line

    def see_run(self, stream: str, first: tuple, last: tuple) -> bool:
        """``see`` of a run of lines of one process whose times never go back (the caller checked), from
        ``first`` to ``last``: False, with nothing changed, when ``first`` is earlier than the line before it."""
        previous = self.last.get(stream)
        if previous is not None and first < previous:
            return False
        self.last[stream] = last
        return True

    def notes(self) -> list[str]:
        out = [f"line {n}: the time turns from Dec 31 to Jan 1 (klog prints no year); file order kept"
               for n in self.rollovers]
        if self.backwards:
            many = self.backwards > 1
            out.append(f"{self.backwards} line{'s carry' if many else ' carries'} a time earlier than "
                       f"the line before from the same process, first at line {self.first_backwards}; "
                       "file order kept")
        return out
