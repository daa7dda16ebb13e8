"""The one package that talks SQL: an async SQLite store with numbered migrations.

`Store` is a facade over one module per area (meta, settings, diagnoses, reminders,
privacy); all of them share one connection from `bot.store.base`. Methods return the
pydantic models of `bot.store.models`.

The names below are imported when first used, so a caller that needs one small part (the
container healthcheck reads one row every minute) does not load the models and the facade.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.store.base import (
        LimitReached,
        ReadCache,
        StoreBusy,
        StoreError,
        StoreLost,
        StoreMissing,
        StoreReadOnly,
        migrations,
    )
    from bot.store.facade import Store, open_store
    from bot.store.meta import read_heartbeat
    from bot.store.models import (
        DiagnosisRecord,
        DraftHistory,
        GuildSettings,
        KindSummary,
        Reminder,
        UserSettings,
    )
    from bot.store.privacy import USER_TABLES
    from bot.store.reminders import MAX_PENDING

_WHERE = {
    "LimitReached": "base",
    "ReadCache": "base",
    "StoreBusy": "base",
    "StoreError": "base",
    "StoreReadOnly": "base",
    "StoreLost": "base",
    "StoreMissing": "base",
    "migrations": "base",
    "Store": "facade",
    "open_store": "facade",
    "read_heartbeat": "meta",
    "DiagnosisRecord": "models",
    "DraftHistory": "models",
    "GuildSettings": "models",
    "KindSummary": "models",
    "Reminder": "models",
    "UserSettings": "models",
    "USER_TABLES": "privacy",
    "MAX_PENDING": "reminders",
}

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
    "StoreLost",
    "StoreMissing",
    "StoreReadOnly",
    "UserSettings",
    "migrations",
    "open_store",
    "read_heartbeat",
]


def __getattr__(name: str) -> object:
    """Import a public name from its module the first time it is asked for."""
    if name not in _WHERE:
        raise AttributeError(f"module 'bot.store' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"bot.store.{_WHERE[name]}"), name)
    globals()[name] = value  # asked once
    return value
