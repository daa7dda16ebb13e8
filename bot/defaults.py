"""Defaults shared by the settings (`bot.config`) and the light healthcheck (`bot.healthcheck`)."""

from pathlib import Path

DATABASE_PATH = Path("data/tayori.db")
HEARTBEAT_SECONDS = 30.0
