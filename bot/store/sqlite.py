"""The SQLite backend: one aiosqlite connection, written by one process.

Migrations are `bot/store/migrations/sqlite/NNNN_name.sql`; `PRAGMA user_version` records how
many ran. Writes are serialized on the one connection (an asyncio lock), so none lands inside
another's transaction; reads go straight through.

The database is a file, so this backend alone also guards it: the running bot never creates
it anew where one was created before (a `-created` marker beside it; `python -m bot --init`
says to), a file deleted or replaced while the bot runs stops every write (`check_file`, its
device and inode), and a read-only mount at start is named as such (`read_only_reason`).
PostgreSQL keeps its data on a server, where none of this applies.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from contextvars import ContextVar
from pathlib import Path
from typing import Self, TypeVar

import aiosqlite

from bot.store import base
from bot.store.base import (
    Params,
    Row,
    Steps,
    StoreBusy,
    StoreError,
    StoreLost,
    StoreMissing,
    StoreReadOnly,
)

log = logging.getLogger(__name__)

T = TypeVar("T")
_IN_TRANSACTION: ContextVar[bool] = ContextVar("tayori_sqlite_in_transaction", default=False)
MARKER_SUFFIX = "-created"  # beside tayori.db, as SQLite's -wal and -shm are


def marker_of(path: Path) -> Path:
    """The file that says a database was created at `path` (so its absence is a loss)."""
    return path.with_name(path.name + MARKER_SUFFIX)


def guard_missing(path: Path, *, init: bool) -> None:
    """Refuse to create a database where one existed, unless told to (`init`).

    The first start on a machine creates it; a start that finds the file gone while its
    marker (or its write-ahead log) is still there stops with one line instead of beginning
    again with an empty database.
    """
    if init or path.exists():
        return
    traces = [p for p in (marker_of(path), path.with_name(path.name + "-wal")) if p.exists()]
    if traces:
        raise StoreMissing(
            f"{path} is missing, but a database was created there ({traces[0].name} is still "
            "beside it); restore it from a backup, or start with `python -m bot --init` "
            "to begin again with an empty database"
        )


def _mark_created(path: Path) -> None:
    marker = marker_of(path)
    if marker.exists():
        return
    try:
        marker.write_text(
            f"Tayori's database {path.name} lives here. If it is ever missing, Tayori will not "
            "start with an empty one: restore it from a backup, or run `python -m bot --init`.\n",
            encoding="utf-8",
        )
    except OSError as exc:  # a read-only copy, say: the database itself still works
        log.warning("could not write %s: %s", marker, exc)


def _identity(path: Path) -> tuple[int, int] | None:
    """The file's device and inode, or None when nothing is at `path`."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return st.st_dev, st.st_ino


def read_only_reason(path: Path) -> str | None:
    """Why the database at `path` cannot be written, if that is the reason it cannot be used."""
    folder = path.parent
    try:
        if os.statvfs(folder).f_flag & os.ST_RDONLY:
            return f"DATABASE_PATH {path} is on a read-only file system: mount it read-write"
    except OSError:
        return None
    targets = [folder, path] if path.exists() else [folder]
    if not all(os.access(t, os.W_OK) for t in targets):
        return (
            f"DATABASE_PATH {path} is read-only for this user (uid {os.getuid()}): "
            f"give it write access to {folder} and the files in it"
        )
    return None


def _open_error(path: Path, exc: Exception, what: str) -> StoreError:
    if str(path) != ":memory:" and (reason := read_only_reason(path)):
        return StoreReadOnly(reason)
    return StoreError(f"DATABASE_PATH {path} {what}: {exc}")


class SqliteDriver:
    """One SQLite file, one connection, one writer at a time."""

    name = "sqlite"
    shared = False
    for_update = ""  # one process: nobody else claims

    def __init__(self, db: aiosqlite.Connection, path: Path | None = None) -> None:
        self.db = db
        self._lock = asyncio.Lock()
        self.path = path  # the file, when it is one (not :memory:)
        self._file = None if path is None else _identity(path)  # its identity when opened
        self.lost: str | None = None  # why nothing more is written, once the file is gone
        self.on_lost: list[Callable[[], None]] = []  # told once, when it is

    @classmethod
    async def open(cls, path: Path | str, *, guarded: bool = False, init: bool = False) -> Self:
        """Open (creating folder and file), configure and migrate the database.

        `guarded` (the running bot): never create it where one was created before, unless
        `init` (see `guard_missing`); the first start marks the folder.
        """
        path = Path(path)
        memory = str(path) == ":memory:"
        try:
            if not memory:
                path.parent.mkdir(parents=True, exist_ok=True)
                if guarded:
                    guard_missing(path, init=init)
                # Probe first: when aiosqlite fails to connect, its worker thread may still be
                # finishing after the event loop has closed, and prints a traceback on exit.
                sqlite3.connect(path).close()
            db = await aiosqlite.connect(path, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise _open_error(path, exc, "cannot be opened") from exc
        db.row_factory = sqlite3.Row
        try:
            await _configure(db)
            await _migrate(db)
        except sqlite3.Error as exc:
            await db.close()
            raise _open_error(path, exc, "cannot be used") from exc
        except BaseException:
            await db.close()
            raise
        if memory:
            return cls(db)
        if guarded:
            _mark_created(path)
        return cls(db, path)

    def check_file(self) -> None:
        """Raise StoreLost if the database file was deleted or replaced since it was opened.

        Writing on would put everything into a file no start will ever open again. The first
        time, log one line and tell `on_lost` (the bot stops).
        """
        if self.lost is None and self.path is not None and _identity(self.path) != self._file:
            self.lost = (
                f"the database file {self.path} was deleted or replaced while Tayori ran; "
                "stopping, so that nothing more is written to a file no restart would open "
                "(restore it from a backup)"
            )
            log.critical(self.lost)
            for tell in self.on_lost:
                tell()
        if self.lost is not None:
            raise StoreLost(self.lost)

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
        self.check_file()
        async with self._lock:
            token = _IN_TRANSACTION.set(True)
            try:
                await self._execute("BEGIN IMMEDIATE")
                try:
                    yield
                    await self._execute("COMMIT")
                except BaseException:
                    if self.db.in_transaction:
                        # A COMMIT cancelled while its thread ran it (shutdown) may have finished
                        # since: then there is nothing to roll back, and the cancel must go on.
                        with suppress(sqlite3.OperationalError):
                            await self.db.execute("ROLLBACK")
                    raise
            finally:
                _IN_TRANSACTION.reset(token)

    async def run(
        self, steps: Steps[T], *, lock_user: int | None = None, notify: bool = False
    ) -> T:
        """Run `steps` in one write transaction, all in one trip to the database thread.

        No user lock or notification is needed: BEGIN IMMEDIATE lets one writer in at a time,
        and no other process runs. Inside a `transaction()` block, they run in it as they go.
        A task cancelled while they run does not stop them: the thread finishes the
        transaction (COMMIT, or ROLLBACK if a step raised), as it always finished a statement.
        """
        if _IN_TRANSACTION.get():
            return await base.drive(self, steps)
        self.check_file()
        async with self._lock:
            try:
                # aiosqlite's queue to its thread, which each of its own calls goes through
                on_thread = self.db._execute
                result: T = await on_thread(_run_steps, self.db._conn, steps)  # type: ignore[no-untyped-call]
            except sqlite3.Error as exc:
                raise _classify(exc) from exc
            return result

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Execute one write (serialized with the others); return how many rows it changed."""
        if _IN_TRANSACTION.get():
            return (await self._execute(sql, params)).rowcount
        self.check_file()
        async with self._lock:
            return (await self._execute(sql, params)).rowcount

    async def fetch(self, sql: str, params: Params = (), *, write: bool = False) -> list[Row]:
        """Run a statement in one trip to the database thread (execute, fetch and close)."""
        if write and not _IN_TRANSACTION.get():
            self.check_file()
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

    @asynccontextmanager
    async def shared_lock(self, name: str) -> AsyncIterator[None]:
        """Nothing to hold: no other process uses the database."""
        yield

    async def listen_schedule(self, callback: Callable[[], None]) -> bool:
        """No other process writes: the service's own wake-ups are all there is."""
        return False


def _run_steps(conn: sqlite3.Connection, steps: Steps[T]) -> T:
    """On the database thread: BEGIN IMMEDIATE, each statement as the steps ask, COMMIT (or
    ROLLBACK when anything raises)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        try:
            stmt = next(steps)
            while True:
                cursor = conn.execute(stmt.sql, stmt.params)
                stmt = steps.send(cursor.rowcount if stmt.changed else cursor.fetchall())
        except StopIteration as done:
            result: T = done.value
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            with suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
        raise
    return result


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
