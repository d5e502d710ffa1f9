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
from ..run.picks import is_pod
from . import charts
from .across import Across
from .explain import explain_attempt

Progress = Callable[[int, int], None]  # (files written, files to write)

UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
HEATMAP, DECIDERS = "heatmap.png", "deciders.png"


def attempt_filename(attempt: Attempt) -> str:
    """``ns_name-attemptN.png``, sanitized (the pod name comes from the log and may hold anything)."""
    stem = UNSAFE.sub("_", attempt.pod.replace("/", "_")).strip("._") or "pod"
    return f"{stem[:150]}-attempt{attempt.attempt}.png"


class UniqueNames:
    """Names the attempts' files one by one: a name that sanitizing made collide gets ``-2``, ``-3``... before .png
    (it keeps every name given, a few dozen bytes an attempt)."""

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}

    def next(self, attempt: Attempt) -> str:
        name = attempt_filename(attempt)
        seen = self._seen[name] = self._seen.get(name, 0) + 1
        return name if seen == 1 else name.replace(".png", f"-{seen}.png")


def unique_names(attempts: Sequence[Attempt]) -> list[str]:
    """File names for the attempts; a name that sanitizing made collide gets ``-2``, ``-3``... before .png."""
    names = UniqueNames()
    return [names.next(attempt) for attempt in attempts]


def select(result: AnalysisResult, pod: str | None) -> list[Attempt]:
    """The attempts to draw: all of them, or one pod's ('ns/name' or bare name)."""
    if pod is None:
        return list(result.attempts)
    from ..pipeline import attempts_for

    return attempts_for(result, pod)


def make_directory(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


class PngFiles:
    """A consumer of the attempt stream that writes each chosen attempt's chart as it comes (all attempts, or
    ``pod``'s), so no attempt is held; ``finish`` adds the heat map and the decider chart.

    Plugin colours are those of every attempt of the log (``charts.colors_for``). Given ``colors``, they are
    final; else they are those of the plugins seen so far, and ``stale()`` says which files were drawn with a
    colour that changed since (a plugin first seen later sorts before theirs), to draw again with ``only``.
    ``directory`` is made (by ``prepare``) at the first file written, or by ``finish``.
    """

    def __init__(self, directory: Path, pod: str | None = None, colors: dict[str, str] | None = None,
                 only: set[int] | None = None, prepare: Callable[[Path], Path] = make_directory,
                 progress: Progress | None = None, total: int = 0) -> None:
        self.directory, self.pod, self.only, self.prepare = directory, pod, only, prepare
        self.colors = colors if colors is not None else {}
        self._plugins: set[str] | None = None if colors is not None else set()
        self.progress, self.total = progress, total
        self.count = 0  # attempts chosen so far (their files' numbers)
        self.written = 0
        self._names = UniqueNames()
        self._drawn: list[tuple[tuple[str, str], ...]] = []  # per file: the (plugin, colour) it was drawn with
        self._palettes: dict[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]] = {}  # one copy of each
        self._ready = False

    def add(self, attempt: Attempt) -> None:
        plugins = {s.plugin for n in attempt.nodes for s in n.scores} if self._plugins is not None else set()
        if self._plugins is not None and not plugins <= self._plugins:
            self._plugins |= plugins
            self.colors = charts.plugin_colors(self._plugins)
        if self.pod is not None and not is_pod(attempt, self.pod):
            return
        name, number = self._names.next(attempt), self.count
        self.count += 1
        if self.only is not None and number not in self.only:
            return
        self._write(name, charts.attempt_figure(attempt, self.colors))
        if self._plugins is not None:
            palette = tuple((p, self.colors[p]) for p in sorted(plugins))
            self._drawn.append(self._palettes.setdefault(palette, palette))
        if self.progress is not None:
            self.progress(self.written, self.total)

    def stale(self) -> set[int]:
        """The files drawn with a plugin colour that has changed since (by their number)."""
        changed = {palette for palette in self._palettes if any(self.colors.get(p) != c for p, c in palette)}
        return {number for number, palette in enumerate(self._drawn) if palette in changed}

    def finish(self, across: Across) -> list[Path]:
        """Write the heat map and the decider chart of the attempts shown (``across``); returns their paths."""
        figures = ((HEATMAP, charts.heatmap_chart([row for _, row in across.heat])),
                   (DECIDERS, charts.deciders_chart(across.deciders, charts.plugin_colors(across.plugins))))
        written = [self._write(name, fig) for name, fig in figures if fig]
        self._directory()
        return written

    def _directory(self) -> Path:
        if not self._ready:
            self.directory, self._ready = self.prepare(self.directory), True
        return self.directory

    def _write(self, name: str, fig) -> Path:
        path = self._directory() / name
        path.write_bytes(charts.render_png(fig))
        self.written += 1
        return path


def write_pngs(result: AnalysisResult, directory: Path, pod: str | None = None,
               progress: Callable[[int, int], None] | None = None) -> list[Path]:
    """Write every chart as a PNG file into ``directory`` (created if needed); returns the paths written.

    ``progress(done, total)`` is called after each attempt's chart.
    """
    directory.mkdir(parents=True, exist_ok=True)
    attempts = select(result, pod)
    files = PngFiles(directory, pod, colors=charts.colors_for(result.attempts), progress=progress,
                     total=len(attempts))
    across = Across()
    for seq, attempt in enumerate(result.attempts):
        files.add(attempt)
        if pod is None or is_pod(attempt, pod):
            across.add(seq, attempt, explain_attempt(attempt))
    return [directory / name for name in unique_names(attempts)] + files.finish(across)
