"""What /diagnose shows at the end: the ranking with what pointed there, then the next steps."""

from __future__ import annotations

import discord

from bot.core.article import reason
from bot.core.content import LocaleContent
from bot.core.diagnosis import Diagnosis, advise, evidence
from bot.runtime.limits import EMBED_DESCRIPTION_MAX, EMBED_FIELD_NAME_MAX, EMBED_FIELD_VALUE_MAX

Answers = dict[str, tuple[str, ...]]
SHOWN = 3


def clip(text: str, limit: int = EMBED_FIELD_VALUE_MAX) -> str:
    """Shorten text to Discord's limit, marking the cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def result_embeds(texts: LocaleContent, answers: Answers, result: Diagnosis) -> list[discord.Embed]:
    """Render the ranking with what pointed there, then the next steps that fit the situation."""
    return [ranking_embed(texts, result), steps_embed(texts, answers, result)]


def ranking_embed(texts: LocaleContent, result: Diagnosis) -> discord.Embed:
    """The three leading reasons, each with its strength and the answers that moved it most."""
    article, q = texts.article, texts.diagnose
    top = result.ranking[:SHOWN]
    notes = []
    if result.uncertain:
        notes.append(texts.text("diagnose.uncertain"))
    elif result.near_tie:
        first, second = (reason(article, r.cause).title for r in result.ranking[:2])
        notes.append(texts.text("diagnose.near-tie", first=first, second=second))
    embed = discord.Embed(title=texts.text("diagnose.result-title"))
    if notes:
        embed.description = "\n".join(notes)
    for ranked in top:
        item = reason(article, ranked.cause)
        lines = [item.takeaway]
        if ranked.because:
            shown = texts.text("diagnose.list-separator").join(
                texts.text("diagnose.evidence-item", question=question, answer=answer)
                for question, answer in evidence(q, ranked.because)
            )
            lines.append(texts.text("diagnose.evidence", items=shown))
        elif not result.uncertain:
            lines.append(texts.text("diagnose.no-evidence"))
        strength = texts.text(f"diagnose.strength.{ranked.strength}")
        embed.add_field(
            name=clip(
                texts.text("diagnose.reason-heading", title=item.title, strength=strength),
                EMBED_FIELD_NAME_MAX,
            ),
            value=clip("\n".join(lines)),
            inline=False,
        )
    return embed


def steps_embed(texts: LocaleContent, answers: Answers, result: Diagnosis) -> discord.Embed:
    """The next steps chosen for the leading reasons and the situation, with example messages."""
    steps = advise(texts.diagnose, answers, result)
    lines = [texts.text("diagnose.bullet", text=s.note) for s in steps]
    if sum(bool(s.examples) for s in steps if not s.later) > 1:
        lines.append(f"-# {texts.text('diagnose.one-message')}")
    embed = discord.Embed(
        title=texts.text("diagnose.next-steps"),
        description=clip("\n".join(lines), EMBED_DESCRIPTION_MAX),
    )
    quotes = [
        texts.text("diagnose.quote-later" if s.later else "diagnose.quote", text=e.text)
        for s in steps
        for e in s.examples
    ]
    if quotes:
        quoted = "\n".join(quotes)
        embed.add_field(name=texts.text("diagnose.templates"), value=clip(quoted), inline=False)
    embed.add_field(
        name=texts.text("diagnose.ng-heading"),
        value=texts.text("diagnose.ng-reminder"),
        inline=False,
    )
    embed.set_footer(text=texts.text("diagnose.honesty"))
    return embed
