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

from bot.core.when.display import format_duration, format_local
from bot.core.when.grammar import Grammar, normalize
from bot.core.when.parse import parse_when, warm_up
from bot.core.when.reading import Parsed, Refused, WhenResult, refused
from bot.core.when.words import (
    DATEPARSER_LANGUAGES,
    HINT_PREFIX,
    MAX_AHEAD,
    MAX_INPUT_CHARS,
    UNITS,
    DateMarkers,
    DayWord,
    Display,
    Durations,
    MonthWord,
    Period,
    Plural,
    Reason,
    Unit,
    WeekWord,
    WhenWords,
)

__all__ = [
    "DATEPARSER_LANGUAGES",
    "HINT_PREFIX",
    "MAX_AHEAD",
    "MAX_INPUT_CHARS",
    "UNITS",
    "DateMarkers",
    "DayWord",
    "Display",
    "Durations",
    "Grammar",
    "MonthWord",
    "Parsed",
    "Period",
    "Plural",
    "Reason",
    "Refused",
    "Unit",
    "WeekWord",
    "WhenResult",
    "WhenWords",
    "format_duration",
    "format_local",
    "normalize",
    "parse_when",
    "refused",
    "warm_up",
]
