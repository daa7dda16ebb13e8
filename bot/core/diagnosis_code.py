"""A diagnosis in progress as a short string, so that it can live in a Discord custom_id.

The code is a version digit, two characters that change with the questionnaire's layout,
and one cell per question: one character (the option's index) for a question with one
answer, three base-36 characters (a bit per option; four for a question of more than 15
options, five for more than 20) for a question with several, `-` for a question not (yet)
answered. Today's twelve questions take 27 characters; at most 3 + 12 × 5 = 63, well under a
custom_id's 100.
"""

from __future__ import annotations

import zlib
from datetime import UTC, datetime, timedelta

from bot.core.diagnosis import Answers, CodeError, Question, Questionnaire, clean_answers

CODE_VERSION = "4"
FINGERPRINT_LEN = 2
UNANSWERED = "-"
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
_MULTI_WIDTHS = ((15, 3), (20, 4), (25, 5))  # base-36 characters per multi-answer cell, by options
SESSION_TTL = timedelta(hours=24)


def fingerprint(q: Questionnaire) -> str:
    """Return two characters that change when question or option ids or their order change."""
    crc = zlib.crc32(q.layout.encode()) % len(_DIGITS) ** FINGERPRINT_LEN
    return _base36(crc).rjust(FINGERPRINT_LEN, "0")


def _width(question: Question) -> int:
    if not question.multi:
        return 1
    return next(w for most, w in _MULTI_WIDTHS if len(question.options) <= most)


def encode_answers(q: Questionnaire, answers: Answers) -> str:
    """Encode `answers` as version + fingerprint + one cell per question."""
    clean = clean_answers(q, answers)
    cells = []
    for qu in q.questions:
        ids = [o.id for o in qu.options]
        if qu.id not in clean:
            cells.append(UNANSWERED * _width(qu))
        elif qu.multi:
            mask = sum(1 << ids.index(o) for o in clean[qu.id])
            cells.append(_base36(mask).rjust(_width(qu), "0"))
        else:
            cells.append(str(ids.index(clean[qu.id][0])))
    return CODE_VERSION + fingerprint(q) + "".join(cells)


def decode_answers(q: Questionnaire, code: str) -> dict[str, tuple[str, ...]]:
    """Decode a string from `encode_answers`, or raise `CodeError`."""
    head = len(CODE_VERSION) + FINGERPRINT_LEN
    if code[:head] != CODE_VERSION + fingerprint(q):
        raise CodeError("answer code is from another version of the questionnaire")
    cells, at = code[head:], 0
    if len(cells) != sum(_width(qu) for qu in q.questions):
        raise CodeError(f"answer code has {len(cells)} characters, not one cell per question")
    answers: dict[str, tuple[str, ...]] = {}
    for qu in q.questions:
        cell, at = cells[at : at + _width(qu)], at + _width(qu)
        if cell != UNANSWERED * _width(qu):
            answers[qu.id] = _options(qu, cell)
    try:
        return clean_answers(q, answers)
    except CodeError:
        raise
    except ValueError as exc:
        raise CodeError(str(exc)) from None


def _options(qu: Question, cell: str) -> tuple[str, ...]:
    if not all(ch in _DIGITS for ch in cell):
        raise CodeError(f"answer code has no option {cell!r} for question {qu.id!r}")
    value = int(cell, 36)
    if not qu.multi:
        if value >= len(qu.options) or not cell.isdigit():
            raise CodeError(f"answer code has no option {cell!r} for question {qu.id!r}")
        return (qu.options[value].id,)
    if value == 0 or value >= 1 << len(qu.options):
        raise CodeError(f"answer code has no options {cell!r} for question {qu.id!r}")
    return tuple(o.id for i, o in enumerate(qu.options) if value >> i & 1)


def stamp(when: datetime) -> str:
    """Encode a start time compactly (base-36 minutes since the epoch) for a custom_id."""
    return _base36(int(when.timestamp()) // 60)


def unstamp(value: str) -> datetime:
    """Decode `stamp`'s output, or raise `CodeError`."""
    try:
        return datetime.fromtimestamp(int(value, 36) * 60, UTC)
    except (ValueError, OverflowError, OSError):
        raise CodeError(f"bad start stamp {value!r}") from None


def expired(started: datetime, now: datetime) -> bool:
    """Return True when a diagnosis started more than a day ago."""
    return now - started > SESSION_TTL


def _base36(number: int) -> str:
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = _DIGITS[rest] + out
        if number == 0:
            return out
