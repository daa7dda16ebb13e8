"""The draft rules: every rule's own examples in both locales, the model's checks, the verdict."""

from __future__ import annotations

import re
import tomllib
from datetime import timedelta
from functools import cache
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.core.clock import utc
from bot.core.content import DRAFT_MODEL_FILE
from bot.core.draft import (
    SEVERITIES,
    DraftContext,
    DraftRules,
    Report,
    SentExample,
    check_draft,
    is_blank,
    score,
)
from bot.core.draft_model import DraftModel

ROOT = Path(__file__).resolve().parents[3]
LOCALES = ("ja", "en")
RULE_IDS = [
    "blame",
    "heavy-topic",
    "pressure",
    "emotional",
    "second-look",
    "too-long",
    "too-terse",
    "no-question",
    "repeat-send",
    "caring",
    "light-invite",
]
NOW = utc(2026, 1, 5, 9)


def raw_rules(locale: str) -> dict:
    with (ROOT / "content" / locale / "draft.toml").open("rb") as fh:
        return tomllib.load(fh)


@cache
def load_rules(locale: str) -> DraftRules:
    """Build the section model straight from the file (independent of the other sections)."""
    return DraftRules.model_validate(raw_rules(locale))


@cache
def shipped_model(locale: str) -> DraftModel:
    """The model as shipped beside the rules (`content/<locale>/draft_model.json`)."""
    path = ROOT / "content" / locale / DRAFT_MODEL_FILE
    return DraftModel.model_validate_json(path.read_text(encoding="utf-8"))


def fired(report: Report) -> set[str]:
    return {f.rule for f in report.findings}


def run_example(rules: DraftRules, example: str | SentExample) -> Report:
    if isinstance(example, SentExample):
        last = NOW - timedelta(days=example.days_since_last)
        return check_draft(example.text, rules, DraftContext(last_sent_at=last, now=NOW))
    return check_draft(example, rules)


def example_cases() -> list:
    cases = []
    for locale in LOCALES:
        for rule in load_rules(locale).rules:
            for want in ("fire", "quiet"):
                for n, example in enumerate(getattr(rule.examples, want)):
                    case_id = f"{locale}-{rule.id}-{want}-{n}"
                    cases.append(pytest.param(locale, rule.id, want, example, id=case_id))
    return cases


@pytest.mark.parametrize(("locale", "rule_id", "want", "example"), example_cases())
def test_rule_examples(locale: str, rule_id: str, want: str, example) -> None:
    rules = load_rules(locale)
    if rules.rule(rule_id).check == "model":  # found by the model only: check with it
        rules = rules.model_copy(update={"model": shipped_model(locale)})
    report = run_example(rules, example)
    assert (rule_id in fired(report)) == (want == "fire"), report.findings


@pytest.mark.parametrize("locale", LOCALES)
def test_rule_ids_are_the_agreed_list(locale: str) -> None:
    assert [rule.id for rule in load_rules(locale).rules] == RULE_IDS


@pytest.mark.parametrize("locale", LOCALES)
def test_severities_and_ng_links(locale: str) -> None:
    rules = load_rules(locale)
    assert {r.id: r.severity for r in rules.rules} == {
        "blame": "error",
        "heavy-topic": "error",
        "pressure": "warning",
        "emotional": "warning",
        "second-look": "warning",
        "too-long": "warning",
        "too-terse": "warning",
        "no-question": "info",
        "repeat-send": "warning",
        "caring": "good",
        "light-invite": "good",
    }
    assert rules.rule("blame").ng == "blaming"
    assert rules.rule("too-long").ng == rules.rule("emotional").ng == "long-panic-message"


def test_locales_agree_on_everything_but_wording() -> None:
    ja, en = load_rules("ja"), load_rules("en")
    assert ja.score == en.score and ja.repeat_days == en.repeat_days == 7
    assert (ja.max_length, en.max_length) == (150, 300)
    for a, b in zip(ja.rules, en.rules, strict=True):
        assert (a.id, a.check, a.severity, a.ng, a.templates) == (
            b.id,
            b.check,
            b.severity,
            b.ng,
            b.templates,
        )


# --- look-alikes named in the brief ------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "text", "rule_id"),
    [
        ("ja", "どうしてそんなに歌がうまいの？", "blame"),
        ("ja", "返事はゆっくりで平気だよ", "pressure"),
        ("ja", "辛いもの好き？", "emotional"),
        ("ja", "返信くれてありがとう", "blame"),
        # from the review of the rules: everyday questions that read like heavy ones
        ("en", "Do you want me to bring anything?", "heavy-topic"),
        ("en", "Where are we going for dinner?", "heavy-topic"),
        ("en", "Did you lose interest in tennis?", "heavy-topic"),
        ("en", "Why don't you call your mom?", "blame"),
        ("en", "I'll text you tonight", "pressure"),
        ("ja", "ピーマンはもう好きじゃないの？", "heavy-topic"),
        ("ja", "ずっと連絡できないでごめん", "blame"),
    ],
)
def test_look_alikes_stay_quiet(locale: str, text: str, rule_id: str) -> None:
    assert rule_id not in fired(check_draft(text, load_rules(locale)))


@pytest.mark.parametrize(
    ("locale", "text", "rule_id"),
    [
        ("en", "Did you stop liking me?", "heavy-topic"),
        ("en", "Don't you like me anymore?", "heavy-topic"),
        ("en", "Do you want me or not", "heavy-topic"),
        ("en", "Please reply", "pressure"),
        ("ja", "もう好きじゃないの？", "heavy-topic"),
        ("ja", "ドウシテ連絡してくれないの？", "blame"),
        ("ja", "ﾄﾞｳｼﾃ連絡してくれないの？", "blame"),
    ],
)
def test_misses_from_the_review_fire(locale: str, text: str, rule_id: str) -> None:
    assert rule_id in fired(check_draft(text, load_rules(locale)))


@pytest.mark.parametrize(
    "text", ["ドウシテ連絡くれないの", "ﾄﾞｳｼﾃ連絡くれないの", "どうして連絡くれないの"]
)
def test_katakana_blame_span_is_what_was_typed(text: str) -> None:
    (finding,) = [f for f in check_draft(text, load_rules("ja")).findings if f.rule == "blame"]
    assert text[finding.start : finding.end] == text.removesuffix("の")


@pytest.mark.parametrize("spelling", ["スルー", "するー", "ｽﾙｰ", "ス\u200bルー"])
def test_pattern_words_match_in_either_script(spelling: str) -> None:
    """The blame pattern is written 既読(無視|スルー|放置); every spelling of it matches."""
    text = f"既読{spelling}はやめて"
    (finding,) = [f for f in check_draft(text, load_rules("ja")).findings if f.rule == "blame"]
    assert text[finding.start : finding.end] == f"既読{spelling}"


def test_katakana_in_patterns_is_folded_when_loading() -> None:
    rules = DraftRules.model_validate(broken(patterns=["(ライン|line)(見て|読んで)ない"]))
    assert rules.rule("blame").patterns == ["(らいん|line)(見て|読んで)ない"]
    assert "blame" in fired(check_draft("ライン見てない？", rules))
    assert "blame" in fired(check_draft("らいん読んでない", rules))
    katakana = re.compile("[\u30a1-\u30f6]")
    for locale in LOCALES:
        rules = load_rules(locale)
        for pattern in (rules.trailing, rules.sentence_end):
            assert not katakana.search(pattern)
        for rule in rules.rules:
            assert not any(katakana.search(p) for p in (*rule.patterns, *rule.unless)), rule.id


def test_zero_width_space_does_not_hide_blame() -> None:
    text = "ど\u200bうして連絡くれないの"
    (finding,) = [f for f in check_draft(text, load_rules("ja")).findings if f.rule == "blame"]
    assert text[finding.start : finding.end] == "ど\u200bうして連絡くれない"


@pytest.mark.parametrize(
    "text",
    [
        "ど\u200fうして\u202e連絡くれないの",  # bidi marks
        "どうして連絡\ufeffくれないの",  # BOM
        "どうして連絡くれないの\u2060？",  # word joiner
    ],
)
def test_invisible_characters_do_not_hide_blame(text: str) -> None:
    assert "blame" in fired(check_draft(text, load_rules("ja")))


def test_width_and_dash_variants_are_unified() -> None:
    rules = load_rules("ja")
    assert "pressure" in fired(check_draft("ＬＩＮＥ見てない？", rules))
    assert "blame" in fired(check_draft("既読ｽﾙｰやめて", rules))
    for wave in "〜～~ー－":
        assert "no-question" not in fired(check_draft(f"今度遊ばない{wave}", rules)), wave


def test_english_is_case_folded_and_apostrophes_unified() -> None:
    rules = load_rules("en")
    for text in ("WHY HAVEN'T YOU TEXTED ME", "Why haven’t you texted me", "why havenʼt u texted"):
        assert "blame" in fired(check_draft(text, rules)), text


# --- spans -------------------------------------------------------------------------------------


def test_no_question_span_is_the_last_sentence() -> None:
    text = "昨日は楽しかった。体調悪いなら無理しないようにね。"
    report = check_draft(text, load_rules("ja"))
    (finding,) = [f for f in report.findings if f.rule == "no-question"]
    assert text[finding.start : finding.end] == "体調悪いなら無理しないようにね"


@pytest.mark.parametrize(
    ("locale", "text"),
    [
        ("ja", "元気にしてる？体調悪いなら無理しないようにね。"),
        ("ja", "最近どう？\n無理しないでね"),
        ("en", "How have you been? Don't push yourself."),
    ],
)
def test_a_question_then_one_closing_line_still_asks(locale: str, text: str) -> None:
    assert "no-question" not in fired(check_draft(text, load_rules(locale)))


def test_a_question_two_sentences_back_does_not_count() -> None:
    text = "元気にしてる？昨日カフェに行ったよ。美味しかった。"
    assert "no-question" in fired(check_draft(text, load_rules("ja")))


@pytest.mark.parametrize(
    "text",
    [
        "映画どうだった？(^^)",
        "週末空いてるかな(*´ω`*)",
        "最近どう？ｗｗ",
        "今度ご飯行かない",
        "元気？😊✨",
    ],
)
def test_questions_with_trailing_decorations(text: str) -> None:
    assert "no-question" not in fired(check_draft(text, load_rules("ja")))


@pytest.mark.parametrize("locale", LOCALES)
def test_too_long_span_is_the_part_past_the_limit(locale: str) -> None:
    rules = load_rules(locale)
    text = "あ" * rules.max_length + "\u200b" * 5 + "いう"
    (finding,) = [f for f in check_draft(text, rules).findings if f.rule == "too-long"]
    assert text[finding.start : finding.end] == "いう"
    assert str(rules.max_length) in finding.message and str(rules.max_length + 2) in finding.message


@pytest.mark.parametrize("locale", LOCALES)
def test_invisible_characters_do_not_count_towards_the_length(locale: str) -> None:
    rules = load_rules(locale)
    text = "\u200b".join("a" * rules.max_length)
    assert "too-long" not in fired(check_draft(text, rules))
    assert "too-long" in fired(check_draft(text + "b", rules))


def test_terse_span_skips_trailing_punctuation() -> None:
    text = "  そっか。"
    (finding,) = [f for f in check_draft(text, load_rules("ja")).findings if f.rule == "too-terse"]
    assert text[finding.start : finding.end] == "そっか"


# --- repeat-send -------------------------------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize(
    ("days", "fires"), [(0, True), (1, True), (6.99, True), (7, False), (10, False)]
)
def test_repeat_send_needs_a_week(locale: str, days: float, fires: bool) -> None:
    text = "元気にしてる？"
    context = DraftContext(last_sent_at=NOW - timedelta(days=days), now=NOW)
    report = check_draft(text, load_rules(locale), context)
    assert ("repeat-send" in fired(report)) is fires
    if fires:
        (finding,) = [f for f in report.findings if f.rule == "repeat-send"]
        assert (finding.start, finding.end) == (0, len(text))
        assert "7" in finding.message
        assert report.verdict == "revise"


def test_repeat_days_can_come_from_the_context() -> None:
    context = DraftContext(last_sent_at=NOW - timedelta(days=10), now=NOW, repeat_days=14)
    report = check_draft("元気にしてる？", load_rules("ja"), context)
    (finding,) = [f for f in report.findings if f.rule == "repeat-send"]
    assert "14" in finding.message


@pytest.mark.parametrize(
    "context",
    [None, DraftContext(), DraftContext(now=NOW), DraftContext(last_sent_at=NOW)],
)
def test_repeat_send_needs_both_times(context: DraftContext | None) -> None:
    assert "repeat-send" not in fired(check_draft("元気にしてる？", load_rules("ja"), context))


def test_a_last_send_in_the_future_counts_as_recent() -> None:
    context = DraftContext(last_sent_at=NOW + timedelta(hours=1), now=NOW)
    assert "repeat-send" in fired(check_draft("元気にしてる？", load_rules("ja"), context))


def test_context_times_must_be_timezone_aware() -> None:
    with pytest.raises(ValidationError):
        DraftContext(last_sent_at=NOW.replace(tzinfo=None), now=NOW)


# --- verdict, score, template kinds ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "verdict", "expected"),
    [
        # 70 - 40 (blame) + 15 (caring; "元気" after the blame) and no-question does not fire
        ("どうして連絡くれないの？元気にしてる？", "dont-send", 45),
        # 70 - 15 (pressure)
        ("今日中に返事してね？", "revise", 55),
        # 70 - 15 (too-terse) - 5 (no-question)
        ("うん", "revise", 50),
        # 70 + 15 (caring) + 15 (light-invite)
        ("元気にしてる？よかったら今度ご飯行かない？", "send", 100),
        # 70 - 40 (blame) - 40 (heavy-topic) - 15 (emotional) -> clamped to 0
        ("なんで返事くれないの？冷めた？寂しいよ！！！", "dont-send", 0),
    ],
)
def test_verdict_and_score(text: str, verdict: str, expected: int) -> None:
    report = check_draft(text, load_rules("ja"))
    assert (report.verdict, report.score) == (verdict, expected), report.findings


def test_score_counts_each_rule_once() -> None:
    text = "寂しい。寂しい。泣きたい。"
    report = check_draft(text, load_rules("ja"))
    assert [f.rule for f in report.findings].count("emotional") == 3
    assert report.score == 70 - 15 - 5


def test_score_formula_is_clamped() -> None:
    weights = load_rules("ja").score
    assert score([], weights) == 70
    assert score(["good"] * 5, weights) == 100
    assert score(["error"] * 3, weights) == 0


def test_findings_are_ordered_by_severity_then_position() -> None:
    report = check_draft("元気？寂しいよ。どうして連絡くれないの", load_rules("ja"))
    keys = [(SEVERITIES.index(f.severity), f.start) for f in report.findings]
    assert keys == sorted(keys) and report.findings[0].rule == "blame"


def test_template_kinds_follow_the_findings() -> None:
    rules = load_rules("ja")
    assert check_draft("どうして連絡くれないの？", rules).template_kinds == ("caring",)
    assert check_draft("冷めた？", rules).template_kinds == ("invite",)
    assert check_draft("元気にしてる？", rules).template_kinds == ()


def test_report_serializes_to_json() -> None:
    report = check_draft("どうして連絡くれないの？", load_rules("ja"))
    data = report.model_dump(mode="json")
    assert set(data) == {"verdict", "score", "findings", "template_kinds"}
    assert set(data["findings"][0]) == {
        "rule",
        "severity",
        "start",
        "end",
        "message",
        "suggestion",
        "ng",
    }
    assert Report.model_validate(data) == report


@pytest.mark.parametrize(("text", "blank"), [("", True), (" \n\u200b\u3000", True), ("う", False)])
def test_is_blank(text: str, blank: bool) -> None:
    assert is_blank(text) is blank


# --- the model refuses bad content -------------------------------------------------------------


def broken(locale: str = "ja", **changes) -> dict:
    data, rule_id = raw_rules(locale), changes.pop("rule", "blame")
    rule = next(r for r in data["rules"] if r["id"] == rule_id)
    rule.update(changes)
    return data


@pytest.mark.parametrize(
    ("changes", "needle"),
    [
        ({"patterns": ["(unclosed"]}, "bad regex"),
        ({"patterns": ["どうして？"]}, "normalized form"),
        ({"patterns": ["ラ〜メン"]}, "normalized form"),
        ({"patterns": ["既読ｽﾙｰ"]}, "normalized form"),
        ({"patterns": ["(ライン|ＬＩＮＥ)"]}, "normalized form"),
        ({"patterns": []}, "needs patterns"),
        ({"rule": "too-long", "patterns": ["x"]}, "takes no patterns"),
        ({"message": "{count} times"}, "unknown placeholder"),
        ({"severity": "fatal"}, "severity"),
        ({"check": "vibes"}, "check"),
        ({"examples": {"fire": [], "quiet": ["x"]}}, "fire"),
    ],
)
def test_bad_rules_are_refused(changes: dict, needle: str) -> None:
    with pytest.raises(ValidationError) as exc:
        DraftRules.model_validate(broken(**changes))
    assert needle in str(exc.value)


def test_unknown_keys_are_refused() -> None:
    with pytest.raises(ValidationError):
        DraftRules.model_validate(broken(weight=3))


def test_loads_through_the_content_loader(content) -> None:
    for locale in LOCALES:
        draft = content[locale].draft
        assert draft.model is not None  # the weights in draft_model.json join the rules
        alone = load_rules(locale)
        alone.days.for_locale(locale)  # the loader gives each plural its locale's rule
        assert draft.model_copy(update={"model": None}) == alone
        assert content[locale].text("check_draft.error.too_long", limit=2000)


def has_fast_prefix(pattern: str) -> bool:
    """Say whether the regex engine can skip positions: a literal prefix or a first-character set.

    Uses the `re` compiler's own helpers (private, Python 3.11+), the ones that decide it.
    """
    from re import _compiler, _parser  # type: ignore[attr-defined]

    parsed = _parser.parse(pattern, re.MULTILINE)
    prefix = _compiler._get_literal_prefix(parsed, re.MULTILINE)[0]
    return bool(prefix or _compiler._get_charset_prefix(parsed, re.MULTILINE))


@pytest.mark.parametrize("locale", LOCALES)
def test_phrase_patterns_start_with_a_literal(locale: str) -> None:
    """Phrase patterns run over the whole draft; each must let the engine skip ahead (speed)."""
    slow = [
        pattern
        for rule in load_rules(locale).rules
        if rule.check == "phrases"
        for pattern in (*rule.patterns, *rule.unless)
        if not has_fast_prefix(pattern)
    ]
    assert slow == []


def test_the_wait_chosen_after_sending_is_the_repeat_window() -> None:
    rules = load_rules("ja")
    assert DraftContext.after_send(NOW, None, None) == DraftContext(now=NOW)
    sent = NOW - timedelta(days=2)
    context = DraftContext.after_send(NOW, sent, sent + timedelta(days=3))
    assert (context.last_sent_at, context.repeat_days) == (sent, 3)
    assert "repeat-send" in fired(check_draft("元気？", rules, context))
    later = DraftContext.after_send(NOW, sent, sent + timedelta(days=1))
    assert "repeat-send" not in fired(check_draft("元気？", rules, later))
