"""A channel's history (GET /channels/{id}/messages) and Discord's nonce window."""

from __future__ import annotations

import aiohttp
import discord

from fakediscord import FakeDiscord
from fakediscord.world import Overwrite, Perm


async def post(bot, channel: discord.abc.Messageable, n: int) -> list[discord.Message]:
    return [await channel.send(f"m{i}") for i in range(n)]


async def test_history_pages_newest_first_with_before_after_and_around(
    fake_discord: FakeDiscord, bot
) -> None:
    channel = bot.bot.get_channel(fake_discord.world.channel("general").id)
    sent = await post(bot, channel, 7)
    ids = [m.id for m in sent]
    newest = [m.id async for m in channel.history(limit=3)]
    assert newest == ids[:-4:-1]
    older = [m.id async for m in channel.history(limit=3, before=sent[3])]
    assert older == [ids[2], ids[1], ids[0]]
    after = [m.id async for m in channel.history(limit=2, after=sent[1])]
    assert after == [ids[2], ids[3]], "the messages just after, oldest first as discord.py asks"
    after_raw = fake_discord.requests[-1]
    assert after_raw.query == {"limit": "2", "after": str(ids[1])}
    assert [int(m["id"]) for m in after_raw.response] == [ids[3], ids[2]], "newest first"
    around = [m.id async for m in channel.history(limit=4, around=sent[3])]
    assert sorted(around) == ids[1:5]
    everything = [m.id async for m in channel.history(limit=None, oldest_first=True)]
    assert everything == ids
    assert fake_discord.violations == []


async def test_history_refuses_a_bad_limit_and_is_empty_without_read_history(
    fake_discord: FakeDiscord, bot
) -> None:
    general = fake_discord.world.channel("general")
    channel = bot.bot.get_channel(general.id)
    await post(bot, channel, 2)
    url = f"{fake_discord.api_base}/channels/{general.id}/messages?limit=101"
    headers = {"Authorization": f"Bot {fake_discord.token}"}
    async with aiohttp.ClientSession() as session, session.get(url, headers=headers) as answer:
        assert answer.status == 400 and (await answer.json())["code"] == 50035
    assert [v.kind for v in fake_discord.take_violations()] == ["query"]
    general.overwrites.append(
        Overwrite(fake_discord.world.bot.id, 1, deny=Perm.READ_MESSAGE_HISTORY)
    )
    assert [m async for m in channel.history(limit=10)] == []


async def test_a_nonce_is_honoured_until_the_window_passes(fake_discord: FakeDiscord, bot) -> None:
    channel = bot.bot.get_channel(fake_discord.world.channel("general").id)
    first = await channel.send("once", nonce="n-1")
    again = await channel.send("once", nonce="n-1")
    assert again.id == first.id and len(fake_discord.sent_messages("general")) == 1
    fake_discord.pass_nonce_window()
    later = await channel.send("once", nonce="n-1")
    assert later.id != first.id and len(fake_discord.sent_messages("general")) == 2
