"""Size and time of the HTML report at real cluster sizes, against the issue's budget.

    python benchmarks/report.py                    # 100 nodes x 21 pods, and 5,000 nodes x 8 pods
    python benchmarks/report.py --cases 100x21     # one case: NODESxPODS
    python benchmarks/report.py --dir /tmp/x --keep-html

Logs are generated once with analyzer.synth (1.30 text, seed 1) into --dir (default
/tmp/schedlog-bench-report) and reused. Everything runs pinned to one core (where the OS allows it)
with --jobs 1: in this process the analysis as `schedlog report` runs it (read, parse, rebuild,
reconcile), then the page rendered and written; then the whole command in a fresh process
(`python -m analyzer --jobs 1 report LOG -q`, interpreter start-up and imports included).

Budget (issue 11): a 100-node, 21-attempt log gives a page of at most 1.5 MB in at most 5 s (both
ways of timing it); a 5,000-node log a page of at most 5 MB. Exit 1 when a case is over budget.
Not a test: timings depend on the machine and on what else runs on it.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analyzer.engine import analyze_reconciled  # noqa: E402
from analyzer.report.html import write_html  # noqa: E402
from analyzer.synth import write_log  # noqa: E402

MB = 1_000_000
DEFAULT_CASES = ("100x21", "5000x8")  # 5,000 x 21 would be a 160 MB log; 8 pods keep it near 60 MB
BUDGETS = {100: (1.5 * MB, 5.0), 5000: (5.0 * MB, None)}  # nodes -> (page bytes, seconds in all)


@dataclass(frozen=True)
class Measured:
    nodes: int
    pods: int
    log_bytes: int
    attempts: int
    analysis_s: float
    render_s: float
    page_bytes: int
    command_s: float  # `python -m analyzer --jobs 1 report LOG -q` wall time, start-up included

    @property
    def total_s(self) -> float:
        return self.analysis_s + self.render_s

    def verdict(self) -> str:
        size, seconds = BUDGETS.get(self.nodes, (None, None))
        if size is None and seconds is None:
            return "no budget"
        over = []
        if size is not None and self.page_bytes > size:
            over.append(f"page {self.page_bytes / MB:.2f} MB > {size / MB:.1f} MB")
        if seconds is not None and max(self.total_s, self.command_s) > seconds:
            over.append(f"{max(self.total_s, self.command_s):.1f} s > {seconds:.0f} s")
        return "over budget: " + "; ".join(over) if over else "within budget"


def one_core() -> str:
    """Pin this process to one CPU where the OS allows it; say which."""
    if hasattr(os, "sched_setaffinity"):
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return f"pinned to CPU {cpu}"
    return "not pinned (no sched_setaffinity here)"


def generated(directory: Path, nodes: int, pods: int) -> Path:
    path = directory / f"report-1.30-{nodes}n-{pods}p.log"
    if not path.exists():
        with open(path, "w", encoding="utf-8") as out:
            write_log(out, "1.30", nodes=nodes, pods=pods, seed=1)
    return path


def measure(log: Path, nodes: int, pods: int, html: Path) -> Measured:
    started = time.perf_counter()
    result, _weights = analyze_reconciled([str(log)], jobs=1)
    analyzed = time.perf_counter()
    write_html(result, html)
    rendered = time.perf_counter()
    command = time.perf_counter()
    subprocess.run([sys.executable, "-m", "analyzer", "--jobs", "1", "report", str(log), "-o", str(html), "-q"],
                   check=True, cwd=ROOT)
    return Measured(nodes, pods, log.stat().st_size, len(result.attempts), analyzed - started, rendered - analyzed,
                    html.stat().st_size, time.perf_counter() - command)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", default=",".join(DEFAULT_CASES), help="NODESxPODS, comma-separated")
    ap.add_argument("--dir", type=Path, default=Path("/tmp/schedlog-bench-report"))
    ap.add_argument("--keep-html", action="store_true", help="keep the reports beside the logs")
    args = ap.parse_args(argv)
    args.dir.mkdir(parents=True, exist_ok=True)
    print(one_core())
    print(f"{'nodes':>6} {'pods':>5} {'log MB':>7} {'attempts':>8} {'analysis s':>10} {'render s':>9} "
          f"{'total s':>8} {'command s':>9} {'page MB':>8}  verdict")
    failed = False
    for case in args.cases.split(","):
        nodes, pods = (int(x) for x in case.lower().split("x"))
        log = generated(args.dir, nodes, pods)
        html = args.dir / f"{log.stem}.html"
        m = measure(log, nodes, pods, html)
        if not args.keep_html:
            html.unlink()
        verdict = m.verdict()
        failed |= verdict.startswith("over")
        print(f"{m.nodes:>6} {m.pods:>5} {m.log_bytes / MB:>7.1f} {m.attempts:>8} {m.analysis_s:>10.2f} "
              f"{m.render_s:>9.2f} {m.total_s:>8.2f} {m.command_s:>9.2f} {m.page_bytes / MB:>8.2f}  {verdict}",
              flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
