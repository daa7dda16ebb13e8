"""Discord's answers to invalid or impossible requests, end to end through discord.py."""

from __future__ import annotations

import asyncio
import io

import discord
import pytest

from fakediscord import FakeDiscord


async def test_content_of_2001_chars_is_rejected(fake_discord: FakeDiscord, bot) -> None:
    result = await fake_discord.slash("invalid", {"what": "content"})
    assert not result.acknowledged and result.rejected[0]["code"] == 50035
    (error,) = bot.bot.http_errors
    assert error.status == 400 and error.code == 50035
    (violation,) = fake_discord.take_violations()
    assert violation.kind == "schema"
    assert [e.path for e in violation.errors] == [("data", "content")]


async def test_embed_title_of_257_is_rejected(fake_discord: FakeDiscord, bot) -> None:
    await fake_discord.slash("invalid", {"what": "title"})
    assert bot.bot.http_errors[0].code == 50035
    (violation,) = fake_discord.take_violations()
    assert [e.path for e in violation.errors] == [("data", "embeds", 0, "title")]


async def test_channel_message_limits_and_multipart(fake_discord: FakeDiscord, bot) -> None:
    channel = bot.bot.get_channel(fake_discord.world.channel("general").id)
    with pytest.raises(discord.HTTPException) as raised:
        await channel.send("x" * 2001)  # the spec allows 4000 here; Discord allows 2000
    assert raised.value.code == 50035
    assert [v.kind for v in fake_discord.take_violations()] == ["limits"]
    sent = await channel.send("with file", file=discord.File(io.BytesIO(b"hello"), "a.txt"))
    stored = fake_discord.sent_messages("general")[-1]
    assert stored.id == sent.id and stored.attachments[0]["filename"] == "a.txt"
    assert next(iter(stored.files.values())).data == b"hello"
    request = fake_discord.requests[-1]
    assert request.json["attachments"][0]["id"] == 0  # int snowflake, accepted
    reply = await sent.reply("a reply", mention_author=False)
    assert fake_discord.store.get(reply.id).message_reference["message_id"] == str(sent.id)
    await reply.edit(content="edited reply")
    assert fake_discord.store.get(reply.id).content == "edited reply"
    await reply.delete()
    assert fake_discord.store.get(reply.id) is None
    fetched = await bot.bot.fetch_channel(channel.id)
    assert fetched.name == "general"


async def test_valid_requests_pass(fake_discord: FakeDiscord, bot) -> None:
    await fake_discord.slash("buttons")
    await fake_discord.slash("slow")
    await fake_discord.slash("feedback")
    assert fake_discord.violations == []


async def test_closed_dms_give_50007(fake_discord: FakeDiscord, bot) -> None:
    result = await fake_discord.slash("dmme", user="closed")
    assert result.content == "closed 50007"
    assert fake_discord.dms("closed") == []
    opened = await fake_discord.slash("dmme", user="alice")
    assert opened.content == "sent"
    assert [m.content for m in fake_discord.dms("alice")] == ["hello in DM"]
    create_dm = [r for r in fake_discord.requests if r.path == "/users/@me/channels"][-1]
    assert create_dm.json == {"recipient_id": fake_discord.world.user("alice").id}


async def test_missing_permission_and_deleted_channel(fake_discord: FakeDiscord, bot) -> None:
    world = fake_discord.world
    denied = await fake_discord.slash("post", {"where": world.channel("no-send")})
    assert denied.content == "failed 50013"
    scratch = world.channel("scratch")
    world.delete_channel(scratch)
    gone = await fake_discord.slash("post", {"where": scratch})
    assert gone.content == "failed 10003"
    assert (await fake_discord.slash("post", {"where": world.channel("general")})).content == "ok"


async def test_late_first_response_gives_10062(fake_discord: FakeDiscord, bot) -> None:
    fake_discord.response_deadline = 0.2
    bot.bot.late_delay = 0.3
    result = await fake_discord.slash("late")
    assert not result.acknowledged
    await asyncio.wait_for(bot.bot.http_error_seen.wait(), 5)
    assert bot.bot.http_errors[0].code == 10062
    assert [v.kind for v in fake_discord.take_violations()] == ["late-response"]


async def test_second_initial_response_gives_40060(fake_discord: FakeDiscord, bot) -> None:
    result = await fake_discord.slash("twice")
    assert result.content == "one"
    assert bot.bot.http_errors[0].code == 40060
    assert [v.kind for v in fake_discord.take_violations()] == ["already-acknowledged"]


@pytest.mark.expected_errors
@pytest.mark.unanswered
async def test_logged_errors_are_collected(fake_discord: FakeDiscord, bot) -> None:
    @bot.bot.tree.command(description="Raises")
    async def boom(interaction: discord.Interaction) -> None:
        raise RuntimeError("kaboom")

    await bot.bot.tree.sync()
    fake_discord.response_deadline = 0.2
    result = await fake_discord.slash("boom")
    assert not result.acknowledged
    assert any("boom" in r.getMessage() for r in fake_discord.logged_errors)
