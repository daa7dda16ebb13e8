"""The base of every interactive item: errors route to the tree's handler, the owner is checked.

Replies are sent as finished views (`bot.runtime.replies.buttons`), so every button or
select is a `DynamicItem` that routes by its custom id, after a restart too.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import discord

from bot.runtime import metrics
from bot.runtime.replies import reply, text_for
from bot.runtime.tree import refused_for_maintenance, route_error

ItemT = TypeVar("ItemT", bound=discord.ui.Item[Any])


class TayoriItem(discord.ui.DynamicItem[ItemT], template=r"(?!)"):
    """A restart-proof item: `run` does the work; any error reaches the tree's handler.

    When `owner_id` is set, only that user may use the item; anyone else is told kindly.
    (The template of this base matches nothing: only its subclasses are registered.)
    """

    owner_id: int | None = None
    # What the item is for: every item class defines `async def run(self, interaction)`.
    run: Callable[[discord.Interaction[Any]], Awaitable[None]]

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        """Let the owner through; tell anyone else kindly (and everyone, under maintenance)."""
        metrics.start(interaction, self)
        if await refused_for_maintenance(interaction):
            return False
        if self.owner_id is None or interaction.user.id == self.owner_id:
            return True
        try:
            await reply(interaction, text_for(interaction, "common.error.not_owner"))
        except Exception as exc:
            await route_error(interaction, exc)
        return False

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Run the item's work, routing any error to the tree's handler."""
        try:
            await self.run(interaction)
        except Exception as exc:
            await route_error(interaction, exc)
        else:
            metrics.handled(interaction, "ok", self)


def button_label(item: discord.ui.Item[Any]) -> str | None:
    """The label of the button a rebuilt item wraps (its custom id carries the rest)."""
    return item.label if isinstance(item, discord.ui.Button) else None
