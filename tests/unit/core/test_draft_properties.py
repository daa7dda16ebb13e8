"""Property tests for the draft checker: it never fails, and its spans and verdicts hold up."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.content import load_content
from bot.core.draft import DraftContext, Report, SentExample, check_draft, score
from bot.core.draft_language import check_message
from bot.core.textnorm import is_invisible
from tests.unit.core.test_draft_rules import NOW, fired, load_rules

LOCALES = ("ja", "en")
INVISIBLE = (
    "\u200b\u200c\u200d\u2060\ufeff\u00ad"  # zero-width, soft hyphen
    "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2069\u061c"  # bidi
    "\ufe0f"  # variation selector
)
SPICE = "どうして連絡くれないの？！…ｗ笑〜ーwhy haven't you texted me?!.(^^)😭🥺❤️‍🔥\n "

drafts = st.text(
    alphabet=st.one_of(
        st.characters(codec=None, exclude_categories=("Cs",)),
        st.characters(max_codepoint=0x1F),  # control characters
        st.sampled_from(INVISIBLE + SPICE),
    ),
    max_size=200,
)
long_drafts = st.text(alphabet=st.sampled_from(INVISIBLE + SPICE + "あ!?"), max_size=60).map(
    lambda s: (s * (6000 // max(len(s), 1) + 1))[:6000]
)
contexts = st.one_of(
    st.none(),
    st.builds(
        lambda days: DraftContext(last_sent_at=NOW - timedelta(days=days), now=NOW),
        st.floats(min_value=-30, max_value=30, allow_nan=False),
    ),
)


def check_invariants(text: str, report: Report, locale: str) -> None:
    rules = load_rules(locale)
    severities = {f.severity for f in report.findings}
    if "error" in severities:
        assert report.verdict == "dont-send"
    elif "warning" in severities:
        assert report.verdict == "revise"
    else:
        assert report.verdict == "send"
    per_rule = {f.rule: f.severity for f in report.findings}
    assert 0 <= report.score <= 100
    assert report.score == score(per_rule.values(), rules.score)
    for f in report.findings:
        assert 0 <= f.start <= f.end <= len(text)
        assert f.severity == rules.rule(f.rule).severity
        if f.rule not in ("repeat-send", "too-long"):
            assert f.start < f.end
            assert not is_invisible(text[f.start]) and not is_invisible(text[f.end - 1])


@settings(max_examples=300)
@given(drafts, st.sampled_from(LOCALES), contexts)
def test_never_raises_and_reports_hold_together(text: str, locale: str, context) -> None:
    report = check_draft(text, load_rules(locale), context)
    check_invariants(text, report, locale)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(long_drafts, st.sampled_from(LOCALES))
def test_long_drafts(text: str, locale: str) -> None:
    report = check_draft(text, load_rules(locale))
    check_invariants(text, report, locale)
    if sum(not is_invisible(c) for c in text) > load_rules(locale).max_length:
        assert "too-long" in fired(report)


def blame_examples(locale: str) -> list[str]:
    return [e for e in load_rules(locale).rule("blame").examples.fire if isinstance(e, str)]


def sprinkle(text: str, cuts: list[int], marks: str) -> str:
    for n, cut in enumerate(cuts):
        at = cut % (len(text) + 1)
        text = text[:at] + marks[n % len(marks)] + text[at:]
    return text


@pytest.mark.parametrize("locale", LOCALES)
@given(data=st.data())
def test_blame_span_covers_the_typed_characters_despite_invisible_ones(locale: str, data) -> None:
    clean = data.draw(st.sampled_from(blame_examples(locale)))
    cuts = data.draw(st.lists(st.integers(min_value=0), min_size=1, max_size=6))
    marks = data.draw(st.text(alphabet=st.sampled_from(INVISIBLE), min_size=1, max_size=3))
    noisy = sprinkle(clean, cuts, marks)
    rules = load_rules(locale)
    want = [clean[f.start : f.end] for f in check_draft(clean, rules).findings if f.rule == "blame"]
    got = [noisy[f.start : f.end] for f in check_draft(noisy, rules).findings if f.rule == "blame"]
    assert [strip_invisible(s) for s in got] == [strip_invisible(s) for s in want]
    assert all(not is_invisible(s[0]) and not is_invisible(s[-1]) for s in got)


def strip_invisible(text: str) -> str:
    return "".join(c for c in text if not is_invisible(c))


def to_full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "}" and c != "-" else c for c in text)


def examples_by_rule() -> list:
    """One case per locale and rule: its fire and quiet examples (one hypothesis run each, not
    one per example: a thousand `@settings` runs in one session overflow hypothesis's chain of
    fallback settings)."""
    cases = []
    for locale in LOCALES:
        for rule in load_rules(locale).rules:
            texts = [e for e in (*rule.examples.fire, *rule.examples.quiet) if isinstance(e, str)]
            if texts:
                cases.append(pytest.param(locale, tuple(texts), id=f"{locale}-{rule.id}"))
    return cases


@pytest.mark.parametrize(("locale", "texts"), examples_by_rule())
@settings(max_examples=25, deadline=None)  # each example checks ~600 drafts (English blame)
@given(cuts=st.lists(st.integers(min_value=0), max_size=5))
def test_disguises_do_not_change_what_fires(
    locale: str, texts: tuple[str, ...], cuts: list[int]
) -> None:
    rules = load_rules(locale)
    for text in texts:
        plain = fired(check_draft(text, rules))
        disguised = sprinkle(
            to_full_width(text.upper() if locale == "en" else text), cuts, INVISIBLE
        )
        assert fired(check_draft(disguised, rules)) == plain, text


@pytest.mark.parametrize("locale", LOCALES)
@given(st.floats(min_value=0, max_value=60, allow_nan=False))
def test_repeat_send_fires_exactly_within_repeat_days(locale: str, days: float) -> None:
    rules = load_rules(locale)
    context = DraftContext(last_sent_at=NOW - timedelta(days=days), now=NOW)
    report = check_draft("元気にしてる？", rules, context)
    gap = timedelta(days=days)  # as the context holds it (rounded to microseconds)
    assert ("repeat-send" in fired(report)) is (gap < timedelta(days=rules.repeat_days))


def test_sent_examples_are_the_only_context_examples() -> None:
    for locale in LOCALES:
        for rule in load_rules(locale).rules:
            sent = [
                e for e in (*rule.examples.fire, *rule.examples.quiet) if isinstance(e, SentExample)
            ]
            assert bool(sent) is (rule.check == "recent"), rule.id


CONTENT = load_content()


@settings(max_examples=300)
@given(drafts, st.sampled_from(LOCALES), contexts)
def test_the_check_users_get_never_raises_and_holds_together(text: str, locale: str, context):
    """The full check: rules of the draft's language(s) and the model behind them."""
    report = check_message(text, CONTENT.drafts, locale, context)
    check_invariants(text, report, locale)
    # worded in the user's language, whatever the draft's (the text before any placeholder)
    lead = {r.id: r.message.split("{")[0] for r in CONTENT[locale].draft.rules}
    assert all(f.message.startswith(lead[f.rule]) for f in report.findings)
