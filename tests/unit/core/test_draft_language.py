"""The draft's language, not the user's Discord, decides which rules it gets."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from bot.core.content import load_content
from bot.core.draft_language import check_message, draft_languages
from tests.unit.core.test_draft_rules import load_rules

CONTENT = load_content()
CORPUS = Path(__file__).resolve().parent / "data"


@pytest.mark.parametrize(
    ("text", "languages"),
    [
        ("どうして連絡してくれないの？", ("ja",)),
        ("ドウシテ", ("ja",)),
        ("LINE見た？OK？", ("ja",)),  # Latin words Japanese chat uses as its own
        ("ＬＩＮＥ見てない？ｗｗ", ("ja",)),
        ("why haven't you texted me", ("en",)),
        ("ok lol", ("en",)),
        ("Ｗｈｙ ｄｏｎ'ｔ ｙｏｕ ｒｅｐｌｙ", ("en",)),
        ("元気？ how have you been these days my friend", ("en", "ja")),
        ("最近どうしてる？体調は大丈夫？miss you", ("ja", "en")),
    ],
)
def test_languages_are_read_from_the_script(text: str, languages: tuple[str, ...]) -> None:
    assert draft_languages(text) == languages


@pytest.mark.parametrize("text", ["😭😭😭", "？？？", "??", "……"])
def test_a_draft_with_no_letters_is_checked_the_same_for_everyone(text: str) -> None:
    assert draft_languages(text) == ("ja", "en")
    assert spans(text, "ja") == spans(text, "en")


def examples(locale: str) -> list[str]:
    texts = []
    for rule in load_rules(locale).rules:
        if rule.check != "recent":
            texts += [e for e in (*rule.examples.fire, *rule.examples.quiet) if isinstance(e, str)]
    with (CORPUS / "drafts.toml").open("rb") as fh:
        texts += [d["text"] for d in tomllib.load(fh)["drafts"] if d["locale"] == locale]
    return texts


def spans(text: str, locale: str) -> list[tuple[str, int, int]]:
    report = check_message(text, CONTENT.drafts, locale)
    return [(f.rule, f.start, f.end) for f in report.findings]


@pytest.mark.parametrize(("written", "user"), [("ja", "en"), ("en", "ja")])
def test_every_example_gets_the_same_findings_whatever_the_users_language(
    written: str, user: str
) -> None:
    differ = [t for t in examples(written) if spans(t, written) != spans(t, user)]
    assert differ == []


def test_a_japanese_draft_from_an_english_user_is_told_in_english() -> None:
    report = check_message("どうして連絡してくれないの？", CONTENT.drafts, "en")
    (blame,) = [f for f in report.findings if f.rule == "blame"]
    assert report.verdict == "dont-send"
    assert blame.message == CONTENT["en"].draft.rule("blame").message
    assert "どうして連絡してくれない" in "どうして連絡してくれないの？"[blame.start : blame.end]


def test_an_english_draft_from_a_japanese_user_is_told_in_japanese() -> None:
    report = check_message("Why haven't you texted me back?", CONTENT.drafts, "ja")
    assert report.verdict == "dont-send"
    assert {f.message for f in report.findings if f.rule == "blame"} == {
        CONTENT["ja"].draft.rule("blame").message
    }


def test_a_mixed_draft_gets_both_rule_sets() -> None:
    text = "元気にしてる？ why haven't you texted me back"
    report = check_message(text, CONTENT.drafts, "ja")
    (blame,) = [f for f in report.findings if f.rule == "blame"]
    assert text[blame.start : blame.end].startswith("why haven't you texted")
    assert "caring" in {f.rule for f in report.findings}


def test_length_follows_the_language_most_of_the_draft_is_in() -> None:
    english = "I had such a lovely time at the lake with everyone last weekend, " * 4
    assert len(english) > CONTENT["ja"].draft.max_length
    report = check_message(english, CONTENT.drafts, "ja")
    assert "too-long" not in {f.rule for f in report.findings}
    (finding,) = [
        f for f in check_message(english * 2, CONTENT.drafts, "ja").findings if f.rule == "too-long"
    ]
    assert str(CONTENT["en"].draft.max_length) in finding.message


def test_dashes_and_bullets_do_not_make_english_japanese() -> None:
    # The normal form writes every dash as "ー" and keeps "・": neither is Japanese on its own.
    assert draft_languages("There's a film I want to see — free this weekend?") == ("en",)
    assert draft_languages("・coffee ・movie ・dinner") == ("en",)
