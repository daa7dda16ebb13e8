"""Reminder delivery and its scheduler, independent of Discord.

The scheduler sleeps until the soonest pending reminder, claims each due reminder,
hands it to a `Transport`, then marks it delivered. Every write that changes the
schedule (add, snooze, close, cancel) goes through this service, which wakes the
scheduler itself: no caller has to remember to. A crash between sending and
marking leaves the reminder claimed; it is recovered as pending on restart, and
since it was tried before, the transport first looks for the message it may have
posted (Discord's nonce only guards a resend for a few minutes), so it is not sent
twice. A user reached only through a server's channel has one notice there at a
time: reminders falling due while it is up join it instead of pinging again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
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
from bot.services.transport import (
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
BATCH = 100
RETRY_BASE = timedelta(seconds=30)
MAX_ATTEMPTS = 8
IDLE = timedelta(hours=1)
STORE_BACKOFF = timedelta(seconds=30)
STALE_CLAIM = timedelta(minutes=10)
FINISH_WITHIN = timedelta(seconds=3)  # how long a stop waits for the deliveries in flight
CONCURRENCY = 8  # deliveries in flight at once (the transport paces them to Discord's limit)


HELD_CAUSES = {DmClosed: "dm_closed", ChannelGone: "channel_gone", ChannelForbidden: "forbidden"}


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


class ReminderService:
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
    ) -> None:
        self.store, self.clock = store, clock
        self._transport = transport
        self.metrics = metrics or Metrics()
        self._wake = asyncio.Event()
        self._rest = asyncio.Event()
        self.idle = asyncio.Event()
        # one notice at a time per (user, channel): who posts it, and who joins it
        self._notice_locks: weakref.WeakValueDictionary[tuple[int, int], asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )

    def wake(self) -> None:
        """Re-check the schedule now (a reminder was added, snoozed or cancelled)."""
        self._wake.set()

    def attach(self, transport: Transport) -> None:
        """Deliver through `transport` (the reminders cog's)."""
        self._transport = transport

    @property
    def transport(self) -> Transport:
        """The transport reminders go out through."""
        if self._transport is None:
            raise RuntimeError("no transport attached: the reminders cog is not loaded")
        return self._transport

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
        self.wake()
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
            self.wake()
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
        """Release claims left by a crash (all at start) or by a failed write (stale ones)."""
        stale = None if everything else self.clock.now() - STALE_CLAIM
        recovered = await self.store.recover_in_flight(stale)
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
        await self.clock.sleep_until(min(nxt or now + IDLE, now + IDLE), self._wake)
        self.idle.clear()

    async def deliver_due(self) -> int:
        """Deliver every reminder due now; return how many were handled.

        Up to `CONCURRENCY` deliveries are in flight at once; each is claimed just before it
        starts, so a stop leaves at most that many claimed (and waits for them to finish).
        """
        handled = 0
        while batch := await self.store.due_reminders(self.clock.now(), BATCH):
            handled += await self._deliver_batch(batch)
        return handled

    async def _deliver_batch(self, batch: list[Reminder]) -> int:
        queue = iter(batch)  # shared by the workers: each reminder is taken once
        handled = 0

        async def worker() -> None:
            nonlocal handled
            for reminder in queue:
                if await self.store.claim(reminder.id):
                    await self._finish_even_if_stopped(self._deliver_guarded(reminder))
                    handled += 1

        try:
            async with asyncio.TaskGroup() as group:
                for _ in range(min(CONCURRENCY, len(batch))):
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

    async def _send(self, delivery: Delivery) -> bool:
        """Send by DM (True) or, if DMs are closed, hold it behind a channel notice (False).

        A reminder tried before may have gone out already, its answer lost in a crash or on the
        network: it is looked for first, and found, it counts as sent.
        """
        reminder = delivery.reminder
        if reminder.attempts and (found := await self.transport.find_dm(delivery)) is not None:
            log.info("reminder %s was already in the user's DMs; not sent again", reminder.id)
            await self._remember_dm(delivery, found)
            return True
        try:
            channel_id = await self.transport.send_dm(delivery)
        except DmClosed:
            channel = await self._channel_for(reminder)
            if channel is None:
                raise
        else:
            await self._remember_dm(delivery, channel_id)
            return True
        try:
            await self._notify(channel, delivery)
        except ChannelGone:
            await self.store.set_reminder_channel(reminder.guild_id or 0, None)
            raise
        return False

    async def _remember_dm(self, delivery: Delivery, channel_id: int) -> None:
        if channel_id != delivery.dm_channel_id:  # the next one is a single request
            reminder = delivery.reminder
            await self.store.remember_dm_channel(reminder.id, reminder.user_id, channel_id)

    async def _notify(self, channel: int, delivery: Delivery) -> None:
        """Hold the reminder behind the user's notice in `channel`, posting one if none is up.

        One notice per user per channel at a time, so the user is pinged once for reminders
        due together; those falling due while it is up join it (all are shown when they press
        its button or use a command). A reminder tried before looks for its own notice first.
        """
        reminder = delivery.reminder
        key = (reminder.user_id, channel)
        lock = self._notice_locks.get(key) or self._notice_locks.setdefault(key, asyncio.Lock())
        async with lock:
            notice = shared = await self.store.open_notice(reminder.user_id, channel)
            if notice is None and reminder.attempts:
                found = await self.transport.find_notice(channel, delivery)
                notice = None if found is None else (channel, found)
                if found is not None:
                    log.info("reminder %s: its notice was already posted; kept", reminder.id)
            if notice is None:
                notice = (channel, await self.transport.send_channel_notice(channel, delivery))
            if not await self.store.hold(reminder.id, notice) and shared is None:
                await self.transport.delete_notices([notice])  # its user deleted their data

    async def _channel_for(self, reminder: Reminder) -> int | None:
        """The channel for a notice: the server's reminder channel, if the user opted in."""
        if reminder.guild_id is None:
            return None
        if not (await self.store.user_settings(reminder.user_id)).channel_notice:
            return None
        return (await self.store.guild_settings(reminder.guild_id)).reminder_channel_id

    def _count(self, outcome: str, cause: str) -> None:
        self.metrics.deliveries.labels(outcome, cause).inc()

    async def _retry(self, reminder: Reminder, exc: Exception, cause: str) -> None:
        if reminder.attempts + 1 >= MAX_ATTEMPTS:
            log.error(
                "reminder %s failed %d times (%s); holding it", reminder.id, MAX_ATTEMPTS, exc
            )
            await self.store.hold(reminder.id)
            self._count("failed", cause)
            return
        self._count("retried", cause)
        delay = RETRY_BASE * (2**reminder.attempts)
        log.warning("reminder %s: transient failure (%s); retrying in %s", reminder.id, exc, delay)
        await self.store.retry_later(reminder.id, self.clock.now() + delay)
