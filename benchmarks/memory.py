"""Peak memory and time of each command that reads a whole log, on generated logs (issue 13: < 300 MB).

    python benchmarks/memory.py                          # 10 MB and 100 MB, v1.30 text, 50 nodes
    python benchmarks/memory.py --sizes 1000 --commands check
    python benchmarks/memory.py --eras 1.14,1.30 --jobs 2

Logs are generated once into --dir (default /tmp/schedlog-bench, as benchmarks/run.py does) and reused.
Each command runs as `python -m analyzer` in its own probe process, which reads the command's peak RSS
with getrusage(RUSAGE_CHILDREN): the largest single process (the command or one of its pool workers).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import MB, generate  # noqa: E402  (benchmarks/run.py, beside this file)

COMMANDS = ("check", "explain", "report", "export", "snapshot")


def command_args(command: str, log: Path, pod: str, out: Path) -> list[str]:
    """The command line of one measurement (outputs go to ``out``, stdout is discarded)."""
    return {
        "check": ["check", "-o", "json", str(log)],
        "explain": ["explain", "--pod", pod, str(log)],
        "report": ["report", str(log), "--out", str(out / "report.html"), "-q"],
        "export": ["export", str(log), "--out-dir", str(out / "export"), "-q"],
        "snapshot": ["snapshot", str(log), "--out", str(out / "snapshot.json")],
    }[command]


def first_pod(log: Path) -> str:
    """The first pod the log schedules (a v1.21+ `pod="ns/name"` or a legacy `schedule pod ns/name`)."""
    with open(log, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            if 'pod="' in line:
                return line.split('pod="', 1)[1].split('"', 1)[0]
            if "schedule pod " in line:
                return line.split("schedule pod ", 1)[1].split()[0]
    raise SystemExit(f"{log}: no pod found")


def probe(args: list[str]) -> dict:
    """Run the command in a child; its exit code, seconds and peak RSS (MB)."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "analyzer", *args], stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # KB on Linux
    return {"exit": done.returncode, "seconds": seconds, "peak_rss_mb": peak}


def measure(command: str, log: Path, pod: str, jobs: int) -> dict:
    """One command in a fresh probe process (so RUSAGE_CHILDREN holds only it)."""
    with tempfile.TemporaryDirectory(prefix="schedlog-mem-") as out:
        args = ["-j", str(jobs), *command_args(command, log, pod, Path(out))]
        report = subprocess.run([sys.executable, __file__, "--probe", json.dumps(args)], stdout=subprocess.PIPE,
                                text=True, cwd=Path(__file__).resolve().parent.parent)
    return json.loads(report.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--probe"]:
        print(json.dumps(probe(json.loads(argv[1]))))
        return 0
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10,100", help="comma-separated sizes in MB (default 10,100)")
    ap.add_argument("--eras", default="1.30")
    ap.add_argument("--nodes", type=int, default=50)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--commands", default=",".join(COMMANDS))
    ap.add_argument("--jobs", type=int, default=1, help="--jobs for each command (default 1)")
    ap.add_argument("--dir", default="/tmp/schedlog-bench")
    ap.add_argument("--json", help="also write every measurement to this JSON file")
    args = ap.parse_args(argv)
    rows = []
    print(f"{'era':5} {'size':>7} {'command':9} {'seconds':>8} {'MB/s':>6} {'peak RSS':>9}  exit")
    for size in (int(s) for s in args.sizes.split(",") if s):
        for era in args.eras.split(","):
            log = generate(Path(args.dir), era, "text", size, args.nodes, args.seed)
            pod = first_pod(log)
            for command in args.commands.split(","):
                run = measure(command, log, pod, args.jobs)
                rows.append({"era": era, "size_mb": size, "nodes": args.nodes, "command": command,
                             "jobs": args.jobs, **run})
                print(f"{era:5} {size:>4} MB {command:9} {run['seconds']:8.1f} "
                      f"{log.stat().st_size / MB / run['seconds']:6.2f} {run['peak_rss_mb']:6.0f} MB  {run['exit']}",
                      flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
