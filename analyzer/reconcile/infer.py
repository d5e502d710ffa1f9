"""Solve for the weights and the hidden constant that best explain a log's logged totals.

Legacy logs print unweighted scores, so each node with a total gives one equation
``total = Σ weight_p × score_p + hidden``; integer least squares over every node of every attempt gives
the weights (rounded), and the most common remainder is the hidden constant (100000 = NodePreferAvoidPods
in 1.4-1.16). Framework logs print weighted scores: each plugin's weight comes from raw/weighted pairs where
printed, else from which weights divide every logged value within the score range. Residuals show what
the inferred configuration does not explain (an avoided node, a hidden ImageLocality, ...).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from math import gcd
from typing import Any

import numpy as np

from ..model import AnalysisResult, Attempt, Score
from ..scoring.versions import profile_for
from .weights import EXTENDER_PREFIX


@dataclass(frozen=True)
class InferredWeight:
    """One plugin's weight as the totals imply it, next to the weight that was applied."""

    plugin: str
    weight: int | None
    method: str  # least-squares | raw/weighted ratio | divisibility | not identifiable
    applied: int | None
    candidates: tuple[int, ...] = ()

    @property
    def agrees(self) -> bool | None:
        if self.weight is None or self.applied is None:
            return None if not self.candidates or self.applied is None else self.applied in self.candidates
        return self.weight == self.applied


@dataclass(frozen=True)
class Inference:
    """The configuration that best explains the logged totals, and how well it does."""

    weights: tuple[InferredWeight, ...] = ()
    constant: int | None = None
    rows: int = 0
    residuals: tuple[tuple[int, int], ...] = ()  # (residual, number of nodes), most common first
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def exact(self) -> int:
        return dict(self.residuals).get(0, 0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows, "constant": self.constant, "exact_rows": self.exact,
            "weights": [{"plugin": w.plugin, "weight": w.weight, "method": w.method, "applied": w.applied,
                         "candidates": list(w.candidates), "agrees": w.agrees} for w in self.weights],
            "residuals": [{"residual": r, "nodes": n} for r, n in self.residuals],
            "notes": list(self.notes),
        }


def _visible(attempt: Attempt) -> list:
    return [n for n in attempt.nodes if n.total_logged is not None and any(not s.hidden for s in n.scores)]


def _feature(score: Score, scale: int) -> int | None:
    """The unweighted value a legacy total multiplies by the weight (extenders pre-scaled)."""
    if score.plugin.startswith(EXTENDER_PREFIX):
        return None if score.raw is None else score.raw * scale
    return score.normalized


def infer_weights(result: AnalysisResult) -> Inference:
    """Weights and hidden constant for a reconciled result (uses the version it was reconciled as)."""
    version = result.format.k8s_version
    if version is None:
        return Inference(notes=("version unknown: nothing to infer",))
    profile = profile_for(version)
    if profile.plugin_lines_weighted:
        return _framework(result, profile.max_score)
    return _legacy(result, profile.extender_scale)


def _legacy(result: AnalysisResult, scale: int) -> Inference:
    rows: list[dict[str, int]] = []
    totals: list[int] = []
    applied: dict[str, int | None] = {}
    for a in result.attempts:
        for n in _visible(a):
            feats = {}
            for s in n.scores:
                if s.hidden:
                    continue
                v = _feature(s, scale)
                if v is None:
                    break
                feats[s.plugin] = v
                applied.setdefault(s.plugin, 1 if s.plugin.startswith(EXTENDER_PREFIX) else s.weight)
            else:
                rows.append(feats)
                totals.append(n.total_logged)
    if not rows:
        return Inference(notes=("no node with a logged total and printed scores",))
    plugins = sorted({p for r in rows for p in r})
    x = np.array([[r.get(p, 0) for p in plugins] for r in rows], dtype=float)
    y = np.array(totals, dtype=float)
    seed_w = np.array([applied.get(p) or 1 for p in plugins], dtype=float)
    inliers = _inliers(y - x @ seed_w)
    chosen, notes = _independent_columns(x[inliers], plugins)
    weights: dict[str, int | None] = dict.fromkeys(plugins)
    if int(inliers.sum()) <= len(chosen) + 1:
        notes.append(f"too few nodes ({int(inliers.sum())}) for {len(chosen) + 1} unknowns: "
                     "the applied weights are kept")
        chosen = []
    design = np.column_stack([x[inliers][:, chosen], np.ones(int(inliers.sum()))])
    coef, *_ = np.linalg.lstsq(design, y[inliers], rcond=None)
    for i, c in zip(chosen, coef[:-1], strict=True):
        weights[plugins[i]] = max(0, int(round(c)))
        if abs(c - round(c)) > 0.25:
            notes.append(f"{plugins[i]}: best fit {c:.2f} is not close to an integer weight")
    fitted_w = np.array([weights[p] if weights[p] is not None else (applied.get(p) or 0) for p in plugins])
    rest = np.rint(y - x @ fitted_w).astype(int)
    constant = int(Counter(rest[inliers].tolist()).most_common(1)[0][0])
    residuals = Counter((rest - constant).tolist())
    out = tuple(InferredWeight(p, weights[p], "least-squares" if weights[p] is not None else "not identifiable",
                               applied.get(p)) for p in plugins)
    return Inference(out, constant, len(rows), tuple(residuals.most_common()), tuple(notes))


def _inliers(remainder: np.ndarray) -> np.ndarray:
    """Rows whose remainder under the applied weights is near the most common one (drops avoided nodes)."""
    mode = Counter(np.rint(remainder).astype(int).tolist()).most_common(1)[0][0]
    return np.abs(remainder - mode) <= max(10.0, 0.001 * abs(mode))


def _independent_columns(x: np.ndarray, plugins: list[str]) -> tuple[list[int], list[str]]:
    """Columns that vary and are not linear combinations of earlier ones (others are not identifiable)."""
    chosen: list[int] = []
    notes: list[str] = []
    base = np.ones((x.shape[0], 1))
    for i, p in enumerate(plugins):
        col = x[:, i:i + 1]
        if np.ptp(col) == 0:
            notes.append(f"{p}: {int(col[0, 0])} on every node, folded into the constant")
            continue
        trial = np.hstack([base, x[:, chosen], col])
        if np.linalg.matrix_rank(trial) < trial.shape[1]:
            notes.append(f"{p}: moves together with other scores, its weight cannot be separated")
            continue
        chosen.append(i)
    return chosen, notes


def _framework(result: AnalysisResult, max_score: int) -> Inference:
    values: dict[str, list[int]] = {}
    ratios: dict[str, set[int]] = {}
    applied: dict[str, int | None] = {}
    remainders: list[int] = []
    rows = 0
    for a in result.attempts:
        for n in a.nodes:
            shown = [s for s in n.scores if not s.hidden]
            for s in shown:
                if s.weighted is None:
                    continue
                values.setdefault(s.plugin, []).append(s.weighted)
                applied.setdefault(s.plugin, s.weight)
                if s.raw:
                    ratios.setdefault(s.plugin, set()).add(s.weighted // s.raw if s.weighted % s.raw == 0 else -1)
            if n.total_logged is not None and shown and all(s.weighted is not None for s in shown):
                rows += 1
                remainders.append(n.total_logged - sum(s.weighted for s in shown))
    out = []
    for p, vals in sorted(values.items()):
        if p in ratios and len(ratios[p]) == 1 and -1 not in ratios[p]:
            out.append(InferredWeight(p, next(iter(ratios[p])), "raw/weighted ratio", applied.get(p)))
            continue
        cands = _divisor_candidates(vals, max_score)
        w = cands[0] if len(cands) == 1 else None
        out.append(InferredWeight(p, w, "divisibility", applied.get(p), tuple(cands)))
    if not remainders:
        return Inference(tuple(out), None, 0, (), ("no node with a logged total",))
    constant = Counter(remainders).most_common(1)[0][0]
    residuals = Counter(r - constant for r in remainders)
    return Inference(tuple(out), constant, rows, tuple(residuals.most_common()))


def _divisor_candidates(values: list[int], max_score: int, limit: int = 100) -> list[int]:
    """Weights w that divide every value with value / w within 0..max_score (all of 1..limit when all 0)."""
    g = 0
    for v in values:
        g = gcd(g, abs(v))
    top = max(values)
    if g == 0:
        return []
    return [w for w in range(1, min(g, limit * max_score) + 1) if g % w == 0 and top // w <= max_score][:limit]
