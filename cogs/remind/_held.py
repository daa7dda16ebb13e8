"""Reminders held for a user whose DMs are closed: shown privately after their next command,
or when they press the button of the notice that pinged them in a server's channel."""

from __future__ import annotations

import logging
from datetime import datetime

import discord

from bot.core.pacing import is_missed, lateness
from bot.runtime.app import TayoriBot
from bot.runtime.limits import MESSAGE_MAX
from bot.runtime.replies import pages
from bot.services.transport import Delivery, Transport
from bot.store import Reminder

from ._views import delivered_text, delivered_view

log = logging.getLogger(__name__)

HELD_SEP = "\n\n"
HELD_WITH_BUTTONS = 5  # held reminders shown one per message, with their buttons


class HeldReminders:
    """Shows a user the reminders held for them, once, then removes the notices they had."""

    def __init__(self, bot: TayoriBot, transport: Transport) -> None:
        self.bot, self.transport = bot, transport
        self._showing: set[int] = set()

    async def show(self, interaction: discord.Interaction[TayoriBot]) -> int:
        """Show the user their held reminders as private follow-ups; return how many."""
        user = interaction.user.id
        if user in self._showing:
            return 0  # another interaction of theirs is showing them right now: show them once
        self._showing.add(user)
        try:
            return await self._show(interaction)
        finally:
            self._showing.discard(user)

    async def _show(self, interaction: discord.Interaction[TayoriBot]) -> int:
        # claimed: two interactions answered at once (by one process or two) show them once
        held = await self.bot.store.claim_held(interaction.user.id, self.bot.reminders.worker_id)
        if not held:
            return 0
        shown: list[Reminder] = []
        for text, view, reminders in self._messages(interaction, held):
            try:
                if view:
                    await interaction.followup.send(text, ephemeral=True, view=view)
                else:
                    await interaction.followup.send(text, ephemeral=True)
            except discord.HTTPException as exc:
                log.warning("held reminders not shown to %s: %s", interaction.user.id, exc)
                # the rest stay held for the next time, and so does their notice
                seen = {r.id for r in shown}
                await self.bot.store.release_held([r.id for r in held if r.id not in seen])
                break
            for r in reminders:
                await self.bot.store.mark_delivered(r.id)
            shown += reminders
        else:  # all seen: the notices that pointed to them go, no trace left
            await self.transport.delete_notices(notices_of(shown))
        return len(shown)

    def _messages(
        self, interaction: discord.Interaction[TayoriBot], held: list[Reminder]
    ) -> list[tuple[str, discord.ui.View | None, list[Reminder]]]:
        """The first few as they would have come, each with its buttons; any more as text."""
        texts = self.bot.texts(interaction)
        now = self.bot.clock.now()
        deliveries = [as_delivery(r, now) for r in held]
        messages: list[tuple[str, discord.ui.View | None, list[Reminder]]] = [
            (delivered_text(texts, d)[:MESSAGE_MAX], delivered_view(texts, d), [d.reminder])
            for d in deliveries[:HELD_WITH_BUTTONS]
        ]
        rest = deliveries[HELD_WITH_BUTTONS:]
        parts = [delivered_text(texts, d) for d in rest]
        for run in pages(parts, MESSAGE_MAX, HELD_SEP):
            shown = HELD_SEP.join(parts[run.start : run.stop])[:MESSAGE_MAX]
            messages.append((shown, None, [d.reminder for d in rest[run.start : run.stop]]))
        return messages


def notices_of(reminders: list[Reminder]) -> list[tuple[int, int]]:
    """The channel notices posted for these reminders, once each (several may share one)."""
    return list(
        dict.fromkeys(
            (r.notice_channel_id, r.notice_message_id)
            for r in reminders
            if r.notice_channel_id is not None and r.notice_message_id is not None
        )
    )


def as_delivery(r: Reminder, now: datetime) -> Delivery:
    """A held reminder, as it is shown now (how late, whether missed)."""
    return Delivery(r, lateness(r.first_due, now), is_missed(r.first_due, now))
