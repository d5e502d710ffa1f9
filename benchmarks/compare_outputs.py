"""Check that two checkouts of schedlog print byte-identical JSON for the same logs.

    python benchmarks/compare_outputs.py --base /tmp/base-checkout            # corpus, excerpts, generated logs
    python benchmarks/compare_outputs.py --base /tmp/base --no-generated FILE...

A speed change must not change a single byte of output. This script runs ``attempts -o json`` and
``check -o json`` (with ``--jobs 1``, and ``--jobs 2`` for the generated logs, whose parts are read
and reconciled by worker processes) on every log in both checkouts and compares the outputs and exit
codes. Each checkout runs in its own process with its own ``analyzer`` package on ``PYTHONPATH``; the
logs are every lab and public log (``../shared/corpus``), every public excerpt (``tests/data/public``) and
generated logs of every era and format at 50 and 1,000 nodes (written once to ``--gen-dir``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
COMMANDS = ("attempts", "check")
# (era, format, nodes, bytes): every era in text, the JSON-logging eras in JSON, 50 and 1,000 nodes
GENERATED = [(era, fmt, nodes, size) for era in ("1.14", "1.19", "1.21", "1.30") for fmt in ("text", "json")
             for nodes, size in ((50, 3_000_000), (1000, 6_000_000)) if not (era == "1.14" and fmt == "json")]


def corpus_logs(corpus: Path) -> list[str]:
    """Every lab log and public log in ``corpus`` (../shared/corpus), and every excerpt in tests/data/public."""
    if not corpus.is_dir():
        raise SystemExit(f"{corpus}: no such directory (give --corpus)")
    lab = sorted(str(p) for p in (corpus / "lab").rglob("*.log"))
    public = sorted(str(p) for p in (corpus / "public").glob("*.log"))
    excerpts = sorted(str(p) for p in (HERE / "tests" / "data" / "public").iterdir()
                      if p.suffix in (".log", ".txt") and not p.name.startswith("SOURCES"))
    return lab + public + excerpts


def generated_logs(directory: Path) -> list[str]:
    """Generated logs of every era and format (made with this checkout's synth once, then reused)."""
    directory.mkdir(parents=True, exist_ok=True)
    out = []
    for era, fmt, nodes, size in GENERATED:
        path = directory / f"{era}-{fmt}-{nodes}n.log"
        if not path.exists():
            subprocess.run([sys.executable, "-m", "analyzer.synth", "--era", era, "--format", fmt, "--nodes",
                            str(nodes), "--pods", "1000000000", "--max-bytes", str(size), "-o", str(path)],
                           cwd=HERE, check=True)
        out.append(str(path))
    return out


def dump(runs: list[tuple[str, str, int]], out_dir: Path) -> None:
    """Run each (command, log, jobs) with the ``analyzer`` on sys.path; write stdout and exit code."""
    from typer.testing import CliRunner

    from analyzer.cli import app

    runner = CliRunner()
    out_dir.mkdir(parents=True, exist_ok=True)
    for i, (command, path, jobs) in enumerate(runs):
        result = runner.invoke(app, ["--jobs", str(jobs), command, path, "-o", "json"])
        (out_dir / f"{i}.out").write_text(f"exit {result.exit_code}\n{result.stdout}\n-- stderr --\n{result.stderr}")


def run_checkout(root: Path, runs: list[tuple[str, str, int]], out_dir: Path, reuse: bool = False) -> None:
    """Dump every run's output with the checkout at ``root`` (its own process and import path).

    ``reuse``: keep the outputs already in ``out_dir`` when they were made for the same runs (the base
    checkout does not change between two comparisons)."""
    spec = out_dir / "runs.json"
    text = json.dumps(runs)
    if reuse and spec.exists() and spec.read_text() == text and (out_dir / f"{len(runs) - 1}.out").exists():
        return
    out_dir.mkdir(parents=True, exist_ok=True)
    spec.write_text(text)
    env = {**os.environ, "PYTHONPATH": str(root)}
    subprocess.run([sys.executable, str(Path(__file__).resolve()), "--dump", str(spec)], cwd=root, env=env,
                   check=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--base", help="the other checkout (e.g. a git worktree of main)")
    ap.add_argument("--corpus", default=str(HERE.parent / "shared" / "corpus"), help="the shared corpus")
    ap.add_argument("--gen-dir", default="/tmp/schedlog-compare/logs", help="where generated logs are kept")
    ap.add_argument("--out-dir", default="/tmp/schedlog-compare/out", help="where both outputs are written")
    ap.add_argument("--reuse-base", action="store_true", help="keep the base outputs of an earlier run")
    ap.add_argument("--no-generated", action="store_true", help="only the corpus logs (and FILEs)")
    ap.add_argument("--dump", help=argparse.SUPPRESS)  # internal: run the list in this process
    ap.add_argument("files", nargs="*", help="more logs to compare")
    args = ap.parse_args()
    if args.dump:
        spec = Path(args.dump)
        dump([tuple(r) for r in json.loads(spec.read_text())], spec.parent)
        return 0
    if not args.base:
        ap.error("--base is required")
    logs = corpus_logs(Path(args.corpus)) + list(args.files)
    generated = [] if args.no_generated else generated_logs(Path(args.gen_dir))
    runs = [(c, p, 1) for p in logs + generated for c in COMMANDS] + [(c, p, 2) for p in generated for c in COMMANDS]
    out = Path(args.out_dir)
    run_checkout(Path(args.base).resolve(), runs, out / "base", args.reuse_base)
    run_checkout(HERE, runs, out / "this")
    differ = []
    for i, (command, path, jobs) in enumerate(runs):
        one, other = (out / side / f"{i}.out" for side in ("base", "this"))
        if one.read_bytes() != other.read_bytes():
            differ.append(f"{command} --jobs {jobs} {path}")
    digest = hashlib.sha256(b"".join((out / "this" / f"{i}.out").read_bytes() for i in range(len(runs))))
    print(f"{len(logs) + len(generated)} logs ({len(logs)} corpus, {len(generated)} generated), {len(runs)} "
          f"outputs compared, {len(runs) - len(differ)} identical; sha256 of all {digest.hexdigest()[:16]}")
    for line in differ:
        print(f"DIFFERS: {line}")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
