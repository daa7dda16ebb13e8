"""The /diagnose questionnaire model, its content files and the scoring engine."""

from __future__ import annotations

import math
import tomllib
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.core.content import load_content
from bot.core.diagnosis import (
    UNKNOWN,
    AnswerError,
    Questionnaire,
    clean_answers,
    diagnose,
    evidence,
    leading,
)

CONTENT = Path(__file__).resolve().parents[3] / "content"
LOCALES = ("ja", "en")
REASONS = ("busy", "unwell", "cooled", "testing", "waiting", "someone-else")


def load(locale: str) -> Questionnaire:
    with (CONTENT / locale / "diagnose.toml").open("rb") as fh:
        return Questionnaire.model_validate(tomllib.load(fh))


def raw(locale: str = "ja") -> dict:
    with (CONTENT / locale / "diagnose.toml").open("rb") as fh:
        return tomllib.load(fh)


def numbers(q: Questionnaire) -> dict:
    """Everything but the wording: what must be the same in every locale."""
    return {
        "priors": q.priors,
        "strength": q.strength.model_dump(),
        "min_informative": q.min_informative,
        "near_tie": q.near_tie,
        "questions": [
            (qu.id, qu.multi, qu.ask_if, qu.skip_if, [(o.id, o.weights) for o in qu.options])
            for qu in q.questions
        ],
        "facts": [f.model_dump() for f in q.facts],
        "advice": [
            {
                **a.model_dump(exclude={"note", "then", "invited", "alone"}),
                "then": a.then is not None,
                "invited": a.invited is not None,
                "alone": a.alone is not None,
            }
            for a in q.advice
        ],
        "examples": [e.model_dump(exclude={"text"}) for e in q.examples],
    }


@pytest.fixture(scope="module")
def q() -> Questionnaire:
    return load("ja")


# --- content -----------------------------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
def test_content_shape(locale: str) -> None:
    q = load(locale)
    assert 6 <= len(q.questions) <= 12
    for question in q.questions:
        assert len(question.text) <= 256
        assert UNKNOWN in [o.id for o in question.options]
        assert all(0 < len(o.label) <= 80 for o in question.options)
        if not question.multi:  # one answer: buttons, five to a row
            assert len(question.options) <= 5


@pytest.mark.parametrize("locale", LOCALES)
def test_priors_name_the_six_reasons(locale: str) -> None:
    assert tuple(load(locale).priors) == REASONS


def test_locales_share_every_number_id_and_condition() -> None:
    assert numbers(load("en")) == numbers(load("ja"))


def test_every_reason_can_come_first(q: Questionnaire) -> None:
    pointed = {r for qu in q.questions for o in qu.options for r, w in o.weights.items() if w > 1}
    assert pointed == set(REASONS)
    for cause in REASONS:
        answers = {qu.id: (_most_for(qu, cause),) for qu in q.questions}
        assert diagnose(q, clean_answers(q, answers)).top.cause == cause


def _most_for(question, cause: str) -> str:
    """The option that favours `cause` most over every other reason ("don't know" if none)."""

    def margin(option) -> float:
        mine = math.log(option.weights.get(cause, 1.0))
        others = [math.log(option.weights.get(r, 1.0)) for r in REASONS if r != cause]
        return mine - max(others)

    best = max(question.options, key=margin)
    return best.id if margin(best) > 0 else UNKNOWN


def test_loader_accepts_the_section_and_its_messages() -> None:
    content = load_content()
    for locale in LOCALES:
        loc = content[locale]
        assert numbers(loc.diagnose) == numbers(load("ja"))
        assert [r.id for r in loc.article.reasons] == list(loc.diagnose.priors)
        assert "2" in loc.text("diagnose.progress", n=2, total=9)


# --- model validation --------------------------------------------------------------------


def _broken(edit) -> dict:
    data = raw()
    edit(data)
    return data


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d["questions"][0]["options"].pop(), "needs an option with id 'unknown'"),
        (
            lambda d: d["questions"][0]["options"][-1].update(weights={"busy": 2.0}),
            "must carry no weights",
        ),
        (
            lambda d: d["questions"][0]["options"].extend(
                [{"id": f"x{i}", "label": "x"} for i in range(21)]
            ),
            "at most 25 items",
        ),
        (lambda d: d["questions"][0]["options"][0].update(label="  "), "at least 1 character"),
        (lambda d: d["questions"][0]["options"][0].update(label="x" * 81), "at most 80"),
        (
            lambda d: d["questions"][0]["options"][0].update(weights={"busy": 0}),
            "greater than 0",
        ),
        (
            lambda d: d["questions"][0]["options"][0].update(weights={"bored": 2.0}),
            "no prior for ['bored']",
        ),
        (lambda d: d["strength"].update(possible=0.5), "must be below strength.likely"),
        (lambda d: d.update(questions=d["questions"][:5]), "at least 6 items"),
        (lambda d: d["questions"][0].update(text="x" * 257), "at most 256"),
        (lambda d: d["questions"][0].update(id="Who First"), "should match pattern"),
        (lambda d: d["questions"][0].update(ask_if=["silence=days"]), "names no earlier question"),
        (lambda d: d["questions"][2].update(ask_if=["last-message=never"]), "has no option"),
        (lambda d: d["facts"][0].update(when=["nothing=here"]), "names no earlier question"),
        (lambda d: d.update(near_tie=1.2), "less than 1"),
    ],
)
def test_model_rejects(edit, message: str) -> None:
    with pytest.raises(ValidationError, match=message.replace("[", r"\[").replace("]", r"\]")):
        Questionnaire.model_validate(_broken(edit))


# --- scoring -----------------------------------------------------------------------------


def test_no_answers_gives_the_priors_labelled_uncertain(q: Questionnaire) -> None:
    result = diagnose(q, {})
    assert result.uncertain and not result.near_tie
    assert [r.cause for r in result.ranking] == sorted(q.priors, key=lambda r: -q.priors[r])
    total = sum(q.priors.values())
    for ranked in result.ranking:
        assert ranked.score == pytest.approx(q.priors[ranked.cause] / total)
        assert ranked.because == ()


def test_only_dont_know_is_uncertain_with_no_evidence(q: Questionnaire) -> None:
    answers = {qu.id: (UNKNOWN,) for qu in q.questions}
    result = diagnose(q, answers)
    assert result.uncertain and result.informative == 0
    assert all(r.because == () for r in result.ranking)


def test_scores_are_the_normalised_product_of_prior_and_every_chosen_weight(
    q: Questionnaire,
) -> None:
    answers = {"their-news": ("work", "hobby"), "wellbeing": ("tired",)}
    expected = {}
    for cause, prior in q.priors.items():
        value = prior
        for qid, options in answers.items():
            for oid in options:
                value *= q.question(qid).option(oid).weights.get(cause, 1.0)
        expected[cause] = value
    total = math.fsum(expected.values())
    result = diagnose(q, answers)
    for ranked in result.ranking:
        assert ranked.score == pytest.approx(expected[ranked.cause] / total)
    assert result.top.cause == "busy"


def test_evidence_names_the_answers_that_lifted_a_reason_most_strongest_first(
    q: Questionnaire,
) -> None:
    answers = {
        "last-message": ("me-unanswered",),
        "read": ("unread",),
        "wellbeing": ("bereavement",),
    }
    top = diagnose(q, answers).top
    assert top.cause == "unwell"
    assert top.because[0] == ("wellbeing", "bereavement")
    assert ("last-message", "me-unanswered") not in top.because  # a nudge, not evidence
    assert evidence(q, top.because)[0] == (
        q.question("wellbeing").short,
        q.question("wellbeing").option("bereavement").label,
    )


def test_a_near_tie_is_flagged_and_leads_with_both(q: Questionnaire) -> None:
    tied = diagnose(q, {"wellbeing": ("tired",), "their-sns": ("posting",)})
    assert tied.near_tie
    assert leading(tied) == (tied.ranking[0].cause, tied.ranking[1].cause)
    clear = diagnose(q, {"others": ("partner-sure",)})
    assert not clear.near_tie and leading(clear) == ("someone-else",)


def test_ties_follow_the_order_of_the_priors(q: Questionnaire) -> None:
    data = raw()
    data["priors"] = dict.fromkeys(REASONS, 1.0)
    even = Questionnaire.model_validate(data)
    assert [r.cause for r in diagnose(even, {}).ranking] == list(REASONS)


# --- questions that apply, several answers ------------------------------------------------


def test_read_receipts_are_asked_only_about_an_unanswered_message_of_the_user(
    q: Questionnaire,
) -> None:
    read = q.question("read")
    assert read.applies({"last-message": ("me-unanswered",)})
    assert read.applies({"last-message": (UNKNOWN,)})
    assert not read.applies({"last-message": ("them-unanswered",)})
    assert q.next_question({"last-message": ("fading",)}).id == "silence"
    asked = q.asked({"last-message": ("paused",)})
    assert "read" not in [qu.id for qu in asked]


def test_no_hint_question_when_the_user_always_wrote_first(q: Questionnaire) -> None:
    assert not q.question("hint").applies({"who-wrote-first": ("me",)})
    assert q.question("hint").applies({"who-wrote-first": ("them",)})


def test_answers_to_questions_that_do_not_apply_are_dropped(q: Questionnaire) -> None:
    answers = {"last-message": ("them-unanswered",), "read": ("unread",)}
    assert clean_answers(q, answers) == {"last-message": ("them-unanswered",)}
    assert diagnose(q, answers) == diagnose(q, {"last-message": ("them-unanswered",)})


def test_several_answers_only_where_the_question_takes_them(q: Questionnaire) -> None:
    assert q.question("their-news").normalise(("hobby", "work")) == ("work", "hobby")
    assert q.question("their-news").normalise(("work", UNKNOWN)) == ("work",)
    with pytest.raises(AnswerError, match="takes one answer"):
        q.question("silence").normalise(("days", "month"))
    with pytest.raises(AnswerError, match="at least one"):
        q.question("their-news").normalise(())


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"nope": ("x",)}, "no question 'nope'"),
        ({"silence": ("forever",)}, "has no option 'forever'"),
    ],
)
def test_unknown_ids_raise_a_value_error(q: Questionnaire, answers: dict, message: str) -> None:
    with pytest.raises(AnswerError, match=message):
        diagnose(q, answers)


def test_next_question_and_back_follow_the_questions_that_apply(q: Questionnaire) -> None:
    assert q.next_question({}).id == "last-message"
    answers = {"last-message": ("them-unanswered",)}
    assert q.next_question(answers).id == "silence"
    answers = {**answers, "silence": ("days",)}
    assert q.next_question(answers).id == "before"  # read receipts skipped
    assert q.back(answers) == {"last-message": ("them-unanswered",)}
    assert q.back({}) == {}
    everything = {qu.id: (UNKNOWN,) for qu in q.questions}
    assert q.next_question(everything) is None


@pytest.mark.parametrize("locale", ["ja", "en"])
@pytest.mark.parametrize("hard", ["bereavement", "ill", "family"])
def test_a_loss_or_an_illness_stays_first_beside_nights_out(locale: str, hard: str) -> None:
    """Time with friends after a loss is natural; posts do not outweigh what happened."""
    q = load_content()[locale].diagnose
    answers = {"wellbeing": (hard,), "their-sns": ("going-out",)}
    assert diagnose(q, answers).top.cause == "unwell"


@pytest.mark.parametrize("locale", ["ja", "en"])
def test_online_elsewhere_but_not_writing_weighs_against_too_busy_or_too_unwell(
    locale: str,
) -> None:
    q = load_content()[locale].diagnose
    base = {"last-message": ("me-unanswered",), "their-news": ("work",)}
    before = {r.cause: r.score for r in diagnose(q, base).ranking}
    after = {r.cause: r.score for r in diagnose(q, {**base, "their-sns": ("online",)}).ranking}
    assert after["busy"] < before["busy"] and after["unwell"] < before["unwell"]
    assert after["cooled"] > before["cooled"]


@pytest.mark.parametrize("locale", ["ja", "en"])
def test_cooler_in_person_points_to_cooled_not_to_friendly_reasons(locale: str) -> None:
    q = load_content()[locale].diagnose
    base = {"last-message": ("paused",)}
    before = {r.cause: r.score for r in diagnose(q, base).ranking}
    after = {r.cause: r.score for r in diagnose(q, {**base, "us": ("cooler-in-person",)}).ranking}
    assert after["cooled"] > before["cooled"] and after["waiting"] < before["waiting"]


@pytest.mark.parametrize("locale", ["ja", "en"])
def test_back_on_a_dating_app_points_to_someone_else_or_cooled(locale: str) -> None:
    """Answerers of blind-31..33 had no place for a dating profile active again."""
    q = load_content()[locale].diagnose
    base = {"last-message": ("me-unanswered",), "their-news": ("work",)}
    before = {r.cause: r.score for r in diagnose(q, base).ranking}
    after = {r.cause: r.score for r in diagnose(q, {**base, "their-sns": ("dating-app",)}).ranking}
    assert after["someone-else"] > before["someone-else"] and after["cooled"] > before["cooled"]
    assert after["busy"] < before["busy"]


@pytest.mark.parametrize("locale", ["ja", "en"])
def test_a_hint_passed_on_by_a_friend_points_to_waiting(locale: str) -> None:
    """A "text me sometimes" heard through a friend: nearly as strong a sign as hearing it from
    them shortly before (blind-31..33's answerers had no option for it)."""
    q = load_content()[locale].diagnose
    base = {"last-message": ("paused",), "who-wrote-first": ("them",)}
    never = diagnose(q, {**base, "hint": ("never",)})
    friend = diagnose(q, {**base, "hint": ("via-friend",)})
    assert friend.top.cause == "waiting"
    scores = {r.cause: r.score for r in friend.ranking}
    assert scores["waiting"] > {r.cause: r.score for r in never.ranking}["waiting"]
