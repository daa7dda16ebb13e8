"""Faults: a locked or read-only database gives a clear, kind answer; nothing crashes."""

import sqlite3
from datetime import timedelta

import pytest


@pytest.fixture
def short_busy_timeout(monkeypatch):
    monkeypatch.setattr("bot.store.base.BUSY_TIMEOUT_MS", 50)


async def test_locked_database_says_try_again_then_works(
    fake_discord, short_busy_timeout, start_tayori, tmp_path, content
):
    bot = await start_tayori()
    other = sqlite3.connect(bot.settings.database_path, timeout=0)
    other.execute("BEGIN IMMEDIATE")
    try:
        busy = await fake_discord.slash(
            "settings timezone", {"name": "Europe/Paris"}, user="haruto"
        )
    finally:
        other.rollback()
        other.close()
    assert busy.ephemeral
    assert busy.text == content["ja"].text("common.error.db_busy")
    assert (await bot.store.user_settings(fake_discord.user("haruto").id)).timezone is None
    done = await fake_discord.slash("settings timezone", {"name": "Europe/Paris"}, user="haruto")
    assert "Europe/Paris" in done.text
    assert (
        await bot.store.user_settings(fake_discord.user("haruto").id)
    ).timezone == "Europe/Paris"


async def test_read_only_database_refuses_writes_kindly_and_keeps_serving_reads(
    fake_discord, bot, content, caplog
):
    await bot.store.db.execute("PRAGMA query_only = ON")
    refused = await fake_discord.slash("remind after-send", {}, user="alice")
    assert refused.text == content["en"].text("common.error.db_readonly")
    assert any("store problem" in r.getMessage() for r in caplog.records)
    listed = await fake_discord.slash("ng-list", {}, user="alice")
    assert listed.embeds[0]["title"] == content["en"].text("ng_list.title")
    started = await fake_discord.slash("diagnose start", {}, user="alice")
    assert started.embeds and started.components
    about = await fake_discord.slash("about", user="alice")
    assert about.embeds


async def test_gateway_drop_and_reconnect_resume_and_deliver_due_reminders_once(
    fake_discord, bot, clock
):
    from datetime import timedelta

    haruto = fake_discord.user("haruto")
    await fake_discord.slash("remind after-send", {"days": 1}, user="haruto")
    await fake_discord.drop_connection()
    clock.advance(timedelta(days=1, hours=1))
    await fake_discord.wait_until(lambda: fake_discord.dms("haruto"), within=5)
    await fake_discord.reconnect()
    clock.advance(timedelta(hours=1))
    await fake_discord.wait_quiet()
    assert len(fake_discord.dms(haruto)) == 1
    after = await fake_discord.slash("about", user="haruto")
    assert after.embeds, "the resumed session still serves commands"


async def test_full_disk_refuses_writes_kindly(fake_discord, bot, content):
    from bot.store import StoreReadOnly

    async with bot.store.db.execute("PRAGMA page_count") as cur:
        (pages,) = await cur.fetchone()
    await bot.store.db.execute(f"PRAGMA max_page_count = {pages}")
    due = bot.clock.now() + timedelta(days=1)
    for size in (200, 20, 0):  # fill the reminders' last free bytes: SQLite reports the disk full
        with pytest.raises(StoreReadOnly):
            for i in range(100_000):
                await bot.store.add_reminder(10 + i, "at", due, "ja", note="x" * size or None)
    full = await fake_discord.slash("remind at", {"when": "明日の20時"}, user="haruto")
    assert full.text == content["ja"].text("common.error.db_readonly")
    assert await bot.store.pending_for(fake_discord.user("haruto").id) == []
    listed = await fake_discord.slash("ng-list", {}, user="haruto")
    assert listed.embeds, "read-only commands keep working"


async def test_rate_limited_follow_up_is_retried(fake_discord, bot, content):
    fake_discord.fail_next("POST", r"/webhooks/.*", 429, times=1)
    shown = await fake_discord.slash("privacy show", {}, user="alice")
    assert shown.embeds[0]["title"] == content["en"].text("privacy.title")
    posts = [
        r for r in fake_discord.requests if r.method == "POST" and r.path.startswith("/webhooks/")
    ]
    assert [r.status for r in posts] == [429, 200]


@pytest.mark.expected_errors  # the one CRITICAL line is the point
async def test_the_database_file_deleted_while_running_stops_the_bot_with_one_line(
    fake_discord, bot, content, caplog
):
    """Going on would take reminders into an unlinked file that no restart opens again."""
    bot.settings.database_path.unlink()
    refused = await fake_discord.slash("remind at", {"when": "3時間後"}, user="haruto")
    assert refused.text == content["ja"].text("common.error.db_readonly")
    await fake_discord.wait_until(bot.is_closed)
    assert bot.exit_status == 1
    said = [r for r in caplog.records if "deleted or replaced" in r.getMessage()]
    assert len(said) == 1 and said[0].levelname == "CRITICAL"
    assert str(bot.settings.database_path) in said[0].getMessage()
