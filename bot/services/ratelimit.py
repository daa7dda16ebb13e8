"""Per-user rate limits on commands that write, on the injected clock."""

from __future__ import annotations

from collections import defaultdict, deque
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
