"""Abuse limits: writing commands allow 5 uses per user in 10 seconds, then say how long to wait."""

from datetime import timedelta


async def test_sixth_write_in_ten_seconds_is_refused_kindly_then_allowed(
    fake_discord, bot, clock, content
):
    for zone in ["UTC", "Asia/Tokyo", "Europe/Paris", "UTC", "Asia/Tokyo"]:
        done = await fake_discord.slash("settings timezone", {"name": zone}, user="alice")
        assert zone in done.text
    refused = await fake_discord.slash("remind after-send", {}, user="alice")
    assert refused.ephemeral
    assert refused.text == content["en"].text("common.error.cooldown", seconds=10)
    assert await bot.store.pending_for(fake_discord.user("alice").id) == []
    other = await fake_discord.slash("settings timezone", {"name": "UTC"}, user="haruto")
    assert "UTC" in other.text, "limits are per user"
    reads = await fake_discord.slash("remind list", {}, user="alice")
    assert reads.embeds, "reading is not limited"
    clock.advance(timedelta(seconds=10))
    allowed = await fake_discord.slash("remind after-send", {}, user="alice")
    assert len(await bot.store.pending_for(fake_discord.user("alice").id)) == 1
    assert allowed.ephemeral


async def test_buttons_that_write_share_the_limit(fake_discord, bot, clock, content):
    checked = await fake_discord.slash("check-draft", {"text": "元気にしてる？"}, user="haruto")
    label = content["ja"].text("check_draft.button.sent")
    answers = [await fake_discord.click(checked, label=label, user="haruto") for _ in range(6)]
    assert answers[-1].text == content["ja"].text("common.error.cooldown", seconds=10)
    # five writes went through (one check-in, moved by each later one), the sixth was refused
    assert len(await bot.store.pending_for(fake_discord.user("haruto").id)) == 1
