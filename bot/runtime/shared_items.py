"""Buttons that more than one feature shows: "check a draft" and "I sent it — remind me".

A feature never imports another. These two buttons sit under diagnosis results, draft
reports and delivered reminders alike, so they live here and reach their feature
through the bot: the reminders service (`bot.reminders`), and the draft checker's cog
by name (`get_cog("CheckDraft")`, which opens its form).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import discord

from bot.core.content import LocaleContent
from bot.runtime.items import TayoriItem, button_label
from bot.runtime.replies import reply, say_days, when_text
from bot.runtime.tree import check_write_limit
from bot.services.reminders import AfterSend

if TYPE_CHECKING:
    from bot.runtime.app import TayoriBot

DRAFT_PREFIX = "tayori:cd"
REMIND_PREFIX = "tayori:rm"
# Parsed once: a button given the emoji as a string parses it again for every reply.
PENCIL = discord.PartialEmoji.from_str("✏️")
ALARM_CLOCK = discord.PartialEmoji.from_str("⏰")


@runtime_checkable
class DraftForms(Protocol):
    """What the draft checker's cog offers other features: its form."""

    async def open_form(
        self, interaction: discord.Interaction[TayoriBot], default: str = ""
    ) -> None:
        """Open the draft form, pre-filled with `default`."""
        ...


class OpenDraftButton(TayoriItem[discord.ui.Button[Any]], template=rf"{DRAFT_PREFIX}:open"):
    """Opens an empty draft form (under diagnosis results and reminders)."""

    def __init__(self, label: str) -> None:
        button: discord.ui.Button[Any] = discord.ui.Button(
            label=label, custom_id=f"{DRAFT_PREFIX}:open", emoji=PENCIL
        )
        super().__init__(button)

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> OpenDraftButton:
        """Rebuild the button."""
        return cls(button_label(item) or "draft")

    async def run(self, interaction: discord.Interaction[TayoriBot]) -> None:
        """Open the form (the draft checker's)."""
        forms: object = interaction.client.get_cog("CheckDraft")
        if not isinstance(forms, DraftForms):
            raise RuntimeError("the draft checker is not loaded")
        await forms.open_form(interaction)


class AfterSendButton(
    TayoriItem[discord.ui.Button[Any]],
    template=rf"{REMIND_PREFIX}:as:(?P<uid>\d+):(?P<days>\d+)",
):
    """The "I sent it — remind me in a week" button: logs one message, schedules the check-in."""

    def __init__(self, uid: int, days: int, label: str) -> None:
        button: discord.ui.Button[Any] = discord.ui.Button(
            label=label, custom_id=f"{REMIND_PREFIX}:as:{uid}:{days}", emoji=ALARM_CLOCK
        )
        super().__init__(button)
        self.uid, self.days = uid, days
        self.owner_id = uid

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> AfterSendButton:
        """Rebuild the button (after a restart too)."""
        return cls(int(match["uid"]), int(match["days"]), button_label(item) or "remind")

    async def run(self, interaction: discord.Interaction[TayoriBot]) -> None:
        """Schedule the after-send check-in."""
        await check_write_limit(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        await reply(interaction, await after_send(interaction, self.days))


async def after_send(interaction: discord.Interaction[TayoriBot], days: int) -> str:
    """Log a sent message for the user, `days` until the check-in; return what to tell them."""
    bot = interaction.client
    texts = bot.texts(interaction)
    logged = await bot.reminders.after_send(
        interaction.user.id, days, texts.locale, interaction.guild_id
    )
    return after_send_text(texts, logged)


def after_send_text(texts: LocaleContent, logged: AfterSend) -> str:
    """The confirmation; when a second message cut a wait short, one gentle word instead (and
    where the one check-in now is)."""
    when = when_text(logged.due)
    if not logged.interrupted_days:
        return texts.text("remind.after_send.confirm", when=when)
    warning = texts.text(
        "remind.after_send.repeat_warning", days=say_days(texts, logged.interrupted_days)
    )
    key = "remind.after_send.moved" if logged.moved else "remind.after_send.logged"
    return f"{warning}\n\n{texts.text(key, when=when)}"
