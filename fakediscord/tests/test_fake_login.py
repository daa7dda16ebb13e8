"""Login, command sync, gateway handshake and the world as discord.py sees it."""

from __future__ import annotations

import discord
import pytest

from fakediscord import FakeDiscord
from fakediscord.gateway import OP_ACK, OP_HEARTBEAT, OP_IDENTIFY
from fakediscord.tests.sample_bot import SampleBot


async def test_login_and_sync_are_captured(fake_discord: FakeDiscord, bot) -> None:
    calls = [(r.method, r.path) for r in fake_discord.requests]
    app_id = fake_discord.world.application_id
    assert ("GET", "/users/@me") in calls
    assert ("GET", "/oauth2/applications/@me") in calls
    assert ("PUT", f"/applications/{app_id}/commands") in calls
    names = {c["name"] for c in fake_discord.commands}
    assert {"ping", "echo", "remind", "settings", "feedback"} <= names
    assert all(
        c["id"].isdigit() and c["application_id"] == str(app_id) for c in fake_discord.commands
    )
    settings = next(c for c in fake_discord.commands if c["name"] == "settings")
    assert settings["default_member_permissions"] == str(1 << 5)
    assert settings["contexts"] == [0]
    assert fake_discord.unknown_routes == []


async def test_sync_response_gives_discord_py_command_ids(fake_discord: FakeDiscord, bot) -> None:
    synced = await bot.bot.tree.fetch_commands()
    by_name = {c.name: c.id for c in synced}
    assert by_name["ping"] == int(
        next(c["id"] for c in fake_discord.commands if c["name"] == "ping")
    )


async def test_guild_sync_is_stored_per_guild(fake_discord: FakeDiscord, bot) -> None:
    guild = discord.Object(fake_discord.world.guild.id)
    tree = bot.bot.tree
    tree.copy_global_to(guild=guild)
    await tree.sync(guild=guild)
    stored = fake_discord.guild_commands[guild.id]
    assert {c["name"] for c in stored} >= {"ping"}
    assert all(c["guild_id"] == str(guild.id) for c in stored)


async def test_gateway_handshake_and_world(fake_discord: FakeDiscord, bot) -> None:
    log = fake_discord.gateway.log
    assert any(e.direction == "in" and e.op == OP_IDENTIFY for e in log)
    assert any(e.direction == "in" and e.op == OP_HEARTBEAT for e in log)
    assert any(e.direction == "out" and e.op == OP_ACK for e in log)
    events = [e.event for e in log if e.direction == "out" and e.event]
    assert events[:2] == ["READY", "GUILD_CREATE"]
    client = bot.bot
    world = fake_discord.world
    guild = client.get_guild(world.guild.id)
    assert guild is not None and guild.get_channel(world.channel("general").id) is not None
    assert guild.get_member(world.user("admin").id) is None  # no GUILD_MEMBERS intent
    assert discord.utils.get(guild.roles, name="Moderator").permissions.manage_guild
    no_send = guild.get_channel(world.channel("no-send").id)
    assert not no_send.permissions_for(guild.me).send_messages
    assert client.application_id == world.application_id


async def test_unknown_routes_are_recorded(fake_discord: FakeDiscord, bot) -> None:
    with pytest.raises(discord.NotFound):
        await bot.bot.http.request(discord.http.Route("GET", "/guilds/{g}/bans", g=1))
    assert fake_discord.unknown_routes == [("GET", "/guilds/1/bans")]
    fake_discord.unknown_routes.clear()  # the teardown would fail the test on it


async def test_wrong_token_fails_login(fake_discord: FakeDiscord) -> None:
    client = discord.Client(intents=discord.Intents.none())
    with pytest.raises(discord.LoginFailure):
        await client.login("not-the-token")
    await client.close()


async def test_bot_without_sync_starts_without_waiting(fake_discord: FakeDiscord) -> None:
    await fake_discord.start_bot(SampleBot(sync=False))
    assert fake_discord.sync_requests() == []


async def test_members_intent_gets_all_members(fake_discord: FakeDiscord) -> None:
    intents = discord.Intents.default()
    intents.members = True
    client = discord.Client(intents=intents, guild_ready_timeout=0.05)
    await fake_discord.start_bot(client)
    world = fake_discord.world
    guild = client.get_guild(world.guild.id)
    assert guild.chunked
    assert guild.get_member(world.user("admin").id).guild_permissions.manage_guild
    assert not guild.get_member(world.user("alice").id).guild_permissions.manage_guild


async def test_auto_sharded_client_uses_gateway_bot(fake_discord: FakeDiscord) -> None:
    client = discord.AutoShardedClient(intents=discord.Intents.default(), guild_ready_timeout=0.05)
    await fake_discord.start_bot(client)
    assert any(r.path == "/gateway/bot" for r in fake_discord.requests)
    assert client.shard_count == 1 and client.get_guild(fake_discord.world.guild.id) is not None
