"""Gateway faults: op 7 RECONNECT, dropped sockets (RESUME + replay), invalid sessions."""

from __future__ import annotations

from fakediscord import FakeDiscord


async def test_op7_reconnect_resumes(fake_discord: FakeDiscord, bot) -> None:
    gateway = fake_discord.gateway
    session = gateway.current
    await fake_discord.reconnect()
    assert gateway.resume_count == 1 and gateway.identify_count == 1
    assert gateway.current is session and session.connected
    assert (await fake_discord.slash("ping")).content == "pong en-US"


async def test_events_sent_while_dropped_are_replayed(fake_discord: FakeDiscord, bot) -> None:
    gateway = fake_discord.gateway
    await gateway.drop()
    assert not gateway.current.connected
    result = await fake_discord.slash("ping")  # buffered, replayed after RESUME
    assert result.content == "pong en-US"
    assert gateway.resume_count == 1 and gateway.identify_count == 1
    resumed = [e for e in gateway.log if e.event == "RESUMED"]
    assert len(resumed) == 1


async def test_drop_connection_waits_for_resume(fake_discord: FakeDiscord, bot) -> None:
    await fake_discord.drop_connection()
    assert fake_discord.gateway.resume_count == 1
    assert (await fake_discord.slash("secret")).content == "shh"


async def test_invalid_session_makes_the_bot_identify_again(fake_discord: FakeDiscord, bot) -> None:
    async def no_identify_delay(shard_id: int | None, *, initial: bool = False) -> None:
        """discord.py waits 5 s before re-identifying; skip that here."""

    bot.bot.before_identify_hook = no_identify_delay
    gateway = fake_discord.gateway
    await gateway.invalidate(resumable=False)
    await fake_discord.wait_until(lambda: gateway.identify_count == 2)
    await fake_discord.wait_until(lambda: gateway.current.ready_sent)
    assert (await fake_discord.slash("ping")).content == "pong en-US"
