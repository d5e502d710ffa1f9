"""Follow a running scheduler's log (``schedlog follow``): the reader (source), the incremental
pipeline (follower) and the line-per-attempt output (render)."""

from .follower import Final, Follower, Leader, Pending
from .source import LiveLines

__all__ = ["Final", "Follower", "Leader", "LiveLines", "Pending"]
