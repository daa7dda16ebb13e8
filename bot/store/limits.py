"""Per-user write limits kept in the database, so they hold whichever process answers."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.store.base import Steps, Stmt, StoreBase

KEEP_LIMITS = timedelta(days=1)  # rows older than this go with the daily purge (PRIVACY.md)


def _ms(when: datetime) -> int:
    return int(when.timestamp() * 1000)


class LimitsStore(StoreBase):
    """The times of each user's latest writing commands."""

    async def hit_write_limit(
        self, user_id: int, now: datetime, rate: int, per: timedelta
    ) -> float:
        """Record a write by the user at `now` if fewer than `rate` fell in the last `per`.

        Return 0 when it was recorded, else the seconds until the oldest leaves the window
        (nothing recorded). One user's hits are counted one at a time, in every process.
        """
        at, window = _ms(now), int(per.total_seconds() * 1000)
        return await self._run(_hit(user_id, at, window, rate), changes=[], lock_user=user_id)

    async def forget_write_limits(self) -> int:
        """Delete the write times older than a day (the purge); return how many users'."""
        return await self._write(
            "DELETE FROM write_limits WHERE last_at < ?",
            (_ms(self.clock.now() - KEEP_LIMITS),),
            cached_rows=False,
        )


def _hit(user_id: int, at: int, window: int, rate: int) -> Steps[float]:
    """`hit_write_limit`'s transaction (at and window in milliseconds)."""
    rows = yield Stmt("SELECT hits FROM write_limits WHERE user_id = ?", (user_id,))
    hits = [int(h) for h in rows[0][0].split(",") if h] if rows else []
    hits = [h for h in hits if at - h < window]
    if len(hits) >= rate:
        return (hits[0] + window - at) / 1000
    yield Stmt(
        "INSERT INTO write_limits (user_id, hits, last_at) VALUES (?, ?, ?) "
        "ON CONFLICT (user_id) DO UPDATE SET hits = excluded.hits, last_at = excluded.last_at",
        (user_id, ",".join(str(h) for h in [*hits, at]), at),
        changed=True,
    )
    return 0.0
