"""`/about`: what Tayori is, what it stores, and its commands."""

from __future__ import annotations

from bot.runtime.app import TayoriBot

from ._cog import About


async def setup(bot: TayoriBot) -> None:
    """Add the cog."""
    await bot.add_cog(About(bot))
