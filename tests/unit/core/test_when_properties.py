"""Property tests: parse_when never raises, and what it accepts is always usable."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.when import (
    MAX_AHEAD,
    MAX_INPUT_CHARS,
    Parsed,
    Refused,
    WhenWords,
    parse_when,
    warm_up,
)

ROOT = Path(__file__).resolve().parents[3]
REASONS = {"empty", "unreadable", "range", "past", "too-far", "too-long"}
ZONES = [ZoneInfo(z) for z in ("Asia/Tokyo", "America/New_York", "Europe/London", "UTC")]


def load_words(locale: str) -> WhenWords:
    with (ROOT / "content" / locale / "when.toml").open("rb") as fh:
        return WhenWords.model_validate(tomllib.load(fh))


JA, EN = load_words("ja"), load_words("en")
BOTH = [JA, EN]


def vocabulary(words: WhenWords) -> list[str]:
    """Every word the grammar knows, so random phrases reach deep into it."""
    lists = [
        words.relative_prefixes,
        words.relative_suffixes,
        words.and_words,
        words.half_words,
        list(words.numbers),
        words.range_separators,
        words.vague_amounts,
        words.hour_markers,
        words.minute_markers,
        words.fillers,
        *words.units.values(),
        *(d.words for d in words.day_words),
        *(w.words for w in words.week_words),
        *words.weekdays,
        *(p.words for p in words.periods.values()),
    ]
    return sorted({w for ws in lists for w in ws})


PIECES = st.one_of(
    st.sampled_from(vocabulary(JA) + vocabulary(EN)),
    st.integers(0, 3000).map(str),
    st.sampled_from([":", "/", "-", "~", "〜", "、", " ", "(", ")", ".", "年", "月", "日", "30"]),
)
PHRASES = st.lists(PIECES, max_size=8).map("".join)
MOMENTS = st.datetimes(
    min_value=datetime(2000, 1, 1),  # noqa: DTZ001 - hypothesis takes naive bounds
    max_value=datetime(2090, 12, 31),  # noqa: DTZ001 - hypothesis takes naive bounds
    timezones=st.just(UTC),
)


@pytest.fixture(scope="module", autouse=True)
def warm() -> None:
    warm_up(BOTH)


def check(text: str, now: datetime, tz: ZoneInfo) -> None:
    """Parse and check the contract: a usable future time within a year, or a clear refusal."""
    result = parse_when(text, now, tz, BOTH)
    if isinstance(result, Parsed):
        assert result.due.tzinfo is UTC and result.local.tzinfo == tz
        assert result.local == result.due
        assert now < result.due <= now + MAX_AHEAD
    else:
        assert isinstance(result, Refused)
        assert result.reason in REASONS and result.hint_key == f"remind.when.{result.reason}"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(max_size=120), now=MOMENTS, tz=st.sampled_from(ZONES))
def test_any_text_is_read_or_refused(text: str, now: datetime, tz: ZoneInfo) -> None:
    check(text, now, tz)


@settings(max_examples=400, deadline=None)
@given(text=PHRASES, now=MOMENTS, tz=st.sampled_from(ZONES))
def test_phrases_of_known_words_are_read_or_refused(text: str, now: datetime, tz: ZoneInfo) -> None:
    check(text, now, tz)


@settings(max_examples=100, deadline=None)
@given(
    text=st.text(st.characters(codec="utf-8"), min_size=1, max_size=40).map(lambda s: s + "明日"),
    controls=st.text(st.characters(categories=["Cc", "Cf", "Zs"]), max_size=10),
)
def test_control_and_format_characters_are_harmless(text: str, controls: str) -> None:
    check(controls + text + controls, datetime(2026, 3, 10, 3, tzinfo=UTC), ZONES[0])


@settings(max_examples=30, deadline=None)
@given(text=st.text(min_size=MAX_INPUT_CHARS + 1, max_size=6000).filter(lambda s: s.strip()))
def test_long_text_is_too_long(text: str) -> None:
    result = parse_when(text, datetime(2026, 3, 10, 3, tzinfo=UTC), ZONES[0], BOTH)
    long = len(text.strip()) > MAX_INPUT_CHARS
    assert result.reason == "too-long" if long else isinstance(result, Parsed | Refused)


@settings(max_examples=50, deadline=None)
@given(emoji=st.text(st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF), max_size=30))
def test_emoji_are_refused_or_ignored(emoji: str) -> None:
    check(emoji, datetime(2026, 3, 10, 3, tzinfo=UTC), ZONES[0])
    check(f"明日の20時{emoji}", datetime(2026, 3, 10, 3, tzinfo=UTC), ZONES[0])


@settings(max_examples=200, deadline=None)
@given(hours=st.integers(1, 24 * 365), now=MOMENTS, tz=st.sampled_from(ZONES))
def test_hours_later_is_exact_elapsed_time(hours: int, now: datetime, tz: ZoneInfo) -> None:
    for text in (f"{hours}時間後", f"in {hours} hours"):
        result = parse_when(text, now, tz, BOTH)
        expected = now + timedelta(hours=hours)
        if expected - now <= MAX_AHEAD:
            assert isinstance(result, Parsed) and result.due == expected
        else:
            assert result == Refused("too-far", "remind.when.too-far")
