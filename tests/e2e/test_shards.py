"""End to end: SHARD_COUNT and SHARD_IDS against the fake Discord, which shards as Discord does.

Servers on both shards and DMs are answered; a process running some shards gets only their
servers; only the process running shard 0 syncs; `auto` takes Discord's recommendation.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import pytest

from bot.config import SettingsError
from bot.core.shards import shard_of
from bot.runtime.app import ShardedTayoriBot, TayoriBot, tayori
from bot.runtime.main import SHARD_REFUSALS
from fakediscord import FakeDiscord
from fakediscord.world import Guild

ROOT = Path(__file__).resolve().parents[2]


def server_on(fake: FakeDiscord, shard: int, count: int = 2) -> Guild:
    """A server the bot is in, with #general and haruto, whose events go to `shard`."""
    world = fake.world
    guild = world.add_guild(f"shard {shard} server", shard=(shard, count))
    world.add_channel(guild, "general")
    world.join(world.user("haruto"), guild)
    return guild


def routed_to(fake: FakeDiscord, interaction_id: str) -> tuple[int, int]:
    """The `[shard, count]` of the session the fake sent an interaction to."""
    for session in fake.gateway.sessions.values():
        for _, frame in session.events:
            event = json.loads(frame)
            if event["t"] == "INTERACTION_CREATE" and event["d"]["id"] == interaction_id:
                return session.shard
    raise AssertionError(f"interaction {interaction_id} was never sent")


def answered(bot: TayoriBot, command: str = "/about") -> float:
    value = bot.metrics.registry.get_sample_value(
        "tayori_commands_total", {"command": command, "outcome": "ok"}
    )
    return value or 0.0


@pytest.fixture
def two_servers(fake_discord: FakeDiscord) -> tuple[Guild, Guild]:
    fake_discord.max_concurrency = 2  # both shards may IDENTIFY at once: nobody waits 5 s
    return server_on(fake_discord, 0), server_on(fake_discord, 1)


async def test_two_shards_in_one_process_answer_servers_on_both_and_dms(
    fake_discord, start_tayori, two_servers
):
    fake = fake_discord
    bot = await start_tayori(shard_count="2")
    assert isinstance(bot, ShardedTayoriBot) and (bot.shard_count, bot.shard_ids) == (2, [0, 1])
    assert fake.gateway.identify_count == 2 and set(fake.gateway.by_shard) == {0, 1}
    assert {g.id for g in bot.guilds} == {g.id for g in fake.world.bot_guilds()}
    assert len(fake.sync_requests()) == 1, "the process running shard 0 syncs"
    for shard, guild in enumerate(two_servers):
        result = await fake.slash("about", user="haruto", guild=guild)
        assert result.ephemeral and result.embeds
        assert routed_to(fake, result.record.payload["id"]) == (shard, 2)
    dm = await fake.slash("about", user="haruto", dm=True)
    assert dm.embeds and routed_to(fake, dm.record.payload["id"]) == (0, 2)
    assert answered(bot) == 3


async def test_processes_on_shard_ranges_get_only_their_servers_and_one_syncs(
    fake_discord, start_tayori, two_servers, tmp_path, caplog
):
    fake = fake_discord
    zero, one = two_servers
    caplog.set_level("INFO", logger="bot")
    first = await start_tayori(shard_count="2", shard_ids="0", database_path=tmp_path / "a.db")
    second = await start_tayori(shard_count="2", shard_ids="1", database_path=tmp_path / "b.db")
    assert second.shard_ids == [1]
    expected = {g.id for g in fake.world.bot_guilds() if shard_of(g.id, 2) == 1}
    assert {g.id for g in second.guilds} == expected and one.id in expected
    assert zero not in second.guilds and one not in first.guilds
    assert len(fake.sync_requests()) == 1, "exactly one process syncs: the one with shard 0"
    assert "commands are synced by the process that runs shard 0" in caplog.text
    assert second.command_ids == first.command_ids != {}, "the others read the synced ids"

    await fake.slash("about", user="haruto", guild=one)
    await fake.slash("about", user="haruto", guild=zero)
    await fake.slash("about", user="haruto", dm=True)
    assert (answered(first), answered(second)) == (2, 1), "DMs and shard 0 to the first"


async def test_shard_count_auto_reads_discords_recommendation(fake_discord, start_tayori):
    fake = fake_discord
    fake.recommended_shards, fake.max_concurrency = 3, 3
    for shard in range(3):
        server_on(fake, shard, 3)
    bot = await start_tayori(shard_count="auto")
    assert (bot.shard_count, bot.shard_ids) == (3, [0, 1, 2])
    assert sorted(s.shard for s in fake.gateway.sessions.values()) == [(0, 3), (1, 3), (2, 3)]
    assert any(r.path == "/gateway/bot" for r in fake.requests)
    assert {g.id for g in bot.guilds} == {g.id for g in fake.world.bot_guilds()}


async def test_auto_with_shard_ids_beyond_the_recommendation_stops_with_one_line(
    fake_discord, make_settings, clock, content
):
    fake_discord.recommended_shards = 2
    settings = make_settings(shard_count="auto", shard_ids="1-3")
    async with tayori(settings, clock, content=content, guild_ready_timeout=0.05) as bot:
        with pytest.raises(SettingsError) as failed:
            await bot.start(fake_discord.token)  # what `python -m bot` prints as one line
    assert str(failed.value) == (
        "SHARD_IDS names shard 3, but with SHARD_COUNT 2 the shards are 0-1 "
        "(SHARD_COUNT=auto: Discord recommends it)"
    )
    assert fake_discord.gateway.identify_count == 0


async def test_unset_shard_settings_keep_one_unsharded_connection(fake_discord, bot):
    assert type(bot) is TayoriBot and bot.shard_count is None
    [session] = fake_discord.gateway.sessions.values()
    assert "shard" not in session.identify
    assert not any(r.path == "/gateway/bot" for r in fake_discord.requests)


async def test_a_process_on_two_shards_answers_and_stops_on_sigterm(fake_discord, tmp_path):
    fake = fake_discord
    fake.max_concurrency = 2
    _, one = server_on(fake, 0), server_on(fake, 1)
    env = {"PYTHONPATH": str(ROOT), "SHARD_COUNT": "2"}
    proc = await fake.start_process(database_path=tmp_path / "p.db", env=env, cwd=tmp_path)
    await fake.wait_until(lambda: len(fake.gateway.by_shard) == 2 and fake.sync_requests())
    await fake.wait_until(lambda: all(s.ready_sent for s in fake.gateway.by_shard.values()))
    result = await fake.slash("about", user="haruto", guild=one)
    assert result.embeds and routed_to(fake, result.record.payload["id"]) == (1, 2)
    assert "running shards 0-1 of 2" in proc.output()
    assert await proc.stop() == 0


async def test_the_heartbeat_beats_only_while_every_shard_is_connected(
    fake_discord, start_tayori, two_servers
):
    bot = await start_tayori(shard_count="2")
    assert bot.gateway_up and bot.shards_down == set()
    # the handlers discord.py calls when shard 1 loses its socket, then shard 0 resumes after
    # a blip of its own while shard 1 is still away, then shard 1 resumes
    await bot.on_disconnect()
    await bot.on_shard_disconnect(1)
    assert not bot.gateway_up
    await bot.on_resumed()
    await bot.on_shard_resumed(0)
    assert bot.shards_down == {1} and not bot.gateway_up and await bot.beat() is False
    await bot.on_resumed()
    await bot.on_shard_resumed(1)
    assert bot.gateway_up and await bot.beat()


async def run_to_the_end(fake: FakeDiscord, tmp_path: Path, **env: str) -> tuple[int, str]:
    """`python -m bot` against the fake until it exits; its status and last stderr line."""
    full = {**os.environ, **fake.env(DATABASE_PATH=str(tmp_path / "t.db"), **env)}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        env={**full, "PYTHONPATH": str(ROOT)},
        cwd=tmp_path,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(proc.communicate(), 60)
    text = err.decode()
    assert "Traceback" not in text, text
    return proc.returncode or 0, text.strip().splitlines()[-1]


async def test_discord_requiring_sharding_or_refusing_a_shard_is_one_line(fake_discord, tmp_path):
    fake = fake_discord
    fake.gateway.max_guilds_per_session = 0  # as Discord at 2,500 servers: shard, please
    status, line = await run_to_the_end(fake, tmp_path)
    assert (status, line) == (2, "tayori: " + SHARD_REFUSALS[4011])
    assert "SHARD_COUNT=auto" in line

    fake.gateway.max_guilds_per_session = 2500
    fake.gateway.shard_multiple = 16  # a very large bot whose count must be a multiple of 16
    status, line = await run_to_the_end(fake, tmp_path, SHARD_COUNT="2", SHARD_IDS="0")
    assert (status, line) == (2, "tayori: " + SHARD_REFUSALS[4010])


async def test_auto_with_ids_beyond_the_recommendation_stops_the_process_with_one_line(
    fake_discord, tmp_path
):
    fake_discord.recommended_shards = 2
    status, line = await run_to_the_end(fake_discord, tmp_path, SHARD_COUNT="auto", SHARD_IDS="2")
    assert status == 2 and line.startswith(
        "tayori: SHARD_IDS names shard 2, but with SHARD_COUNT 2"
    )


async def test_processes_started_together_on_one_postgresql_sync_once(
    fake_discord, tmp_path, pg_url
):
    """With PostgreSQL the advisory lock and the hash in the shared `meta` table decide: the
    first process to take the lock syncs, the other finds its hash (whichever runs shard 0)."""
    fake = fake_discord
    fake.max_concurrency = 2
    server_on(fake, 0), server_on(fake, 1)
    env = {"PYTHONPATH": str(ROOT), "SHARD_COUNT": "2", "DATABASE_URL": pg_url}
    procs = await asyncio.gather(
        *(
            fake.start_process(env={**env, "SHARD_IDS": ids}, cwd=tmp_path)
            for ids in ("1", "0")  # shard 1 first: it may sync too, with PostgreSQL
        )
    )

    def decided(proc) -> bool:
        return "commands synced globally" in proc.output() or "unchanged" in proc.output()

    await fake.wait_until(lambda: all(decided(p) for p in procs), 20)
    await fake.wait_quiet(0.2)
    assert len(fake.sync_requests()) == 1, "exactly one of the two synced"
    synced = ["commands synced globally" in p.output() for p in procs]
    assert sorted(synced) == [False, True]
    assert all("not syncing here" not in p.output() for p in procs)
    for proc in procs:
        assert await proc.stop() == 0
