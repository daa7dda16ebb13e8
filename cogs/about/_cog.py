"""`/about`: what Tayori is, what it stores, and its commands."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot import __version__
from bot.core.content import LocaleContent
from bot.runtime.app import TayoriBot
from bot.runtime.i18n import names
from bot.runtime.limits import EMBED_FIELD_VALUE_MAX
from bot.runtime.replies import reply


class About(commands.Cog):
    """The /about command."""

    def __init__(self, bot: TayoriBot) -> None:
        self.bot = bot
        # The same for everyone in one language until the commands are synced again (their
        # mentions carry the ids): built once per language and command set.
        self._built: dict[tuple[str, tuple[tuple[str, int], ...]], discord.Embed] = {}

    @app_commands.command(**names("about"))
    async def about(self, interaction: discord.Interaction[TayoriBot]) -> None:
        """Show the version, the purpose, the privacy summary and the commands."""
        texts = self.bot.texts(interaction)
        key = (texts.locale, tuple(self.bot.command_ids.items()))
        embed = self._built.get(key)
        if embed is None:
            self._built = {k: v for k, v in self._built.items() if k[1] == key[1]}  # older sets go
            embed = self._built[key] = self._embed(texts)
        await reply(interaction, embed=embed)

    def _embed(self, texts: LocaleContent) -> discord.Embed:
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
            texts.text(f"common.about.commands.{name}", command=self.bot.mentions(name))
            for name in sorted(c.name for c in self.bot.tree.get_commands())
        ]
        heading = texts.text("common.about.commands_heading")
        for n, chunk in enumerate(_fields(lines, EMBED_FIELD_VALUE_MAX)):
            # a group lists each subcommand as a mention, so the list can outgrow one field
            embed.add_field(name=heading if n == 0 else "\u200b", value=chunk, inline=False)
        embed.set_footer(text=f"Tayori {__version__}")
        return embed


def _fields(lines: list[str], limit: int) -> list[str]:
    """Join `lines` into as few values of at most `limit` characters as they fit in."""
    chunks: list[str] = []
    for line in lines:
        if chunks and len(chunks[-1]) + 1 + len(line) <= limit:
            chunks[-1] += "\n" + line
        else:
            chunks.append(line[:limit])
    return chunks
