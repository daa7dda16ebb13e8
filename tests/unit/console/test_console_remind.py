"""`python -m bot.console remind …`: parse a "when?" and show the after-send check-in."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.console.__main__ import main
from bot.core.content import Content, load_content

ROOT = Path(__file__).resolve().parents[3]
NOW = "2026-03-10T03:00:00Z"  # Tuesday 12:00 in Tokyo


@pytest.fixture(scope="module")
def content() -> Content:
    return load_content()


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["remind", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_parse_prints_the_reading(capsys) -> None:
    code, out, _ = run(capsys, "parse", "明日の20時", "--now", NOW)
    assert code == 0
    assert "→ 3月11日(水) 20:00" in out
    assert "2026-03-11T11:00:00+00:00" in out and "day" in out


def test_parse_json(capsys) -> None:
    code, out, _ = run(capsys, "parse", "in 2 weeks", "--now", NOW, "--locale", "en", "--json")
    data = json.loads(out)
    assert code == 0 and data["ok"] is True
    assert data["due"] == "2026-03-24T03:00:00+00:00"
    assert data["local"] == "2026-03-24T12:00:00+09:00"
    assert data["how"] == "relative" and data["display"] == "Tue, Mar 24, 12:00 PM"


def test_parse_reads_the_other_locale_too(capsys) -> None:
    code, out, _ = run(capsys, "parse", "tomorrow 8pm", "--now", NOW, "--json")
    assert code == 0 and json.loads(out)["local"] == "2026-03-11T20:00:00+09:00"


def test_parse_in_another_zone(capsys) -> None:
    argv = ["parse", "9pm", "--now", NOW, "--tz", "America/New_York", "--json"]
    code, out, _ = run(capsys, *argv)  # it is Mon 23:00 in New York: 21:00 has passed
    assert code == 0 and json.loads(out)["local"] == "2026-03-10T21:00:00-04:00"


def test_a_range_is_refused_with_the_hint(capsys, content) -> None:
    code, out, _ = run(capsys, "parse", "1〜2週間後", "--now", NOW)
    assert code == 1
    assert content["ja"].text("remind.when.range") in out and "range" in out


def test_refusal_json(capsys, content) -> None:
    code, out, _ = run(capsys, "parse", "3/9", "--now", NOW, "--json", "--locale", "en")
    assert code == 1
    assert json.loads(out) == {
        "text": "3/9",
        "ok": False,
        "reason": "past",
        "hint_key": "remind.when.past",
        "hint": content["en"].text("remind.when.past"),
    }


def test_after_send(capsys, content) -> None:
    code, out, _ = run(capsys, "after-send", "--days", "7", "--now", NOW)
    assert code == 0
    assert out.strip() == content["ja"].text("remind.after_send.confirm", when="3月17日(火) 12:00")


def test_after_send_waits_out_quiet_hours(capsys) -> None:
    argv = ["after-send", "--days", "10", "--now", "2026-03-10T15:30:00Z", "--json"]
    code, out, _ = run(capsys, *argv)  # 00:30 in Tokyo: held until 08:00
    data = json.loads(out)
    assert code == 0 and data["days"] == 10
    assert data["due"] == "2026-03-20T15:30:00+00:00"
    assert data["delivered"] == "2026-03-20T23:00:00+00:00"


def test_after_send_out_of_range_is_a_kind_error(capsys, content) -> None:
    code, out, err = run(capsys, "after-send", "--days", "30", "--now", NOW, "--locale", "en")
    assert code == 2 and out == ""
    assert err.strip() == content["en"].text("remind.after_send.days_range", min=1, max=14)


def test_bad_now_and_zone_are_usage_errors(capsys) -> None:
    for argv in (
        ["parse", "明日", "--now", "yesterday"],
        ["parse", "明日", "--tz", "Mars/Olympus"],
    ):
        with pytest.raises(SystemExit) as caught:
            main(["remind", *argv])
        assert caught.value.code == 2
    capsys.readouterr()


def test_runs_as_a_module() -> None:
    argv = [
        sys.executable,
        "-m",
        "bot.console",
        "remind",
        "parse",
        "3時間後",
        "--now",
        NOW,
        "--json",
    ]
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["due"] == "2026-03-10T06:00:00+00:00"


def test_parse_moves_a_time_in_quiet_hours_as_the_bot_does(content, capsys):
    """One core, one behaviour: the console applies the default quiet hours like /remind at."""
    import json

    from bot.console.__main__ import main

    args = ["remind", "parse", "今日の23時30分", "--now", "2026-03-10T03:00:00", "--json"]
    assert main(args) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["due"] == "2026-03-10T14:30:00+00:00"
    assert data["arrives"] == "2026-03-10T23:00:00+00:00"  # 08:00 in Tokyo, after quiet hours
    assert main(["remind", "parse", "今日の23時30分", "--now", "2026-03-10T03:00:00"]) == 0
    assert "通知しない時間帯" in capsys.readouterr().out
    assert main([*args, "--no-quiet"]) == 0
    assert json.loads(capsys.readouterr().out)["arrives"] == "2026-03-10T14:30:00+00:00"
