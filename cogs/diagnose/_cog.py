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

from bot.core.article import Reason, reason, templates_for
from bot.core.content import LocaleContent
from bot.core.diagnosis import (
    AnswerError,
    Diagnosis,
    answer_labels,
    decode_answers,
    diagnose,
    encode_answers,
    expired,
    stamp,
    unstamp,
)
from bot.runtime.app import TayoriBot
from bot.runtime.i18n import group_names, names
from bot.runtime.items import TayoriItem, button_label
from bot.runtime.limits import EMBED_DESCRIPTION_MAX, EMBED_FIELD_NAME_MAX, EMBED_FIELD_VALUE_MAX
from bot.runtime.replies import ack, buttons, reply
from bot.runtime.shared_items import AfterSendButton, OpenDraftButton
from bot.runtime.tree import UserFacingError

PREFIX = "tayori:dg"
TEMPLATE = (
    rf"{PREFIX}:(?P<act>[abcdr]):(?P<uid>\d+):(?P<t>[0-9a-z]+)"
    r":(?P<code>[0-9a-z-]+)(?::(?P<arg>\d))?"
)
SHOWN = 3
FIELD = EMBED_FIELD_VALUE_MAX
TEMPLATES_SHOWN = 4


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
        answers: dict[str, str],
        started: datetime,
    ) -> None:
        q = texts.diagnose
        if self.act == "b":
            answers = q.back(answers)
        else:
            question = q.next_question(answers)
            if question is None or self.arg is None or self.arg >= len(question.options):
                raise UserFacingError("diagnose.bad-answer")
            answers = {**answers, question.id: question.options[self.arg].id}
        if q.next_question(answers) is not None:
            shown = screen(texts, self.uid, started, answers, handoff=offers_dm(interaction))
            await interaction.response.edit_message(**shown)
            return
        await ack(interaction)
        await finish(interaction, texts, self.uid, answers, started)


def _started(t: str) -> datetime:
    try:
        return unstamp(t)
    except AnswerError:
        raise UserFacingError("diagnose.bad-answer") from None


def _decode(texts: LocaleContent, code: str) -> dict[str, str]:
    try:
        return decode_answers(texts.diagnose, code)
    except AnswerError:
        raise UserFacingError("diagnose.bad-answer") from None


def offers_dm(interaction: discord.Interaction[TayoriBot]) -> bool:
    """Return whether to offer moving to DMs: everywhere but in the DM with the bot."""
    return not interaction.context.dm_channel


def screen(
    texts: LocaleContent, uid: int, started: datetime, answers: dict[str, str], *, handoff: bool
) -> dict[str, Any]:
    """Render the next unanswered question with its buttons (and "continue in DMs" if `handoff`)."""
    q = texts.diagnose
    question = q.next_question(answers)
    assert question is not None
    n = q.question_index(question.id) + 1
    t, code = stamp(started), encode_answers(q, answers)
    embed = discord.Embed(
        title=texts.text("diagnose.progress", n=n, total=len(q.questions)),
        description=question.text,
    )
    if n == 1:
        embed.set_footer(text=texts.text("diagnose.intro").replace("\n", " "))
    items = [
        StepButton(
            "a", uid, t, code, i, label=option.label, style=discord.ButtonStyle.primary, row=0
        )
        for i, option in enumerate(question.options)
    ]
    if n > 1:
        items.append(StepButton("b", uid, t, code, label=texts.text("diagnose.back"), row=1))
    items.append(StepButton("c", uid, t, code, label=texts.text("diagnose.cancel"), row=1))
    if handoff:
        items.append(
            StepButton("d", uid, t, code, label=texts.text("diagnose.buttons.continue-dm"), row=1)
        )
    return {"content": None, "embed": embed, "view": buttons(*items)}


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
    answers: dict[str, str],
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
    answers: dict[str, str],
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


def result_embeds(
    texts: LocaleContent, answers: dict[str, str], result: Diagnosis
) -> list[discord.Embed]:
    """Render the ranking with reasons, the next steps and templates, and the honest caveats."""
    article, q = texts.article, texts.diagnose
    sep = texts.text("diagnose.list-separator")
    ranking = discord.Embed(title=texts.text("diagnose.result-title"))
    if result.uncertain:
        ranking.description = texts.text("diagnose.uncertain")
    for ranked in result.ranking[:SHOWN]:
        item = reason(article, ranked.cause)
        because = (
            texts.text(
                "diagnose.because", answers=sep.join(answer_labels(q, answers, ranked.because))
            )
            if ranked.because
            else texts.text("diagnose.because-none")
        )
        strength = texts.text(f"diagnose.strength.{ranked.strength}")
        ranking.add_field(
            name=clip(
                texts.text("diagnose.reason-heading", title=item.title, strength=strength),
                EMBED_FIELD_NAME_MAX,
            ),
            value=clip("\n".join([item.takeaway, because, *_first_step(texts, item)])),
            inline=False,
        )
    return [ranking, steps_embed(texts, result.top.cause)]


def _first_step(texts: LocaleContent, item: Reason) -> list[str]:
    """The article's first next step for a reason, as one bullet line."""
    return [texts.text("diagnose.bullet", text=step.note) for step in item.next_steps[:1]]


def steps_embed(texts: LocaleContent, cause: str) -> discord.Embed:
    """Render the article's next steps and fitting templates for the top reason."""
    article = texts.article
    top = reason(article, cause)
    embed = discord.Embed(
        title=texts.text("diagnose.next-steps"),
        description=clip(top.explanation, EMBED_DESCRIPTION_MAX),
    )
    steps = "\n".join(texts.text("diagnose.bullet", text=step.note) for step in top.next_steps)
    embed.add_field(name=clip(top.title, EMBED_FIELD_NAME_MAX), value=clip(steps), inline=False)
    fitting = templates_for(article, [cause])[:TEMPLATES_SHOWN]
    if fitting:
        lines = "\n".join(texts.text("diagnose.quote", text=t.text) for t in fitting)
        embed.add_field(name=texts.text("diagnose.templates"), value=clip(lines), inline=False)
    embed.add_field(
        name=texts.text("diagnose.ng-heading"),
        value=texts.text("diagnose.ng-reminder"),
        inline=False,
    )
    embed.set_footer(text=texts.text("diagnose.honesty"))
    return embed


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


def _strength(texts: LocaleContent, answers: dict[str, str], cause: str) -> str:
    try:
        ranked = {r.cause: r for r in diagnose(texts.diagnose, answers).ranking}
    except AnswerError:
        return "—"
    return texts.text(f"diagnose.strength.{ranked[cause].strength}") if cause in ranked else "—"
