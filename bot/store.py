"""The one module that talks SQL: an async SQLite store with numbered migrations.

Migrations are `bot/migrations/NNNN_name.sql`; each runs in one transaction and
`PRAGMA user_version` records how many ran. Methods return pydantic models.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

import aiosqlite
from pydantic import BaseModel

from bot.clock import Clock

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
BUSY_TIMEOUT_MS = 5000


class StoreError(Exception):
    """The database cannot be used as it is; the message says why."""


class StoreBusy(StoreError):
    """Another writer held the database past the busy timeout."""


class StoreReadOnly(StoreError):
    """The database cannot be written (read-only file or full disk)."""


class UserSettings(BaseModel):
    """A user's own settings."""

    user_id: int
    timezone: str | None = None
    quiet_start: str | None = None
    quiet_end: str | None = None


class GuildSettings(BaseModel):
    """A server's settings, chosen by its admins."""

    guild_id: int
    reminder_channel_id: int | None = None


def migrations() -> list[tuple[int, str, str]]:
    """Return (number, name, sql) for every migration file, in order."""
    found = []
    for path in sorted(MIGRATIONS_DIR.glob("[0-9][0-9][0-9][0-9]_*.sql")):
        found.append((int(path.name[:4]), path.stem, path.read_text(encoding="utf-8")))
    numbers = [n for n, _, _ in found]
    if numbers != list(range(1, len(found) + 1)):
        raise StoreError(f"migrations must be numbered 1..N without gaps, found {numbers}")
    return found


def _iso(when: datetime) -> str:
    return when.isoformat(timespec="seconds")


class Store:
    """Tayori's data, over one aiosqlite connection."""

    def __init__(self, db: aiosqlite.Connection, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    @classmethod
    async def open(cls, path: Path | str, clock: Clock) -> Store:
        """Open (creating folder and file), configure and migrate the database."""
        path = Path(path)
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        db = await aiosqlite.connect(path, isolation_level=None)
        db.row_factory = sqlite3.Row
        try:
            await cls._configure(db)
            await cls._migrate(db)
        except BaseException:
            await db.close()
            raise
        return cls(db, clock)

    @staticmethod
    async def _configure(db: aiosqlite.Connection) -> None:
        await db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        await db.execute("PRAGMA foreign_keys = ON")
        async with db.execute("PRAGMA journal_mode = WAL") as cur:
            await cur.fetchone()
        await db.execute("PRAGMA synchronous = NORMAL")

    @staticmethod
    async def _migrate(db: aiosqlite.Connection) -> None:
        async with db.execute("PRAGMA user_version") as cur:
            (current,) = await cur.fetchone()
        known = migrations()
        if current > len(known):
            raise StoreError(
                f"the database is at schema version {current}, newer than this code "
                f"knows ({len(known)}); run a newer Tayori or restore a backup"
            )
        for number, name, sql in known[current:]:
            log.info("applying migration %s", name)
            try:
                await db.executescript(f"BEGIN;\n{sql}\nPRAGMA user_version = {number};\nCOMMIT;")
            except sqlite3.Error as exc:
                await db.execute("ROLLBACK") if db.in_transaction else None
                raise StoreError(f"migration {name} failed: {exc}") from exc

    async def close(self) -> None:
        """Close the connection."""
        await self.db.close()

    async def schema_version(self) -> int:
        """Return `PRAGMA user_version`."""
        async with self.db.execute("PRAGMA user_version") as cur:
            (version,) = await cur.fetchone()
        return int(version)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """Run the block in one write transaction (BEGIN IMMEDIATE … COMMIT)."""
        await self._write("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            await self.db.execute("ROLLBACK")
            raise
        await self._write("COMMIT")

    async def _write(self, sql: str, params: tuple | dict = ()) -> aiosqlite.Cursor:
        """Execute one write, turning lock and read-only errors into store errors."""
        try:
            return await self.db.execute(sql, params)
        except sqlite3.OperationalError as exc:
            raise _classify(exc) from exc

    async def _one(self, sql: str, params: tuple | dict = ()) -> sqlite3.Row | None:
        async with self.db.execute(sql, params) as cur:
            return await cur.fetchone()

    async def _all(self, sql: str, params: tuple | dict = ()) -> list[sqlite3.Row]:
        async with self.db.execute(sql, params) as cur:
            return list(await cur.fetchall())

    # -- meta -----------------------------------------------------------------

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
        )

    async def beat(self) -> None:
        """Record that the running bot is alive now."""
        await self.set_meta("heartbeat", _iso(self.clock.now()))

    async def last_beat(self) -> datetime | None:
        """Return the last heartbeat, or None."""
        value = await self.get_meta("heartbeat")
        return datetime.fromisoformat(value) if value else None

    # -- settings -------------------------------------------------------------

    async def user_settings(self, user_id: int) -> UserSettings:
        """Return a user's settings (defaults when none stored)."""
        row = await self._one("SELECT * FROM user_settings WHERE user_id = ?", (user_id,))
        return UserSettings(**{k: row[k] for k in row.keys() if k != "updated_at"}) if row else UserSettings(user_id=user_id)

    async def set_user_settings(self, user_id: int, **values: str | None) -> UserSettings:
        """Update some of a user's settings."""
        current = (await self.user_settings(user_id)).model_copy(update=values)
        await self._write(
            "INSERT INTO user_settings (user_id, timezone, quiet_start, quiet_end, updated_at) "
            "VALUES (:user_id, :timezone, :quiet_start, :quiet_end, :now) "
            "ON CONFLICT (user_id) DO UPDATE SET timezone = excluded.timezone, "
            "quiet_start = excluded.quiet_start, quiet_end = excluded.quiet_end, "
            "updated_at = excluded.updated_at",
            {**current.model_dump(), "now": _iso(self.clock.now())},
        )
        return current

    async def guild_settings(self, guild_id: int) -> GuildSettings:
        """Return a server's settings."""
        row = await self._one("SELECT * FROM guild_settings WHERE guild_id = ?", (guild_id,))
        if row is None:
            return GuildSettings(guild_id=guild_id)
        return GuildSettings(guild_id=guild_id, reminder_channel_id=row["reminder_channel_id"])

    async def set_reminder_channel(self, guild_id: int, channel_id: int | None) -> None:
        """Choose (or clear, with None) the server's reminder channel."""
        await self._write(
            "INSERT INTO guild_settings (guild_id, reminder_channel_id, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT (guild_id) DO UPDATE SET reminder_channel_id = excluded.reminder_channel_id, "
            "updated_at = excluded.updated_at",
            (guild_id, channel_id, _iso(self.clock.now())),
        )

    async def forget_guild(self, guild_id: int) -> None:
        """Remove a server's settings (the bot left it)."""
        await self._write("DELETE FROM guild_settings WHERE guild_id = ?", (guild_id,))


def _classify(exc: sqlite3.OperationalError) -> StoreError:
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return StoreBusy(str(exc))
    if "readonly" in text or "read-only" in text or "disk" in text or "full" in text:
        return StoreReadOnly(str(exc))
    return StoreError(str(exc))


@asynccontextmanager
async def open_store(path: Path | str, clock: Clock) -> AsyncIterator[Store]:
    """Open the store for the duration of the block."""
    store = await Store.open(path, clock)
    try:
        yield store
    finally:
        await store.close()
