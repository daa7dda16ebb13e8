"""Situations drawn from the article's signs: each must rank the reason the article points to first.

Every scenario runs against the Japanese and the English questionnaire; they share ids and
numbers, so they must agree to the last digit.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from bot.core.diagnosis import UNKNOWN, Questionnaire, diagnose

CONTENT = Path(__file__).resolve().parents[3] / "content"
LOCALES = ("ja", "en")

# (what happened, answers, the reason that should come first)
SCENARIOS = [
    (
        "they mentioned a big exam coming up, and their social media went quiet as well",
        {"life-news": "work-exams", "social-media": "quiet"},
        "busy",
    ),
    (
        "a few days ago they threw themselves into a new hobby; they seemed in good health",
        {"life-news": "hobby", "silence": "days", "health-mood": "fine"},
        "busy",
    ),
    (
        "work got hectic, my last message sits unanswered for a week or two, nobody new around",
        {"life-news": "work-exams", "last-message": "me", "silence": "weeks", "someone-new": "no"},
        "busy",
    ),
    (
        "something hard happened to them, they seemed low, and they stopped posting too",
        {"health-mood": "down", "social-media": "quiet", "life-news": "no"},
        "unwell",
    ),
    (
        "they said they had caught a bad cold; it has been a week or two; no sign of anyone else",
        {"health-mood": "sick", "silence": "weeks", "someone-new": "no"},
        "unwell",
    ),
    (
        "months of chatting and never a date; they were in a hurry to have a partner; a month now",
        {"progress": "stalled", "temperament": "impatient", "silence": "month"},
        "cooled",
    ),
    (
        "they get bored quickly, we only ever messaged, I was the one writing first, no one new",
        {
            "temperament": "easily-bored",
            "progress": "stalled",
            "who-wrote-first": "me",
            "someone-new": "no",
        },
        "cooled",
    ),
    (
        "a careful type who always wrote first; it stopped just before anyone confessed",
        {"temperament": "cautious", "who-wrote-first": "them", "progress": "before-confession"},
        "testing",
    ),
    (
        "right before a confession they went silent a few days ago, yet keep posting as usual",
        {
            "progress": "before-confession",
            "silence": "days",
            "social-media": "active",
            "temperament": "cautious",
        },
        "testing",
    ),
    (
        "they always wrote first and once said I could write to them more often",
        {"who-wrote-first": "them", "last-message": "them-hint"},
        "waiting",
    ),
    (
        "it was always them starting; we had met; their message was the last one; laid-back",
        {
            "who-wrote-first": "them",
            "last-message": "them",
            "progress": "moving",
            "temperament": "easygoing",
        },
        "waiting",
    ),
    (
        "a new face keeps appearing in their posts; they are online but my message gets no reply",
        {"someone-new": "yes", "social-media": "active", "last-message": "me"},
        "someone-else",
    ),
    (
        "quick to move on, they seemed to be talking to others too, and a month has passed",
        {"someone-new": "maybe", "temperament": "easily-bored", "silence": "month"},
        "someone-else",
    ),
]


def load(locale: str) -> Questionnaire:
    with (CONTENT / locale / "diagnose.toml").open("rb") as fh:
        return Questionnaire.model_validate(tomllib.load(fh))


@pytest.fixture(scope="module", params=LOCALES)
def q(request: pytest.FixtureRequest) -> Questionnaire:
    return load(request.param)


@pytest.mark.parametrize(
    ("story", "answers", "expected"),
    SCENARIOS,
    ids=[f"{s[2]}-{i}" for i, s in enumerate(SCENARIOS)],
)
def test_scenario_ranks_the_expected_reason_first(
    q: Questionnaire, story: str, answers: dict[str, str], expected: str
) -> None:
    result = diagnose(q, answers)
    assert result.top.cause == expected, story
    assert not result.uncertain
    assert result.top.because, "the top reason must say which answers pointed to it"
    assert set(result.top.because) <= set(answers)


def test_every_reason_has_at_least_two_scenarios() -> None:
    expected = [s[2] for s in SCENARIOS]
    assert all(expected.count(r) >= 2 for r in load("ja").priors)


@pytest.mark.parametrize(("story", "answers", "expected"), SCENARIOS)
def test_locales_agree(story: str, answers: dict[str, str], expected: str) -> None:
    assert diagnose(load("ja"), answers) == diagnose(load("en"), answers)


def test_all_dont_know_gives_the_prior_ranking_labelled_uncertain(q: Questionnaire) -> None:
    result = diagnose(q, {qu.id: UNKNOWN for qu in q.questions})
    priors = sorted(q.priors, key=lambda r: -q.priors[r])
    assert result.uncertain
    assert [r.cause for r in result.ranking] == priors
    assert result.top.cause == "busy"
    assert all(r.because == () for r in result.ranking)


def test_unknown_answers_change_nothing(q: Questionnaire) -> None:
    answers = {"life-news": "work-exams", "social-media": "quiet"}
    padded = answers | {qu.id: UNKNOWN for qu in q.questions if qu.id not in answers}
    assert diagnose(q, padded).ranking == diagnose(q, answers).ranking
