"""Shared interaction plumbing: one reply helper, one error handler, safe views and items.

Every cog answers through `reply`, and every failure — in a command, a view, a
modal or a dynamic item — reaches `TayoriTree.on_error`, which tells the user
kindly in their language and logs what was unexpected.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from bot.core.pacing import PacingError
from bot.store import LimitReached, StoreBusy, StoreError, StoreReadOnly

if TYPE_CHECKING:
    from bot.app import TayoriBot

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()


class UserFacingError(app_commands.AppCommandError):
    """An expected problem with a message key (and fields) to show the user."""

    def __init__(self, key: str, **fields: Any) -> None:
        super().__init__(key)
        self.key = key
        self.fields = fields


async def reply(
    interaction: discord.Interaction,
    content: str | None = None,
    *,
    ephemeral: bool = True,
    **kwargs: Any,
) -> discord.WebhookMessage | None:
    """Answer the interaction, or follow up when it was already answered; ephemeral by default."""
    kwargs.setdefault("allowed_mentions", NO_MENTIONS)
    if interaction.response.is_done():
        return await interaction.followup.send(content, ephemeral=ephemeral, wait=True, **kwargs)
    await interaction.response.send_message(content, ephemeral=ephemeral, **kwargs)
    return None


async def think(interaction: discord.Interaction, *, ephemeral: bool = True) -> None:
    """Acknowledge now (Discord's 3-second window), so slow work can follow."""
    if not interaction.response.is_done():
        await interaction.response.defer(ephemeral=ephemeral, thinking=True)


async def ack(interaction: discord.Interaction) -> None:
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


def bot_of(interaction: discord.Interaction) -> TayoriBot:
    """Return the Tayori bot behind an interaction."""
    return interaction.client  # type: ignore[return-value]


def text_for(interaction: discord.Interaction, key: str, **fields: Any) -> str:
    """Return message `key` in the interaction user's language."""
    return bot_of(interaction).texts(interaction).text(key, **fields)


class TayoriTree(app_commands.CommandTree):
    """The command tree, with the one error handler everything routes to."""

    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError | Exception
    ) -> None:
        """Tell the user what went wrong, kindly; log what was not expected."""
        original = getattr(error, "original", error)
        key, fields = _known(original)
        if key is None:
            log.error(
                "unexpected error in %s (user %s, guild %s)",
                _where(interaction),
                interaction.user.id,
                interaction.guild_id,
                exc_info=original,
            )
            key = "common.error.generic"
        elif isinstance(original, StoreError):
            log.warning("store problem in %s: %s", _where(interaction), original)
        try:
            await reply(interaction, text_for(interaction, key, **fields))
        except discord.HTTPException as exc:
            log.warning("could not tell the user about an error: %s", exc)


def _known(error: BaseException) -> tuple[str | None, dict[str, Any]]:
    """Map an expected error to a message key and its fields."""
    if isinstance(error, UserFacingError | PacingError):
        return error.key, error.fields
    if isinstance(error, app_commands.CommandOnCooldown):
        return "common.error.cooldown", {"seconds": max(1, round(error.retry_after))}
    if isinstance(error, app_commands.NoPrivateMessage):
        return "common.error.guild_only", {}
    if isinstance(error, app_commands.MissingPermissions | app_commands.CheckFailure):
        return "common.error.forbidden", {}
    if isinstance(error, app_commands.TransformerError):
        return "common.error.bad_input", {}
    if isinstance(error, LimitReached):
        return "remind.limit.pending", {"max": error.limit}
    if isinstance(error, StoreBusy):
        return "common.error.db_busy", {}
    if isinstance(error, StoreReadOnly):
        return "common.error.db_readonly", {}
    return None, {}


def _where(interaction: discord.Interaction) -> str:
    command = interaction.command
    if command is not None:
        return f"/{command.qualified_name}"
    data = interaction.data or {}
    return f"component {data.get('custom_id', '?')}"


async def route_error(interaction: discord.Interaction, error: Exception) -> None:
    """Send a view, modal or item error to the tree's handler."""
    await bot_of(interaction).tree.on_error(interaction, error)  # type: ignore[arg-type]


class OwnedModal(discord.ui.Modal):
    """A modal whose errors reach the tree's handler."""

    async def on_error(self, interaction: discord.Interaction, error: Exception, /) -> None:
        """Route to the tree's error handler."""
        await route_error(interaction, error)


async def owner_only(interaction: discord.Interaction, owner_id: int) -> bool:
    """Return True for the owner; tell anyone else kindly and return False."""
    if interaction.user.id == owner_id:
        return True
    await reply(interaction, text_for(interaction, "common.error.not_owner"))
    return False


async def guarded(interaction: discord.Interaction, coro: Any) -> None:
    """Await a dynamic item's work, routing any error to the tree's handler."""
    try:
        await coro
    except Exception as exc:
        await route_error(interaction, exc)


def limited_writes(command: Any) -> Any:
    """Limit a command that writes to a few uses per user in a short window (friendly refusal)."""

    async def predicate(interaction: discord.Interaction) -> bool:
        check_write_limit(interaction)
        return True

    return app_commands.check(predicate)(command)


def check_write_limit(interaction: discord.Interaction) -> None:
    """Count a write by the user; raise a kind "wait N seconds" past the limit."""
    bot = bot_of(interaction)
    wait = bot.limiter.hit(interaction.user.id, bot.clock.now())
    if wait:
        raise UserFacingError("common.error.cooldown", seconds=max(1, math.ceil(wait)))


def everywhere(command: Any) -> Any:
    """Allow a command in servers, DMs and group DMs, installed to a server or a user."""
    command = app_commands.allowed_installs(guilds=True, users=True)(command)
    return app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)(command)


def server_only(command: Any) -> Any:
    """Allow a command only in servers where the bot is installed."""
    command = app_commands.allowed_installs(guilds=True, users=False)(command)
    return app_commands.allowed_contexts(guilds=True, dms=False, private_channels=False)(command)
