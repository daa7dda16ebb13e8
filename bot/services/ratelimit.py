"""Per-user rate limits on commands that write (on the injected clock, kept in the store so
they hold whichever process answers), and the pace of requests to Discord (on the monotonic
clock: Discord's global limit runs in real time)."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from bot.store import Store

WRITES = 5
PER = timedelta(seconds=10)


class RateLimiter:
    """Allows `rate` actions per user in any window of `per`; says how long to wait otherwise.

    The times live in the database (`write_limits`), so a user whose commands reach two
    processes (a server's shard and the DMs' shard) still gets `rate` in all.
    """

    def __init__(self, store: Store, rate: int = WRITES, per: timedelta = PER) -> None:
        self.store, self.rate, self.per = store, rate, per

    async def hit(self, user_id: int, now: datetime) -> float:
        """Record an action; return 0 when allowed, else the seconds to wait (nothing recorded)."""
        return await self.store.hit_write_limit(user_id, now, self.rate, self.per)


class Pacer:
    """Keeps requests under `per_second`, so a burst never bounces off Discord's limit.

    Discord allows a bot token about 50 requests a second outside interaction replies, and
    answers a 429 to the rest; waiting our turn costs less than a refused request and its retry.
    Requests are spaced 1/per_second apart, and no second (by the monotonic clock) ever holds
    more than `per_second` of them: after the event loop stalls, the waiting requests do not
    all go at once.
    """

    def __init__(
        self,
        per_second: float,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.interval = 1.0 / per_second
        self.limit = max(1, int(per_second))
        self.monotonic, self.sleep = monotonic, sleep
        self._next = 0.0
        self._recent: deque[float] = deque()

    async def wait(self) -> None:
        """Wait for this request's turn (checked and taken without a pause in between)."""
        while True:
            now = self.monotonic()
            while self._recent and self._recent[0] <= now - 1.0:
                self._recent.popleft()
            turn = max(now, self._next)
            if len(self._recent) >= self.limit:
                turn = max(turn, self._recent[0] + 1.0)
            if turn <= now:
                break
            await self.sleep(turn - now)
        self._recent.append(now)
        self._next = now + self.interval
