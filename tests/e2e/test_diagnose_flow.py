"""End to end: the /diagnose questionnaire through the fake Discord (start, hand-off, steps)."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

from bot.core.diagnosis import UNKNOWN
from bot.core.diagnosis_code import unstamp
from cogs.diagnose._cog import TEMPLATE, screen

from .diagnosing import answer, answer_all, answer_first, components, labels, progress, state


async def test_start_in_a_server_is_private_and_shows_the_first_question(
    fake_discord, bot, content
):
    en = content["en"]
    first = en.diagnose.questions[0]
    r = await fake_discord.slash("diagnose start", user="alice")
    assert r.ephemeral
    assert r.embeds[0]["title"] == progress(en, {}, 1)
    assert r.embeds[0]["title"].startswith(en.text("diagnose.title"))
    assert r.embeds[0]["description"] == f"{en.text('diagnose.intro')}\n\n**{first.text}**"
    expected = [o.label for o in first.options]
    expected += [en.text("diagnose.cancel"), en.text("diagnose.buttons.continue-dm")]
    assert labels(r.message) == expected
    assert en.diagnose.question(first.id).option("unknown").label in labels(r.message)
    assert all(c.startswith("tayori:dg:") for c in _custom_ids(r.message))
    assert "footer" not in r.embeds[0], "the introduction is in the description, not the footer"

    second = await answer(fake_discord, r, en, first.id, "them-unanswered", user="alice")
    assert second.response_type == 7 and second.ephemeral
    so_far = {first.id: ("them-unanswered",)}
    assert second.embeds[0]["title"] == progress(en, so_far, 2)
    assert second.embeds[0]["description"] == f"**{en.diagnose.questions[1].text}**"
    assert en.text("diagnose.back") in labels(second.message)
    assert state(en, second.message) == so_far


def _custom_ids(message) -> list[str]:
    return [c["custom_id"] for c in components(message)]


async def test_a_question_with_several_answers_is_a_select_menu(fake_discord, bot, content):
    ja = content["ja"]
    r = await fake_discord.slash("diagnose start", user="haruto", dm=True)
    before = {"last-message": ("fading",), "silence": ("weeks-3-4",), "before": ("daily",)}
    before["who-wrote-first"] = ("me",)  # so the hint question is skipped
    for qid, (oid,) in before.items():
        r = await answer(fake_discord, r, ja, qid, oid, user="haruto")
    news = ja.diagnose.question("their-news")
    assert r.embeds[0]["description"].startswith(f"**{news.text}**")
    assert ja.text("diagnose.multi-hint") in r.embeds[0]["description"]
    assert r.embeds[0]["title"] == progress(ja, before, 5), "read receipts and hint skipped"
    (select,) = [c for c in components(r.message) if c["type"] == 3]
    assert select["max_values"] == len(news.options) and select["min_values"] == 1
    assert [o["value"] for o in select["options"]] == [o.id for o in news.options]
    chosen = await answer(fake_discord, r, ja, "their-news", "exam", UNKNOWN, user="haruto")
    assert state(ja, chosen.message)["their-news"] == ("exam",), "don't know beside an answer"
    back = await fake_discord.click(chosen, label=ja.text("diagnose.back"), user="haruto")
    both = await answer(fake_discord, back, ja, "their-news", "hobby", "work", user="haruto")
    assert state(ja, both.message) == {**before, "their-news": ("work", "hobby")}


async def test_the_read_receipt_question_comes_only_after_an_unanswered_message(
    fake_discord, bot, content
):
    en = content["en"]
    r = await fake_discord.slash("diagnose start", user="alice", dm=True)
    mine = await answer(fake_discord, r, en, "last-message", "me-unanswered", user="alice")
    mine = await answer(fake_discord, mine, en, "silence", "weeks", user="alice")
    assert en.diagnose.question("read").text in mine.embeds[0]["description"]
    r = await fake_discord.slash("diagnose start", user="alice", dm=True)
    theirs = await answer(fake_discord, r, en, "last-message", "them-unanswered", user="alice")
    theirs = await answer(fake_discord, theirs, en, "silence", "weeks", user="alice")
    assert en.diagnose.question("before").text in theirs.embeds[0]["description"]


async def test_started_in_dms_it_runs_there_in_japanese(fake_discord, bot, content):
    ja = content["ja"]
    r = await fake_discord.slash("diagnose start", user="haruto", dm=True)
    assert not r.ephemeral, "in the DM with the bot the questionnaire is a normal message"
    assert r.message.guild_id is None
    assert fake_discord.dms("haruto")[-1].id == r.message.id
    assert r.embeds[0]["description"].endswith(f"**{ja.diagnose.questions[0].text}**")
    assert ja.text("diagnose.buttons.continue-dm") not in labels(r.message)
    assert ja.text("diagnose.cancel") in labels(r.message)
    nxt = await answer_first(fake_discord, r, ja, 2, "haruto")
    assert nxt.embeds[0]["title"] == progress(ja, state(ja, nxt.message), 3)


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
    assert dm.embeds[0]["title"] == progress(en, so_far, 3)
    assert state(en, dm) == so_far
    assert en.text("diagnose.buttons.continue-dm") not in labels(dm)
    third = en.diagnose.next_question(so_far)
    clicked = await answer(fake_discord, dm, en, third.id, UNKNOWN, user="alice")
    assert clicked.message.id == dm.id
    assert clicked.embeds[0]["title"] == progress(en, so_far, 4)
    assert state(en, clicked.message) == {**so_far, third.id: (UNKNOWN,)}


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
    # the follow-up comes after a refused DM: on a loaded machine, later than "quiet"
    await fake_discord.wait_until(lambda: tried.followups, 10)
    assert [f.content for f in tried.followups] == [ja.text("diagnose.dm-closed")]
    assert tried.followups[0].ephemeral
    assert fake_discord.dms("closed") == []
    first = {"last-message": ("me-unanswered",)}
    assert tried.embeds[0]["title"] == progress(ja, first, 2), "the question is still there"
    nxt = await answer(fake_discord, tried, ja, "silence", "weeks", user="closed")
    assert nxt.ephemeral and nxt.embeds[0]["title"] == progress(ja, first, 3)
    assert state(ja, nxt.message) == {**first, "silence": ("weeks",)}


async def test_back_drops_the_last_answer_and_cancel_ends_it(fake_discord, bot, content):
    en = content["en"]
    r = await fake_discord.slash("diagnose start", user="alice")
    message = await answer_first(fake_discord, r, en, 3, "alice")
    assert len(state(en, message)) == 3
    back = await fake_discord.click(message, label=en.text("diagnose.back"))
    two = state(en, back.message)
    assert back.embeds[0]["title"] == progress(en, two, 3)
    assert back.embeds[0]["description"] == f"**{en.diagnose.questions[2].text}**"
    assert list(two) == [q.id for q in en.diagnose.questions[:2]]
    again = await answer(fake_discord, back, en, "read", "unread", user="alice")
    assert state(en, again.message)["read"] == ("unread",)
    cancelled = await fake_discord.click(again, label=en.text("diagnose.cancel"))
    start = bot.mention("diagnose start")
    assert cancelled.content == en.text("diagnose.cancelled", command=start)
    assert "</diagnose start:" in start, "a mention shows the command in the user's language"
    assert cancelled.embeds == [] and cancelled.components == []
    assert await bot.store.diagnoses_for(fake_discord.user("alice").id) == []


async def test_someone_else_clicking_is_refused_and_nothing_changes(fake_discord, bot, content):
    en, ja = content["en"], content["ja"]
    alice = fake_discord.user("alice")
    given = {"last-message": ("paused",)}
    shown = screen(en, alice.id, bot.clock.now(), given, handoff=False)
    channel = bot.get_channel(fake_discord.channel("general").id)
    public = await channel.send(**shown)
    message = next(m for m in fake_discord.sent_messages("general") if m.id == public.id)
    before = (list(message.embeds), list(message.components))
    for label in (
        en.diagnose.question("silence").options[0].label,
        en.text("diagnose.back"),
        en.text("diagnose.cancel"),
    ):
        refused = await fake_discord.click(message, label=label, user="haruto")
        assert refused.response_type == 4 and refused.ephemeral
        assert refused.content == ja.text("common.error.not_owner")
        assert (message.embeds, message.components) == before
    assert state(en, message) == given


async def test_a_diagnosis_in_progress_survives_a_restart(fake_discord, start_tayori, content):
    en = content["en"]
    bot = await start_tayori()
    r = await fake_discord.slash("diagnose start", user="alice")
    message = await answer_first(fake_discord, r, en, 3, "alice")
    three = state(en, message.message)
    assert message.embeds[0]["title"] == progress(en, three, 4)
    await bot.close()
    await start_tayori()
    fourth = en.diagnose.next_question(three)
    nxt = await answer(fake_discord, message, en, fourth.id, fourth.options[1].id, user="alice")
    assert nxt.response_type == 7
    assert nxt.embeds[0]["title"] == progress(en, three, 5)
    assert state(en, nxt.message) == {**three, fourth.id: (fourth.options[1].id,)}


async def test_an_old_diagnosis_expires_kindly_and_can_start_over(
    fake_discord, bot, content, clock
):
    ja = content["ja"]
    r = await fake_discord.slash("diagnose start", user="haruto")
    message = await answer_first(fake_discord, r, ja, 2, "haruto")
    clock.advance(timedelta(hours=25))
    late = await answer(fake_discord, message, ja, "read", "unread", user="haruto")
    assert late.response_type == 7 and late.ephemeral
    assert late.content == ja.text("diagnose.expired")
    assert late.embeds == []
    assert labels(late.message) == [ja.text("diagnose.buttons.start-over")]
    fresh = await fake_discord.click(
        late, label=ja.text("diagnose.buttons.start-over"), user="haruto"
    )
    assert fresh.content in (None, "")
    assert fresh.embeds[0]["title"] == progress(ja, {}, 1)
    assert state(ja, fresh.message) == {}
    custom_id = fresh.message.components[0]["components"][0]["custom_id"]
    assert unstamp(re.fullmatch(TEMPLATE, custom_id)["t"]) <= clock.now()
    assert clock.now() - unstamp(re.fullmatch(TEMPLATE, custom_id)["t"]) < timedelta(minutes=1)


async def test_a_double_click_on_the_last_answer_keeps_one_diagnosis(
    fake_discord, bot, content, clock
):
    en = content["en"]
    r = await fake_discord.slash("diagnose start", user="alice")
    answers = {q.id: (UNKNOWN,) for q in en.diagnose.questions}
    answers["others"] = ("none",)
    message = r
    while (question := en.diagnose.next_question(state(en, message.message))).id != "others":
        message = await answer(fake_discord, message, en, question.id, UNKNOWN, user="alice")
    label = en.diagnose.question("others").option("none").label
    both = await asyncio.gather(
        fake_discord.click(message, label=label, user="alice"),
        fake_discord.click(message, label=label, user="alice"),
    )
    assert all(b.acknowledged for b in both)
    uid = fake_discord.user("alice").id
    assert len(await bot.store.diagnoses_for(uid)) == 1
    clock.advance(timedelta(minutes=1))  # the same answers in the same minute count once
    again = await fake_discord.slash("diagnose start", user="alice")
    await answer_all(fake_discord, again, en, answers, "alice")
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
