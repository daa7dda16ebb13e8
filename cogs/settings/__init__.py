"""`/settings timezone | quiet-hours`: the user's own time settings."""

from __future__ import annotations

from bot.runtime.app import TayoriBot

from ._cog import SettingsCog


async def setup(bot: TayoriBot) -> None:
    """Add the cog."""
    await bot.add_cog(SettingsCog(bot))
