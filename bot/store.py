"""The one module that talks SQL: an async SQLite store with numbered migrations.

Migrations are `bot/migrations/NNNN_name.sql`; each runs in one transaction and
`PRAGMA user_version` records how many ran. Methods return pydantic models.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiosqlite
from pydantic import BaseModel

from bot.core.clock import Clock

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
BUSY_TIMEOUT_MS = 5000
MAX_PENDING = 25  # reminders waiting per user
READ_CACHE_SIZE = 4096  # users whose latest reads are kept in memory (see ReadCache)
_IN_TRANSACTION: ContextVar[bool] = ContextVar("tayori_store_in_transaction", default=False)


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
    pace_gap_minutes: int | None = None
    pace_quiet_start: str | None = None
    pace_quiet_end: str | None = None


class GuildSettings(BaseModel):
    """A server's settings, chosen by its admins."""

    guild_id: int
    reminder_channel_id: int | None = None


class Reminder(BaseModel):
    """One reminder as stored."""

    id: int
    user_id: int
    guild_id: int | None
    kind: str
    due_at: datetime
    first_due: datetime
    note: str | None
    locale: str
    state: str
    attempts: int
    created_at: datetime
    delivered_at: datetime | None = None
    notice_channel_id: int | None = None  # the channel notice posted for it, if any
    notice_message_id: int | None = None


class Diagnosis(BaseModel):
    """A finished diagnosis: answer ids, the ranking, when."""

    id: int
    user_id: int
    answers: dict[str, str]
    ranking: list[str]
    created_at: datetime


class DraftHistory(BaseModel):
    """What a draft check needs to know of the user: their open after-send log, latest reason."""

    sent_at: datetime | None = None  # when they last logged a sent message still waiting
    check_in: datetime | None = None  # when that log's check-in is due
    top_reason: str | None = None  # the top reason of their latest diagnosis


class KindSummary(BaseModel):
    """How much of one kind of data is stored about a user."""

    kind: str
    count: int
    oldest: datetime | None


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


def _iso(when: datetime) -> str:
    return when.isoformat(timespec="seconds")


def _ts(when: datetime) -> int:
    return int(when.timestamp())


def _dt(value: int | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


def _reminder(row: sqlite3.Row) -> Reminder:
    data = dict(zip(row.keys(), row, strict=True))
    for key in ("due_at", "first_due", "created_at", "delivered_at"):
        data[key] = _dt(data[key])
    data.pop("updated_at", None)
    return Reminder(**data)


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


class Store:
    """Tayori's data, over one aiosqlite connection."""

    def __init__(self, db: aiosqlite.Connection, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        self._lock = asyncio.Lock()
        self.cache = ReadCache()

    @classmethod
    async def open(cls, path: Path | str, clock: Clock) -> Store:
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
            await cls._configure(db)
            await cls._migrate(db)
        except sqlite3.Error as exc:
            await db.close()
            raise StoreError(f"DATABASE_PATH {path} cannot be used: {exc}") from exc
        except BaseException:
            await db.close()
            raise
        return cls(db, clock)

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
        """Run the block in one write transaction (BEGIN IMMEDIATE … COMMIT), one at a time."""
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
        self, sql: str, params: tuple | dict = (), *, cached_rows: bool = True
    ) -> aiosqlite.Cursor:
        """Execute one write; writes are serialized so none lands inside another's transaction.

        `cached_rows=False` says the write cannot change what `ReadCache` keeps (reminders and
        diagnoses), so the cache survives it: the heartbeat, settings.
        """
        if _IN_TRANSACTION.get():
            return await self._execute(sql, params)
        async with self._lock:
            if not cached_rows:
                return await self._execute(sql, params)
            self.cache.drop()
            try:
                return await self._execute(sql, params)
            finally:
                self.cache.drop()

    async def _execute(self, sql: str, params: tuple | dict = ()) -> aiosqlite.Cursor:
        """Execute, turning lock and read-only errors into store errors."""
        try:
            return await self.db.execute(sql, params)
        except sqlite3.Error as exc:
            raise _classify(exc) from exc

    async def _one(self, sql: str, params: tuple | dict = ()) -> sqlite3.Row | None:
        rows = await self._all(sql, params)
        return rows[0] if rows else None

    async def _all(self, sql: str, params: tuple | dict = ()) -> list[sqlite3.Row]:
        """Run a read in one trip to the database thread (execute, fetch and close together)."""
        try:
            return list(await self.db.execute_fetchall(sql, params))
        except sqlite3.Error as exc:
            raise _classify(exc) from exc

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
            cached_rows=False,
        )

    async def beat(self) -> None:
        """Record that the running bot is alive now."""
        await self.set_meta("heartbeat", _iso(self.clock.now()))

    # -- settings -------------------------------------------------------------

    async def user_settings(self, user_id: int) -> UserSettings:
        """Return a user's settings (defaults when none stored)."""
        row = await self._one("SELECT * FROM user_settings WHERE user_id = ?", (user_id,))
        if row is None:
            return UserSettings(user_id=user_id)
        return UserSettings(**{k: row[k] for k in row.keys() if k != "updated_at"})  # noqa: SIM118

    async def set_user_settings(self, user_id: int, **values: str | int | None) -> UserSettings:
        """Update some of a user's settings, leaving the others as they are.

        Only the given columns are written, so two commands changing different settings at
        once both keep their change.
        """
        cols = [c for c in values if c != "user_id"]
        unknown = set(cols) - set(UserSettings.model_fields)
        if unknown:
            raise ValueError(f"unknown settings: {sorted(unknown)}")
        await self._write(
            f"INSERT INTO user_settings (user_id, {''.join(c + ', ' for c in cols)}updated_at) "
            f"VALUES (:user_id, {''.join(':' + c + ', ' for c in cols)}:now) "
            f"ON CONFLICT (user_id) DO UPDATE SET "
            f"{''.join(f'{c} = excluded.{c}, ' for c in cols)}updated_at = excluded.updated_at",
            {**values, "user_id": user_id, "now": _iso(self.clock.now())},
            cached_rows=False,
        )
        return await self.user_settings(user_id)

    async def guild_settings(self, guild_id: int) -> GuildSettings:
        """Return a server's settings."""
        row = await self._one("SELECT * FROM guild_settings WHERE guild_id = ?", (guild_id,))
        if row is None:
            return GuildSettings(guild_id=guild_id)
        return GuildSettings(guild_id=guild_id, reminder_channel_id=row["reminder_channel_id"])

    async def set_reminder_channel(self, guild_id: int, channel_id: int | None) -> None:
        """Choose (or clear, with None) the server's reminder channel."""
        await self._write(
            "INSERT INTO guild_settings (guild_id, reminder_channel_id, updated_at) "
            "VALUES (?, ?, ?) ON CONFLICT (guild_id) DO UPDATE SET "
            "reminder_channel_id = excluded.reminder_channel_id, updated_at = excluded.updated_at",
            (guild_id, channel_id, _iso(self.clock.now())),
            cached_rows=False,
        )

    async def forget_guild(self, guild_id: int) -> None:
        """Remove a server's settings (the bot left it)."""
        await self._write(
            "DELETE FROM guild_settings WHERE guild_id = ?", (guild_id,), cached_rows=False
        )

    # -- diagnoses ------------------------------------------------------------

    async def add_diagnosis(
        self,
        user_id: int,
        answers: dict[str, str],
        ranking: list[str],
        started_at: datetime | None = None,
    ) -> int:
        """Keep a finished diagnosis (answer ids and ranking only); return its id.

        One questionnaire (`started_at`, as its buttons carry it) finished twice with the same
        answers, as a double click does, is kept once: the second call returns 0.
        """
        cur = await self._write(
            "INSERT OR IGNORE INTO diagnoses (user_id, answers, ranking, created_at, started_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (
                user_id,
                json.dumps(answers, sort_keys=True),
                json.dumps(ranking),
                _ts(self.clock.now()),
                None if started_at is None else _ts(started_at),
            ),
        )
        return int(cur.lastrowid or 0) if cur.rowcount else 0

    async def diagnoses_for(self, user_id: int, limit: int = 10) -> list[Diagnosis]:
        """Return a user's latest diagnoses, newest first."""
        rows = await self._all(
            "SELECT * FROM diagnoses WHERE user_id = ? ORDER BY created_at DESC, id DESC LIMIT ?",
            (user_id, limit),
        )
        return [
            Diagnosis(
                id=r["id"],
                user_id=r["user_id"],
                answers=json.loads(r["answers"]),
                ranking=json.loads(r["ranking"]),
                created_at=_dt(r["created_at"]),
            )
            for r in rows
        ]

    # -- reminders ------------------------------------------------------------

    async def add_reminder(
        self,
        user_id: int,
        kind: str,
        due: datetime,
        locale: str,
        *,
        guild_id: int | None = None,
        note: str | None = None,
        max_pending: int = MAX_PENDING,
    ) -> Reminder:
        """Store a pending reminder, refusing past `max_pending` for the user."""
        now = _ts(self.clock.now())
        async with self.transaction():
            row = await self._one(
                "SELECT count(*) FROM reminders WHERE user_id = ? AND state IN ('pending', 'held')",
                (user_id,),
            )
            if row[0] >= max_pending:
                raise LimitReached(max_pending)
            cur = await self._write(
                "INSERT INTO reminders (user_id, guild_id, kind, due_at, first_due, note, locale, "
                "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (user_id, guild_id, kind, _ts(due), _ts(due), note, locale, now, now),
            )
        return await self.reminder(int(cur.lastrowid or 0))  # type: ignore[return-value]

    async def reminder(self, reminder_id: int) -> Reminder | None:
        """Return one reminder by id."""
        row = await self._one("SELECT * FROM reminders WHERE id = ?", (reminder_id,))
        return _reminder(row) if row else None

    async def pending_for(self, user_id: int) -> list[Reminder]:
        """Return a user's pending (and held) reminders, soonest first."""
        rows = await self._all(
            "SELECT * FROM reminders WHERE user_id = ? AND state IN ('pending', 'held') "
            "ORDER BY due_at, id",
            (user_id,),
        )
        return [_reminder(r) for r in rows]

    async def held_for(self, user_id: int) -> list[Reminder]:
        """Return reminders that could not be delivered and wait for the user's next visit.

        Asked after every command, so the (usually empty) answer is kept until the next write.
        """
        cached = self.cache.get("held", user_id)
        if isinstance(cached, list):
            return list(cached)
        generation = self.cache.generation
        rows = await self._all(
            "SELECT * FROM reminders WHERE user_id = ? AND state = 'held' ORDER BY due_at, id",
            (user_id,),
        )
        held = [_reminder(r) for r in rows]
        self.cache.put("held", user_id, held, generation)
        return list(held)

    async def _set_state(
        self, reminder_id: int, state: str, where: str, user: int | None = None, **sets: int | None
    ) -> bool:
        """Move one reminder to `state` where `where` holds (`:user` is the owner's id)."""
        assigns = ", ".join([f"{k} = :{k}" for k in sets] + ["state = :state", "updated_at = :now"])
        cur = await self._write(
            f"UPDATE reminders SET {assigns} WHERE id = :id AND {where}",
            {"id": reminder_id, "state": state, "now": _ts(self.clock.now()), "user": user, **sets},
        )
        return cur.rowcount == 1

    async def cancel_reminder(self, user_id: int, reminder_id: int) -> bool:
        """Cancel one of the user's pending reminders; False if it is not theirs or not pending."""
        return await self._set_state(
            reminder_id, "cancelled", "user_id = :user AND state IN ('pending', 'held')", user_id
        )

    async def close_reminder(self, user_id: int, reminder_id: int, state: str = "replied") -> bool:
        """Close one of the user's open reminders (e.g. they replied)."""
        return await self._set_state(
            reminder_id,
            state,
            "user_id = :user AND state IN ('pending', 'delivered', 'held')",
            user_id,
        )

    async def snooze_reminder(
        self, user_id: int, reminder_id: int, due: datetime, max_pending: int = MAX_PENDING
    ) -> bool:
        """Make one of the user's delivered (or held) reminders pending again at `due`."""
        async with self.transaction():
            row = await self._one(
                "SELECT count(*) FROM reminders WHERE user_id = ? AND state IN ('pending', 'held') "
                "AND id != ?",
                (user_id, reminder_id),
            )
            if row[0] >= max_pending:
                raise LimitReached(max_pending)
            return await self._set_state(
                reminder_id,
                "pending",
                "user_id = :user AND state IN ('delivered', 'held')",
                user_id,
                due_at=_ts(due),
                first_due=_ts(due),
                delivered_at=None,
                attempts=0,
            )

    async def due_reminders(self, now: datetime, limit: int = 100) -> list[Reminder]:
        """Return pending reminders due at `now`, oldest first."""
        rows = await self._all(
            "SELECT * FROM reminders WHERE state = 'pending' AND due_at <= ? "
            "ORDER BY due_at LIMIT ?",
            (_ts(now), limit),
        )
        return [_reminder(r) for r in rows]

    async def next_due(self) -> datetime | None:
        """Return the due time of the soonest pending reminder."""
        row = await self._one("SELECT min(due_at) FROM reminders WHERE state = 'pending'")
        return _dt(row[0]) if row else None

    async def claim(self, reminder_id: int) -> bool:
        """Claim a due reminder for sending; False if another sender has it."""
        cur = await self._write(
            "UPDATE reminders SET state = 'sending', attempts = attempts + 1, updated_at = ? "
            "WHERE id = ? AND state = 'pending'",
            (_ts(self.clock.now()), reminder_id),
        )
        return cur.rowcount == 1

    async def mark_delivered(self, reminder_id: int) -> None:
        """Record that a claimed reminder was sent."""
        now = _ts(self.clock.now())
        await self._set_state(
            reminder_id, "delivered", "state IN ('sending', 'held')", delivered_at=now
        )

    async def retry_later(self, reminder_id: int, when: datetime) -> None:
        """Give a claimed reminder back, due again at `when` (after a transient failure)."""
        await self._set_state(reminder_id, "pending", "state = 'sending'", due_at=_ts(when))

    async def hold(self, reminder_id: int, notice: tuple[int, int] | None = None) -> bool:
        """Keep a reminder that could not be delivered until the user's next visit.

        `notice` is (channel id, message id) of the channel notice posted for it. False when
        the reminder is gone (its user deleted their data while it was being sent).
        """
        sets = {}
        if notice is not None:
            sets = {"notice_channel_id": notice[0], "notice_message_id": notice[1]}
        return await self._set_state(reminder_id, "held", "state = 'sending'", **sets)

    async def notices_for(self, user_id: int) -> list[tuple[int, int]]:
        """Return (channel id, message id) of every channel notice posted for the user."""
        rows = await self._all(
            "SELECT notice_channel_id, notice_message_id FROM reminders "
            "WHERE user_id = ? AND notice_message_id IS NOT NULL ORDER BY id",
            (user_id,),
        )
        return [(r[0], r[1]) for r in rows]

    async def recover_in_flight(self, claimed_before: datetime | None = None) -> int:
        """Return claimed reminders to pending (all, or those claimed before a time)."""
        now = _ts(self.clock.now())
        before = now + 1 if claimed_before is None else _ts(claimed_before)
        cur = await self._write(
            "UPDATE reminders SET state = 'pending', updated_at = ? "
            "WHERE state = 'sending' AND updated_at < ?",
            (now, before),
        )
        return cur.rowcount

    async def after_send_window(self, user_id: int) -> tuple[datetime, datetime] | None:
        """Return (sent at, check-in due) of the user's latest open after-send reminder."""
        history = await self.draft_history(user_id)
        if history.sent_at is None or history.check_in is None:
            return None
        return history.sent_at, history.check_in

    def cached_draft_history(self, user_id: int) -> DraftHistory | None:
        """Return the user's draft history if it is known without a read, else None."""
        cached = self.cache.get("draft", user_id)
        return cached if isinstance(cached, DraftHistory) else None

    async def draft_history(self, user_id: int) -> DraftHistory:
        """Return the after-send window and latest diagnosis's top reason, in one query.

        The answer is kept until the next write, so "Edit and check again" needs no read.
        """
        if cached := self.cached_draft_history(user_id):
            return cached
        generation = self.cache.generation
        history = await self._read_draft_history(user_id)
        self.cache.put("draft", user_id, history, generation)
        return history

    async def _read_draft_history(self, user_id: int) -> DraftHistory:
        row = await self._one(
            "SELECT a.created_at, a.first_due, (SELECT ranking FROM diagnoses WHERE user_id = :u "
            "ORDER BY created_at DESC, id DESC LIMIT 1) FROM (SELECT 1) LEFT JOIN ("
            "SELECT created_at, first_due FROM reminders WHERE user_id = :u "
            "AND kind = 'after-send' AND state NOT IN ('cancelled', 'replied') "
            "ORDER BY created_at DESC, id DESC LIMIT 1"
            ") AS a",
            {"u": user_id},
        )
        sent_at, check_in, ranking = row if row else (None, None, None)
        top = (json.loads(ranking) or [None])[0] if ranking else None
        if sent_at is None:
            return DraftHistory(top_reason=top)
        return DraftHistory(sent_at=_dt(sent_at), check_in=_dt(check_in), top_reason=top)

    # -- privacy and retention ------------------------------------------------

    async def user_summary(self, user_id: int) -> list[KindSummary]:
        """Return, per kind of data, how much is stored about the user and the oldest."""
        out = []
        for kind, sql in _SUMMARY_SQL.items():
            row = await self._one(sql, (user_id,))
            out.append(KindSummary(kind=kind, count=row[0], oldest=_parse_any(row[1])))
        return out

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
                cur = await self._write(f"DELETE FROM {table} WHERE {column} = ?", (user_id,))
                total += cur.rowcount
        async with self._lock, self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)") as cur:
            await cur.fetchone()  # old copies of the deleted pages leave the WAL file too
        return total

    async def expiring_notices(self, reminder_days: int) -> list[tuple[int, int]]:
        """Return the channel notices of the reminders the next `purge` will delete."""
        rows = await self._all(
            "SELECT notice_channel_id, notice_message_id FROM reminders WHERE updated_at < ? "
            "AND state IN ('delivered', 'cancelled', 'replied', 'held') "
            "AND notice_message_id IS NOT NULL ORDER BY id",
            (_ts(self.clock.now() - timedelta(days=reminder_days)),),
        )
        return [(r[0], r[1]) for r in rows]

    async def purge(self, diagnosis_days: int, reminder_days: int) -> int:
        """Delete diagnoses and finished reminders past their retention; return how many.

        A held reminder (it could not reach the user, and waits for their next command) is
        finished too once it has waited that long.
        """
        now = self.clock.now()
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
        return a.rowcount + b.rowcount


USER_TABLES = {"user_settings": "user_id", "diagnoses": "user_id", "reminders": "user_id"}
_SUMMARY_SQL = {
    "settings": "SELECT count(*), min(updated_at) FROM user_settings WHERE user_id = ?",
    "diagnoses": "SELECT count(*), min(created_at) FROM diagnoses WHERE user_id = ?",
    "reminders": "SELECT count(*), min(created_at) FROM reminders WHERE user_id = ?",
}


def _parse_any(value: int | str | None) -> datetime | None:
    if value is None:
        return None
    return _dt(value) if isinstance(value, int) else datetime.fromisoformat(value)


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


def _classify(exc: sqlite3.Error) -> StoreError:
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
