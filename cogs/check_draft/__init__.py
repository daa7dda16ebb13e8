"""`/check-draft`: check a message before it is sent; the draft is never stored or logged."""

from __future__ import annotations

from bot.runtime.app import TayoriBot
from bot.runtime.shared_items import OpenDraftButton

from ._cog import CheckDraft, EditButton


async def setup(bot: TayoriBot) -> None:
    """Add the cog and its restart-proof buttons."""
    bot.add_dynamic_items(OpenDraftButton, EditButton)
    await bot.add_cog(CheckDraft(bot))
