"""Read "when?" for /remind: 明日の20時, 3日後, 来週の金曜, in 2 weeks, tomorrow 8pm, 12/24 19:00.

`parse_when` turns a short Japanese or English phrase into an aware UTC time, or a `Refused`
with a reason and the message key of a kind hint (`remind.when.<reason>`). The steps:
normalize (NFKC, case fold, wave dashes and dashes), refuse ranges such as 1〜2週間後 (the user
picks one end; nothing is guessed), read with our own small grammar built from the phrase lists
in `content/<locale>/when.toml` (`WhenWords`), and only then fall back to dateparser behind a
guard: only when the text has a word our grammar does not know ("dec 24"), never letting its
exceptions escape, and keeping only day- or time-precise readings. Pass the user's locale's words
first and the other locale's after (`[loc.when, other.when]`) so that mixed-language input and
word-spelled ranges ("a week or two" typed by a ja user) are read or refused by our grammar.

Readings, chosen to be predictable (the autocomplete preview shows the result):
- hours and minutes are exact elapsed time; days, weeks and months keep the local clock time.
- a bare time is its next occurrence in the user's zone; 9時 is 09:00 (no am/pm guessing).
- a date without a time gets `default_time`; a time-of-day word (朝, evening) its own default.
- 来月10日 is the 10th of next month; 来月 alone ("next month") is the same day next month.
- a bare weekday is the next such day after today; 来週の金曜 and "next friday" are the Friday of
  the next Monday-start week.
- a date without a year that is earlier than today rolls to next year only when it is at least
  `roll_year_after_days` back (in March, 1/5 is next January); yesterday's date is `past`.
- the result must be after `now` and at most `MAX_AHEAD` later.
"""

from __future__ import annotations

import calendar
import logging
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from typing import Any, Literal, TypeVar
from zoneinfo import ZoneInfo

from dateparser.date import DateDataParser
from pydantic import Field, model_validator

from bot.core.model import Strict

log = logging.getLogger(__name__)

MAX_INPUT_CHARS = 100
MAX_AHEAD = timedelta(days=365)
HINT_PREFIX = "remind.when."
DATEPARSER_LANGUAGES = ["ja", "en"]

Unit = Literal["minutes", "hours", "days", "weeks", "months"]
Reason = Literal["empty", "unreadable", "range", "past", "too-far", "too-long"]
UNITS: tuple[Unit, ...] = ("minutes", "hours", "days", "weeks", "months")
_SAMPLE = datetime(2026, 12, 24, 19, 5)  # noqa: DTZ001 - a wall time, to check display formats


# ── content model ────────────────────────────────────────────────────────────


class Period(Strict):
    """A time-of-day word (朝, 夜, pm): hours up to 12 are read at or after `from_hour`."""

    words: list[str] = Field(min_length=1)
    from_hour: int = Field(ge=0, le=23)
    default: time | None = None


class DayWord(Strict):
    """A day word (明日, tonight): days after today, and the time-of-day it implies."""

    words: list[str] = Field(min_length=1)
    offset: int = Field(ge=0, le=7)
    period: str | None = None


class WeekWord(Strict):
    """A week word (来週, next): Monday-start weeks after this one."""

    words: list[str] = Field(min_length=1)
    offset: int = Field(ge=0, le=4)


class MonthWord(Strict):
    """A month word (来月, next month): calendar months after this one."""

    words: list[str] = Field(min_length=1)
    offset: int = Field(ge=0, le=11)


class DateMarkers(Strict):
    """The marks of a written date: 2026年12月24日."""

    year: list[str] = Field(min_length=1)
    month: list[str] = Field(min_length=1)
    day: list[str] = Field(min_length=1)


class Plural(Strict):
    """One duration unit for display; `{n}` is the number."""

    one: str
    other: str

    def say(self, n: int) -> str:
        """Return the unit with `n` filled in."""
        return (self.one if n == 1 else self.other).format(n=n)


class Durations(Strict):
    """Duration words for {duration}: 2時間, 3 days; `pair` joins two units ({a}, {b})."""

    pair: str
    days: Plural
    hours: Plural
    minutes: Plural


class Display(Strict):
    """How a local time is shown in the autocomplete preview."""

    format: str
    format_with_year: str
    weekdays: list[str] = Field(min_length=7, max_length=7)
    months: list[str] = Field(min_length=12, max_length=12)
    am: str
    pm: str


class WhenWords(Strict):
    """Section `when`: the words and defaults `parse_when` reads with, for one locale."""

    default_time: time
    roll_year_after_days: int = Field(ge=0, le=365)
    relative_prefixes: list[str]
    relative_suffixes: list[str]
    and_words: list[str]
    half_words: list[str]
    numbers: dict[str, int]
    range_separators: list[str]
    vague_amounts: list[str]
    hour_markers: list[str]
    minute_markers: list[str]
    fillers: list[str]
    units: dict[Unit, list[str]]
    date_markers: DateMarkers | None = None
    day_words: list[DayWord]
    week_words: list[WeekWord]
    month_words: list[MonthWord]
    weekdays: list[list[str]] = Field(min_length=7, max_length=7)
    periods: dict[str, Period]
    display: Display
    duration: Durations

    @model_validator(mode="after")
    def _consistent(self) -> WhenWords:
        missing = [u for u in UNITS if not self.units.get(u)]
        if missing:
            raise ValueError(f"units lacks words for: {', '.join(missing)}")
        unknown = {d.period for d in self.day_words if d.period} - set(self.periods)
        if unknown:
            raise ValueError(f"day_words name unknown periods: {', '.join(sorted(unknown))}")
        try:
            for template in (self.display.format, self.display.format_with_year):
                format_local(_SAMPLE, self, template=template)
            for unit in (self.duration.days, self.duration.hours, self.duration.minutes):
                unit.say(1), unit.say(2)
            self.duration.pair.format(a="", b="")
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(f"a display or duration template is wrong: {exc!r}") from None
        return self

    @cached_property
    def grammar(self) -> Grammar:
        """Return the compiled patterns for these words (built once)."""
        return Grammar(self)


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


# ── normalizing ──────────────────────────────────────────────────────────────

_WAVES = dict.fromkeys(map(ord, "~\u301c\u3030\u223c\uff5e"), "~")
_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63"), "-")
_FOLD = str.maketrans({**_WAVES, **_DASHES})
_SPACES = re.compile(r"\s+")
_LATIN = re.compile("[a-z]")


def normalize(text: str) -> str:
    """Return `text` NFKC-normalized, case-folded, with one kind of wave dash and dash."""
    text = "".join(" " if unicodedata.category(ch)[0] in "CZ" else ch for ch in text)
    text = unicodedata.normalize("NFKC", text).casefold().translate(_FOLD)
    return _SPACES.sub(" ", text).strip()


# ── grammar ──────────────────────────────────────────────────────────────────


def _alt(words: Sequence[str]) -> str:
    """Return a regex alternation of `words`, longest first; ASCII words end at a word edge."""
    forms = sorted({normalize(w) for w in words if normalize(w)}, key=len, reverse=True)
    if not forms:
        return "(?!)"
    edge = [re.escape(w) + ("(?![a-z])" if _LATIN.match(w[-1]) else "") for w in forms]
    return "(?:" + "|".join(edge) + ")"


T = TypeVar("T")


def _lookup(pairs: Sequence[tuple[Sequence[str], T]]) -> dict[str, T]:
    return {normalize(w): value for words, value in pairs for w in words}


# A range written with symbols, in any language: 1-2 weeks, 3〜4日後, 7-8pm, 19:00-20:00, 2、3日後,
# 明日〜明後日. A dash between numbers is a range only when a word follows (2026-12-24 is a date).
_SYMBOL_RANGE = re.compile(
    r"(?<![\d/.:-])\d+(?:\.\d+)?(?![\d:/.])\s*[-、]\s*\d+(?:[.:]\d+)?(?![\d/.-])\s*(?![\d:/.~-])\w"
    r"|\d{1,2}:\d{2}\s*-\s*\d{1,2}(?::\d{2})?"
    r"|\S\s*~\s*\S"
)
_NOT_WORDS = re.compile(r"[\d\W_]+")


class Grammar:
    """Compiled patterns for one locale's `WhenWords`; see `WhenWords.grammar`."""

    def __init__(self, words: WhenWords) -> None:
        self.unit_of = _lookup([(ws, u) for u, ws in words.units.items()])
        self.number_of = {normalize(k): v for k, v in words.numbers.items()}
        self.day_of = _lookup([(d.words, d) for d in words.day_words])
        self.week_of = _lookup([(w.words, w.offset) for w in words.week_words])
        self.month_of = _lookup([(m.words, m.offset) for m in words.month_words])
        self.weekday_of = _lookup([(ws, i) for i, ws in enumerate(words.weekdays)])
        self.period_of = _lookup([(p.words, p) for p in words.periods.values()])
        self.periods = words.periods
        self._build(words)

    def _build(self, w: WhenWords) -> None:
        num = rf"(?:\d+(?:\.\d+)?|{_alt(list(w.numbers))})"
        unit, half = _alt([x for ws in w.units.values() for x in ws]), _alt(w.half_words)
        amount = rf"(?P<n>{num})\s*(?P<u>{unit})(?P<h>\s*{half})?"
        self.amount = re.compile(amount)
        plain = amount.replace("?P<n>", "").replace("?P<u>", "").replace("?P<h>", "")
        amounts = rf"{plain}(?:\s*(?:{_alt(w.and_words)}\s*)?{plain})*"
        pre, suf = _alt(w.relative_prefixes), _alt(w.relative_suffixes)
        tokens = {
            "relative": rf"{pre}\s*{amounts}(?:\s*{suf})?|{amounts}\s*{suf}",
            "date": self._date_pattern(w),
            "clock": self._clock_pattern(w),
            "day": _alt(list(self.day_of)),
            "week": _alt(list(self.week_of)),
            "month": _alt(list(self.month_of)),
            "weekday": _alt(list(self.weekday_of)),
            "period": _alt(list(self.period_of)),
            "filler": _alt(w.fillers),
        }
        self.tokens = [(kind, re.compile(p)) for kind, p in tokens.items()]
        self._build_ranges(w, num, unit)
        self.known = re.compile(_alt(self._vocabulary(w)))

    @staticmethod
    def _vocabulary(w: WhenWords) -> list[str]:
        groups = [w.relative_prefixes, w.relative_suffixes, w.and_words, w.half_words, w.fillers]
        groups += [list(w.numbers), w.range_separators, w.hour_markers, w.minute_markers]
        groups += [*w.units.values(), *w.weekdays, *(p.words for p in w.periods.values())]
        groups += [*(d.words for d in w.day_words), *(k.words for k in w.week_words)]
        groups += [m.words for m in w.month_words]
        if w.date_markers:
            groups += [w.date_markers.year, w.date_markers.month, w.date_markers.day]
        return [x for group in groups for x in group]

    def _date_pattern(self, w: WhenWords) -> str:
        iso = r"(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})(?![\d/.-])"
        slash = r"(?P<m2>\d{1,2})/(?P<d2>\d{1,2})(?![\d/])"
        if w.date_markers is None:
            return f"{iso}|{slash}"
        y, m, d = (_alt(getattr(w.date_markers, k)) for k in ("year", "month", "day"))
        marked = (
            rf"(?:(?P<y3>\d{{4}})\s*{y}\s*)?(?:(?P<m3>\d{{1,2}})\s*{m}\s*)?(?P<d3>\d{{1,2}})\s*{d}"
        )
        return f"{iso}|{slash}|{marked}"

    def _clock_pattern(self, w: WhenWords) -> str:
        hm, mm, half = _alt(w.hour_markers), _alt(w.minute_markers), _alt(w.half_words)
        colon = rf"(?P<h>\d{{1,2}}):(?P<mi>\d{{2}})(?!\d)(?:\s*{hm})?"
        marked = rf"(?P<h2>\d{{1,2}})\s*{hm}(?:\s*(?P<mi2>\d{{1,2}})\s*{mm}|\s*(?P<half>{half}))?"
        bare = r"(?P<h3>\d{1,2})(?![\d:/.])"
        return f"{colon}|{marked}|{bare}"

    def _build_ranges(self, w: WhenWords, num: str, unit: str) -> None:
        periods = [x for p in w.periods.values() for x in p.words]
        sep, either = _alt(w.range_separators), f"(?:{unit}|{_alt(w.hour_markers + periods)})"
        self.range = re.compile(
            rf"(?<![\d/.:-]){num}\s*(?P<ua>{either})?\s*{sep}\s*{num}(?!\d)\s*(?P<ub>{either})?"
        )
        self.vague = re.compile(rf"{_alt(w.vague_amounts)}\s*{unit}")

    def longest(self, text: str, pos: int) -> tuple[str, re.Match[str]] | None:
        """Return the longest token matching at `pos` (ties go to the earlier kind)."""
        best: tuple[str, re.Match[str]] | None = None
        for kind, pattern in self.tokens:
            m = pattern.match(text, pos)
            if m and m.end() > pos and (best is None or m.end() > best[1].end()):
                best = (kind, m)
        return best

    def is_range(self, text: str) -> bool:
        """Return whether `text` names a range (1〜2週間, a week or two) or a vague amount."""
        if self.vague.search(text):
            return True
        return any(self._one_unit(m["ua"], m["ub"]) for m in self.range.finditer(text))

    def _one_unit(self, first: str | None, second: str | None) -> bool:
        """Return whether a range's ends carry one kind of unit (1時間、30分 is no range)."""
        if first is None or second is None:
            return (first or second) is not None
        return self.unit_of.get(first, "clock") == self.unit_of.get(second.strip(), "clock")


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
    if groups.get("m2") and int(mo) > 12 >= int(d):  # 24/12: day first, unambiguous
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
        at = datetime.combine(local.date(), clock[0]) + timedelta(days=clock[1])
        # the next time the clock shows it: later today (in the repeated hour of a fall-back,
        # perhaps its second occurrence), else tomorrow
        for wall in (at, at.replace(fold=1), at + timedelta(days=1)):
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


# ── dateparser fallback ──────────────────────────────────────────────────────


def _read_dateparser(
    text: str, now: datetime, tz: ZoneInfo, default: time
) -> tuple[datetime, str] | None:
    """Read `text` with dateparser; None when it cannot, or reads only a week, month or year."""
    try:
        data = _dateparser_data(text, now.astimezone(tz).replace(tzinfo=None), tz)
        if data.date_obj is None or data.period not in ("time", "day"):
            return None
        wall = data.date_obj.replace(tzinfo=None)  # its wall time in `tz`; its offset may be stale
        if data.period == "day" and wall.time() == time(0):
            wall = datetime.combine(wall.date(), default)
        return _local(wall, tz), "dateparser"
    except Exception as exc:  # dateparser must never take the bot down: log, call it unreadable
        log.debug("dateparser failed: %s", type(exc).__name__)  # not the text: the user typed it
        return None


def _dateparser_data(text: str, base: datetime, tz: ZoneInfo) -> Any:
    """Return dateparser's reading of `text` (a `DateData`), relative to local `base`."""
    settings = {
        "PREFER_DATES_FROM": "future",
        "RELATIVE_BASE": base,
        "TIMEZONE": tz.key,
        "RETURN_AS_TIMEZONE_AWARE": True,
        "RETURN_TIME_AS_PERIOD": True,
    }
    return DateDataParser(languages=DATEPARSER_LANGUAGES, settings=settings).get_date_data(text)


# ── public API ───────────────────────────────────────────────────────────────


def parse_when(
    text: str, now: datetime, tz: ZoneInfo, words: WhenWords | Sequence[WhenWords]
) -> WhenResult:
    """Read `text` as a future time in `tz`, relative to `now` (aware UTC); or refuse kindly.

    `words` is one locale's `WhenWords`, or several tried in order (the user's locale first).
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    choices = [words] if isinstance(words, WhenWords) else list(words)
    if not choices:
        raise ValueError("parse_when needs the words of at least one locale")
    try:
        due, how = _read(text, now, tz, choices)
    except _Refuse as refusal:
        return refused(refusal.reason)
    if due <= now:
        return refused("past")
    if due - now > MAX_AHEAD:
        return refused("too-far")
    return Parsed(due, due.astimezone(tz), how)


def _read(text: str, now: datetime, tz: ZoneInfo, choices: list[WhenWords]) -> tuple[datetime, str]:
    """Return (due, how) for `text`, or raise `_Refuse`."""
    norm = normalize(text)
    if len(text.strip()) > MAX_INPUT_CHARS or len(norm) > 2 * MAX_INPUT_CHARS:
        raise _Refuse("too-long")
    if not norm:
        raise _Refuse("empty")
    if _SYMBOL_RANGE.search(norm) or any(w.grammar.is_range(norm) for w in choices):
        raise _Refuse("range")
    for words in choices:
        read = _read_grammar(norm, now, tz, words)
        if read is not None:
            return read
    if _only_known(norm, choices):
        raise _Refuse("unreadable")
    read = _read_dateparser(norm, now, tz, choices[0].default_time)
    if read is None:
        raise _Refuse("unreadable")
    if _rolled_too_soon(norm, read[0], now, tz, choices[0].roll_year_after_days):
        raise _Refuse("past")
    return read


_YEAR = re.compile(r"\d{4}")


def _rolled_too_soon(text: str, due: datetime, now: datetime, tz: ZoneInfo, roll_days: int) -> bool:
    """Say whether dateparser moved a recent date without a year to next year.

    Our grammar's rule holds for its readings too: "march 9" typed on March 10 is a slip
    (past), not next March; only a date at least `roll_days` back rolls to next year.
    """
    local, today = due.astimezone(tz), now.astimezone(tz).date()
    if _YEAR.search(text) or local.year <= today.year:
        return False
    day = local.date()
    if (day.month, day.day) == (2, 29) and not calendar.isleap(today.year):
        day = day.replace(day=28)  # compare Feb 29 with this year's last day of February
    this_year = day.replace(year=today.year)
    return this_year < today and (today - this_year).days < roll_days


def _only_known(text: str, choices: list[WhenWords]) -> bool:
    """Return whether `text` is nothing but numbers, signs and words our grammar knows.

    Such a text was fully understood and still made no sense ("19 hr", "26 twelve by"); dateparser
    would only guess. It is consulted when there is a word we do not know: "dec 24", "march 9".
    """
    for words in choices:
        text = words.grammar.known.sub(" ", text)
    return not _NOT_WORDS.sub("", text)


def warm_up(words: Sequence[WhenWords] = ()) -> None:
    """Load dateparser's language data and compile `words`, so the first real parse is fast."""
    for w in words:
        w.grammar  # noqa: B018 - builds and caches the patterns
    now = datetime(2026, 1, 5, 3, tzinfo=UTC)
    for sample in ("tomorrow 9am", "明日の午後3時", "dec 24"):
        _read_dateparser(sample, now, ZoneInfo("Asia/Tokyo"), time(9))


# ── display ──────────────────────────────────────────────────────────────────


def format_local(
    local: datetime, words: WhenWords, now: datetime | None = None, template: str | None = None
) -> str:
    """Return `local` as the preview shows it; the year is shown when it differs from `now`'s."""
    d = words.display
    if template is None:
        other_year = now is not None and now.astimezone(local.tzinfo).year != local.year
        template = d.format_with_year if other_year else d.format
    return template.format(
        year=local.year,
        month=local.month,
        month_name=d.months[local.month - 1],
        day=local.day,
        weekday=d.weekdays[local.weekday()],
        hour=local.hour,
        hour12=(local.hour - 1) % 12 + 1,
        minute=local.minute,
        ampm=d.pm if local.hour >= 12 else d.am,
    )


def format_duration(span: timedelta, words: WhenWords) -> str:
    """Return `span` in words (2時間, 3 days 4 hours): its largest unit and the next one down."""
    minutes = max(1, int(span.total_seconds() // 60))
    days, rest = divmod(minutes, 1440)
    amounts = [("days", days), ("hours", rest // 60), ("minutes", rest % 60)]
    first = next(i for i, (_, n) in enumerate(amounts) if n)
    said = [getattr(words.duration, u).say(n) for u, n in amounts[first : first + 2] if n]
    return said[0] if len(said) == 1 else words.duration.pair.format(a=said[0], b=said[1])
