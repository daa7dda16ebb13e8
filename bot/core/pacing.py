"""Pacing rules from the article, as plain functions over aware datetimes.

The article's advice on timing: after one message, wait calmly for 1–2 weeks (at least a week)
and never send a string of messages; reply at the other person's pace — if they reply about
every 3 hours, reply about every 3 hours; if they never write during work, reply in the evening.
On top of that, the user's own quiet hours (23:00–08:00 unless set) hold any reminder until they
end. Bad input raises `PacingError` carrying a message key (`remind.*`) and its fields, so the
cog can show a kind, localized message: `loc.text(err.key, **err.fields)`.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

# The article: "一度連絡したら、1~2週間は落ち着いて待つ"; "返事がなくても1週間は待つ".
AFTER_SEND_MIN_DAYS = 1
AFTER_SEND_MAX_DAYS = 14
AFTER_SEND_DEFAULT_DAYS = 7
# "返信のスピードは相手に合わせる": the other person's usual gap, from an hour to a week.
REPLY_GAP_MIN_HOURS = 1
REPLY_GAP_MAX_HOURS = 168
# A reminder delivered more than this late becomes a "missed" notice instead.
MISSED_AFTER_DAYS = 7
# The user's quiet hours unless they choose others (/settings quiet-hours).
DEFAULT_QUIET = (time(23, 0), time(8, 0))

SNOOZES: dict[str, timedelta] = {
    "1h": timedelta(hours=1),
    "1d": timedelta(days=1),
    "1w": timedelta(weeks=1),
}

_CLOCK = re.compile(r"([01]?\d|2[0-3])(?::([0-5]\d))?")


class PacingError(ValueError):
    """A value outside the rules; `key` names the message to show, `fields` fill it in."""

    def __init__(self, key: str, **fields: object) -> None:
        super().__init__(key)
        self.key = key
        self.fields = fields


def after_send_due(now: datetime, days: int = AFTER_SEND_DEFAULT_DAYS) -> datetime:
    """Return when to check in after sending one message: `days` (1–14) after `now`."""
    if (
        isinstance(days, bool)
        or not isinstance(days, int)
        or not (AFTER_SEND_MIN_DAYS <= days <= AFTER_SEND_MAX_DAYS)
    ):
        raise PacingError(
            "remind.after_send.days_range", min=AFTER_SEND_MIN_DAYS, max=AFTER_SEND_MAX_DAYS
        )
    return now + timedelta(days=days)


def reply_due(
    now: datetime, tz: ZoneInfo, gap_hours: float, quiet: tuple[time, time] | None
) -> datetime:
    """Return when to reply: `gap_hours` after `now`, moved past their never-write hours."""
    if not math.isfinite(gap_hours) or not (
        REPLY_GAP_MIN_HOURS <= gap_hours <= REPLY_GAP_MAX_HOURS
    ):
        raise PacingError(
            "remind.reply.gap_range", min=REPLY_GAP_MIN_HOURS, max=REPLY_GAP_MAX_HOURS
        )
    due = now + timedelta(hours=gap_hours)
    return due if quiet is None else shift_out_of_quiet(due, tz, *quiet)


def in_window(moment: time, start: time, end: time) -> bool:
    """Return whether `moment` falls in [start, end), a window that may wrap midnight."""
    if start == end:
        return False
    if start < end:
        return start <= moment < end
    return moment >= start or moment < end


def shift_out_of_quiet(due: datetime, tz: ZoneInfo, start: time, end: time) -> datetime:
    """Return `due`, or the end of the quiet window [start, end) in `tz` that holds it."""
    local = due.astimezone(tz)
    if not in_window(local.time(), start, end):
        return due
    day = local.date()
    if start > end and local.time() >= start:
        day += timedelta(days=1)
    # A wall time in a DST gap (02:30 on a spring-forward day) resolves to the instant after it;
    # one that happens twice (a fall-back) to the first occurrence after `due`.
    wall = datetime.combine(day, end, tzinfo=tz)
    first = wall.astimezone(UTC)
    return first if first > due else wall.replace(fold=1).astimezone(UTC)


def lateness(due: datetime, now: datetime) -> timedelta:
    """Return how late a reminder delivered at `now` is (zero when on time)."""
    return max(now - due, timedelta(0))


def is_missed(due: datetime, now: datetime, days: int = MISSED_AFTER_DAYS) -> bool:
    """Return whether a reminder is so late (over `days`) that it becomes a missed notice."""
    return now - due > timedelta(days=days)


def snooze(now: datetime, choice: str) -> datetime:
    """Return the new time for a reminder put off by "1h", "1d" or "1w"."""
    if choice not in SNOOZES:
        raise PacingError("remind.snooze.invalid")
    return now + SNOOZES[choice]


def wait_days(sent_at: datetime, check_in: datetime) -> int:
    """Return the wait the user chose after sending, in whole days (the repeat-send window)."""
    return max(1, math.ceil((check_in - sent_at) / timedelta(days=1)))


def interrupted_wait(now: datetime, window: tuple[datetime, datetime] | None) -> int | None:
    """Return the wait (days) that a message sent `now` would cut short, or None.

    `window` is (sent at, check-in due) of the user's open after-send reminder.
    """
    if window is None or now >= window[1]:
        return None
    return wait_days(*window)


def parse_clock(text: str) -> time:
    """Read a clock time typed for quiet hours ("23:00", "8", "０８：３０")."""
    match = _CLOCK.fullmatch(unicodedata.normalize("NFKC", text).strip())
    if match is None:
        raise PacingError("remind.quiet.invalid")
    return time(int(match[1]), int(match[2] or 0))


def parse_quiet(start: str, end: str) -> tuple[time, time]:
    """Read a quiet window from two clock times; they must differ."""
    window = parse_clock(start), parse_clock(end)
    if window[0] == window[1]:
        raise PacingError("remind.quiet.invalid")
    return window


NO_QUIET = (time(0), time(0))  # an empty window: reminders may come at any hour


def chosen_quiet(start: str | None, end: str | None, off: bool) -> tuple[time, time]:
    """Read `/settings quiet-hours`: both times, or `off` (and no times) for none at all."""
    if off:
        if start is not None or end is not None:
            raise PacingError("remind.quiet.off_or_times")
        return NO_QUIET
    if start is None or end is None:
        raise PacingError("remind.quiet.invalid")
    return parse_quiet(start, end)


def optional_quiet(start: str | None, end: str | None) -> tuple[time, time] | None:
    """Read a quiet window that may be left out: both times, or neither (None)."""
    if start is None and end is None:
        return None
    if start is None or end is None:
        raise PacingError("remind.quiet.invalid")
    return parse_quiet(start, end)
