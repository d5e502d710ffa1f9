"""How a log's analysis splits between parsing and what comes after it (reconstruct, reconcile).

    python benchmarks/postparse.py LOG...                   # parse once, then assemble and reconcile
    python benchmarks/postparse.py --whole LOG...           # also the whole analyze_reconciled, jobs=1
    PYTHONPATH=/tmp/other-checkout python benchmarks/postparse.py LOG   # the same for another checkout

The events are collected into a list once (that is the parse time). Then the assembler rebuilds the
attempts from that list and every attempt is reconciled under a fresh scoring context, ``--reps``
times; the best run counts. Times are CPU seconds of this process (``time.process_time``), which other
work on a shared machine disturbs less than wall time.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

# Measure this checkout's analyzer, not a copy installed in site-packages (sys.path starts at benchmarks/);
# PYTHONPATH, when set, picks the checkout to measure instead.
if not os.environ.get("PYTHONPATH"):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analyzer.engine import analyze_reconciled
from analyzer.gctuning import fewer_collections
from analyzer.parse.lines import FormatFeatures
from analyzer.pipeline import LineTally, PartialResult, combine, in_start_order, iter_events
from analyzer.reconcile import plan, reconcile_attempt
from analyzer.reconstruct.assembler import Assembler, assemble


def measure(path: str, reps: int) -> dict[str, float]:
    """CPU seconds: parse (once), assemble and reconcile (best of ``reps``)."""
    clock = time.process_time
    with fewer_collections():
        start = clock()
        part = PartialResult(0, path, LineTally(), FormatFeatures(), [], [])
        events = list(iter_events([path], part.tally, part.features))
        out = {"events": len(events), "parse": clock() - start, "assemble": float("inf"), "reconcile": float("inf")}
        for _ in range(reps):
            start = clock()
            assembler = Assembler()
            part.config_events = assembler.config_events
            part.attempts = list(in_start_order(assemble(events, assembler), assembler))
            out["assemble"] = min(out["assemble"], clock() - start)
            context = plan(combine([part])).context  # a new context: nothing remembered from the last run
            start = clock()
            if context is not None:
                for _, attempt in part.attempts:
                    reconcile_attempt(attempt, context)
            out["reconcile"] = min(out["reconcile"], clock() - start)
        out["attempts"] = len(part.attempts)
    return out


def whole(path: str, reps: int) -> float:
    """CPU seconds of the whole ``analyze_reconciled([path], jobs=1)``, best of ``reps``."""
    best = float("inf")
    for _ in range(reps):
        start = time.process_time()
        analyze_reconciled([path], jobs=1)
        best = min(best, time.process_time() - start)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("logs", nargs="+")
    ap.add_argument("--reps", type=int, default=3, help="runs of each stage; the best counts (default 3)")
    ap.add_argument("--whole", action="store_true", help="also time the whole analyze_reconciled")
    args = ap.parse_args()
    for path in args.logs:
        m = measure(path, args.reps)
        post = m["assemble"] + m["reconcile"]
        line = (f"{path}: {m['events']} events, {m['attempts']} attempts; parse {m['parse']:.2f} s, assemble "
                f"{m['assemble']:.3f} s, reconcile {m['reconcile']:.3f} s, post-parse {post:.3f} s "
                f"({post / m['events'] * 1e6:.1f} us/event)")
        if args.whole:
            line += f"; analyze_reconciled {whole(path, args.reps):.2f} s"
        print(line, flush=True)


if __name__ == "__main__":
    main()
