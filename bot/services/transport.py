"""What the reminder scheduler asks of a transport, and what a transport may answer.

The reminders cog implements `Transport` over Discord; the scheduler (`ReminderService`) and
the tests use only this contract.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from bot.store import Reminder


class DmClosed(Exception):
    """The user does not accept DMs from the bot."""


class ChannelGone(Exception):
    """The reminder channel no longer exists."""


class ChannelForbidden(Exception):
    """The bot may no longer post in the reminder channel."""


class Transient(Exception):
    """A failure worth retrying (5xx, 429, network)."""


HELD_CAUSES = {DmClosed: "dm_closed", ChannelGone: "channel_gone", ChannelForbidden: "forbidden"}


@dataclass(frozen=True)
class Delivery:
    """What to send: the reminder and how late it is."""

    reminder: Reminder
    late: timedelta | None
    missed: bool
    dm_channel_id: int | None = None  # the user's DM channel with the bot, when known


class Transport(Protocol):
    """Sends reminders; implemented over Discord by the reminders cog."""

    async def send_dm(self, delivery: Delivery) -> int:
        """Send the reminder to the user's DMs; return the DM channel's id.

        Raise DmClosed or Transient. With `delivery.dm_channel_id` known, one request.
        """
        ...

    async def send_channel_notice(self, channel_id: int, delivery: Delivery) -> int:
        """Post the discreet notice in a reminder channel; return its message id.

        Raise ChannelGone/Forbidden.
        """
        ...

    async def find_dm(self, delivery: Delivery) -> int | None:
        """Look in the user's DMs for this reminder, sent before a crash; return the channel's
        id if it is there. Raise Transient when the DMs cannot be read now."""
        ...

    async def find_notice(self, channel_id: int, delivery: Delivery) -> int | None:
        """Look in the channel for the notice posted for this reminder before a crash; return
        its message id if it is there. Raise Transient when the channel cannot be read now."""
        ...

    async def delete_notices(self, notices: list[tuple[int, int]]) -> None:
        """Delete channel notices (best effort)."""
        ...
