"""Properties of the /diagnose engine and answer codes that must hold for any answers."""

from __future__ import annotations

import itertools
import math
import random
import tomllib
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from bot.core.diagnosis import (
    CODE_VERSION,
    FINGERPRINT_LEN,
    CodeError,
    Questionnaire,
    decode_answers,
    diagnose,
    encode_answers,
)

CONTENT = Path(__file__).resolve().parents[3] / "content"


def load(locale: str) -> Questionnaire:
    with (CONTENT / locale / "diagnose.toml").open("rb") as fh:
        return Questionnaire.model_validate(tomllib.load(fh))


Q = load("ja")


@st.composite
def answer_sets(draw: st.DrawFn) -> dict[str, str]:
    """Any subset of the questions, each with any of its options."""
    questions = draw(st.lists(st.sampled_from(Q.questions), unique_by=lambda qu: qu.id))
    return {qu.id: draw(st.sampled_from(qu.options)).id for qu in questions}


@given(answer_sets())
def test_scores_are_normalised(answers: dict[str, str]) -> None:
    result = diagnose(Q, answers)
    scores = [r.score for r in result.ranking]
    assert abs(math.fsum(scores) - 1) <= 1e-9
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert all(a >= b - 1e-12 for a, b in itertools.pairwise(scores))  # near-ties
    assert sorted(r.cause for r in result.ranking) == sorted(Q.priors)


@given(answer_sets())
def test_because_only_names_answered_questions_in_order(answers: dict[str, str]) -> None:
    order = [qu.id for qu in Q.questions]
    for ranked in diagnose(Q, answers).ranking:
        assert set(ranked.because) <= set(answers)
        assert list(ranked.because) == sorted(ranked.because, key=order.index)


@given(answer_sets(), st.randoms(use_true_random=False))
def test_answer_order_does_not_matter(answers: dict[str, str], rnd: random.Random) -> None:
    items = list(answers.items())
    rnd.shuffle(items)
    assert diagnose(Q, dict(items)) == diagnose(Q, answers)


@given(answer_sets())
def test_codes_round_trip(answers: dict[str, str]) -> None:
    code = encode_answers(Q, answers)
    assert len("tayori:dg:" + code) <= 100
    assert decode_answers(Q, code) == answers


@given(st.text(max_size=20))
def test_decoding_any_string_gives_answers_or_a_code_error(text: str) -> None:
    try:
        answers = decode_answers(Q, text)
    except CodeError:
        return
    assert encode_answers(Q, answers) == text


@given(st.text(alphabet="0123456789-", min_size=len(Q.questions), max_size=len(Q.questions)))
def test_decoding_well_formed_cells_gives_answers_or_a_code_error(cells: str) -> None:
    code = encode_answers(Q, {})[: len(CODE_VERSION) + FINGERPRINT_LEN] + cells
    try:
        answers = decode_answers(Q, code)
    except CodeError:
        assert any(
            c != "-" and int(c) >= len(qu.options) for c, qu in zip(cells, Q.questions, strict=True)
        )
        return
    assert diagnose(Q, answers).ranking
    assert encode_answers(Q, answers) == code
