"""`/remind …`: reminders that follow the article, and their delivery over Discord."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.content import LocaleContent
from bot.core.pacing import optional_quiet, reply_due
from bot.core.textnorm import clean_user_text
from bot.core.when import Parsed, Refused, format_duration, format_local, parse_when
from bot.runtime.app import TayoriBot
from bot.runtime.i18n import group_names, names, options
from bot.runtime.limits import (
    CHOICE_NAME_MAX,
    EMBED_DESCRIPTION_MAX,
    SELECT_LABEL_MAX,
    SELECT_OPTIONS_MAX,
)
from bot.runtime.replies import buttons, pages, reply, think, when_text
from bot.runtime.shared_items import after_send
from bot.runtime.tree import UserFacingError, limited_writes
from bot.services.reminders import (
    DEFAULT_TZ,
    NOTE_MAX,
    arrives_at,
    user_quiet,
    user_zone,
)
from bot.store import Reminder, UserSettings

from ._held import HeldReminders
from ._transport import DiscordTransport
from ._views import CancelSelect, zone_view
from ._waiting import Waiting, WaitingReminders

log = logging.getLogger(__name__)

ASKED_MAX = 100_000  # users remembered as asked for their zone (then forgotten, and asked again)


def on_japanese_discord(interaction: discord.Interaction[TayoriBot]) -> bool:
    """Whether the user's Discord is in Japanese: they are on Tokyo time unless they say not.

    Anyone else is asked for their zone, whatever language the replies are in (a user whose
    Discord is in French reads Japanese, the default, but does not live in Tokyo for that).
    """
    return str(interaction.locale).startswith("ja")


def zone_unknown(interaction: discord.Interaction[TayoriBot], settings: UserSettings) -> bool:
    """Whether to ask the user for their zone: none chosen, and not on Tokyo time by default."""
    return settings.timezone is None and not on_japanese_discord(interaction)


class Remind(commands.GroupCog, **group_names("remind")):
    """The /remind commands and the reminder scheduler."""

    def __init__(self, bot: TayoriBot) -> None:
        self.bot = bot
        self.transport = DiscordTransport(bot)
        bot.reminders.attach(self.transport)
        self.held = HeldReminders(bot, self.transport)
        self.waiting = WaitingReminders()  # /remind at requests waiting for a time zone
        self._asked_zone: set[int] = set()  # users asked for their zone after a check-in
        super().__init__()

    @commands.Cog.listener()
    async def on_tayori_user_deleted(self, user_id: int, notices: list[tuple[int, int]]) -> None:
        """Delete the channel notices posted for a user who deleted their data."""
        await self.transport.delete_notices(notices)

    @commands.Cog.listener()
    async def on_tayori_notices_expired(self, notices: list[tuple[int, int]]) -> None:
        """Delete the channel notices of reminders the retention purge removes."""
        await self.transport.delete_notices(notices)

    async def cog_load(self) -> None:
        """Show held reminders after every command (the bot runs `after_commands`)."""
        self.bot.after_commands.append(self.after_command)

    async def cog_unload(self) -> None:
        """Stop showing held reminders after commands."""
        self.bot.after_commands.remove(self.after_command)

    async def after_command(self, interaction: discord.Interaction[TayoriBot]) -> None:
        """Show reminders that could not be delivered, the next time the user uses a command."""
        if interaction.response.type is discord.InteractionResponseType.modal:
            return  # a form was opened: no follow-up now, they are shown after the next command
        await self.held.show(interaction)

    @app_commands.command(**names("remind.after-send"))
    @limited_writes
    @options("remind.after-send", "days")
    async def after_send(
        self, interaction: discord.Interaction[TayoriBot], days: app_commands.Range[int, 1, 14] = 7
    ) -> None:
        """Log one sent message; check in after `days` to see whether they replied."""
        await think(interaction)
        text = await after_send(interaction, days)
        await reply(interaction, text, **await self._zone_question(interaction))

    @app_commands.command(**names("remind.reply-pace"))
    @limited_writes
    @options("remind.reply-pace", "hours", "quiet_start", "quiet_end")
    async def reply_pace(
        self,
        interaction: discord.Interaction[TayoriBot],
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
    async def reply_at_pace(self, interaction: discord.Interaction[TayoriBot]) -> None:
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
        text = await self._add(interaction, "reply", due, settings)
        await reply(interaction, text, **await self._zone_question(interaction, settings))

    @app_commands.command(**names("remind.at"))
    @limited_writes
    @options("remind.at", "when", "note")
    async def at(
        self,
        interaction: discord.Interaction[TayoriBot],
        when: app_commands.Range[str, 1, 100],
        note: str | None = None,
    ) -> None:
        """Remind me at a time I choose, with my own note."""
        when = clean_user_text(when)
        note = clean_user_text(note).strip() or None if note else None
        if note is not None and len(note) > NOTE_MAX:
            raise UserFacingError("remind.limit.note", max=NOTE_MAX)
        await think(interaction)
        settings = await self.bot.store.user_settings(interaction.user.id)
        parsed = self._parse(interaction, when, settings)
        if not isinstance(parsed, Parsed):
            raise UserFacingError(parsed.hint_key)
        texts = self.bot.texts(interaction)
        if zone_unknown(interaction, settings):  # ask first; the reminder waits for the answer
            nonce = self.waiting.keep(
                Waiting(interaction.user.id, interaction.guild_id, when, note, self.bot.clock.now())
            )
            ask = texts.text("remind.timezone.ask", command=self.bot.mention("settings timezone"))
            await reply(interaction, ask, view=self._zones(interaction, nonce))
            return
        await reply(interaction, await self._add(interaction, "at", parsed.due, settings, note))

    async def _zone_question(
        self, interaction: discord.Interaction[TayoriBot], settings: UserSettings | None = None
    ) -> dict[str, Any]:
        """For a reminder already set: ask a user without a zone (not Japanese) for theirs.

        Quiet hours then fall in their own night; the reminder does not wait for the answer.
        """
        if on_japanese_discord(interaction):  # on Tokyo time unless they say not: never asked
            return {}
        if interaction.user.id in self._asked_zone:  # asked once; /settings timezone stays open
            return {}
        texts = self.bot.texts(interaction)
        settings = settings or await self.bot.store.user_settings(interaction.user.id)
        if not zone_unknown(interaction, settings):
            return {}
        if len(self._asked_zone) >= ASKED_MAX:
            self._asked_zone.clear()
        self._asked_zone.add(interaction.user.id)
        ask = texts.text("remind.timezone.ask_after", command=self.bot.mention("settings timezone"))
        return {"view": self._zones(interaction, ""), "embed": discord.Embed(description=ask)}

    def _zones(self, interaction: discord.Interaction[TayoriBot], nonce: str) -> discord.ui.View:
        """The select of common zones for the user's Discord locale (`nonce`: a waiting one)."""
        texts = self.bot.texts(interaction)
        return zone_view(
            texts, interaction.user.id, nonce, str(interaction.locale), self.bot.clock.now()
        )

    async def zone_chosen(
        self, interaction: discord.Interaction[TayoriBot], zone: str, nonce: str
    ) -> str:
        """Save the user's zone; set the reminder that waited for it; say what happened."""
        texts = self.bot.texts(interaction)
        settings = await self.bot.store.set_user_settings(interaction.user.id, timezone=zone)
        done = texts.text("remind.timezone.set", tz=zone)
        if not nonce:
            return done
        waiting = self.waiting.take(nonce, interaction.user.id, self.bot.clock.now())
        if waiting is None:  # a restart, or it waited too long
            return texts.text(
                "remind.timezone.lost", tz=zone, command=self.bot.mention("remind at")
            )
        parsed = self._parse(interaction, waiting.when, settings)
        if not isinstance(parsed, Parsed):
            return f"{done}\n{texts.text(parsed.hint_key)}"
        added = await self._add(
            interaction, "at", parsed.due, settings, waiting.note, guild_id=waiting.guild_id
        )
        return f"{done}\n{added}"

    @at.autocomplete("when")
    async def at_when(
        self, interaction: discord.Interaction[TayoriBot], current: str
    ) -> list[app_commands.Choice[str]]:
        """Preview how `when` was read, in the user's timezone, or why it cannot be used."""
        texts = self.bot.texts(interaction)
        current = clean_user_text(current)
        if not current.strip():
            example = texts.text("remind.preview.example")[:CHOICE_NAME_MAX]
            return [
                app_commands.Choice(name=example, value=texts.text("remind.preview.example_value"))
            ]
        value = current[:CHOICE_NAME_MAX]
        settings = await self.bot.store.user_settings(interaction.user.id)
        parsed = self._parse(interaction, current, settings)
        if isinstance(parsed, Parsed) and zone_unknown(interaction, settings):
            # the zone is asked next: a date read in Tokyo time would be a guess ("tomorrow")
            name = texts.text("remind.preview.when_no_zone", when=current.strip())
        elif isinstance(parsed, Parsed):
            shown = format_local(parsed.local, texts.when, self.bot.clock.now())
            name = texts.text("remind.preview.when", when=shown, tz=str(parsed.local.tzinfo))
        else:
            name = texts.text("remind.preview.refused", hint=texts.text(parsed.hint_key))
        return [app_commands.Choice(name=name[:CHOICE_NAME_MAX], value=value)]

    def _parse(
        self, interaction: discord.Interaction[TayoriBot], text: str, settings: UserSettings
    ) -> Parsed | Refused:
        texts = self.bot.texts(interaction)
        other = self.bot.content["en" if texts.locale == "ja" else "ja"]
        return parse_when(
            text, self.bot.clock.now(), user_zone(settings.timezone), [texts.when, other.when]
        )

    async def _add(
        self,
        interaction: discord.Interaction[TayoriBot],
        kind: str,
        due: datetime,
        settings: UserSettings,
        note: str | None = None,
        *,
        guild_id: int | None = None,
    ) -> str:
        """Set the reminder; return the confirmation (with quiet hours and zone notes)."""
        texts = self.bot.texts(interaction)
        where = guild_id if guild_id is not None else interaction.guild_id
        await self.bot.reminders.add(
            interaction.user.id, kind, due, texts.locale, guild_id=where, note=note
        )
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
        if settings.timezone is None:  # read in Tokyo time: say so, never silently
            command = self.bot.mention("settings timezone")
            lines.append(texts.text("remind.at.zone_assumed", tz=DEFAULT_TZ, command=command))
            if on_japanese_discord(interaction):  # told once: Tokyo time is theirs from now on
                await self.bot.store.set_user_settings(interaction.user.id, timezone=DEFAULT_TZ)
        return "\n".join(lines)

    @app_commands.command(**names("remind.list"))
    async def list_(self, interaction: discord.Interaction[TayoriBot]) -> None:
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
        for run in pages(lines, EMBED_DESCRIPTION_MAX):  # 25 reminders with long notes take two
            shown = "\n".join(lines[run.start : run.stop])[:EMBED_DESCRIPTION_MAX]
            await reply(interaction, embed=discord.Embed(title=title, description=shown))

    @app_commands.command(**names("remind.cancel"))
    async def cancel(self, interaction: discord.Interaction[TayoriBot]) -> None:
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
                    :SELECT_LABEL_MAX
                ],
                value=str(r.id),
            )
            for i, r in enumerate(pending[:SELECT_OPTIONS_MAX], start=1)
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
