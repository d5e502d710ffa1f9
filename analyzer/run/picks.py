"""Consumers of the attempt stream that keep a few attempts: one pod's (explain), and the first pod names
in sorted order (for a hint when the pod asked for is not in the log)."""

from __future__ import annotations

from ..model import Attempt, names_pod

HINT_NAMES = 8  # pod names a "no attempt for pod" hint lists


def is_pod(attempt: Attempt, pod: str) -> bool:
    """Whether the attempt is of ``pod`` ('ns/name' or a bare name)."""
    return names_pod(attempt.pod, pod)


class PodAttempts:
    """The attempts of one pod (only attempt number ``number`` when given), as ``pipeline.attempts_for``
    picks them, and the ``HINT_NAMES + 1`` first pod names of the log in sorted order."""

    def __init__(self, pod: str, number: int | None = None) -> None:
        self.pod, self.number = pod, number
        self.chosen: list[Attempt] = []
        self._first_names: set[str] = set()

    def add(self, attempt: Attempt) -> None:
        if is_pod(attempt, self.pod) and (self.number is None or attempt.attempt == self.number):
            self.chosen.append(attempt)
        names, name = self._first_names, attempt.pod
        if name in names:
            return
        if len(names) <= HINT_NAMES:
            names.add(name)
        elif name < (last := max(names)):
            names.remove(last)
            names.add(name)

    def first_names(self) -> list[str]:
        """The pod names that sort first (one more than a hint shows, so it knows there are more)."""
        return sorted(self._first_names)
