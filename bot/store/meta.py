"""Key-value metadata: the sync hash and the heartbeat (read by `python -m bot healthcheck`)."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import datetime
from pathlib import Path

from bot.store.base import StoreBase, StoreError, _iso


class MetaStore(StoreBase):
    """Metadata values and the heartbeat."""

    async def get_meta(self, key: str) -> str | None:
        """Return a metadata value, or None."""
        row = await self._one("SELECT value FROM meta WHERE key = ?", (key,))
        return row["value"] if row else None

    async def set_meta(self, key: str, value: str) -> None:
        """Store a metadata value."""
        await self._write(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
            cached_rows=False,
        )

    async def beat(self) -> None:
        """Record that the running bot is alive now."""
        await self.set_meta("heartbeat", _iso(self.clock.now()))


def read_heartbeat(path: Path | str) -> datetime | None:
    """Read the running bot's last heartbeat without writing (for the container healthcheck)."""
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            row = db.execute("SELECT value FROM meta WHERE key = 'heartbeat'").fetchone()
        finally:
            db.close()
    except sqlite3.Error as exc:
        raise StoreError(str(exc)) from exc
    return datetime.fromisoformat(row[0]) if row else None


def read_heartbeat_pg(url: str) -> datetime | None:
    """Read the last heartbeat any bot process wrote to a PostgreSQL database."""
    import asyncpg  # only this healthcheck's path needs it

    async def read() -> str | None:
        con = await asyncpg.connect(url, timeout=5)
        try:
            value: str | None = await con.fetchval("SELECT value FROM meta WHERE key = 'heartbeat'")
            return value
        finally:
            await con.close()

    try:
        value = asyncio.run(read())
    except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
        raise StoreError(f"{type(exc).__name__}: {exc}") from exc
    return datetime.fromisoformat(value) if value else None
