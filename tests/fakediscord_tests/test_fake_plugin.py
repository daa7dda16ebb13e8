"""The fixture's teardown checks: violations and logged errors fail a test."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import pytest

from tests.fakediscord import FakeDiscord
from tests.fakediscord.plugin import ErrorLogCollector, _problems
from tests.fakediscord.server import Violation


def request_with(marker: bool) -> SimpleNamespace:
    node = SimpleNamespace(get_closest_marker=lambda name: object() if marker else None)
    return SimpleNamespace(node=node)


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
