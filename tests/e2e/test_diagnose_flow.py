"""End to end: the /diagnose questionnaire through the fake Discord (start, hand-off, steps)."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

from bot.core.diagnosis import decode_answers, unstamp
from cogs.diagnose._cog import TEMPLATE, screen

Q_TOTAL = 9


def texts_of(content, user: str):
    return content["en" if user == "alice" else "ja"]


def labels(message) -> list[str]:
    return [b["label"] for row in message.components for b in row["components"]]


def state(texts, message) -> dict[str, str]:
    """The answers a diagnosis message carries in its buttons' custom_ids."""
    custom_id = message.components[-1]["components"][0]["custom_id"]
    return decode_answers(texts.diagnose, re.fullmatch(TEMPLATE, custom_id)["code"])


def progress(texts, n: int) -> str:
    return texts.text("diagnose.progress", n=n, total=Q_TOTAL)


async def answer(fake, message, texts, qid: str, oid: str, user: str):
    """Click the option `oid` of question `qid` on `message`."""
    label = texts.diagnose.question(qid).option(oid).label
    return await fake.click(message, label=label, user=user)


async def answer_first(fake, message, texts, count: int, user: str):
    """Answer the first `count` questions with their first option."""
    for question in texts.diagnose.questions[:count]:
        message = (
            await answer(fake, message, texts, question.id, question.options[0].id, user)
        ).message
    return message


async def test_start_in_a_server_is_private_and_shows_the_first_question(
    fake_discord, bot, content
):
    en = content["en"]
    first = en.diagnose.questions[0]
    r = await fake_discord.slash("diagnose start", user="alice")
    assert r.ephemeral
    assert r.embeds[0]["title"] == progress(en, 1) == "1/9"
    assert r.embeds[0]["description"] == first.text
    expected = [o.label for o in first.options]
    expected += [en.text("diagnose.cancel"), en.text("diagnose.buttons.continue-dm")]
    assert labels(r.message) == expected
    assert en.diagnose.question(first.id).option("unknown").label in labels(r.message)
    assert all(c.startswith("tayori:dg:") for c in _custom_ids(r.message))

    second = await answer(fake_discord, r, en, first.id, "them", "alice")
    assert second.response_type == 7 and second.ephemeral
    assert second.embeds[0]["title"] == progress(en, 2)
    assert second.embeds[0]["description"] == en.diagnose.questions[1].text
    assert en.text("diagnose.back") in labels(second.message)
    assert state(en, second.message) == {first.id: "them"}


def _custom_ids(message) -> list[str]:
    return [b["custom_id"] for row in message.components for b in row["components"]]


async def test_started_in_dms_it_runs_there_in_japanese(fake_discord, bot, content):
    ja = content["ja"]
    r = await fake_discord.slash("diagnose start", user="haruto", dm=True)
    assert not r.ephemeral, "in the DM with the bot the questionnaire is a normal message"
    assert r.message.guild_id is None
    assert fake_discord.dms("haruto")[-1].id == r.message.id
    assert r.embeds[0]["description"] == ja.diagnose.questions[0].text
    assert ja.text("diagnose.buttons.continue-dm") not in labels(r.message)
    assert ja.text("diagnose.cancel") in labels(r.message)
    nxt = await answer_first(fake_discord, r, ja, 2, "haruto")
    assert nxt.embeds[0]["title"] == progress(ja, 3)


async def test_continue_in_dms_moves_the_same_answers_to_the_dm(fake_discord, bot, content):
    en = content["en"]
    r = await fake_discord.slash("diagnose start", user="alice")
    message = await answer_first(fake_discord, r, en, 2, "alice")
    so_far = state(en, message)
    moved = await fake_discord.click(message, label=en.text("diagnose.buttons.continue-dm"))
    dm = fake_discord.dms("alice")[-1]
    assert moved.ephemeral and moved.components == [] and moved.embeds == []
    assert moved.content == en.text("diagnose.moved-to-dm", link=_jump(dm))
    assert not dm.ephemeral
    assert dm.embeds[0]["title"] == progress(en, 3)
    assert state(en, dm) == so_far
    assert en.text("diagnose.buttons.continue-dm") not in labels(dm)
    third = en.diagnose.questions[2]
    clicked = await answer(fake_discord, dm, en, third.id, "no", "alice")
    assert clicked.message.id == dm.id and clicked.embeds[0]["title"] == progress(en, 4)
    assert state(en, clicked.message) == {**so_far, third.id: "no"}


def _jump(message) -> str:
    return f"https://discord.com/channels/@me/{message.channel_id}/{message.id}"


async def test_closed_dms_get_a_kind_notice_and_the_diagnosis_stays_here(
    fake_discord, bot, content
):
    ja = content["ja"]
    r = await fake_discord.slash("diagnose start", user="closed")
    message = await answer_first(fake_discord, r, ja, 1, "closed")
    tried = await fake_discord.click(
        message, label=ja.text("diagnose.buttons.continue-dm"), user="closed"
    )
    assert [f.content for f in tried.followups] == [ja.text("diagnose.dm-closed")]
    assert tried.followups[0].ephemeral
    assert fake_discord.dms("closed") == []
    assert tried.embeds[0]["title"] == progress(ja, 2), "the question is still there"
    nxt = await answer(fake_discord, tried, ja, "silence", "weeks", "closed")
    assert nxt.ephemeral and nxt.embeds[0]["title"] == progress(ja, 3)
    assert state(ja, nxt.message) == {"who-wrote-first": "them", "silence": "weeks"}


async def test_back_drops_the_last_answer_and_cancel_ends_it(fake_discord, bot, content):
    en = content["en"]
    r = await fake_discord.slash("diagnose start", user="alice")
    message = await answer_first(fake_discord, r, en, 3, "alice")
    assert len(state(en, message)) == 3
    back = await fake_discord.click(message, label=en.text("diagnose.back"))
    assert back.embeds[0]["title"] == progress(en, 3)
    assert back.embeds[0]["description"] == en.diagnose.questions[2].text
    assert list(state(en, back.message)) == [q.id for q in en.diagnose.questions[:2]]
    again = await answer(fake_discord, back, en, "life-news", "hobby", "alice")
    assert state(en, again.message)["life-news"] == "hobby"
    cancelled = await fake_discord.click(again, label=en.text("diagnose.cancel"))
    start = bot.mention("diagnose start")
    assert cancelled.content == en.text("diagnose.cancelled", command=start)
    assert "</diagnose start:" in start, "a mention shows the command in the user's language"
    assert cancelled.embeds == [] and cancelled.components == []
    assert await bot.store.diagnoses_for(fake_discord.user("alice").id) == []


async def test_someone_else_clicking_is_refused_and_nothing_changes(fake_discord, bot, content):
    en, ja = content["en"], content["ja"]
    alice = fake_discord.user("alice")
    shown = screen(en, alice.id, bot.clock.now(), {"who-wrote-first": "me"}, handoff=False)
    channel = bot.get_channel(fake_discord.channel("general").id)
    public = await channel.send(**shown)
    message = next(m for m in fake_discord.sent_messages("general") if m.id == public.id)
    before = (list(message.embeds), list(message.components))
    for label in (
        en.diagnose.questions[1].options[0].label,
        en.text("diagnose.back"),
        en.text("diagnose.cancel"),
    ):
        refused = await fake_discord.click(message, label=label, user="haruto")
        assert refused.response_type == 4 and refused.ephemeral
        assert refused.content == ja.text("common.error.not_owner")
        assert (message.embeds, message.components) == before
    assert state(en, message) == {"who-wrote-first": "me"}


async def test_a_diagnosis_in_progress_survives_a_restart(fake_discord, start_tayori, content):
    en = content["en"]
    bot = await start_tayori()
    r = await fake_discord.slash("diagnose start", user="alice")
    message = await answer_first(fake_discord, r, en, 3, "alice")
    assert message.embeds[0]["title"] == progress(en, 4)
    await bot.close()
    await start_tayori()
    fourth = en.diagnose.questions[3]
    nxt = await answer(fake_discord, message, en, fourth.id, fourth.options[1].id, "alice")
    assert nxt.response_type == 7
    assert nxt.embeds[0]["title"] == progress(en, 5)
    assert len(state(en, nxt.message)) == 4
    assert state(en, nxt.message)[fourth.id] == fourth.options[1].id


async def test_an_old_diagnosis_expires_kindly_and_can_start_over(
    fake_discord, bot, content, clock
):
    ja = content["ja"]
    r = await fake_discord.slash("diagnose start", user="haruto")
    message = await answer_first(fake_discord, r, ja, 2, "haruto")
    clock.advance(timedelta(hours=25))
    late = await answer(fake_discord, message, ja, "life-news", "no", "haruto")
    assert late.response_type == 7 and late.ephemeral
    assert late.content == ja.text("diagnose.expired")
    assert late.embeds == []
    assert labels(late.message) == [ja.text("diagnose.buttons.start-over")]
    fresh = await fake_discord.click(
        late, label=ja.text("diagnose.buttons.start-over"), user="haruto"
    )
    assert fresh.content in (None, "")
    assert fresh.embeds[0]["title"] == progress(ja, 1)
    assert state(ja, fresh.message) == {}
    custom_id = fresh.message.components[0]["components"][0]["custom_id"]
    assert unstamp(re.fullmatch(TEMPLATE, custom_id)["t"]) <= clock.now()
    assert clock.now() - unstamp(re.fullmatch(TEMPLATE, custom_id)["t"]) < timedelta(minutes=1)


async def test_a_double_click_on_the_last_answer_keeps_one_diagnosis(
    fake_discord, bot, content, clock
):
    en = content["en"]
    r = await fake_discord.slash("diagnose start", user="alice")
    message = await answer_first(fake_discord, r, en, Q_TOTAL - 1, "alice")
    last = en.diagnose.questions[Q_TOTAL - 1]
    label = last.options[0].label
    both = await asyncio.gather(
        fake_discord.click(message, label=label, user="alice"),
        fake_discord.click(message, label=label, user="alice"),
    )
    assert all(b.acknowledged for b in both)
    uid = fake_discord.user("alice").id
    assert len(await bot.store.diagnoses_for(uid)) == 1
    clock.advance(timedelta(minutes=1))  # the same answers in the same minute count once
    again = await fake_discord.slash("diagnose start", user="alice")
    message = await answer_first(fake_discord, again, en, Q_TOTAL, "alice")
    assert len(await bot.store.diagnoses_for(uid)) == 2, "a new questionnaire is a new diagnosis"


async def test_a_forged_start_time_gets_the_kind_answer(fake_discord, bot, content):
    ja = content["ja"]
    r = await fake_discord.slash("diagnose start", user="haruto")
    custom_id = _custom_ids(r.message)[0]
    forged = re.sub(r"^(tayori:dg:a:\d+:)[^:]+", r"\g<1>zzzzzzzzzzzz", custom_id)  # year 10^10
    assert forged != custom_id
    # Discord only sends custom ids that are on the message: put it there, as a broken bot might
    r.message.components[0]["components"][0]["custom_id"] = forged
    result = await fake_discord.click(r.message, forged, user="haruto")
    assert result.ephemeral and result.text == ja.text("diagnose.bad-answer")
