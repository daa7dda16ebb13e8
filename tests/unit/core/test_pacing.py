"""Pacing rules: wait 1–2 weeks after one message; reply at their pace; respect quiet hours."""

from __future__ import annotations

import math
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.content import load_content
from bot.core.pacing import (
    DEFAULT_QUIET,
    NO_QUIET,
    PacingError,
    after_send_due,
    chosen_quiet,
    in_window,
    interrupted_wait,
    is_missed,
    lateness,
    optional_quiet,
    parse_clock,
    parse_quiet,
    reply_due,
    shift_out_of_quiet,
    snooze,
    wait_days,
)

TOKYO = ZoneInfo("Asia/Tokyo")
NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)  # Tuesday 12:00 in Tokyo


def tokyo(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=TOKYO).astimezone(UTC)


# ── after sending one message ────────────────────────────────────────────────


def test_after_send_waits_a_week_by_default() -> None:
    assert after_send_due(NOW) == NOW + timedelta(days=7)


@pytest.mark.parametrize("days", [1, 7, 10, 14])
def test_after_send_accepts_one_to_two_weeks(days: int) -> None:
    assert after_send_due(NOW, days) == NOW + timedelta(days=days)


@pytest.mark.parametrize("days", [0, -1, 15, 30, True, 7.5])
def test_after_send_refuses_other_waits(days: object) -> None:
    with pytest.raises(PacingError) as caught:
        after_send_due(NOW, days)  # type: ignore[arg-type]
    assert caught.value.key == "remind.after_send.days_range"
    assert caught.value.fields == {"min": 1, "max": 14}


def test_the_repeat_send_window_is_the_wait_chosen_after_sending() -> None:
    assert wait_days(NOW, NOW + timedelta(days=3)) == 3
    assert wait_days(NOW, NOW + timedelta(days=14)) == 14
    assert wait_days(NOW, NOW + timedelta(days=6, hours=1)) == 7
    assert wait_days(NOW, NOW) == 1


def test_a_message_inside_the_wait_interrupts_it() -> None:
    window = (NOW, NOW + timedelta(days=7))
    assert interrupted_wait(NOW + timedelta(days=6, hours=23), window) == 7
    assert interrupted_wait(NOW + timedelta(days=7), window) is None
    assert interrupted_wait(NOW, None) is None


# ── replying at their pace ───────────────────────────────────────────────────


def test_reply_due_is_their_usual_gap_later() -> None:
    assert reply_due(NOW, TOKYO, 3, None) == NOW + timedelta(hours=3)
    assert reply_due(NOW, TOKYO, 1.5, None) == NOW + timedelta(minutes=90)


def test_reply_due_waits_out_their_work_hours() -> None:
    work = (time(9), time(18))  # they never write during work: reply in the evening
    assert reply_due(NOW, TOKYO, 3, work) == tokyo(10, 18)
    assert reply_due(tokyo(10, 7), TOKYO, 3, work) == tokyo(10, 18)
    assert reply_due(tokyo(10, 5), TOKYO, 3, work) == tokyo(10, 8)  # before work starts
    assert reply_due(tokyo(10, 16), TOKYO, 3, work) == tokyo(10, 19)  # already after work


def test_reply_due_across_a_night_window() -> None:
    night = (time(22), time(7))
    assert reply_due(tokyo(10, 21), TOKYO, 3, night) == tokyo(11, 7)
    assert reply_due(tokyo(11, 2), TOKYO, 3, night) == tokyo(11, 7)
    assert reply_due(tokyo(11, 5), TOKYO, 3, night) == tokyo(11, 8)


@pytest.mark.parametrize("gap", [0, 0.5, -3, 169, math.inf, math.nan])
def test_reply_gap_out_of_bounds_is_refused(gap: float) -> None:
    with pytest.raises(PacingError) as caught:
        reply_due(NOW, TOKYO, gap, None)
    assert caught.value.key == "remind.reply.gap_range"
    assert caught.value.fields == {"min": 1, "max": 168}


# ── quiet hours ──────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("moment", "start", "end", "inside"),
    [
        (time(23, 30), time(23), time(8), True),
        (time(0), time(23), time(8), True),
        (time(7, 59), time(23), time(8), True),
        (time(8), time(23), time(8), False),
        (time(22, 59), time(23), time(8), False),
        (time(12), time(9), time(18), True),
        (time(18), time(9), time(18), False),
        (time(3), time(5), time(5), False),  # an empty window
    ],
)
def test_in_window(moment: time, start: time, end: time, inside: bool) -> None:
    assert in_window(moment, start, end) is inside


def test_quiet_hours_hold_until_they_end() -> None:
    start, end = DEFAULT_QUIET
    assert shift_out_of_quiet(tokyo(10, 23, 30), TOKYO, start, end) == tokyo(11, 8)
    assert shift_out_of_quiet(tokyo(11, 0), TOKYO, start, end) == tokyo(11, 8)
    assert shift_out_of_quiet(tokyo(11, 7, 59), TOKYO, start, end) == tokyo(11, 8)


def test_outside_quiet_hours_nothing_moves() -> None:
    start, end = DEFAULT_QUIET
    for due in (tokyo(10, 8), tokyo(10, 12), tokyo(10, 22, 59)):
        assert shift_out_of_quiet(due, TOKYO, start, end) == due


def test_quiet_hours_that_do_not_wrap() -> None:
    assert shift_out_of_quiet(tokyo(10, 13), TOKYO, time(12), time(14)) == tokyo(10, 14)
    assert shift_out_of_quiet(tokyo(10, 14), TOKYO, time(12), time(14)) == tokyo(10, 14)


def test_quiet_hours_across_spring_forward_in_new_york() -> None:
    # Sun 2026-03-08: 02:00 EST jumps to 03:00 EDT.
    midnight_est = datetime(2026, 3, 8, 5, 0, tzinfo=UTC)
    assert shift_out_of_quiet(midnight_est, NEW_YORK, *DEFAULT_QUIET) == datetime(
        2026, 3, 8, 12, 0, tzinfo=UTC
    )  # 08:00 EDT: seven real hours later
    gap_end = shift_out_of_quiet(midnight_est, NEW_YORK, time(23), time(2, 30))
    assert gap_end == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)  # 02:30 does not exist: 03:30 EDT


def test_quiet_hours_across_fall_back_in_new_york() -> None:
    # Sun 2026-11-01: 02:00 EDT falls back to 01:00 EST; 01:30 happens twice.
    first_0130 = datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    second_0130 = datetime(2026, 11, 1, 6, 30, tzinfo=UTC)
    eight_est = datetime(2026, 11, 1, 13, 0, tzinfo=UTC)
    assert shift_out_of_quiet(first_0130, NEW_YORK, *DEFAULT_QUIET) == eight_est
    assert shift_out_of_quiet(second_0130, NEW_YORK, *DEFAULT_QUIET) == eight_est
    # quiet until 01:30: at 01:10 EST (the second 01:10) it ends at the second 01:30
    second_0110 = datetime(2026, 11, 1, 6, 10, tzinfo=UTC)
    assert shift_out_of_quiet(second_0110, NEW_YORK, time(23), time(1, 30)) == second_0130
    first_0110 = datetime(2026, 11, 1, 5, 10, tzinfo=UTC)
    assert shift_out_of_quiet(first_0110, NEW_YORK, time(23), time(1, 30)) == first_0130


def test_parse_clock_and_quiet() -> None:
    assert parse_clock("23:00") == time(23)
    assert parse_clock("８") == time(8)
    assert parse_clock(" ０８：３０ ") == time(8, 30)
    assert parse_quiet("23:00", "8:00") == DEFAULT_QUIET


@pytest.mark.parametrize("text", ["24:00", "7pm", "", "12:60", "noon", "8:5"])
def test_parse_clock_refuses_other_text(text: str) -> None:
    with pytest.raises(PacingError) as caught:
        parse_clock(text)
    assert caught.value.key == "remind.quiet.invalid"


def test_parse_quiet_refuses_an_empty_window() -> None:
    with pytest.raises(PacingError):
        parse_quiet("8:00", "08:00")


def test_chosen_quiet_hours_are_both_times_or_off() -> None:
    assert chosen_quiet("23:00", "7", off=False) == (time(23), time(7))
    assert chosen_quiet(None, None, off=True) == NO_QUIET
    assert not in_window(time(3), *NO_QUIET), "off: no hour is quiet"
    for start, end, off in (("23:00", None, False), (None, None, False), ("23:00", None, True)):
        with pytest.raises(PacingError):
            chosen_quiet(start, end, off)


def test_an_optional_quiet_window_takes_both_times_or_neither() -> None:
    assert optional_quiet(None, None) is None
    assert optional_quiet("23:00", "7") == (time(23), time(7))
    for start, end in (("23:00", None), (None, "07:00")):
        with pytest.raises(PacingError) as caught:
            optional_quiet(start, end)
        assert caught.value.key == "remind.quiet.invalid"


# ── late, missed, snoozed ────────────────────────────────────────────────────


def test_lateness() -> None:
    assert lateness(NOW, NOW + timedelta(hours=3)) == timedelta(hours=3)
    assert lateness(NOW, NOW - timedelta(minutes=1)) == timedelta(0)


def test_a_reminder_over_a_week_late_is_missed() -> None:
    assert not is_missed(NOW, NOW + timedelta(days=7))
    assert is_missed(NOW, NOW + timedelta(days=7, seconds=1))
    assert is_missed(NOW, NOW + timedelta(days=2, seconds=1), days=2)
    assert not is_missed(NOW, NOW - timedelta(days=30))


@pytest.mark.parametrize(
    ("choice", "later"),
    [("1h", timedelta(hours=1)), ("1d", timedelta(days=1)), ("1w", timedelta(weeks=1))],
)
def test_snooze(choice: str, later: timedelta) -> None:
    assert snooze(NOW, choice) == NOW + later


@pytest.mark.parametrize("choice", ["2h", "", "1H", "forever"])
def test_snooze_refuses_other_choices(choice: str) -> None:
    with pytest.raises(PacingError) as caught:
        snooze(NOW, choice)
    assert caught.value.key == "remind.snooze.invalid"


def test_every_pacing_error_has_a_message_in_both_locales() -> None:
    content = load_content()
    errors = [
        (lambda: after_send_due(NOW, 0)),
        (lambda: reply_due(NOW, TOKYO, 0, None)),
        (lambda: snooze(NOW, "2h")),
        (lambda: parse_clock("x")),
    ]
    for make in errors:
        with pytest.raises(PacingError) as caught:
            make()
        for locale in ("ja", "en"):
            text = content[locale].text(caught.value.key, **caught.value.fields)
            assert text and "{" not in text
