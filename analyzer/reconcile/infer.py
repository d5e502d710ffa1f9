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

from ..model import Attempt, Score
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


class WeightEvidence:
    """What inferring the weights needs from the attempts, as running sums (``add`` one attempt at a time,
    then ``solve``): each distinct legacy equation with how often it occurs, or per framework plugin the
    gcd and the largest of its weighted scores; memory grows with distinct values, not with the log."""

    def __init__(self, version: str | None) -> None:
        self.version = version
        profile = profile_for(version) if version is not None else None
        self.weighted = profile is not None and profile.plugin_lines_weighted
        self.max_score = profile.max_score if profile is not None else 0
        self.scale = profile.extender_scale if profile is not None else 1
        self.applied: dict[str, int | None] = {}
        self.equations: Counter = Counter()  # legacy: ((plugin, feature), ...), total) -> nodes, first seen first
        self.divisors: dict[str, list[int]] = {}  # framework: plugin -> [gcd, largest] of its weighted scores
        self.ratios: dict[str, set[int]] = {}
        self.remainders: Counter = Counter()  # framework: logged total - weighted sum -> nodes
        self.rows = 0

    def add(self, attempt: Attempt) -> None:
        if self.version is None:
            return
        if self.weighted:
            self._add_framework(attempt)
        else:
            self._add_legacy(attempt)

    def solve(self) -> Inference:
        if self.version is None:
            return Inference(notes=("version unknown: nothing to infer",))
        if self.weighted:
            return _framework(self)
        return _legacy(self)

    def _add_legacy(self, attempt: Attempt) -> None:
        seen: dict[int, tuple | None] = {}  # id of a scores tuple -> its features, for this attempt's nodes only
        for n in _visible(attempt):
            key = id(n.scores)  # the attempt holds its nodes' tuples while this runs: no id is reused
            feats = seen[key] if key in seen else seen.setdefault(key, self._legacy_features(n.scores))
            if feats is not None:
                self.equations[(feats, n.total_logged)] += 1

    def _legacy_features(self, scores: tuple[Score, ...]) -> tuple | None:
        """(plugin, feature) of a node's printed scores (noting each plugin's applied weight); None when one is
        unknown."""
        applied = self.applied
        feats = {}
        for s in scores:
            if s.hidden:
                continue
            v = _feature(s, self.scale)
            if v is None:
                return None
            feats[s.plugin] = v
            applied.setdefault(s.plugin, 1 if s.plugin.startswith(EXTENDER_PREFIX) else s.weight)
        return tuple(feats.items())

    def _add_framework(self, attempt: Attempt) -> None:
        seen: dict[int, int | None] = {}  # id of a scores tuple -> its weighted sum, for this attempt's nodes only
        for n in attempt.nodes:
            key = id(n.scores)  # nodes often share a tuple; adding one again changes no gcd, largest value,
            # first applied weight nor ratio set, so it is noted once (the attempt holds it: no id is reused)
            total = seen[key] if key in seen else seen.setdefault(key, self._framework_sum(n.scores))
            if n.total_logged is not None and total is not None:
                self.rows += 1
                self.remainders[n.total_logged - total] += 1

    def _framework_sum(self, scores: tuple[Score, ...]) -> int | None:
        """Note a node's weighted scores (gcd, largest, applied weight, raw ratio per plugin); their sum, None when
        none is printed or one is unknown."""
        shown = [s for s in scores if not s.hidden]
        for s in shown:
            if s.weighted is None:
                continue
            found = self.divisors.get(s.plugin)
            if found is None:
                self.divisors[s.plugin] = [abs(s.weighted), s.weighted]
            else:
                found[0], found[1] = gcd(found[0], abs(s.weighted)), max(found[1], s.weighted)
            self.applied.setdefault(s.plugin, s.weight)
            if s.raw:
                self.ratios.setdefault(s.plugin, set()).add(s.weighted // s.raw if s.weighted % s.raw == 0 else -1)
        if shown and all(s.weighted is not None for s in shown):
            return sum(s.weighted for s in shown)
        return None


def _weighted_counts(values: np.ndarray, counts: np.ndarray) -> Counter:
    """Counter of each value repeated its count, keys in order of first appearance (as over every row)."""
    out: Counter = Counter()
    for value, n in zip(values.tolist(), counts.tolist(), strict=True):
        out[value] += n
    return out


def _legacy(evidence: WeightEvidence) -> Inference:
    if not evidence.equations:
        return Inference(notes=("no node with a logged total and printed scores",))
    applied = evidence.applied
    equations = list(evidence.equations.items())  # first seen first
    plugins = sorted({p for (feats, _), _ in equations for p, _ in feats})
    x = np.array([[dict(feats).get(p, 0) for p in plugins] for (feats, _), _ in equations], dtype=float)
    y = np.array([total for (_, total), _ in equations], dtype=float)
    counts = np.array([n for _, n in equations], dtype=np.int64)
    root = np.sqrt(counts.astype(float))  # each distinct equation weighs as its repeats would
    seed_w = np.array([applied.get(p) or 1 for p in plugins], dtype=float)
    inliers = _inliers(y - x @ seed_w, counts)
    chosen, notes = _independent_columns(x[inliers], plugins, root[inliers])
    weights: dict[str, int | None] = dict.fromkeys(plugins)
    used = int(counts[inliers].sum())
    if used <= len(chosen) + 1:
        notes.append(f"too few nodes ({used}) for {len(chosen) + 1} unknowns: "
                     "the applied weights are kept")
        chosen = []
    design = np.column_stack([x[inliers][:, chosen], np.ones(int(inliers.sum()))]) * root[inliers, None]
    coef, *_ = np.linalg.lstsq(design, y[inliers] * root[inliers], rcond=None)
    for i, c in zip(chosen, coef[:-1], strict=True):
        weights[plugins[i]] = max(0, int(round(c)))
        if abs(c - round(c)) > 0.25:
            notes.append(f"{plugins[i]}: best fit {c:.2f} is not close to an integer weight")
    fitted_w = np.array([weights[p] if weights[p] is not None else (applied.get(p) or 0) for p in plugins])
    rest = np.rint(y - x @ fitted_w).astype(int)
    constant = int(_weighted_counts(rest[inliers], counts[inliers]).most_common(1)[0][0])
    residuals = _weighted_counts(rest - constant, counts)
    out = tuple(InferredWeight(p, weights[p], "least-squares" if weights[p] is not None else "not identifiable",
                               applied.get(p)) for p in plugins)
    return Inference(out, constant, int(counts.sum()), tuple(residuals.most_common()), tuple(notes))


def _inliers(remainder: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Rows whose remainder under the applied weights is near the most common one (drops avoided nodes)."""
    mode = _weighted_counts(np.rint(remainder).astype(int), counts).most_common(1)[0][0]
    return np.abs(remainder - mode) <= max(10.0, 0.001 * abs(mode))


def _independent_columns(x: np.ndarray, plugins: list[str], root: np.ndarray) -> tuple[list[int], list[str]]:
    """Columns that vary and are not linear combinations of earlier ones (others are not identifiable);
    ``root``: each row's weight (the square root of how often it occurs), as in the fit."""
    chosen: list[int] = []
    notes: list[str] = []
    base = np.ones((x.shape[0], 1))
    for i, p in enumerate(plugins):
        col = x[:, i:i + 1]
        if np.ptp(col) == 0:
            notes.append(f"{p}: {int(col[0, 0])} on every node, folded into the constant")
            continue
        trial = np.hstack([base, x[:, chosen], col]) * root[:, None]
        if np.linalg.matrix_rank(trial) < trial.shape[1]:
            notes.append(f"{p}: moves together with other scores, its weight cannot be separated")
            continue
        chosen.append(i)
    return chosen, notes


def _framework(evidence: WeightEvidence) -> Inference:
    out = []
    for p, (divisor, top) in sorted(evidence.divisors.items()):
        ratios = evidence.ratios
        if p in ratios and len(ratios[p]) == 1 and -1 not in ratios[p]:
            out.append(InferredWeight(p, next(iter(ratios[p])), "raw/weighted ratio", evidence.applied.get(p)))
            continue
        cands = _divisor_candidates(divisor, top, evidence.max_score)
        w = cands[0] if len(cands) == 1 else None
        out.append(InferredWeight(p, w, "divisibility", evidence.applied.get(p), tuple(cands)))
    if not evidence.remainders:
        return Inference(tuple(out), None, 0, (), ("no node with a logged total",))
    constant = evidence.remainders.most_common(1)[0][0]
    residuals: Counter = Counter()
    for r, n in evidence.remainders.items():
        residuals[r - constant] += n
    return Inference(tuple(out), constant, evidence.rows, tuple(residuals.most_common()))


def _divisor_candidates(g: int, top: int, max_score: int, limit: int = 100) -> list[int]:
    """Weights w that divide every value (their gcd ``g``, the largest ``top``) with value / w within
    0..max_score (none when every value is 0)."""
    if g == 0:
        return []
    return [w for w in range(1, min(g, limit * max_score) + 1) if g % w == 0 and top // w <= max_score][:limit]
