"""`python -m bot.console diagnose`: the /diagnose questionnaire and its ranking in a terminal.

Without options it asks the questions one by one (numbers to answer, `b` back, `q` quit).
`--questions` prints the questionnaire; `--answer QID=OPTION …` ranks the reasons at once
(`QID=A,B` or the same QID twice for a question that takes several answers).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from bot.core.article import reason
from bot.core.content import Content, LocaleContent
from bot.core.diagnosis import (
    AnswerError,
    Diagnosis,
    Question,
    Questionnaire,
    advise,
    clean_answers,
    diagnose,
    evidence,
)

Answers = dict[str, tuple[str, ...]]

BAD_INPUT = 2
AGAIN = "python -m bot.console diagnose"  # what the console says to run to start again


def add_parser(subparsers: Any) -> None:
    """Add the `diagnose` subcommand."""
    parser = subparsers.add_parser("diagnose", help="rank the six reasons from your answers")
    parser.add_argument("--questions", action="store_true", help="print the questionnaire")
    parser.add_argument(
        "--answer",
        action="append",
        type=_pair,
        default=[],
        metavar="QID=OPTION",
        help="answer a question without prompting (repeatable)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--locale", choices=("ja", "en"), default="ja")


def run(args: argparse.Namespace, content: Content) -> int:
    """Print the questionnaire, rank the given answers, or ask the questions interactively."""
    loc = content[args.locale]
    if args.questions:
        return _print_questions(loc.diagnose, as_json=args.json)
    if args.answer:
        given: Answers = {}
        for question_id, option_ids in args.answer:
            given[question_id] = (*given.get(question_id, ()), *option_ids)
        try:
            skipped = [qid for qid in given if qid not in clean_answers(loc.diagnose, given)]
            answers = clean_answers(loc.diagnose, given)
            result = diagnose(loc.diagnose, answers)
        except AnswerError as exc:
            print(f"diagnose: {exc}", file=sys.stderr)
            return BAD_INPUT
        for question_id in skipped:
            print(
                f"diagnose: {question_id!r} does not apply to these answers; ignored",
                file=sys.stderr,
            )
        return _print_result(loc, answers, result, as_json=args.json)
    return _interactive(loc, as_json=args.json)


def _pair(text: str) -> tuple[str, tuple[str, ...]]:
    question_id, sep, option_ids = text.partition("=")
    options = tuple(o.strip() for o in option_ids.split(",") if o.strip())
    if not sep or not question_id.strip() or not options:
        raise argparse.ArgumentTypeError(f"expected QID=OPTION, got {text!r}")
    return question_id.strip(), options


def questions_data(q: Questionnaire) -> list[dict[str, Any]]:
    """Return the questionnaire as plain data: ids, text, option ids and labels."""
    return [
        {
            "id": qu.id,
            "text": qu.text,
            "multi": qu.multi,
            **({"ask_if": qu.ask_if} if qu.ask_if else {}),
            **({"skip_if": qu.skip_if} if qu.skip_if else {}),
            "options": [{"id": o.id, "label": o.label} for o in qu.options],
        }
        for qu in q.questions
    ]


def _print_questions(q: Questionnaire, *, as_json: bool) -> int:
    data = questions_data(q)
    if as_json:
        print(json.dumps({"questions": data}, ensure_ascii=False, indent=2))
        return 0
    for n, question in enumerate(data, 1):
        several = "  (several answers)" if question["multi"] else ""
        print(f"{n}. {question['text']}  [{question['id']}]{several}")
        for cond in ("ask_if", "skip_if"):
            if question.get(cond):
                print(f"   {cond}: {', '.join(question[cond])}")
        for opt in question["options"]:
            print(f"   - {opt['id']}: {opt['label']}")
    return 0


def result_data(loc: LocaleContent, answers: Answers, result: Diagnosis) -> dict[str, Any]:
    """Return the ranking (strength words, no scores), the flags and the chosen next steps."""
    ranking = [
        {
            "cause": r.cause,
            "strength": r.strength,
            "because": [{"question": qid, "answer": oid} for qid, oid in r.because],
        }
        for r in result.ranking
    ]
    steps = advise(loc.diagnose, answers, result)
    return {
        "ranking": ranking,
        "uncertain": result.uncertain,
        "near_tie": result.near_tie,
        "next_steps": [
            {
                "id": s.advice.id,
                "note": s.note,
                "later": s.later,
                "examples": [{"id": e.id, "text": e.text} for e in s.examples],
            }
            for s in steps
        ],
    }


def _print_result(loc: LocaleContent, answers: Answers, result: Diagnosis, *, as_json: bool) -> int:
    data = result_data(loc, answers, result)
    if as_json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    print(render_text(loc, answers, result, data["next_steps"]))
    return 0


def render_text(
    loc: LocaleContent,
    answers: Answers,
    result: Diagnosis,
    next_steps: list[dict[str, Any]],
) -> str:
    """Return the result as the plain text the console prints."""
    lines = [f"== {loc.text('diagnose.result-title')} =="]
    if result.uncertain:
        lines.append(loc.text("diagnose.uncertain"))
    elif result.near_tie:
        first, second = (reason(loc.article, r.cause).title for r in result.ranking[:2])
        lines.append(loc.text("diagnose.near-tie", first=first, second=second))
    lines += _ranking_lines(loc, result)
    lines += ["", f"== {loc.text('diagnose.next-steps')} =="]
    lines += _step_lines(loc, next_steps)
    if sum(bool(s["examples"]) for s in next_steps if not s["later"]) > 1:
        lines.append(loc.text("diagnose.one-message"))
    lines += ["", loc.text("diagnose.ng-reminder"), loc.text("diagnose.honesty")]
    return "\n".join(lines)


def _ranking_lines(loc: LocaleContent, result: Diagnosis) -> list[str]:
    lines = []
    for n, ranked in enumerate(result.ranking, 1):
        title = reason(loc.article, ranked.cause).title
        strength = loc.text(f"diagnose.strength.{ranked.strength}")
        # strengths are words, as in Discord: the scores are not probabilities to show
        lines.append(loc.text("diagnose.console.ranked", n=n, title=title, strength=strength))
        if ranked.because:
            shown = loc.text("diagnose.list-separator").join(
                loc.text("diagnose.evidence-item", question=question, answer=answer)
                for question, answer in evidence(loc.diagnose, ranked.because)
            )
            lines.append(f"   {loc.text('diagnose.evidence', items=shown)}")
    return lines


def _step_lines(loc: LocaleContent, next_steps: list[dict[str, Any]]) -> list[str]:
    lines = []
    for step in next_steps:
        lines.append(f"- {step['note']}")
        lines += [
            f"    {loc.text('diagnose.console.template', text=e['text'])}" for e in step["examples"]
        ]
    return lines


def _interactive(loc: LocaleContent, *, as_json: bool) -> int:
    q = loc.diagnose
    print(loc.text("diagnose.intro"))
    answers: Answers = {}
    while (question := q.next_question(answers)) is not None:
        _show_question(loc, answers, question)
        try:
            reply = input(f"{loc.text('diagnose.console.prompt')} > ").strip().lower()
        except EOFError:
            print(f"\n{loc.text('diagnose.cancelled', command=AGAIN)}")
            return 1
        if reply == "q":
            print(loc.text("diagnose.cancelled", command=AGAIN))
            return 0
        answers = _apply(loc, answers, question, reply)
    print()
    return _print_result(loc, answers, diagnose(q, answers), as_json=as_json)


def _show_question(loc: LocaleContent, answers: Answers, question: Question) -> None:
    asked = [qu.id for qu in loc.diagnose.asked(answers)]
    total = len(loc.diagnose.questions)
    progress = loc.text("diagnose.progress", n=asked.index(question.id) + 1, total=total)
    print(f"\n[{progress}] {question.text}")
    if question.multi:
        print(f"  ({loc.text('diagnose.multi-hint')}: 1,3)")
    for n, opt in enumerate(question.options, 1):
        print(f"  {n}. {opt.label}")


def _apply(loc: LocaleContent, answers: Answers, question: Question, reply: str) -> Answers:
    """Return the answers after one reply: numbers answer, `b` goes back, else ask again."""
    if reply == "b":
        if not answers:
            print(loc.text("diagnose.console.first-question"))
        return loc.diagnose.back(answers)
    parts = [p for p in reply.replace(",", " ").split() if p]
    count = len(question.options)
    numbers = [int(p) for p in parts if p.isascii() and p.isdigit() and 1 <= int(p) <= count]
    if parts and len(numbers) == len(parts) and (question.multi or len(numbers) == 1):
        chosen = question.normalise(tuple(question.options[n - 1].id for n in numbers))
        return {**answers, question.id: chosen}
    print(loc.text("diagnose.console.invalid", count=count))
    return answers
