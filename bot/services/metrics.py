"""What an operator watches: Prometheus metrics, one registry per bot (served on METRICS_PORT).

Defined here, below the runtime, so the reminder scheduler can count its own outcomes; the
runtime counts interactions and serves the registry (`bot.runtime.metrics`). Nothing here
carries user text or ids: labels are command names, outcomes and causes.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

# Discord's window is 3 s: the buckets are finest where an answer risks being late.
RESPONSE_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0)
LATENESS_BUCKETS = (1, 5, 15, 30, 60, 120, 300, 900, 3600, 6 * 3600, 86400)


class Metrics:
    """Every metric Tayori exports, in its own registry (several bots may share a process)."""

    def __init__(self) -> None:
        self.registry = registry = CollectorRegistry()
        self.guilds = Gauge("tayori_guilds", "Servers the bot is in.", registry=registry)
        self.shards = Gauge("tayori_shards", "Shards this process runs.", registry=registry)
        self.gateway_latency = Gauge(
            "tayori_gateway_latency_seconds",
            "Time between a gateway heartbeat and its acknowledgement.",
            ["shard"],
            registry=registry,
        )
        self.commands = Counter(
            "tayori_commands",
            "Interactions handled, by command (or component) and outcome.",
            ["command", "outcome"],
            registry=registry,
        )
        self.first_response = Histogram(
            "tayori_first_response_seconds",
            "From the start of handling an interaction to its first response to Discord.",
            ["command"],
            buckets=RESPONSE_BUCKETS,
            registry=registry,
        )
        self.reminders = Gauge(
            "tayori_reminders",
            "Reminders stored, by state (refreshed every minute).",
            ["state"],
            registry=registry,
        )
        self.deliveries = Counter(
            "tayori_reminder_deliveries",
            "Reminders the scheduler handled, by outcome and cause.",
            ["outcome", "cause"],
            registry=registry,
        )
        self.lateness = Histogram(
            "tayori_delivery_lateness_seconds",
            "How much later than planned a reminder reached the user (quiet hours excluded).",
            buckets=LATENESS_BUCKETS,
            registry=registry,
        )
        self.store_errors = Counter(
            "tayori_store_errors",
            "Database errors, by where they were met.",
            ["where"],
            registry=registry,
        )
        self.rate_limited = Counter(
            "tayori_rate_limited",
            "Requests refused for going too fast: by Tayori (a user's writes) or by Discord (429).",
            ["by", "scope"],
            registry=registry,
        )
        # The labelled children counted at every interaction, looked up once per label set:
        # `labels()` takes a lock and checks its arguments at each call.
        self._handled: dict[tuple[str, str], Counter] = {}
        self._first_responses: dict[str, Histogram] = {}

    def count_handled(self, command: str, outcome: str) -> None:
        """Count one interaction handled: `commands` for `command` and `outcome`."""
        child = self._handled.get((command, outcome))
        if child is None:
            child = self._handled[command, outcome] = self.commands.labels(command, outcome)
        child.inc()

    def first_response_of(self, command: str) -> Histogram:
        """The `first_response` histogram of `command`."""
        child = self._first_responses.get(command)
        if child is None:
            child = self._first_responses[command] = self.first_response.labels(command)
        return child
