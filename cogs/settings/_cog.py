"""`/settings timezone | quiet-hours`: the user's own time settings."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.pacing import NO_QUIET, chosen_quiet
from bot.core.textnorm import clean_user_text
from bot.core.zones import ZoneError, choose_zone, rank_zones
from bot.runtime.app import TayoriBot
from bot.runtime.i18n import group_names, names, options
from bot.runtime.limits import CHOICES_MAX
from bot.runtime.replies import reply, think
from bot.runtime.tree import UserFacingError, limited_writes

CHOICES = CHOICES_MAX


class SettingsCog(commands.GroupCog, **group_names("settings")):
    """The /settings commands."""

    def __init__(self, bot: TayoriBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(**names("settings.timezone"))
    @limited_writes
    @options("settings.timezone", "name")
    async def timezone(
        self, interaction: discord.Interaction[TayoriBot], name: app_commands.Range[str, 1, 64]
    ) -> None:
        """Set the user's timezone (an IANA name such as Asia/Tokyo, or a city)."""
        name = clean_user_text(name)
        try:
            chosen = choose_zone(name)
        except ZoneError as exc:
            raise UserFacingError(
                exc.key, tz=discord.utils.escape_markdown(exc.name[:64])
            ) from None
        await think(interaction)
        await self.bot.store.set_user_settings(interaction.user.id, timezone=chosen.zone)
        texts = self.bot.texts(interaction)
        said = texts.text("remind.timezone.set", tz=chosen.zone)
        if chosen.abbreviation:  # never silently a fixed offset: say what it was read as
            said = texts.text("remind.timezone.mapped", abbr=chosen.abbreviation, tz=chosen.zone)
        await reply(interaction, said)

    @timezone.autocomplete("name")
    async def timezone_names(
        self, interaction: discord.Interaction[TayoriBot], current: str
    ) -> list[app_commands.Choice[str]]:
        """Suggest zones for what was typed, the city named exactly first."""
        return [app_commands.Choice(name=z, value=z) for z in rank_zones(current, CHOICES)]

    @app_commands.command(**names("settings.quiet-hours"))
    @limited_writes
    @options("settings.quiet-hours", "start", "end", "off")
    async def quiet_hours(
        self,
        interaction: discord.Interaction[TayoriBot],
        start: app_commands.Range[str, 1, 10] | None = None,
        end: app_commands.Range[str, 1, 10] | None = None,
        off: bool = False,
    ) -> None:
        """Set the hours when nothing is delivered (default 23:00–08:00), or turn them off."""
        window = chosen_quiet(start, end, off)
        await think(interaction)
        first, last = (t.isoformat("minutes") for t in window)
        await self.bot.store.set_user_settings(
            interaction.user.id, quiet_start=first, quiet_end=last
        )
        texts = self.bot.texts(interaction)
        if window == NO_QUIET:
            await reply(interaction, texts.text("remind.quiet.off"))
            return
        await reply(interaction, texts.text("remind.quiet.set", start=first, end=last))

    @app_commands.command(**names("settings.channel-notice"))
    @limited_writes
    @options("settings.channel-notice", "on")
    async def channel_notice(self, interaction: discord.Interaction[TayoriBot], on: bool) -> None:
        """Choose whether a reminder that cannot reach your DMs may leave a discreet notice in the
        server's reminder channel (off unless you turn it on; held for your next command then)."""
        await think(interaction)
        await self.bot.store.set_user_settings(interaction.user.id, channel_notice=int(on))
        texts = self.bot.texts(interaction)
        await reply(interaction, texts.text(f"remind.channel_notice.{'on' if on else 'off'}"))
