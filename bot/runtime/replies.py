"""How Tayori answers: one reply helper, acknowledgements, finished views, paging, times.

Every cog answers through `reply`: ephemeral by default, a follow-up once the
interaction was answered.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import discord

from bot.core.content import LocaleContent

if TYPE_CHECKING:
    from bot.runtime.app import TayoriBot

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()


async def reply(
    interaction: discord.Interaction[TayoriBot],
    content: str | None = None,
    *,
    ephemeral: bool = True,
    **kwargs: Any,
) -> discord.WebhookMessage | None:
    """Answer the interaction, or follow up when it was already answered; ephemeral by default."""
    kwargs.setdefault("allowed_mentions", NO_MENTIONS)
    kwargs["content"] = content  # None too, as before: Discord gets "content": null
    if interaction.response.is_done():
        sent: discord.WebhookMessage = await interaction.followup.send(
            ephemeral=ephemeral, wait=True, **kwargs
        )
        return sent
    await interaction.response.send_message(ephemeral=ephemeral, **kwargs)
    return None


async def think(interaction: discord.Interaction[TayoriBot], *, ephemeral: bool = True) -> None:
    """Acknowledge now (Discord's 3-second window), so slow work can follow."""
    if not interaction.response.is_done():
        await interaction.response.defer(ephemeral=ephemeral, thinking=True)


async def ack(interaction: discord.Interaction[TayoriBot]) -> None:
    """Acknowledge a component click now; the message is edited afterwards."""
    if not interaction.response.is_done():
        await interaction.response.defer()


def buttons(*items: discord.ui.Item[Any]) -> discord.ui.View:
    """A view of dynamic items, ready to send.

    Every item routes by its custom id through the dynamic items the cogs register, so no
    view needs to listen. discord.py keeps each unfinished view it sends, and gives one
    sent privately a 15-minute timeout task holding it; this view is sent already stopped,
    so a reply leaves nothing behind.
    """
    view = discord.ui.View(timeout=None)
    for item in items:
        if item.is_dispatchable() and not isinstance(item, discord.ui.DynamicItem):
            raise TypeError(f"{item!r} would need a listening view; make it a DynamicItem")
        view.add_item(item)
    view.stop()
    return view


def pages(parts: Sequence[str], limit: int, sep: str = "\n") -> list[range]:
    """Group `parts` in order into runs whose joined text fits `limit` characters.

    A part longer than `limit` gets a run of its own (the caller cuts it).
    """
    runs: list[range] = []
    start, size = 0, 0
    for i, part in enumerate(parts):
        grown = size + len(sep) + len(part) if i > start else len(part)
        if i > start and grown > limit:
            runs.append(range(start, i))
            start, grown = i, len(part)
        size = grown
    if parts:
        runs.append(range(start, len(parts)))
    return runs


def text_for(interaction: discord.Interaction[TayoriBot], key: str, **fields: Any) -> str:
    """Return message `key` in the interaction user's language."""
    return interaction.client.texts(interaction).text(key, **fields)


def say_days(texts: LocaleContent, n: int) -> str:
    """A number of days in words, with the locale's plural ("1 day", "7 days", "7日")."""
    said: str = texts.when.duration.days.say(n)
    return said


def when_text(due: datetime) -> str:
    """Render a time as Discord shows it to each reader: full date and 'in 3 days'."""
    return f"{discord.utils.format_dt(due, 'F')} ({discord.utils.format_dt(due, 'R')})"
