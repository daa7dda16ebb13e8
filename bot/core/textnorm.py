"""Normalize text for matching, keeping a map back to the text as the user typed it.

The draft checker matches its phrase lists against a normalized copy of the draft, so that
width variants (ｶﾀｶﾅ, ＡＢＣ, ！？), katakana written for emphasis (ドウシテ for どうして),
invisible characters (zero-width spaces, bidi marks, variation selectors), long-vowel and
wave-dash variants (ー ｰ 〜 ～ ~ － ― …) and letter case do not let a phrase slip past. Every
character of the normalized text remembers which span of the original it came from, so a
match can be shown to the user on the characters they typed.

Steps, per character cluster (a base character with the combining marks after it, at most
`MAX_JOINED_MARKS` of them):
invisible characters are dropped; the rest is NFKC-normalized and case-folded, katakana
becomes hiragana (カフェ → かふぇ; ー, ・ and the katakana with no hiragana twin, such as ヷ,
stay), the dash family becomes "ー", curly apostrophes and quotes become ASCII ones. Every
step maps one character to one character except NFKC's expansions (… → ...), so the offset
map stays exact.

`clean_user_text` is applied where free text enters the bot (a note, a "when?", a draft, a
zone name): it drops what could not be stored or would display deceptively when echoed.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

LONG_VOWEL = "ー"
# Mapped before NFKC (NFKC would turn the full-width hyphen-minus into ASCII "-", which
# English text uses as a hyphen; in Japanese text the full-width one stands for "ー").
_BEFORE_NFKC = str.maketrans({"\uff0d": LONG_VOWEL})
# Katakana ァ..ヶ and the iteration marks ヽ ヾ sit 0x60 above their hiragana twins.
_KATAKANA = {code: code - 0x60 for code in (*range(0x30A1, 0x30F7), 0x30FD, 0x30FE)}
_HIRAGANA = str.maketrans(_KATAKANA)
# Mapped after NFKC: katakana, the wave-dash and dash family, and typographic quotes.
_AFTER_NFKC = str.maketrans(
    {
        **_KATAKANA,
        **dict.fromkeys(
            "~\u301c\u3030\u2053\u223c\u2010\u2012\u2013\u2014\u2015\u2212", LONG_VOWEL
        ),
        **dict.fromkeys("\u2018\u2019\u201a\u201b\u02bc\u2032", "'"),
        **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033", '"'),
    }
)
_MARK = "\x00"  # stands for a character that needs the slow path (never a result of folding)
_CACHE_LIMIT = 65536  # characters remembered per table
_KEEP_CONTROLS = frozenset("\t\n\r")
_JOINING_MARKS = frozenset("\uff9e\uff9f")  # half-width (han)dakuten compose like combining marks
# A cluster takes at most this many marks, as in Unicode's Stream-Safe Text Format (UAX #15);
# a longer run starts a new cluster, so each mark costs at most one fold of a short cluster.
MAX_JOINED_MARKS = 30


@dataclass(frozen=True, slots=True)
class Normalized:
    """A normalized text and, for each of its characters, the original span it came from.

    `starts[i]:ends[i]` is the span of the original text that produced character `i` of
    `text`. `starts` and `ends` are None when the mapping is the identity. `dropped` holds
    the indexes of the invisible characters left out.
    """

    original: str
    text: str
    starts: tuple[int, ...] | None
    ends: tuple[int, ...] | None
    dropped: tuple[int, ...] = ()

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Return the original span behind `text[start:end]`."""
        if self.starts is None or self.ends is None:
            return start, end
        if start >= end:
            pos = self.starts[start] if start < len(self.starts) else len(self.original)
            return pos, pos
        return self.starts[start], self.ends[end - 1]

    @property
    def visible_length(self) -> int:
        """Count the original characters that were not dropped as invisible."""
        return len(self.original) - len(self.dropped)

    def visible_index(self, count: int) -> int:
        """Return the index in the original of the visible character after the first `count`."""
        index = count
        for position in self.dropped:  # sorted; each one before `index` pushes it on by one
            if position > index:
                break
            index += 1
        return index


def is_invisible(ch: str) -> bool:
    """Say whether `ch` is dropped: format, control (but tab and newlines), selector, filler."""
    category = unicodedata.category(ch)
    if category == "Cf":
        return True
    if category == "Cc":
        return ch not in _KEEP_CONTROLS
    code = ord(ch)
    return (
        0xFE00 <= code <= 0xFE0F
        or 0xE0100 <= code <= 0xE01EF
        or code in (0x034F, 0x115F, 0x1160, 0x3164, 0xFFA0, 0x180B, 0x180C, 0x180D, 0x180F)
    )


def to_hiragana(text: str) -> str:
    """Return `text` with its (full-width) katakana written as hiragana, all else unchanged."""
    return text.translate(_HIRAGANA)


def _is_mark(ch: str) -> bool:
    return ch in _JOINING_MARKS or unicodedata.category(ch).startswith("M")


@lru_cache(maxsize=8192)
def fold(chunk: str, casefold: bool = True) -> str:
    """Return the normalized form of one cluster (or any string without invisible characters)."""
    text = unicodedata.normalize("NFKC", chunk.translate(_BEFORE_NFKC))
    if casefold:
        text = unicodedata.normalize("NFKC", text.casefold())
    return text.translate(_AFTER_NFKC)


class _Builder:
    """Accumulates normalized pieces with their original spans."""

    def __init__(self, original: str, casefold: bool) -> None:
        self.original, self.casefold = original, casefold
        self.parts: list[str] = []
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.dropped: list[int] = []
        self.last = -1  # original index where the last cluster starts
        self.last_out = 0  # index in the output where the last cluster's characters start
        self.cluster = ""  # the last cluster's visible original characters

    def run(self, folded: str, start: int, end: int) -> None:
        self.parts.append(folded[start:end])
        self.starts.extend(range(start, end))
        self.ends.extend(range(start + 1, end + 1))
        self.last, self.last_out = end - 1, len(self.starts) - 1
        self.cluster = self.original[end - 1]

    def char(self, i: int) -> None:
        ch = self.original[i]
        if is_invisible(ch):
            self.dropped.append(i)
        elif _is_mark(ch) and 0 < len(self.cluster) <= MAX_JOINED_MARKS:
            self._regroup(i)
        else:
            self.last, self.last_out, self.cluster = i, len(self.starts), ch
            self._emit(fold(ch, self.casefold), i, i + 1)

    def _regroup(self, i: int) -> None:
        """Normalize the previous cluster again with the mark at `i` joined to it."""
        tail = self.parts.pop()  # the last cluster is the end of the last part
        keep = len(tail) - (len(self.starts) - self.last_out)
        if keep > 0:
            self.parts.append(tail[:keep])
        del self.starts[self.last_out :], self.ends[self.last_out :]
        self.cluster += self.original[i]
        self._emit(fold(self.cluster, self.casefold), self.last, i + 1)

    def _emit(self, piece: str, start: int, end: int) -> None:
        self.parts.append(piece)
        self.starts.extend([start] * len(piece))
        self.ends.extend([end] * len(piece))

    def build(self) -> Normalized:
        text = "".join(self.parts)
        return Normalized(
            self.original, text, tuple(self.starts), tuple(self.ends), tuple(self.dropped)
        )


class _FoldTable(dict[int, str]):
    """`str.translate` table: a character's one-character fold, or `_MARK` when it has none.

    Invisible characters, combining marks and characters that fold to more than one character
    (… → ...) get `_MARK`; they take the slow path. Filled lazily, up to `_CACHE_LIMIT` entries.
    """

    def __init__(self, casefold: bool) -> None:
        super().__init__()
        self.casefold = casefold

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        piece = _MARK if is_invisible(ch) or _is_mark(ch) else fold(ch, self.casefold)
        if len(piece) != 1:
            piece = _MARK
        if len(self) < _CACHE_LIMIT:
            self[code] = piece
        return piece


_TABLES = {True: _FoldTable(casefold=True), False: _FoldTable(casefold=False)}


def normalize(text: str, *, casefold: bool = True) -> Normalized:
    """Normalize `text` for matching and map each normalized character back to `text`."""
    marked = text.translate(_TABLES[casefold])
    if _MARK not in marked:
        return Normalized(text, marked, None, None)
    out = _Builder(text, casefold)
    pos = 0
    while (at := marked.find(_MARK, pos)) >= 0:
        if at > pos:
            out.run(marked, pos, at)
        out.char(at)
        pos = at + 1
    if pos < len(text):
        out.run(marked, pos, len(text))
    return out.build()


def as_normalized(text: str | Normalized) -> Normalized:
    """Return `text` normalized (the default, case-folded form), or as it is if it already is:
    a caller that normalized a draft once passes that on instead of the raw text."""
    return text if isinstance(text, Normalized) else normalize(text)


# What `clean_user_text` removes: lone surrogates (they cannot be stored as UTF-8), C0 and C1
# control characters, and the bidi embeddings, overrides and isolates that can make a line
# display in another order than it was typed (U+202A–202E, U+2066–2069).
_UNSAFE = {
    **dict.fromkeys(range(0x00, 0x20)),
    **dict.fromkeys(range(0x7F, 0xA0)),
    **dict.fromkeys(range(0xD800, 0xE000)),
    **dict.fromkeys(range(0x202A, 0x202F)),
    **dict.fromkeys(range(0x2066, 0x206A)),
}
_CLEAN_ONE_LINE = {**_UNSAFE, ord("\n"): " ", ord("\t"): " "}
_CLEAN_LINES = {**_UNSAFE, ord("\n"): "\n", ord("\t"): " "}


def clean_user_text(text: str, *, multiline: bool = False) -> str:
    """Return free text a user typed, safe to store and to show again.

    Lone surrogates, control characters and bidi overrides and isolates are dropped; a tab
    becomes a space, and a line break a space too unless `multiline` (then any CR LF or CR
    becomes LF). Everything else, emoji and joiners included, is kept as typed.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.translate(_CLEAN_LINES if multiline else _CLEAN_ONE_LINE)
