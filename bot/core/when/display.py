"""How a time and a duration are shown in the preview and the replies."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.core.when.words import WhenWords


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
