"""End to end: the /diagnose result, its buttons, what is stored, history, and Discord's limits."""

from __future__ import annotations

import json
from datetime import timedelta

import discord
import pytest

from bot.core.article import reason
from bot.core.diagnosis import UNKNOWN, Diagnosis, Ranked, advise, clean_answers, diagnose, evidence
from bot.core.pacing import after_send_due
from cogs.diagnose._cog import result_embeds

from .diagnosing import answer_all, labels

# a coming exam, and their posts stopped too
BUSY = {"their-news": ("exam",), "their-sns": ("quiet",)}
# they always wrote first and recently asked the user to write sometimes
WAITING = {"who-wrote-first": ("them",), "hint": ("recent",), "last-message": ("paused",)}


async def run_diagnosis(fake, texts, answers: dict, user: str, dm: bool = False):
    """Start /diagnose and answer every question; unlisted ones get "don't know"."""
    result = await fake.slash("diagnose start", user=user, dm=dm)
    return await answer_all(fake, result, texts, answers, user)


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
    assert expected.top.because, "the answers must have pointed to the top reason"
    items = [
        texts.text("diagnose.evidence-item", question=question, answer=label)
        for question, label in evidence(texts.diagnose, expected.top.because)
    ]
    line = texts.text("diagnose.evidence", items=texts.text("diagnose.list-separator").join(items))
    assert line in ranking["fields"][0]["value"]
    assert [f["name"] for f in ranking["fields"]] == [
        texts.text(
            "diagnose.reason-heading",
            title=reason(texts.article, r.cause).title,
            strength=texts.text(f"diagnose.strength.{r.strength}"),
        )
        for r in expected.ranking[:3]
    ]
    values = [f["value"] for f in ranking["fields"]]
    assert all(len(v.splitlines()) == len(set(v.splitlines())) for v in values)

    assert steps["title"] == texts.text("diagnose.next-steps")
    chosen = advise(texts.diagnose, answers, expected)
    assert steps["description"] == "\n".join(
        texts.text("diagnose.bullet", text=s.note) for s in chosen
    )
    shown_notes = {s.note for s in chosen}
    assert not any(note in v for note in shown_notes for v in values), "no advice twice"
    templates = next(f for f in steps["fields"] if f["name"] == texts.text("diagnose.templates"))
    first_example = next(e for s in chosen for e in s.examples)
    assert texts.text("diagnose.quote", text=first_example.text) in templates["value"]
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
    full: dict = {}
    while (question := texts.diagnose.next_question(full)) is not None:
        full[question.id] = answers.get(question.id, (UNKNOWN,))
    stored_answers = {k: list(v) for k, v in full.items()}
    assert json.loads(row["answers"]) == stored_answers, "only question → option ids, nothing else"
    assert json.loads(row["ranking"]) == [r.cause for r in expected.ranking]
    assert set(row) == {"id", "user_id", "answers", "ranking", "created_at", "started_at"}
    (stored,) = await bot.store.diagnoses_for(uid)
    assert stored.created_at == clock.now()


# things ended on the user's curt reply; they always wrote first and are bad at writing first
CURT = {
    "last-message": ("me-unanswered",),
    "silence": ("weeks",),
    "who-wrote-first": ("them",),
    "us": ("met", "my-curt"),
    "temperament": ("slow-starter",),
}


@pytest.mark.parametrize(("user", "locale"), [("alice", "en"), ("haruto", "ja")])
async def test_one_first_message_and_what_comes_once_they_answer(
    fake_discord, bot, content, user, locale
):
    texts = content[locale]
    expected = diagnose(texts.diagnose, CURT)
    chosen = advise(texts.diagnose, CURT, expected)
    first = [s for s in chosen if s.advice.opens and not s.later]
    later = [s for s in chosen if s.later]
    assert len(first) == 1 and later, [s.advice.id for s in chosen]
    shown = await run_diagnosis(fake_discord, texts, CURT, user)
    steps = shown.embeds[1]
    for step in later:
        assert texts.text("diagnose.bullet", text=step.advice.then) in steps["description"]
        assert step.advice.note not in steps["description"]
    assert texts.text("diagnose.one-message") not in steps["description"]
    templates = next(f for f in steps["fields"] if f["name"] == texts.text("diagnose.templates"))
    for example in first[0].examples:
        assert texts.text("diagnose.quote", text=example.text) in templates["value"]
    for example in (e for s in later for e in s.examples):
        assert texts.text("diagnose.quote-later", text=example.text) in templates["value"]


async def test_all_dont_know_says_it_is_only_the_general_picture(fake_discord, bot, content):
    en = content["en"]
    shown = await run_diagnosis(fake_discord, en, {}, "alice", dm=True)
    assert not shown.ephemeral
    ranking = shown.embeds[0]
    assert ranking["description"] == en.text("diagnose.uncertain"), "said once, at the top"
    assert all(en.text("diagnose.no-evidence") not in f["value"] for f in ranking["fields"])
    assert all(len(f["value"].splitlines()) == 1 for f in ranking["fields"]), "the takeaway only"


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
    total = len(ja.diagnose.questions)
    assert again.embeds[0]["title"] == ja.text("diagnose.progress", n=1, total=total)
    assert again.embeds[0]["description"].endswith(f"**{ja.diagnose.questions[0].text}**")


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
            strength=en.text(f"diagnose.strength.{diagnose(en.diagnose, _tuples(d)).top.strength}"),
        )
        for d in stored
    ]


def _tuples(record) -> dict:
    return {k: tuple(v) for k, v in record.answers.items()}


async def test_history_still_lists_a_result_stored_by_the_old_questionnaire(
    fake_discord, bot, content
):
    en = content["en"]
    uid = fake_discord.user("alice").id
    await bot.store.add_diagnosis(uid, {"life-news": ["work-exams"]}, ["busy", "unwell"])
    past = await fake_discord.slash("diagnose history", user="alice")
    title = reason(en.article, "busy").title
    assert past.embeds[0]["description"].endswith(f"{title} (—)")


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


def _longest_answers(texts) -> dict:
    """Every question answered with its longest labels (the longest evidence lines)."""
    out = {}
    for q in texts.diagnose.questions:
        by_length = sorted(q.options, key=lambda o: -len(o.label))
        out[q.id] = (
            tuple(o.id for o in by_length[:3] if o.id != UNKNOWN) if q.multi else (by_length[0].id,)
        )
    return out


@pytest.mark.parametrize("locale", ["ja", "en"])
@pytest.mark.parametrize("top", ["busy", "unwell", "cooled", "testing", "waiting", "someone-else"])
@pytest.mark.parametrize("tie", [False, True])
def test_result_embeds_fit_discords_limits_for_every_reason(content, locale, top, tie):
    texts = content[locale]
    answers = clean_answers(texts.diagnose, _longest_answers(texts))
    causes = [top, *(r.id for r in texts.article.reasons if r.id != top)]
    because = tuple((q, o) for q, opts in answers.items() for o in opts)[:3]
    result = Diagnosis(
        ranking=tuple(Ranked(c, 1 / len(causes), "possible", because) for c in causes),
        uncertain=False,
        informative=len(because),
        near_tie=tie,
    )
    embeds = [e.to_dict() for e in result_embeds(texts, answers, result)]
    assert embeds[1]["description"]
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
