"""The one package that talks SQL: an async SQLite store with numbered migrations.

`Store` is a facade over one module per area (meta, settings, diagnoses, reminders,
privacy); all of them share one connection from `bot.store.base`. Methods return the
pydantic models of `bot.store.models`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bot.core.clock import Clock
from bot.store.base import (
    LimitReached,
    ReadCache,
    StoreBusy,
    StoreError,
    StoreReadOnly,
    migrations,
)
from bot.store.diagnoses import DiagnosesStore
from bot.store.meta import MetaStore, read_heartbeat
from bot.store.models import (
    DiagnosisRecord,
    DraftHistory,
    GuildSettings,
    KindSummary,
    Reminder,
    UserSettings,
)
from bot.store.privacy import USER_TABLES, PrivacyStore
from bot.store.reminders import MAX_PENDING, RemindersStore
from bot.store.settings import SettingsStore

__all__ = [
    "MAX_PENDING",
    "USER_TABLES",
    "DiagnosisRecord",
    "DraftHistory",
    "GuildSettings",
    "KindSummary",
    "LimitReached",
    "ReadCache",
    "Reminder",
    "Store",
    "StoreBusy",
    "StoreError",
    "StoreReadOnly",
    "UserSettings",
    "migrations",
    "open_store",
    "read_heartbeat",
]


class Store(MetaStore, SettingsStore, DiagnosesStore, RemindersStore, PrivacyStore):
    """Tayori's data, over one aiosqlite connection."""


@asynccontextmanager
async def open_store(path: Path | str, clock: Clock) -> AsyncIterator[Store]:
    """Open the store for the duration of the block."""
    store = await Store.open(path, clock)
    try:
        yield store
    finally:
        await store.close()
