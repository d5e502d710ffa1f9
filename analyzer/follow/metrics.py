"""Prometheus metrics for ``schedlog follow --metrics-port``: what the followed scheduler decided, so far.

Each metric lives in its own registry (not prometheus_client's global one), so several followers, or a test
run twice in one process, never collide. The server listens on 127.0.0.1 only: the log's pods and nodes
are not for the network.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from ..parse.lines import IGNORED, PARSED, UNRECOGNIZED
from ..report.explain import explain_attempt
from ..times import FullTimes
from .follower import Final, Follower, Item, Pending

MARGIN_BUCKETS = (0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)  # score points; 0 is a tie
NODE_BUCKETS = (1, 5, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10000)  # real clusters: 100-5,000 nodes
LINE_BUCKETS = (PARSED, IGNORED, UNRECOGNIZED)


class _WhenScraped(Collector):
    """Read from the follower when scraped (never out of step): lines by bucket, and the log's latest time
    (left out while the log's year is unknown, rather than shown as 1970)."""

    def __init__(self, follower: Follower, metrics: FollowMetrics) -> None:
        self.follower, self.metrics = follower, metrics

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        family = CounterMetricFamily("schedlog_follow_lines", "Log lines read, by bucket (observed).",
                                     labels=["bucket"])
        buckets = dict(self.follower.tally.buckets)  # a copy: the follower's thread keeps counting
        for bucket in LINE_BUCKETS:
            family.add_metric([bucket], buckets.get(bucket, 0))
        yield family
        if self.metrics.last_time is not None:
            yield GaugeMetricFamily("schedlog_follow_last_log_time_seconds", "Start of the latest attempt, "
                                    "seconds since the epoch (the log's clock read as UTC).",
                                    value=self.metrics.last_time)


class FollowMetrics:
    """The follower's items turned into Prometheus metrics; ``observe`` each item, ``serve`` to expose them."""

    def __init__(self, follower: Follower, times: FullTimes) -> None:
        self.times = times
        self.registry = CollectorRegistry(auto_describe=True)
        reg = self.registry
        self.attempts = Counter("schedlog_follow_attempts", "Final scheduling attempts, by outcome and profile.",
                                ["outcome", "profile"], registry=reg)
        self.reasons = Counter("schedlog_follow_unschedulable_reasons",
                               "Unschedulable attempts naming each reason (observed).", ["reason"], registry=reg)
        self.discrepancies = Counter("schedlog_follow_discrepancies",
                                     "Discrepancies between the log and the recomputation, by kind.",
                                     ["kind", "explained"], registry=reg)
        self.margin = Histogram("schedlog_follow_winner_margin",
                                "The winner's lead in score points over the runner-up (derived).",
                                buckets=MARGIN_BUCKETS, registry=reg)
        self.evaluated = Histogram("schedlog_follow_evaluated_nodes", "Nodes evaluated per attempt (observed).",
                                   buckets=NODE_BUCKETS, registry=reg)
        self.open = Gauge("schedlog_follow_open_attempts", "Attempts still open (not final) when the input "
                          "last paused.", registry=reg)
        self.last_time: float | None = None
        self.follower = follower
        reg.register(_WhenScraped(follower, self))

    def observe(self, item: Item) -> None:
        """Count one item the follower handed on."""
        if isinstance(item, Pending):
            self._see_time(item.attempt)
        if not isinstance(item, Final):
            return
        a = item.attempt
        self.attempts.labels(a.outcome.value, a.profile or "").inc()
        if a.failure is not None:
            for reason in a.failure.reasons:
                self.reasons.labels(reason).inc()
        for d in a.discrepancies:
            self.discrepancies.labels(d.kind, "true" if d.explained else "false").inc()
        if a.evaluated_nodes is not None:
            self.evaluated.observe(a.evaluated_nodes)
        if a.winner:
            margin = explain_attempt(a).margin
            if margin is not None:
                self.margin.observe(margin)
        self._see_time(a)

    def paused(self) -> None:
        """The input went quiet (called on the follower's thread, after its pause): count the open attempts."""
        self.open.set(sum(1 for draft in self.follower.assembler.open_drafts() if self.follower.wanted(draft.pod)))

    def serve(self, port: int) -> None:
        """Serve /metrics on 127.0.0.1:port in a daemon thread. Raises OSError when the port cannot be had."""
        start_http_server(port, addr="127.0.0.1", registry=self.registry)

    def _see_time(self, attempt) -> None:
        when = self.times.of(attempt).datetime()
        if when is not None:
            self.last_time = (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()
