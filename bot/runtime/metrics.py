"""Counting what Discord sees: interactions by name and outcome, first-response time, 429s,
and the /metrics endpoint on METRICS_PORT (the registry is `bot.services.metrics.Metrics`).

Every interaction handled is also logged once ("interaction handled", with command, outcome,
latency, guild and shard as structured fields, never what the user typed).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import discord
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bot.core.shards import shard_of
from bot.runtime import sharding
from bot.services.metrics import Metrics

if TYPE_CHECKING:
    from bot.runtime.app import TayoriBot

log = logging.getLogger("bot.interactions")
STARTED = "tayori_started"  # interaction.extras key: when handling began (monotonic)
LABEL = "tayori_label"  # interaction.extras key: what it was, as labelled when it began


def label(interaction: discord.Interaction[Any], item: object | None = None) -> str:
    """What an interaction was, for a metric label: a command, a component's kind, or a form."""
    if LABEL in interaction.extras:
        return str(interaction.extras[LABEL])
    if interaction.command is not None:
        name = f"/{interaction.command.qualified_name}"
        if interaction.type is discord.InteractionType.autocomplete:
            return f"{name} autocomplete"
        return name
    if item is not None:
        return f"component:{type(item).__name__}"
    if interaction.type is discord.InteractionType.modal_submit:
        return "form"
    return "component"


class _TimedResponse(discord.InteractionResponse[Any]):
    """Discord's interaction response, noting when the first answer (of any kind) went out."""

    __slots__ = ("_on_first", "_type")

    def __init__(self, parent: discord.Interaction[Any], on_first: Callable[[], None]) -> None:
        self._on_first = on_first
        self._type: discord.InteractionResponseType | None = None
        super().__init__(parent)

    @property  # the base keeps this in a slot; here every change is observed
    def _response_type(self) -> discord.InteractionResponseType | None:
        return self._type

    @_response_type.setter
    def _response_type(self, value: discord.InteractionResponseType | None) -> None:
        first = self._type is None and value is not None
        self._type = value
        if first:
            self._on_first()


def start(interaction: discord.Interaction[TayoriBot], item: object | None = None) -> None:
    """Begin timing an interaction: its first response is observed in the histogram."""
    if STARTED in interaction.extras or getattr(interaction, "_cs_response", None) is not None:
        return  # already timed, or its response object exists (it cannot be timed then)
    what = interaction.extras[LABEL] = label(interaction, item)
    started = interaction.extras[STARTED] = time.monotonic()
    histogram = interaction.client.metrics.first_response_of(what)

    def observe() -> None:
        histogram.observe(time.monotonic() - started)

    interaction._cs_response = _TimedResponse(interaction, observe)  # type: ignore[attr-defined]


def handled(
    interaction: discord.Interaction[TayoriBot], outcome: str, item: object | None = None
) -> None:
    """Count an interaction's outcome, and log it as one structured line."""
    what = label(interaction, item)
    interaction.client.metrics.count_handled(what, outcome)
    if not log.isEnabledFor(logging.INFO):
        return
    started = interaction.extras.get(STARTED)
    latency = None if started is None else round((time.monotonic() - started) * 1000, 1)
    log.info(
        "interaction handled",
        extra={
            "command": what,
            "outcome": outcome,
            "latency_ms": latency,
            "guild": interaction.guild_id,
            "shard": shard_of(interaction.guild_id, interaction.client.shard_count or 1),
        },
    )


class DiscordRateLimits(logging.Handler):
    """Counts the 429s discord.py meets (it logs each one before waiting and retrying)."""

    def __init__(self, metrics: Metrics) -> None:
        super().__init__(logging.WARNING)
        self.metrics = metrics

    def emit(self, record: logging.LogRecord) -> None:
        """Count a rate-limit warning; ignore every other record."""
        message = str(record.msg)
        if message.startswith("We are being rate limited"):
            self.metrics.rate_limited.labels("discord", "route").inc()
        elif message.startswith("Global rate limit has been hit"):
            self.metrics.rate_limited.labels("discord", "global").inc()


async def refresh(bot: TayoriBot) -> None:
    """Bring the gauges up to date (run at every scrape)."""
    metrics = bot.metrics
    metrics.guilds.set(len(bot.guilds))
    metrics.shards.set(sharding.shards_run(bot))
    for shard, latency in sharding.latencies(bot):
        metrics.gateway_latency.labels(str(shard)).set(
            latency if math.isfinite(latency) else math.nan
        )
    counts = await bot.store.reminder_counts()
    for state in ("pending", "sending", "held", "delivered", "cancelled", "replied"):
        metrics.reminders.labels(state).set(counts.get(state, 0))


async def serve(bot: TayoriBot, host: str, port: int) -> web.AppRunner:
    """Serve /metrics on host:port (port 0: any free one); return the runner to close."""

    async def scrape(_: web.Request) -> web.Response:
        try:
            await refresh(bot)
        except Exception as exc:  # a scrape must answer even when the store does not
            bot.metrics.store_errors.labels("metrics").inc()
            log.warning("metrics refresh failed: %s", exc)
        body = generate_latest(bot.metrics.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    app = web.Application()
    app.router.add_get("/metrics", scrape)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    return runner
