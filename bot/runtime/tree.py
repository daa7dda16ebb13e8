"""The command tree and the table of known errors every command, view, modal and item routes to.

`TayoriTree.on_error` tells the user kindly, in their language, what went wrong, and logs
what was not expected.
"""

from __future__ import annotations

import logging
import math
from typing import TYPE_CHECKING, Any, TypeVar

import discord
from discord import app_commands

from bot.core.pacing import PacingError
from bot.runtime import metrics
from bot.runtime.replies import reply, text_for
from bot.store import LimitReached, StoreBusy, StoreError, StoreLost, StoreReadOnly

if TYPE_CHECKING:
    from bot.runtime.app import TayoriBot

log = logging.getLogger(__name__)
T = TypeVar("T")
# A missing permission with a message of its own (app_commands.checks.has_permissions).
PERMISSION_KEYS = {"manage_guild": "remind.channel.manage_server"}


class UserFacingError(app_commands.AppCommandError):
    """An expected problem with a message key (and fields) to show the user."""

    def __init__(self, key: str, **fields: Any) -> None:
        super().__init__(key)
        self.key = key
        self.fields = fields


class CheckInterrupted(app_commands.AppCommandError):
    """A check could not finish (the store failed as it counted a write); `original` is why."""

    def __init__(self, original: Exception) -> None:
        super().__init__(str(original))
        self.original = original


async def refused_for_maintenance(interaction: discord.Interaction[TayoriBot]) -> bool:
    """Under MAINTENANCE=1, answer with a kind "back soon" and say so (True); else False."""
    if not interaction.client.settings.maintenance:
        return False
    if interaction.type is discord.InteractionType.autocomplete:
        await interaction.response.autocomplete([])
    else:
        await reply(interaction, text_for(interaction, "common.error.maintenance"))
        metrics.handled(interaction, "maintenance")
    return True


class TayoriTree(app_commands.CommandTree["TayoriBot"]):
    """The command tree, with the one error handler everything routes to."""

    async def interaction_check(self, interaction: discord.Interaction[TayoriBot], /) -> bool:
        """Let every command and autocomplete through, except under MAINTENANCE=1."""
        metrics.start(interaction)
        return not await refused_for_maintenance(interaction)

    async def on_error(
        self,
        interaction: discord.Interaction[TayoriBot],
        error: app_commands.AppCommandError | Exception,
    ) -> None:
        """Tell the user what went wrong, kindly; log what was not expected."""
        original = getattr(error, "original", error)
        key, fields = _known(original)
        outcome = _outcome(original, key)
        metrics.handled(interaction, outcome)
        if outcome == "rate_limited":
            interaction.client.metrics.rate_limited.labels("tayori", "user").inc()
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
            interaction.client.metrics.store_errors.labels("interaction").inc()
            if not isinstance(original, StoreLost):  # said once by the store; the bot stops
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
    if isinstance(error, app_commands.MissingPermissions):
        named = [PERMISSION_KEYS[p] for p in error.missing_permissions if p in PERMISSION_KEYS]
        return (named or ["common.error.forbidden"])[0], {}
    if isinstance(error, app_commands.CheckFailure):
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


def _outcome(error: BaseException, key: str | None) -> str:
    """The outcome label of an interaction that ended in `error` (message `key`)."""
    if key is None:
        return "error"
    if isinstance(error, StoreError):
        return "store_error"
    if key == "common.error.cooldown":
        return "rate_limited"
    if isinstance(error, app_commands.TransformerError):
        return "bad_input"
    if isinstance(error, app_commands.CheckFailure):
        return "refused"
    return "user_error"


def _where(interaction: discord.Interaction[TayoriBot]) -> str:
    command = interaction.command
    if command is not None:
        return f"/{command.qualified_name}"
    custom_id = interaction.data.get("custom_id", "?") if interaction.data else "?"
    return f"component {custom_id}"


async def route_error(interaction: discord.Interaction[TayoriBot], error: Exception) -> None:
    """Send a view, modal or item error to the tree's handler."""
    tree = interaction.client.tree
    assert isinstance(tree, TayoriTree)
    await tree.on_error(interaction, error)


def limited_writes(command: T) -> T:
    """Limit a command that writes to a few uses per user in a short window (friendly refusal)."""

    async def predicate(interaction: discord.Interaction[TayoriBot]) -> bool:
        try:
            await check_write_limit(interaction)  # counted in the store: it can fail as a write
        except StoreError as exc:  # discord.py hands only AppCommandErrors of checks to on_error
            raise CheckInterrupted(exc) from exc
        return True

    return app_commands.check(predicate)(command)


async def check_write_limit(interaction: discord.Interaction[TayoriBot]) -> None:
    """Count a write by the user; raise a kind "wait N seconds" past the limit."""
    bot = interaction.client
    wait = await bot.limiter.hit(interaction.user.id, bot.clock.now())
    if wait:
        raise UserFacingError("common.error.cooldown", seconds=max(1, math.ceil(wait)))
