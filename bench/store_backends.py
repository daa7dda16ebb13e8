"""Store backends: per-operation latency of the hot reads and writes, hand-written SQL against
SQLAlchemy Core's async engine, on SQLite (aiosqlite) and PostgreSQL (asyncpg).

Two parts:
- the store as it is (`bot.store.Store`, hand-written SQL per call, pydantic models out), on
  each backend: the reads every command makes, the writes a command makes, the scheduler's due
  query and claim;
- the same statements run three ways on one connection — the raw driver, SQLAlchemy Core
  `text()`, SQLAlchemy Core constructs (`select()`/`insert()`) — so the abstraction's own cost
  shows apart from the database's.

    .venv/bin/python bench/store_backends.py [--n 2000] [--pending 10000] [--pg URL]

PostgreSQL: `--pg`, else TEST_DATABASE_URL, else postgresql://postgres@127.0.0.1:5432/test;
the bench works in a schema of its own, dropped at the end. Skipped when none answers.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiosqlite
import asyncpg
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from bot.core.clock import FakeClock, utc
from bot.store import Store

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
HELD = "SELECT * FROM reminders WHERE user_id = {p1} AND state = 'held' ORDER BY due_at, id"
DUE = "SELECT * FROM reminders WHERE state = 'pending' AND due_at <= {p1} ORDER BY due_at LIMIT 100"
INSERT = (
    "INSERT INTO reminders (user_id, kind, due_at, first_due, locale, created_at, updated_at) "
    "VALUES ({p1}, 'at', {p2}, {p2}, 'ja', {p2}, {p2}) RETURNING id"
)


async def timed(n: int, op: Callable[[int], Awaitable[object]]) -> tuple[float, float]:
    """(median, p99) in microseconds of `n` sequential calls."""
    spent = []
    for i in range(n):
        start = time.perf_counter()
        await op(i)
        spent.append((time.perf_counter() - start) * 1e6)
    spent.sort()
    return statistics.median(spent), spent[int(len(spent) * 0.99) - 1]


def line(label: str, numbers: tuple[float, float]) -> None:
    print(f"  {label:<44} {numbers[0]:8.0f} µs median {numbers[1]:8.0f} µs p99")


async def fill(store: Store, pending: int) -> None:
    now = store.clock.now()
    for i in range(pending):
        await store.add_reminder(10_000 + i % 5000, "at", now + timedelta(minutes=i), "ja")


async def the_store(label: str, url: str, n: int, pending: int) -> None:
    clock = FakeClock(utc(2026, 3, 10, 3, 0))
    store = await Store.open(url, clock)
    try:
        await fill(store, pending)
        print(f"{label}: the store as it is ({pending:,} pending reminders)")
        line(
            "held_for, kept by the read cache (SQLite)", await timed(n, lambda i: store.held_for(1))
        )
        store.cache.drop()
        store.cache.size = 0  # as with PostgreSQL: every call reads
        line("held_for, read each time", await timed(n, lambda i: store.held_for(1)))
        line("draft_history (each /check-draft)", await timed(n, store.draft_history))
        line("user_settings", await timed(n, store.user_settings))
        line("hit_write_limit (each writing command)", await timed(n, limit(store)))
        due = clock.now() + timedelta(hours=1)
        line("add_reminder", await timed(n, lambda i: store.add_reminder(i, "at", due, "ja")))
        line("due query (due_reminders(now, 100))", await timed(n, due_query(store)))
        line("next_due", await timed(n, lambda i: store.next_due()))
        clock.advance(timedelta(days=400))
        line("claim_next + mark_delivered", await timed(min(n, pending), claim(store)))
    finally:
        await store.close()


def limit(store: Store) -> Callable[[int], Awaitable[object]]:
    return lambda i: store.hit_write_limit(i, store.clock.now(), 5, timedelta(seconds=10))


def due_query(store: Store) -> Callable[[int], Awaitable[object]]:
    return lambda i: store.due_reminders(store.clock.now() + timedelta(minutes=30), 100)


def claim(store: Store) -> Callable[[int], Awaitable[object]]:
    async def op(_: int) -> None:
        got = await store.claim_next("bench")
        if got is not None:
            await store.mark_delivered(got.id)

    return op


async def three_ways(label: str, url: str, n: int) -> None:
    """The raw driver, SQLAlchemy text() and SQLAlchemy constructs, over one migrated schema."""
    print(f"{label}: one statement three ways (µs per call, median / p99)")
    sqlite = url.startswith("sqlite")
    path = url.removeprefix("sqlite:///")
    raw: dict[str, Callable[[int], Awaitable[object]]]
    if sqlite:
        db = await aiosqlite.connect(path, isolation_level=None)
        await db.execute("PRAGMA synchronous = NORMAL")  # as the store sets it
        q = {k: v.format(p1=":a") for k, v in (("held", HELD), ("due", DUE))}
        ins = INSERT.format(p1=":a", p2=":b")
        raw = {
            "held": lambda i: db.execute_fetchall(q["held"], {"a": i}),
            "due": lambda i: db.execute_fetchall(q["due"], {"a": 1_800_000_000}),
            "insert": lambda i: db.execute_fetchall(ins, {"a": i, "b": 1_800_000_000}),
        }
        engine = create_async_engine(f"sqlite+aiosqlite:///{path}")
        sa.event.listen(engine.sync_engine, "connect", _normal_sync)
    else:
        con = await asyncpg.connect(url)
        q = {k: v.format(p1="$1") for k, v in (("held", HELD), ("due", DUE))}
        ins = INSERT.format(p1="$1", p2="$2")
        raw = {
            "held": lambda i: con.fetch(q["held"], i),
            "due": lambda i: con.fetch(q["due"], 1_800_000_000),
            "insert": lambda i: con.fetch(ins, i, 1_800_000_000),
        }
        base, _, schema = url.partition("?search_path=")
        engine = create_async_engine(
            base.replace("postgresql://", "postgresql+asyncpg://", 1),
            connect_args={"server_settings": {"search_path": schema}},
        )
    meta = sa.MetaData()
    reminders = sa.Table("reminders", meta, *_columns())
    async with engine.connect() as conn:
        await conn.execute(sa.text("SELECT 1"))
        await conn.commit()
        texts = {k: sa.text(v.format(p1=":a", p2=":b")) for k, v in (("held", HELD), ("due", DUE))}
        text_ins = sa.text(INSERT.format(p1=":a", p2=":b"))
        core_held = (
            sa.select(reminders)
            .where(reminders.c.user_id == sa.bindparam("a"), reminders.c.state == "held")
            .order_by(reminders.c.due_at, reminders.c.id)
        )
        core_due = (
            sa.select(reminders)
            .where(reminders.c.state == "pending", reminders.c.due_at <= sa.bindparam("a"))
            .order_by(reminders.c.due_at)
            .limit(100)
        )
        core_ins = sa.insert(reminders).returning(reminders.c.id)
        ts = 1_800_000_000

        async def run(stmt: sa.Executable, params: dict[str, object]) -> object:
            result = await conn.execute(stmt, params)
            rows = result.fetchall()
            await conn.commit()
            return rows

        row = {"kind": "at", "locale": "ja", "due_at": ts, "first_due": ts}
        ways: dict[str, dict[str, Callable[[int], Awaitable[object]]]] = {
            "raw driver": raw,
            "SQLAlchemy text()": {
                "held": lambda i: run(texts["held"], {"a": i}),
                "due": lambda i: run(texts["due"], {"a": ts}),
                "insert": lambda i: run(text_ins, {"a": i, "b": ts}),
            },
            "SQLAlchemy Core select()/insert()": {
                "held": lambda i: run(core_held, {"a": i}),
                "due": lambda i: run(core_due, {"a": ts}),
                "insert": lambda i: run(
                    core_ins, {"user_id": i, **row, "created_at": ts, "updated_at": ts}
                ),
            },
        }
        for way, ops in ways.items():
            cells = []
            for op in ("held", "due", "insert"):
                median, p99 = await timed(n, ops[op])
                cells.append(f"{op} {median:5.0f}/{p99:5.0f}")
            print(f"  {way:<34} " + "   ".join(cells))
    await engine.dispose()
    await (db.close() if sqlite else con.close())


def _normal_sync(dbapi_connection: object, _: object) -> None:
    dbapi_connection.execute("PRAGMA synchronous = NORMAL")  # type: ignore[attr-defined]


def _columns() -> list[sa.Column[object]]:
    names = ("id", "user_id", "guild_id", "kind", "due_at", "note", "locale", "state")
    more = ("attempts", "created_at", "updated_at", "delivered_at", "first_due")
    cols: list[sa.Column[object]] = [sa.Column("id", sa.BigInteger, primary_key=True)]
    for name in names[1:] + more:
        kind = sa.Text if name in ("kind", "note", "locale", "state") else sa.BigInteger
        cols.append(sa.Column(name, kind))
    return cols


async def pg_schema(url: str | None) -> tuple[str, str] | None:
    """(base URL, schema) of a fresh schema, or None when no PostgreSQL answers."""
    base = url or os.environ.get("TEST_DATABASE_URL") or DEFAULT_PG
    try:
        con = await asyncpg.connect(base, timeout=2)
    except (OSError, asyncpg.PostgresError, TimeoutError):
        return None
    schema = f"bench_{secrets.token_hex(4)}"
    await con.execute(f"CREATE SCHEMA {schema}")
    await con.close()
    return base, schema


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=2000, help="calls per operation")
    parser.add_argument("--pending", type=int, default=10_000, help="pending reminders stored")
    parser.add_argument("--pg", help="a PostgreSQL URL (default: TEST_DATABASE_URL or local)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        sqlite = f"sqlite:///{tmp}/bench.db"
        await the_store("SQLite", sqlite, args.n, args.pending)
        await three_ways("SQLite", sqlite, args.n)
    found = await pg_schema(args.pg)
    if found is None:
        print("PostgreSQL: skipped (no server answers; pass --pg URL)")
        return
    base, schema = found
    url = f"{base}?search_path={schema}"  # a base URL with a query of its own is not supported
    try:
        await the_store("PostgreSQL", url, args.n, args.pending)
        await three_ways("PostgreSQL", url, args.n)
    finally:
        con = await asyncpg.connect(base)
        await con.execute(f"DROP SCHEMA {schema} CASCADE")
        await con.close()


if __name__ == "__main__":
    asyncio.run(main())
