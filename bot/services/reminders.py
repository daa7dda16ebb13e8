"""Reminder delivery and its scheduler, independent of Discord.

The scheduler sleeps until the soonest pending reminder, claims each due reminder, hands
it to a `Transport` (`bot.services.transport`), then marks it delivered. Every write that
changes the schedule (add, snooze, close, cancel) goes through this service, which wakes
the scheduler itself: no caller has to remember to. A crash between sending and marking
leaves the reminder claimed; it is recovered as pending (on restart, or when its lease has
passed), and since it was tried before, the message it may have posted is looked for
before it is sent again (`bot.services.sending`: where a reminder goes, DM or notice).

Any number of processes may run it over one PostgreSQL database: each claims the
reminders it sends (skipping those another is claiming) for a lease, so the claims
of a process that died return to the others once the lease has passed, and a
reminder written through one process wakes all of them (LISTEN/NOTIFY, with a poll
every `SHARED_POLL` besides). With SQLite, one process runs and claims it left are
recovered when it starts again, as they always were.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
from collections.abc import Coroutine
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.clock import Clock
from bot.core.pacing import (
    DEFAULT_QUIET,
    after_send_due,
    interrupted_wait,
    is_missed,
    lateness,
    shift_out_of_quiet,
)
from bot.services.metrics import Metrics
from bot.services.sending import Sender
from bot.services.transport import (
    HELD_CAUSES,
    ChannelForbidden,
    ChannelGone,
    Delivery,
    DmClosed,
    Transient,
    Transport,
)
from bot.store import Reminder, Store, StoreError, UserSettings

__all__ = [  # the transport's contract, for the cog that implements it
    "ChannelForbidden",
    "ChannelGone",
    "Delivery",
    "DmClosed",
    "ReminderService",
    "Transient",
    "Transport",
]

log = logging.getLogger(__name__)

NOTE_MAX = 200
DEFAULT_TZ = "Asia/Tokyo"
RETRY_BASE = timedelta(seconds=30)
MAX_ATTEMPTS = 8
IDLE = timedelta(hours=1)
SHARED_POLL = timedelta(seconds=30)  # the longest sleep when other processes share the database
LEASE = timedelta(minutes=2)  # how long a claim holds: a dead process's claims return after it
STORE_BACKOFF = timedelta(seconds=30)
FINISH_WITHIN = timedelta(seconds=3)  # how long a stop waits for the deliveries in flight
CONCURRENCY = 8  # deliveries in flight at once (the transport paces them to Discord's limit)


def user_zone(name: str | None) -> ZoneInfo:
    """Return the user's timezone, Asia/Tokyo when unset."""
    return ZoneInfo(name or DEFAULT_TZ)


def user_quiet(start: str | None, end: str | None) -> tuple[time, time]:
    """Return the user's quiet hours, 23:00–08:00 when unset."""
    if start is None or end is None:
        return DEFAULT_QUIET
    return time.fromisoformat(start), time.fromisoformat(end)


def arrives_at(due: datetime, settings: UserSettings) -> datetime:
    """Return when a reminder due at `due` reaches the user: after their quiet hours."""
    quiet = user_quiet(settings.quiet_start, settings.quiet_end)
    return shift_out_of_quiet(due, user_zone(settings.timezone), *quiet)


@dataclass(frozen=True)
class AfterSend:
    """A logged message: when its check-in is due, and the days of a wait it interrupts."""

    due: datetime
    interrupted_days: int | None
    moved: bool = False  # the pending check-in was moved, not a second one added


class ReminderService(Sender):
    """Owns the reminders: writes them, and claims and delivers those due through a transport.

    The transport is Discord's, given by the reminders cog when it loads (`attach`).
    """

    def __init__(
        self,
        store: Store,
        clock: Clock,
        transport: Transport | None = None,
        *,
        metrics: Metrics | None = None,
        worker_id: str | None = None,
        lease: timedelta = LEASE,
    ) -> None:
        super().__init__(transport)
        self.store, self.clock = store, clock
        # who claims: distinct for every process (and every service a test runs side by side)
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self.lease = lease
        self.metrics = metrics or Metrics()
        self._wake = asyncio.Event()
        self._rest = asyncio.Event()
        self.idle = asyncio.Event()
        self._sleeping_until: datetime | None = None  # when the scheduler looks again, asleep

    def wake(self, due: datetime | None = None) -> None:
        """Re-check the schedule now (a reminder was added, snoozed or cancelled).

        `due`: the only change is a reminder now due then. The scheduler, asleep until no later
        than that, reads the whole schedule again when it wakes, so it need not wake now.
        """
        if due is not None and self._sleeping_until is not None and due >= self._sleeping_until:
            return
        self._wake.set()

    # -- writes: each one re-plans the scheduler ---------------------------------

    async def add(
        self,
        user_id: int,
        kind: str,
        due: datetime,
        locale: str,
        *,
        guild_id: int | None = None,
        note: str | None = None,
    ) -> Reminder:
        """Store a pending reminder (refused past the per-user limit)."""
        reminder = await self.store.add_reminder(
            user_id, kind, due, locale, guild_id=guild_id, note=note
        )
        self.wake(reminder.due_at)
        return reminder

    async def after_send(
        self, user_id: int, days: int, locale: str, guild_id: int | None
    ) -> AfterSend:
        """Log one sent message: a check-in `days` ahead, and whether it cuts a wait short."""
        now = self.clock.now()
        due = after_send_due(now, days)
        earlier = await self.store.after_send_window(user_id)
        interrupted = interrupted_wait(now, earlier)
        # One check-in per wait: a message sent during it restarts the pending one.
        if interrupted and await self.store.restart_after_send(user_id, due):
            self.wake(due)  # moved later: a scheduler asleep until then wakes for it anyway
            return AfterSend(due, interrupted, moved=True)
        await self.add(user_id, "after-send", due, locale, guild_id=guild_id)
        return AfterSend(due, interrupted)

    async def snooze(self, user_id: int, reminder_id: int, due: datetime) -> bool:
        """Make a delivered (or held) reminder pending again at `due`; False if it cannot be."""
        done = await self.store.snooze_reminder(user_id, reminder_id, due)
        self.wake()
        return done

    async def close(self, user_id: int, reminder_id: int, state: str = "replied") -> bool:
        """Close one of the user's open reminders (they replied)."""
        done = await self.store.close_reminder(user_id, reminder_id, state)
        self.wake()
        return done

    async def cancel(self, user_id: int, reminder_ids: list[int]) -> int:
        """Cancel some of the user's pending reminders; return how many were."""
        count = 0
        for reminder_id in reminder_ids:
            count += await self.store.cancel_reminder(user_id, reminder_id)
        self.wake()
        return count

    # -- the scheduler ----------------------------------------------------------

    def next_rest(self) -> asyncio.Event:
        """Return the event set once everything due now is handled and the scheduler sleeps."""
        return self._rest

    async def run(self) -> None:
        """Deliver due reminders forever; sleep until the next one in between."""
        first = True
        await self.store.listen_schedule(self.wake)  # other processes' writes wake us too
        while True:
            try:
                await self._recover(everything=first)
                first = False
                await self.deliver_due()
                await self._sleep()
            except StoreError as exc:
                self.metrics.store_errors.labels("scheduler").inc()
                log.error("reminder store problem, retrying in %s: %s", STORE_BACKOFF, exc)
                await self.clock.sleep_until(self.clock.now() + STORE_BACKOFF, self._wake)

    async def _recover(self, *, everything: bool) -> None:
        """Release claims left by a crash (all at start, when no other process shares the
        database) or by a failed write or a dead process (those whose lease has passed)."""
        everything = everything and not self.store.shared
        recovered = await self.store.recover_in_flight(expired_only=not everything)
        if recovered:
            log.warning("%d reminder(s) were left in flight; sending again", recovered)

    async def _sleep(self) -> None:
        self._wake.clear()
        nxt = await self.store.next_due()
        now = self.clock.now()
        if nxt is not None and nxt <= now:
            return
        self._rest.set()
        self._rest = asyncio.Event()
        self.idle.set()
        longest = now + (SHARED_POLL if self.store.shared else IDLE)
        self._sleeping_until = min(nxt or longest, longest)
        try:
            await self.clock.sleep_until(self._sleeping_until, self._wake)
        finally:
            self._sleeping_until = None
        self.idle.clear()

    async def deliver_due(self) -> int:
        """Deliver every reminder due now; return how many were handled.

        Up to `CONCURRENCY` deliveries are in flight at once; each is claimed just before it
        starts, so a stop leaves at most that many claimed (and waits for them to finish).
        Another process's claims are skipped, never waited for.
        """
        handled = 0
        while await self.store.due_reminders(self.clock.now(), 1):  # a read: idle costs no write
            claimed = await self._deliver_round()
            if not claimed:  # all that is due is another process's now
                break
            handled += claimed
        return handled

    async def _deliver_round(self) -> int:
        handled = 0

        async def worker() -> None:
            nonlocal handled
            while reminder := await self.store.claim_next(self.worker_id, self.lease):
                await self._finish_even_if_stopped(self._deliver_guarded(reminder))
                handled += 1

        try:
            async with asyncio.TaskGroup() as group:
                for _ in range(CONCURRENCY):
                    group.create_task(worker())
        except BaseExceptionGroup as failed:  # a store failure stops the round, as before
            raise failed.exceptions[0] from None
        return handled

    @staticmethod
    async def _finish_even_if_stopped(delivery: Coroutine[Any, Any, None]) -> None:
        """Let a delivery that has started record its outcome when the bot is stopped.

        Cancelled between sending a DM and marking it delivered, a reminder would be sent
        again after the restart; so a stop waits (up to `FINISH_WITHIN`) for the one in
        flight, then goes on stopping.
        """
        task = asyncio.ensure_future(delivery)
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(task, FINISH_WITHIN.total_seconds())
            raise

    async def _deliver_guarded(self, reminder: Reminder) -> None:
        """Deliver one reminder; an unexpected error retries it later instead of stopping us."""
        try:
            await self.deliver(reminder)
        except StoreError:
            raise
        except Exception as exc:  # one bad reminder must not stop the scheduler
            log.exception("reminder %s: unexpected failure", reminder.id)
            await self._retry(reminder, exc, "unexpected")

    async def deliver(self, reminder: Reminder) -> None:
        """Send one claimed reminder and record the outcome."""
        now = self.clock.now()
        settings = await self.store.user_settings(reminder.user_id)
        allowed = arrives_at(now, settings)
        if allowed > now:
            await self.store.retry_later(reminder.id, allowed)
            self._count("deferred", "quiet_hours")
            return
        # Late means later than it would have arrived had the bot been up; quiet hours don't count.
        expected = arrives_at(reminder.first_due, settings)
        delivery = Delivery(
            reminder, lateness(expected, now), is_missed(expected, now), settings.dm_channel_id
        )
        try:
            by_dm = await self._send(delivery)
        except Transient as exc:
            await self._retry(reminder, exc, "transient")
            return
        except (DmClosed, ChannelGone, ChannelForbidden) as exc:
            await self.store.hold(reminder.id)
            self._count("held", HELD_CAUSES[type(exc)])
            return
        self.metrics.lateness.observe((delivery.late or timedelta(0)).total_seconds())
        if by_dm:
            await self.store.mark_delivered(reminder.id)
            self._count("delivered", "dm")
        else:  # only a discreet notice went out: held for /remind list and the next command
            self._count("held", "channel_notice")

    def _count(self, outcome: str, cause: str) -> None:
        self.metrics.deliveries.labels(outcome, cause).inc()

    async def _retry(self, reminder: Reminder, exc: Exception, cause: str) -> None:
        # the claim counted this attempt: `attempts` is 1 the first time
        if reminder.attempts >= MAX_ATTEMPTS:
            log.error(
                "reminder %s failed %d times (%s); holding it", reminder.id, MAX_ATTEMPTS, exc
            )
            await self.store.hold(reminder.id)
            self._count("failed", cause)
            return
        self._count("retried", cause)
        delay = RETRY_BASE * (2 ** (reminder.attempts - 1))
        log.warning("reminder %s: transient failure (%s); retrying in %s", reminder.id, exc, delay)
        await self.store.retry_later(reminder.id, self.clock.now() + delay)
