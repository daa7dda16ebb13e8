"""Where one claimed reminder goes: the user's DMs, else a notice in a server's channel.

`ReminderService` (`bot.services.reminders`) is built on this: it claims, this sends. A
reminder tried before may have gone out already, its answer lost in a crash or on the
network, so the transport first looks for it (Discord's nonce only guards a resend for a few
minutes). A user reached only through a server's reminder channel has one notice there at a
time: reminders falling due while it is up join it instead of pinging again (in every
process sharing a PostgreSQL database: an advisory lock per user and channel).
"""

from __future__ import annotations

import asyncio
import logging
import weakref

from bot.services.transport import ChannelGone, Delivery, DmClosed, Transport
from bot.store import Reminder, Store

log = logging.getLogger(__name__)


class Sender:
    """Sends through the transport the reminders cog attaches (`attach`)."""

    store: Store

    def __init__(self, transport: Transport | None = None) -> None:
        self._transport = transport
        # one notice at a time per (user, channel): who posts it, and who joins it
        self._notice_locks: weakref.WeakValueDictionary[tuple[int, int], asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )

    def attach(self, transport: Transport) -> None:
        """Deliver through `transport` (the reminders cog's)."""
        self._transport = transport

    @property
    def transport(self) -> Transport:
        """The transport reminders go out through."""
        if self._transport is None:
            raise RuntimeError("no transport attached: the reminders cog is not loaded")
        return self._transport

    async def _send(self, delivery: Delivery) -> bool:
        """Send by DM (True) or, if DMs are closed, hold it behind a channel notice (False).

        A reminder tried before may have gone out already: it is looked for first, and found,
        it counts as sent.
        """
        reminder = delivery.reminder
        found = await self.transport.find_dm(delivery) if tried_before(reminder) else None
        if found is not None:
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
        Across processes too: with PostgreSQL an advisory lock on (user, channel) is held
        while one is looked for and posted.
        """
        reminder = delivery.reminder
        key = (reminder.user_id, channel)
        lock = self._notice_locks.get(key) or self._notice_locks.setdefault(key, asyncio.Lock())
        async with lock, self.store.shared_lock(f"notice:{reminder.user_id}:{channel}"):
            notice = shared = await self.store.open_notice(reminder.user_id, channel)
            if notice is None and tried_before(reminder):
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


def tried_before(reminder: Reminder) -> bool:
    """Whether an earlier claim tried to send it (the claim counts each try: 1 the first)."""
    return reminder.attempts > 1
