"""`/settings timezone | quiet-hours`: the user's own time settings."""

from __future__ import annotations

import zoneinfo
from functools import cache

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.pacing import NO_QUIET, chosen_quiet
from bot.runtime.app import TayoriBot
from bot.runtime.i18n import group_names, names, options
from bot.runtime.limits import CHOICES_MAX
from bot.runtime.replies import reply, think
from bot.runtime.tree import UserFacingError, limited_writes

CHOICES = CHOICES_MAX


@cache
def zones() -> tuple[str, ...]:
    """Return every IANA timezone name, sorted."""
    return tuple(sorted(zoneinfo.available_timezones()))


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
        """Set the user's timezone (an IANA name such as Asia/Tokyo)."""
        found = {z.casefold(): z for z in zones()}.get(name.strip().casefold())
        if found is None:
            raise UserFacingError(
                "remind.timezone.unknown", tz=discord.utils.escape_markdown(name[:64])
            )
        await think(interaction)
        await self.bot.store.set_user_settings(interaction.user.id, timezone=found)
        await reply(interaction, self.bot.texts(interaction).text("remind.timezone.set", tz=found))

    @timezone.autocomplete("name")
    async def timezone_names(
        self, interaction: discord.Interaction[TayoriBot], current: str
    ) -> list[app_commands.Choice[str]]:
        """Suggest timezone names containing what was typed."""
        needle = current.strip().casefold()
        hits = [z for z in zones() if needle in z.casefold()] if needle else ["Asia/Tokyo", "UTC"]
        return [app_commands.Choice(name=z, value=z) for z in hits[:CHOICES]]

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
