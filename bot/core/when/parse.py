"""Read "when?": our grammar first, dateparser behind a guard; the public `parse_when`."""

from __future__ import annotations

import calendar
import logging
import re
from collections.abc import Sequence
from datetime import UTC, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from dateparser.date import DateDataParser

from bot.core.when.grammar import _NOT_WORDS, _SYMBOL_RANGE, normalize
from bot.core.when.reading import Parsed, WhenResult, _local, _read_grammar, _Refuse, refused
from bot.core.when.words import DATEPARSER_LANGUAGES, MAX_AHEAD, MAX_INPUT_CHARS, WhenWords

log = logging.getLogger(__name__)


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
