"""pytest plugin: the ``fake_discord`` fixture.

Load it from the top-level ``tests/conftest.py`` with::

    pytest_plugins = ["fakediscord.plugin"]

The fixture starts a :class:`~fakediscord.harness.FakeDiscord` with the default
world, points discord.py at it for the test, and at teardown stops every bot it started
and fails the test if the fake recorded a violation, or if discord.py (or asyncio) logged
an ERROR, or a bot subprocess printed one -- unless the test is marked
``@pytest.mark.expected_errors`` -- or if the bot called a route the fake does not serve
(it answers 404, which the bot might read as a deleted channel or message), or if an
interaction was never answered, or was left "thinking" (what a user sees as "The
application did not respond") -- unless the test is marked ``@pytest.mark.unanswered``.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest

from .harness import FakeDiscord, point_discord_py_at

ERROR_LOGGERS = ("discord", "asyncio", "bot", "cogs")


class ErrorLogCollector(logging.Handler):
    """Collects ERROR (and worse) records of the loggers it is attached to."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def attach(self) -> None:
        for name in ERROR_LOGGERS:
            logging.getLogger(name).addHandler(self)

    def detach(self) -> None:
        for name in ERROR_LOGGERS:
            logging.getLogger(name).removeHandler(self)

    def describe(self) -> list[str]:
        out = []
        for record in self.records:
            text = f"{record.name}: {record.getMessage()}"
            if record.exc_info and record.exc_info[1] is not None:
                text += f" ({record.exc_info[1]!r})"
            out.append(text)
        return out


@pytest.fixture
async def fake_discord(request: pytest.FixtureRequest) -> AsyncIterator[FakeDiscord]:
    """A started fake Discord, with discord.py pointed at it."""
    fake = FakeDiscord()
    collector = ErrorLogCollector()
    collector.records = fake.logged_errors
    collector.attach()
    await fake.start()
    try:
        with point_discord_py_at(fake):
            yield fake
            await fake.stop_bots()
        problems = _problems(fake, collector, request)
    finally:
        await fake.stop()
        collector.detach()
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


def _problems(fake: FakeDiscord, collector: ErrorLogCollector, request: pytest.FixtureRequest):
    problems = [f"violation: {v}" for v in fake.violations]
    problems += [f"route the fake does not serve: {m} {p}" for m, p in fake.unknown_routes]
    if request.node.get_closest_marker("unanswered") is None:
        problems += [f"never answered: {_what(r)}" for r in fake.interactions if not r.settled]
        problems += [
            f"left thinking: {_what(r)}"
            for r in fake.interactions
            if r.response_type == 5 and r.original is not None and r.original.loading
        ]
    if request.node.get_closest_marker("expected_errors") is None:
        problems += [f"logged ERROR: {line}" for line in collector.describe()]
        for proc in fake.processes:
            problems += [f"bot process ERROR: {line}" for line in proc.error_lines()]
    return problems


def _what(record) -> str:
    data = record.data or {}
    return f"interaction type {record.type} {data.get('name') or data.get('custom_id') or ''}"
