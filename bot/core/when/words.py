"""The words `parse_when` reads with: section `when` of the content, for one locale."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from functools import cache, cached_property, lru_cache
from typing import Literal

from babel import Locale
from pydantic import Field, PrivateAttr, model_validator

from bot.core.model import Strict
from bot.core.when.display import format_local
from bot.core.when.grammar import Grammar

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


@cache
def plural_rule(locale: str) -> Callable[[int], str]:
    """The CLDR plural rule of `locale` (Babel): the category a number falls in."""
    rule: Callable[[int], str] = Locale.parse(locale).plural_form
    return rule


@lru_cache(maxsize=1024)
def _say(one: str, other: str, locale: str, n: int) -> str:
    """The unit's words for `n` (worked out once per unit and number: the plural rule is slow)."""
    form = one if plural_rule(locale)(n) == "one" else other
    return form.format(n=n)


class Plural(Strict):
    """One duration unit for display; `{n}` is the number.

    Which form a number takes is the locale's plural rule, from Babel (CLDR): English "1 day",
    "2 days"; Japanese has one form. A rule's categories other than `one` (few, many) take
    `other`, the only other form the content writes.
    """

    one: str
    other: str
    _locale: str = PrivateAttr(default="en")

    def for_locale(self, locale: str) -> Plural:
        """Use `locale`'s plural rule (the content loader calls this); return self."""
        plural_rule(locale)  # an unknown locale fails at start, not at the first reply
        self._locale = locale
        return self

    def say(self, n: int) -> str:
        """Return the unit with `n` filled in, in the form the locale's rule picks."""
        return _say(self.one, self.other, self._locale, n)


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
