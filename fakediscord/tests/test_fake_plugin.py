"""The fixture's teardown checks: violations and logged errors fail a test."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import discord
import pytest

from fakediscord import FakeDiscord
from fakediscord.plugin import ErrorLogCollector, _problems
from fakediscord.server import Validator, Violation


def request_with(marker: bool, names: tuple[str, ...] = ("expected_errors",)) -> SimpleNamespace:
    def marked(name: str) -> object | None:
        return object() if marker and name in names else None

    return SimpleNamespace(node=SimpleNamespace(get_closest_marker=marked))


def test_logged_discord_errors_become_problems() -> None:
    collector = ErrorLogCollector()
    collector.attach()
    try:
        logging.getLogger("discord.app_commands.tree").error("Ignoring exception in command")
        logging.getLogger("discord.client").warning("only a warning")
    finally:
        collector.detach()
    fake = FakeDiscord()
    assert _problems(fake, collector, request_with(marker=False)) == [
        "logged ERROR: discord.app_commands.tree: Ignoring exception in command"
    ]
    assert _problems(fake, collector, request_with(marker=True)) == []


def test_violations_are_problems_even_with_expected_errors() -> None:
    fake = FakeDiscord()
    fake.recorder.violations.append(Violation("schema", "POST", "/x", "bad"))
    problems = _problems(fake, ErrorLogCollector(), request_with(marker=True))
    assert problems == ["violation: [schema] POST /x: bad"]


@pytest.mark.expected_errors
async def test_expected_errors_marker_tolerates_logged_errors(fake_discord: FakeDiscord) -> None:
    logging.getLogger("discord.client").error("swallowed")
    assert [r.getMessage() for r in fake_discord.logged_errors] == ["swallowed"]


@pytest.mark.unanswered
async def test_unanswered_and_thinking_interactions_are_problems(fake_discord, bot) -> None:
    @bot.bot.tree.command(description="Says nothing")
    async def silent(interaction: discord.Interaction) -> None:
        return

    @bot.bot.tree.command(description="Thinks for ever")
    async def ponder(interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)

    await bot.bot.tree.sync()
    fake_discord.response_deadline = 0.2
    fake_discord.deferred_timeout = 0.2  # ponder never follows up: no need to wait 10 s
    await fake_discord.slash("silent")
    await fake_discord.slash("ponder")
    problems = _problems(fake_discord, ErrorLogCollector(), request_with(marker=False))
    assert problems == [
        "never answered: interaction type 2 silent",
        "left thinking: interaction type 2 ponder",
    ]
    marked = request_with(marker=True, names=("unanswered",))
    assert _problems(fake_discord, ErrorLogCollector(), marked) == []


def test_routes_the_fake_does_not_serve_are_problems() -> None:
    fake = FakeDiscord()
    fake.recorder.unknown_routes.append(("GET", "/guilds/1/bans"))
    problems = _problems(fake, ErrorLogCollector(), request_with(marker=True))
    assert problems == ["route the fake does not serve: GET /guilds/1/bans"]


def test_a_body_sent_to_a_route_outside_the_spec_is_a_violation() -> None:
    fake = FakeDiscord()
    Validator(fake.recorder, True).check("POST", "/channels/1/made-up", {"content": "x"})
    assert [(v.kind, v.path) for v in fake.violations] == [("unspecified", "/channels/1/made-up")]
