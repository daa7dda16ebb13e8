"""`/privacy show | export | delete`: see, take away and erase everything Tayori stores."""

from __future__ import annotations

from bot.runtime.app import TayoriBot

from ._cog import DeleteButton, Privacy


async def setup(bot: TayoriBot) -> None:
    """Add the cog and its restart-proof button."""
    bot.add_dynamic_items(DeleteButton)
    await bot.add_cog(Privacy(bot))
