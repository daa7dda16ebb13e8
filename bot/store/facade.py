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
    async def open(cls, where: Path | str, clock: Clock) -> Self:
        """Open (creating it if needed) and migrate the database at a path or DATABASE_URL."""
        return cls(await open_driver(where), clock)


async def open_driver(where: Path | str) -> Driver:
    """Connect to the database `where` names: `postgresql://…`, `sqlite:///PATH` or a path.

    As in SQLAlchemy, `sqlite:///data/t.db` is relative and `sqlite:////data/t.db` absolute.
    """
    if backend_of(where) == "postgresql":
        return await PostgresDriver.open(str(where))
    text = str(where)
    return await SqliteDriver.open(text.removeprefix("sqlite:///") if "://" in text else where)


@asynccontextmanager
async def open_store(where: Path | str, clock: Clock) -> AsyncIterator[Store]:
    """Open the store for the duration of the block."""
    store = await Store.open(where, clock)
    try:
        yield store
    finally:
        await store.close()
