"""The store's foundation: one aiosqlite connection, migrations, transactions, error mapping.

Migrations are `bot/store/migrations/NNNN_name.sql`; each runs in one transaction and
`PRAGMA user_version` records how many ran. The area modules beside this one hold the SQL of
each kind of data; `bot.store.Store` puts them together.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

import aiosqlite

from bot.core.clock import Clock

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
BUSY_TIMEOUT_MS = 5000
READ_CACHE_SIZE = 4096  # users whose latest reads are kept in memory (see ReadCache)
_IN_TRANSACTION: ContextVar[bool] = ContextVar("tayori_store_in_transaction", default=False)
Params = tuple[Any, ...] | dict[str, Any]


class StoreError(Exception):
    """The database cannot be used as it is; the message says why."""


class StoreBusy(StoreError):
    """Another writer held the database past the busy timeout."""


class StoreReadOnly(StoreError):
    """The database cannot be written (read-only file or full disk)."""


class StoreLost(StoreReadOnly):
    """The database file was deleted or replaced while the bot ran: nothing more is written."""


class StoreMissing(StoreError):
    """The database file is gone from where one was created: not silently made anew."""


class LimitReached(StoreError):
    """A per-user limit would be exceeded."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"at most {limit} pending reminders")
        self.limit = limit


def migrations() -> list[tuple[int, str, str]]:
    """Return (number, name, sql) for every migration file, in order."""
    found = []
    for path in sorted(MIGRATIONS_DIR.glob("[0-9][0-9][0-9][0-9]_*.sql")):
        found.append((int(path.name[:4]), path.stem, path.read_text(encoding="utf-8")))
    numbers = [n for n, _, _ in found]
    if numbers != list(range(1, len(found) + 1)):
        raise StoreError(f"migrations must be numbered 1..N without gaps, found {numbers}")
    return found


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


def _iso(when: datetime) -> str:
    return when.isoformat(timespec="seconds")


def _ts(when: datetime) -> int:
    return int(when.timestamp())


def _dt(value: int | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


class ReadCache:
    """Results of the reads every command makes, per user; any write drops them all.

    Only one process writes the database, through this store, so a result kept here is
    what the database would say. Each write drops the cache when it starts and when it
    ends, and a read keeps its result only if no write started or ended meanwhile.
    """

    def __init__(self, size: int = READ_CACHE_SIZE) -> None:
        self.size = size
        self.generation = 0
        self._items: OrderedDict[tuple[str, int], object] = OrderedDict()

    def get(self, kind: str, user_id: int) -> object | None:
        """Return the kept result, or None."""
        found = self._items.get((kind, user_id))
        if found is not None:
            self._items.move_to_end((kind, user_id))  # the least recently used go first
        return found

    def put(self, kind: str, user_id: int, value: object, generation: int) -> None:
        """Keep a result read at `generation`, unless a write has happened since."""
        if generation != self.generation:
            return
        self._items[(kind, user_id)] = value
        while len(self._items) > self.size:
            self._items.popitem(last=False)

    def drop(self) -> None:
        """Forget everything (a write is starting or has ended)."""
        self.generation += 1
        self._items.clear()


class StoreBase:
    """The connection and the few primitives every area of the store is written with."""

    def __init__(self, db: aiosqlite.Connection, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        self._lock = asyncio.Lock()
        self.cache = ReadCache()
        self.path: Path | None = None  # the file, when it is one (not :memory:)
        self._file: tuple[int, int] | None = None  # its identity when opened
        self.lost: str | None = None  # why nothing more is written, once the file is gone
        self.on_lost: list[Callable[[], None]] = []  # told once, when it is

    @classmethod
    async def open(
        cls, path: Path | str, clock: Clock, *, guarded: bool = False, init: bool = False
    ) -> Self:
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
            await cls._configure(db)
            await cls._migrate(db)
        except sqlite3.Error as exc:
            await db.close()
            raise _open_error(path, exc, "cannot be used") from exc
        except BaseException:
            await db.close()
            raise
        store = cls(db, clock)
        if not memory:
            store.path, store._file = path, _identity(path)
            if guarded:
                _mark_created(path)
        return store

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

    @staticmethod
    async def _configure(db: aiosqlite.Connection) -> None:
        await db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        await db.execute("PRAGMA foreign_keys = ON")
        await db.execute("PRAGMA secure_delete = ON")  # deleted rows are overwritten on disk
        async with db.execute("PRAGMA journal_mode = WAL") as cur:
            await cur.fetchone()
        await db.execute("PRAGMA synchronous = NORMAL")

    @staticmethod
    async def _migrate(db: aiosqlite.Connection) -> None:
        current = await _user_version(db)
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
        return await _user_version(self.db)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """Run the block in one write transaction (BEGIN IMMEDIATE … COMMIT), one at a time."""
        self.check_file()
        async with self._lock:
            token = _IN_TRANSACTION.set(True)
            self.cache.drop()
            try:
                await self._execute("BEGIN IMMEDIATE")
                try:
                    yield self.db
                    await self._execute("COMMIT")
                except BaseException:
                    if self.db.in_transaction:
                        await self.db.execute("ROLLBACK")
                    raise
            finally:
                _IN_TRANSACTION.reset(token)
                self.cache.drop()

    async def _write(
        self, sql: str, params: Params = (), *, cached_rows: bool = True
    ) -> aiosqlite.Cursor:
        """Execute one write; writes are serialized so none lands inside another's transaction.

        `cached_rows=False` says the write cannot change what `ReadCache` keeps (reminders and
        diagnoses), so the cache survives it: the heartbeat, settings.
        """
        if _IN_TRANSACTION.get():
            return await self._execute(sql, params)
        self.check_file()
        async with self._lock:
            if not cached_rows:
                return await self._execute(sql, params)
            self.cache.drop()
            try:
                return await self._execute(sql, params)
            finally:
                self.cache.drop()

    async def _execute(self, sql: str, params: Params = ()) -> aiosqlite.Cursor:
        """Execute, turning lock and read-only errors into store errors."""
        try:
            return await self.db.execute(sql, params)
        except sqlite3.Error as exc:
            raise _classify(exc) from exc

    async def _one(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        rows = await self._all(sql, params)
        return rows[0] if rows else None

    async def _aggregate(self, sql: str, params: Params = ()) -> sqlite3.Row:
        """Run a query that always returns one row (count, min, …)."""
        row = await self._one(sql, params)
        if row is None:
            raise StoreError(f"no row from an aggregate query: {sql}")
        return row

    async def _all(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        """Run a read in one trip to the database thread (execute, fetch and close together)."""
        try:
            return list(await self.db.execute_fetchall(sql, params))
        except sqlite3.Error as exc:
            raise _classify(exc) from exc


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
