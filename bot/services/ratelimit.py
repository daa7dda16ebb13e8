"""Per-user rate limits on commands that write (on the injected clock), and the pace of
requests to Discord (on the monotonic clock: Discord's global limit runs in real time)."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

WRITES = 5
PER = timedelta(seconds=10)
PRUNE_AT = 10_000  # users tracked before idle ones are forgotten


class RateLimiter:
    """Allows `rate` actions per user in any window of `per`; says how long to wait otherwise."""

    def __init__(self, rate: int = WRITES, per: timedelta = PER) -> None:
        self.rate, self.per = rate, per
        self._seen: dict[int, deque[datetime]] = defaultdict(deque)

    def hit(self, user_id: int, now: datetime) -> float:
        """Record an action; return 0 when allowed, else the seconds to wait (nothing recorded)."""
        seen = self._seen[user_id]
        while seen and now - seen[0] >= self.per:
            seen.popleft()
        if len(seen) >= self.rate:
            return (seen[0] + self.per - now).total_seconds()
        seen.append(now)
        if len(self._seen) > PRUNE_AT:
            self._forget_idle(now)
        return 0.0

    def _forget_idle(self, now: datetime) -> None:
        """Drop users whose last action left the window (keeps memory bounded)."""
        idle = [uid for uid, seen in self._seen.items() if not seen or now - seen[-1] >= self.per]
        for uid in idle:
            del self._seen[uid]


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
