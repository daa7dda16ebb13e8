"""End to end: closed DMs, the server's reminder channel, held reminders, transient failures."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.core.when import format_duration
from bot.services.reminders import RETRY_BASE
from fakediscord.server import DROP, LOSE_ANSWER
from fakediscord.world import Overwrite, Perm

NOTE = "秘密のメモ"


def service(bot):
    return bot.reminders


async def move(fake, bot, clock, delta: timedelta):
    """Move the fake clock, then wait until the scheduler has handled what fell due."""
    rest = service(bot).next_rest()
    clock.advance(delta)
    await asyncio.wait_for(rest.wait(), 5)
    await fake.wait_quiet()


def posts_to(fake, channel) -> list:
    path = f"/channels/{fake.channel(channel).id}/messages"
    return [r for r in fake.requests if r.method == "POST" and r.path == path]


def sends_to(fake, channel_id: int) -> list:
    """The messages the bot tried to post in a channel (not its looks at the history)."""
    path = f"/channels/{channel_id}/messages"
    return [r for r in fake.requests if r.method == "POST" and r.path == path]


async def set_channel(fake, name: str) -> None:
    r = await fake.slash("remind-channel set", {"channel": fake.channel(name)}, user="admin")
    assert fake.channel(name).name in r.text or f"<#{fake.channel(name).id}>" in r.text


async def closed_sets_a_reminder(fake, bot) -> int:
    """The user with closed DMs opts in to a channel notice, then sets a reminder."""
    await fake.slash("settings channel-notice", {"on": True}, user="closed")
    await fake.slash("remind at", {"when": "3時間後", "note": NOTE}, user="closed")
    [reminder] = await bot.store.pending_for(fake.user("closed").id)
    return reminder.id


async def notice_in_general(fake, bot, clock):
    """A reminder of the user with closed DMs falls due: (its id, the notice in #general)."""
    await set_channel(fake, "general")
    rid = await closed_sets_a_reminder(fake, bot)
    before = len(fake.sent_messages("general"))
    await move(fake, bot, clock, timedelta(hours=3))
    await fake.wait_until(lambda: len(fake.sent_messages("general")) > before, 5)
    return rid, fake.sent_messages("general")[-1]


async def test_closed_dms_fall_back_to_a_discreet_post_mentioning_only_them(
    fake_discord, bot, clock, content
):
    ja = content["ja"]
    rid, notice = await notice_in_general(fake_discord, bot, clock)
    closed = fake_discord.user("closed").id
    text = ja.text("remind.delivery.dm_closed", command=bot.mention("remind list"))
    assert notice.content == f"<@{closed}> {text}"
    assert NOTE not in notice.content and notice.embeds == []
    [button] = notice.buttons  # one, naming only the reminder's id: found again after a crash
    assert button["custom_id"] == f"tayori:rm:seen:{closed}:{rid}"
    assert button["label"] == ja.text("remind.buttons.show_held")
    # it says neither what it is about nor what the bot is for
    for word in ("Tayori", "リマインダー", "⏰", "連絡", "reminder"):
        assert word not in notice.content + button["label"]
    assert text == (
        "非公開のメッセージが届いています。下のボタンを押すと、あなたにだけ表示されます"
        "（なにかコマンドを使ったときにも表示されます）。"
    )
    [request] = posts_to(fake_discord, "general")[-1:]
    assert request.json["allowed_mentions"] == {"users": [closed], "parse": []}
    assert fake_discord.dms("closed") == [], "the DM was refused (50007)"
    assert (await bot.store.reminder(rid)).state == "held", "kept: the notice says see the list"
    listed = await fake_discord.slash("remind list", {}, user="closed")
    assert NOTE in listed.embeds[0]["description"], "/remind list shows what the notice pointed to"
    held = ja.text("remind.list.held", kind=ja.text("remind.list.kind.at"))
    assert held in listed.embeds[0]["description"], "and says why its time has passed"
    shown = listed.followups[-1]
    assert NOTE in shown.content, "and the next command shows the reminder itself"
    assert (await bot.store.reminder(rid)).state == "delivered"
    await fake_discord.wait_until(lambda: notice.deleted)  # seen: the public line goes


async def test_deleting_my_data_deletes_the_channel_notice_too(fake_discord, bot, clock, content):
    _, notice = await notice_in_general(fake_discord, bot, clock)
    # the command shows the held reminder, but deleting the notice then is refused (403)
    fake_discord.fail_next("DELETE", r"/channels/\d+/messages/\d+", 403)
    asked = await fake_discord.slash("privacy delete", user="closed")
    assert asked.followups, "the held reminder was shown"
    await fake_discord.wait_quiet()
    assert not notice.deleted
    label = content["ja"].text("privacy.delete_button")
    await fake_discord.click(asked, label=label, user="closed")
    await fake_discord.wait_until(lambda: notice.deleted)
    assert await bot.store.notices_for(fake_discord.user("closed").id) == []


async def test_closed_dms_without_a_channel_are_held_and_shown_at_the_next_command(
    fake_discord, bot_on, clock, content
):
    bot = bot_on  # on SQLite and on PostgreSQL
    ja = content["ja"]
    rid = await closed_sets_a_reminder(fake_discord, bot)
    await move(fake_discord, bot, clock, timedelta(hours=3))
    assert (await bot.store.reminder(rid)).state == "held"
    assert posts_to(fake_discord, "general") == [], "no channel is set, so nothing is posted"
    form = await fake_discord.slash("check-draft", user="closed")
    assert form.modal is not None and form.followups == [], "no follow-up on a form"
    assert (await bot.store.reminder(rid)).state == "held"
    clock.advance(timedelta(hours=2))
    r = await fake_discord.slash("ng-list", user="closed")
    # shown after the command's own answer, once the store has said what is held: on a busy
    # machine that read may outlast the fake's quiet window
    await fake_discord.wait_until(lambda: r.followups)
    [followup] = r.followups
    assert followup.ephemeral
    late = format_duration(timedelta(hours=2), ja.when)
    assert followup.content == "\n".join(
        [ja.text("remind.at.due", note=NOTE), ja.text("remind.delivery.late", duration=late)]
    )
    assert (await bot.store.reminder(rid)).state == "delivered"
    again = await fake_discord.slash("ng-list", user="closed")
    assert again.followups == [], "shown once only"


async def test_a_held_reminder_is_shown_once_to_two_processes_at_once(fake_discord, bot_on, clock):
    """Two commands of one user answered at once, by two processes (a server's shard and the
    DMs'): each claims the held reminders before showing them, so only one shows them."""
    bot = bot_on
    rid = await closed_sets_a_reminder(fake_discord, bot)
    await move(fake_discord, bot, clock, timedelta(hours=3))
    uid = fake_discord.user("closed").id
    mine, other = await asyncio.gather(
        bot.store.claim_held(uid, "this process"), bot.store.claim_held(uid, "another process")
    )
    assert sorted([len(mine), len(other)]) == [0, 1]
    assert await bot.store.claim_held(uid, "a third") == [], "claimed until shown or released"
    await bot.store.release_held([rid])  # the one that claimed could not show it
    r = await fake_discord.slash("ng-list", user="closed")
    assert len(r.followups) == 1 and (await bot.store.reminder(rid)).state == "delivered"


async def test_many_held_reminders_are_all_shown_in_messages_that_fit(
    fake_discord, bot, clock, content
):
    closed = fake_discord.user("closed").id
    notes = [f"メモ{i:02d}" + "あ" * 190 for i in range(20)]  # ~4,000 characters in all
    for i, note in enumerate(notes):
        due = clock.now() + timedelta(hours=1, minutes=i)
        await bot.store.add_reminder(closed, "at", due, "ja", note=note)
    await move(fake_discord, bot, clock, timedelta(hours=2))
    assert len(await bot.store.held_for(closed)) == 20
    r = await fake_discord.slash("ng-list", user="closed")
    shown = [f.content for f in r.followups]
    assert all(f.ephemeral for f in r.followups) and all(len(text) <= 2000 for text in shown)
    assert len(shown) == 5 + 2, "five with their buttons, fifteen more in two messages"
    assert [bool(f.buttons) for f in r.followups] == [True] * 5 + [False] * 2
    assert [n for n in notes if any(n in text for text in shown)] == notes, "none cut or lost"
    assert await bot.store.held_for(closed) == []


async def test_a_held_after_send_reminder_comes_with_its_buttons(fake_discord, bot, clock, content):
    ja = content["ja"]
    closed = fake_discord.user("closed").id
    await bot.store.add_reminder(closed, "after-send", clock.now() + timedelta(days=7), "ja")
    await move(fake_discord, bot, clock, timedelta(days=7, hours=1))
    r = await fake_discord.slash("ng-list", user="closed")
    [shown] = r.followups
    labels = [b["label"] for b in shown.buttons]
    for key in ("remind.buttons.replied", "remind.buttons.wait_week", "remind.buttons.check_draft"):
        assert ja.text(key) in labels
    done = await fake_discord.click(shown, label=ja.text("remind.buttons.replied"), user="closed")
    assert done.acknowledged
    assert await bot.store.after_send_window(closed) is None, "closed: they replied"


async def test_held_reminders_that_could_not_be_shown_stay_held(fake_discord, bot, clock):
    closed = fake_discord.user("closed").id
    for i in range(12):
        due = clock.now() + timedelta(hours=1, minutes=i)
        await bot.store.add_reminder(closed, "at", due, "ja", note=f"メモ{i:02d}" + "あ" * 190)
    await move(fake_discord, bot, clock, timedelta(hours=2))
    fake_discord.fail_next("POST", r"/webhooks/.*", status=400)  # the first page is refused
    refused = await fake_discord.slash("ng-list", user="closed")
    assert refused.followups == []
    assert len(await bot.store.held_for(closed)) == 12, "nothing marked shown that was not"
    r = await fake_discord.slash("ng-list", user="closed")
    assert len(r.followups) == 6 and await bot.store.held_for(closed) == []


async def test_a_deleted_reminder_channel_is_cleared_and_the_reminder_held(
    fake_discord, bot, clock, content
):
    await set_channel(fake_discord, "scratch")
    guild = fake_discord.world.guild.id
    rid = await closed_sets_a_reminder(fake_discord, bot)
    fake_discord.world.delete_channel(fake_discord.channel("scratch"))
    await move(fake_discord, bot, clock, timedelta(hours=3))
    assert [r.status for r in fake_discord.requests if r.path.endswith("/messages")][-1] == 404
    assert (await bot.store.guild_settings(guild)).reminder_channel_id is None
    assert (await bot.store.reminder(rid)).state == "held"
    r = await fake_discord.slash("remind list", user="closed")
    assert r.followups[0].content == content["ja"].text("remind.at.due", note=NOTE)


async def test_a_channel_the_bot_may_no_longer_post_in_holds_the_reminder(
    fake_discord, bot, clock, content
):
    await set_channel(fake_discord, "general")
    rid = await closed_sets_a_reminder(fake_discord, bot)
    general = fake_discord.channel("general")
    general.overwrites.append(Overwrite(fake_discord.world.bot.id, 1, deny=Perm.SEND_MESSAGES))
    await move(fake_discord, bot, clock, timedelta(hours=3))
    assert posts_to(fake_discord, "general")[-1].status == 403
    assert (await bot.store.reminder(rid)).state == "held"
    kept = await bot.store.guild_settings(fake_discord.world.guild.id)
    assert kept.reminder_channel_id == general.id


async def test_a_rate_limited_dm_is_retried_by_discord_py_after_retry_after(
    fake_discord, bot, clock, content
):
    await fake_discord.slash("remind at", {"when": "3時間後", "note": "再送"}, user="haruto")
    [reminder] = await bot.store.pending_for(fake_discord.user("haruto").id)
    dm = fake_discord.world.dm_channel(fake_discord.user("haruto"))
    fake_discord.fail_next("POST", f"/channels/{dm.id}/messages", 429, times=1)
    await move(fake_discord, bot, clock, timedelta(hours=3))
    await fake_discord.wait_until(lambda: fake_discord.dms("haruto"), within=5)
    delivered = await bot.store.reminder(reminder.id)
    assert (delivered.state, delivered.attempts) == ("delivered", 1)
    statuses = [r.status for r in sends_to(fake_discord, dm.id)]
    assert statuses == [429, 200]


@pytest.mark.parametrize("status", [503])
async def test_transient_failures_retry_with_backoff(fake_discord, bot, clock, content, status):
    ja = content["ja"]
    await fake_discord.slash("remind at", {"when": "3時間後", "note": "再送"}, user="haruto")
    [reminder] = await bot.store.pending_for(fake_discord.user("haruto").id)
    dm = fake_discord.world.dm_channel(fake_discord.user("haruto"))
    fake_discord.fail_next("POST", f"/channels/{dm.id}/messages", status, times=2)
    await move(fake_discord, bot, clock, timedelta(hours=3))
    first = await bot.store.reminder(reminder.id)
    assert (first.state, first.attempts) == ("pending", 1)
    assert first.due_at == clock.now() + RETRY_BASE
    await move(fake_discord, bot, clock, RETRY_BASE)
    second = await bot.store.reminder(reminder.id)
    assert (second.state, second.attempts) == ("pending", 2)
    assert second.due_at == clock.now() + 2 * RETRY_BASE, "the wait doubles"
    assert fake_discord.dms("haruto") == []
    await move(fake_discord, bot, clock, 2 * RETRY_BASE)
    await fake_discord.wait_until(lambda: fake_discord.dms("haruto"), within=5)
    [message] = fake_discord.dms("haruto")
    assert message.content.startswith(ja.text("remind.at.due", note="再送"))
    delivered = await bot.store.reminder(reminder.id)
    assert (delivered.state, delivered.attempts) == ("delivered", 3)
    statuses = [r.status for r in sends_to(fake_discord, dm.id)]
    assert statuses == [status, status, 200]


async def due_with_fault(fake, bot, clock, note: str, status: int):
    """haruto's reminder falls due while its DM send meets one fault; return it and the DM."""
    await fake.slash("remind at", {"when": "3時間後", "note": note}, user="haruto")
    [reminder] = await bot.store.pending_for(fake.user("haruto").id)
    dm = fake.world.dm_channel(fake.user("haruto"))
    fake.fail_next("POST", f"/channels/{dm.id}/messages", status, times=1)
    await move(fake, bot, clock, timedelta(hours=3))
    return reminder, dm


async def test_a_dropped_connection_is_retried_later_and_delivers_once(
    fake_discord, bot, clock, content
):
    reminder, dm = await due_with_fault(fake_discord, bot, clock, "再送", DROP)
    failed = await bot.store.reminder(reminder.id)
    assert (failed.state, failed.attempts) == ("pending", 1), "a network error is transient"
    assert failed.due_at == clock.now() + RETRY_BASE
    assert fake_discord.dms("haruto") == []
    await move(fake_discord, bot, clock, RETRY_BASE)
    await fake_discord.wait_until(lambda: fake_discord.dms("haruto"), within=5)
    [message] = fake_discord.dms("haruto")
    assert message.content.startswith(content["ja"].text("remind.at.due", note="再送"))
    assert (await bot.store.reminder(reminder.id)).state == "delivered"
    statuses = [r.status for r in sends_to(fake_discord, dm.id)]
    assert statuses == [DROP, 200]


async def test_a_lost_answer_is_retried_and_discord_keeps_the_first_message(
    fake_discord, bot, clock, content
):
    reminder, dm = await due_with_fault(fake_discord, bot, clock, "一度だけ", LOSE_ANSWER)
    assert len(fake_discord.dms("haruto")) == 1, "the message was created; the bot never heard"
    assert (await bot.store.reminder(reminder.id)).state == "pending"
    await move(fake_discord, bot, clock, RETRY_BASE)
    [message] = fake_discord.dms("haruto")
    assert message.content.startswith(content["ja"].text("remind.at.due", note="一度だけ"))
    assert (await bot.store.reminder(reminder.id)).state == "delivered"
    assert [r.status for r in sends_to(fake_discord, dm.id)] == [LOSE_ANSWER], "found, not resent"
    [look] = [r for r in fake_discord.requests if r.method == "GET" and str(dm.id) in r.path]
    assert look.status == 200 and int(look.response[0]["id"]) == message.id
    assert sends_to(fake_discord, dm.id)[0].json["enforce_nonce"], "and a resend keeps the nonce"


@pytest.mark.expected_errors
async def test_an_unexpected_error_retries_later_and_the_scheduler_lives_on(
    fake_discord, bot, clock, content, monkeypatch
):
    transport = service(bot).transport
    real, failures = transport.send_dm, []

    async def fails_once(delivery):
        if not failures:
            failures.append(delivery.reminder.id)
            raise RuntimeError("a bug while sending")
        await real(delivery)

    monkeypatch.setattr(transport, "send_dm", fails_once)
    await fake_discord.slash("remind at", {"when": "3時間後", "note": "生きてる"}, user="haruto")
    await move(fake_discord, bot, clock, timedelta(hours=3))
    [rid] = failures
    retry = await bot.store.reminder(rid)
    assert (retry.state, retry.due_at) == ("pending", clock.now() + RETRY_BASE)
    assert any("unexpected failure" in r.getMessage() for r in fake_discord.logged_errors)
    await move(fake_discord, bot, clock, RETRY_BASE)
    await fake_discord.wait_until(lambda: fake_discord.dms("haruto"), within=5)
    assert fake_discord.dms("haruto")[0].content == content["ja"].text(
        "remind.at.due", note="生きてる"
    )


async def test_a_notice_left_up_goes_with_its_reminder_at_the_purge(fake_discord, bot, clock):
    _, notice = await notice_in_general(fake_discord, bot, clock)
    fake_discord.fail_next("DELETE", r"/channels/\d+/messages/\d+", 403)
    shown = await fake_discord.slash("ng-list", user="closed")
    assert shown.followups and not notice.deleted, "shown, but the notice could not be deleted"
    clock.advance(timedelta(days=bot.settings.reminder_retention_days + 1))  # the daily purge
    await fake_discord.wait_until(lambda: notice.deleted)


async def test_without_the_users_consent_nothing_is_posted_and_the_reminder_waits(
    fake_discord, bot, clock, content
):
    """The channel notice is opt-in (/settings channel-notice): off, the channel stays quiet."""
    ja = content["ja"]
    await set_channel(fake_discord, "general")
    off = await fake_discord.slash("settings channel-notice", {"on": False}, user="closed")
    assert off.ephemeral and off.content == ja.text("remind.channel_notice.off")
    await fake_discord.slash("remind at", {"when": "3時間後", "note": NOTE}, user="closed")
    [reminder] = await bot.store.pending_for(fake_discord.user("closed").id)
    before = len(fake_discord.sent_messages("general"))
    await move(fake_discord, bot, clock, timedelta(hours=3))
    assert len(fake_discord.sent_messages("general")) == before, "nothing public"
    assert (await bot.store.reminder(reminder.id)).state == "held"
    listed = await fake_discord.slash("remind list", {}, user="closed")
    assert NOTE in listed.followups[-1].content, "shown at the next command instead"


def dm_requests(fake) -> list[str]:
    """The requests the bot made to reach haruto's DMs, as "METHOD path"."""
    dm = fake.world.dm_channel(fake.user("haruto"))
    wanted = ("/users/@me/channels", f"/channels/{dm.id}/messages")
    return [f"{r.method} {r.path}" for r in fake.requests if r.path in wanted]


async def test_the_second_reminder_to_a_user_is_one_request(fake_discord, bot, clock):
    fake = fake_discord
    dm = fake.world.dm_channel(fake.user("haruto")).id
    await fake.slash("remind at", {"when": "3時間後", "note": "一つめ"}, user="haruto")
    await move(fake, bot, clock, timedelta(hours=3))
    assert dm_requests(fake) == ["POST /users/@me/channels", f"POST /channels/{dm}/messages"]
    assert (await bot.store.user_settings(fake.user("haruto").id)).dm_channel_id == dm
    await fake.slash("remind at", {"when": "3時間後", "note": "二つめ"}, user="haruto")
    await move(fake, bot, clock, timedelta(hours=3))
    assert dm_requests(fake)[2:] == [f"POST /channels/{dm}/messages"], "the DM is not reopened"
    assert [m.content.count("二つめ") for m in fake.dms("haruto")] == [0, 1]


async def test_a_dm_channel_that_is_gone_is_opened_again(fake_discord, bot, clock):
    fake = fake_discord
    dm = fake.world.dm_channel(fake.user("haruto")).id
    await bot.store.set_user_settings(fake.user("haruto").id, dm_channel_id=dm)
    fake.fail_next("POST", f"/channels/{dm}/messages", 404, code=10003)  # Unknown Channel
    await fake.slash("remind at", {"when": "3時間後", "note": "届く"}, user="haruto")
    await move(fake, bot, clock, timedelta(hours=3))
    await fake.wait_until(lambda: fake.dms("haruto"), within=5)
    assert dm_requests(fake) == [
        f"POST /channels/{dm}/messages",
        "POST /users/@me/channels",
        f"POST /channels/{dm}/messages",
    ]
    assert "届く" in fake.dms("haruto")[0].content
