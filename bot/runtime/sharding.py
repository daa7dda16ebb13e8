"""Sharding: which shards this process runs, and pacing their IDENTIFYs as Discord asks.

SHARD_COUNT (a number, or `auto`: `GET /gateway/bot`'s recommendation) and SHARD_IDS are
resolved after login, before any shard connects. Only the process running shard 0 syncs the
commands (see `TayoriBot.syncs_commands`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import discord

from bot.config import SettingsError
from bot.core.shards import AUTO, check_ids, parse_ids

log = logging.getLogger(__name__)

IDENTIFY_EVERY = 5.0  # seconds between two IDENTIFYs of one rate-limit bucket (Discord's rule)


@dataclass(frozen=True)
class ShardPlan:
    """How many shards there are, which of them this process runs, how many may start at once."""

    count: int
    ids: tuple[int, ...]
    max_concurrency: int = 1


async def plan(http: discord.http.HTTPClient, count: int | str, ids: str | None) -> ShardPlan:
    """Resolve SHARD_COUNT and SHARD_IDS against `GET /gateway/bot`; refuse ids beyond the count."""
    recommended, _url, limits = await http.get_bot_gateway()
    total = int(recommended) if count == AUTO else int(count)
    mine = parse_ids(ids) if ids else tuple(range(total))
    try:
        check_ids(mine, total)
    except ValueError as exc:  # only with SHARD_COUNT=auto: a number is checked at start
        raise SettingsError(f"SHARD_IDS {exc} (SHARD_COUNT=auto: Discord recommends it)") from None
    return ShardPlan(total, mine, max(1, int(limits.get("max_concurrency") or 1)))


class IdentifyGate:
    """Discord lets `max_concurrency` shards IDENTIFY together: shard `id` is in bucket
    `id % max_concurrency`, and each bucket may IDENTIFY once every 5 seconds."""

    def __init__(
        self,
        max_concurrency: int = 1,
        *,
        now: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.max_concurrency, self.now, self.sleep = max_concurrency, now, sleep
        self._last: dict[int, float] = {}

    async def wait(self, shard_id: int) -> None:
        """Return when `shard_id` may IDENTIFY (at once if its bucket has not lately)."""
        bucket = shard_id % self.max_concurrency
        last = self._last.get(bucket)
        if last is not None:
            delay = last + IDENTIFY_EVERY - self.now()
            if delay > 0:
                log.info("shard %s waits %.1f s to identify (Discord's pace)", shard_id, delay)
                await self.sleep(delay)
        self._last[bucket] = self.now()


def latencies(client: discord.Client) -> list[tuple[int, float]]:
    """Gateway latency per shard this process runs (shard 0 alone when unsharded)."""
    if isinstance(client, discord.AutoShardedClient):
        return client.latencies
    return [(client.shard_id or 0, client.latency)]


def shards_run(client: discord.Client) -> int:
    """How many shards this process runs."""
    if isinstance(client, discord.AutoShardedClient):
        return len(client.shard_ids) if client.shard_ids else client.shard_count or 1
    return 1
