"""Complete each logged score: weight, the missing one of normalized/weighted, and the recomputed value.

Legacy logs (<= 1.16) and 1.17-1.18 resource lines print scores before weighting, so weighted =
normalized x weight. Framework logs (1.19+) print weighted scores, so normalized = weighted / weight.
A resource line (``Score.inputs``) is recomputed with the reference scorer; a different result is a
formula-mismatch, a weighted score the weight cannot produce is a weight-mismatch.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..model import Provenance, Score, evolve, frozen_map
from ..scoring.calculator import recompute_line
from ..scoring.versions import VersionProfile, newer_than_table
from .discrepancy import FORMULA, WEIGHT, Discrepancy
from .memo import ScoreMemo, memo_for
from .weights import EXTENDER_DEFAULT_WEIGHT, EXTENDER_PREFIX, WeightSource

# the values looked up once: attribute access on an Enum class is slow and these run per distinct score
_OBSERVED, _DERIVED, _INFERRED, _RECOMPUTED = (Provenance.OBSERVED.value, Provenance.DERIVED.value,
                                               Provenance.INFERRED.value, Provenance.RECOMPUTED.value)
FACT = frozenset({_OBSERVED, _DERIVED})


@dataclass(frozen=True)
class ScoringContext:
    """Everything the per-score arithmetic needs: the version's rules, the weights, how sure we are."""

    profile: VersionProfile
    weights: WeightSource
    version: str
    version_source: str  # user | logged | signature

    @property
    def confidence(self) -> str:
        return "high" if self.version_source in ("user", "logged") else "medium"

    def version_note(self) -> str:
        if self.version_source == "signature":
            return f" (scored as {self.version}, guessed from the log's format; pass --k8s-version to be sure)"
        newer = newer_than_table(self.version)
        return f" ({newer})" if newer else ""


def _combine(*provs: str | None) -> str:
    """Provenance of arithmetic on several inputs: derived if all are facts, else inferred."""
    return _DERIVED if all(p in FACT for p in provs) else _INFERRED


def _weight(score: Score, profile_name: str | None, ctx: ScoringContext
            ) -> tuple[int | None, str | None, bool]:
    """(weight, provenance, from the log's ratio): configured/logged/default weight; for framework lines
    the logged ratio wins over a default (raw and weighted both printed give weight = weighted / raw)."""
    w = ctx.weights.weight_of(score, profile_name)
    prov = ctx.weights.provenance.value if w is not None else None
    if score.plugin.startswith(EXTENDER_PREFIX) and w is None:
        return EXTENDER_DEFAULT_WEIGHT, _INFERRED, False
    ratio = _logged_ratio(score, ctx)
    if ratio is not None and (w is None or prov == _INFERRED):
        return ratio, _DERIVED, True
    return w, prov, False


def _logged_ratio(score: Score, ctx: ScoringContext) -> int | None:
    if not ctx.profile.plugin_lines_weighted or not score.raw or score.weighted is None:
        return None
    if score.provenance.get("weighted") != _OBSERVED or score.weighted % score.raw:
        return None
    return score.weighted // score.raw


def complete_score(score: Score, node: str, profile_name: str | None, ctx: ScoringContext,
                   memo: ScoreMemo | None = None) -> tuple[Score, list[Discrepancy]]:
    """The score with weight, normalized/weighted and recomputed filled in, plus what does not add up.

    An equal score completed before in this context without findings is handed back from the memo
    (``memo.py`` says why that is safe); one with findings is completed again for its node's text.
    ``memo``: ``memo_for(ctx)``, when the caller has it at hand.
    """
    if score.hidden:
        return score, []
    memo = memo or memo_for(ctx)
    done, key = memo.lookup(score, profile_name)
    if done is not None:
        return done, []
    done, found = _complete(score, node, profile_name, ctx)
    if not found:
        memo.remember(score, profile_name, key, done)
    return done, found


def _complete(score: Score, node: str, profile_name: str | None, ctx: ScoringContext
              ) -> tuple[Score, list[Discrepancy]]:
    """complete_score's arithmetic, for one score."""
    prov = dict(score.provenance)
    found: list[Discrepancy] = []
    w, wprov, from_ratio = _weight(score, profile_name, ctx)
    normalized, weighted = score.normalized, score.weighted
    if w is not None:
        prov["weight"] = wprov
    if score.plugin.startswith(EXTENDER_PREFIX):
        if weighted is None and score.raw is not None and w is not None:
            weighted = score.raw * w * ctx.profile.extender_scale
            prov["weighted"] = _combine(prov.get("raw"), wprov) if ctx.profile.extender_scale == 1 \
                else _INFERRED
    elif ctx.profile.plugin_lines_weighted and weighted is not None:
        if not from_ratio:
            found += _check_ratio(score, node, w, ctx)
        if normalized is None and w:
            if weighted % w == 0 and weighted // w <= ctx.profile.max_score:
                normalized = weighted // w
                prov["normalized"] = _combine(prov.get("weighted"), wprov)
            else:
                found.append(_weight_mismatch(score, node, w, wprov, ctx))
    else:
        if normalized is None and score.raw is not None and score.inputs is not None:
            normalized = score.raw  # resource priorities have no normalize step
            prov["normalized"] = _combine(prov.get("raw"))
        if weighted is None and normalized is not None and w is not None:
            weighted = normalized * w
            prov["weighted"] = _combine(prov.get("normalized"), wprov)
    recomputed = None
    if score.inputs is not None:
        recomputed = recompute_line(score.inputs, ctx.profile)
        if recomputed is not None:
            prov["recomputed"] = _RECOMPUTED
            if recomputed != score.inputs.score:
                found.append(_formula_mismatch(score, node, recomputed, ctx))
    done = evolve(score, weight=w, normalized=normalized, weighted=weighted, recomputed=recomputed,
                  provenance=frozen_map(prov),
                  parsed_provenance=score.provenance)  # what reconcile.undo restores to reconcile again
    return done, found


def _check_ratio(score: Score, node: str, w: int | None, ctx: ScoringContext) -> list[Discrepancy]:
    """A configured or logged weight that the printed raw/weighted pair contradicts."""
    if not score.raw or score.weighted is None or w is None:
        return []
    if score.raw * w == score.weighted:
        return []
    return [Discrepancy(
        WEIGHT, node, score.plugin, score.weighted, score.raw * w, score.weighted - score.raw * w,
        f"{ctx.weights.origin} weight {w}",
        f"{score.plugin} on {node}: raw {score.raw} x weight {w} = {score.raw * w}, but the log adds "
        f"{score.weighted}: the weight in effect is not the {ctx.weights.origin} one",
        "high")]


def _weight_mismatch(score: Score, node: str, w: int, wprov: str | None, ctx: ScoringContext) -> Discrepancy:
    why = "is not a multiple of" if score.weighted % w else f"exceeds {ctx.profile.max_score} x"
    return Discrepancy(
        WEIGHT, node, score.plugin, score.weighted, None, None, f"{ctx.weights.origin} weight {w}",
        f"{score.plugin} on {node}: logged weighted score {score.weighted} {why} weight {w} "
        f"({ctx.weights.origin}){ctx.version_note()}: the scheduler ran with another weight",
        ctx.confidence if wprov != _INFERRED else "medium")


def _formula_mismatch(score: Score, node: str, recomputed: int, ctx: ScoringContext) -> Discrepancy:
    inp = score.inputs
    return Discrepancy(
        FORMULA, node, score.plugin, inp.score, recomputed, inp.score - recomputed,
        f"{inp.scorer} formula of {ctx.version}",
        f"{inp.scorer} on {node}: the log says {inp.score}, the {ctx.version} formula gives {recomputed} "
        f"from allocatable {dict(inp.allocatable)} and requested {dict(inp.requested)}{ctx.version_note()}",
        ctx.confidence)


def complete_scores(node: str, scores: tuple[Score, ...], profile_name: str | None, ctx: ScoringContext
                    ) -> tuple[tuple[Score, ...], list[Discrepancy]]:
    """Every score of one node (named ``node``) completed; the discrepancies found on the way."""
    done: list[Score] = []
    found: list[Discrepancy] = []
    memo = memo_for(ctx)
    for s in scores:
        score, issues = complete_score(s, node, profile_name, ctx, memo)
        done.append(score)
        found += issues
    return tuple(done), found
