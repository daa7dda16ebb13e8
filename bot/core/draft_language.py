"""Which rules a draft gets: decided by the language it is written in, not by the user's Discord.

A user whose Discord is in English may write to the person in Japanese, and the other way
round; the rules are phrase lists of one language, so they must follow the draft. The report
still speaks the user's language: findings are worded from the rules of the user's locale
(every locale has the same rule ids; the content loader checks it).

The language is read from the script: kana and kanji mean Japanese; words in Latin letters
(in a draft that has Japanese too, the handful of Latin words Japanese chat uses, such as
LINE, OK, SNS, do not count) mean English. A draft with both gets both rule sets' phrase
rules, findings merged; the model behind the rules, and the rules about the shape of the whole
message (its length, its last sentence, a bare acknowledgement), come from the language most
of the draft is in. A draft with neither (emoji or punctuation only) gets both, Japanese
first, so that it too is checked the same whatever the user's language.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from bot.core.draft import Detected, DraftContext, DraftRules, Report, detect, report_of
from bot.core.textnorm import Normalized, as_normalized

# Hiragana, the katakana folding leaves, the CJK ideographs and 々〆; not ー and ・, which the
# normal form also writes for dashes and bullets in any language.
_JAPANESE = re.compile(
    r"[\u3041-\u309f\u30a0-\u30fa\u30fd-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆]"
)
_LATIN_WORD = re.compile(r"[a-z][a-z']*")
# Latin words that Japanese chat uses as its own: they do not make a Japanese draft English.
_JAPANESE_LATIN = frozenset(
    [
        "line",
        "ok",
        "okay",
        "ng",
        "sns",
        "dm",
        "pc",
        "tv",
        "ol",
        "lol",
        "w",
        "ww",
        "www",
        "xd",
        "cm",
        "mv",
        "dvd",
        "cd",
        "usj",
        "tdl",
        "tds",
        "gw",
        "mtg",
    ]
)
# One Japanese character carries about as much as this many Latin letters (a syllable or more).
_JA_WEIGHT = 3


NO_LETTERS = ("ja", "en")  # what a draft without letters is checked with, in this order


def draft_languages(text: str | Normalized) -> tuple[str, ...]:
    """Return the languages of `text` (or of the text normalized), the one most of it is in
    first."""
    norm = as_normalized(text).text
    ja = len(_JAPANESE.findall(norm))
    latin = _LATIN_WORD.findall(norm)
    words = [w for w in latin if w.strip("'") not in _JAPANESE_LATIN]
    letters = sum(len(w) for w in words)
    has_en = len(words) >= 2 or (bool(latin) and ja == 0)
    if ja and has_en:
        return ("ja", "en") if ja * _JA_WEIGHT >= letters else ("en", "ja")
    if ja:
        return ("ja",)
    if has_en:
        return ("en",)
    return NO_LETTERS


def check_message(
    text: str | Normalized,
    rules: Mapping[str, DraftRules],
    locale: str,
    context: DraftContext | None = None,
) -> Report:
    """Check `text` with the rules of the language(s) it is written in; word it for `locale`.

    `text` may come normalized already (`bot.core.textnorm.normalize`); it is normalized once.
    """
    norm = as_normalized(text)
    languages = [lang for lang in draft_languages(norm) if lang in rules] or [locale]
    main = languages[0]
    detected = detect(norm, rules[main], context)
    for other in languages[1:]:
        detected = _merge(detected, detect(norm, rules[other], context, phrases_only=True))
    return report_of(detected, rules[locale], rules[main].max_length, context)


def _merge(first: Detected, second: Detected) -> Detected:
    """Join two detections: one entry per rule id, its spans in order and without repeats."""
    spans: dict[str, set[tuple[int, int]]] = {}
    for rule_id, found in (*first.found, *second.found):
        spans.setdefault(rule_id, set()).update(found)
    return Detected([(rule_id, sorted(s)) for rule_id, s in spans.items()], first.length)
