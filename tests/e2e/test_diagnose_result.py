"""End to end: the /diagnose result, its buttons, what is stored, history, and Discord's limits."""

from __future__ import annotations

import json
from datetime import timedelta

import discord
import pytest

from bot.core.article import reason, templates_for
from bot.core.diagnosis import UNKNOWN, Diagnosis, Ranked, diagnose
from bot.core.pacing import after_send_due
from cogs.diagnose._cog import result_embeds

BUSY = {"life-news": "work-exams", "social-media": "quiet"}  # a big exam, and their SNS went quiet
WAITING = {"who-wrote-first": "them", "last-message": "them-hint"}  # they hinted: write to me


def labels(message) -> list[str]:
    return [b["label"] for row in message.components for b in row["components"]]


async def run_diagnosis(fake, texts, answers: dict[str, str], user: str, dm: bool = False):
    """Start /diagnose and click through every question; unlisted ones get "don't know"."""
    result = await fake.slash("diagnose start", user=user, dm=dm)
    for question in texts.diagnose.questions:
        label = question.option(answers.get(question.id, UNKNOWN)).label
        result = await fake.click(result, label=label, user=user)
    return result


@pytest.mark.parametrize(
    ("user", "locale", "answers", "top"),
    [("alice", "en", BUSY, "busy"), ("haruto", "ja", WAITING, "waiting")],
)
async def test_the_result_explains_the_top_reasons_in_the_users_language(
    fake_discord, bot, content, clock, user, locale, answers, top
):
    texts = content[locale]
    expected = diagnose(texts.diagnose, answers)
    assert expected.top.cause == top
    shown = await run_diagnosis(fake_discord, texts, answers, user)
    assert shown.ephemeral
    ranking, steps = shown.embeds
    assert ranking["title"] == texts.text("diagnose.result-title")
    first = reason(texts.article, top)
    strength = texts.text(f"diagnose.strength.{expected.top.strength}")
    assert ranking["fields"][0]["name"].startswith(first.title)
    assert ranking["fields"][0]["name"] == texts.text(
        "diagnose.reason-heading", title=first.title, strength=strength
    )
    chosen = [texts.diagnose.question(q).option(answers[q]).label for q in expected.top.because]
    assert chosen, "the answers must have pointed to the top reason"
    because = texts.text(
        "diagnose.because", answers=texts.text("diagnose.list-separator").join(chosen)
    )
    assert because in ranking["fields"][0]["value"]
    assert [f["name"] for f in ranking["fields"]] == [
        texts.text(
            "diagnose.reason-heading",
            title=reason(texts.article, r.cause).title,
            strength=texts.text(f"diagnose.strength.{r.strength}"),
        )
        for r in expected.ranking[:3]
    ]

    assert steps["title"] == texts.text("diagnose.next-steps")
    assert steps["description"] == first.explanation
    step_field = next(f for f in steps["fields"] if f["name"] == first.title)
    for step in first.next_steps:
        assert texts.text("diagnose.bullet", text=step.note) in step_field["value"]
    templates = next(f for f in steps["fields"] if f["name"] == texts.text("diagnose.templates"))
    first_template = templates_for(texts.article, [top])[0]
    assert texts.text("diagnose.quote", text=first_template.text) in templates["value"]
    ng = next(f for f in steps["fields"] if f["name"] == texts.text("diagnose.ng-heading"))
    assert ng["value"] == texts.text("diagnose.ng-reminder")
    assert steps["footer"]["text"] == texts.text("diagnose.honesty")
    assert labels(shown.message) == [
        texts.text("diagnose.buttons.check-draft"),
        texts.text("diagnose.buttons.remind-week"),
        texts.text("diagnose.buttons.start-over"),
    ]

    uid = fake_discord.user(user).id
    (row,) = (await bot.store.export_user(uid))["diagnoses"]
    full = {q.id: answers.get(q.id, UNKNOWN) for q in texts.diagnose.questions}
    assert json.loads(row["answers"]) == full, "only question id → option id, nothing else"
    assert json.loads(row["ranking"]) == [r.cause for r in expected.ranking]
    assert set(row) == {"id", "user_id", "answers", "ranking", "created_at", "started_at"}
    (stored,) = await bot.store.diagnoses_for(uid)
    assert stored.created_at == clock.now()


async def test_all_dont_know_says_it_is_only_the_general_picture(fake_discord, bot, content):
    en = content["en"]
    shown = await run_diagnosis(fake_discord, en, {}, "alice", dm=True)
    assert not shown.ephemeral
    ranking = shown.embeds[0]
    assert ranking["description"] == en.text("diagnose.uncertain")
    assert all(en.text("diagnose.because-none") in f["value"] for f in ranking["fields"])


async def test_the_result_buttons_check_a_draft_remind_and_start_over(
    fake_discord, bot, content, clock
):
    ja = content["ja"]
    shown = await run_diagnosis(fake_discord, ja, BUSY, "haruto")
    uid = fake_discord.user("haruto").id

    draft = await fake_discord.click(
        shown, label=ja.text("diagnose.buttons.check-draft"), user="haruto"
    )
    assert draft.response_type == 9
    assert draft.modal["title"] == ja.text("check_draft.modal.title")

    remind = await fake_discord.click(
        shown, label=ja.text("diagnose.buttons.remind-week"), user="haruto"
    )
    assert remind.ephemeral
    (pending,) = await bot.store.pending_for(uid)
    assert pending.kind == "after-send" and pending.locale == "ja"
    assert pending.due_at == after_send_due(clock.now(), 7)

    again = await fake_discord.click(
        shown, label=ja.text("diagnose.buttons.start-over"), user="haruto"
    )
    assert again.embeds[0]["title"] == ja.text("diagnose.progress", n=1, total=9)
    assert again.embeds[0]["description"] == ja.diagnose.questions[0].text


async def test_history_lists_past_results_privately(fake_discord, bot, content, clock):
    en = content["en"]
    empty = await fake_discord.slash("diagnose history", user="alice")
    assert empty.ephemeral
    start = bot.mention("diagnose start")
    assert empty.embeds[0]["description"] == en.text("diagnose.history.empty", command=start)
    uid = fake_discord.user("alice").id
    earlier = diagnose(en.diagnose, WAITING)
    await bot.store.add_diagnosis(uid, WAITING, [r.cause for r in earlier.ranking])
    clock.advance(timedelta(days=2))
    await run_diagnosis(fake_discord, en, BUSY, "alice")
    past = await fake_discord.slash("diagnose history", user="alice", dm=True)
    assert past.ephemeral
    assert past.embeds[0]["title"] == en.text("diagnose.history.title")
    stored = await bot.store.diagnoses_for(uid)
    assert [d.ranking[0] for d in stored] == ["busy", "waiting"], "newest first"
    assert past.embeds[0]["description"].splitlines() == [
        en.text(
            "diagnose.history.entry",
            date=discord.utils.format_dt(d.created_at, "f"),
            cause=reason(en.article, d.ranking[0]).title,
            strength=en.text(f"diagnose.strength.{diagnose(en.diagnose, d.answers).top.strength}"),
        )
        for d in stored
    ]


# -- Discord's embed limits, for every reason as the top one ---------------------------------

EMBED_TOTAL, TITLE, DESCRIPTION, FIELD_NAME, FIELD_VALUE, FOOTER, FIELDS = (
    6000,
    256,
    4096,
    256,
    1024,
    2048,
    25,
)


def _longest_answers(texts) -> dict[str, str]:
    """Every question answered with its longest label (the longest "because" line)."""
    return {q.id: max(q.options, key=lambda o: len(o.label)).id for q in texts.diagnose.questions}


@pytest.mark.parametrize("locale", ["ja", "en"])
@pytest.mark.parametrize("top", ["busy", "unwell", "cooled", "testing", "waiting", "someone-else"])
def test_result_embeds_fit_discords_limits_for_every_reason(content, locale, top):
    texts = content[locale]
    answers = _longest_answers(texts)
    causes = [top, *(r.id for r in texts.article.reasons if r.id != top)]
    everything = tuple(answers)
    result = Diagnosis(
        ranking=tuple(Ranked(c, 1 / len(causes), "possible", everything) for c in causes),
        uncertain=True,
        informative=0,
    )
    embeds = [e.to_dict() for e in result_embeds(texts, answers, result)]
    assert embeds[1]["description"] == reason(texts.article, top).explanation
    total = 0
    for embed in embeds:
        fields = embed.get("fields", [])
        assert len(embed.get("title", "")) <= TITLE
        assert len(embed.get("description", "")) <= DESCRIPTION
        assert len(embed.get("footer", {}).get("text", "")) <= FOOTER
        assert len(fields) <= FIELDS
        assert all(len(f["name"]) <= FIELD_NAME and len(f["value"]) <= FIELD_VALUE for f in fields)
        assert all(f["name"].strip() and f["value"].strip() for f in fields)
        total += len(embed.get("title", "")) + len(embed.get("description", ""))
        total += len(embed.get("footer", {}).get("text", ""))
        total += sum(len(f["name"]) + len(f["value"]) for f in fields)
    assert total <= EMBED_TOTAL
