"""`python -m bot.console diagnose`: the questionnaire, a one-shot ranking, the interactive flow."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.console.__main__ import main
from bot.console.diagnose import AGAIN
from bot.core.article import reason
from bot.core.content import Content, load_content
from bot.core.diagnosis import UNKNOWN, advise, diagnose

ROOT = Path(__file__).resolve().parents[3]
EXAM = {"their-news": ("exam",), "their-sns": ("quiet",)}


@pytest.fixture(scope="module")
def content() -> Content:
    return load_content()


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["diagnose", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def answer_args(answers: dict[str, tuple[str, ...]]) -> list[str]:
    return [arg for qid, oids in answers.items() for arg in ("--answer", f"{qid}={','.join(oids)}")]


def firsts(q) -> dict[str, tuple[str, ...]]:
    """Every question that comes up answered with its first option."""
    answers: dict[str, tuple[str, ...]] = {}
    while (question := q.next_question(answers)) is not None:
        answers[question.id] = (question.options[0].id,)
    return answers


def feed(monkeypatch: pytest.MonkeyPatch, *lines: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("".join(f"{line}\n" for line in lines)))


def last_json(out: str) -> dict:
    return json.loads(out[out.rindex("\n{") + 1 :])


@pytest.mark.parametrize("locale", ["ja", "en"])
def test_questions_json_lists_ids_text_and_options(capsys, content, locale: str) -> None:
    code, out, _ = run(capsys, "--questions", "--json", "--locale", locale)
    q = content[locale].diagnose
    data = json.loads(out)["questions"]
    assert code == 0
    assert [d["id"] for d in data] == [qu.id for qu in q.questions]
    assert [d["text"] for d in data] == [qu.text for qu in q.questions]
    for d, qu in zip(data, q.questions, strict=True):
        assert d["options"] == [{"id": o.id, "label": o.label} for o in qu.options]
        assert d["multi"] == qu.multi
        assert d.get("ask_if", []) == qu.ask_if and d.get("skip_if", []) == qu.skip_if


def test_questions_text_names_every_option_id(capsys, content) -> None:
    code, out, _ = run(capsys, "--questions", "--locale", "en")
    assert code == 0
    for question in content["en"].diagnose.questions:
        assert f"[{question.id}]" in out
        assert all(f"- {o.id}: {o.label}" in out for o in question.options)


def test_answers_json_gives_the_ranking_in_words_and_the_chosen_next_steps(capsys, content):
    code, out, _ = run(capsys, *answer_args(EXAM), "--json")
    data = json.loads(out)
    loc = content["ja"]
    expected = diagnose(loc.diagnose, EXAM)
    assert code == 0
    assert [r["cause"] for r in data["ranking"]] == [r.cause for r in expected.ranking]
    assert data["ranking"][0] == {
        "cause": "busy",
        "strength": expected.top.strength,
        "because": [{"question": "their-news", "answer": "exam"}],  # quiet posts: unwell
    }
    assert all("score" not in r for r in data["ranking"]), "no numbers that read as percentages"
    assert data["uncertain"] is False and data["near_tie"] is expected.near_tie
    steps = advise(loc.diagnose, EXAM, expected)
    assert [s["id"] for s in data["next_steps"]] == [s.advice.id for s in steps]
    assert data["next_steps"][0]["examples"][0]["id"] == "care-exam"


def test_several_answers_by_comma_or_by_repeating(capsys) -> None:
    one = run(capsys, "--answer", "their-news=work,hobby", "--json")[1]
    two = run(capsys, "--answer", "their-news=work", "--answer", "their-news=hobby", "--json")[1]
    assert one == two
    code, _, err = run(capsys, "--answer", "silence=days,month", "--json")
    assert code == 2 and "takes one answer" in err


def test_an_answer_to_a_question_that_does_not_apply_is_ignored_with_a_line(capsys) -> None:
    code, out, err = run(
        capsys, "--answer", "last-message=them-unanswered", "--answer", "read=unread", "--json"
    )
    assert code == 0 and "'read' does not apply" in err
    assert json.loads(out) == json.loads(
        run(capsys, "--answer", "last-message=them-unanswered", "--json")[1]
    )


def test_all_dont_know_is_labelled_uncertain(capsys, content) -> None:
    answers = {qu.id: (UNKNOWN,) for qu in content["en"].diagnose.questions}
    code, out, _ = run(capsys, *answer_args(answers), "--json", "--locale", "en")
    data = json.loads(out)
    assert code == 0
    assert data["uncertain"] is True
    assert all(r["because"] == [] for r in data["ranking"])


def test_answers_text_explains_the_ranking(capsys, content) -> None:
    loc = content["en"]
    code, out, _ = run(capsys, *answer_args(EXAM), "--locale", "en")
    exam_label = loc.diagnose.question("their-news").option("exam").label
    assert code == 0
    assert loc.text("diagnose.result-title") in out
    assert f"1. {reason(loc.article, 'busy').title} — {loc.text('diagnose.strength.likely')}" in out
    assert exam_label in out
    assert loc.diagnose.question("their-news").short in out, "evidence says question → answer"
    assert loc.text("diagnose.honesty") in out
    assert loc.text("diagnose.ng-reminder") in out
    assert loc.text("diagnose.uncertain") not in out


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["--answer", "who-started=them"], "no question 'who-started'"),
        (["--answer", "silence=forever"], "question 'silence' has no option 'forever'"),
    ],
)
def test_bad_answer_exits_2_with_one_line(capsys, argv: list[str], needle: str) -> None:
    code, out, err = run(capsys, *argv, "--json")
    assert code == 2
    assert out == ""
    assert needle in err
    assert err.count("\n") == 1


def test_malformed_answer_is_an_argument_error(capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["diagnose", "--answer", "silence"])
    assert exc.value.code == 2
    assert "expected QID=OPTION" in capsys.readouterr().err


def test_interactive_answers_every_question(capsys, monkeypatch, content) -> None:
    loc = content["en"]
    q = loc.diagnose
    feed(monkeypatch, *["1"] * len(q.questions))
    code, out, _ = run(capsys, "--locale", "en", "--json")
    expected = diagnose(q, firsts(q))
    assert code == 0
    total = len(q.questions)
    assert f"[{loc.text('diagnose.progress', n=1, total=total)}] {q.questions[0].text}" in out
    assert last_json(out)["ranking"][0]["cause"] == expected.top.cause


def test_interactive_back_and_bad_input(capsys, monkeypatch, content) -> None:
    loc = content["ja"]
    q = loc.diagnose
    rest = ["1"] * (len(q.questions) - 1)
    feed(monkeypatch, "b", "2", "b", "9", "x", "1,2", "3", *rest)
    code, out, _ = run(capsys, "--json")
    first = q.questions[0]
    answers = {first.id: (first.options[2].id,)}
    while (question := q.next_question(answers)) is not None:
        answers[question.id] = (question.options[0].id,)
    assert code == 0
    assert loc.text("diagnose.console.first-question") in out
    assert out.count(loc.text("diagnose.console.invalid", count=len(first.options))) == 3
    assert last_json(out) == json.loads(run_answers(capsys, answers))


def run_answers(capsys: pytest.CaptureFixture[str], answers: dict[str, tuple[str, ...]]) -> str:
    assert main(["diagnose", *answer_args(answers), "--json"]) == 0
    return capsys.readouterr().out


def test_interactive_quit_and_end_of_input(capsys, monkeypatch, content) -> None:
    loc = content["en"]
    feed(monkeypatch, "1", "q")
    code, out, _ = run(capsys, "--locale", "en")
    assert code == 0
    assert loc.text("diagnose.cancelled", command=AGAIN) in out
    assert loc.text("diagnose.result-title") not in out
    feed(monkeypatch, "1")
    code, out, _ = run(capsys, "--locale", "en")
    assert code == 1
    assert loc.text("diagnose.cancelled", command=AGAIN) in out


def test_module_runs_as_a_program() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bot.console", "diagnose", "--questions", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert len(json.loads(proc.stdout)["questions"]) >= 6


def test_the_console_shows_strengths_as_words_not_percentages(content, capsys):
    """Discord shows "likely / possible / less likely"; the console says the same, no "%"."""
    import re

    from bot.console.diagnose import render_text
    from bot.core.diagnosis import diagnose

    loc = content["ja"]
    answers = firsts(loc.diagnose)
    result = diagnose(loc.diagnose, answers)
    text = render_text(loc, answers, result, [])
    assert not re.search(r"\d+\s*%", text)
    assert loc.text(f"diagnose.strength.{result.ranking[0].strength}") in text
