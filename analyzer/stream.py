"""Stream attempts while the log is read (kept for callers of the old module; see ``analyzer.run.stream``)."""

from .run.stream import AttemptStream
from .run.units import PART_BYTES

__all__ = ["PART_BYTES", "AttemptStream"]
