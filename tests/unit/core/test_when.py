"""Reading "when?" for /remind: a table of Japanese and English phrases at a fixed moment."""

from __future__ import annotations

import logging
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.core.content import load_content
from bot.core.when import (
    MAX_AHEAD,
    Parsed,
    Plural,
    Refused,
    WhenWords,
    format_duration,
    format_local,
    normalize,
    parse_when,
    warm_up,
)

ROOT = Path(__file__).resolve().parents[3]
TOKYO = ZoneInfo("Asia/Tokyo")
NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)  # Tuesday 12:00 in Tokyo


def load_words(locale: str) -> WhenWords:
    with (ROOT / "content" / locale / "when.toml").open("rb") as fh:
        words = WhenWords.model_validate(tomllib.load(fh))
    for plural in (words.duration.days, words.duration.hours, words.duration.minutes):
        plural.for_locale(locale)  # as the content loader does
    return words


JA, EN = load_words("ja"), load_words("en")


def tokyo(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=TOKYO)


# (text, expected local time in Tokyo, how it is read). Now is Tue 2026-03-10 12:00 JST.
JAPANESE = [
    ("3時間後", tokyo(3, 10, 15), "relative"),
    ("30分後", tokyo(3, 10, 12, 30), "relative"),
    ("2日後", tokyo(3, 12, 12), "relative"),
    ("1週間後", tokyo(3, 17, 12), "relative"),
    ("一週間後", tokyo(3, 17, 12), "relative"),
    ("十日後", tokyo(3, 20, 12), "relative"),
    ("3か月後", tokyo(6, 10, 12), "relative"),
    ("あと3時間", tokyo(3, 10, 15), "relative"),
    ("1時間半後", tokyo(3, 10, 13, 30), "relative"),
    ("1時間30分後", tokyo(3, 10, 13, 30), "relative"),
    ("1時間、30分後", tokyo(3, 10, 13, 30), "relative"),
    ("2日後の20時", tokyo(3, 12, 20), "relative"),
    ("明日", tokyo(3, 11, 9), "day"),
    ("明日の20時", tokyo(3, 11, 20), "day"),
    ("明日の20時に", tokyo(3, 11, 20), "day"),
    ("明日の朝", tokyo(3, 11, 8), "day"),
    ("明日の夜", tokyo(3, 11, 21), "day"),
    ("明後日の朝9時", tokyo(3, 12, 9), "day"),
    ("今夜9時", tokyo(3, 10, 21), "day"),
    ("今日の18時", tokyo(3, 10, 18), "day"),
    ("来週の金曜", tokyo(3, 20, 9), "weekday"),
    ("再来週の水曜", tokyo(3, 25, 9), "weekday"),
    ("金曜の19時", tokyo(3, 13, 19), "weekday"),
    ("月曜", tokyo(3, 16, 9), "weekday"),
    ("火曜", tokyo(3, 17, 9), "weekday"),  # today is Tuesday: the next one
    ("12/24 19:00", tokyo(12, 24, 19), "date"),
    ("１２／２４　１９：００", tokyo(12, 24, 19), "date"),
    ("12月24日19時", tokyo(12, 24, 19), "date"),
    ("2026-12-24 19:00", tokyo(12, 24, 19), "date"),
    ("2026年4月1日", tokyo(4, 1, 9), "date"),
    ("12/24(木) 19:00", tokyo(12, 24, 19), "date"),
    ("24日", tokyo(3, 24, 9), "date"),
    ("5日", tokyo(4, 5, 9), "date"),  # the 5th has passed this month: next month's
    ("来月10日", tokyo(4, 10, 9), "date"),  # the 10th of April, not ten days after April 10
    ("来月1日の20時", tokyo(4, 1, 20), "date"),
    ("来月の15日", tokyo(4, 15, 9), "date"),
    ("再来月30日", tokyo(5, 30, 9), "date"),
    ("今月24日", tokyo(3, 24, 9), "date"),
    ("来月", tokyo(4, 10, 9), "month"),
    ("1/5", tokyo(1, 5, 9, year=2027), "date"),  # long past this year: next January
    ("20時", tokyo(3, 10, 20), "time"),
    ("２０時", tokyo(3, 10, 20), "time"),
    ("20時〜", tokyo(3, 10, 20), "time"),
    ("9時", tokyo(3, 11, 9), "time"),  # 09:00 has passed today: tomorrow's
    ("9時半", tokyo(3, 11, 9, 30), "time"),
    ("午後3時", tokyo(3, 10, 15), "time"),
    ("夜", tokyo(3, 10, 21), "time"),
    ("夜1時", tokyo(3, 11, 1), "time"),
    ("深夜0時", tokyo(3, 11, 0), "time"),
]

ENGLISH = [
    ("in 2 weeks", tokyo(3, 24, 12), "relative"),
    ("in 3 hours", tokyo(3, 10, 15), "relative"),
    ("In 30 Minutes", tokyo(3, 10, 12, 30), "relative"),
    ("2 days later", tokyo(3, 12, 12), "relative"),
    ("a week from now", tokyo(3, 17, 12), "relative"),
    ("in an hour and a half", tokyo(3, 10, 13, 30), "relative"),
    ("in 1 hour and 15 minutes", tokyo(3, 10, 13, 15), "relative"),
    ("in 1 month", tokyo(4, 10, 12), "relative"),
    ("next month", tokyo(4, 10, 9), "month"),
    ("in 2 days at 9am", tokyo(3, 12, 9), "relative"),
    ("tomorrow 8pm", tokyo(3, 11, 20), "day"),
    ("tomorrow at 9", tokyo(3, 11, 9), "day"),
    ("tomorrow morning", tokyo(3, 11, 9), "day"),
    ("tonight", tokyo(3, 10, 21), "day"),
    ("tonight 9pm", tokyo(3, 10, 21), "day"),
    ("the day after tomorrow at 7pm", tokyo(3, 12, 19), "day"),
    ("next friday", tokyo(3, 20, 9), "weekday"),
    ("friday 7pm", tokyo(3, 13, 19), "weekday"),
    ("on Monday at noon", tokyo(3, 16, 12), "weekday"),
    ("21:00", tokyo(3, 10, 21), "time"),
    ("9pm", tokyo(3, 10, 21), "time"),
    ("8:30am", tokyo(3, 11, 8, 30), "time"),
    ("12pm", tokyo(3, 11, 12), "time"),  # noon today is not after 12:00 now
    ("12am", tokyo(3, 11, 0), "time"),
    ("12/24", tokyo(12, 24, 9), "date"),
    ("24/12", tokyo(12, 24, 9), "date"),  # day first, since 24 cannot be a month
    ("dec 24", tokyo(12, 24, 9), "dateparser"),
    ("december 24 7pm", tokyo(12, 24, 19), "dateparser"),
]


@pytest.fixture(scope="module", autouse=True)
def warm() -> None:
    warm_up([JA, EN])


@pytest.mark.parametrize(("text", "local", "how"), JAPANESE, ids=[t for t, _, _ in JAPANESE])
def test_japanese(text: str, local: datetime, how: str) -> None:
    assert parse_when(text, NOW, TOKYO, JA) == Parsed(local.astimezone(UTC), local, how)


@pytest.mark.parametrize(("text", "local", "how"), ENGLISH, ids=[t for t, _, _ in ENGLISH])
def test_english(text: str, local: datetime, how: str) -> None:
    assert parse_when(text, NOW, TOKYO, EN) == Parsed(local.astimezone(UTC), local, how)


def test_the_table_is_large_enough() -> None:
    assert len(JAPANESE) + len(ENGLISH) >= 40


def test_the_other_locales_words_are_tried_next() -> None:
    assert isinstance(parse_when("in 3 hours", NOW, TOKYO, JA), Parsed)  # dateparser reads it
    assert parse_when("明日の20時", NOW, TOKYO, [EN, JA]).how == "day"
    assert parse_when("tonight 9pm", NOW, TOKYO, [JA, EN]).local == tokyo(3, 10, 21)


RANGES_JA = [
    "1〜2週間後",
    "1～2週間後",
    "3〜4日後",
    "2、3日後",
    "1週間か2週間",
    "1週間から2週間後",
    "数日後",
    "3時から4時",
    "明日、9時か10時",
    "明日〜明後日",
]
RANGES_EN = [
    "1-2 weeks",
    "in 1-2 weeks",
    "1 to 2 weeks",
    "a few days",
    "a week or two",
    "7-8pm",
    "19:00-20:00",
    "tomorrow 9 to 10pm",
]


@pytest.mark.parametrize(
    ("text", "own"), [(t, JA) for t in RANGES_JA] + [(t, EN) for t in RANGES_EN]
)
def test_ranges_are_refused_not_guessed(text: str, own: WhenWords) -> None:
    for words in (own, [JA, EN], [EN, JA]):
        assert parse_when(text, NOW, TOKYO, words) == Refused("range", "remind.when.range")
    other = EN if own is JA else JA
    assert not isinstance(parse_when(text, NOW, TOKYO, other), Parsed)  # never read as one end


@pytest.mark.parametrize(
    ("text", "words"),
    [("1時間、30分後", JA), ("2026-12-24 19:00", JA), ("12/24、19時", JA), ("12/24 19:00", EN)],
)
def test_things_that_look_like_ranges_are_read(text: str, words: WhenWords) -> None:
    assert isinstance(parse_when(text, NOW, TOKYO, words), Parsed)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("\u3000\u200b", "empty"),
        ("明日" + "あ" * 100, "too-long"),
        ("3/9", "past"),  # yesterday's date: a slip, not next year
        ("今週の月曜", "past"),
        ("今日の9時", "past"),
        ("3/10 9:00", "past"),
        ("2025-12-24", "past"),
        ("2027-06-01", "too-far"),
        ("2027-03-11", "too-far"),  # 365 days and 21 hours ahead
        ("400日後", "too-far"),
        ("in 13 months", "too-far"),
        ("99999999999999999999日後", "too-far"),
        ("hello", "unreadable"),
        ("5", "unreadable"),
        ("🍣🍣", "unreadable"),
        ("12/24(金)", "unreadable"),  # 2026-12-24 is a Thursday
        ("2/30", "unreadable"),
        ("25時", "unreadable"),
        ("明日の金曜", "unreadable"),
        ("今月5日", "past"),
        ("march 9", "past"),  # yesterday, read by dateparser: a slip, not next March
        ("来月31日", "unreadable"),  # April has 30 days
        ("来月12月1日", "unreadable"),
        ("来月の金曜", "unreadable"),
        ("来月3時間後", "unreadable"),  # a month word with an amount of time names no one day
        ("next month in 3 hours", "unreadable"),
        ("今月", "unreadable"),
        ("in 3 hours at 9", "unreadable"),
    ],
)
def test_refusals(text: str, reason: str) -> None:
    assert parse_when(text, NOW, TOKYO, [JA, EN]) == Refused(reason, f"remind.when.{reason}")


def test_a_recent_date_rolls_to_next_year_only_when_the_year_is_written() -> None:
    written = parse_when("march 9 2027", NOW, TOKYO, EN)
    assert isinstance(written, Parsed) and written.local.date().isoformat() == "2027-03-09"
    assert parse_when("march 9", NOW, TOKYO, EN).reason == "past"
    far_back = parse_when("january 5", NOW, TOKYO, EN)  # 64 days back: next January
    assert isinstance(far_back, Parsed) and far_back.local.date().isoformat() == "2027-01-05"


def test_a_year_ahead_is_the_limit() -> None:
    inside = parse_when("2027-03-10 09:00", NOW, TOKYO, JA)
    assert isinstance(inside, Parsed) and inside.due - NOW <= MAX_AHEAD
    assert parse_when("2027-03-10 13:00", NOW, TOKYO, JA).reason == "too-far"


def test_a_naive_now_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        parse_when("明日", NOW.replace(tzinfo=None), TOKYO, JA)


# New York: DST starts Sun 2026-03-08 02:00 and ends Sun 2026-11-01 02:00.
SAT_BEFORE_SPRING = datetime(2026, 3, 7, 17, 0, tzinfo=UTC)  # Sat 12:00 EST
SAT_BEFORE_FALL = datetime(2026, 10, 31, 16, 0, tzinfo=UTC)  # Sat 12:00 EDT


@pytest.mark.parametrize(
    ("now", "text", "due"),
    [
        (SAT_BEFORE_SPRING, "tomorrow 9am", datetime(2026, 3, 8, 13, 0, tzinfo=UTC)),  # EDT
        (SAT_BEFORE_SPRING, "in 2 days", datetime(2026, 3, 9, 16, 0, tzinfo=UTC)),  # 12:00 EDT
        (SAT_BEFORE_SPRING, "in 48 hours", datetime(2026, 3, 9, 17, 0, tzinfo=UTC)),  # exact
        (SAT_BEFORE_SPRING, "tomorrow 2:30am", datetime(2026, 3, 8, 7, 30, tzinfo=UTC)),  # gap
        (SAT_BEFORE_SPRING, "march 9 9am", datetime(2026, 3, 9, 13, 0, tzinfo=UTC)),
        (SAT_BEFORE_FALL, "tomorrow 9am", datetime(2026, 11, 1, 14, 0, tzinfo=UTC)),  # EST
        (SAT_BEFORE_FALL, "in 1 day", datetime(2026, 11, 1, 17, 0, tzinfo=UTC)),  # 25 h later
        # 01:40 EST, the second 01:40 of the night: 01:50 is ten minutes away, not past
        (
            datetime(2026, 11, 1, 6, 40, tzinfo=UTC),
            "1:50",
            datetime(2026, 11, 1, 6, 50, tzinfo=UTC),
        ),
        (
            datetime(2026, 11, 1, 5, 40, tzinfo=UTC),
            "1:50",
            datetime(2026, 11, 1, 5, 50, tzinfo=UTC),
        ),
        (
            datetime(2026, 11, 1, 6, 40, tzinfo=UTC),
            "1:30",
            datetime(2026, 11, 2, 6, 30, tzinfo=UTC),
        ),
    ],
)
def test_new_york_across_dst(now: datetime, text: str, due: datetime) -> None:
    result = parse_when(text, now, NEW_YORK, EN)
    assert isinstance(result, Parsed)
    assert result.due == due and result.local == due.astimezone(NEW_YORK)


def test_dateparser_errors_never_escape(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("dateparser broke")

    monkeypatch.setattr("bot.core.when.parse._dateparser_data", boom)
    with caplog.at_level(logging.DEBUG, logger="bot.core.when.parse"):
        refused = parse_when("dec 24", NOW, TOKYO, EN)
    assert refused == Refused("unreadable", "remind.when.unreadable")
    assert "RuntimeError" in caplog.text and "dec 24" not in caplog.text, "never what was typed"
    assert isinstance(parse_when("明日の20時", NOW, TOKYO, JA), Parsed)  # our own grammar


def test_normalize_folds_width_case_and_dashes() -> None:
    assert normalize("  １２／２４\u3000ＴＯＭＯＲＲＯＷ\t") == "12/24 tomorrow"
    assert normalize("1〜2週間") == normalize("1～2週間") == "1~2週間"
    assert normalize("7–8pm") == "7-8pm"


def test_every_hint_key_is_a_message() -> None:
    content = load_content()
    for locale in ("ja", "en"):
        for reason in ("empty", "unreadable", "range", "past", "too-far", "too-long"):
            assert content[locale].text(f"remind.when.{reason}")


def test_content_words_are_loaded_as_the_when_section() -> None:
    content = load_content()
    assert content["ja"].when == JA and content["en"].when == EN


def test_bad_content_is_refused_at_load() -> None:
    data = tomllib.loads((ROOT / "content/ja/when.toml").read_text(encoding="utf-8"))
    data["day_words"][0]["period"] = "teatime"
    with pytest.raises(ValueError, match="teatime"):
        WhenWords.model_validate(data)
    data = tomllib.loads((ROOT / "content/en/when.toml").read_text(encoding="utf-8"))
    data["display"]["format"] = "{weekday} {fortnight}"
    with pytest.raises(ValueError, match="template"):
        WhenWords.model_validate(data)


@pytest.mark.parametrize(
    ("span", "ja", "en"),
    [
        (timedelta(seconds=10), "1分", "1 minute"),
        (timedelta(minutes=45), "45分", "45 minutes"),
        (timedelta(hours=2), "2時間", "2 hours"),
        (timedelta(hours=1, minutes=5), "1時間5分", "1 hour 5 minutes"),
        (timedelta(days=3), "3日", "3 days"),
        (timedelta(days=1, hours=4, minutes=59), "1日4時間", "1 day 4 hours"),
        (timedelta(days=8, minutes=3), "8日", "8 days"),
    ],
)
def test_format_duration(span: timedelta, ja: str, en: str) -> None:
    assert format_duration(span, JA) == ja
    assert format_duration(span, EN) == en


def test_format_local_shows_the_year_only_when_it_differs() -> None:
    assert format_local(tokyo(3, 11, 20), JA, NOW) == "3月11日(水) 20:00"
    assert format_local(tokyo(1, 5, 9, year=2027), JA, NOW) == "2027年1月5日(火) 9:00"
    assert format_local(tokyo(3, 11, 20), EN, NOW) == "Wed, Mar 11, 8:00 PM"
    assert format_local(tokyo(3, 11, 0, 5), EN, NOW) == "Wed, Mar 11, 12:05 AM"


def test_february_29_rolls_like_any_other_recent_date() -> None:
    march_first = datetime(2027, 3, 1, 3, 0, tzinfo=UTC)  # 2027 has no Feb 29
    assert parse_when("feb 29", march_first, TOKYO, EN).reason == "past", "a day ago, in effect"


def test_plural_forms_follow_the_locales_cldr_rule(content):
    """Babel's plural rules pick the form: "0 days", "1 day" in English; one form in Japanese."""
    en, ja = content["en"], content["ja"]
    assert [en.when.duration.days.say(n) for n in (0, 1, 2)] == ["0 days", "1 day", "2 days"]
    assert [en.draft.days.say(n) for n in (1, 7)] == ["1 day", "7 days"]
    assert [ja.when.duration.hours.say(n) for n in (1, 2)] == ["1時間", "2時間"]
    french = Plural(one="{n} jour", other="{n} jours").for_locale("fr")
    assert [french.say(n) for n in (0, 1, 2)] == ["0 jour", "1 jour", "2 jours"], "0 is singular"
