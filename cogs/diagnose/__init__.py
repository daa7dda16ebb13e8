"""`/diagnose start | history`: the private questionnaire that ranks the six reasons."""

from __future__ import annotations

from bot.runtime.app import TayoriBot

from ._cog import AnswerSelect, Diagnose, StepButton


async def setup(bot: TayoriBot) -> None:
    """Add the cog and its restart-proof buttons and select menu."""
    bot.add_dynamic_items(StepButton, AnswerSelect)
    await bot.add_cog(Diagnose(bot))
