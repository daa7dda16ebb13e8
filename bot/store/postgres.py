"""The PostgreSQL backend (asyncpg): a pool shared by any number of processes.

Migrations are `bot/store/migrations/postgresql/NNNN_name.sql`; the `meta` row
`schema_version` records how many ran, and a start-up migrates under an advisory lock, so
processes starting together migrate once. The store's SQL is written once with `?` or `:name`
parameters; they become `$1…` here. A change to the reminders' schedule is announced with
NOTIFY on a channel named after the schema, which every process LISTENs on; each store
sends its own random origin with it and skips its own notifications.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import logging
import re
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any, Self, TypeVar

import asyncpg

from bot.store import base
from bot.store.base import Params, Row, Steps, StoreBusy, StoreError, StoreReadOnly

T = TypeVar("T")

log = logging.getLogger(__name__)

POOL_SIZE = 10
MIGRATION_LOCK = 0x7461796F  # the advisory lock start-ups migrate under ("tayo")
RELISTEN_EVERY = 1.0  # seconds between attempts to listen again after the connection dropped
_PARAM = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)|\?")
_BUSY = (
    asyncpg.exceptions.LockNotAvailableError,
    asyncpg.exceptions.DeadlockDetectedError,
    asyncpg.exceptions.SerializationError,
    asyncpg.exceptions.QueryCanceledError,
)
_READ_ONLY = (asyncpg.exceptions.ReadOnlySQLTransactionError, asyncpg.exceptions.DiskFullError)
_FAILURES = (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, asyncio.TimeoutError)


@functools.lru_cache(maxsize=1024)
def dollar_params(sql: str) -> tuple[str, tuple[str, ...] | int]:
    """Rewrite `?` or `:name` parameters as `$n`: the SQL and the names in order (or a count)."""
    names: list[str] = []
    count = 0

    def number(match: re.Match[str]) -> str:
        nonlocal count
        if match.group(1) is None:
            count += 1
            return f"${count}"
        if match.group(1) not in names:
            names.append(match.group(1))
        return f"${names.index(match.group(1)) + 1}"

    out = _PARAM.sub(number, sql)
    return out, tuple(names) if names else count


def lock_key(name: str) -> int:
    """The advisory lock number (a signed 64-bit integer) for a lock's name."""
    digest = hashlib.blake2b(name.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _args(sql: str, params: Params) -> tuple[str, list[Any]]:
    text, order = dollar_params(sql)
    if isinstance(params, dict):
        return text, [params[name] for name in order] if isinstance(order, tuple) else []
    return text, list(params)


class PostgresDriver:
    """A pool of connections to one PostgreSQL database (and schema), and a listener."""

    name = "postgresql"
    shared = True
    for_update = " FOR UPDATE SKIP LOCKED"

    def __init__(self, pool: asyncpg.Pool, dsn: str, channel: str) -> None:
        self.pool, self.dsn, self.channel = pool, dsn, channel
        # sent with each notification, so this store does not wake its own process again
        # (the service that wrote has already re-planned its scheduler)
        self.origin = secrets.token_hex(8)
        self._in_transaction: ContextVar[Any] = ContextVar(f"tayori_pg_{id(self)}", default=None)
        self._listener: Any = None
        self._callbacks: list[Callable[[], None]] = []
        self._relisten: asyncio.Task[None] | None = None
        self._closing = False
        self.lost: str | None = None  # never set: the data is on the server, not in our file
        self.on_lost: list[Callable[[], None]] = []  # never told (see `check_file`)

    @classmethod
    async def open(cls, dsn: str) -> Self:
        """Connect, migrate (once, whoever starts first) and name the schedule's channel."""
        try:
            pool = await asyncpg.create_pool(dsn, min_size=1, max_size=POOL_SIZE)
        except (*_FAILURES, ValueError) as exc:
            raise StoreError(f"DATABASE_URL cannot be opened: {exc}") from exc
        try:
            async with pool.acquire() as con:
                await _migrate(con)
                schema = await con.fetchval("SELECT current_schema()")
        except BaseException:
            await pool.close()
            raise
        return cls(pool, dsn, f"tayori_schedule_{schema}"[:63])

    async def close(self) -> None:
        """Stop listening and close the pool."""
        self._closing = True
        if self._relisten is not None:
            self._relisten.cancel()
        if self._listener is not None:
            with contextlib.suppress(*_FAILURES):
                await self._listener.close()
        await self.pool.close()

    def check_file(self) -> None:
        """Nothing to check: the SQLite file guard does not apply to a server's database."""

    async def schema_version(self) -> int:
        """Return the number the `meta` row `schema_version` holds."""
        async with self.pool.acquire() as con:
            return await _version(con)

    async def tables(self) -> dict[str, list[str]]:
        """Return each table's column names, in the schema the store uses."""
        rows = await self.fetch(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position"
        )
        out: dict[str, list[str]] = {}
        for table, column in rows:
            out.setdefault(table, []).append(column)
        return out

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """Run the block on one connection, in one transaction."""
        try:
            async with self.pool.acquire() as con, con.transaction():
                token = self._in_transaction.set(con)
                try:
                    yield
                finally:
                    self._in_transaction.reset(token)
        except _FAILURES as exc:
            raise _classify(exc) from exc

    async def run(
        self, steps: Steps[T], *, lock_user: int | None = None, notify: bool = False
    ) -> T:
        """Run `steps` in one transaction on one connection (the user's lock first, the
        schedule's notification last)."""
        async with self.transaction():
            if lock_user is not None:
                await self.lock_user(lock_user)
            result = await base.drive(self, steps)
            if notify:
                await self.notify_schedule()
        return result

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Execute one write; return how many rows it changed (from the command tag)."""
        text, args = _args(sql, params)
        try:
            if con := self._connection():
                status = await con.execute(text, *args)
            else:
                status = await self.pool.execute(text, *args)
        except _FAILURES as exc:
            raise _classify(exc) from exc
        last = str(status).rsplit(" ", 1)[-1]
        return int(last) if last.isdigit() else 0

    async def fetch(self, sql: str, params: Params = (), *, write: bool = False) -> list[Row]:
        """Run a statement that returns rows."""
        text, args = _args(sql, params)
        try:
            if con := self._connection():
                return list(await con.fetch(text, *args))
            return list(await self.pool.fetch(text, *args))
        except _FAILURES as exc:
            raise _classify(exc) from exc

    def _connection(self) -> Any:
        """The connection of the transaction this task is in, if any."""
        con = self._in_transaction.get()
        return con if con is not None and con.is_in_transaction() else None

    async def lock_user(self, user_id: int) -> None:
        """Hold the user's advisory lock until the transaction ends (per-user limits)."""
        await self.execute("SELECT pg_advisory_xact_lock(?)", (user_id,))

    async def after_erase(self) -> None:
        """Nothing: deleted rows are unreachable at once, and autovacuum reclaims their space."""

    @asynccontextmanager
    async def shared_lock(self, name: str) -> AsyncIterator[None]:
        """Hold the advisory lock `name` (in this schema) on a connection of its own."""
        key = lock_key(f"{self.channel}:{name}")
        try:
            con = await self.pool.acquire()
        except _FAILURES as exc:
            raise _classify(exc) from exc
        try:
            try:
                await con.execute("SELECT pg_advisory_lock($1)", key)
            except _FAILURES as exc:
                raise _classify(exc) from exc
            try:
                yield
            finally:
                with contextlib.suppress(*_FAILURES):
                    await con.execute("SELECT pg_advisory_unlock($1)", key)
        finally:  # released, the pool's reset drops any lock an unlock could not
            await self.pool.release(con)

    async def notify_schedule(self) -> None:
        """NOTIFY the schedule's channel (sent when the transaction commits)."""
        await self.execute("SELECT pg_notify(?, ?)", (self.channel, self.origin))

    async def listen_schedule(self, callback: Callable[[], None]) -> bool:
        """LISTEN on a connection of its own; call `callback` on every notification."""
        self._callbacks.append(callback)
        if self._listener is None:
            await self._listen()
        return True

    async def _listen(self) -> None:
        try:
            self._listener = await asyncpg.connect(self.dsn)
            await self._listener.add_listener(self.channel, self._notified)
        except _FAILURES as exc:
            raise _classify(exc) from exc
        self._listener.add_termination_listener(self._lost)

    def _notified(self, _con: object, _pid: int, _channel: str, payload: str) -> None:
        if payload != self.origin:  # our own write: its service woke the scheduler already
            self._tell()

    def _tell(self) -> None:
        for callback in self._callbacks:
            callback()

    def _lost(self, *_: object) -> None:
        """The listening connection dropped: listen again, then look at the schedule."""
        self._listener = None
        if not self._closing:
            self._relisten = asyncio.ensure_future(self._listen_again())

    async def _listen_again(self) -> None:
        while not self._closing:
            try:
                await self._listen()
            except StoreError as exc:
                log.warning("cannot listen for reminder changes (%s); retrying", exc)
                await asyncio.sleep(RELISTEN_EVERY)
                continue
            self._tell()  # what was announced meanwhile was missed
            return


async def _version(con: Any) -> int:
    if await con.fetchval("SELECT to_regclass('meta')") is None:
        return 0
    value = await con.fetchval("SELECT value FROM meta WHERE key = 'schema_version'")
    return int(value or 0)


async def _migrate(con: Any) -> None:
    """Apply the missing migrations, each in one transaction, under the migration lock."""
    known = base.migrations("postgresql")
    await con.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)
    try:
        current = await _version(con)
        if current > len(known):
            raise base.newer_than_known(current, len(known))
        for number, name, sql in known[current:]:
            log.info("applying migration %s", name)
            try:
                async with con.transaction():
                    await con.execute(sql)
                    await con.execute(
                        "INSERT INTO meta (key, value) VALUES ('schema_version', $1) "
                        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                        str(number),
                    )
            except asyncpg.PostgresError as exc:
                raise StoreError(f"migration {name} failed: {exc}") from exc
    finally:
        await con.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK)


def _classify(exc: BaseException) -> StoreError:
    if isinstance(exc, _BUSY):
        return StoreBusy(str(exc))
    if isinstance(exc, _READ_ONLY):
        return StoreReadOnly(str(exc))
    return StoreError(f"{type(exc).__name__}: {exc}" if isinstance(exc, OSError) else str(exc))
