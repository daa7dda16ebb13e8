"""The SQLite backend: one aiosqlite connection, written by one process.

Migrations are `bot/store/migrations/sqlite/NNNN_name.sql`; `PRAGMA user_version` records how
many ran. Writes are serialized on the one connection (an asyncio lock), so none lands inside
another's transaction; reads go straight through.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Self

import aiosqlite

from bot.store import base
from bot.store.base import Params, Row, StoreBusy, StoreError, StoreReadOnly

log = logging.getLogger(__name__)

_IN_TRANSACTION: ContextVar[bool] = ContextVar("tayori_sqlite_in_transaction", default=False)


class SqliteDriver:
    """One SQLite file, one connection, one writer at a time."""

    name = "sqlite"
    shared = False
    for_update = ""  # one process: nobody else claims

    def __init__(self, db: aiosqlite.Connection) -> None:
        self.db = db
        self._lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path | str) -> Self:
        """Open (creating folder and file), configure and migrate the database."""
        path = Path(path)
        try:
            if str(path) != ":memory:":
                path.parent.mkdir(parents=True, exist_ok=True)
                # Probe first: when aiosqlite fails to connect, its worker thread may still be
                # finishing after the event loop has closed, and prints a traceback on exit.
                sqlite3.connect(path).close()
            db = await aiosqlite.connect(path, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"DATABASE_PATH {path} cannot be opened: {exc}") from exc
        db.row_factory = sqlite3.Row
        try:
            await _configure(db)
            await _migrate(db)
        except sqlite3.Error as exc:
            await db.close()
            raise StoreError(f"DATABASE_PATH {path} cannot be used: {exc}") from exc
        except BaseException:
            await db.close()
            raise
        return cls(db)

    async def close(self) -> None:
        """Close the connection."""
        await self.db.close()

    async def schema_version(self) -> int:
        """Return `PRAGMA user_version`."""
        return await _user_version(self.db)

    async def tables(self) -> dict[str, list[str]]:
        """Return each table's column names."""
        names = await self.fetch(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
        out = {}
        for (table,) in names:
            out[table] = [r["name"] for r in await self.fetch(f'PRAGMA table_info("{table}")')]
        return out

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """Run the block in one write transaction (BEGIN IMMEDIATE … COMMIT), one at a time."""
        async with self._lock:
            token = _IN_TRANSACTION.set(True)
            try:
                await self._execute("BEGIN IMMEDIATE")
                try:
                    yield
                    await self._execute("COMMIT")
                except BaseException:
                    if self.db.in_transaction:
                        await self.db.execute("ROLLBACK")
                    raise
            finally:
                _IN_TRANSACTION.reset(token)

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Execute one write (serialized with the others); return how many rows it changed."""
        if _IN_TRANSACTION.get():
            return (await self._execute(sql, params)).rowcount
        async with self._lock:
            return (await self._execute(sql, params)).rowcount

    async def fetch(self, sql: str, params: Params = (), *, write: bool = False) -> list[Row]:
        """Run a statement in one trip to the database thread (execute, fetch and close)."""
        if write and not _IN_TRANSACTION.get():
            async with self._lock:
                return await self._fetch(sql, params)
        return await self._fetch(sql, params)

    async def _fetch(self, sql: str, params: Params) -> list[Row]:
        try:
            return list(await self.db.execute_fetchall(sql, params))
        except sqlite3.Error as exc:
            raise _classify(exc) from exc

    async def _execute(self, sql: str, params: Params = ()) -> aiosqlite.Cursor:
        """Execute, turning lock and read-only errors into store errors."""
        try:
            return await self.db.execute(sql, params)
        except sqlite3.Error as exc:
            raise _classify(exc) from exc

    async def after_erase(self) -> None:
        """Empty the write-ahead log, so old copies of deleted pages leave it too."""
        async with self._lock, self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)") as cur:
            await cur.fetchone()

    async def lock_user(self, user_id: int) -> None:
        """Nothing: BEGIN IMMEDIATE already lets one writer in at a time."""

    async def notify_schedule(self) -> None:
        """Nothing to tell: one process."""

    async def listen_schedule(self, callback: Callable[[], None]) -> bool:
        """No other process writes: the service's own wake-ups are all there is."""
        return False


async def _configure(db: aiosqlite.Connection) -> None:
    await db.execute(f"PRAGMA busy_timeout = {base.BUSY_TIMEOUT_MS}")
    await db.execute("PRAGMA foreign_keys = ON")
    await db.execute("PRAGMA secure_delete = ON")  # deleted rows are overwritten on disk
    async with db.execute("PRAGMA journal_mode = WAL") as cur:
        await cur.fetchone()
    await db.execute("PRAGMA synchronous = NORMAL")


async def _migrate(db: aiosqlite.Connection) -> None:
    current = await _user_version(db)
    known = base.migrations("sqlite")
    if current > len(known):
        raise base.newer_than_known(current, len(known))
    for number, name, sql in known[current:]:
        log.info("applying migration %s", name)
        try:
            await db.executescript(f"BEGIN;\n{sql}\nPRAGMA user_version = {number};\nCOMMIT;")
        except sqlite3.Error as exc:
            await db.execute("ROLLBACK") if db.in_transaction else None
            raise StoreError(f"migration {name} failed: {exc}") from exc


def _classify(exc: sqlite3.Error) -> StoreError:
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return StoreBusy(str(exc))
    if "readonly" in text or "read-only" in text or "disk" in text or "full" in text:
        return StoreReadOnly(str(exc))
    return StoreError(str(exc))


async def _user_version(db: aiosqlite.Connection) -> int:
    async with db.execute("PRAGMA user_version") as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0
