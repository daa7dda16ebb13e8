"""Sharding on the fake: IDENTIFY with ``shard``, routing by guild, GET /gateway/bot, refusals,
and RESUME / op 7 per shard."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import aiohttp
import pytest
from discord.ext import commands

from fakediscord import FakeDiscord, RunningBot
from fakediscord.gateway import OP_HELLO, OP_IDENTIFY, Session, shard_of
from fakediscord.tests.sample_bot import SampleBot
from fakediscord.world import Guild


class ShardedSampleBot(SampleBot, commands.AutoShardedBot):
    """The sample bot on two shards in one client."""

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """discord.py waits 5 s between two shards' IDENTIFYs; the fake needs no wait."""


def guild_on(fake: FakeDiscord, shard: int, count: int = 2) -> Guild:
    """A guild the bot is in, with #general and alice, whose events go to ``shard``."""
    world = fake.world
    guild = world.add_guild(f"shard {shard} server", shard=(shard, count))
    world.add_channel(guild, "general")
    world.join(world.user("alice"), guild)
    return guild


def frames(session: Session) -> list[dict]:
    return [json.loads(frame) for _, frame in session.events]


def got(session: Session, event: str) -> list[dict]:
    return [f["d"] for f in frames(session) if f["t"] == event]


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def identify(
    fake: FakeDiscord, http: aiohttp.ClientSession, shard: list[int] | None
) -> aiohttp.ClientWebSocketResponse:
    """Open a raw gateway socket and IDENTIFY (with ``shard``, when given)."""
    ws = await http.ws_connect(fake.gateway_url)
    hello = await ws.receive_json()
    assert hello["op"] == OP_HELLO
    data: dict = {"token": fake.token, "intents": 0, "properties": {}}
    if shard is not None:
        data["shard"] = shard
    await ws.send_json({"op": OP_IDENTIFY, "d": data})
    return ws


async def closed_with(ws: aiohttp.ClientWebSocketResponse) -> int | None:
    message = await ws.receive()
    assert message.type == aiohttp.WSMsgType.CLOSE, message
    return ws.close_code


async def test_each_shard_gets_its_guilds_and_dms_go_to_shard_0(fake_discord, http) -> None:
    fake = fake_discord
    zero, one = guild_on(fake, 0), guild_on(fake, 1)
    first = await identify(fake, http, [0, 2])
    second = await identify(fake, http, [1, 2])
    gateway = fake.gateway
    await fake.wait_until(lambda: len(gateway.by_shard) == 2 and gateway.current.ready_sent)
    s0, s1 = gateway.by_shard[0], gateway.by_shard[1]
    for session, shard in ((s0, 0), (s1, 1)):
        [ready] = got(session, "READY")
        assert ready["shard"] == [shard, 2]
        mine = {str(g.id) for g in fake.world.bot_guilds() if shard_of(g.id, 2) == shard}
        assert {g["id"] for g in ready["guilds"]} == mine
        assert {g["id"] for g in got(session, "GUILD_CREATE")} == mine
    assert str(zero.id) in {g["id"] for g in got(s0, "GUILD_CREATE")}
    assert str(one.id) in {g["id"] for g in got(s1, "GUILD_CREATE")}

    await fake.dispatch("TYPING_START", {"guild_id": str(one.id), "channel_id": "1"})
    await fake.dispatch("GUILD_UPDATE", {"id": str(zero.id)})
    await fake.dispatch("TYPING_START", {"channel_id": "1", "user_id": "2"})  # a DM
    assert [f.get("guild_id") for f in got(s1, "TYPING_START")] == [str(one.id)]
    assert [f.get("guild_id") for f in got(s0, "TYPING_START")] == [None]
    assert [f["id"] for f in got(s0, "GUILD_UPDATE")] == [str(zero.id)]
    await first.close()
    await second.close()


async def test_gateway_bot_recommends_shards_and_says_the_identify_budget(fake_discord, http):
    fake = fake_discord
    fake.recommended_shards, fake.max_concurrency = 4, 16
    headers = {"Authorization": f"Bot {fake.token}"}
    async with http.get(f"{fake.api_base}/gateway/bot", headers=headers) as response:
        body = await response.json()
    assert body["url"] == fake.gateway_url and body["shards"] == 4
    limit = body["session_start_limit"]
    assert limit["max_concurrency"] == 16 and limit["remaining"] == limit["total"] == 1000
    ws = await identify(fake, http, [0, 4])
    await fake.wait_until(lambda: fake.gateway.identify_count == 1)
    async with http.get(f"{fake.api_base}/gateway/bot", headers=headers) as response:
        assert (await response.json())["session_start_limit"]["remaining"] == 999
    await ws.close()


@pytest.mark.parametrize("shard", [[2, 2], [0, 0], [-1, 2], [1]])
async def test_a_shard_id_outside_the_count_is_refused_with_4010(fake_discord, http, shard):
    ws = await identify(fake_discord, http, shard)
    assert await closed_with(ws) == 4010
    assert fake_discord.gateway.identify_count == 0


async def test_sessions_with_different_counts_live_side_by_side_as_on_discord(fake_discord, http):
    """Discord allows it (a handover to more shards); the newest session covering a guild gets
    its events."""
    fake = fake_discord
    one_of_two = guild_on(fake, 1)
    old = await identify(fake, http, [1, 2])
    await fake.wait_until(lambda: fake.gateway.identify_count == 1)
    shard = shard_of(one_of_two.id, 3)
    new = await identify(fake, http, [shard, 3])
    await fake.wait_until(lambda: fake.gateway.identify_count == 2)
    old_session, new_session = fake.gateway._newest[1], fake.gateway._newest[0]
    assert (old_session.shard, new_session.shard) == ((1, 2), (shard, 3))
    await fake.dispatch("TYPING_START", {"guild_id": str(one_of_two.id), "channel_id": "1"})
    assert got(new_session, "TYPING_START") and not got(old_session, "TYPING_START")
    await new.close()  # closed by the client with 1000: gone; the old session covers it again
    await fake.wait_until(lambda: new_session.invalid)
    await fake.dispatch("TYPING_START", {"guild_id": str(one_of_two.id), "channel_id": "1"})
    assert got(old_session, "TYPING_START")
    await old.close()


async def test_a_very_large_bots_count_must_be_a_multiple_of_its_assigned_number(
    fake_discord, http
):
    fake = fake_discord
    fake.gateway.shard_multiple = 16
    refused = await identify(fake, http, [0, 20])
    assert await closed_with(refused) == 4010
    accepted = await identify(fake, http, [0, 32])
    await fake.wait_until(lambda: fake.gateway.identify_count == 1)
    await accepted.close()


async def test_too_many_guilds_for_one_session_is_refused_with_4011(fake_discord, http):
    fake = fake_discord
    guild_on(fake, 0)
    guild_on(fake, 1)
    fake.gateway.max_guilds_per_session = 2  # the default guild and one more
    unsharded = await identify(fake, http, None)
    assert await closed_with(unsharded) == 4011
    sharded = await identify(fake, http, [0, 2])
    await fake.wait_until(lambda: fake.gateway.identify_count == 1)
    await sharded.close()


@pytest.fixture
async def sharded(fake_discord: FakeDiscord) -> AsyncIterator[RunningBot]:
    guild_on(fake_discord, 0)
    guild_on(fake_discord, 1)
    bot = ShardedSampleBot()
    bot.shard_count = 2
    yield await fake_discord.start_bot(bot, expect_sync=True)


async def test_discord_py_on_two_shards_answers_in_both_and_in_dms(fake_discord, sharded):
    fake = fake_discord
    assert fake.gateway.identify_count == 2 and set(fake.gateway.by_shard) == {0, 1}
    assert len(sharded.bot.guilds) == len(fake.world.bot_guilds())
    for guild in fake.world.bot_guilds()[1:]:
        shard = shard_of(guild.id, 2)
        result = await fake.slash("ping", guild=guild)
        assert result.content == "pong en-US"
        routed = got(fake.gateway.by_shard[shard], "INTERACTION_CREATE")
        assert result.record.payload["id"] in {i["id"] for i in routed}
    dm = await fake.slash("ping", dm=True)
    assert dm.content == "pong en-US"
    assert dm.record.payload["id"] in {
        i["id"] for i in got(fake.gateway.by_shard[0], "INTERACTION_CREATE")
    }


async def test_op7_and_a_dropped_socket_resume_one_shard(fake_discord, sharded):
    fake = fake_discord
    one = next(g for g in fake.world.bot_guilds() if shard_of(g.id, 2) == 1)
    zero_session = fake.gateway.by_shard[0]
    await fake.reconnect(shard=1)
    assert fake.gateway.resume_count == 1 and fake.gateway.identify_count == 2
    assert fake.gateway.by_shard[0] is zero_session and zero_session.connected
    assert (await fake.slash("ping", guild=one)).content == "pong en-US"
    await fake.gateway.drop(shard=0)
    assert not zero_session.connected and fake.gateway.by_shard[1].connected
    result = await fake.slash("ping", dm=True)  # buffered for shard 0, replayed on RESUME
    assert result.content == "pong en-US"
    assert fake.gateway.resume_count == 2 and fake.gateway.identify_count == 2
