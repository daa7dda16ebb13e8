"""`/remind …`: reminders that follow the article, and their delivery over Discord."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands

from bot.app import TayoriBot
from bot.core.content import LocaleContent
from bot.core.pacing import is_missed, lateness, optional_quiet, reply_due
from bot.core.when import Parsed, Refused, format_duration, format_local, parse_when, warm_up
from bot.i18n import group_names, names, options
from bot.interactions import (
    UserFacingError,
    buttons,
    everywhere,
    limited_writes,
    pages,
    reply,
    think,
)
from bot.reminders import (
    NOTE_MAX,
    ChannelForbidden,
    ChannelGone,
    Delivery,
    DmClosed,
    ReminderService,
    Transient,
    arrives_at,
    user_quiet,
    user_zone,
)
from bot.store import Reminder, UserSettings
from cogs.remind._views import (
    DYNAMIC_ITEMS,
    AfterSendButton,
    CancelSelect,
    delivered_text,
    delivered_view,
    schedule_after_send,
    when_text,
)

__all__ = ["AfterSendButton"]

log = logging.getLogger(__name__)

NETWORK_ERRORS = (aiohttp.ClientError, OSError, asyncio.TimeoutError)
MESSAGE_MAX = 2000  # Discord's limits on a message's content and an embed's description
DESCRIPTION_MAX = 4096
HELD_SEP = "\n\n"
HELD_WITH_BUTTONS = 5  # held reminders shown one per message, with their buttons


def nonce(kind: str, delivery: Delivery) -> str:
    """The same for every retry of one delivery, so Discord never posts it twice.

    A send whose answer is lost is retried; with `enforce_nonce` (which discord.py sets with a
    nonce) Discord returns the message it already created instead of a second one.
    """
    reminder = delivery.reminder
    return f"{kind}{reminder.id}.{int(reminder.first_due.timestamp())}"[:25]


class DiscordTransport:
    """Delivers reminders by DM, or as a discreet notice in a server's reminder channel."""

    def __init__(self, bot: TayoriBot) -> None:
        self.bot = bot

    async def send_dm(self, delivery: Delivery) -> None:
        """Send the reminder to the user's DMs."""
        texts = self.bot.content[delivery.reminder.locale]
        try:
            channel = await self.bot.create_dm(discord.Object(delivery.reminder.user_id))
            view = delivered_view(texts, delivery)
            await channel.send(
                delivered_text(texts, delivery)[:2000],
                nonce=nonce("r", delivery),
                **({"view": view} if view else {}),
            )
        except discord.Forbidden as exc:
            raise DmClosed(str(exc)) from exc
        except discord.HTTPException as exc:
            raise Transient(f"{exc.status} {exc.text}") from exc
        except NETWORK_ERRORS as exc:
            raise Transient(repr(exc)) from exc

    async def send_channel_notice(self, channel_id: int, delivery: Delivery) -> int:
        """Post '⏰ A reminder from Tayori' in the channel, mentioning only that user."""
        texts = self.bot.content[delivery.reminder.locale]
        user = discord.Object(delivery.reminder.user_id)
        text = texts.text("remind.delivery.dm_closed", command=self.bot.mention("remind list"))
        channel = self.bot.get_partial_messageable(channel_id)
        try:
            posted = await channel.send(
                f"<@{user.id}> {text}",
                allowed_mentions=discord.AllowedMentions(everyone=False, roles=False, users=[user]),
                nonce=nonce("n", delivery),
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
                await message.delete()
            except discord.NotFound:
                pass  # someone deleted it already
            except (discord.HTTPException, *NETWORK_ERRORS) as exc:
                log.warning("channel notice %s not deleted: %s", message_id, exc)


@everywhere
class Remind(commands.GroupCog, **group_names("remind")):
    """The /remind commands and the reminder scheduler."""

    def __init__(self, bot: TayoriBot) -> None:
        self.bot = bot
        self.transport = DiscordTransport(bot)
        self.service = ReminderService(bot.store, bot.clock, self.transport)
        self._showing: set[int] = set()
        super().__init__()

    @commands.Cog.listener()
    async def on_tayori_user_deleted(self, user_id: int, notices: list[tuple[int, int]]) -> None:
        """Delete the channel notices posted for a user who deleted their data."""
        await self.transport.delete_notices(notices)

    @commands.Cog.listener()
    async def on_tayori_notices_expired(self, notices: list[tuple[int, int]]) -> None:
        """Delete the channel notices of reminders the retention purge removes."""
        await self.transport.delete_notices(notices)

    @commands.Cog.listener()
    async def on_tayori_reminders_changed(self) -> None:
        """Re-plan the scheduler after an add, snooze, cancel or delete."""
        self.service.wake()

    @commands.Cog.listener()
    async def on_app_command_completion(
        self, interaction: discord.Interaction, command: object
    ) -> None:
        """Show reminders that could not be delivered, the next time the user uses a command."""
        if interaction.response.type is discord.InteractionResponseType.modal:
            return  # a form was opened: no follow-up now, they are shown after the next command
        user = interaction.user.id
        if user in self._showing:
            return  # another command of theirs is showing them right now: show them once
        self._showing.add(user)
        try:
            await self._show_held(interaction)
        finally:
            self._showing.discard(user)

    async def _show_held(self, interaction: discord.Interaction) -> None:
        held = await self.bot.store.held_for(interaction.user.id)
        if not held:
            return
        texts = self.bot.texts(interaction)
        now = self.bot.clock.now()
        deliveries = [_as_delivery(r, now) for r in held]
        # the first few as they would have come, each with its buttons; any more as text
        messages = [
            (delivered_text(texts, d)[:MESSAGE_MAX], delivered_view(texts, d), [d.reminder])
            for d in deliveries[:HELD_WITH_BUTTONS]
        ]
        rest = deliveries[HELD_WITH_BUTTONS:]
        parts = [delivered_text(texts, d) for d in rest]
        for run in pages(parts, MESSAGE_MAX, HELD_SEP):
            shown = HELD_SEP.join(parts[run.start : run.stop])[:MESSAGE_MAX]
            messages.append((shown, None, [d.reminder for d in rest[run.start : run.stop]]))
        for text, view, reminders in messages:
            extra = {"view": view} if view else {}
            try:
                await interaction.followup.send(text, ephemeral=True, **extra)
            except discord.HTTPException as exc:
                log.warning("held reminders not shown to %s: %s", interaction.user.id, exc)
                return  # the rest stay held for the next command
            for r in reminders:
                await self.bot.store.mark_delivered(r.id)
            await self.transport.delete_notices(_notices(reminders))  # seen: no trace left

    @app_commands.command(**names("remind.after-send"))
    @limited_writes
    @options("remind.after-send", "days")
    async def after_send(
        self, interaction: discord.Interaction, days: app_commands.Range[int, 1, 14] = 7
    ) -> None:
        """Log one sent message; check in after `days` to see whether they replied."""
        await think(interaction)
        await reply(interaction, await schedule_after_send(interaction, days))

    @app_commands.command(**names("remind.reply-pace"))
    @limited_writes
    @options("remind.reply-pace", "hours", "quiet_start", "quiet_end")
    async def reply_pace(
        self,
        interaction: discord.Interaction,
        hours: app_commands.Range[float, 1, 168],
        quiet_start: app_commands.Range[str, 1, 10] | None = None,
        quiet_end: app_commands.Range[str, 1, 10] | None = None,
    ) -> None:
        """Record their usual reply gap (and never-write hours), as numbers only."""
        texts = self.bot.texts(interaction)
        quiet = optional_quiet(quiet_start, quiet_end)
        await think(interaction)
        await self.bot.store.set_user_settings(
            interaction.user.id,
            pace_gap_minutes=round(hours * 60),
            pace_quiet_start=quiet[0].isoformat("minutes") if quiet else None,
            pace_quiet_end=quiet[1].isoformat("minutes") if quiet else None,
        )
        gap = format_duration(timedelta(hours=hours), texts.when)
        lines = [
            texts.text("remind.reply.saved", gap=gap, command=self.bot.mention("remind reply"))
        ]
        if quiet:
            lines.append(
                texts.text(
                    "remind.reply.quiet_note",
                    start=quiet[0].isoformat("minutes"),
                    end=quiet[1].isoformat("minutes"),
                )
            )
        await reply(interaction, "\n".join(lines))

    @app_commands.command(**names("remind.reply"))
    @limited_writes
    async def reply_at_pace(self, interaction: discord.Interaction) -> None:
        """They replied: remind me to answer at their pace, not at once."""
        await think(interaction)
        settings = await self.bot.store.user_settings(interaction.user.id)
        if settings.pace_gap_minutes is None:
            raise UserFacingError(
                "remind.reply.no_pace", command=self.bot.mention("remind reply-pace")
            )
        quiet = optional_quiet(settings.pace_quiet_start, settings.pace_quiet_end)
        tz = user_zone(settings.timezone)
        due = reply_due(self.bot.clock.now(), tz, settings.pace_gap_minutes / 60, quiet)
        await self._add(interaction, "reply", due, settings)

    @app_commands.command(**names("remind.at"))
    @limited_writes
    @options("remind.at", "when", "note")
    async def at(
        self,
        interaction: discord.Interaction,
        when: app_commands.Range[str, 1, 100],
        note: str | None = None,
    ) -> None:
        """Remind me at a time I choose, with my own note."""
        if note is not None and len(note) > NOTE_MAX:
            raise UserFacingError("remind.limit.note", max=NOTE_MAX)
        await think(interaction)
        settings = await self.bot.store.user_settings(interaction.user.id)
        parsed = self._parse(interaction, when, settings)
        if not isinstance(parsed, Parsed):
            raise UserFacingError(parsed.hint_key)
        await self._add(interaction, "at", parsed.due, settings, note.strip() if note else None)

    @at.autocomplete("when")
    async def at_when(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """Preview how `when` was read, in the user's timezone, or why it cannot be used."""
        texts = self.bot.texts(interaction)
        if not current.strip():
            example = texts.text("remind.preview.example")[:100]
            return [
                app_commands.Choice(name=example, value=texts.text("remind.preview.example_value"))
            ]
        value = current[:100]
        settings = await self.bot.store.user_settings(interaction.user.id)
        parsed = self._parse(interaction, current, settings)
        if isinstance(parsed, Parsed):
            shown = format_local(parsed.local, texts.when, self.bot.clock.now())
            name = texts.text("remind.preview.when", when=shown, tz=str(parsed.local.tzinfo))
        else:
            name = texts.text("remind.preview.refused", hint=texts.text(parsed.hint_key))
        return [app_commands.Choice(name=name[:100], value=value)]

    def _parse(
        self, interaction: discord.Interaction, text: str, settings: UserSettings
    ) -> Parsed | Refused:
        texts = self.bot.texts(interaction)
        other = self.bot.content["en" if texts.locale == "ja" else "ja"]
        return parse_when(
            text, self.bot.clock.now(), user_zone(settings.timezone), [texts.when, other.when]
        )

    async def _add(
        self,
        interaction: discord.Interaction,
        kind: str,
        due: datetime,
        settings: UserSettings,
        note: str | None = None,
    ) -> None:
        texts = self.bot.texts(interaction)
        await self.bot.store.add_reminder(
            interaction.user.id, kind, due, texts.locale, guild_id=interaction.guild_id, note=note
        )
        self.service.wake()
        lines = [texts.text("remind.at.confirm", when=when_text(due))]
        arrives = arrives_at(due, settings)
        if arrives != due:  # say it now, not at 08:00
            start, end = user_quiet(settings.quiet_start, settings.quiet_end)
            lines.append(
                texts.text(
                    "remind.at.quiet",
                    start=start.strftime("%H:%M"),
                    end=end.strftime("%H:%M"),
                    when=when_text(arrives),
                    command=self.bot.mention("settings quiet-hours"),
                )
            )
        await reply(interaction, "\n".join(lines))

    @app_commands.command(**names("remind.list"))
    async def list_(self, interaction: discord.Interaction) -> None:
        """Show my pending reminders with Discord's relative times."""
        await think(interaction)
        texts = self.bot.texts(interaction)
        pending = await self.bot.store.pending_for(interaction.user.id)
        lines = [_line(texts, i, r, when_text(r.due_at)) for i, r in enumerate(pending, start=1)]
        title = texts.text("remind.list.title")
        if not lines:
            await reply(
                interaction,
                embed=discord.Embed(title=title, description=texts.text("remind.list.empty")),
            )
            return
        for run in pages(lines, DESCRIPTION_MAX):  # 25 reminders with long notes take two
            shown = "\n".join(lines[run.start : run.stop])[:DESCRIPTION_MAX]
            await reply(interaction, embed=discord.Embed(title=title, description=shown))

    @app_commands.command(**names("remind.cancel"))
    async def cancel(self, interaction: discord.Interaction) -> None:
        """Pick pending reminders to cancel."""
        await think(interaction)
        texts = self.bot.texts(interaction)
        pending = await self.bot.store.pending_for(interaction.user.id)
        if not pending:
            await reply(interaction, texts.text("remind.cancel.none"))
            return
        tz = user_zone((await self.bot.store.user_settings(interaction.user.id)).timezone)
        now = self.bot.clock.now()
        choices = [
            discord.SelectOption(
                label=_line(texts, i, r, format_local(r.due_at.astimezone(tz), texts.when, now))[
                    :100
                ],
                value=str(r.id),
            )
            for i, r in enumerate(pending[:25], start=1)
        ]
        view = buttons(
            CancelSelect(interaction.user.id, choices, texts.text("remind.cancel.placeholder"))
        )
        await reply(interaction, view=view, content=texts.text("remind.cancel.placeholder"))


def _line(texts: LocaleContent, index: int, r: Reminder, when: str) -> str:
    kind = texts.text(f"remind.list.kind.{r.kind.replace('-', '_')}")
    if r.state == "held":  # its time has passed: it could not reach them, and waits
        kind = texts.text("remind.list.held", kind=kind)
    if r.note:
        note = discord.utils.escape_markdown(r.note)
        return texts.text("remind.list.line_note", index=index, when=when, kind=kind, note=note)
    return texts.text("remind.list.line", index=index, when=when, kind=kind)


def _notices(reminders: list[Reminder]) -> list[tuple[int, int]]:
    return [
        (r.notice_channel_id, r.notice_message_id)
        for r in reminders
        if r.notice_channel_id is not None and r.notice_message_id is not None
    ]


def _as_delivery(r: Reminder, now: datetime) -> Delivery:
    return Delivery(r, lateness(r.first_due, now), is_missed(r.first_due, now))


async def setup(bot: TayoriBot) -> None:
    """Add the cog, its restart-proof components and the scheduler."""
    bot.add_dynamic_items(*DYNAMIC_ITEMS)
    cog = Remind(bot)
    await bot.add_cog(cog)
    bot.add_service(cog.service.run)
    await asyncio.to_thread(warm_up, [bot.content[loc].when for loc in bot.content.locales])
