"""Soak `schedlog follow`: a long generated log streamed through a pipe, the follower's memory sampled as it goes.

    python benchmarks/follow_soak.py              # 50 MB, 1.30 era, 200 nodes
    python benchmarks/follow_soak.py --mb 100 --nodes 1000 --era 1.21

`python -m analyzer.synth` writes the log to its stdout; this script passes it on, in 1 MB writes, to the
stdin of `python -m analyzer follow - -o json` (nothing is written to disk), and reads the follower's JSON
lines in a thread. At every 10% of the input it samples the follower's resident memory (VmRSS in
/proc/PID/status, Linux only). A pipe holds only ~64 KB, so the writes wait while the follower is behind:
lines/s is the rate the follower kept up with, not the generator's. Flat memory: the last sample near the
first one, not growing with the input.

Measured here (2 shared cores, other agents' work running; 2026-12-03), follower RSS sampled at 10% steps:
- 50 MB, 1.30, 200 nodes (the default): 229,548 lines in 13.6 s, 16,800 lines/s; 163 attempts;
  RSS 62.8 MB first, 65.3 MB peak, 64.5 MB last (flat).
- 100 MB, 1.21, 1,000 nodes: 551,357 lines in 31.0 s, 17,800 lines/s; 50 attempts; RSS 72.0 -> 72.7 MB.
- 50 MB, 1.30, 20 nodes (many attempts): 232,482 lines in 16.3 s, 14,300 lines/s; 1,651 attempts;
  RSS 62.6 -> 65.6 MB: about 2 KB per pod, the per-pod state kept for attempt numbering and late events
  (grows with the number of distinct pods, not with the log's size).
Not run above 100 MB on this small machine.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CHUNK = 1 << 20


def rss_mb(pid: int) -> float:
    """The process's resident memory now, in MB (0 when /proc cannot tell)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def soak(mb: int, era: str, nodes: int, seed: int) -> dict:
    """Stream about ``mb`` MB of generated log through a follower; the rate and the memory samples."""
    size = mb * 1_000_000
    synth = subprocess.Popen([sys.executable, "-m", "analyzer.synth", "--era", era, "--nodes", str(nodes),
                              "--pods", "10000000", "--seed", str(seed), "--max-bytes", str(size)],
                             stdout=subprocess.PIPE, cwd=REPO)
    follow = subprocess.Popen([sys.executable, "-m", "analyzer", "follow", "-", "-o", "json"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO)
    shown = [0]

    def count() -> None:
        for _ in follow.stdout:
            shown[0] += 1

    reader = threading.Thread(target=count, daemon=True)
    reader.start()
    samples: list[tuple[int, int, float]] = []  # (percent of input, attempts shown, RSS MB)
    sent = lines = 0
    next_sample = size // 10
    start = time.monotonic()
    while chunk := synth.stdout.read(CHUNK):
        follow.stdin.write(chunk)
        sent += len(chunk)
        lines += chunk.count(b"\n")
        if sent >= next_sample:
            samples.append((min(100, round(100 * sent / size)), shown[0], rss_mb(follow.pid)))
            next_sample += size // 10
    follow.stdin.close()
    follow.wait(timeout=600)
    elapsed = time.monotonic() - start
    reader.join(timeout=60)
    synth.wait(timeout=60)
    summary = follow.stderr.read().decode().strip()
    return {"mb": sent / 1e6, "lines": lines, "seconds": elapsed, "lines_per_s": lines / elapsed,
            "samples": samples, "attempts_shown": shown[0], "summary": summary, "exit": follow.returncode}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=int, default=50, help="about this many MB of log (default 50)")
    ap.add_argument("--era", default="1.30", choices=("1.14", "1.19", "1.21", "1.30"))
    ap.add_argument("--nodes", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    result = soak(args.mb, args.era, args.nodes, args.seed)
    print(f"{result['mb']:.1f} MB, {result['lines']} lines in {result['seconds']:.1f} s: "
          f"{result['lines_per_s']:.0f} lines/s kept up with ({args.era}, {args.nodes} nodes)")
    print("input  attempts shown  follower RSS")
    for percent, shown, rss in result["samples"]:
        print(f"{percent:4d}%  {shown:14d}  {rss:8.1f} MB")
    rss = [r for _, _, r in result["samples"] if r]
    if rss:
        print(f"RSS first {rss[0]:.1f} MB, peak {max(rss):.1f} MB, last {rss[-1]:.1f} MB")
    print(result["summary"])
    return 0 if result["exit"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
