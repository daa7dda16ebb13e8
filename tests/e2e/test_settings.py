"""End to end: /settings timezone (with autocomplete) and /settings quiet-hours."""

from __future__ import annotations

import asyncio
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

TOKYO = ZoneInfo("Asia/Tokyo")


async def move_to(fake, bot, clock, when: datetime):
    """Set the fake clock, then wait until the scheduler has handled what fell due."""
    rest = bot.reminders.next_rest()
    clock.set(when)
    await asyncio.wait_for(rest.wait(), 5)
    await fake.wait_quiet()


def values(result) -> list[str]:
    return [c["value"] for c in result.choices]


async def test_timezone_autocomplete_suggests_iana_names(fake_discord, bot):
    typed = await fake_discord.autocomplete(
        "settings timezone", {"name": "new_y"}, "name", user="alice"
    )
    assert values(typed) == ["America/New_York"]
    assert typed.choices[0]["name"] == "America/New_York"
    nothing = await fake_discord.autocomplete("settings timezone", {}, "name", user="haruto")
    assert values(nothing) == ["Asia/Tokyo", "UTC"]
    many = await fake_discord.autocomplete("settings timezone", {"name": "a"}, "name", user="alice")
    assert len(many.choices) == 25 and all("a" in v.casefold() for v in values(many))


async def test_timezone_is_stored_by_its_canonical_name(fake_discord, bot, content):
    r = await fake_discord.slash("settings timezone", {"name": "europe/paris"}, user="alice")
    assert r.ephemeral
    assert r.text == content["en"].text("remind.timezone.set", tz="Europe/Paris")
    assert (await bot.store.user_settings(fake_discord.user("alice").id)).timezone == "Europe/Paris"


async def test_unknown_timezone_is_refused_and_nothing_changes(fake_discord, bot, content):
    r = await fake_discord.slash("settings timezone", {"name": "Mars/Olympus_Mons"}, user="haruto")
    assert r.ephemeral
    assert r.text == content["ja"].text("remind.timezone.unknown", tz=r"Mars/Olympus\_Mons")
    assert (await bot.store.user_settings(fake_discord.user("haruto").id)).timezone is None


async def test_quiet_hours_are_stored_and_followed(fake_discord, bot, clock, content):
    ja = content["ja"]
    r = await fake_discord.slash(
        "settings quiet-hours", {"start": "1:00", "end": "６:００"}, user="haruto"
    )
    assert r.text == ja.text("remind.quiet.set", start="01:00", end="06:00")
    settings = await bot.store.user_settings(fake_discord.user("haruto").id)
    assert (settings.quiet_start, settings.quiet_end) == ("01:00", "06:00")

    await fake_discord.slash("remind at", {"when": "0:00", "note": "真夜中"}, user="haruto")
    await fake_discord.slash("remind at", {"when": "3:00", "note": "明け方"}, user="haruto")
    midnight, three = await bot.store.pending_for(fake_discord.user("haruto").id)
    await move_to(fake_discord, bot, clock, datetime(2026, 3, 11, 0, 0, tzinfo=TOKYO))
    await fake_discord.wait_until(lambda: fake_discord.dms("haruto"), within=5)
    assert [m.content for m in fake_discord.dms("haruto")] == [
        ja.text("remind.at.due", note="真夜中")
    ]
    assert (await bot.store.reminder(midnight.id)).state == "delivered", "00:00 is outside 01–06"

    await move_to(fake_discord, bot, clock, datetime(2026, 3, 11, 3, 0, tzinfo=TOKYO))
    held = await bot.store.reminder(three.id)
    assert (held.state, held.due_at) == ("pending", datetime(2026, 3, 11, 6, 0, tzinfo=TOKYO))
    assert len(fake_discord.dms("haruto")) == 1
    await move_to(fake_discord, bot, clock, datetime(2026, 3, 11, 6, 0, tzinfo=TOKYO))
    await fake_discord.wait_until(lambda: len(fake_discord.dms("haruto")) == 2, within=5)
    assert fake_discord.dms("haruto")[1].content == ja.text("remind.at.due", note="明け方")


@pytest.mark.parametrize(("start", "end"), [("25:00", "08:00"), ("22:00", "22:00"), ("夜", "朝")])
async def test_quiet_hours_refuse_unreadable_or_empty_windows(
    fake_discord, bot, content, start, end
):
    r = await fake_discord.slash("settings quiet-hours", {"start": start, "end": end}, user="alice")
    assert r.ephemeral and r.text == content["en"].text("remind.quiet.invalid")
    settings = await bot.store.user_settings(fake_discord.user("alice").id)
    assert (settings.quiet_start, settings.quiet_end) == (None, None)


async def test_quiet_hours_can_be_turned_off(fake_discord, bot, clock, content):
    ja = content["ja"]
    off = await fake_discord.slash("settings quiet-hours", {"off": True}, user="haruto")
    assert off.ephemeral and off.text == ja.text("remind.quiet.off")
    confirmed = await fake_discord.slash("remind at", {"when": "0:00"}, user="haruto")
    assert "23:00〜08:00" not in confirmed.text, "no quiet-hours line: it comes at midnight"
    await move_to(fake_discord, bot, clock, datetime(2026, 3, 11, 0, 0, tzinfo=TOKYO))
    await fake_discord.wait_until(lambda: fake_discord.dms("haruto"), within=5)
    assert fake_discord.dms("haruto")[0].content == ja.text("remind.at.due_plain")


@pytest.mark.parametrize(
    ("given", "key"),
    [
        ({"off": True, "start": "23:00"}, "remind.quiet.off_or_times"),
        ({"start": "23:00"}, "remind.quiet.invalid"),
        ({}, "remind.quiet.invalid"),
    ],
)
async def test_quiet_hours_take_both_times_or_off(fake_discord, bot, content, given, key):
    r = await fake_discord.slash("settings quiet-hours", given, user="alice")
    assert r.ephemeral and r.text == content["en"].text(key)
    settings = await bot.store.user_settings(fake_discord.user("alice").id)
    assert (settings.quiet_start, settings.quiet_end) == (None, None)
