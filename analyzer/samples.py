"""The saved lab runs in samples/lab and their expected snapshots: copy, regenerate, check.

    python -m analyzer.samples copy [--from ../shared/corpus/lab]   # refresh the copies of the lab runs
    python -m analyzer.samples regenerate                           # rewrite every expected.json
    python -m analyzer.samples check                                # exit 1 if any expected.json is stale

expected.json files are generated here and reviewed in the diff, never edited by hand.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from .analysis import analyze
from .regress.snapshot import snapshot, snapshot_text

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples" / "lab"
SHARED_LAB = Path(os.environ.get("SCHEDLOG_SHARED", REPO.parent / "shared")) / "corpus" / "lab"
EXPECTED = "expected.json"
# What is copied from a lab run: the log, what really happened, and the inputs.
COPIED = ("*.log", "facts.json", "*.yaml", "README.md")


@dataclass(frozen=True)
class Sample:
    """One saved run: its directory, its log and its expected snapshot."""

    name: str  # the directory relative to the samples root, e.g. v1.14.1/a-tutorial-3nodes
    directory: Path
    log: Path

    @property
    def legacy(self) -> bool:
        return self.log.name == "scheduler.log"

    @property
    def expected(self) -> Path:
        return self.directory / EXPECTED

    @property
    def facts(self) -> Path:
        return self.directory / "facts.json"

    def render(self) -> str:
        """The expected.json text this sample's log gives today."""
        return snapshot_text(snapshot(analyze(self.log).result))


def samples(root: Path = SAMPLES) -> list[Sample]:
    """Every directory under root holding exactly one log, sorted by path."""
    found = []
    for directory in sorted({p.parent for p in root.rglob("*.log")}):
        logs = sorted(directory.glob("*.log"))
        if len(logs) == 1:
            found.append(Sample(directory.relative_to(root).as_posix(), directory, logs[0]))
    return found


def copy_runs(source: Path, root: Path = SAMPLES) -> list[Path]:
    """Copy every lab run (byte for byte) from source into root; returns the files written."""
    written = []
    for directory in sorted({p.parent for p in source.rglob("*.log")} | {source, source / "v1.14.1"}):
        if not directory.is_dir():
            continue
        target = root / directory.relative_to(source)
        for pattern in COPIED:
            for path in sorted(directory.glob(pattern)):
                target.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target / path.name)
                written.append(target / path.name)
    return written


def stale(root: Path = SAMPLES) -> list[Sample]:
    """Samples whose expected.json is missing or differs from what their log gives now."""
    return [s for s in samples(root)
            if not s.expected.is_file() or s.expected.read_bytes() != s.render().encode("utf-8")]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m analyzer.samples", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["copy", "regenerate", "check"])
    parser.add_argument("--root", type=Path, default=SAMPLES, help="samples directory (default: samples/lab)")
    parser.add_argument("--from", dest="source", type=Path, default=SHARED_LAB, help="lab corpus to copy")
    args = parser.parse_args(argv)
    if args.command == "copy":
        if not args.source.is_dir():
            print(f"samples: {args.source}: no such directory", file=sys.stderr)
            return 2
        print(f"copied {len(copy_runs(args.source, args.root))} files into {args.root}")
        return 0
    found = samples(args.root)
    if not found:
        print(f"samples: no sample logs under {args.root}", file=sys.stderr)
        return 2
    if args.command == "regenerate":
        for sample in found:
            sample.expected.write_text(sample.render(), encoding="utf-8")
        print(f"wrote {len(found)} {EXPECTED} files under {args.root}")
        return 0
    bad = stale(args.root)
    for sample in bad:
        print(f"stale: {sample.expected} (run: python -m analyzer.samples regenerate, then review the diff)")
    print(f"{len(found) - len(bad)} of {len(found)} samples up to date")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
