"""Fixtures for the fake's own tests (the ``fake_discord`` fixture comes from the plugin)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from fakediscord import FakeDiscord, RunningBot
from fakediscord.plugin import fake_discord
from fakediscord.tests.sample_bot import SampleBot

__all__ = ["bot", "fake_discord"]


@pytest.fixture
async def bot(fake_discord: FakeDiscord) -> AsyncIterator[RunningBot]:
    """The sample bot, started in-process against the fake, commands synced."""
    running = await fake_discord.start_bot(SampleBot(), expect_sync=True)
    yield running
