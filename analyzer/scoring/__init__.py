"""Reference scoring: version rules (versions), arithmetic (resources, normalize), the public calculator."""

from analyzer.scoring.calculator import ScoreInputError, explain, score

__all__ = ["ScoreInputError", "explain", "score"]
