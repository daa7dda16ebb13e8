"""A diagnosis in progress as a short string for a Discord custom_id."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.core.diagnosis import UNKNOWN, CodeError, Questionnaire
from bot.core.diagnosis_code import (
    CODE_VERSION,
    FINGERPRINT_LEN,
    decode_answers,
    encode_answers,
    expired,
    stamp,
    unstamp,
)
from tests.unit.core.test_diagnosis import load, raw

Q = load("ja")
HEAD = len(CODE_VERSION) + FINGERPRINT_LEN


def test_code_is_short_and_round_trips_one_and_several_answers() -> None:
    answers = {
        "last-message": ("me-unanswered",),
        "read": ("unread",),
        "their-news": ("work", "exam", "said-away"),
        "wellbeing": (UNKNOWN,),
    }
    code = encode_answers(Q, answers)
    assert len(code) <= 30
    assert code[:1] == CODE_VERSION
    assert decode_answers(Q, code) == answers


def test_a_several_answer_question_of_twenty_five_options_takes_five_characters() -> None:
    data = raw("ja")
    wide = next(qu for qu in data["questions"] if qu.get("multi"))
    options = [o for o in wide["options"] if o["id"] != UNKNOWN]
    options += [{"id": f"x{i}", "label": "x"} for i in range(24 - len(options))]
    wide["options"] = [*options, {"id": UNKNOWN, "label": "わからない"}]
    q = Questionnaire.model_validate(data)
    assert len(next(qu for qu in q.questions if qu.id == wide["id"]).options) == 25
    chosen = (options[-1]["id"], options[0]["id"])  # the 24th option: bit 23, past four digits
    code = encode_answers(q, {wide["id"]: chosen})
    assert len(code) == len(encode_answers(q, {})) and decode_answers(q, code) == {
        wide["id"]: tuple(sorted(chosen, key=[o["id"] for o in options].index))
    }
    # the question's cell grows from three characters (8 options) to five
    assert len(encode_answers(q, {})) == len(encode_answers(Q, {})) + 5 - 3


def test_code_marks_unanswered_questions() -> None:
    code = encode_answers(Q, {})

    def width(n: int) -> int:
        return 3 if n <= 15 else 4 if n <= 20 else 5

    widths = sum(width(len(qu.options)) if qu.multi else 1 for qu in Q.questions)
    assert code[HEAD:] == "-" * widths
    assert decode_answers(Q, code) == {}


def test_a_question_of_up_to_twenty_five_options_round_trips_every_choice() -> None:
    """A multi-answer cell of more than 15 options takes four characters (bits 16 to 20), of
    more than 20 five (bits 21 to 25)."""
    wide = max((qu for qu in Q.questions if qu.multi), key=lambda qu: len(qu.options))
    chosen = tuple(o.id for o in wide.options if o.id != UNKNOWN)
    code = encode_answers(Q, {wide.id: chosen})
    assert decode_answers(Q, code) == {wide.id: chosen}
    assert len(code) <= 30


def test_code_drops_answers_to_questions_that_do_not_apply() -> None:
    code = encode_answers(Q, {"last-message": ("fading",), "read": ("read",)})
    assert decode_answers(Q, code) == {"last-message": ("fading",)}


@pytest.mark.parametrize(
    "mangle",
    [
        lambda c: c[:-1],  # a cell short
        lambda c: c + "0",  # a cell too many
        lambda c: "9" + c[1:],  # another version
        lambda c: c[:HEAD] + "9" + c[HEAD + 1 :],  # no option 9 for the first question
        lambda c: c[:HEAD] + "+" + c[HEAD + 1 :],  # not a digit
        lambda c: c[:HEAD] + "z" + c[HEAD + 1 :],  # a letter where one answer is taken
    ],
)
def test_decode_rejects_bad_codes(mangle) -> None:
    code = encode_answers(Q, {"last-message": ("me-unanswered",)})
    with pytest.raises(CodeError):
        decode_answers(Q, mangle(code))


def test_multi_cells_reject_an_empty_or_too_wide_mask() -> None:
    at = HEAD + sum(3 if qu.multi else 1 for qu in Q.questions[: Q.question_index("their-news")])
    base = encode_answers(Q, {})
    for cell in ("000", "zzz"):
        with pytest.raises(CodeError):
            decode_answers(Q, base[:at] + cell + base[at + 3 :])


def test_code_from_a_reordered_questionnaire_is_refused() -> None:
    from bot.core.diagnosis import Questionnaire

    data = raw()
    data["questions"][3], data["questions"][4] = data["questions"][4], data["questions"][3]
    other = Questionnaire.model_validate(data)
    with pytest.raises(CodeError, match="another version"):
        decode_answers(other, encode_answers(Q, {}))


def test_session_stamp_round_trips_to_the_minute_and_expires_after_a_day() -> None:
    started = datetime(2026, 12, 3, 5, 7, 42, tzinfo=UTC)
    assert unstamp(stamp(started)) == started.replace(second=0)
    assert not expired(started, started + timedelta(hours=24))
    assert expired(started, started + timedelta(hours=24, minutes=1))
    with pytest.raises(CodeError):
        unstamp("not base 36!")
