"""Shared fixtures: a fake clock, settings on a temp database, the real bot on the fake Discord."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack

import pytest

from bot.config import Settings
from bot.core.clock import FakeClock, utc
from bot.core.content import Content, load_content
from bot.runtime.app import TayoriBot, tayori

pytest_plugins = ["fakediscord.plugin", "tests.backends"]

START = utc(2026, 3, 10, 3, 0)  # Tuesday 12:00 in Tokyo


@pytest.fixture(scope="session")
def content() -> Content:
    return load_content()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def make_settings(tmp_path, fake_discord) -> Callable[..., Settings]:
    def make(**overrides) -> Settings:
        values = {
            "discord_token": fake_discord.token,
            "database_path": tmp_path / "tayori.db",
            "discord_api_base": fake_discord.api_base,
            "discord_gateway_url": fake_discord.gateway_url,
            "privacy_url": "https://example.org/tayori/PRIVACY.md",
            **overrides,
        }
        return Settings(_env_file=None, **values)

    return make


@pytest.fixture
async def start_tayori(fake_discord, make_settings, clock, content) -> AsyncIterator[Callable]:
    """Start the real Tayori in-process against the fake; call the starter again to restart."""
    async with AsyncExitStack() as stack:

        async def start(**overrides) -> TayoriBot:
            bot = await stack.enter_async_context(
                tayori(make_settings(**overrides), clock, content=content, guild_ready_timeout=0.05)
            )
            await fake_discord.start_bot(bot, expect_sync=False)
            await bot.synced.wait()
            await fake_discord.wait_quiet()
            return bot

        yield start


@pytest.fixture
async def bot(start_tayori) -> TayoriBot:
    return await start_tayori()


@pytest.fixture
async def bot_on(start_tayori, db_url) -> TayoriBot:
    """The bot over each backend in turn: a SQLite file, then a fresh PostgreSQL schema."""
    return await start_tayori(database_url=db_url if "://" in db_url else f"sqlite:///{db_url}")
