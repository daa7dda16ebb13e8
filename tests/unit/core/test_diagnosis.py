"""The /diagnose questionnaire model, its content files and the scoring engine."""

from __future__ import annotations

import math
import tomllib
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.core.content import load_content
from bot.core.diagnosis import (
    CODE_VERSION,
    FINGERPRINT_LEN,
    UNKNOWN,
    AnswerError,
    CodeError,
    Questionnaire,
    answer_labels,
    decode_answers,
    diagnose,
    encode_answers,
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
        "questions": [(qu.id, [(o.id, o.weights) for o in qu.options]) for qu in q.questions],
    }


@pytest.fixture(scope="module")
def q() -> Questionnaire:
    return load("ja")


# --- content -----------------------------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
def test_content_shape(locale: str) -> None:
    q = load(locale)
    assert 6 <= len(q.questions) <= 10
    for question in q.questions:
        assert len(question.text) <= 256
        assert UNKNOWN in [o.id for o in question.options]
        assert 2 <= len(question.options) <= 5
        assert all(0 < len(o.label) <= 80 for o in question.options)


@pytest.mark.parametrize("locale", LOCALES)
def test_priors_name_the_six_reasons(locale: str) -> None:
    assert tuple(load(locale).priors) == REASONS


def test_locales_share_every_number() -> None:
    assert numbers(load("en")) == numbers(load("ja"))


def test_every_reason_can_come_first(q: Questionnaire) -> None:
    pointed = {r for qu in q.questions for o in qu.options for r, w in o.weights.items() if w > 1}
    assert pointed == set(REASONS)


def test_loader_accepts_the_section_and_its_messages() -> None:
    content = load_content()
    for locale in LOCALES:
        loc = content[locale]
        assert numbers(loc.diagnose) == numbers(load("ja"))
        assert [r.id for r in loc.article.reasons] == list(loc.diagnose.priors)
        assert loc.text("diagnose.progress", n=2, total=9) == "2/9"


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
                [{"id": f"x{i}", "label": "x"} for i in range(2)]
            ),
            "at most 5 items",
        ),
        (lambda d: d["questions"][0]["options"][0].update(label="  "), "at least 1 character"),
        (lambda d: d["questions"][0]["options"][0].update(label="x" * 81), "at most 80"),
        (
            lambda d: d["questions"][0]["options"][0].update(weights={"busy": 0}),
            "greater than 0",
        ),
        (
            lambda d: d["questions"][0]["options"][0].update(weights={"busy": -1.5}),
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
    ],
)
def test_model_rejects(edit, message: str) -> None:
    with pytest.raises(ValidationError, match=message.replace("[", r"\[").replace("]", r"\]")):
        Questionnaire.model_validate(_broken(edit))


# --- engine ------------------------------------------------------------------------------


def test_no_answers_gives_the_priors_labelled_uncertain(q: Questionnaire) -> None:
    result = diagnose(q, {})
    total = math.fsum(q.priors.values())
    assert result.uncertain
    assert {r.cause: round(r.score, 12) for r in result.ranking} == {
        k: round(v / total, 12) for k, v in q.priors.items()
    }
    assert all(r.because == () for r in result.ranking)


def test_ties_follow_the_order_of_the_priors(q: Questionnaire) -> None:
    flat = q.model_copy(update={"priors": dict.fromkeys(q.priors, 1.0)})
    assert [r.cause for r in diagnose(flat, {}).ranking] == list(q.priors)


def test_scores_are_the_normalised_product_of_prior_and_weights(q: Questionnaire) -> None:
    answers = {"life-news": "work-exams", "social-media": "quiet"}
    raw_scores = dict(q.priors)
    for qid, oid in answers.items():
        for reason, weight in q.question(qid).option(oid).weights.items():
            raw_scores[reason] *= weight
    total = sum(raw_scores.values())
    result = diagnose(q, answers)
    for ranked in result.ranking:
        assert ranked.score == pytest.approx(raw_scores[ranked.cause] / total, abs=1e-12)
    assert [r.score for r in result.ranking] == sorted(
        (r.score for r in result.ranking), reverse=True
    )


def test_because_lists_questions_that_pointed_to_the_reason_in_order(q: Questionnaire) -> None:
    answers = {"social-media": "quiet", "health-mood": "sick", "life-news": "work-exams"}
    by_cause = {r.cause: r for r in diagnose(q, answers).ranking}
    assert by_cause["busy"].because == ("life-news", "health-mood", "social-media")
    assert by_cause["unwell"].because == ("health-mood", "social-media")
    assert by_cause["someone-else"].because == ()


def test_strength_labels_follow_the_thresholds(q: Questionnaire) -> None:
    result = diagnose(q, {"life-news": "work-exams", "social-media": "quiet"})
    for ranked in result.ranking:
        assert ranked.strength == q.strength.label(ranked.score)
    assert result.top.strength == "likely"
    assert result.ranking[-1].strength == "less-likely"


def test_one_informative_answer_is_not_uncertain(q: Questionnaire) -> None:
    answers = {qu.id: UNKNOWN for qu in q.questions} | {"someone-new": "yes"}
    result = diagnose(q, answers)
    assert not result.uncertain
    assert result.informative == 1
    assert result.top.cause == "someone-else"


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"who-started": "them"}, "no question 'who-started'"),
        ({"silence": "forever"}, "question 'silence' has no option 'forever'"),
        ({"silence": ""}, "has no option ''"),
    ],
)
def test_unknown_ids_raise_a_value_error(q: Questionnaire, answers: dict, message: str) -> None:
    with pytest.raises(AnswerError, match=message):
        diagnose(q, answers)
    assert issubclass(AnswerError, ValueError)


def test_answer_labels_give_the_chosen_wording(q: Questionnaire) -> None:
    answers = {"silence": "month", "someone-new": "yes"}
    labels = answer_labels(q, answers, ["someone-new", "silence"])
    assert labels == [
        q.question("someone-new").option("yes").label,
        q.question("silence").option("month").label,
    ]


# --- navigation --------------------------------------------------------------------------


def test_question_index_and_next_question(q: Questionnaire) -> None:
    ids = [qu.id for qu in q.questions]
    assert [q.question_index(i) for i in ids] == list(range(len(ids)))
    assert q.next_question({}).id == ids[0]
    assert q.next_question({ids[0]: UNKNOWN, ids[2]: UNKNOWN}).id == ids[1]
    assert q.next_question(dict.fromkeys(ids, UNKNOWN)) is None
    with pytest.raises(AnswerError):
        q.question_index("nope")


def test_back_forgets_the_last_answer_in_questionnaire_order(q: Questionnaire) -> None:
    ids = [qu.id for qu in q.questions]
    answers = {ids[2]: UNKNOWN, ids[0]: UNKNOWN}
    assert q.back(answers) == {ids[0]: UNKNOWN}
    assert q.back({ids[0]: UNKNOWN}) == {}
    assert q.back({}) == {}


# --- answer codes ------------------------------------------------------------------------


def test_code_is_short_and_round_trips(q: Questionnaire) -> None:
    answers = {qu.id: qu.options[-1].id for qu in q.questions}
    code = encode_answers(q, answers)
    assert len("tayori:dg:" + code) <= 100
    assert code.isascii() and ":" not in code
    assert decode_answers(q, code) == answers
    assert decode_answers(q, encode_answers(q, {})) == {}


HEAD = len(CODE_VERSION) + FINGERPRINT_LEN


def test_code_marks_unanswered_questions(q: Questionnaire) -> None:
    first = q.questions[0]
    code = encode_answers(q, {first.id: first.options[1].id})
    assert code[HEAD:] == "1" + "-" * (len(q.questions) - 1)


def test_code_refuses_unknown_answers(q: Questionnaire) -> None:
    with pytest.raises(AnswerError):
        encode_answers(q, {"silence": "forever"})


@pytest.mark.parametrize(
    "mangle",
    [
        lambda c: "",
        lambda c: "9" + c[1:],
        lambda c: c[0] + ("a" if c[1] != "a" else "b") + c[2:],
        lambda c: c[:2] + ("a" if c[2] != "a" else "b") + c[3:],
        lambda c: c[:-1],
        lambda c: c + "0",
        lambda c: c[:HEAD] + "9" + c[HEAD + 1 :],
        lambda c: c[:HEAD] + "x" + c[HEAD + 1 :],
        lambda c: c[:HEAD] + "٣" + c[HEAD + 1 :],
    ],
)
def test_decode_rejects_bad_codes(q: Questionnaire, mangle) -> None:
    code = encode_answers(q, {})
    with pytest.raises(CodeError):
        decode_answers(q, mangle(code))


def test_code_from_a_reordered_questionnaire_is_refused(q: Questionnaire) -> None:
    reordered = q.model_copy(update={"questions": list(reversed(q.questions))})
    with pytest.raises(CodeError, match="another version"):
        decode_answers(reordered, encode_answers(q, {}))


def test_session_stamp_round_trips_to_the_minute_and_expires_after_a_day():
    from datetime import UTC, datetime, timedelta

    from bot.core.diagnosis import CodeError, expired, stamp, unstamp

    started = datetime(2026, 3, 10, 12, 34, 56, tzinfo=UTC)
    back = unstamp(stamp(started))
    assert back == started.replace(second=0)
    assert not expired(back, back + timedelta(hours=24))
    assert expired(back, back + timedelta(hours=24, minutes=1))
    with pytest.raises(CodeError):
        unstamp("!!")
