"""The `/diagnose` advice core: the questionnaire model and its explainable scoring.

Each option of a question carries likelihood ratios, one per reason it speaks for or
against. `diagnose` adds their logs to the log priors (naive Bayes), normalises with a
softmax and says, for every reason, which answers pointed toward it. Answers travel in a
Discord custom_id as a short code (`encode_answers` / `decode_answers`).
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

from pydantic import Field, PositiveFloat, StringConstraints, model_validator

from bot.core.model import Ref, Strict

UNKNOWN = "unknown"
CODE_VERSION = "2"
FINGERPRINT_LEN = 2
UNANSWERED = "-"
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
_TIE_DIGITS = 12  # scores equal to this many places count as a tie

ReasonId = Annotated[str, Ref("reasons")]
Id = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,29}$")]
Strength = Literal["likely", "possible", "less-likely"]


class Option(Strict):
    """One answer to a question: a button label and the likelihood ratios it implies."""

    id: Id
    label: str = Field(min_length=1, max_length=80)
    weights: dict[ReasonId, PositiveFloat] = Field(default_factory=dict)

    def informative(self) -> bool:
        """Return whether choosing this option moves any reason's score."""
        return any(w != 1 for w in self.weights.values())


class Question(Strict):
    """One question: short text for an embed and 2–5 options, one of them `unknown`."""

    id: Id
    text: str = Field(min_length=1, max_length=256)
    options: list[Option] = Field(min_length=2, max_length=5)

    @model_validator(mode="after")
    def _has_unknown(self) -> Question:
        unknown = [o for o in self.options if o.id == UNKNOWN]
        if not unknown:
            raise ValueError(f"question {self.id!r} needs an option with id {UNKNOWN!r}")
        if unknown[0].weights:
            raise ValueError(f"the {UNKNOWN!r} option of {self.id!r} must carry no weights")
        return self

    def option(self, option_id: str) -> Option:
        """Return the option `option_id`, or raise `AnswerError`."""
        for opt in self.options:
            if opt.id == option_id:
                return opt
        raise AnswerError(f"question {self.id!r} has no option {option_id!r}")


class Thresholds(Strict):
    """Score cut-offs for the strength labels: `likely` ≥ likely, `possible` ≥ possible."""

    likely: float = Field(gt=0, lt=1)
    possible: float = Field(gt=0, lt=1)

    @model_validator(mode="after")
    def _ordered(self) -> Thresholds:
        if self.possible >= self.likely:
            raise ValueError("strength.possible must be below strength.likely")
        return self

    def label(self, score: float) -> Strength:
        """Return the strength label for `score`."""
        if score >= self.likely:
            return "likely"
        return "possible" if score >= self.possible else "less-likely"


class Questionnaire(Strict):
    """Section `diagnose`: priors per reason, the questions and the strength thresholds.

    The order of `priors` is the fixed order that breaks ties in the ranking.
    """

    priors: dict[ReasonId, PositiveFloat] = Field(min_length=2)
    strength: Thresholds
    min_informative: int = Field(ge=1)
    questions: list[Question] = Field(min_length=6, max_length=10)

    @model_validator(mode="after")
    def _reasons_line_up(self) -> Questionnaire:
        known = set(self.priors)
        for question in self.questions:
            for opt in question.options:
                stray = set(opt.weights) - known
                if stray:
                    raise ValueError(f"{question.id}.{opt.id}: no prior for {sorted(stray)}")
        return self

    def question_index(self, question_id: str) -> int:
        """Return the position of `question_id`, or raise `AnswerError`."""
        for i, question in enumerate(self.questions):
            if question.id == question_id:
                return i
        raise AnswerError(f"no question {question_id!r}")

    def question(self, question_id: str) -> Question:
        """Return the question `question_id`, or raise `AnswerError`."""
        return self.questions[self.question_index(question_id)]

    def next_question(self, answers: Mapping[str, str]) -> Question | None:
        """Return the first question not yet answered, or None when all are."""
        return next((q for q in self.questions if q.id not in answers), None)

    def back(self, answers: Mapping[str, str]) -> dict[str, str]:
        """Return `answers` without the last answered question (questionnaire order)."""
        answered = [q.id for q in self.questions if q.id in answers]
        return {k: v for k, v in answers.items() if not answered or k != answered[-1]}


class AnswerError(ValueError):
    """An answer names a question or option the questionnaire lacks."""


class CodeError(AnswerError):
    """An encoded answer string is malformed or was made for another questionnaire."""


@dataclass(frozen=True)
class Ranked:
    """One reason in the ranking: its score, label and the answers that pointed to it."""

    cause: str
    score: float
    strength: Strength
    because: tuple[str, ...]


@dataclass(frozen=True)
class Diagnosis:
    """All reasons, most likely first; `uncertain` when too few answers carried information."""

    ranking: tuple[Ranked, ...]
    uncertain: bool
    informative: int

    @property
    def top(self) -> Ranked:
        """Return the reason ranked first."""
        return self.ranking[0]


def check_answers(q: Questionnaire, answers: Mapping[str, str]) -> list[tuple[Question, Option]]:
    """Return (question, option) pairs in questionnaire order, or raise `AnswerError`."""
    for question_id, option_id in answers.items():
        q.question(question_id).option(option_id)
    return [(qu, qu.option(answers[qu.id])) for qu in q.questions if qu.id in answers]


def answer_labels(
    q: Questionnaire, answers: Mapping[str, str], question_ids: Iterable[str]
) -> list[str]:
    """Return the labels of the options chosen for `question_ids` (e.g. a reason's `because`)."""
    return [q.question(qid).option(answers[qid]).label for qid in question_ids]


def diagnose(q: Questionnaire, answers: Mapping[str, str]) -> Diagnosis:
    """Rank every reason by naive-Bayes posterior given `answers` (question id → option id)."""
    chosen = check_answers(q, answers)
    logits = {r: math.log(p) for r, p in q.priors.items()}
    for _question, opt in chosen:
        for reason, weight in opt.weights.items():
            logits[reason] += math.log(weight)
    scores = _softmax(logits)
    order = list(q.priors)
    ranked = sorted(order, key=lambda r: (-round(scores[r], _TIE_DIGITS), order.index(r)))
    informative = sum(opt.informative() for _question, opt in chosen)
    return Diagnosis(
        ranking=tuple(_ranked(q, r, scores[r], chosen) for r in ranked),
        uncertain=informative < q.min_informative,
        informative=informative,
    )


def _softmax(logits: Mapping[str, float]) -> dict[str, float]:
    top = max(logits.values())
    exps = {r: math.exp(v - top) for r, v in logits.items()}
    total = math.fsum(exps.values())
    return {r: e / total for r, e in exps.items()}


def _ranked(
    q: Questionnaire, reason: str, score: float, chosen: list[tuple[Question, Option]]
) -> Ranked:
    because = tuple(qu.id for qu, opt in chosen if opt.weights.get(reason, 1.0) > 1)
    return Ranked(cause=reason, score=score, strength=q.strength.label(score), because=because)


def fingerprint(q: Questionnaire) -> str:
    """Return two characters that change when question or option ids or their order change."""
    layout = ";".join(f"{qu.id}:{','.join(o.id for o in qu.options)}" for qu in q.questions)
    crc = zlib.crc32(layout.encode()) % len(_DIGITS) ** FINGERPRINT_LEN
    return _base36(crc).rjust(FINGERPRINT_LEN, "0")


def encode_answers(q: Questionnaire, answers: Mapping[str, str]) -> str:
    """Encode `answers` as version + fingerprint + one option index (or `-`) per question."""
    check_answers(q, answers)
    cells = (
        str([o.id for o in qu.options].index(answers[qu.id])) if qu.id in answers else UNANSWERED
        for qu in q.questions
    )
    return CODE_VERSION + fingerprint(q) + "".join(cells)


def decode_answers(q: Questionnaire, code: str) -> dict[str, str]:
    """Decode a string from `encode_answers`, or raise `CodeError`."""
    head = len(CODE_VERSION) + FINGERPRINT_LEN
    if code[:head] != CODE_VERSION + fingerprint(q):
        raise CodeError("answer code is from another version of the questionnaire")
    cells = code[head:]
    if len(cells) != len(q.questions):
        raise CodeError(f"answer code has {len(cells)} answers, expected {len(q.questions)}")
    answers = {}
    for qu, cell in zip(q.questions, cells, strict=True):
        if cell == UNANSWERED:
            continue
        if cell not in "01234" or int(cell) >= len(qu.options):
            raise CodeError(f"answer code has no option {cell!r} for question {qu.id!r}")
        answers[qu.id] = qu.options[int(cell)].id
    return answers


SESSION_TTL = timedelta(hours=24)


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
