"""End to end: retention — the purge at start and daily; a server's settings when the bot leaves.

The purge and the guild clean-up touch only the database, which the fake cannot see, so
these tests wake the fake's waiters whenever the bot logs and wait on the database itself.
"""

import logging
import sqlite3
from contextlib import closing
from datetime import timedelta

import pytest

from bot.core.clock import FakeClock
from bot.store import open_store
from fakediscord.world import Perm


class WakeOnLog(logging.Handler):
    """Wake `fake_discord.wait_until` whenever the bot logs (a purge, leaving a server)."""

    def __init__(self, fake) -> None:
        super().__init__(logging.INFO)
        self.fake = fake

    def emit(self, record: logging.LogRecord) -> None:
        self.fake.notify()


@pytest.fixture
def wake_on_log(fake_discord, caplog):
    caplog.set_level(logging.INFO, logger="bot")
    handler = WakeOnLog(fake_discord)
    logging.getLogger("bot").addHandler(handler)
    yield
    logging.getLogger("bot").removeHandler(handler)


def query(path, sql: str, *params) -> list[tuple]:
    """Read the database file directly, as it is on disk."""
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        return db.execute(sql, params).fetchall()


async def seed(path, now, user_id: int) -> dict[str, int]:
    """Write diagnoses and reminders of various ages before the bot starts; return their ids."""
    ids: dict[str, int] = {}
    for name, age in [("old", 91), ("almost", 89.5), ("recent", 10)]:
        async with open_store(path, FakeClock(now - timedelta(days=age))) as store:
            ids[f"diagnosis-{name}"] = await store.add_diagnosis(user_id, {"q": "a"}, ["busy"])
    for name, age in [("cancelled-old", 31), ("cancelled-almost", 29.5), ("pending-old", 100)]:
        async with open_store(path, FakeClock(now - timedelta(days=age))) as store:
            due = now + timedelta(days=5)
            reminder = await store.add_reminder(user_id, "at", due, "ja", note="memo")
            if name.startswith("cancelled"):
                await store.cancel_reminder(user_id, reminder.id)
            ids[f"reminder-{name}"] = reminder.id
    return ids


def remaining(path, ids: dict[str, int]) -> set[str]:
    diagnoses = {r[0] for r in query(path, "SELECT id FROM diagnoses")}
    reminders = {r[0] for r in query(path, "SELECT id FROM reminders")}
    return {
        name
        for name, row in ids.items()
        if row in (diagnoses if name.startswith("diagnosis") else reminders)
    }


async def test_purge_runs_at_start_and_then_daily(
    fake_discord, start_tayori, make_settings, clock, wake_on_log
):
    path = make_settings().database_path
    ids = await seed(path, clock.now(), fake_discord.user("haruto").id)
    assert remaining(path, ids) == set(ids)

    await start_tayori()
    after_start = {
        "diagnosis-almost",
        "diagnosis-recent",
        "reminder-cancelled-almost",
        "reminder-pending-old",
    }
    await fake_discord.wait_until(lambda: remaining(path, ids) == after_start, within=5)

    clock.advance(timedelta(days=1))
    after_a_day = {"diagnosis-recent", "reminder-pending-old"}
    await fake_discord.wait_until(lambda: remaining(path, ids) == after_a_day, within=5)


async def test_leaving_a_server_removes_its_settings(
    fake_discord, start_tayori, make_settings, wake_on_log
):
    world = fake_discord.world
    first = world.guild
    second = world.add_guild("Second Server")
    moderator = world.add_role(second, "Moderator", Perm.MANAGE_GUILD | Perm.EVERYONE)
    world.join(world.user("admin"), second, roles=[moderator])
    lobby = world.add_channel(second, "lobby")
    bot = await start_tayori()
    path = make_settings().database_path

    general = world.channel("general")
    await fake_discord.slash("remind-channel set", {"channel": general}, user="admin")
    await fake_discord.slash(
        "remind-channel set", {"channel": lobby}, user="admin", guild=second, channel=lobby
    )
    stored = lambda: set(query(path, "SELECT guild_id, reminder_channel_id FROM guild_settings"))  # noqa: E731
    assert stored() == {(first.id, general.id), (second.id, lobby.id)}

    await fake_discord.dispatch("GUILD_DELETE", {"id": str(first.id), "unavailable": True})
    await fake_discord.dispatch("GUILD_DELETE", {"id": str(second.id)})
    await fake_discord.wait_until(lambda: stored() == {(first.id, general.id)}, within=5)
    assert bot.get_guild(second.id) is None
    assert (await bot.store.guild_settings(first.id)).reminder_channel_id == general.id, (
        "an outage (unavailable) is not leaving: the first server keeps its settings"
    )
