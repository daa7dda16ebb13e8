"""Settings from the environment and `.env`, validated by pydantic-settings."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.core.locales import DEFAULT_CONTENT_DIR, LOCALES

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class Settings(BaseSettings):
    """Every setting Tayori reads; the README's table lists them."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True
    )

    discord_token: SecretStr | None = None
    database_path: Path = Path("data/tayori.db")
    content_dir: Path = DEFAULT_CONTENT_DIR
    dev_guild_id: Annotated[int, Field(gt=0)] | None = None
    log_level: str = "INFO"
    default_locale: str = "ja"
    discord_api_base: str | None = None
    discord_gateway_url: str | None = None
    diagnosis_retention_days: Annotated[int, Field(ge=1, le=3650)] = 90
    reminder_retention_days: Annotated[int, Field(ge=1, le=3650)] = 30
    heartbeat_seconds: Annotated[float, Field(gt=0, le=3600, allow_inf_nan=False)] = 30.0
    # Requests a second the bot starts itself (reminders, notices); interaction replies are
    # not counted by Discord. Below Discord's global limit of 50 per token.
    discord_requests_per_second: Annotated[float, Field(gt=0, le=10000, allow_inf_nan=False)] = 48
    privacy_url: str | None = None
    # MAINTENANCE=1: every command is answered with a kind "back soon" and no reminder is
    # delivered (they stay pending and go out, late, once the bot runs without it).
    maintenance: bool = False

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

    @field_validator("discord_api_base", "discord_gateway_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value and not value.startswith(("http://", "https://", "ws://", "wss://")):
            raise ValueError("must be an http(s):// or ws(s):// URL")
        return value.rstrip("/") if value else None

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


def configure_logging(level: str) -> None:
    """Log to stderr at `level`, quietly for discord.py's chatter."""
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("discord").setLevel(max(logging.getLevelName(level), logging.INFO))
