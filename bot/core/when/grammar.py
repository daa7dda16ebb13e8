"""Normalizing a phrase, and the patterns compiled from one locale's `WhenWords`."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from bot.core.when.words import WhenWords


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
