"""`/about`: what Tayori is, what it stores, and its commands."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot import __version__
from bot.app import TayoriBot
from bot.i18n import T
from bot.interactions import everywhere, reply


class About(commands.Cog):
    """The /about command."""

    def __init__(self, bot: TayoriBot) -> None:
        self.bot = bot

    @app_commands.command(name="about", description=T("common.commands.about.description"))
    @everywhere
    async def about(self, interaction: discord.Interaction) -> None:
        """Show the version, the purpose, the privacy summary and the commands."""
        texts = self.bot.texts(interaction)
        embed = discord.Embed(
            title=texts.text("common.about.title"),
            description=texts.text("common.about.body", version=__version__),
        )
        embed.add_field(name=texts.text("common.about.privacy_title"), value=texts.text("common.about.privacy"), inline=False)
        embed.add_field(name=texts.text("common.about.commands_title"), value=texts.text("common.about.commands"), inline=False)
        await reply(interaction, embed=embed)


async def setup(bot: TayoriBot) -> None:
    """Add the cog."""
    await bot.add_cog(About(bot))
