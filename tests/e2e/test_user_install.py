"""End to end: Tayori as a user-installed app, where the bot itself is not present.

In a group DM or a DM between users, and in a server the bot was never added to, Discord still
sends the interactions; Tayori can only answer through the interaction (it cannot post
in those channels), and server-only commands are not offered there.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.runtime.replies import when_text
from fakediscord import UserActionError
from tests.conftest import START
from tests.e2e.test_remind_delivery import move

CHECK_TEXT = "元気にしてる？体調悪いなら無理しないようにね。"


@pytest.fixture(params=["group-dm", "user-dm", "foreign-server"])
def place(request, fake_discord):
    """A channel where only the users' own install of Tayori reaches: haruto and alice are in it."""
    world = fake_discord.world
    haruto, alice = world.users["haruto"], world.users["alice"]
    if request.param == "group-dm":
        return world.add_group_dm("friends", [haruto, alice])
    if request.param == "user-dm":
        return world.add_user_dm(haruto, alice)
    guild = world.add_guild("Elsewhere", bot_member=False)
    world.join(haruto, guild)
    world.join(alice, guild)
    return world.add_channel(guild, "lobby")


def no_channel_posts(fake, channel) -> bool:
    """The bot never tried to post in the channel with its own token."""
    return not any(
        r.method == "POST" and r.path == f"/channels/{channel.id}/messages" for r in fake.requests
    )


async def test_private_commands_answer_privately(fake_discord, bot, content, place):
    ja, en = content["ja"], content["en"]
    listed = await fake_discord.slash("ng-list", user="haruto", channel=place)
    assert listed.ephemeral and listed.embeds[0]["title"] == ja.text("ng_list.title")
    payload = fake_discord.interactions[-1].payload
    assert payload["authorizing_integration_owners"] == {"1": str(fake_discord.user("haruto").id)}
    assert payload["context"] == (0 if place.guild_id else 2)

    checked = await fake_discord.slash(
        "check-draft", {"text": CHECK_TEXT}, user="haruto", channel=place
    )
    assert checked.ephemeral
    assert checked.embeds[0]["title"] == ja.text("check_draft.verdict.send")
    remind = next(b for b in checked.message.buttons if b["custom_id"].startswith("tayori:rm:as:"))
    scheduled = await fake_discord.click(checked, remind["custom_id"], user="haruto")
    due = when_text(START + timedelta(days=int(remind["custom_id"].rsplit(":", 1)[1])))
    assert scheduled.ephemeral
    assert scheduled.text == ja.text("remind.after_send.confirm", when=due)
    assert len(await bot.store.pending_for(fake_discord.user("haruto").id)) == 1

    about = await fake_discord.slash("about", user="alice", channel=place)
    assert about.ephemeral and about.embeds[0]["title"] == en.text("common.about.title")

    shown = await fake_discord.slash("privacy show", user="alice", channel=place)
    assert shown.ephemeral and shown.embeds[0]["title"] == en.text("privacy.title")
    assert no_channel_posts(fake_discord, place)


async def test_diagnose_starts_privately_and_takes_an_answer(fake_discord, bot, content, place):
    ja = content["ja"]
    first, second = ja.diagnose.questions[:2]
    started = await fake_discord.slash("diagnose start", user="haruto", channel=place)
    assert started.ephemeral
    assert started.embeds[0]["description"].endswith(f"**{first.text}**")
    labels = [b["label"] for b in started.message.buttons]
    assert ja.text("diagnose.buttons.continue-dm") in labels
    answered = await fake_discord.click(started, label=first.options[0].label, user="haruto")
    assert answered.response_type == 7 and answered.ephemeral
    assert answered.embeds[0]["description"] == f"**{second.text}**"
    assert no_channel_posts(fake_discord, place)


async def test_after_send_reminder_is_kept(fake_discord, bot, content, place):
    r = await fake_discord.slash("remind after-send", user="haruto", channel=place)
    due = START + timedelta(days=7)
    assert r.ephemeral
    assert r.content == content["ja"].text("remind.after_send.confirm", when=when_text(due))
    [reminder] = await bot.store.pending_for(fake_discord.user("haruto").id)
    assert (reminder.kind, reminder.due_at, reminder.guild_id) == (
        "after-send",
        due,
        place.guild_id,
    )


async def test_remind_channel_is_not_offered(fake_discord, bot, place):
    # (Group) DM: not a server context; foreign server: the command is server-install only.
    why = "not installable to users" if place.guild_id else "not available in context 2"
    for sub in ("show", "clear"):
        with pytest.raises(UserActionError, match=why):
            await fake_discord.slash(f"remind-channel {sub}", user="haruto", channel=place)


async def test_shared_ng_list_in_a_group_dm(fake_discord, bot, content):
    world = fake_discord.world
    group = world.add_group_dm("friends", [world.users["haruto"], world.users["alice"]])
    shared = await fake_discord.slash("ng-list", {"public": True}, user="haruto", channel=group)
    assert not shared.ephemeral and shared.response_type == 4
    assert shared.embeds[0]["title"] == content["ja"].text("ng_list.title")
    assert fake_discord.sent_messages(group) == [shared.message]
    read = await fake_discord.select(shared, "tayori:ng:sel:p", ["blaming"], user="alice")
    assert read.ephemeral, "a reader of the shared list gets the item privately"
    assert no_channel_posts(fake_discord, group)


@pytest.mark.parametrize("where", ["group-dm", "foreign-server"])
async def test_a_reminder_set_where_the_bot_is_absent_with_dms_closed_is_held_then_shown(
    fake_discord, bot, clock, content, where
):
    world = fake_discord.world
    closed, haruto = world.users["closed"], world.users["haruto"]
    if where == "group-dm":
        place = world.add_group_dm("pair", [closed, haruto])
    else:
        guild = world.add_guild("Elsewhere", bot_member=False)
        world.join(closed, guild)
        place = world.add_channel(guild, "lobby")
    await fake_discord.slash(
        "remind at", {"when": "3時間後", "note": "秘密"}, user="closed", channel=place
    )
    [reminder] = await bot.store.pending_for(closed.id)
    assert reminder.guild_id == place.guild_id
    await move(fake_discord, bot, clock, timedelta(hours=3))
    assert (await bot.store.reminder(reminder.id)).state == "held", "DMs closed, no channel"
    assert no_channel_posts(fake_discord, place)
    r = await fake_discord.slash("ng-list", user="closed", channel=place)
    [followup] = r.followups
    assert followup.ephemeral
    assert followup.content == content["ja"].text("remind.at.due", note="秘密")
    assert (await bot.store.reminder(reminder.id)).state == "delivered"
    assert no_channel_posts(fake_discord, place)


async def test_continue_in_dms_from_where_the_bot_is_absent(fake_discord, bot, content, place):
    ja = content["ja"]
    first, second = ja.diagnose.questions[:2]
    started = await fake_discord.slash("diagnose start", user="haruto", channel=place)
    answered = await fake_discord.click(started, label=first.options[0].label, user="haruto")
    moved = await fake_discord.click(
        answered, label=ja.text("diagnose.buttons.continue-dm"), user="haruto"
    )
    dm = fake_discord.dms("haruto")[-1]
    assert moved.ephemeral and moved.embeds == [] and moved.components == []
    jump = f"https://discord.com/channels/@me/{dm.channel_id}/{dm.id}"
    assert moved.content == ja.text("diagnose.moved-to-dm", link=jump)
    assert dm.embeds[0]["description"] == f"**{second.text}**"
    nxt = await fake_discord.click(dm, label=second.options[0].label, user="haruto")
    assert (
        nxt.message.id == dm.id
        and nxt.embeds[0]["description"] == f"**{ja.diagnose.questions[2].text}**"
    )
    assert no_channel_posts(fake_discord, place)
