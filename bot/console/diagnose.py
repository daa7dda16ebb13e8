"""`python -m bot.console diagnose`: the /diagnose questionnaire and its ranking in a terminal.

Without options it asks the questions one by one (numbers to answer, `b` back, `q` quit).
`--questions` prints the questionnaire; `--answer QID=OPTION …` ranks the reasons at once.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from typing import Any

from bot.core.article import reason, step_templates
from bot.core.content import Content, LocaleContent
from bot.core.diagnosis import AnswerError, Diagnosis, Questionnaire, answer_labels, diagnose

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
        answers = dict(args.answer)
        try:
            result = diagnose(loc.diagnose, answers)
        except AnswerError as exc:
            print(f"diagnose: {exc}", file=sys.stderr)
            return BAD_INPUT
        return _print_result(loc, answers, result, as_json=args.json)
    return _interactive(loc, as_json=args.json)


def _pair(text: str) -> tuple[str, str]:
    question_id, sep, option_id = text.partition("=")
    if not sep or not question_id.strip() or not option_id.strip():
        raise argparse.ArgumentTypeError(f"expected QID=OPTION, got {text!r}")
    return question_id.strip(), option_id.strip()


def questions_data(q: Questionnaire) -> list[dict[str, Any]]:
    """Return the questionnaire as plain data: ids, text, option ids and labels."""
    return [
        {
            "id": qu.id,
            "text": qu.text,
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
        print(f"{n}. {question['text']}  [{question['id']}]")
        for opt in question["options"]:
            print(f"   - {opt['id']}: {opt['label']}")
    return 0


def result_data(loc: LocaleContent, result: Diagnosis) -> dict[str, Any]:
    """Return the ranking, the uncertainty flag and the next steps for the top reason."""
    ranking = [
        {"cause": r.cause, "score": r.score, "strength": r.strength, "because": list(r.because)}
        for r in result.ranking
    ]
    return {
        "ranking": ranking,
        "uncertain": result.uncertain,
        "next_steps": _next_steps(loc, result),
    }


def _next_steps(loc: LocaleContent, result: Diagnosis) -> list[dict[str, Any]]:
    steps = reason(loc.article, result.top.cause).next_steps
    return [
        {
            "action": step.action,
            "note": step.note,
            "templates": [
                {"id": t.id, "kind": t.kind, "text": t.text}
                for t in step_templates(loc.article, step)
            ],
        }
        for step in steps
    ]


def _print_result(
    loc: LocaleContent, answers: Mapping[str, str], result: Diagnosis, *, as_json: bool
) -> int:
    data = result_data(loc, result)
    if as_json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    print(render_text(loc, answers, result, data["next_steps"]))
    return 0


def render_text(
    loc: LocaleContent,
    answers: Mapping[str, str],
    result: Diagnosis,
    next_steps: list[dict[str, Any]],
) -> str:
    """Return the result as the plain text the console prints."""
    lines = [f"== {loc.text('diagnose.result-title')} =="]
    if result.uncertain:
        lines.append(loc.text("diagnose.uncertain"))
    lines += _ranking_lines(loc, answers, result)
    lines += ["", f"== {loc.text('diagnose.next-steps')} =="]
    lines += _step_lines(loc, next_steps)
    lines += ["", loc.text("diagnose.ng-reminder"), loc.text("diagnose.honesty")]
    return "\n".join(lines)


def _ranking_lines(loc: LocaleContent, answers: Mapping[str, str], result: Diagnosis) -> list[str]:
    lines = []
    for n, ranked in enumerate(result.ranking, 1):
        title = reason(loc.article, ranked.cause).title
        strength = loc.text(f"diagnose.strength.{ranked.strength}")
        # strengths are words, as in Discord: the scores are not probabilities to show
        lines.append(loc.text("diagnose.console.ranked", n=n, title=title, strength=strength))
        lines.append(f"   {_because(loc, answers, ranked.because)}")
    return lines


def _step_lines(loc: LocaleContent, next_steps: list[dict[str, Any]]) -> list[str]:
    lines = []
    for step in next_steps:
        lines.append(f"- {step['note']}")
        lines += [
            f"    {loc.text('diagnose.console.template', text=t['text'])}"
            for t in step["templates"]
        ]
    return lines


def _because(loc: LocaleContent, answers: Mapping[str, str], because: tuple[str, ...]) -> str:
    if not because:
        return loc.text("diagnose.because-none")
    labels = answer_labels(loc.diagnose, answers, because)
    return loc.text("diagnose.because", answers=loc.text("diagnose.list-separator").join(labels))


def _interactive(loc: LocaleContent, *, as_json: bool) -> int:
    q = loc.diagnose
    print(loc.text("diagnose.intro"))
    answers: dict[str, str] = {}
    while (question := q.next_question(answers)) is not None:
        _show_question(loc, question.id)
        try:
            reply = input(f"{loc.text('diagnose.console.prompt')} > ").strip().lower()
        except EOFError:
            print(f"\n{loc.text('diagnose.cancelled', command=AGAIN)}")
            return 1
        if reply == "q":
            print(loc.text("diagnose.cancelled", command=AGAIN))
            return 0
        answers = _apply(loc, answers, question.id, reply)
    print()
    return _print_result(loc, answers, diagnose(q, answers), as_json=as_json)


def _show_question(loc: LocaleContent, question_id: str) -> None:
    q = loc.diagnose
    index = q.question_index(question_id)
    question = q.questions[index]
    print(
        f"\n[{loc.text('diagnose.progress', n=index + 1, total=len(q.questions))}] {question.text}"
    )
    for n, opt in enumerate(question.options, 1):
        print(f"  {n}. {opt.label}")


def _apply(
    loc: LocaleContent, answers: dict[str, str], question_id: str, reply: str
) -> dict[str, str]:
    """Return the answers after one reply: a number answers, `b` goes back, else ask again."""
    question = loc.diagnose.question(question_id)
    if reply == "b":
        if not answers:
            print(loc.text("diagnose.console.first-question"))
        return loc.diagnose.back(answers)
    if reply.isascii() and reply.isdigit() and 1 <= int(reply) <= len(question.options):
        return {**answers, question_id: question.options[int(reply) - 1].id}
    print(loc.text("diagnose.console.invalid", count=len(question.options)))
    return answers
