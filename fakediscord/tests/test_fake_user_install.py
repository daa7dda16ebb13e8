"""A user-installed app: interactions from a group DM, a user DM, and a guild the bot is not in."""

from __future__ import annotations

from collections.abc import AsyncIterator

import discord
import pytest
from discord import app_commands
from discord.ext import commands

from fakediscord import FakeDiscord, RunningBot, UserActionError
from fakediscord.interactions import USER_APP_PERMISSIONS
from fakediscord.world import Channel, Guild, Overwrite, Perm


class WaveView(discord.ui.View):
    """One button that edits the message it is on."""

    @discord.ui.button(label="Wave", custom_id="wave")
    async def wave(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await interaction.response.edit_message(content=f"waved by {interaction.user.name}")


class UserAppBot(commands.Bot):
    """Records what discord.py made of each interaction; one command per install kind."""

    def __init__(self) -> None:
        intents = discord.Intents.default()
        super().__init__(commands.when_mentioned, intents=intents, guild_ready_timeout=0.05)
        self.seen: list[discord.Interaction] = []
        self.post_errors: list[discord.HTTPException] = []
        self._add_commands()

    async def setup_hook(self) -> None:
        await self.tree.sync()

    def _add_commands(self) -> None:
        @self.tree.command(description="Anywhere, any install")
        @app_commands.allowed_installs(guilds=True, users=True)
        @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)
        async def hello(interaction: discord.Interaction, public: bool = False) -> None:
            self.seen.append(interaction)
            await interaction.response.send_message(
                "hello", ephemeral=not public, view=WaveView(timeout=60)
            )

        @self.tree.command(description="Tries to post in the channel")
        @app_commands.allowed_installs(guilds=True, users=True)
        @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)
        async def shout(interaction: discord.Interaction) -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            try:
                await interaction.channel.send("HEY")
            except discord.HTTPException as error:
                self.post_errors.append(error)
            await interaction.followup.send("tried", ephemeral=True)

        @self.tree.command(description="Server install only")
        @app_commands.allowed_installs(guilds=True, users=False)
        async def server(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("server")

        @self.tree.command(description="Guild context only")
        @app_commands.allowed_installs(guilds=True, users=True)
        @app_commands.allowed_contexts(guilds=True, dms=False, private_channels=False)
        async def guildonly(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("guild")


@pytest.fixture
async def app(fake_discord: FakeDiscord) -> AsyncIterator[UserAppBot]:
    bot = UserAppBot()
    running: RunningBot = await fake_discord.start_bot(bot, expect_sync=True)
    yield bot
    assert running is not None


@pytest.fixture
def group(fake_discord: FakeDiscord) -> Channel:
    world = fake_discord.world
    return world.add_group_dm("friends", [world.users["alice"], world.users["haruto"]])


@pytest.fixture
def elsewhere(fake_discord: FakeDiscord) -> Guild:
    world = fake_discord.world
    guild = world.add_guild("Elsewhere", bot_member=False)
    world.add_channel(guild, "lobby")
    world.join(world.users["alice"], guild)
    return guild


async def test_group_dm_payload_is_a_user_install(
    fake_discord: FakeDiscord, app: UserAppBot, group: Channel
) -> None:
    result = await fake_discord.slash("hello", user="alice", channel=group)
    assert result.ephemeral and result.content == "hello"
    payload = fake_discord.interactions[-1].payload
    alice = fake_discord.user("alice")
    assert payload["context"] == 2 and "guild_id" not in payload and "member" not in payload
    assert payload["authorizing_integration_owners"] == {"1": str(alice.id)}
    assert payload["channel"]["type"] == 3 and payload["user"]["id"] == str(alice.id)
    seen = app.seen[-1]
    assert seen.context.private_channel and seen.is_user_integration()
    assert not seen.is_guild_integration() and seen.guild is None
    assert isinstance(seen.channel, discord.GroupChannel) and seen.channel.name == "friends"
    assert seen.app_permissions.value == USER_APP_PERMISSIONS
    metadata = result.message.interaction_metadata
    assert metadata["authorizing_integration_owners"] == {"1": str(alice.id)}


async def test_group_dm_public_reply_and_other_member_clicks(
    fake_discord: FakeDiscord, app: UserAppBot, group: Channel
) -> None:
    result = await fake_discord.slash("hello", {"public": True}, user="alice", channel=group)
    assert not result.ephemeral and result.message in fake_discord.sent_messages("friends")
    clicked = await fake_discord.click(result, label="Wave", user="haruto")
    assert clicked.content == "waved by haruto"
    alice = fake_discord.user("alice")
    payload = fake_discord.interactions[-1].payload
    assert payload["authorizing_integration_owners"] == {"1": str(alice.id)}
    with pytest.raises(UserActionError, match="not in friends"):
        await fake_discord.click(result, label="Wave", user="admin")


async def test_bot_cannot_post_where_it_is_not(
    fake_discord: FakeDiscord, app: UserAppBot, group: Channel, elsewhere: Guild
) -> None:
    for channel in (group, elsewhere.channel("lobby")):
        result = await fake_discord.slash("shout", user="alice", channel=channel)
        assert result.ephemeral and result.text == "tried"
        assert (app.post_errors[-1].status, app.post_errors[-1].code) == (403, 50001)
        assert fake_discord.sent_messages(channel) == [result.message]


async def test_guild_without_bot_is_user_install(
    fake_discord: FakeDiscord, app: UserAppBot, elsewhere: Guild
) -> None:
    assert app.get_guild(elsewhere.id) is None
    result = await fake_discord.slash("hello", user="alice", guild=elsewhere, channel="lobby")
    assert result.ephemeral and result.content == "hello"
    payload = fake_discord.interactions[-1].payload
    alice = fake_discord.user("alice")
    assert payload["context"] == 0 and payload["guild_id"] == str(elsewhere.id)
    assert payload["authorizing_integration_owners"] == {"1": str(alice.id)}
    assert "member" in payload
    seen = app.seen[-1]
    assert seen.guild_id == elsewhere.id and seen.is_user_integration()
    assert not seen.is_guild_integration()
    with pytest.raises(UserActionError, match="not a member"):
        await fake_discord.slash("hello", user="haruto", guild=elsewhere, channel="lobby")


async def test_without_use_external_apps_answers_are_ephemeral(
    fake_discord: FakeDiscord, app: UserAppBot, elsewhere: Guild
) -> None:
    lobby = elsewhere.channel("lobby")
    public = await fake_discord.slash("hello", {"public": True}, user="alice", channel=lobby)
    assert not public.ephemeral
    lobby.overwrites.append(Overwrite(elsewhere.id, 0, deny=Perm.USE_EXTERNAL_APPS))
    forced = await fake_discord.slash("hello", {"public": True}, user="alice", channel=lobby)
    assert forced.ephemeral
    shouted = await fake_discord.slash("shout", user="alice", channel=lobby)
    assert shouted.ephemeral and shouted.text == "tried"


async def test_user_dm_between_users(fake_discord: FakeDiscord, app: UserAppBot) -> None:
    world = fake_discord.world
    channel = world.add_user_dm(world.users["alice"], world.users["haruto"])
    result = await fake_discord.slash("hello", user="haruto", channel=channel)
    assert result.ephemeral
    assert fake_discord.interactions[-1].payload["channel"]["type"] == 1
    assert isinstance(app.seen[-1].channel, discord.DMChannel)


async def test_install_and_context_rules(
    fake_discord: FakeDiscord, app: UserAppBot, group: Channel, elsewhere: Guild
) -> None:
    lobby = elsewhere.channel("lobby")
    with pytest.raises(UserActionError, match="not installable to users"):
        await fake_discord.slash("server", user="alice", channel=lobby)
    with pytest.raises(UserActionError, match="not installable to users"):
        await fake_discord.slash("server", user="alice", channel=group)
    with pytest.raises(UserActionError, match="not available in context 2"):
        await fake_discord.slash("guildonly", user="alice", channel=group)
    assert (await fake_discord.slash("guildonly", user="alice", channel=lobby)).content == "guild"
    assert (await fake_discord.slash("server", user="alice")).content == "server"
    fake_discord.user("alice").app_installed = False
    with pytest.raises(UserActionError, match="has not installed"):
        await fake_discord.slash("hello", user="alice", channel=group)
    assert (await fake_discord.slash("hello", user="alice")).content == "hello"


async def test_gateway_does_not_announce_foreign_guild(
    fake_discord: FakeDiscord, elsewhere: Guild
) -> None:
    bot = UserAppBot()
    await fake_discord.start_bot(bot, expect_sync=True)
    assert [g.id for g in bot.guilds] == [fake_discord.world.guild.id]
