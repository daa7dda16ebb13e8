"""Helpers for driving /diagnose through the fake Discord: buttons for one answer, a select
menu for several, and the answers a message carries in its custom ids."""

from __future__ import annotations

import re
from typing import Any

from bot.core.diagnosis import UNKNOWN
from bot.core.diagnosis_code import decode_answers
from cogs.diagnose._cog import TEMPLATE

SELECT = 3  # Discord's component type of a string select


def components(message: Any) -> list[dict[str, Any]]:
    return [c for row in message.components for c in row["components"]]


def labels(message: Any) -> list[str]:
    """Button labels, and the option labels of a select menu, in order."""
    out = []
    for c in components(message):
        out += [o["label"] for o in c["options"]] if c["type"] == SELECT else [c["label"]]
    return out


def state(texts: Any, message: Any) -> dict[str, tuple[str, ...]]:
    """The answers a diagnosis message carries in its buttons' custom_ids."""
    custom_id = next(
        c["custom_id"] for c in components(message) if re.fullmatch(TEMPLATE, c["custom_id"])
    )
    return decode_answers(texts.diagnose, re.fullmatch(TEMPLATE, custom_id)["code"])


def progress(texts: Any, answers: dict[str, tuple[str, ...]], n: int) -> str:
    """The title of question `n` (of up to every question) when `answers` were given so far."""
    assert n <= len(texts.diagnose.asked(answers))
    return texts.text("diagnose.progress", n=n, total=len(texts.diagnose.questions))


async def answer(fake: Any, message: Any, texts: Any, qid: str, *oids: str, user: str) -> Any:
    """Answer question `qid` on `message`: click its option, or choose in its select menu."""
    question = texts.diagnose.question(qid)
    if question.multi:
        select = next(c for c in components(message) if c["type"] == SELECT)
        return await fake.select(message, select["custom_id"], list(oids), user=user)
    return await fake.click(message, label=question.option(oids[0]).label, user=user)


async def answer_all(
    fake: Any, result: Any, texts: Any, answers: dict[str, tuple[str, ...]], user: str
) -> Any:
    """Answer every question that comes up ("don't know" where `answers` has none)."""
    q = texts.diagnose
    while (question := q.next_question(state(texts, result.message))) is not None:
        result = await answer(
            fake, result, texts, question.id, *answers.get(question.id, (UNKNOWN,)), user=user
        )
        if not result.embeds or "fields" in result.embeds[0]:
            break
    return result


async def answer_first(fake: Any, result: Any, texts: Any, count: int, user: str) -> Any:
    """Answer the next `count` questions with their first option."""
    for _ in range(count):
        question = texts.diagnose.next_question(state(texts, result.message))
        result = await answer(fake, result, texts, question.id, question.options[0].id, user=user)
    return result
