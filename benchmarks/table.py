"""Print the README's benchmark table (markdown) from the JSON files ``benchmarks/run.py --json`` wrote.

    python benchmarks/table.py /tmp/bench-text.json /tmp/bench-json.json /tmp/bench-1g.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

COLUMNS = ("era/format", "size", "extraction MB/s", "schedlog MB/s (1 core)", "vs extraction",
           "2 cores: held / streamed", "peak RSS held / streamed (1 core, 2 cores)")


def rows(measurements: list[dict]) -> list[str]:
    out = []
    for m in measurements:
        runs = m["runs"]
        cores = next((name.split("-")[1] for name in runs if name.startswith("schedlog-") and name.endswith("cores")),
                     None)
        one, stream, extraction = runs["schedlog"], runs["stream"], runs["extraction"]
        speedup = "–"
        rss = f"{one['peak_rss_mb']:.0f} / {stream['peak_rss_mb']:.0f} MB"
        if cores:
            held, streamed = runs[f"schedlog-{cores}"], runs[f"stream-{cores}"]
            speedup = f"{one['seconds'] / held['seconds']:.2f}× / {stream['seconds'] / streamed['seconds']:.2f}×"
            rss = (f"{one['peak_rss_mb']:.0f} / {stream['peak_rss_mb']:.0f} MB, "
                   f"{held['peak_rss_mb']:.0f} / {streamed['peak_rss_mb']:.0f} MB")
        out.append(f"| {m['era']} {m['format']} | {m['size_mb']} MB | {extraction['mb_per_s']:.0f} | "
                   f"{one['mb_per_s']:.1f} | {one['mb_per_s'] / extraction['mb_per_s']:.3f} | {speedup} | {rss} |")
    return out


def load(path: str) -> list[dict]:
    """The measurements of one ``run.py --json`` file; a missing or unreadable file exits 2 with one line."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        problem = exc.strerror or str(exc)
    except ValueError as exc:
        problem = f"not JSON ({exc})"
    print(f"table.py: {path}: {problem}", file=sys.stderr)
    raise SystemExit(2)


def main(paths: list[str]) -> int:
    if not paths:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    measurements = [m for path in paths for m in load(path)]
    print("| " + " | ".join(COLUMNS) + " |")
    print("|" + "---|" * len(COLUMNS))
    for row in rows(measurements):
        print(row)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
