"""The `/diagnose` advice core: the questionnaire model and its explainable scoring.

Each option of a question carries likelihood ratios, one per reason it speaks for or
against. `diagnose` adds their logs to the log priors (naive Bayes), normalises with a
softmax and says, for every reason, which answers moved it most. A question may take several
answers at once (`multi`), and may be asked only when an earlier answer makes it apply
(`ask_if` / `skip_if`). What to advise once the reasons are ranked is `bot.core.advice`; how
answers travel in a Discord custom_id is `bot.core.diagnosis_code`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Annotated, Literal

from pydantic import Field, PositiveFloat, StringConstraints, model_validator

from bot.core.advice import Advice, Example, Fact, Step, facts_from, select
from bot.core.model import Ref, Strict

UNKNOWN = "unknown"
_TIE_DIGITS = 12  # scores equal to this many places count as a tie
EVIDENCE_SHOWN = 3  # answers named per reason, the strongest first
_EVIDENCE_MIN = 0.3  # an answer must lift a reason this much over the average (log) to count

ReasonId = Annotated[str, Ref("reasons")]
Id = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,29}$")]
AnswerRef = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]*=[a-z][a-z0-9-]*$")]
Strength = Literal["likely", "possible", "less-likely"]
Answers = Mapping[str, tuple[str, ...]]


class Option(Strict):
    """One answer to a question: a label and the likelihood ratios it implies."""

    id: Id
    label: str = Field(min_length=1, max_length=80)
    weights: dict[ReasonId, PositiveFloat] = Field(default_factory=dict)

    def informative(self) -> bool:
        """Return whether choosing this option moves any reason's score."""
        return any(w != 1 for w in self.weights.values())


class Question(Strict):
    """One question: its text, a short form for evidence lines and 2–25 options, one `unknown`.

    `multi` questions take several answers (a select menu); `unknown` then stands alone.
    `ask_if` (any of these earlier answers) and `skip_if` (none of them) say when it applies.
    """

    id: Id
    text: str = Field(min_length=1, max_length=256)
    short: str = Field(min_length=1, max_length=45)
    multi: bool = False
    ask_if: list[AnswerRef] = Field(default_factory=list)
    skip_if: list[AnswerRef] = Field(default_factory=list)
    # at most 25: a select menu holds 25, and so does a progress code's multi cell (diagnosis_code)
    options: list[Option] = Field(min_length=2, max_length=25)

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

    def applies(self, answers: Answers) -> bool:
        """Return whether this question is asked, given the answers to earlier questions."""
        if self.ask_if and not any(holds(ref, answers) for ref in self.ask_if):
            return False
        return not any(holds(ref, answers) for ref in self.skip_if)

    def normalise(self, option_ids: tuple[str, ...]) -> tuple[str, ...]:
        """Return the chosen ids in option order, `unknown` dropped beside real answers."""
        chosen = set(option_ids)
        for option_id in chosen:
            self.option(option_id)
        if not chosen:
            raise AnswerError(f"question {self.id!r} needs at least one answer")
        if len(chosen) > 1 and not self.multi:
            raise AnswerError(f"question {self.id!r} takes one answer")
        if len(chosen) > 1:
            chosen.discard(UNKNOWN)
        return tuple(o.id for o in self.options if o.id in chosen)


def holds(ref: str, answers: Answers) -> bool:
    """Return whether the answer `qid=option` was given."""
    question_id, _, option_id = ref.partition("=")
    return option_id in answers.get(question_id, ())


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
    """Section `diagnose`: priors, questions, strength thresholds and the advice book.

    The order of `priors` is the fixed order that breaks ties in the ranking. `near_tie` is
    the share of the first reason's score the second must reach to be called a near tie.
    """

    priors: dict[ReasonId, PositiveFloat] = Field(min_length=2)
    strength: Thresholds
    min_informative: int = Field(ge=1)
    near_tie: float = Field(gt=0, lt=1)
    questions: list[Question] = Field(min_length=6, max_length=12)
    facts: list[Fact] = Field(default_factory=list)
    advice: list[Advice] = Field(min_length=1)
    examples: list[Example] = Field(default_factory=list)

    @cached_property
    def layout(self) -> str:
        """Question and option ids in order, several-answer ones marked: what an answer code
        depends on (`diagnosis_code.fingerprint`), built once (every /diagnose screen asks)."""
        return ";".join(
            f"{qu.id}{'*' if qu.multi else ''}:{','.join(o.id for o in qu.options)}"
            for qu in self.questions
        )

    @model_validator(mode="after")
    def _reasons_line_up(self) -> Questionnaire:
        known = set(self.priors)
        for question in self.questions:
            for opt in question.options:
                stray = set(opt.weights) - known
                if stray:
                    raise ValueError(f"{question.id}.{opt.id}: no prior for {sorted(stray)}")
        return self

    @model_validator(mode="after")
    def _answer_refs_exist(self) -> Questionnaire:
        seen: list[Question] = []
        for question in self.questions:
            for ref in (*question.ask_if, *question.skip_if):
                _check_ref(seen, ref, f"question {question.id!r}")
            seen.append(question)
        for fact in self.facts:
            for ref in fact.when:
                _check_ref(self.questions, ref, f"fact {fact.id!r}")
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

    def next_question(self, answers: Answers) -> Question | None:
        """Return the first question that applies and is not yet answered, or None."""
        return next((q for q in self.questions if q.id not in answers and q.applies(answers)), None)

    def asked(self, answers: Answers) -> list[Question]:
        """Return the questions that apply given `answers` (later ones may still drop out)."""
        return [q for q in self.questions if q.applies(answers)]

    def back(self, answers: Answers) -> dict[str, tuple[str, ...]]:
        """Return `answers` without the last answered question (questionnaire order)."""
        answered = [q.id for q in self.questions if q.id in answers]
        return {k: v for k, v in answers.items() if not answered or k != answered[-1]}


def _check_ref(questions: list[Question], ref: str, where: str) -> None:
    question_id, _, option_id = ref.partition("=")
    found = [q for q in questions if q.id == question_id]
    if not found:
        raise ValueError(f"{where}: {ref!r} names no earlier question {question_id!r}")
    found[0].option(option_id)


class AnswerError(ValueError):
    """An answer names a question or option the questionnaire lacks."""


class CodeError(AnswerError):
    """An encoded answer string is malformed or was made for another questionnaire."""


@dataclass(frozen=True)
class Ranked:
    """One reason: its score, label and the answers that moved it most, as (question, option)."""

    cause: str
    score: float
    strength: Strength
    because: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Diagnosis:
    """All reasons, most likely first.

    `uncertain` when too few answers carried information; `near_tie` when the second reason
    scores nearly as high as the first, so the first is no verdict.
    """

    ranking: tuple[Ranked, ...]
    uncertain: bool
    informative: int
    near_tie: bool

    @property
    def top(self) -> Ranked:
        """Return the reason ranked first."""
        return self.ranking[0]


def check_answers(q: Questionnaire, answers: Answers) -> list[tuple[Question, tuple[Option, ...]]]:
    """Return (question, options) of the questions that apply, in order, or raise `AnswerError`."""
    for question_id, option_ids in answers.items():
        q.question(question_id).normalise(option_ids)
    return [
        (qu, tuple(qu.option(o) for o in qu.normalise(answers[qu.id])))
        for qu in q.questions
        if qu.id in answers and qu.applies(answers)
    ]


def clean_answers(q: Questionnaire, answers: Answers) -> dict[str, tuple[str, ...]]:
    """Return the answers to the questions that apply, normalised, or raise `AnswerError`."""
    return {qu.id: tuple(o.id for o in opts) for qu, opts in check_answers(q, answers)}


def diagnose(q: Questionnaire, answers: Answers) -> Diagnosis:
    """Rank every reason by naive-Bayes posterior given `answers` (question id → option ids)."""
    chosen = [(qu, opt) for qu, opts in check_answers(q, answers) for opt in opts]
    logits = {r: math.log(p) for r, p in q.priors.items()}
    for _question, opt in chosen:
        for reason, weight in opt.weights.items():
            logits[reason] += math.log(weight)
    scores = _softmax(logits)
    order = list(q.priors)
    ranked = sorted(order, key=lambda r: (-round(scores[r], _TIE_DIGITS), order.index(r)))
    informative = sum(opt.informative() for _question, opt in chosen)
    first, second = scores[ranked[0]], scores[ranked[1]]
    near_tie = informative >= q.min_informative and second >= q.near_tie * first
    ranking = [_ranked(q, r, scores[r], chosen) for r in ranked]
    if near_tie:  # "about equally likely": the two get the same word, never "likely" and "possible"
        ranking[1] = replace(ranking[1], strength=ranking[0].strength)
    return Diagnosis(
        ranking=tuple(ranking),
        uncertain=informative < q.min_informative,
        informative=informative,
        near_tie=near_tie,
    )


def _softmax(logits: Mapping[str, float]) -> dict[str, float]:
    top = max(logits.values())
    exps = {r: math.exp(v - top) for r, v in logits.items()}
    total = math.fsum(exps.values())
    return {r: e / total for r, e in exps.items()}


def _ranked(
    q: Questionnaire, reason: str, score: float, chosen: list[tuple[Question, Option]]
) -> Ranked:
    """Name the answers that favoured `reason` over the average reason most, strongest first."""
    pull = []
    for n, (qu, opt) in enumerate(chosen):
        logs = [math.log(opt.weights.get(r, 1.0)) for r in q.priors]
        lift = math.log(opt.weights.get(reason, 1.0)) - math.fsum(logs) / len(logs)
        if opt.weights.get(reason, 1.0) > 1 and lift >= _EVIDENCE_MIN:
            pull.append((-lift, n, (qu.id, opt.id)))
    because = tuple(ref for _lift, _n, ref in sorted(pull)[:EVIDENCE_SHOWN])
    return Ranked(cause=reason, score=score, strength=q.strength.label(score), because=because)


def evidence(q: Questionnaire, because: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
    """Return (question short text, option label) for each (question, option) in `because`."""
    return [(q.question(qid).short, q.question(qid).option(oid).label) for qid, oid in because]


def leading(result: Diagnosis) -> tuple[str, ...]:
    """Return the first reason, or the first two when they are a near tie."""
    if result.near_tie:
        return (result.ranking[0].cause, result.ranking[1].cause)
    return (result.top.cause,)


def advise(q: Questionnaire, answers: Answers, result: Diagnosis) -> list[Step]:
    """Return the next steps that fit the leading reasons and what the answers say happened."""
    facts = facts_from(q.facts, clean_answers(q, answers))
    return select(q.advice, q.examples, leading(result), facts)
