"""`/about`: what Tayori is, what it stores, and its commands."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot import __version__
from bot.runtime.app import TayoriBot
from bot.runtime.i18n import names
from bot.runtime.replies import reply


class About(commands.Cog):
    """The /about command."""

    def __init__(self, bot: TayoriBot) -> None:
        self.bot = bot

    @app_commands.command(**names("about"))
    async def about(self, interaction: discord.Interaction[TayoriBot]) -> None:
        """Show the version, the purpose, the privacy summary and the commands."""
        texts = self.bot.texts(interaction)
        embed = discord.Embed(
            title=texts.text("common.about.title"), description=texts.text("common.about.what")
        )
        privacy = [texts.text("common.about.privacy", command=self.bot.mention("privacy show"))]
        if self.bot.settings.privacy_url:
            privacy.append(texts.text("privacy.policy", url=self.bot.settings.privacy_url))
        embed.add_field(
            name=texts.text("common.about.privacy_heading"),
            value="\n".join(privacy),
            inline=False,
        )
        lines = [
            texts.text(f"common.about.commands.{name}", command=self.bot.mention(name))
            for name in sorted(c.name for c in self.bot.tree.get_commands())
        ]
        embed.add_field(
            name=texts.text("common.about.commands_heading"), value="\n".join(lines), inline=False
        )
        embed.set_footer(text=f"Tayori {__version__}")
        await reply(interaction, embed=embed)
