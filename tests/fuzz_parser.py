"""Long-running fuzz of the whole pipeline over damaged real logs (not collected by pytest).

    python tests/fuzz_parser.py                   # every lab log and facts excerpt, 2000 examples each
    python tests/fuzz_parser.py --examples 20000 --seed 7 \
        --log ../shared/corpus/lab/v1.14.1/a-tutorial-3nodes/scheduler.log

The same properties as tests/test_robust_properties.py, with random (not derandomized) search and as
many examples as asked; each damaged log is also put behind a random prefix style (journald, grep,
stern, quotes, indentation: strategies.PREFIX_STYLES) or none. Exit code 0 when every property held,
1 with the falsifying example otherwise, 2 when the shared corpus is missing.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's analyzer, not an installed one

from conftest import LAB  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import seed as hypothesis_seed  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from strategies import fact_logs, fact_of, prefixed_damaged_logs, read_lines  # noqa: E402
from test_robust_properties import check_invariants  # noqa: E402

from analyzer import analyze_paths  # noqa: E402


def failure_path(log: Path) -> Path:
    """Where the smallest failing input for one log is kept (one file per log and process)."""
    return Path(tempfile.gettempdir()) / f"schedlog-fuzz-{log.stem}-{os.getpid()}.log"


FACTS = Path(__file__).resolve().parent / "data" / "public"


def lab_logs() -> list[Path]:
    """The lab runs, and the public excerpts of the facts lines (events, error paths, preemption, panics)."""
    return sorted(LAB.glob("*/*.log")) + sorted(LAB.glob("v1.14.1/*/scheduler.log")) + \
        sorted(FACTS.glob("facts-*.log"))


def fuzz(log: Path, examples: int, workdir: Path, seed: int | None = None) -> None:
    """Run the damage properties on one log; raises with hypothesis' falsifying example on failure."""
    clean = analyze_paths([str(log)])
    lines = read_lines(log)
    out = workdir / "damaged.log"
    failure = failure_path(log)

    @settings(max_examples=examples, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def damaged(data) -> None:
        d = data.draw(prefixed_damaged_logs(lines))
        out.write_bytes(d.data)
        try:
            check_invariants(clean, out, d.untouched)
        except Exception:
            failure.write_bytes(d.data)  # the last (shrunk) failure stays for a look
            raise

    if seed is not None:
        damaged = hypothesis_seed(seed)(damaged)
    damaged()


def fuzz_facts(examples: int, workdir: Path, seed: int | None = None) -> None:
    """Generated logs in issue 12's line shapes give exactly the facts they state."""
    out = workdir / "facts.log"

    @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(log=fact_logs())
    def stated(log) -> None:
        out.write_bytes(log.data)
        result = analyze_paths([str(out)])
        got: dict[str, list] = {}
        for attempt in result.attempts:
            got.setdefault(attempt.pod, []).append(fact_of(attempt))
        assert result.lines.unrecognized == 0 and got == log.expected, (got, log.expected)

    if seed is not None:
        stated = hypothesis_seed(seed)(stated)
    stated()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=2000, help="examples per log (default 2000)")
    parser.add_argument("--seed", type=int, help="a fixed random seed, to repeat a run")
    parser.add_argument("--log", action="append", type=Path, help="a log to damage (default: every lab log)")
    args = parser.parse_args(argv)
    logs = args.log or lab_logs()
    if not logs:
        print(f"fuzz_parser: no logs (is the shared corpus at {LAB}?)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="schedlog-fuzz-") as tmp:
        if not args.log:
            try:
                fuzz_facts(args.examples, Path(tmp), args.seed)
            except Exception as exc:
                print(f"FAIL generated fact lines: {exc.__class__.__name__}: {exc}", file=sys.stderr)
                return 1
            print(f"ok   generated fact lines ({args.examples} examples)")
        for log in logs:
            start = time.monotonic()
            try:
                fuzz(log, args.examples, Path(tmp), args.seed)
            except Exception as exc:  # hypothesis has printed the falsifying example
                first = str(exc).splitlines()[0] if str(exc) else ""
                print(f"FAIL {log}: {exc.__class__.__name__}: {first} (input: {failure_path(log)})",
                      file=sys.stderr)
                return 1
            print(f"ok   {log} ({args.examples} examples, {time.monotonic() - start:.0f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
