"""`/remind-channel set | clear | show`: admins choose where reminder notices may be posted."""

from __future__ import annotations

from bot.runtime.app import TayoriBot

from ._cog import RemindChannel


async def setup(bot: TayoriBot) -> None:
    """Add the cog."""
    await bot.add_cog(RemindChannel(bot))
