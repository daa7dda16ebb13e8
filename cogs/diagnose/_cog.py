"""`/diagnose start | history`: the private questionnaire that ranks the six reasons.

The whole state of a diagnosis in progress — owner, start time, answers so far —
lives in each button's custom_id, so a flow survives restarts and needs no table
until it ends. Only the finished result (answer ids and ranking) is stored.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.article import reason
from bot.core.content import LocaleContent
from bot.core.diagnosis import (
    AnswerError,
    Question,
    diagnose,
)
from bot.core.diagnosis_code import decode_answers, encode_answers, expired, stamp, unstamp
from bot.runtime.app import TayoriBot
from bot.runtime.i18n import group_names, names
from bot.runtime.items import TayoriItem, button_label
from bot.runtime.limits import EMBED_FIELD_VALUE_MAX
from bot.runtime.replies import ack, buttons, reply
from bot.runtime.shared_items import AfterSendButton, OpenDraftButton
from bot.runtime.tree import UserFacingError

from ._result import result_embeds

Answers = dict[str, tuple[str, ...]]
PREFIX = "tayori:dg"
TEMPLATE = (
    rf"{PREFIX}:(?P<act>[abcdr]):(?P<uid>\d+):(?P<t>[0-9a-z]+)"
    r":(?P<code>[0-9a-z-]+)(?::(?P<arg>\d))?"
)
SELECT_TEMPLATE = rf"{PREFIX}:s:(?P<uid>\d+):(?P<t>[0-9a-z]+):(?P<code>[0-9a-z-]+)"
SHOWN = 3
FIELD = EMBED_FIELD_VALUE_MAX
BUTTONS_AT_MOST = 5  # a question with more options, or several answers, gets a select menu


def clip(text: str, limit: int = FIELD) -> str:
    """Shorten text to Discord's limit, marking the cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


class StepButton(TayoriItem[discord.ui.Button[Any]], template=TEMPLATE):
    """Every button of a diagnosis: a(nswer), b(ack), c(ancel), d(m), r(estart)."""

    def __init__(
        self, act: str, uid: int, t: str, code: str, arg: int | None = None, **button: Any
    ) -> None:
        custom_id = f"{PREFIX}:{act}:{uid}:{t}:{code}" + (f":{arg}" if arg is not None else "")
        super().__init__(discord.ui.Button(custom_id=custom_id, **button))
        self.act, self.uid, self.t, self.code, self.arg = act, uid, t, code, arg
        self.owner_id = uid

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> StepButton:
        """Rebuild the button from its custom_id (after a restart too)."""
        arg = int(match["arg"]) if match["arg"] is not None else None
        return cls(
            match["act"],
            int(match["uid"]),
            match["t"],
            match["code"],
            arg,
            label=button_label(item),
        )

    async def run(self, interaction: discord.Interaction[TayoriBot]) -> None:
        """Move the diagnosis on by one step."""
        bot = interaction.client
        texts = bot.texts(interaction)
        if self.act == "r":
            fresh = screen(texts, self.uid, bot.clock.now(), {}, handoff=offers_dm(interaction))
            await interaction.response.edit_message(**fresh)
            return
        started = _started(self.t)
        if expired(started, bot.clock.now()):
            await interaction.response.edit_message(**expired_screen(texts, self.uid, bot))
            return
        answers = _decode(texts, self.code)
        if self.act == "c":
            await interaction.response.edit_message(
                content=texts.text("diagnose.cancelled", command=bot.mention("diagnose start")),
                embed=None,
                view=None,
            )
        elif self.act == "d":
            await move_to_dm(interaction, texts, self.uid, self.t, answers)
        else:
            await self._advance(interaction, texts, answers, started)

    async def _advance(
        self,
        interaction: discord.Interaction[TayoriBot],
        texts: LocaleContent,
        answers: Answers,
        started: datetime,
    ) -> None:
        q = texts.diagnose
        if self.act == "b":
            answers = q.back(answers)
        else:
            question = q.next_question(answers)
            if question is None or self.arg is None or self.arg >= len(question.options):
                raise UserFacingError("diagnose.bad-answer")
            answers = {**answers, question.id: (question.options[self.arg].id,)}
        await step(interaction, texts, self.uid, answers, started)


class AnswerSelect(TayoriItem[discord.ui.Select[Any]], template=SELECT_TEMPLATE):
    """The select menu of a question that takes several answers (or has many options)."""

    def __init__(
        self,
        uid: int,
        t: str,
        code: str,
        options: list[discord.SelectOption] | None = None,
        placeholder: str | None = None,
        multi: bool = True,
    ) -> None:
        opts = options or [discord.SelectOption(label="-", value="-")]
        select: discord.ui.Select[Any] = discord.ui.Select(
            custom_id=f"{PREFIX}:s:{uid}:{t}:{code}",
            options=opts,
            min_values=1,
            max_values=len(opts) if multi else 1,
            placeholder=placeholder,
            row=0,
        )
        super().__init__(select)
        self.uid = self.owner_id = uid
        self.t, self.code = t, code

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> AnswerSelect:
        """Rebuild this menu from its custom_id (after a restart too)."""
        return cls(int(match["uid"]), match["t"], match["code"])

    async def run(self, interaction: discord.Interaction[TayoriBot]) -> None:
        """Record the chosen options for the current question and move on."""
        bot = interaction.client
        texts = bot.texts(interaction)
        started = _started(self.t)
        if expired(started, bot.clock.now()):
            await interaction.response.edit_message(**expired_screen(texts, self.uid, bot))
            return
        answers = _decode(texts, self.code)
        question = texts.diagnose.next_question(answers)
        if question is None:
            raise UserFacingError("diagnose.bad-answer")
        try:
            chosen = question.normalise(tuple(self.item.values))
        except AnswerError:
            raise UserFacingError("diagnose.bad-answer") from None
        await step(interaction, texts, self.uid, {**answers, question.id: chosen}, started)


async def step(
    interaction: discord.Interaction[TayoriBot],
    texts: LocaleContent,
    uid: int,
    answers: Answers,
    started: datetime,
) -> None:
    """Show the next question, or, when none is left, the result."""
    if texts.diagnose.next_question(answers) is not None:
        shown = screen(texts, uid, started, answers, handoff=offers_dm(interaction))
        await interaction.response.edit_message(**shown)
        return
    await ack(interaction)
    await finish(interaction, texts, uid, answers, started)


def _started(t: str) -> datetime:
    try:
        return unstamp(t)
    except AnswerError:
        raise UserFacingError("diagnose.bad-answer") from None


def _decode(texts: LocaleContent, code: str) -> Answers:
    try:
        return decode_answers(texts.diagnose, code)
    except AnswerError:
        raise UserFacingError("diagnose.bad-answer") from None


def offers_dm(interaction: discord.Interaction[TayoriBot]) -> bool:
    """Return whether to offer moving to DMs: everywhere but in the DM with the bot."""
    return not interaction.context.dm_channel


def screen(
    texts: LocaleContent, uid: int, started: datetime, answers: Answers, *, handoff: bool
) -> dict[str, Any]:
    """Render the next unanswered question with its buttons (and "continue in DMs" if `handoff`)."""
    question, n, code, title, description = _page(texts, answers)
    t = stamp(started)
    embed = discord.Embed(title=title, description=description)
    items: list[discord.ui.Item[Any]] = list(_answer_items(texts, question, uid, t, code))
    if n > 1:
        items.append(StepButton("b", uid, t, code, label=texts.text("diagnose.back"), row=1))
    items.append(StepButton("c", uid, t, code, label=texts.text("diagnose.cancel"), row=1))
    if handoff:
        items.append(
            StepButton("d", uid, t, code, label=texts.text("diagnose.buttons.continue-dm"), row=1)
        )
    return {"content": None, "embed": embed, "view": buttons(*items)}


Page = tuple[Question, int, str, str, str]
_FIRST_PAGES: dict[int, tuple[LocaleContent, Page]] = {}  # by locale: the same for everyone


def _page(texts: LocaleContent, answers: Answers) -> Page:
    """The question to show, its number, the answers' code, the embed's title and text.

    The first page (no answers yet: every /diagnose start) is worked out once per locale.
    """
    if not answers and (first := _FIRST_PAGES.get(id(texts))) and first[0] is texts:
        return first[1]
    q = texts.diagnose
    question = q.next_question(answers)
    assert question is not None
    asked = [qu.id for qu in q.asked(answers)]
    n = asked.index(question.id) + 1
    lines = [f"**{question.text}**"]
    if question.multi:
        lines.append(f"-# {texts.text('diagnose.multi-hint')}")
    if n == 1:
        lines = [texts.text("diagnose.intro"), "", *lines]
    title = texts.text("diagnose.progress", n=n, total=len(q.questions))
    page = question, n, encode_answers(q, answers), title, "\n".join(lines)
    if not answers:
        _FIRST_PAGES[id(texts)] = (texts, page)
    return page


def _answer_items(
    texts: LocaleContent, question: Question, uid: int, t: str, code: str
) -> list[discord.ui.Item[Any]]:
    """Buttons for a question with one answer and few options; else one select menu."""
    if not question.multi and len(question.options) <= BUTTONS_AT_MOST:
        return [
            StepButton(
                "a", uid, t, code, i, label=option.label, style=discord.ButtonStyle.primary, row=0
            )
            for i, option in enumerate(question.options)
        ]
    options = [discord.SelectOption(label=o.label, value=o.id) for o in question.options]
    placeholder = texts.text("diagnose.multi-placeholder") if question.multi else None
    return [AnswerSelect(uid, t, code, options, placeholder, multi=question.multi)]


def expired_screen(texts: LocaleContent, uid: int, bot: TayoriBot) -> dict[str, Any]:
    """Say kindly that the diagnosis is too old, and offer to start again."""
    view = buttons(_start_over(texts, uid, bot))
    return {"content": texts.text("diagnose.expired"), "embed": None, "view": view}


def _start_over(texts: LocaleContent, uid: int, bot: TayoriBot) -> StepButton:
    label = texts.text("diagnose.buttons.start-over")
    return StepButton("r", uid, stamp(bot.clock.now()), "-", label=label)


async def move_to_dm(
    interaction: discord.Interaction[TayoriBot],
    texts: LocaleContent,
    uid: int,
    t: str,
    answers: Answers,
) -> None:
    """Continue the same diagnosis in the user's DMs; if they are closed, say so and stay."""
    await ack(interaction)
    shown = screen(texts, uid, _started(t), answers, handoff=False)
    try:
        sent = await interaction.user.send(embed=shown["embed"], view=shown["view"])
    except discord.Forbidden:
        await reply(interaction, texts.text("diagnose.dm-closed"))
        return
    moved = texts.text("diagnose.moved-to-dm", link=sent.jump_url)
    await interaction.edit_original_response(content=moved, embed=None, view=None)


async def finish(
    interaction: discord.Interaction[TayoriBot],
    texts: LocaleContent,
    uid: int,
    answers: Answers,
    started: datetime,
) -> None:
    """Score, store only ids and ranking (once per questionnaire), and show the result."""
    bot = interaction.client
    result = diagnose(texts.diagnose, answers)
    await bot.store.add_diagnosis(uid, answers, [r.cause for r in result.ranking], started)
    await interaction.edit_original_response(
        content=None,
        embeds=result_embeds(texts, answers, result),
        view=result_view(texts, uid, bot),
    )


def result_view(texts: LocaleContent, uid: int, bot: TayoriBot) -> discord.ui.View:
    """Buttons under a result: check a draft, remind me in a week, start over."""
    return buttons(
        OpenDraftButton(texts.text("diagnose.buttons.check-draft")),
        AfterSendButton(uid, 7, texts.text("diagnose.buttons.remind-week")),
        _start_over(texts, uid, bot),
    )


class Diagnose(commands.GroupCog, **group_names("diagnose")):
    """The /diagnose commands."""

    def __init__(self, bot: TayoriBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(**names("diagnose.start"))
    async def start(self, interaction: discord.Interaction[TayoriBot]) -> None:
        """Start the questionnaire: ephemeral in a server (with a DM hand-off), plain in DMs."""
        texts = self.bot.texts(interaction)
        handoff = offers_dm(interaction)
        shown = screen(texts, interaction.user.id, self.bot.clock.now(), {}, handoff=handoff)
        await reply(interaction, ephemeral=handoff, **shown)

    @app_commands.command(**names("diagnose.history"))
    async def history(self, interaction: discord.Interaction[TayoriBot]) -> None:
        """Show the user's past results."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        texts = self.bot.texts(interaction)
        past = await self.bot.store.diagnoses_for(interaction.user.id)
        lines = [
            texts.text(
                "diagnose.history.entry",
                date=discord.utils.format_dt(d.created_at, "f"),
                cause=reason(texts.article, d.ranking[0]).title,
                strength=_strength(texts, d.answers, d.ranking[0]),
            )
            for d in past
            if d.ranking and d.ranking[0] in {r.id for r in texts.article.reasons}
        ]
        embed = discord.Embed(
            title=texts.text("diagnose.history.title"),
            description="\n".join(lines)
            or texts.text("diagnose.history.empty", command=self.bot.mention("diagnose start")),
        )
        await reply(interaction, embed=embed)


def _strength(texts: LocaleContent, stored: dict[str, list[str] | str], cause: str) -> str:
    answers = {k: (v,) if isinstance(v, str) else tuple(v) for k, v in stored.items()}
    try:
        ranked = {r.cause: r for r in diagnose(texts.diagnose, answers).ranking}
    except AnswerError:
        return "—"
    return texts.text(f"diagnose.strength.{ranked[cause].strength}") if cause in ranked else "—"
