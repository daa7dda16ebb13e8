"""Rendering and restart-proof components of reminders: what a delivered reminder looks like."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any, Protocol, cast
from zoneinfo import ZoneInfo

import discord

from bot.core.content import LocaleContent
from bot.core.pacing import snooze
from bot.core.when import format_duration
from bot.core.zones import choose_zone, city_of, common_zones
from bot.runtime.app import TayoriBot
from bot.runtime.items import TayoriItem, button_label
from bot.runtime.limits import MESSAGE_MAX, SELECT_LABEL_MAX
from bot.runtime.replies import ack, buttons, reply, say_days, text_for, when_text
from bot.runtime.shared_items import REMIND_PREFIX, OpenDraftButton
from bot.runtime.tree import UserFacingError, check_write_limit
from bot.services.transport import Delivery

PREFIX = REMIND_PREFIX
SNOOZES = ("1h", "1d", "1w")


def delivered_text(texts: LocaleContent, delivery: Delivery) -> str:
    """The words of a delivered reminder (or of a missed-reminder notice)."""
    r = delivery.reminder
    if delivery.missed:
        late = format_duration(delivery.late or timedelta(0), texts.when)
        return texts.text("remind.delivery.missed", when=when_text(r.first_due), duration=late)
    if r.kind == "after-send":
        days = max(1, round((r.first_due - r.created_at).total_seconds() / 86400))
        body = texts.text("remind.after_send.due", days=say_days(texts, days))
    elif r.kind == "reply":
        body = texts.text("remind.reply.due")
    else:
        note = discord.utils.escape_markdown(r.note) if r.note else None
        body = texts.text("remind.at.due", note=note) if note else texts.text("remind.at.due_plain")
    if delivery.late and delivery.late.total_seconds() >= 60:
        body += "\n" + texts.text(
            "remind.delivery.late", duration=format_duration(delivery.late, texts.when)
        )
    return body


SUCCESS, PRIMARY = discord.ButtonStyle.success, discord.ButtonStyle.primary


def delivered_view(texts: LocaleContent, delivery: Delivery) -> discord.ui.View:
    """Buttons under a delivered reminder; a missed notice has only the snoozes ("set it again").

    Their custom ids name the reminder, so the transport can find it after a crash.
    """
    rid = delivery.reminder.id
    items: list[discord.ui.Item[Any]] = []
    if delivery.reminder.kind == "after-send" and not delivery.missed:
        # the answers first, coloured by what they mean; snoozing is the grey row below
        items += [
            ReminderButton(
                "rep", rid, label=texts.text("remind.buttons.replied"), row=0, style=SUCCESS
            ),
            ReminderButton(
                "wk", rid, label=texts.text("remind.buttons.wait_week"), row=0, style=PRIMARY
            ),
            OpenDraftButton(texts.text("remind.buttons.check_draft")),
        ]
    items += [
        ReminderButton(choice, rid, label=texts.text(f"remind.snooze.{choice}"), row=1)
        for choice in SNOOZES
    ]
    return buttons(*items)


class ReminderButton(
    TayoriItem[discord.ui.Button[Any]],
    template=rf"{PREFIX}:(?P<act>rep|wk|1h|1d|1w):(?P<rid>\d+)",
):
    """They replied / wait one more week / snooze 1h, 1d, 1w — on a delivered reminder."""

    def __init__(self, act: str, rid: int, **button: Any) -> None:
        super().__init__(discord.ui.Button(custom_id=f"{PREFIX}:{act}:{rid}", **button))
        self.act, self.rid = act, rid

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> ReminderButton:
        """Rebuild the button (after a restart too)."""
        return cls(match["act"], int(match["rid"]), label=button_label(item))

    async def run(self, interaction: discord.Interaction[TayoriBot]) -> None:
        """Close or put off the reminder."""
        await check_write_limit(interaction)
        await ack(interaction)
        bot = interaction.client
        texts = bot.texts(interaction)
        reminder = await bot.store.reminder(self.rid)
        if reminder is None or reminder.user_id != interaction.user.id:
            raise UserFacingError("common.error.expired")
        if self.act == "rep":
            await bot.reminders.close(reminder.user_id, reminder.id, "replied")
            done = texts.text("remind.after_send.replied")
        else:
            due = snooze(bot.clock.now(), "1w" if self.act == "wk" else self.act)
            if not await bot.reminders.snooze(reminder.user_id, reminder.id, due):
                raise UserFacingError("common.error.expired")
            key = "remind.after_send.wait_more" if self.act == "wk" else "remind.snooze.done"
            done = texts.text(key, when=when_text(due))
        original = interaction.message.content if interaction.message else ""
        await interaction.edit_original_response(
            content=f"{original}\n\n✓ {done}"[:MESSAGE_MAX], view=None
        )


class ShowHeldButton(
    TayoriItem[discord.ui.Button[Any]], template=rf"{PREFIX}:seen:(?P<uid>\d+):(?P<rid>\d+)"
):
    """Under a channel notice: show the mentioned user, privately, what is waiting for them.

    The custom id names the reminder the notice was posted for (found again after a crash).
    """

    def __init__(self, uid: int, rid: int, label: str | None) -> None:
        button: discord.ui.Button[Any] = discord.ui.Button(
            custom_id=f"{PREFIX}:seen:{uid}:{rid}", label=label, style=PRIMARY
        )
        super().__init__(button)
        self.uid = self.owner_id = uid
        self.rid = rid

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> ShowHeldButton:
        """Rebuild the button (after a restart too)."""
        return cls(int(match["uid"]), int(match["rid"]), button_label(item))

    async def run(self, interaction: discord.Interaction[TayoriBot]) -> None:
        """Show the held reminders (the notice then goes); say so if nothing waits any more."""
        await check_write_limit(interaction)
        await ack(interaction)
        holder = cast(HeldHolder, interaction.client.get_cog("Remind"))
        if await holder.held.show(interaction):
            return
        await reply(interaction, text_for(interaction, "remind.delivery.nothing_held"))
        if interaction.message is not None:  # a notice left behind: it has done its job
            await interaction.client.reminders.transport.delete_notices(
                [(interaction.message.channel.id, interaction.message.id)]
            )


class HeldHolder(Protocol):
    """The reminders cog, as the notice button sees it."""

    @property
    def held(self) -> HeldShower: ...


class HeldShower(Protocol):
    """What shows a user their held reminders."""

    async def show(self, interaction: discord.Interaction[TayoriBot]) -> int:
        """Show them privately; return how many."""
        ...


def notice_view(texts: LocaleContent, delivery: Delivery) -> discord.ui.View:
    """The one button under a channel notice (it names nothing but the reminder's id)."""
    r = delivery.reminder
    return buttons(ShowHeldButton(r.user_id, r.id, texts.text("remind.buttons.show_held")))


REMINDER_IDS = re.compile(rf"{PREFIX}:(?:rep|wk|1h|1d|1w|seen:\d+):(\d+)")


def names_reminder(message: discord.Message, rid: int) -> bool:
    """Whether a message the bot sent carries this reminder's buttons (a DM or a notice)."""
    for row in message.components:
        for item in getattr(row, "children", [row]):
            match = REMINDER_IDS.fullmatch(getattr(item, "custom_id", None) or "")
            if match and int(match[1]) == rid:
                return True
    return False


class CancelSelect(TayoriItem[discord.ui.Select[Any]], template=rf"{PREFIX}:cx:(?P<uid>\d+)"):
    """Pick pending reminders to cancel."""

    def __init__(
        self,
        uid: int,
        options: list[discord.SelectOption] | None = None,
        placeholder: str | None = None,
    ) -> None:
        opts = options or [discord.SelectOption(label="-", value="0")]
        select: discord.ui.Select[Any] = discord.ui.Select(
            custom_id=f"{PREFIX}:cx:{uid}",
            options=opts,
            min_values=1,
            max_values=len(opts),
            placeholder=placeholder,
        )
        super().__init__(select)
        self.uid = self.owner_id = uid

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> CancelSelect:
        """Rebuild the select (after a restart too)."""
        select = item if isinstance(item, discord.ui.Select) else None
        options = list(select.options) if select else None
        return cls(int(match["uid"]), options, select.placeholder if select else None)

    async def run(self, interaction: discord.Interaction[TayoriBot]) -> None:
        """Cancel what was picked."""
        await ack(interaction)
        bot = interaction.client
        count = await bot.reminders.cancel(self.uid, [int(v) for v in self.item.values])
        text = bot.texts(interaction).text("remind.cancel.done", count=count)
        await interaction.edit_original_response(content=text, view=None, embed=None)


class ZoneChooser(Protocol):
    """The reminders cog, as the zone select sees it."""

    async def zone_chosen(
        self, interaction: discord.Interaction[TayoriBot], zone: str, nonce: str
    ) -> str:
        """Save `zone`; set the reminder that waited for it; return what to tell the user."""
        ...


class ZoneSelect(
    TayoriItem[discord.ui.Select[Any]], template=rf"{PREFIX}:tz:(?P<uid>\d+):(?P<nonce>[\w-]*)"
):
    """Choose a time zone; with a `nonce`, the reminder waiting for it is then set."""

    def __init__(
        self, uid: int, nonce: str, options: list[discord.SelectOption], placeholder: str | None
    ) -> None:
        select: discord.ui.Select[Any] = discord.ui.Select(
            custom_id=f"{PREFIX}:tz:{uid}:{nonce}", options=options, placeholder=placeholder
        )
        super().__init__(select)
        self.uid = self.owner_id = uid
        self.nonce = nonce

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> ZoneSelect:
        """Rebuild the select (after a restart too)."""
        select = item if isinstance(item, discord.ui.Select) else None
        options = list(select.options) if select else [discord.SelectOption(label="-")]
        return cls(int(match["uid"]), match["nonce"], options, None)

    async def run(self, interaction: discord.Interaction[TayoriBot]) -> None:
        """Save the zone, then set the reminder that waited for it (or say it was not kept)."""
        await ack(interaction)
        zone = choose_zone(self.item.values[0]).zone
        chooser = cast(ZoneChooser, interaction.client.get_cog("Remind"))
        text = await chooser.zone_chosen(interaction, zone, self.nonce)
        if not self.nonce and interaction.message is not None:  # keep what the reply said
            text = f"{interaction.message.content}\n{text}"
        await interaction.edit_original_response(content=text, view=None, embed=None)


def zone_view(
    texts: LocaleContent, uid: int, nonce: str, discord_locale: str, now: datetime
) -> discord.ui.View:
    """The select of common time zones for a user's locale, each with its time now."""
    options = [
        discord.SelectOption(
            label=texts.text(
                "remind.timezone.option",
                city=city_of(zone),
                time=now.astimezone(ZoneInfo(zone)).strftime("%H:%M"),
            )[:SELECT_LABEL_MAX],
            value=zone,
        )
        for zone in common_zones(discord_locale)
    ]
    placeholder = texts.text("remind.timezone.placeholder")
    return buttons(ZoneSelect(uid, nonce, options, placeholder))


DYNAMIC_ITEMS = (ReminderButton, ShowHeldButton, CancelSelect, ZoneSelect)
