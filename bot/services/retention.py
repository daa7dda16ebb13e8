"""Data lifetime: the daily retention purge, and erasing one user's data on request."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import timedelta

from bot.core.clock import Clock
from bot.services.reminders import ReminderService
from bot.store import Store, StoreError

log = logging.getLogger(__name__)

Notices = list[tuple[int, int]]  # (channel id, message id) of channel notices


class Retention:
    """Purges diagnoses and finished reminders past their retention, at start and daily."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        *,
        diagnosis_days: int,
        reminder_days: int,
        on_expiring: Callable[[Notices], None],
    ) -> None:
        self.store, self.clock = store, clock
        self.diagnosis_days, self.reminder_days = diagnosis_days, reminder_days
        self.on_expiring = on_expiring  # deletes the channel lines the purged rows point to

    async def purge(self) -> int:
        """Purge once; return how many rows went."""
        notices = await self.store.expiring_notices(self.reminder_days)
        if notices:  # their rows go now: delete the channel lines they point to first
            self.on_expiring(notices)
        return await self.store.purge(self.diagnosis_days, self.reminder_days)

    async def run(self) -> None:
        """Purge now, then every day."""
        stop = asyncio.Event()
        while True:
            try:
                log.info("retention purge removed %d row(s)", await self.purge())
            except StoreError as exc:
                log.error("retention purge failed: %s", exc)
            await self.clock.sleep_until(self.clock.now() + timedelta(days=1), stop)


async def erase_user(store: Store, reminders: ReminderService, user_id: int) -> tuple[int, Notices]:
    """Delete every row about the user; return how many, and the channel notices to delete."""
    notices = await store.notices_for(user_id)  # posted in channels: deleted too
    count = await store.delete_user(user_id)
    reminders.wake()  # their pending reminders are gone from the schedule
    return count, notices
