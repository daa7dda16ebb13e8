"""Reminders over Discord: a DM, or a discreet notice in a server's reminder channel."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import aiohttp
import discord

from bot.runtime.app import TayoriBot
from bot.runtime.limits import MESSAGE_MAX, NONCE_MAX
from bot.services.transport import ChannelForbidden, ChannelGone, Delivery, DmClosed, Transient

from ._views import delivered_text, delivered_view, names_reminder, notice_view

log = logging.getLogger(__name__)

NETWORK_ERRORS = (aiohttp.ClientError, OSError, asyncio.TimeoutError)
# Where a reminder sent before a crash is looked for: messages from a little before it was
# first due (clocks differ), a page of 100 at a time, so many pages at most.
LOOK_FROM = timedelta(minutes=5)
LOOK_PAGES = 3
PAGE = 100


def nonce(kind: str, delivery: Delivery) -> str:
    """The same for every retry of one delivery, so Discord never posts it twice.

    A send whose answer is lost is retried; with `enforce_nonce` (which discord.py sets with a
    nonce) Discord returns the message it already created instead of a second one.
    """
    reminder = delivery.reminder
    return f"{kind}{reminder.id}.{int(reminder.first_due.timestamp())}"[:NONCE_MAX]


class DiscordTransport:
    """Delivers reminders by DM, or as a discreet notice in a server's reminder channel.

    Every request it makes waits its turn at the bot's pace (`bot.pacer`), below Discord's
    global limit, so a burst of reminders flows at that rate instead of bouncing off 429s.
    """

    def __init__(self, bot: TayoriBot) -> None:
        self.bot = bot

    async def send_dm(self, delivery: Delivery) -> int:
        """Send the reminder to the user's DMs; return the DM channel's id.

        With the channel known from an earlier reminder, that is one request; else the DM is
        opened first (and opened again if the known channel has gone).
        """
        try:
            if delivery.dm_channel_id is not None:
                try:
                    return await self._send_in(delivery.dm_channel_id, delivery)
                except discord.NotFound:
                    pass  # not a DM channel any more: open it again
            await self.bot.pacer.wait()
            channel = await self.bot.create_dm(discord.Object(delivery.reminder.user_id))
            return await self._send_in(channel.id, delivery)
        except discord.Forbidden as exc:
            raise DmClosed(str(exc)) from exc
        except discord.HTTPException as exc:
            raise Transient(f"{exc.status} {exc.text}") from exc
        except NETWORK_ERRORS as exc:
            raise Transient(repr(exc)) from exc

    async def _send_in(self, channel_id: int, delivery: Delivery) -> int:
        texts = self.bot.content[delivery.reminder.locale]
        channel = self.bot.get_partial_messageable(channel_id, type=discord.ChannelType.private)
        view = delivered_view(texts, delivery)
        text = delivered_text(texts, delivery)[:MESSAGE_MAX]
        await self.bot.pacer.wait()
        await channel.send(text, nonce=nonce("r", delivery), view=view)
        return channel_id

    async def find_dm(self, delivery: Delivery) -> int | None:
        """Look in the user's DMs for this reminder (its buttons name it); the channel's id if
        it is there. Opening the DM channel works even when the user's DMs are closed."""
        try:
            channel_id = delivery.dm_channel_id
            if channel_id is None:
                await self.bot.pacer.wait()
                channel_id = (
                    await self.bot.create_dm(discord.Object(delivery.reminder.user_id))
                ).id
            found = await self._look(channel_id, delivery, discord.ChannelType.private)
        except (discord.Forbidden, discord.NotFound):
            return None  # nothing there we could see: send it
        except discord.HTTPException as exc:
            raise Transient(f"{exc.status} {exc.text}") from exc
        except NETWORK_ERRORS as exc:
            raise Transient(repr(exc)) from exc
        return channel_id if found is not None else None

    async def find_notice(self, channel_id: int, delivery: Delivery) -> int | None:
        """Look in the channel for the notice posted for this reminder; its message id if there.

        Reading needs Read Message History; without it Discord shows no message, and the
        notice is posted again.
        """
        try:
            return await self._look(channel_id, delivery, discord.ChannelType.text)
        except discord.NotFound as exc:
            raise ChannelGone(str(exc)) from exc
        except discord.Forbidden:
            return None
        except discord.HTTPException as exc:
            raise Transient(f"{exc.status} {exc.text}") from exc
        except NETWORK_ERRORS as exc:
            raise Transient(repr(exc)) from exc

    async def _look(
        self, channel_id: int, delivery: Delivery, kind: discord.ChannelType
    ) -> int | None:
        """The id of the bot's message in the channel that carries this reminder's buttons."""
        channel = self.bot.get_partial_messageable(channel_id, type=kind)
        after: discord.abc.Snowflake = discord.Object(
            discord.utils.time_snowflake(delivery.reminder.first_due - LOOK_FROM)
        )
        me = self.bot.user.id if self.bot.user else 0
        for _ in range(LOOK_PAGES):
            await self.bot.pacer.wait()
            page = [m async for m in channel.history(limit=PAGE, after=after, oldest_first=True)]
            for message in page:
                if message.author.id == me and names_reminder(message, delivery.reminder.id):
                    return message.id
            if len(page) < PAGE:
                return None
            after = page[-1]
        return None

    async def send_channel_notice(self, channel_id: int, delivery: Delivery) -> int:
        """Post '⏰ A reminder from Tayori' in the channel, mentioning only that user."""
        texts = self.bot.content[delivery.reminder.locale]
        user = discord.Object(delivery.reminder.user_id)
        text = texts.text("remind.delivery.dm_closed", command=self.bot.mention("remind list"))
        channel = self.bot.get_partial_messageable(channel_id)
        try:
            await self.bot.pacer.wait()
            posted = await channel.send(
                f"<@{user.id}> {text}",
                allowed_mentions=discord.AllowedMentions(everyone=False, roles=False, users=[user]),
                nonce=nonce("n", delivery),
                view=notice_view(texts, delivery),
            )
        except discord.NotFound as exc:
            raise ChannelGone(str(exc)) from exc
        except discord.Forbidden as exc:
            raise ChannelForbidden(str(exc)) from exc
        except discord.HTTPException as exc:
            raise Transient(f"{exc.status} {exc.text}") from exc
        except NETWORK_ERRORS as exc:
            raise Transient(repr(exc)) from exc
        return posted.id

    async def delete_notices(self, notices: list[tuple[int, int]]) -> None:
        """Delete channel notices once they have done their job (best effort: log, go on)."""
        for channel_id, message_id in notices:
            message = self.bot.get_partial_messageable(channel_id).get_partial_message(message_id)
            try:
                await self.bot.pacer.wait()
                await message.delete()
            except discord.NotFound:
                pass  # someone deleted it already
            except (discord.HTTPException, *NETWORK_ERRORS) as exc:
                log.warning("channel notice %s not deleted: %s", message_id, exc)
