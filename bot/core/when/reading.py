"""Reading a normalized phrase with our own grammar: what it says, slot by slot, then when."""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.core.when.grammar import Grammar
from bot.core.when.words import HINT_PREFIX, MAX_AHEAD, Period, Reason, Unit, WhenWords

# ── results ──────────────────────────────────────────────────────────────────


@dataclass(frozen=True, slots=True)
class Parsed:
    """A readable time: `due` (aware UTC), `local` (the same instant in the user's zone).

    `how` says which reading matched: relative, date, day, weekday, week, month, time, dateparser.
    """

    due: datetime
    local: datetime
    how: str


@dataclass(frozen=True, slots=True)
class Refused:
    """Not a usable time; `hint_key` is the message key of a kind hint."""

    reason: Reason
    hint_key: str


WhenResult = Parsed | Refused


class _Refuse(Exception):
    """Raised inside the reader to refuse with `reason`."""

    def __init__(self, reason: Reason) -> None:
        super().__init__(reason)
        self.reason: Reason = reason


def refused(reason: Reason) -> Refused:
    """Return a refusal with its hint key."""
    return Refused(reason, HINT_PREFIX + reason)


# ── reading with our grammar ─────────────────────────────────────────────────


@dataclass
class _Parts:
    """What a phrase said, slot by slot."""

    delta: dict[Unit, float] = field(default_factory=dict)
    date: tuple[int | None, int | None, int] | None = None
    day_offset: int | None = None
    week_offset: int | None = None
    month_offset: int | None = None
    weekday: int | None = None
    clock: tuple[int, int, bool] | None = None
    period: Period | None = None
    implied: Period | None = None

    @property
    def time_of_day(self) -> Period | None:
        """Return the explicit time-of-day word, else the one a day word implies."""
        return self.period or self.implied


def _set(parts: _Parts, name: str, value: object) -> bool:
    """Fill slot `name` once; a second value makes the phrase unreadable."""
    if getattr(parts, name) is not None:
        return False
    setattr(parts, name, value)
    return True


def _apply_relative(parts: _Parts, m: re.Match[str], g: Grammar) -> bool:
    if parts.delta:
        return False
    for a in g.amount.finditer(m.group()):
        n = float(a.group("n")) if a.group("n")[0].isdigit() else g.number_of[a.group("n")]
        unit = g.unit_of[a.group("u")]
        parts.delta[unit] = parts.delta.get(unit, 0.0) + n + (0.5 if a.group("h") else 0.0)
    return bool(parts.delta)


def _apply_date(parts: _Parts, m: re.Match[str], g: Grammar) -> bool:
    groups = m.groupdict()
    y = groups.get("y") or groups.get("y3")
    mo = groups.get("m") or groups.get("m2") or groups.get("m3")
    d = groups.get("d") or groups.get("d2") or groups.get("d3")
    if mo and d and groups.get("m2") and int(mo) > 12 >= int(d):  # 24/12: day first
        mo, d = d, mo
    return _set(parts, "date", (_int(y), _int(mo), int(d or 0)))


def _apply_clock(parts: _Parts, m: re.Match[str], g: Grammar) -> bool:
    groups = m.groupdict()
    hour = groups["h"] or groups["h2"] or groups["h3"]
    minute = 30 if groups["half"] else int(groups["mi"] or groups["mi2"] or 0)
    return _set(parts, "clock", (int(hour), minute, groups["h3"] is not None))


def _apply_day(parts: _Parts, m: re.Match[str], g: Grammar) -> bool:
    word = g.day_of[m.group()]
    if word.period:
        parts.implied = g.periods[word.period]
    return _set(parts, "day_offset", word.offset)


def _apply_week(parts: _Parts, m: re.Match[str], g: Grammar) -> bool:
    return _set(parts, "week_offset", g.week_of[m.group()])


def _apply_month(parts: _Parts, m: re.Match[str], g: Grammar) -> bool:
    return _set(parts, "month_offset", g.month_of[m.group()])


def _apply_weekday(parts: _Parts, m: re.Match[str], g: Grammar) -> bool:
    return _set(parts, "weekday", g.weekday_of[m.group()])


def _apply_period(parts: _Parts, m: re.Match[str], g: Grammar) -> bool:
    return _set(parts, "period", g.period_of[m.group()])


_APPLY: dict[str, Callable[[_Parts, re.Match[str], Grammar], bool]] = {
    "relative": _apply_relative,
    "date": _apply_date,
    "clock": _apply_clock,
    "day": _apply_day,
    "week": _apply_week,
    "month": _apply_month,
    "weekday": _apply_weekday,
    "period": _apply_period,
    "filler": lambda parts, m, g: True,
}


def _int(value: str | None) -> int | None:
    return int(value) if value else None


def _scan(text: str, g: Grammar) -> _Parts | None:
    """Split `text` into known tokens; None when something is left that we do not read."""
    parts, pos = _Parts(), 0
    while pos < len(text):
        if text[pos] == " ":
            pos += 1
            continue
        found = g.longest(text, pos)
        if found is None or not _APPLY[found[0]](parts, found[1], g):
            return None
        pos = found[1].end()
    return parts


def _clock_time(parts: _Parts, day_named: bool) -> tuple[time, int] | None:
    """Return (time of day, extra days) from the clock and period words, or None if unsaid.

    A bare number ("tomorrow at 9") is an hour only next to a day or a time-of-day word.
    """
    period = parts.time_of_day
    if parts.clock is None:
        if parts.period is not None and parts.period.default is None:
            raise _Refuse("unreadable")
        return (period.default, 0) if period and period.default else None
    hour, minute, bare = parts.clock
    if (bare and period is None and not day_named) or hour > 23 or minute > 59:
        raise _Refuse("unreadable")
    if period and hour <= 12:
        hour = next(h for h in (hour % 12, hour % 12 + 12, hour % 12 + 24) if h >= period.from_hour)
    return time(hour % 24, minute), hour // 24


def _explicit_date(parts: _Parts, today: date, roll_days: int) -> date:
    year, month, day = parts.date or (None, None, 0)
    if parts.month_offset is not None:  # 来月10日: the 10th of next month
        if month is not None or year is not None:
            raise _Refuse("unreadable")
        return _add_months(today.replace(day=1), parts.month_offset).replace(day=day)
    if month is None:
        month_start = today.replace(day=1)
        if day < today.day:
            month_start = _add_months(month_start, 1)
        return month_start.replace(day=day)
    found = date(year or today.year, month, day)
    if year is None and found < today and (today - found).days >= roll_days:
        found = found.replace(year=today.year + 1)
    return found


def _weekday_date(weekday: int, week_offset: int | None, today: date) -> date:
    if week_offset is None:
        return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)
    monday = today - timedelta(days=today.weekday()) + timedelta(weeks=week_offset)
    return monday + timedelta(days=weekday)


def _day(parts: _Parts, today: date, roll_days: int) -> tuple[date, str] | None:
    """Return the day the phrase names and how it was named, or None if it names none."""
    said = [x is not None for x in (parts.date, parts.day_offset, parts.week_offset)]
    if sum(said) > 1 or (parts.weekday is not None and parts.day_offset is not None):
        raise _Refuse("unreadable")
    if parts.month_offset is not None and parts.date is None:
        if any(said) or parts.weekday is not None or parts.month_offset == 0:
            raise _Refuse("unreadable")  # 来月の金曜, 今月: no one day is named
        return _add_months(today, parts.month_offset), "month"
    if parts.date is not None:
        found = _explicit_date(parts, today, roll_days)
        if parts.weekday is not None and found.weekday() != parts.weekday:
            raise _Refuse("unreadable")
        return found, "date"
    if parts.day_offset is not None:
        return today + timedelta(days=parts.day_offset), "day"
    if parts.weekday is not None:
        return _weekday_date(parts.weekday, parts.week_offset, today), "weekday"
    if parts.week_offset:
        return today + timedelta(weeks=parts.week_offset), "week"
    if parts.week_offset == 0:
        raise _Refuse("unreadable")
    return None


def _add_months(day: date, months: int) -> date:
    """Return `day` moved by whole months, clamped to the month's last day (1/31 → 2/28)."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _local(naive: datetime, tz: ZoneInfo) -> datetime:
    """Return the aware UTC instant of a local wall time (a time in a DST gap moves on)."""
    return naive.replace(tzinfo=tz).astimezone(UTC)


def _relative(parts: _Parts, now: datetime, tz: ZoneInfo) -> tuple[datetime, str]:
    """Read "3時間後", "in 2 weeks", "2日後の20時": exact hours, calendar days."""
    d = parts.delta
    named = (parts.date, parts.day_offset, parts.weekday, parts.week_offset, parts.month_offset)
    if any(x is not None for x in named):
        raise _Refuse("unreadable")
    days = d.get("days", 0.0) + 7 * d.get("weeks", 0.0)
    rough = (
        days + 31 * d.get("months", 0.0) + d.get("hours", 0.0) / 24 + d.get("minutes", 0.0) / 1440
    )
    if rough > MAX_AHEAD.days + 31:
        raise _Refuse("too-far")
    if d.get("months", 0.0) % 1:
        raise _Refuse("unreadable")
    exact = timedelta(days=days % 1, hours=d.get("hours", 0.0), minutes=d.get("minutes", 0.0))
    clock = _clock_time(parts, day_named=days >= 1 or "months" in d)
    if clock and exact:
        raise _Refuse("unreadable")
    local = now.astimezone(tz)
    day = _add_months(local.date(), int(d.get("months", 0.0))) + timedelta(days=int(days))
    at, extra = clock or (local.time(), 0)
    return _local(datetime.combine(day + timedelta(days=extra), at), tz) + exact, "relative"


def _absolute(parts: _Parts, now: datetime, tz: ZoneInfo, words: WhenWords) -> tuple[datetime, str]:
    """Read a day and/or a time of day: 明日の20時, 金曜の19時, 12/24, 21:00."""
    local = now.astimezone(tz).replace(tzinfo=None)
    named = _day(parts, local.date(), words.roll_year_after_days)
    clock = _clock_time(parts, day_named=named is not None)
    if named is None:
        if clock is None:
            raise _Refuse("unreadable")
        wall_at = datetime.combine(local.date(), clock[0]) + timedelta(days=clock[1])
        # the next time the clock shows it: later today (in the repeated hour of a fall-back,
        # perhaps its second occurrence), else tomorrow
        for wall in (wall_at, wall_at.replace(fold=1), wall_at + timedelta(days=1)):
            if (instant := _local(wall, tz)) > now:
                return instant, "time"
        raise _Refuse("past")  # unreachable: tomorrow's wall time is always ahead
    at, extra = clock or (words.default_time, 0)
    return _local(datetime.combine(named[0] + timedelta(days=extra), at), tz), named[1]


def _read_grammar(
    text: str, now: datetime, tz: ZoneInfo, words: WhenWords
) -> tuple[datetime, str] | None:
    """Read `text` with our own grammar; None when it is not made of words we know."""
    parts = _scan(text, words.grammar)
    if parts is None:
        return None
    try:
        if parts.delta:
            return _relative(parts, now, tz)
        return _absolute(parts, now, tz, words)
    except (ValueError, OverflowError):
        raise _Refuse("unreadable") from None
