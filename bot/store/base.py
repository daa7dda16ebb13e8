"""The store's foundation: the backend, migrations, transactions, errors, the read cache.

`DATABASE_URL` names the backend: `sqlite:///path` (or a plain path; `bot.store.sqlite`) or
`postgresql://…` (`bot.store.postgres`). Each has its numbered migrations in
`bot/store/migrations/<backend>/NNNN_name.sql`, the same numbers and names in both; each runs
in one transaction and the database records how many ran. The area modules beside this one
write their SQL once, with `?` or `:name` parameters, for both backends.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Generator, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple, Protocol, TypeVar

from bot.core.clock import Clock

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
BACKENDS = ("sqlite", "postgresql")
BUSY_TIMEOUT_MS = 5000  # how long a SQLite write waits for another writer
READ_CACHE_SIZE = 4096  # users whose latest reads are kept in memory (see ReadCache)
Params = tuple[Any, ...] | dict[str, Any]
T = TypeVar("T")


class Stmt(NamedTuple):
    """One statement of `Steps`: what it gets back is its rows, or (`changed`) how many it
    changed."""

    sql: str
    params: Params = ()
    changed: bool = False


# A write transaction's statements and the logic between them, written once for both
# backends: a generator that yields each `Stmt`, is sent its result, and returns the answer.
# SQLite runs all of it on its database thread in one trip (`Driver.run`).
Steps = Generator[Stmt, Any, T]


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


class Row(Protocol):
    """A result row of either backend: by column name or position."""

    def __getitem__(self, key: int | str, /) -> Any: ...

    def __iter__(self) -> Iterator[Any]: ...

    def __len__(self) -> int: ...

    def keys(self) -> Any:
        """The column names."""


class Driver(Protocol):
    """What a backend gives the store: statements, transactions, and its few differences."""

    name: str  # "sqlite" or "postgresql"
    shared: bool  # other processes may write the same database
    for_update: str  # what makes a claim skip rows another process is claiming ("" in SQLite)
    lost: str | None  # why nothing more is written (SQLite: its file went away), else None
    on_lost: list[Callable[[], None]]  # told once, when it is lost

    def check_file(self) -> None:
        """Raise StoreLost if the database's file was deleted or replaced since it was opened.

        SQLite only (and checked on each write there too); PostgreSQL has no file of ours.
        """
        ...

    async def fetch(self, sql: str, params: Params = (), *, write: bool = False) -> list[Row]:
        """Run a statement that returns rows (`write`: it also changes some)."""
        ...

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run a write; return how many rows it changed."""
        ...

    def transaction(self) -> AbstractAsyncContextManager[None]:
        """Run the block's statements in one write transaction."""
        ...

    async def run(
        self, steps: Steps[T], *, lock_user: int | None = None, notify: bool = False
    ) -> T:
        """Run `steps` in one write transaction and return their answer.

        `lock_user`: first take that user's lock (`lock_user`); `notify`: tell the other
        processes the schedule changed (`notify_schedule`). SQLite runs it all in one trip to
        its database thread; an exception raised by the steps rolls it back.
        """
        ...

    async def schema_version(self) -> int:
        """Return how many migrations ran."""
        ...

    async def tables(self) -> dict[str, list[str]]:
        """Return each table's column names."""
        ...

    async def after_erase(self) -> None:
        """Make deleted rows leave the files too, where the backend can."""
        ...

    async def lock_user(self, user_id: int) -> None:
        """Hold a per-user lock until the transaction ends (SQLite: BEGIN IMMEDIATE already)."""
        ...

    async def notify_schedule(self) -> None:
        """Tell the other processes the reminders' schedule changed (in the transaction)."""
        ...

    def shared_lock(self, name: str) -> AbstractAsyncContextManager[None]:
        """Hold the lock `name` for the block, against every process sharing the database.

        PostgreSQL: a session advisory lock on a connection of its own; SQLite: nothing to
        hold, one process uses the database.
        """
        ...

    async def listen_schedule(self, callback: Callable[[], None]) -> bool:
        """Call `callback` when another process changes the schedule; False if none can."""
        ...

    async def close(self) -> None:
        """Close every connection."""
        ...


def backend_of(where: Path | str) -> str:
    """Return the backend a DATABASE_URL (or a plain SQLite path) names."""
    text = str(where)
    if text.startswith(("postgresql://", "postgres://")):
        return "postgresql"
    if "://" in text and not text.startswith("sqlite://"):
        raise StoreError(f"DATABASE_URL must be sqlite:///PATH or postgresql://…, not {text!r}")
    return "sqlite"


def migrations(backend: str = "sqlite") -> list[tuple[int, str, str]]:
    """Return (number, name, sql) for every migration file of a backend, in order."""
    found = []
    for path in sorted((MIGRATIONS_DIR / backend).glob("[0-9][0-9][0-9][0-9]_*.sql")):
        found.append((int(path.name[:4]), path.stem, path.read_text(encoding="utf-8")))
    numbers = [n for n, _, _ in found]
    if numbers != list(range(1, len(found) + 1)):
        raise StoreError(f"migrations must be numbered 1..N without gaps, found {numbers}")
    return found


async def drive(driver: Driver, steps: Steps[T]) -> T:
    """Run `steps` statement by statement through `driver` (in its open transaction)."""
    try:
        stmt = next(steps)
        while True:
            if stmt.changed:
                stmt = steps.send(await driver.execute(stmt.sql, stmt.params))
            else:
                stmt = steps.send(await driver.fetch(stmt.sql, stmt.params, write=True))
    except StopIteration as done:
        result: T = done.value
        return result


def newer_than_known(current: int, known: int) -> StoreError:
    """The error for a database migrated by a newer Tayori."""
    return StoreError(
        f"the database is at schema version {current}, newer than this code "
        f"knows ({known}); run a newer Tayori or restore a backup"
    )


def _iso(when: datetime) -> str:
    return when.isoformat(timespec="seconds")


def _ts(when: datetime) -> int:
    return int(when.timestamp())


def _dt(value: int | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


class ReadCache:
    """Results of the reads every command makes, per user; a write drops what it may change.

    Only with SQLite, where one process writes the database, through this store, so a result
    kept here is what the database would say. Each write drops the cache (or, when it names
    them, only the results it can change: `forget`) when it starts and when it ends, and a
    read keeps its result only if no write started or ended meanwhile. A write may keep what
    it knows a result now is (`StoreBase._run`'s `keep`). With PostgreSQL other processes
    write too, so nothing is kept (`size` 0).
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
        if generation != self.generation or not self.size:
            return
        self._items[(kind, user_id)] = value
        while len(self._items) > self.size:
            self._items.popitem(last=False)

    def drop(self) -> None:
        """Forget everything (a write is starting or has ended)."""
        self.generation += 1
        self._items.clear()

    def forget(self, keys: list[tuple[str, int]]) -> None:
        """Forget only these results (a write that can change nothing else is starting or has
        ended); a read in flight is not kept either way."""
        self.generation += 1
        for key in keys:
            self._items.pop(key, None)


class StoreBase:
    """The backend and the few primitives every area of the store is written with."""

    def __init__(self, driver: Driver, clock: Clock) -> None:
        self.driver = driver
        self.clock = clock
        self.cache = ReadCache(0 if driver.shared else READ_CACHE_SIZE)

    @property
    def backend(self) -> str:
        """`sqlite` or `postgresql`."""
        return self.driver.name

    @property
    def shared(self) -> bool:
        """Other processes may write this database too (PostgreSQL)."""
        return self.driver.shared

    @property
    def lost(self) -> str | None:
        """Why nothing more is written (the SQLite file was deleted or replaced), else None."""
        return self.driver.lost

    @property
    def on_lost(self) -> list[Callable[[], None]]:
        """Told once when the database file is lost (SQLite; the bot stops)."""
        return self.driver.on_lost

    def check_file(self) -> None:
        """Raise StoreLost if the SQLite file was deleted or replaced (PostgreSQL: never)."""
        self.driver.check_file()

    async def listen_schedule(self, callback: Callable[[], None]) -> bool:
        """Call `callback` when another process changes the reminders' schedule.

        False when no other process can (SQLite): the service's own wake-ups are all there is.
        """
        return await self.driver.listen_schedule(callback)

    def shared_lock(self, name: str) -> AbstractAsyncContextManager[None]:
        """Hold the lock `name` for the block, against every process sharing the database."""
        return self.driver.shared_lock(name)

    @property
    def db(self) -> Any:
        """The SQLite connection (tests that reach below the store use it)."""
        return getattr(self.driver, "db", None)

    async def close(self) -> None:
        """Close the connection(s)."""
        await self.driver.close()

    async def schema_version(self) -> int:
        """Return how many migrations ran."""
        return await self.driver.schema_version()

    async def tables(self) -> dict[str, list[str]]:
        """Return each table's column names (PRIVACY.md lists them)."""
        return await self.driver.tables()

    @asynccontextmanager
    async def transaction(self, *, cached_rows: bool = True) -> AsyncIterator[None]:
        """Run the block in one write transaction, one at a time in this process.

        `cached_rows=False` says the block cannot change what `ReadCache` keeps.
        """
        async with self.driver.transaction():
            if cached_rows:
                self.cache.drop()
            try:
                yield
            finally:
                if cached_rows:
                    self.cache.drop()

    async def _run(
        self,
        steps: Steps[T],
        *,
        changes: list[tuple[str, int]] | None = None,
        keep: Callable[[T], tuple[str, int, object] | None] | None = None,
        lock_user: int | None = None,
        notify: bool = False,
    ) -> T:
        """Run a write transaction's `steps` (in one trip to SQLite's thread); return their
        answer.

        `changes` names the only kept reads it can change ([]: none; None: any). `keep` says
        what one of them is now, from the answer, so it need not be read again: kept only if
        no other write started or ended meanwhile.
        """
        forget = self.cache.drop if changes is None else lambda: self.cache.forget(changes)
        if changes != []:
            forget()
        generation = self.cache.generation
        try:
            result = await self.driver.run(steps, lock_user=lock_user, notify=notify)
        finally:
            undisturbed = self.cache.generation == generation
            if changes != []:
                forget()
        if keep is not None and undisturbed and (kept := keep(result)) is not None:
            self.cache.put(*kept, self.cache.generation)
        return result

    async def _write(self, sql: str, params: Params = (), *, cached_rows: bool = True) -> int:
        """Execute one write; return how many rows it changed.

        `cached_rows=False` says the write cannot change what `ReadCache` keeps (reminders and
        diagnoses), so the cache survives it: the heartbeat, settings.
        """
        if not cached_rows:
            return await self.driver.execute(sql, params)
        self.cache.drop()
        try:
            return await self.driver.execute(sql, params)
        finally:
            self.cache.drop()

    async def _write_returning(self, sql: str, params: Params = ()) -> list[Row]:
        """Execute one write with RETURNING; return its rows."""
        self.cache.drop()
        try:
            return await self.driver.fetch(sql, params, write=True)
        finally:
            self.cache.drop()

    async def _one(self, sql: str, params: Params = ()) -> Row | None:
        rows = await self._all(sql, params)
        return rows[0] if rows else None

    async def _aggregate(self, sql: str, params: Params = ()) -> Row:
        """Run a query that always returns one row (count, min, …)."""
        row = await self._one(sql, params)
        if row is None:
            raise StoreError(f"no row from an aggregate query: {sql}")
        return row

    async def _all(self, sql: str, params: Params = ()) -> list[Row]:
        """Run a read in one trip to the database."""
        return await self.driver.fetch(sql, params)
