"""The heartbeat: while the gateway is connected, record now and then that the bot is alive.

`python -m bot healthcheck` reads the last beat (`bot.store.read_heartbeat`) and calls the
bot unhealthy once it goes stale, which it does while discord.py retries a lost connection.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from bot.core.clock import Clock
from bot.store import Store, StoreError, StoreLost

log = logging.getLogger(__name__)


class Heartbeat:
    """Records a beat every `period` while connected, and at once when the connection is up."""

    def __init__(self, store: Store, clock: Clock, period: timedelta) -> None:
        self.store, self.clock, self.period = store, clock, period
        self.connected = False  # connected or resumed, and no disconnect since

    async def beat(self) -> bool:
        """Record that the bot is alive and connected; say whether it did."""
        if not self.connected:
            return False
        await self.store.beat()
        return True

    async def up(self) -> None:
        """The gateway is connected: healthy now, not a period later."""
        self.connected = True
        await self._beat_logged()

    def down(self) -> None:
        """The gateway connection is lost (discord.py retries on its own)."""
        self.connected = False

    async def run(self) -> None:
        """Beat every period, forever."""
        stop = asyncio.Event()
        while True:
            await self._beat_logged()
            await self.clock.sleep_until(self.clock.now() + self.period, stop)

    async def _beat_logged(self) -> None:
        try:
            self.store.check_file()  # gone while the gateway is down too: the bot stops
            await self.beat()
        except StoreLost:
            pass  # said once, by the store; the bot is stopping
        except StoreError as exc:
            log.error("heartbeat not recorded: %s", exc)
