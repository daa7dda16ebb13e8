"""Settings from the environment and `.env`, validated by pydantic-settings."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.core import shards
from bot.core.locales import DEFAULT_CONTENT_DIR, LOCALES
from bot.defaults import DATABASE_PATH, HEARTBEAT_SECONDS

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class Settings(BaseSettings):
    """Every setting Tayori reads; the README's table lists them."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True
    )

    discord_token: SecretStr | None = None
    database_path: Path = DATABASE_PATH
    # DATABASE_URL: sqlite:///PATH (the default, from DATABASE_PATH) or postgresql://… for a
    # database several processes share.
    database_url: str | None = None
    content_dir: Path = DEFAULT_CONTENT_DIR
    dev_guild_id: Annotated[int, Field(gt=0)] | None = None
    log_level: str = "INFO"
    default_locale: str = "ja"
    discord_api_base: str | None = None
    discord_gateway_url: str | None = None
    diagnosis_retention_days: Annotated[int, Field(ge=1, le=3650)] = 90
    reminder_retention_days: Annotated[int, Field(ge=1, le=3650)] = 30
    heartbeat_seconds: Annotated[float, Field(gt=0, le=3600, allow_inf_nan=False)] = (
        HEARTBEAT_SECONDS
    )
    # Requests a second the bot starts itself (reminders, notices); interaction replies are
    # not counted by Discord. Below Discord's global limit of 50 per token.
    discord_requests_per_second: Annotated[float, Field(gt=0, le=10000, allow_inf_nan=False)] = 48
    # How long a process's claim on a reminder holds: a process that died (SIGKILL, a lost
    # host) leaves its claims, which another process (or its restart) sends after this.
    reminder_lease_seconds: Annotated[float, Field(ge=5, le=3600, allow_inf_nan=False)] = 120
    privacy_url: str | None = None
    # MAINTENANCE=1: every command is answered with a kind "back soon" and no reminder is
    # delivered (they stay pending and go out, late, once the bot runs without it).
    maintenance: bool = False
    # METRICS_PORT: serve Prometheus metrics on http://METRICS_HOST:METRICS_PORT/metrics (off
    # when unset; 0 picks a free port, for tests).
    metrics_port: Annotated[int, Field(ge=0, le=65535)] | None = None
    metrics_host: str = "127.0.0.1"
    log_format: Literal["text", "json"] = "text"
    # SHARD_COUNT (a number, or `auto`: Discord's recommendation) and SHARD_IDS (`0-3`, `0,2`):
    # either one makes the bot sharded; neither keeps one unsharded connection.
    shard_count: int | str | None = None
    shard_ids: str | None = None

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        if value.upper() not in LOG_LEVELS:
            raise ValueError(f"must be one of {', '.join(LOG_LEVELS)}")
        return value.upper()

    @field_validator("default_locale")
    @classmethod
    def _known_locale(cls, value: str) -> str:
        if value not in LOCALES:
            raise ValueError(f"must be one of {', '.join(LOCALES)}")
        return value

    @field_validator("privacy_url")
    @classmethod
    def _web_page(cls, value: str | None) -> str | None:
        if value and not value.startswith(("https://", "http://")):
            raise ValueError("must be the http(s):// address of the published PRIVACY.md")
        return value or None

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str | None) -> str | None:
        if value and not value.startswith(("sqlite:///", "postgresql://", "postgres://")):
            raise ValueError("must be sqlite:///PATH or postgresql://USER@HOST:PORT/DB")
        return value or None

    def store_url(self) -> str:
        """Where the store is: DATABASE_URL, else the SQLite file at DATABASE_PATH."""
        return self.database_url or f"sqlite:///{self.database_path}"

    def sqlite_path(self) -> Path:
        """The SQLite file (DATABASE_URL's path, else DATABASE_PATH)."""
        url = self.store_url()
        return Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else Path()

    def on_postgresql(self) -> bool:
        """The store is a PostgreSQL database."""
        return self.store_url().startswith(("postgresql://", "postgres://"))

    @field_validator("discord_api_base", "discord_gateway_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value and not value.startswith(("http://", "https://", "ws://", "wss://")):
            raise ValueError("must be an http(s):// or ws(s):// URL")
        return value.rstrip("/") if value else None

    @field_validator("shard_count", mode="before")
    @classmethod
    def _shard_count(cls, value: object) -> int | str | None:
        return None if value is None else shards.parse_count(str(value))

    @field_validator("shard_ids")
    @classmethod
    def _shard_ids(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        ids = shards.parse_ids(value)
        count = info.data.get("shard_count")
        if count is None:
            raise ValueError("needs SHARD_COUNT too (how many shards all processes run together)")
        if isinstance(count, int):
            shards.check_ids(ids, count)
        return value

    @property
    def sharded(self) -> bool:
        """Whether SHARD_COUNT or SHARD_IDS asks for a sharded connection."""
        return self.shard_count is not None or self.shard_ids is not None

    def token(self) -> str:
        """Return the bot token, or raise `SettingsError` when it is missing."""
        value = self.discord_token.get_secret_value().strip() if self.discord_token else ""
        if not value:
            raise SettingsError(
                "DISCORD_TOKEN is required: copy .env.example to .env and put the bot token "
                "from the Developer Portal in it"
            )
        return value


class SettingsError(Exception):
    """A setting is missing or invalid; the message names the variable."""


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning pydantic's report into one clear line."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]  # values are checked by pydantic
    except ValidationError as exc:
        err = exc.errors()[0]
        name = str(err["loc"][0]).upper() if err["loc"] else "settings"
        reason = "is required" if err["type"] == "missing" else err["msg"]
        raise SettingsError(f"{name} {reason}".replace("Value error, ", "")) from None


# Structured fields a record may carry (`extra=`); only these reach a log line. They are
# names, numbers and outcomes: never what a user typed.
LOG_FIELDS = ("command", "outcome", "latency_ms", "guild", "shard")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class TextFormatter(logging.Formatter):
    """One line per event, with its structured fields as key=value after the message."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        """The classic line, then ` command=/about outcome=ok ...` when there are fields."""
        line = super().format(record)
        fields = _fields(record)
        if not fields:
            return line
        return line + " " + " ".join(f"{k}={v}" for k, v in fields.items())


class JsonFormatter(logging.Formatter):
    """One JSON object per event (LOG_FORMAT=json), for log collectors."""

    def format(self, record: logging.LogRecord) -> str:
        """Time, level, logger, message, the structured fields, and the traceback if any."""
        event: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **_fields(record),
        }
        if record.exc_info:
            event["exception"] = self.formatException(record.exc_info)
        return json.dumps(event, ensure_ascii=False, default=str)


def _fields(record: logging.LogRecord) -> dict[str, object]:
    return {k: getattr(record, k) for k in LOG_FIELDS if getattr(record, k, None) is not None}


def formatter(log_format: str) -> logging.Formatter:
    """The formatter for LOG_FORMAT (`text` or `json`)."""
    return JsonFormatter() if log_format == "json" else TextFormatter()


def configure_logging(level: str, log_format: str = "text") -> None:
    """Log to stderr at `level` in `log_format`, quietly for discord.py's chatter."""
    handler = logging.StreamHandler()
    handler.setFormatter(formatter(log_format))
    logging.basicConfig(level=level, handlers=[handler])
    logging.getLogger("discord").setLevel(max(logging.getLevelName(level), logging.INFO))
