"""`python -m bot healthcheck`: is the running bot connected? Light on purpose.

The container runs it every minute, so it reads its settings (DATABASE_URL or DATABASE_PATH,
HEARTBEAT_SECONDS) from the environment or `.env` as the bot does, and one row from the
database, without loading pydantic, discord.py or the content.
"""

from __future__ import annotations

import math
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from dotenv import dotenv_values

from bot.defaults import DATABASE_PATH, HEARTBEAT_SECONDS
from bot.store.base import StoreError
from bot.store.meta import read_heartbeat, read_heartbeat_pg


def setting(name: str, default: str, dotenv: dict[str, str | None]) -> str:
    """A setting as the bot reads it: the environment first, then `.env`; empty means unset."""
    for source in (os.environ, dotenv):
        value = source.get(name)
        if value:
            return value
    return default


def unhealthy(message: str) -> int:
    """Print why the bot is not healthy and return 1 (Docker reserves 2)."""
    print(f"tayori: {message}", file=sys.stderr)
    return 1


def healthcheck() -> int:
    """Exit 0 when the database opens and the bot recorded recently that it is connected."""
    dotenv = dotenv_values(".env") if Path(".env").is_file() else {}
    path = Path(setting("DATABASE_PATH", str(DATABASE_PATH), dotenv))
    try:
        period = float(setting("HEARTBEAT_SECONDS", str(HEARTBEAT_SECONDS), dotenv))
    except ValueError:
        period = math.nan
    if not 0 < period <= 3600:
        print("tayori: HEARTBEAT_SECONDS must be a number of seconds up to 3600", file=sys.stderr)
        return 2
    url = setting("DATABASE_URL", "", dotenv)
    if url.startswith(("postgresql://", "postgres://")):
        try:
            beat = read_heartbeat_pg(url)
        except StoreError as exc:
            return unhealthy(f"database DATABASE_URL cannot be read: {exc}")
    else:
        path = Path(url.removeprefix("sqlite:///")) if url else path
        if not path.exists():
            return unhealthy(f"no database at {path} yet: the bot has not run with this setting")
        try:
            beat = read_heartbeat(path)
        except StoreError as exc:
            return unhealthy(f"database {path} cannot be read: {exc}")
    if beat is None:
        return unhealthy("no heartbeat yet: the bot has not connected with this database")
    age = datetime.now(UTC) - beat
    if age > timedelta(seconds=3 * period):
        return unhealthy(f"heartbeat is stale ({int(age.total_seconds())} s old): not connected")
    print(f"ok: heartbeat {int(age.total_seconds())} s old")
    return 0
