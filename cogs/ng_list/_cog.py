"""`/ng-list`: the four things never to do, why, and what to do instead."""

from __future__ import annotations

import re
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.article import ng_item
from bot.core.content import LocaleContent
from bot.runtime.app import TayoriBot
from bot.runtime.i18n import names, options
from bot.runtime.items import TayoriItem, button_label
from bot.runtime.limits import SELECT_LABEL_MAX
from bot.runtime.replies import buttons, reply

PREFIX = "tayori:ng"


def list_embed(texts: LocaleContent) -> discord.Embed:
    """Render the four NG behaviours in one embed."""
    embed = discord.Embed(
        title=texts.text("ng_list.title"),
        description=f"{texts.text('ng_list.intro')}\n\n{texts.text('ng_list.select_hint')}",
        colour=discord.Colour.red(),
    )
    for number, item in enumerate(texts.article.ng, start=1):
        embed.add_field(
            name=texts.text("ng_list.item_title", number=number, title=item.title),
            value=item.summary,
            inline=False,
        )
    return embed


def item_embed(texts: LocaleContent, ng_id: str) -> discord.Embed:
    """Render one NG behaviour in full: what, why it backfires, what to do instead."""
    item = ng_item(texts.article, ng_id)
    number = [i.id for i in texts.article.ng].index(ng_id) + 1
    examples = [texts.text("ng_list.example", text=e) for e in item.examples]
    what = "\n".join([item.what, *examples])
    embed = discord.Embed(
        title=texts.text("ng_list.item_title", number=number, title=item.title),
        colour=discord.Colour.red(),
    )
    embed.add_field(name=texts.text("ng_list.what"), value=what, inline=False)
    embed.add_field(name=texts.text("ng_list.why"), value=item.why, inline=False)
    embed.add_field(name=texts.text("ng_list.instead"), value=item.instead, inline=False)
    return embed


class NgSelect(TayoriItem[discord.ui.Select[Any]], template=rf"{PREFIX}:sel:(?P<mode>[ep])"):
    """Opens one item's full explanation: `e` edits the private list, `p` answers privately."""

    def __init__(self, texts: LocaleContent, mode: str) -> None:
        choices = [
            discord.SelectOption(
                label=item.title[:SELECT_LABEL_MAX],
                value=item.id,
                description=item.summary[:SELECT_LABEL_MAX],
            )
            for item in texts.article.ng
        ]
        select: discord.ui.Select[Any] = discord.ui.Select(
            custom_id=f"{PREFIX}:sel:{mode}",
            placeholder=texts.text("ng_list.placeholder"),
            options=choices,
        )
        super().__init__(select)
        self.mode = mode

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> NgSelect:
        """Rebuild the select (after a restart too) in the clicking user's language."""
        return cls(interaction.client.texts(interaction), match["mode"])

    async def run(self, interaction: discord.Interaction[TayoriBot]) -> None:
        """Show the chosen item."""
        texts = interaction.client.texts(interaction)
        chosen = self.item.values[0]
        if self.mode == "p":  # on a shared list: answer the reader privately, as a private list
            await reply(interaction, embed=item_embed(texts, chosen), view=item_view(texts, "e"))
            return
        await interaction.response.edit_message(
            embed=item_embed(texts, chosen), view=item_view(texts, "e")
        )


class NgBack(TayoriItem[discord.ui.Button[Any]], template=rf"{PREFIX}:back"):
    """Returns from one item to the list (in the same ephemeral message)."""

    def __init__(self, label: str) -> None:
        super().__init__(discord.ui.Button(label=label, custom_id=f"{PREFIX}:back"))

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> NgBack:
        """Rebuild the button."""
        return cls(button_label(item) or "back")

    async def run(self, interaction: discord.Interaction[TayoriBot]) -> None:
        """Show the list again."""
        texts = interaction.client.texts(interaction)
        await interaction.response.edit_message(embed=list_embed(texts), view=list_view(texts, "e"))


def list_view(texts: LocaleContent, mode: str) -> discord.ui.View:
    """The select under the list."""
    return buttons(NgSelect(texts, mode))


def item_view(texts: LocaleContent, mode: str) -> discord.ui.View:
    """The select (to pick another item) and, in the private list, a back button."""
    if mode == "e":
        return buttons(NgSelect(texts, mode), NgBack(texts.text("ng_list.back")))
    return list_view(texts, mode)


class NgList(commands.Cog):
    """The /ng-list command."""

    def __init__(self, bot: TayoriBot) -> None:
        self.bot = bot

    @app_commands.command(**names("ng-list"))
    @options("ng-list", "public")
    async def ng_list(
        self, interaction: discord.Interaction[TayoriBot], public: bool = False
    ) -> None:
        """Show the four NG behaviours; privately unless the user chooses to share."""
        texts = self.bot.texts(interaction)
        embed = list_embed(texts)
        if public:
            embed.set_footer(
                text=texts.text("ng_list.shared_by", user=interaction.user.display_name)
            )
        await reply(
            interaction,
            embed=embed,
            view=list_view(texts, "p" if public else "e"),
            ephemeral=not public,
        )
