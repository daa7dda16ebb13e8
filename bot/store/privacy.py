"""Privacy and retention: what is stored about a user, its export and deletion, the purge."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.store.base import _dt, _ts
from bot.store.limits import LimitsStore
from bot.store.models import KindSummary

USER_TABLES = {
    "user_settings": "user_id",
    "diagnoses": "user_id",
    "reminders": "user_id",
    "write_limits": "user_id",
}
NOT_COUNTED = {"write_limits"}  # bookkeeping for the rate limit: deleted, not counted as data
_SUMMARY = {  # kind: (table, its oldest time)
    "settings": ("user_settings", "updated_at"),
    "diagnoses": ("diagnoses", "created_at"),
    "reminders": ("reminders", "created_at"),
}
# One read for every kind: a count and an oldest time each, in `_SUMMARY`'s order.
_SUMMARY_SQL = "SELECT " + ", ".join(
    f"(SELECT count(*) FROM {table} WHERE user_id = :u), "
    f"(SELECT min({oldest}) FROM {table} WHERE user_id = :u)"
    for table, oldest in _SUMMARY.values()
)


class PrivacyStore(LimitsStore):
    """Per-user summary, export and deletion; retention purge (with the write limits)."""

    async def user_summary(self, user_id: int) -> list[KindSummary]:
        """Return, per kind of data, how much is stored about the user and the oldest."""
        row = list(await self._aggregate(_SUMMARY_SQL, {"u": user_id}))
        return [
            KindSummary(kind=kind, count=row[2 * i], oldest=_parse_any(row[2 * i + 1]))
            for i, kind in enumerate(_SUMMARY)
        ]

    async def export_user(self, user_id: int) -> dict[str, list[dict[str, object]]]:
        """Return every row stored about the user, table by table."""
        out: dict[str, list[dict[str, object]]] = {}
        for table, column in USER_TABLES.items():
            rows = await self._all(f"SELECT * FROM {table} WHERE {column} = ?", (user_id,))
            out[table] = [dict(zip(r.keys(), r, strict=True)) for r in rows]
        return out

    async def delete_user(self, user_id: int) -> int:
        """Delete every row about the user in every table; return how many."""
        total = 0
        async with self.transaction():
            for table, column in USER_TABLES.items():
                deleted = await self._write(f"DELETE FROM {table} WHERE {column} = ?", (user_id,))
                total += 0 if table in NOT_COUNTED else deleted
        await self.driver.after_erase()  # SQLite: old copies of the pages leave the WAL too
        return total

    async def expiring_notices(self, reminder_days: int) -> list[tuple[int, int]]:
        """Return the channel notices of the reminders the next `purge` will delete."""
        rows = await self._all(
            "SELECT notice_channel_id, notice_message_id FROM reminders WHERE updated_at < ? "
            "AND state IN ('delivered', 'cancelled', 'replied', 'held') "
            "AND notice_message_id IS NOT NULL ORDER BY id",
            (_ts(self.clock.now() - timedelta(days=reminder_days)),),
        )
        return list(dict.fromkeys((r[0], r[1]) for r in rows))  # reminders may share a notice

    async def purge(self, diagnosis_days: int, reminder_days: int) -> int:
        """Delete diagnoses and finished reminders past their retention; return how many.

        A held reminder (it could not reach the user, and waits for their next command) is
        finished too once it has waited that long.
        """
        now = self.clock.now()
        await self.forget_write_limits()  # not counted: bookkeeping, not data kept for users
        async with self.transaction():
            a = await self._write(
                "DELETE FROM diagnoses WHERE created_at < ?",
                (_ts(now - timedelta(days=diagnosis_days)),),
            )
            b = await self._write(
                "DELETE FROM reminders WHERE updated_at < ? "
                "AND state IN ('delivered', 'cancelled', 'replied', 'held')",
                (_ts(now - timedelta(days=reminder_days)),),
            )
        return a + b


def _parse_any(value: int | str | None) -> datetime | None:
    if value is None:
        return None
    return _dt(value) if isinstance(value, int) else datetime.fromisoformat(value)
