"""`python -m bot.console check-draft`, driven through the console's own `main`."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import get_args

import pytest

from bot.console.__main__ import main
from bot.core.article import fitting_templates
from bot.core.content import _flatten
from bot.core.draft import Severity, Verdict

ROOT = Path(__file__).resolve().parents[3]
BLAME = "ねえ、どうして連絡くれないの？"


def run(capsys, *argv: str, stdin: str | None = None, monkeypatch=None) -> tuple[int, str, str]:
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(["check-draft", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_text_shows_verdict_score_and_the_flagged_span(content, capsys) -> None:
    code, out, err = run(capsys, BLAME)
    loc = content["ja"]
    assert (code, err) == (0, "")
    assert out.startswith(f"== {loc.text('check_draft.verdict.dont-send')} ==")
    assert loc.text("check_draft.score", score=30) in out
    flagged = loc.text("check_draft.quote", text="どうして連絡くれない")
    label = loc.text("check_draft.severity.error")
    assert f"[{label}] {loc.text('check_draft.flagged', quotes=flagged)}" in out
    assert loc.draft.rule("blame").message in out and loc.draft.rule("blame").suggestion in out
    assert out.rstrip().endswith(loc.text("check_draft.privacy"))


def templates_shown(loc, out: str) -> list[str]:
    """The template lines under the templates heading (up to the blank line)."""
    lines = out.splitlines()
    start = lines.index(loc.text("check_draft.templates")) + 1
    return lines[start : lines.index("", start)]


def test_text_lists_the_templates_that_fit_as_the_bot_does(content, capsys) -> None:
    loc = content["ja"]
    _, out, _ = run(capsys, BLAME)
    caring = [t for t in loc.article.templates if t.kind == "caring"]
    assert len(caring) > 2, "more templates fit than are shown"
    shown = fitting_templates(loc.article, ["caring"])
    assert [t.kind for t in shown] == ["caring", "caring"]
    assert templates_shown(loc, out) == [f"  - {t.text}" for t in shown]


def test_a_good_draft_says_so(content, capsys) -> None:
    loc = content["en"]
    code, out, _ = run(capsys, "--locale", "en", "How are you? Want to grab coffee sometime?")
    assert code == 0
    assert out.startswith(f"== {loc.text('check_draft.verdict.send')} ==")
    assert loc.text("check_draft.score", score=100) in out
    shown = fitting_templates(loc.article, [])
    assert [t.kind for t in shown] == ["caring", "invite"], "one of each, as the bot shows"
    assert templates_shown(loc, out) == [f"  - {t.text}" for t in shown]


def test_json_report_spans_slice_the_text(capsys) -> None:
    text = "Why\u200b haven't you texted me? I'm so lonely"
    code, out, _ = run(capsys, "--json", "--locale", "en", text)
    data = json.loads(out)
    assert code == 0 and data["verdict"] == "dont-send"
    spans = {f["rule"]: text[f["start"] : f["end"]] for f in data["findings"]}
    assert spans["blame"] == "Why\u200b haven't you texted"
    assert spans["emotional"] == "I'm so lonely"


def test_dash_reads_the_draft_from_stdin(capsys, monkeypatch) -> None:
    code, out, _ = run(
        capsys, "--json", "-", stdin="寂しいよ\nどうして連絡くれないの？\n", monkeypatch=monkeypatch
    )
    rules = {f["rule"] for f in json.loads(out)["findings"]}
    assert code == 0 and {"blame", "emotional"} <= rules


def test_jsonl_gives_one_report_per_line(capsys, monkeypatch) -> None:
    lines = [
        {"text": "うん"},
        {"text": "want to grab coffee sometime?", "locale": "en"},
        {
            "text": "元気にしてる？",
            "last_sent_at": "2026-01-03T09:00:00+00:00",
            "now": "2026-01-05T09:00:00+00:00",
        },
    ]
    stdin = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
    code, out, _ = run(capsys, "--jsonl", stdin=stdin, monkeypatch=monkeypatch)
    reports = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(reports) == 3
    assert [r["verdict"] for r in reports] == ["revise", "send", "revise"]
    assert "repeat-send" in {f["rule"] for f in reports[2]["findings"]}


def test_jsonl_reports_bad_lines_and_carries_on(capsys, monkeypatch) -> None:
    lines = ["not json", '{"text": "  "}', '{"text": "x", "locale": "fr"}', '{"nope": 1}']
    stdin = "\n".join([*lines, '{"text": "冷めた？"}', ""])
    code, out, _ = run(capsys, "--jsonl", stdin=stdin, monkeypatch=monkeypatch)
    results = [json.loads(line) for line in out.splitlines()]
    assert code == 1
    assert [r.get("error") for r in results] == [
        "bad_json",
        "empty",
        "bad_locale",
        "bad_json",
        None,
    ]
    assert results[-1]["verdict"] == "dont-send"


@pytest.mark.parametrize("locale", ["ja", "en"])
def test_blank_draft_is_refused(content, capsys, locale: str) -> None:
    code, out, err = run(capsys, "--locale", locale, " \u200b ")
    assert (code, out) == (1, "")
    assert content[locale].text("check_draft.error.empty") in err


def test_over_long_draft_is_refused(content, capsys) -> None:
    limit = content["ja"].draft.input_limit
    code, _, err = run(capsys, "あ" * (limit + 1))
    assert code == 1 and content["ja"].text("check_draft.error.too_long", limit=limit) in err
    code, out, _ = run(capsys, "--json", "あ" * limit)
    assert code == 0 and "too-long" in out


def test_last_sent_fires_repeat_send(capsys) -> None:
    argv = ["--json", "--last-sent", "2026-01-04T09:00+09:00", "--now", "2026-01-06T09:00+09:00"]
    _, out, _ = run(capsys, *argv, "元気にしてる？")
    assert "repeat-send" in {f["rule"] for f in json.loads(out)["findings"]}


def test_times_without_an_offset_are_refused(capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["check-draft", "--last-sent", "2026-01-04T09:00", "元気？"])
    assert exc.value.code == 2


def test_missing_text_is_an_error(capsys) -> None:
    code, _, err = run(capsys)
    assert code == 2 and "TEXT" in err


def test_module_runs_as_a_program() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot.console", "check-draft", "--json", "--locale", "en", "ok"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["verdict"] == "revise"


# --- the wording the cog will show -------------------------------------------------------------


def messages(locale: str) -> dict[str, str]:
    with (ROOT / "content" / locale / "messages" / "check_draft.toml").open("rb") as fh:
        return dict(_flatten(tomllib.load(fh), "check_draft"))


def test_both_locales_have_the_same_message_keys() -> None:
    assert messages("ja").keys() == messages("en").keys()


@pytest.mark.parametrize("locale", ["ja", "en"])
def test_every_verdict_and_severity_has_wording(locale: str) -> None:
    keys = messages(locale)
    for verdict in get_args(Verdict):
        assert f"check_draft.verdict.{verdict}" in keys
        assert f"check_draft.verdict_note.{verdict}" in keys
    for severity in get_args(Severity):
        assert f"check_draft.severity.{severity}" in keys
    for key in ("flagged", "why", "try_instead", "templates", "privacy", "error.empty"):
        assert f"check_draft.{key}" in keys
    assert "{limit}" in keys["check_draft.error.too_long"]


@pytest.mark.parametrize("locale", ["ja", "en"])
def test_wording_fits_discords_limits(locale: str) -> None:
    keys = messages(locale)
    assert len(keys["check_draft.modal.title"]) <= 45
    assert len(keys["check_draft.modal.label"]) <= 45
    assert len(keys["check_draft.modal.placeholder"]) <= 100
    assert all(len(keys[f"check_draft.button.{b}"]) <= 80 for b in ("recheck", "sent"))


def test_english_wording_is_the_agreed_wording() -> None:
    keys = messages("en")
    assert keys["check_draft.button.recheck"] == "Edit and check again"
    assert keys["check_draft.button.sent"] == "I sent it — remind me in a week"
    assert keys["check_draft.privacy"] == "Your draft is not stored."
    assert keys["check_draft.templates"] == "Templates that fit"
