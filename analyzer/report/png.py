"""PNG files of the report's charts: one per attempt plus the cross-attempt heat map and decider chart.

File names are predictable and safe on every filesystem: ``<ns>_<name>-attempt<N>.png`` with any
character outside ``[A-Za-z0-9._-]`` replaced by ``_`` (``-2`` added if two pods then collide);
bytes are identical across runs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path

from ..model import AnalysisResult, Attempt
from . import charts

UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
HEATMAP, DECIDERS = "heatmap.png", "deciders.png"


def attempt_filename(attempt: Attempt) -> str:
    """``ns_name-attemptN.png``, sanitized (the pod name comes from the log and may hold anything)."""
    stem = UNSAFE.sub("_", attempt.pod.replace("/", "_")).strip("._") or "pod"
    return f"{stem[:150]}-attempt{attempt.attempt}.png"


def unique_names(attempts: Sequence[Attempt]) -> list[str]:
    """File names for the attempts; a name that sanitizing made collide gets ``-2``, ``-3``... before .png."""
    seen: dict[str, int] = {}
    names = []
    for attempt in attempts:
        name = attempt_filename(attempt)
        seen[name] = seen.get(name, 0) + 1
        names.append(name if seen[name] == 1 else name.replace(".png", f"-{seen[name]}.png"))
    return names


def select(result: AnalysisResult, pod: str | None) -> list[Attempt]:
    """The attempts to draw: all of them, or one pod's ('ns/name' or bare name)."""
    if pod is None:
        return list(result.attempts)
    from ..pipeline import attempts_for

    return attempts_for(result, pod)


def write_pngs(result: AnalysisResult, directory: Path, pod: str | None = None,
               progress: Callable[[int, int], None] | None = None) -> list[Path]:
    """Write every chart as a PNG file into ``directory`` (created if needed); returns the paths written.

    ``progress(done, total)`` is called after each attempt's chart.
    """
    directory.mkdir(parents=True, exist_ok=True)
    attempts = select(result, pod)
    colors = charts.colors_for(result.attempts)
    written = []
    for name, a in zip(unique_names(attempts), attempts, strict=True):
        written.append(_write(directory / name, charts.attempt_figure(a, colors)))
        if progress is not None:
            progress(len(written), len(attempts))
    return written + [_write(directory / name, fig) for name, fig in _summary_figures(attempts) if fig]


def _summary_figures(attempts: Sequence[Attempt]) -> list[tuple[str, object]]:
    return [(HEATMAP, charts.heatmap_figure(attempts)), (DECIDERS, charts.deciders_figure(attempts))]


def _write(path: Path, fig) -> Path:
    path.write_bytes(charts.render_png(fig))
    return path
