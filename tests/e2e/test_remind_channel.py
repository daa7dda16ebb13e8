"""End to end: /remind-channel set | clear | show — server-only, Manage Server, bot permissions."""

from __future__ import annotations

import pytest

from fakediscord import UserActionError
from fakediscord.world import Overwrite, Perm


async def test_admin_sets_shows_and_clears_the_channel(fake_discord, bot, content):
    ja = content["ja"]
    guild = fake_discord.world.guild.id
    general = fake_discord.channel("general")
    none = await fake_discord.slash("remind-channel show", user="admin")
    assert none.ephemeral and none.text == ja.text("remind.channel.none")

    r = await fake_discord.slash("remind-channel set", {"channel": general}, user="admin")
    assert r.ephemeral and r.text == ja.text("remind.channel.set", channel=f"<#{general.id}>")
    assert (await bot.store.guild_settings(guild)).reminder_channel_id == general.id
    shown = await fake_discord.slash("remind-channel show", user="admin")
    assert shown.text == ja.text("remind.channel.show", channel=f"<#{general.id}>")

    cleared = await fake_discord.slash("remind-channel clear", user="admin")
    assert cleared.text == ja.text("remind.channel.clear")
    assert (await bot.store.guild_settings(guild)).reminder_channel_id is None


async def test_the_command_asks_for_manage_server_and_is_server_only(fake_discord, bot):
    [command] = [c for c in fake_discord.commands if c["name"] == "remind-channel"]
    assert int(command["default_member_permissions"]) == Perm.MANAGE_GUILD
    assert command["contexts"] == [0]
    with pytest.raises(UserActionError, match="hidden from haruto"):
        await fake_discord.slash("remind-channel show", user="haruto")
    with pytest.raises(UserActionError, match="not available"):
        await fake_discord.slash("remind-channel show", user="admin", dm=True)


async def test_runtime_check_refuses_without_manage_server_in_the_channel(
    fake_discord, bot, content
):
    """The command is visible (Manage Server in the server) but the channel takes it away."""
    world = fake_discord.world
    moderator = world.guild.role("Moderator")
    back_room = world.add_channel(world.guild, "back-room")
    back_room.overwrites.append(Overwrite(moderator.id, 0, deny=Perm.MANAGE_GUILD))
    r = await fake_discord.slash(
        "remind-channel set",
        {"channel": fake_discord.channel("general")},
        user="admin",
        channel=back_room,
    )
    assert r.ephemeral and r.text == content["ja"].text("remind.channel.manage_server")
    assert (await bot.store.guild_settings(world.guild.id)).reminder_channel_id is None


async def test_a_channel_the_bot_cannot_post_in_is_refused_naming_send_messages(
    fake_discord, bot, content
):
    no_send = fake_discord.channel("no-send")
    r = await fake_discord.slash("remind-channel set", {"channel": no_send}, user="admin")
    assert r.ephemeral
    ja = content["ja"]
    permission = ja.text("remind.channel.permission.send_messages")
    assert r.text == ja.text("remind.channel.missing_permission", permission=permission)
    assert "Send Messages" not in r.text, "a Japanese admin reads Discord's Japanese name"
    assert (await bot.store.guild_settings(fake_discord.world.guild.id)).reminder_channel_id is None


@pytest.mark.parametrize("known_at_start", [True, False])
async def test_a_channel_the_bot_cannot_view_is_refused_naming_view_channel(
    fake_discord, start_tayori, content, known_at_start
):
    """Known from GUILD_CREATE, or created later (never in the bot's cache): same answer."""
    world = fake_discord.world

    def hide() -> None:
        channel = world.add_channel(world.guild, "hidden")
        channel.overwrites.append(Overwrite(world.bot.id, 1, deny=Perm.VIEW_CHANNEL))

    if known_at_start:
        hide()
    bot = await start_tayori()
    if not known_at_start:
        hide()
    hidden = fake_discord.channel("hidden")
    r = await fake_discord.slash("remind-channel set", {"channel": hidden}, user="admin")
    assert r.ephemeral
    ja = content["ja"]
    permission = ja.text("remind.channel.permission.view_channel")
    assert r.text == ja.text("remind.channel.missing_permission", permission=permission)
    assert "View Channel" not in r.text, "a Japanese admin reads Discord's Japanese name"
    assert (await bot.store.guild_settings(world.guild.id)).reminder_channel_id is None


async def test_an_english_admin_is_told_the_permission_in_english(fake_discord, bot, content):
    en = content["en"]
    no_send = fake_discord.channel("no-send")
    r = await fake_discord.slash(
        "remind-channel set", {"channel": no_send}, user="admin", locale="en-US"
    )
    permission = en.text("remind.channel.permission.send_messages")
    assert r.ephemeral
    assert r.text == en.text("remind.channel.missing_permission", permission=permission)


async def test_a_channel_whose_history_the_bot_cannot_read_is_refused(
    fake_discord, start_tayori, content
):
    """Without it the bot could not find a notice it posted just before a crash, and would
    ping the user twice."""
    world = fake_discord.world
    channel = world.add_channel(world.guild, "no-history")
    channel.overwrites.append(Overwrite(world.bot.id, 1, deny=Perm.READ_MESSAGE_HISTORY))
    bot = await start_tayori()
    r = await fake_discord.slash("remind-channel set", {"channel": channel}, user="admin")
    ja = content["ja"]
    permission = ja.text("remind.channel.permission.read_message_history")
    assert r.text == ja.text("remind.channel.missing_permission", permission=permission)
    assert (await bot.store.guild_settings(world.guild.id)).reminder_channel_id is None
