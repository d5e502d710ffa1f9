"""Attempt numbers: each pod's attempts count 1, 2, ... in log order, over the parts of a file and
over all inputs, as one sequential pass over every input gives them.

The assembler numbers a pod's attempts within what it reads (one input, or one part of a file);
this is the one place that turns those into the numbers of the whole run.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from ..model import Attempt


class AttemptNumbers:
    """Numbers attempts handed on in log order: ``in_file`` across the parts of one file,
    ``across_inputs`` after the same pod's attempts in earlier inputs (call ``next_input`` between inputs)."""

    def __init__(self) -> None:
        self._earlier_inputs: Counter = Counter()  # each pod's attempts in the inputs before this one
        self._this_input: Counter = Counter()

    def in_file(self, attempt: Attempt) -> Attempt:
        """A part's attempt renumbered as the pod's next attempt in its file (a part counts from 1)."""
        self._this_input[attempt.pod] += 1
        number = self._this_input[attempt.pod]
        return attempt if attempt.attempt == number else replace(attempt, attempt=number)

    def across_inputs(self, attempt: Attempt) -> Attempt:
        """An input's attempt (numbered within its input) numbered after the pod's earlier inputs."""
        self._this_input[attempt.pod] += 1
        before = self._earlier_inputs[attempt.pod]
        return replace(attempt, attempt=attempt.attempt + before) if before else attempt

    def next_input(self) -> None:
        """The attempts numbered from now on belong to the next input."""
        self._earlier_inputs.update(self._this_input)
        self._this_input.clear()
