"""Rendering and restart-proof components of reminders: what a delivered reminder looks like."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import discord

from bot.core.content import LocaleContent
from bot.core.pacing import after_send_due, interrupted_wait, snooze
from bot.core.when import format_duration
from bot.interactions import (
    UserFacingError,
    ack,
    bot_of,
    buttons,
    check_write_limit,
    guarded,
    owner_only,
    reply,
)
from bot.reminders import Delivery

PREFIX = "tayori:rm"
SNOOZES = ("1h", "1d", "1w")


def when_text(due: datetime) -> str:
    """Render a time as Discord shows it to each reader: full date and 'in 3 days'."""
    return f"{discord.utils.format_dt(due, 'F')} ({discord.utils.format_dt(due, 'R')})"


def delivered_text(texts: LocaleContent, delivery: Delivery) -> str:
    """The words of a delivered reminder (or of a missed-reminder notice)."""
    r = delivery.reminder
    if delivery.missed:
        late = format_duration(delivery.late or timedelta(0), texts.when)
        return texts.text("remind.delivery.missed", when=when_text(r.first_due), duration=late)
    if r.kind == "after-send":
        days = max(1, round((r.first_due - r.created_at).total_seconds() / 86400))
        body = texts.text("remind.after_send.due", days=days)
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


def delivered_view(texts: LocaleContent, delivery: Delivery) -> discord.ui.View | None:
    """Buttons under a delivered reminder; none under a missed notice."""
    if delivery.missed:
        return None
    from cogs.check_draft import OpenDraftButton

    rid = delivery.reminder.id
    items: list[discord.ui.Item] = []
    if delivery.reminder.kind == "after-send":
        items += [
            ReminderButton("rep", rid, label=texts.text("remind.buttons.replied"), row=0),
            ReminderButton("wk", rid, label=texts.text("remind.buttons.wait_week"), row=0),
            OpenDraftButton(texts.text("remind.buttons.check_draft")),
        ]
    items += [
        ReminderButton(choice, rid, label=texts.text(f"remind.snooze.{choice}"), row=1)
        for choice in SNOOZES
    ]
    return buttons(*items)


class ReminderButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=rf"{PREFIX}:(?P<act>rep|wk|1h|1d|1w):(?P<rid>\d+)",
):
    """They replied / wait one more week / snooze 1h, 1d, 1w — on a delivered reminder."""

    def __init__(self, act: str, rid: int, **button) -> None:
        super().__init__(discord.ui.Button(custom_id=f"{PREFIX}:{act}:{rid}", **button))
        self.act, self.rid = act, rid

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> ReminderButton:
        """Rebuild the button (after a restart too)."""
        return cls(match["act"], int(match["rid"]), label=item.label)

    async def callback(self, interaction: discord.Interaction) -> None:
        """Close or put off the reminder."""
        await guarded(interaction, self._act(interaction))

    async def _act(self, interaction: discord.Interaction) -> None:
        check_write_limit(interaction)
        await ack(interaction)
        bot = bot_of(interaction)
        texts = bot.texts(interaction)
        reminder = await bot.store.reminder(self.rid)
        if reminder is None or reminder.user_id != interaction.user.id:
            raise UserFacingError("common.error.expired")
        if self.act == "rep":
            await bot.store.close_reminder(reminder.user_id, reminder.id, "replied")
            done = texts.text("remind.after_send.replied")
        else:
            due = snooze(bot.clock.now(), "1w" if self.act == "wk" else self.act)
            if not await bot.store.snooze_reminder(reminder.user_id, reminder.id, due):
                raise UserFacingError("common.error.expired")
            key = "remind.after_send.wait_more" if self.act == "wk" else "remind.snooze.done"
            done = texts.text(key, when=when_text(due))
        bot.dispatch("tayori_reminders_changed")
        original = interaction.message.content if interaction.message else ""
        await interaction.edit_original_response(
            content=f"{original}\n\n✓ {done}"[:2000], view=None
        )


class AfterSendButton(
    discord.ui.DynamicItem[discord.ui.Button], template=rf"{PREFIX}:as:(?P<uid>\d+):(?P<days>\d+)"
):
    """The "I sent it — remind me in a week" button: logs one message, schedules the check-in."""

    def __init__(self, uid: int, days: int, label: str) -> None:
        button = discord.ui.Button(label=label, custom_id=f"{PREFIX}:as:{uid}:{days}", emoji="⏰")
        super().__init__(button)
        self.uid, self.days = uid, days

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> AfterSendButton:
        """Rebuild the button (after a restart too)."""
        return cls(int(match["uid"]), int(match["days"]), item.label or "remind")

    async def callback(self, interaction: discord.Interaction) -> None:
        """Schedule the after-send check-in."""
        await guarded(interaction, self._schedule(interaction))

    async def _schedule(self, interaction: discord.Interaction) -> None:
        if not await owner_only(interaction, self.uid):
            return
        check_write_limit(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        await reply(interaction, await schedule_after_send(interaction, self.days))


async def schedule_after_send(interaction: discord.Interaction, days: int) -> str:
    """Store an after-send reminder `days` ahead; return the confirmation to show."""
    bot = bot_of(interaction)
    texts = bot.texts(interaction)
    now = bot.clock.now()
    due = after_send_due(now, days)
    earlier = await bot.store.after_send_window(interaction.user.id)
    await bot.store.add_reminder(
        interaction.user.id, "after-send", due, texts.locale, guild_id=interaction.guild_id
    )
    bot.dispatch("tayori_reminders_changed")
    confirm = texts.text("remind.after_send.confirm", when=when_text(due))
    days = interrupted_wait(now, earlier)
    if days:  # a second message inside the wait: say so, gently
        warning = texts.text("remind.after_send.repeat_warning", days=days)
        return f"{warning}\n\n{confirm}"
    return confirm


class CancelSelect(
    discord.ui.DynamicItem[discord.ui.Select], template=rf"{PREFIX}:cx:(?P<uid>\d+)"
):
    """Pick pending reminders to cancel."""

    def __init__(
        self,
        uid: int,
        options: list[discord.SelectOption] | None = None,
        placeholder: str | None = None,
    ) -> None:
        opts = options or [discord.SelectOption(label="-", value="0")]
        select = discord.ui.Select(
            custom_id=f"{PREFIX}:cx:{uid}",
            options=opts,
            min_values=1,
            max_values=len(opts),
            placeholder=placeholder,
        )
        super().__init__(select)
        self.uid = uid

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Select, match: re.Match[str]
    ) -> CancelSelect:
        """Rebuild the select (after a restart too)."""
        return cls(int(match["uid"]), list(item.options), item.placeholder)

    async def callback(self, interaction: discord.Interaction) -> None:
        """Cancel what was picked."""
        await guarded(interaction, self._cancel(interaction))

    async def _cancel(self, interaction: discord.Interaction) -> None:
        if not await owner_only(interaction, self.uid):
            return
        await ack(interaction)
        bot = bot_of(interaction)
        count = 0
        for value in self.item.values:
            count += await bot.store.cancel_reminder(self.uid, int(value))
        bot.dispatch("tayori_reminders_changed")
        text = bot.texts(interaction).text("remind.cancel.done", count=count)
        await interaction.edit_original_response(content=text, view=None, embed=None)


DYNAMIC_ITEMS = (ReminderButton, AfterSendButton, CancelSelect)
