"""End to end: a channel notice pings a user once for reminders due together, and a reminder
sent just before a crash is found again after a restart past Discord's nonce window."""

from __future__ import annotations

import asyncio
from datetime import timedelta

NOTE = "秘密のメモ"


async def move(fake, bot, clock, delta: timedelta) -> None:
    """Move the fake clock, then wait until the scheduler has handled what fell due."""
    rest = bot.reminders.next_rest()
    clock.advance(delta)
    await asyncio.wait_for(rest.wait(), 5)
    await fake.wait_quiet()


async def closed_opts_in_to_general(fake) -> None:
    await fake.slash("remind-channel set", {"channel": fake.channel("general")}, user="admin")
    await fake.slash("settings channel-notice", {"on": True}, user="closed")


def mentions_of(fake, user: str) -> list:
    return [m for m in fake.sent_messages("general") if f"<@{fake.user(user).id}>" in m.content]


async def crash_at(bot, method: str) -> asyncio.Event:
    """The process dies right after its post: the store never hears of it (the reminder stays
    claimed, as after a SIGKILL). Returns the event set when it happened."""
    crashed = asyncio.Event()

    async def dies(*args, **kwargs):
        crashed.set()
        raise asyncio.CancelledError  # this delivery's task ends here, nothing recorded

    setattr(bot.store, method, dies)
    return crashed


async def restart_after_the_nonce_window(fake, bot, clock, start_tayori):
    await bot.close()
    fake.pass_nonce_window()  # a restart minutes later: Discord no longer knows the nonce
    clock.advance(timedelta(minutes=10))
    return await start_tayori()


async def test_25_reminders_due_together_ping_a_closed_dm_user_once(
    fake_discord, bot, clock, content
):
    ja = content["ja"]
    await closed_opts_in_to_general(fake_discord)
    closed = fake_discord.user("closed").id
    due = clock.now() + timedelta(hours=1)
    guild = fake_discord.world.guild.id
    for i in range(25):
        await bot.reminders.add(closed, "at", due, "ja", guild_id=guild, note=f"{NOTE}{i:02d}")
    await move(fake_discord, bot, clock, timedelta(hours=1))
    [notice] = mentions_of(fake_discord, "closed")
    assert NOTE not in notice.content, "the channel sees no note"
    assert len(await bot.store.held_for(closed)) == 25
    assert await bot.store.notices_for(closed) == [(notice.channel_id, notice.id)]

    label = ja.text("remind.buttons.show_held")
    other = await fake_discord.click(notice, label=label, user="haruto")
    assert other.ephemeral and other.text == ja.text("common.error.not_owner")
    assert not notice.deleted and len(await bot.store.held_for(closed)) == 25
    shown = await fake_discord.click(notice, label=label, user="closed")
    assert all(f.ephemeral for f in shown.followups)
    text = "\n".join(f.content for f in shown.followups)
    assert all(f"{NOTE}{i:02d}" in text for i in range(25)), "every reminder, only to them"
    with_buttons = [f for f in shown.followups if f.buttons]
    assert len(with_buttons) == 5, "the first five keep their buttons; /remind list has all"
    await fake_discord.wait_until(lambda: notice.deleted)
    assert await bot.store.held_for(closed) == []


async def test_a_notice_left_up_after_its_reminder_was_seen_says_so_and_goes(
    fake_discord, bot, clock, content
):
    ja = content["ja"]
    await closed_opts_in_to_general(fake_discord)
    await fake_discord.slash("remind at", {"when": "3時間後", "note": NOTE}, user="closed")
    await move(fake_discord, bot, clock, timedelta(hours=3))
    [notice] = mentions_of(fake_discord, "closed")
    fake_discord.fail_next("DELETE", r"/channels/\d+/messages/\d+", 403)
    seen = await fake_discord.slash("ng-list", user="closed")
    assert seen.followups and not notice.deleted, "shown; the notice could not be deleted"
    late = await fake_discord.click(
        notice, label=ja.text("remind.buttons.show_held"), user="closed"
    )
    [said] = late.followups
    assert said.ephemeral and said.text == ja.text("remind.delivery.nothing_held")
    await fake_discord.wait_until(lambda: notice.deleted)


async def test_a_dm_sent_just_before_a_crash_is_not_sent_again_after_the_nonce_window(
    fake_discord, start_tayori, clock
):
    bot = await start_tayori()
    await fake_discord.slash("remind at", {"when": "3時間後", "note": NOTE}, user="haruto")
    [reminder] = await bot.store.pending_for(fake_discord.user("haruto").id)
    crashed = await crash_at(bot, "mark_delivered")
    clock.advance(timedelta(hours=3))
    await asyncio.wait_for(crashed.wait(), 5)
    assert len(fake_discord.dms("haruto")) == 1

    bot = await restart_after_the_nonce_window(fake_discord, bot, clock, start_tayori)
    await fake_discord.wait_until(lambda: bot.reminders.idle.is_set())
    await fake_discord.wait_quiet()
    assert len(fake_discord.dms("haruto")) == 1, "exactly one: found, not sent again"
    assert (await bot.store.reminder(reminder.id)).state == "delivered"


async def test_a_notice_posted_just_before_a_crash_is_kept_and_privacy_delete_removes_it(
    fake_discord, start_tayori, clock, content
):
    bot = await start_tayori()
    await closed_opts_in_to_general(fake_discord)
    await fake_discord.slash("remind at", {"when": "3時間後", "note": NOTE}, user="closed")
    [reminder] = await bot.store.pending_for(fake_discord.user("closed").id)
    crashed = await crash_at(bot, "hold")
    clock.advance(timedelta(hours=3))
    await asyncio.wait_for(crashed.wait(), 5)
    [notice] = mentions_of(fake_discord, "closed")

    bot = await restart_after_the_nonce_window(fake_discord, bot, clock, start_tayori)
    await fake_discord.wait_until(lambda: bot.reminders.idle.is_set())
    await fake_discord.wait_quiet()
    assert mentions_of(fake_discord, "closed") == [notice], "exactly one: found, not posted again"
    kept = await bot.store.reminder(reminder.id)
    assert (kept.state, kept.notice_message_id) == ("held", notice.id)

    asked = await fake_discord.slash("privacy delete", user="closed")
    label = content["ja"].text("privacy.delete_button")
    await fake_discord.click(asked, label=label, user="closed")
    await fake_discord.wait_until(lambda: notice.deleted)
