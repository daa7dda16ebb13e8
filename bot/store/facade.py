"""`Store`: the facade over one module per area, sharing one connection (`bot.store.base`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bot.core.clock import Clock
from bot.store.diagnoses import DiagnosesStore
from bot.store.meta import MetaStore
from bot.store.privacy import PrivacyStore
from bot.store.reminders import RemindersStore
from bot.store.settings import SettingsStore


class Store(MetaStore, SettingsStore, DiagnosesStore, RemindersStore, PrivacyStore):
    """Tayori's data, over one aiosqlite connection."""


@asynccontextmanager
async def open_store(
    path: Path | str, clock: Clock, *, guarded: bool = False, init: bool = False
) -> AsyncIterator[Store]:
    """Open the store for the duration of the block (`guarded`: see `Store.open`)."""
    store = await Store.open(path, clock, guarded=guarded, init=init)
    try:
        yield store
    finally:
        await store.close()
