"""`/remind …`: reminders that follow the article, and their delivery over Discord."""

from __future__ import annotations

import asyncio

from bot.core.when import warm_up
from bot.runtime.app import TayoriBot
from bot.runtime.shared_items import AfterSendButton

from ._cog import Remind
from ._views import DYNAMIC_ITEMS


async def setup(bot: TayoriBot) -> None:
    """Add the cog, its restart-proof components and the scheduler."""
    bot.add_dynamic_items(*DYNAMIC_ITEMS, AfterSendButton)
    await bot.add_cog(Remind(bot))
    bot.add_service(bot.reminders.run)
    await asyncio.to_thread(warm_up, [bot.content[loc].when for loc in bot.content.locales])
