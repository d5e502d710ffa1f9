"""Benchmark schedlog's full analysis against a plain-regex extraction over the same generated logs.

    python benchmarks/run.py                 # 10 MB and 100 MB, every era, text
    python benchmarks/run.py --full          # adds 1 GB
    python benchmarks/run.py --sizes 10 --eras 1.21 --formats text,json

Logs are generated once into --dir (default /tmp/schedlog-bench) with analyzer.synth and reused.
Each measurement runs in its own process, started by a probe process that reads the measurement's
peak RSS with getrusage(RUSAGE_CHILDREN): the largest single process (the measurement or one of its
pool workers), not their sum; times cover the work only, not interpreter start-up.

Rows: baseline (one compiled regex searched per line), extraction (the same regex, groups read and
summed), schedlog (full analysis held in one result: parse, rebuild, reconcile), stream (the same,
attempts handed on as they are final; what export runs), and both again on all cores.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

# Measure this checkout's analyzer, not a copy installed in site-packages (the children run this file, so
# their sys.path starts at benchmarks/); PYTHONPATH, when set, picks the checkout to measure instead.
if not os.environ.get("PYTHONPATH"):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

MB = 1_000_000
ERAS = ("1.14", "1.19", "1.21", "1.30")

# The baseline: what a quick script would do, one compiled regex per line pulling pod/plugin/node/score
# out of that era's per-plugin score lines (the numbers a reader of the log wants most).
BASELINE: dict[tuple[str, str], str] = {
    ("1.14", "text"): r"\] (\S+) -> (\S+): (\w+), Score: \((\d+)\)",
    ("1.19", "text"): r"Plugin (\S+) scores on (\S+) => \[(.*)\]",
    ("1.19", "json"): r"Plugin (\S+) scores on (\S+) => \[(.*)\]",
    (
        "1.21",
        "text",
    ): r'"Plugin scored node for pod" pod="([^"]*)" plugin="([^"]*)" node="([^"]*)" score=(\d+)',
    (
        "1.21",
        "json",
    ): r'"msg":"Plugin scored node for pod".*"pod":"([^"]*)","plugin":"([^"]*)","node":"([^"]*)",'
    r'"score":(\d+)',
    (
        "1.30",
        "text",
    ): r'"Plugin scored node for pod" pod="([^"]*)" plugin="([^"]*)" node="([^"]*)" score=(\d+)',
    (
        "1.30",
        "json",
    ): r'"msg":"Plugin scored node for pod".*"plugin":"([^"]*)","node":"([^"]*)","score":(\d+)',
}


# -- workers (run in a child process) ------------------------------------------------------------
def work_baseline(era: str, fmt: str, path: str) -> dict:
    """Scan the file line by line with the era's score-line regex; keep only counts (flat memory)."""
    search = re.compile(BASELINE[(era, fmt)]).search
    lines = matches = 0
    start = time.perf_counter()
    with open(path, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            lines += 1
            m = search(line)
            if m is not None:
                matches += 1
    return {"seconds": time.perf_counter() - start, "lines": lines, "matches": matches}


def work_extract(era: str, fmt: str, path: str) -> dict:
    """The same regex, but really extracting the fields: every group read, numbers converted, totals kept.

    The issue's anchor for "Python re field extraction" (about 72 MB/s on this kind of machine) is this.
    """
    search = re.compile(BASELINE[(era, fmt)]).search
    lines = matches = 0
    per_key: dict[tuple[str, ...], int] = {}
    start = time.perf_counter()
    with open(path, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            lines += 1
            m = search(line)
            if m is None:
                continue
            matches += 1
            groups = m.groups()
            key = tuple(g for g in groups if not g.isdigit())
            value = sum(int(n) for n in re.findall(r"\d+", groups[-1]))
            per_key[key] = per_key.get(key, 0) + value
    return {"seconds": time.perf_counter() - start, "lines": lines, "matches": matches, "keys": len(per_key)}


def work_parse(path: str) -> dict:
    """The parse stage alone: every event of the file read, classified and counted, none assembled (the
    columnar parser on a plain file; SCHEDLOG_PARSER=line for the per-line fast path, =lark for lark)."""
    import numpy  # noqa: F401  (imported here, before the clock: ~0.3 s that is no part of the parse)
    import pyarrow  # noqa: F401
    import pyarrow.compute  # noqa: F401

    from analyzer.gctuning import fewer_collections
    from analyzer.parse import columnar
    from analyzer.parse.lines import FormatFeatures
    from analyzer.pipeline import LineTally, iter_events

    tally = LineTally()
    start = time.perf_counter()
    with fewer_collections():
        events = sum(1 for _ in iter_events([path], tally, FormatFeatures()))
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "lines": tally.total, "events": events, "columnar": columnar.usable(path)}


def work_stream(path: str, jobs: str = "1") -> dict:
    """schedlog's streaming analysis (analyzer.stream): every attempt rebuilt and reconciled, none kept;
    with jobs > 1 the file is read in parts by a process pool, a few parts ahead."""
    from analyzer.gctuning import fewer_collections
    from analyzer.stream import AttemptStream

    start = time.perf_counter()
    stream = AttemptStream([path], jobs=int(jobs))
    with fewer_collections():  # as the commands iterate it (run/fold.py); the default GC costs 10-25 % here
        attempts = sum(1 for _ in stream)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "lines": stream.header().lines.total, "attempts": attempts}


def work_analyze(path: str, jobs: str = "1") -> dict:
    """schedlog's full analysis, held in one result: read, unwrap, classify, parse, reconstruct, reconcile
    (what check, explain and report run); with jobs > 1 the file is split over a process pool."""
    from analyzer.engine import analyze_reconciled
    from analyzer.parse import fastpath

    start = time.perf_counter()
    result, _weights = analyze_reconciled([path], jobs=int(jobs))
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "lines": result.lines.total,
        "attempts": len(result.attempts),
        "unrecognized": result.lines.unrecognized,
        "fast_path": fastpath.enabled(),
    }


def probe(args: list[str], env: dict[str, str]) -> dict:
    """Run one worker in a child process; its JSON report plus its peak RSS from RUSAGE_CHILDREN."""
    report = _run_json([sys.executable, __file__, "--work", *args], env)
    report["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # KB on Linux
    return report


# -- orchestration -------------------------------------------------------------------------------
def generate(directory: Path, era: str, fmt: str, size_mb: int, nodes: int, seed: int) -> Path:
    """The generated log for these parameters, written once and reused."""
    from analyzer.synth import write_log

    path = directory / f"synth-{era}-{fmt}-{size_mb}MB-n{nodes}-s{seed}.log"
    if not path.exists() or path.stat().st_size < size_mb * MB:
        directory.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        with open(tmp, "w", encoding="utf-8", buffering=1 << 20) as fh:
            write_log(fh, era, nodes, pods=10**9, fmt=fmt, seed=seed, max_bytes=size_mb * MB)
        tmp.rename(path)
    return path


def measure(path: Path, era: str, fmt: str, with_lark: bool, cores: int) -> dict[str, dict]:
    """Baselines and schedlog runs over one file, each in its own probe process."""
    env = dict(os.environ, SCHEDLOG_PARSER="fast")
    runs = {"baseline": probe_in_probe(["baseline", era, fmt, str(path)], env),
            "extraction": probe_in_probe(["extract", era, fmt, str(path)], env)}
    runs["schedlog"] = probe_in_probe(["analyze", str(path), "1"], env)
    runs["stream"] = probe_in_probe(["stream", str(path), "1"], env)
    if cores > 1:
        runs[f"schedlog-{cores}cores"] = probe_in_probe(["analyze", str(path), str(cores)], env)
        runs[f"stream-{cores}cores"] = probe_in_probe(["stream", str(path), str(cores)], env)
    if with_lark:
        runs["schedlog-lark"] = probe_in_probe(["analyze", str(path), "1"], dict(env, SCHEDLOG_PARSER="lark"))
    size = path.stat().st_size
    for run in runs.values():
        run["mb_per_s"] = size / MB / run["seconds"]
        run["lines_per_s"] = run["lines"] / run["seconds"]
    return runs


REPEAT = {"n": 1}


def probe_in_probe(args: list[str], env: dict[str, str]) -> dict:
    """A fresh probe process per measurement, so RUSAGE_CHILDREN holds exactly one worker; with
    --repeat N the fastest of N runs (this machine's timings vary by ~15 % from run to run)."""
    runs = [_run_json([sys.executable, __file__, "--probe", *args], env) for _ in range(REPEAT["n"])]
    best = min(runs, key=lambda run: run["seconds"])
    best["runs_seconds"] = [round(run["seconds"], 3) for run in runs]
    best["peak_rss_mb"] = max(run["peak_rss_mb"] for run in runs)
    return best


def _run_json(cmd: list[str], env: dict[str, str]) -> dict:
    """Run a child (its stderr goes straight to ours, so a failure shows why) and read its JSON report."""
    out = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, text=True)
    if out.returncode != 0:
        raise SystemExit(f"benchmark child failed ({out.returncode}): {' '.join(cmd)}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def report_rows(era: str, fmt: str, size_mb: int, runs: dict[str, dict]) -> list[str]:
    base = runs["baseline"]["mb_per_s"]
    extraction = runs["extraction"]["mb_per_s"]
    rows = []
    for name, run in runs.items():
        extra = ""
        if name == "schedlog" and "schedlog-lark" in runs:
            extra = f"  fast/lark {runs['schedlog-lark']['seconds'] / run['seconds']:.1f}x"
        if name.endswith("cores"):
            one = runs[name.split("-")[0]]
            extra = f"  vs 1 core {one['seconds'] / run['seconds']:.2f}x"
        rows.append(
            f"{era:5} {fmt:5} {size_mb:5d}MB  {name:17} {run['seconds']:8.2f}s {run['mb_per_s']:8.2f} MB/s "
            f"{run['lines_per_s']:10.0f} lines/s  peak {run['peak_rss_mb']:7.1f} MB  "
            f"vs baseline {run['mb_per_s'] / base:6.3f}x  vs extraction {run['mb_per_s'] / extraction:6.3f}x{extra}"
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--work"]:
        kind, rest = argv[1], argv[2:]
        workers = {"baseline": work_baseline, "extract": work_extract, "analyze": work_analyze,
                   "stream": work_stream, "parse": work_parse}
        report = workers[kind](*rest)
        print(json.dumps(report))
        return 0
    if argv[:1] == ["--probe"]:
        print(json.dumps(probe(argv[1:], dict(os.environ))))
        return 0
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10,100", help="comma-separated sizes in MB (default 10,100)")
    ap.add_argument("--full", action="store_true", help="also 1000 MB (1 GB)")
    ap.add_argument("--eras", default=",".join(ERAS))
    ap.add_argument("--formats", default="text")
    ap.add_argument("--nodes", type=int, default=50)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--dir", default="/tmp/schedlog-bench")
    ap.add_argument("--lark-max-mb", type=int, default=100, help="skip the lark-only run above this size")
    ap.add_argument("--cores", type=int, default=os.cpu_count() or 1,
                    help="also run on this many cores (default: all; 1 to skip)")
    ap.add_argument("--repeat", type=int, default=1, help="run each measurement N times, keep the fastest")
    ap.add_argument("--json", help="also write every measurement to this JSON file")
    args = ap.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s] + ([1000] if args.full else [])
    REPEAT["n"] = max(args.repeat, 1)
    results = []
    for size in sizes:
        for era in args.eras.split(","):
            for fmt in args.formats.split(","):
                if (era, fmt) not in BASELINE:
                    continue
                path = generate(Path(args.dir), era, fmt, size, args.nodes, args.seed)
                runs = measure(path, era, fmt, with_lark=size <= args.lark_max_mb, cores=args.cores)
                for row in report_rows(era, fmt, size, runs):
                    print(row, flush=True)
                results.append(
                    {
                        "era": era,
                        "format": fmt,
                        "size_mb": size,
                        "file": str(path),
                        "bytes": path.stat().st_size,
                        "runs": runs,
                    }
                )
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
