"""`/remind-channel set | clear | show`: admins choose where reminder notices may be posted."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.runtime.app import TayoriBot
from bot.runtime.i18n import group_names, names, options
from bot.runtime.replies import reply, think
from bot.runtime.tree import UserFacingError, limited_writes

# named by remind.channel.permission.<attr>; the history is read to find a notice after a crash
NEEDED = ("view_channel", "send_messages", "read_message_history")


class TextChannelOption(app_commands.Transformer):
    """A text channel option that also takes channels the bot cannot see, so it can say why."""

    @property
    def type(self) -> discord.AppCommandOptionType:
        """Discord's channel option."""
        return discord.AppCommandOptionType.channel

    @property
    def channel_types(self) -> list[discord.ChannelType]:
        """Text and announcement channels only."""
        return [discord.ChannelType.text, discord.ChannelType.news]

    async def transform(
        self,
        interaction: discord.Interaction[discord.Client],
        value: app_commands.AppCommandChannel,
    ) -> app_commands.AppCommandChannel:
        """Keep the partial channel; the command looks it up in the bot's cache."""
        return value


def server_of(interaction: discord.Interaction[TayoriBot]) -> discord.Guild:
    """Return the server the command was used in."""
    if interaction.guild is None:
        raise UserFacingError("remind.channel.server_only")
    return interaction.guild


def missing_permission(channel: discord.abc.GuildChannel | None, me: discord.Member) -> str | None:
    """Return the first permission (attribute name) the bot lacks in `channel`, or None."""
    if channel is None:  # not in the bot's cache: it cannot see the channel
        return NEEDED[0]
    perms = channel.permissions_for(me)
    return next((attr for attr in NEEDED if not getattr(perms, attr)), None)


@app_commands.default_permissions(manage_guild=True)
@app_commands.allowed_installs(guilds=True, users=False)
@app_commands.allowed_contexts(guilds=True, dms=False, private_channels=False)
class RemindChannel(commands.GroupCog, **group_names("remind-channel")):
    """The /remind-channel commands (server-only, Manage Server)."""

    def __init__(self, bot: TayoriBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(**names("remind-channel.set"))
    @app_commands.checks.has_permissions(manage_guild=True)  # checked when used, too
    @limited_writes
    @options("remind-channel.set", "channel")
    async def set_(
        self,
        interaction: discord.Interaction[TayoriBot],
        channel: app_commands.Transform[app_commands.AppCommandChannel, TextChannelOption],
    ) -> None:
        """Choose the channel where a reminder notice goes when a DM cannot."""
        guild = server_of(interaction)
        texts = self.bot.texts(interaction)
        missing = missing_permission(guild.get_channel(channel.id), guild.me)
        if missing:
            permission = texts.text(f"remind.channel.permission.{missing}")
            raise UserFacingError("remind.channel.missing_permission", permission=permission)
        await think(interaction)
        await self.bot.store.set_reminder_channel(guild.id, channel.id)
        await reply(interaction, texts.text("remind.channel.set", channel=channel.mention))

    @app_commands.command(**names("remind-channel.clear"))
    @app_commands.checks.has_permissions(manage_guild=True)
    @limited_writes
    async def clear(self, interaction: discord.Interaction[TayoriBot]) -> None:
        """Stop posting reminder notices in this server."""
        guild = server_of(interaction)
        await think(interaction)
        await self.bot.store.set_reminder_channel(guild.id, None)
        await reply(interaction, self.bot.texts(interaction).text("remind.channel.clear"))

    @app_commands.command(**names("remind-channel.show"))
    @app_commands.checks.has_permissions(manage_guild=True)
    async def show(self, interaction: discord.Interaction[TayoriBot]) -> None:
        """Say which channel is chosen, if any."""
        guild = server_of(interaction)
        await think(interaction)
        texts = self.bot.texts(interaction)
        chosen = (await self.bot.store.guild_settings(guild.id)).reminder_channel_id
        text = (
            texts.text("remind.channel.show", channel=f"<#{chosen}>")
            if chosen
            else texts.text("remind.channel.none")
        )
        await reply(interaction, text)
