"""`/ng-list`: the four things never to do, why, and what to do instead."""

from __future__ import annotations

from bot.runtime.app import TayoriBot

from ._cog import NgBack, NgList, NgSelect


async def setup(bot: TayoriBot) -> None:
    """Add the cog and its restart-proof components."""
    bot.add_dynamic_items(NgSelect, NgBack)
    await bot.add_cog(NgList(bot))
