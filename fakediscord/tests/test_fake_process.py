"""Subprocess mode: the product's env contract, SIGTERM, and SIGKILL + restart."""

from __future__ import annotations

from pathlib import Path

from fakediscord import FakeDiscord

SCRIPT = (str(Path(__file__).with_name("subprocess_bot.py")),)


async def test_subprocess_connects_and_stops_on_sigterm(fake_discord: FakeDiscord) -> None:
    proc = await fake_discord.start_process(SCRIPT, expect_sync=True)
    assert fake_discord.gateway.identify_count == 1
    assert [c["name"] for c in fake_discord.commands] == ["counter"]
    shown = await fake_discord.slash("counter")
    assert shown.content == "counter"
    assert await proc.stop() == 0
    assert "closed cleanly" in proc.output()


async def test_restart_keeps_state_and_old_buttons_work(fake_discord: FakeDiscord) -> None:
    first = await fake_discord.start_process(SCRIPT, expect_sync=True)
    shown = await fake_discord.slash("counter")
    clicked = await fake_discord.click(shown, label="+1")
    assert clicked.content == f"count 1 pid {first.pid}"
    assert await first.kill() == -9
    second = await fake_discord.start_process(SCRIPT, expect_sync=True)
    assert fake_discord.gateway.identify_count == 2
    clicked = await fake_discord.click(shown, label="+1", user="haruto")
    assert clicked.content == f"count 2 pid {second.pid}"
    assert await second.stop() == 0
