"""`Store`: the facade over one module per area, sharing one backend (`bot.store.base`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Self

from bot.core.clock import Clock
from bot.store.base import Driver, backend_of
from bot.store.diagnoses import DiagnosesStore
from bot.store.meta import MetaStore
from bot.store.postgres import PostgresDriver
from bot.store.privacy import PrivacyStore
from bot.store.reminders import RemindersStore
from bot.store.settings import SettingsStore
from bot.store.sqlite import SqliteDriver


class Store(MetaStore, SettingsStore, DiagnosesStore, RemindersStore, PrivacyStore):
    """Tayori's data, in SQLite or PostgreSQL."""

    @classmethod
    async def open(
        cls, where: Path | str, clock: Clock, *, guarded: bool = False, init: bool = False
    ) -> Self:
        """Open (creating it if needed) and migrate the database at a path or DATABASE_URL.

        `guarded` (the running bot): a SQLite file is never created anew where one was created
        before, unless `init` (see `bot.store.sqlite.guard_missing`). PostgreSQL ignores both:
        its database lives on the server, and an empty schema is migrated as on a first start.
        """
        return cls(await open_driver(where, guarded=guarded, init=init), clock)


async def open_driver(where: Path | str, *, guarded: bool = False, init: bool = False) -> Driver:
    """Connect to the database `where` names: `postgresql://…`, `sqlite:///PATH` or a path.

    As in SQLAlchemy, `sqlite:///data/t.db` is relative and `sqlite:////data/t.db` absolute.
    `guarded` and `init` apply to SQLite only (see `Store.open`).
    """
    if backend_of(where) == "postgresql":
        return await PostgresDriver.open(str(where))
    text = str(where)
    path = text.removeprefix("sqlite:///") if "://" in text else where
    return await SqliteDriver.open(path, guarded=guarded, init=init)


@asynccontextmanager
async def open_store(
    where: Path | str, clock: Clock, *, guarded: bool = False, init: bool = False
) -> AsyncIterator[Store]:
    """Open the store for the duration of the block (`guarded`, `init`: see `Store.open`)."""
    store = await Store.open(where, clock, guarded=guarded, init=init)
    try:
        yield store
    finally:
        await store.close()
