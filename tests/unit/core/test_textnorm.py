"""Text normalization for matching, and its map back to the text as typed."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.textnorm import (
    LONG_VOWEL,
    MAX_JOINED_MARKS,
    Normalized,
    fold,
    is_invisible,
    normalize,
    to_hiragana,
)

INVISIBLE = (
    "\u200b\u200c\u200d\u2060\ufeff\u00ad"  # zero-width, soft hyphen
    "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u061c"  # bidi
    "\ufe0f\U000e0041"  # variation selector, tag
    "\x00\x07\x1b\x7f"  # control characters
)
DASHES = "ー〜～~－―—–‐−ｰ〰∼"

any_text = st.text(
    alphabet=st.one_of(
        st.characters(codec=None, exclude_categories=("Cs",)),
        st.sampled_from(INVISIBLE + DASHES + "ｶﾞﾊﾟ\u3099\u0301\u20e3👍🏽😭‍"),
    ),
    max_size=80,
)


def pieces(n: Normalized) -> list[str]:
    """Return, for each normalized character, the original characters behind it."""
    return [n.original[slice(*n.span(i, i + 1))] for i in range(len(n.text))]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("どうして", "どうして"),
        ("ど\u200bうして", "どうして"),
        ("ﾄﾞｳｼﾃ", "どうして"),
        ("ドウシテ", "どうして"),
        ("既読スルー", "既読するー"),
        ("カフェ・ライブ", "かふぇ・らいぶ"),
        ("ヴァ", "ゔぁ"),
        ("ウ\u3099", "ゔ"),
        ("ヽヾ", "ゝゞ"),
        ("ヷヺ", "ヷヺ"),
        ("ヿ", "こと"),
        ("ＡＢＣ！？", "abc!?"),
        ("WHY Haven’t", "why haven't"),
        ("“hi”", '"hi"'),
        ("か\u3099", "が"),
        ("a\u200b\u0301", "á"),
        ("\u202eabc\u202c", "abc"),
        ("…", "..."),
        ("\u3000x\u00a0", " x "),
        ("Straße", "strasse"),
        ("", ""),
    ],
)
def test_normalizes(text: str, expected: str) -> None:
    assert normalize(text).text == expected


@pytest.mark.parametrize("dash", DASHES)
def test_dash_family_becomes_one_long_vowel(dash: str) -> None:
    assert normalize(f"さみしい{dash}").text == f"さみしい{LONG_VOWEL}"


def test_ascii_hyphen_stays_a_hyphen() -> None:
    assert normalize("e-mail").text == "e-mail"


KATAKANA = [chr(c) for c in (*range(0x30A1, 0x30F7), 0x30FD, 0x30FE)]


@pytest.mark.parametrize("ch", KATAKANA)
def test_each_katakana_becomes_its_hiragana_twin(ch: str) -> None:
    twin = chr(ord(ch) - 0x60)
    assert unicodedata.name(twin) == unicodedata.name(ch).replace("KATAKANA", "HIRAGANA")
    assert normalize(ch).text == to_hiragana(ch) == twin


@given(st.text(alphabet=st.sampled_from([*KATAKANA, "ー", "・"]), max_size=30))
def test_katakana_folds_one_to_one_so_spans_need_no_map(text: str) -> None:
    n = normalize(text)
    assert n.starts is None and len(n.text) == len(text)
    assert n.text == normalize(to_hiragana(text)).text


def test_to_hiragana_leaves_everything_else_alone() -> None:
    text = "(らーめん|ー・ｶﾅ|[a-z]+)\\?$ 漢字 ヷ"
    assert to_hiragana(text) == text
    assert to_hiragana("(ライン|スルー)") == "(らいん|するー)"


def test_casefold_can_be_turned_off() -> None:
    assert normalize("ＡBc", casefold=False).text == "ABc"


def test_spans_point_at_the_characters_typed() -> None:
    n = normalize("ｶﾞ\u200bｰﾝ！")
    assert n.text == "がーん!"
    assert pieces(n) == ["ｶﾞ", "ｰ", "ﾝ", "！"]
    assert n.span(0, 4) == (0, 6)
    assert n.span(1, 3) == (3, 5)


def test_expansions_map_every_piece_to_the_same_original() -> None:
    n = normalize("そっか…！")
    assert n.text == "そっか...!"
    assert pieces(n) == ["そ", "っ", "か", "…", "…", "…", "！"]


def test_a_run_of_marks_joins_a_cluster_thirty_at_a_time() -> None:
    # Stream-Safe Text Format: without the cap every mark refolded the whole cluster, so a
    # few thousand marks (zalgo text, a run of ﾞ) took seconds and blocked the event loop.
    n = normalize("a" + "\u0301" * 40)
    assert n.span(0, 1) == (0, 1 + MAX_JOINED_MARKS)
    assert n.span(len(n.text) - 1, len(n.text)) == (1 + MAX_JOINED_MARKS, 41)
    marks = normalize("ﾞ" * 6000)
    assert len({marks.span(i, i + 1) for i in range(len(marks.text))}) == 6000 // 31 + 1


def test_invisible_characters_between_marks_stay_out_of_the_cluster() -> None:
    n = normalize("ｶ" + "\u200bﾞ" * 3)
    assert n.text == "が" + "\u3099" * 2
    assert n.span(0, len(n.text)) == (0, 7) and n.dropped == (1, 3, 5)


def test_empty_spans_map_to_a_position() -> None:
    n = normalize("\u200bあ")
    assert n.span(0, 0) == (1, 1)
    assert n.span(1, 1) == (2, 2)


def test_identity_when_nothing_changes() -> None:
    n = normalize("hello どうして")
    assert n.starts is None and n.span(2, 5) == (2, 5)


def test_visible_length_skips_invisible_characters() -> None:
    assert normalize("a\u200bb\u200fc").visible_length == 3


@pytest.mark.parametrize("ch", list(INVISIBLE))
def test_invisible_characters(ch: str) -> None:
    assert is_invisible(ch)


@pytest.mark.parametrize("ch", ["\n", "\t", "\r", " ", "a", "あ", "😭", "\u0301"])
def test_visible_characters(ch: str) -> None:
    assert not is_invisible(ch)


def test_fast_and_slow_paths_agree_on_every_bmp_character() -> None:
    """The translate table and the per-character path give the same result for each character."""
    for code in range(0x10000):
        ch = chr(code)
        if unicodedata.category(ch) == "Cs":
            continue
        fast = normalize(ch)
        slow = normalize("\u200b" + ch)  # an invisible character forces the slow path
        assert fast.text == slow.text == ("" if is_invisible(ch) else fold(ch)), hex(code)
        assert slow.span(0, len(slow.text)) == ((1, 2) if slow.text else (2, 2)), hex(code)


# --- properties --------------------------------------------------------------------------------


@given(any_text)
def test_every_normalized_character_maps_inside_the_original(text: str) -> None:
    n = normalize(text)
    for i in range(len(n.text)):
        start, end = n.span(i, i + 1)
        assert 0 <= start < end <= len(text)
    if n.starts is not None and n.ends is not None:
        assert len(n.starts) == len(n.ends) == len(n.text)
        assert list(n.starts) == sorted(n.starts) and list(n.ends) == sorted(n.ends)


@given(any_text)
def test_spans_start_and_end_on_visible_characters(text: str) -> None:
    n = normalize(text)
    for i in range(len(n.text)):
        start, end = n.span(i, i + 1)
        assert not is_invisible(text[start]) and not is_invisible(text[end - 1])


@given(any_text)
def test_output_has_no_invisible_characters_or_dash_variants(text: str) -> None:
    out = normalize(text).text
    assert not any(is_invisible(ch) for ch in out)
    assert not set(out) & set(DASHES.replace(LONG_VOWEL, ""))


@given(any_text, st.lists(st.integers(min_value=0), max_size=8), st.sampled_from(INVISIBLE))
def test_inserting_invisible_characters_changes_nothing(
    text: str, cuts: list[int], ch: str
) -> None:
    noisy = text
    for cut in cuts:
        at = cut % (len(noisy) + 1)
        noisy = noisy[:at] + ch + noisy[at:]
    assert normalize(noisy).text == normalize(text).text


@given(any_text)
def test_normalizing_twice_changes_nothing(text: str) -> None:
    once = normalize(text).text
    assert normalize(once).text == once


@given(
    st.text(
        alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7D, exclude_characters="-"),
        max_size=40,
    )
)
def test_full_width_ascii_reads_as_ascii(text: str) -> None:
    wide = "".join(chr(ord(c) + 0xFEE0) for c in text)
    assert normalize(wide).text == normalize(text).text


@pytest.mark.parametrize(
    ("text", "count", "index"),
    [("abcdef", 3, 3), ("a\u200bbc\u200bdef", 3, 5), ("\u200b\u200babc", 0, 2), ("ab\u200b", 2, 3)],
)
def test_visible_index_skips_dropped_characters(text: str, count: int, index: int) -> None:
    assert normalize(text).visible_index(count) == index


def test_clean_user_text_drops_what_cannot_be_stored_or_would_mislead_when_echoed():
    from bot.core.textnorm import clean_user_text

    typed = "a\ud800b\x00c\x1bd\x7f\x85e \u202eevil\u202c \u2066iso\u2069"
    typed += "\u202a\u202b\u202d\u2067\u2068"
    assert clean_user_text(typed) == "abcde evil iso"
    clean_user_text(typed).encode("utf-8")  # a lone surrogate no longer breaks the store


def test_clean_user_text_keeps_lines_only_where_they_make_sense():
    from bot.core.textnorm import clean_user_text

    assert clean_user_text("one\r\ntwo\rthree\nfour\tfive") == "one two three four five"
    assert clean_user_text("one\r\ntwo\rthree\n", multiline=True) == "one\ntwo\nthree\n"


def test_clean_user_text_keeps_emoji_joiners_marks_and_japanese():
    from bot.core.textnorm import clean_user_text

    kept = "👨\u200d👩\u200d👧 ｶﾞ が\u3099 \u200f日本語\u200e ok"
    assert clean_user_text(kept) == kept
