"""`/privacy show | export | delete`: see, take away and erase everything Tayori stores."""

from __future__ import annotations

import io
import json
import re
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.content import LocaleContent
from bot.runtime.app import TayoriBot
from bot.runtime.i18n import group_names, names
from bot.runtime.items import TayoriItem, button_label
from bot.runtime.replies import ack, buttons, reply, think
from bot.services.retention import erase_user
from bot.store import KindSummary


def summary_embed(texts: LocaleContent, rows: list[KindSummary], bot: TayoriBot) -> discord.Embed:
    """Render what is stored, per kind, with retention."""
    days = {
        "diagnoses": bot.settings.diagnosis_retention_days,
        "reminders": bot.settings.reminder_retention_days,
    }
    lines = [texts.text("privacy.intro")]
    for row in rows:
        oldest = (
            discord.utils.format_dt(row.oldest, "R") if row.oldest else texts.text("privacy.none")
        )
        lines.append(
            texts.text(
                "privacy.line",
                kind=texts.text(f"privacy.kinds.{row.kind}"),
                count=row.count,
                oldest=oldest,
                retention=texts.text(f"privacy.retention.{row.kind}", days=days.get(row.kind, 0)),
            )
        )
    if bot.settings.privacy_url:
        lines.append(texts.text("privacy.policy", url=bot.settings.privacy_url))
    return discord.Embed(title=texts.text("privacy.title"), description="\n".join(lines))


def _ids_as_text(data: dict[str, list[dict[str, object]]]) -> dict[str, list[dict[str, object]]]:
    """Write Discord ids as strings, as Discord does (they overflow JavaScript numbers)."""
    return {
        table: [
            {k: str(v) if k.endswith("_id") and v is not None else v for k, v in row.items()}
            for row in rows
        ]
        for table, rows in data.items()
    }


class DeleteButton(TayoriItem[discord.ui.Button[Any]], template=r"tayori:privacy:del:(?P<uid>\d+)"):
    """Confirms `/privacy delete`; works after a restart."""

    def __init__(self, user_id: int, label: str = "delete") -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.danger,
                custom_id=f"tayori:privacy:del:{user_id}",
            )
        )
        self.user_id = self.owner_id = user_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> DeleteButton:
        """Rebuild the button from its custom_id."""
        return cls(int(match["uid"]), button_label(item) or "delete")

    async def run(self, interaction: discord.Interaction[TayoriBot]) -> None:
        """Delete everything about the owner, then say so."""
        await ack(interaction)
        bot = interaction.client
        count, notices = await erase_user(bot.store, bot.reminders, self.user_id)
        bot.dispatch("tayori_user_deleted", self.user_id, notices)  # and what cogs keep in memory
        texts = bot.texts(interaction)
        await interaction.edit_original_response(
            content=texts.text("privacy.deleted", count=count), view=None, embed=None
        )


class Privacy(commands.GroupCog, **group_names("privacy")):
    """The /privacy commands."""

    def __init__(self, bot: TayoriBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(**names("privacy.show"))
    async def show(self, interaction: discord.Interaction[TayoriBot]) -> None:
        """Show, per kind, what is stored about the user and for how long."""
        await think(interaction)
        rows = await self.bot.store.user_summary(interaction.user.id)
        await reply(interaction, embed=summary_embed(self.bot.texts(interaction), rows, self.bot))

    @app_commands.command(**names("privacy.export"))
    async def export(self, interaction: discord.Interaction[TayoriBot]) -> None:
        """Send everything stored about the user as a JSON file, ephemerally."""
        await think(interaction)
        data = await self.bot.store.export_user(interaction.user.id)
        payload = json.dumps(
            {"user_id": str(interaction.user.id), **_ids_as_text(data)},
            ensure_ascii=False,
            indent=2,
        )
        file = discord.File(io.BytesIO(payload.encode()), filename="tayori-export.json")
        await reply(interaction, self.bot.texts(interaction).text("privacy.export_done"), file=file)

    @app_commands.command(**names("privacy.delete"))
    async def delete(self, interaction: discord.Interaction[TayoriBot]) -> None:
        """Ask for confirmation before deleting everything about the user."""
        texts = self.bot.texts(interaction)
        view = buttons(DeleteButton(interaction.user.id, texts.text("privacy.delete_button")))
        await reply(interaction, texts.text("privacy.delete_confirm"), view=view)
