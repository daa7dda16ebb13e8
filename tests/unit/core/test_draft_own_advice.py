"""The bot's own advice passes its own checker.

Every message the bot recommends sending — the article's templates (offered by /check-draft),
/diagnose's example messages and the wording its next steps quote, and the examples quoted
in /check-draft suggestions and /ng-list's "what instead" — is checked as a draft in the
locale it is written for: the verdict is "send", and a template that asks a question is not
told it does not end in one.
"""

from __future__ import annotations

import re

import pytest

from bot.core.content import load_content
from bot.core.draft_language import check_message

CONTENT = load_content()
# Quoted examples: 「…」 in Japanese wording, "…" in English wording.
QUOTES = {"ja": re.compile(r"「([^「」]+)」"), "en": re.compile(r'"([^"]+)"')}


def recommended() -> list[tuple[str, str, str]]:
    """(locale, where, text) for every message the bot suggests sending."""
    found = []
    for locale, loc in CONTENT.locales.items():
        for template in loc.article.templates:
            found.append((locale, f"template {template.id}", template.text))
        for example in loc.diagnose.examples:
            found.append((locale, f"diagnose example {example.id}", example.text))
        quoted = [(f"draft rule {r.id}", r.suggestion) for r in loc.draft.rules]
        quoted += [(f"diagnose advice {a.id}", a.note) for a in loc.diagnose.advice]
        quoted += [(f"diagnose advice {a.id} then", a.then) for a in loc.diagnose.advice if a.then]
        quoted += [(f"ng {item.id} instead", item.instead) for item in loc.article.ng]
        for where, text in quoted:
            found += [(locale, where, q) for q in QUOTES[locale].findall(text)]
    return found


RECOMMENDED = recommended()


def test_the_collection_covers_templates_and_quoted_examples() -> None:
    wheres = {where.split()[0] for _, where, _ in RECOMMENDED}
    assert wheres == {"template", "diagnose", "draft", "ng"}
    assert len(RECOMMENDED) >= 2 * (7 + 20) + 4


@pytest.mark.parametrize(
    ("locale", "where", "text"), RECOMMENDED, ids=[f"{r[0]}-{r[1]}" for r in RECOMMENDED]
)
def test_recommended_message_is_good_to_send(locale: str, where: str, text: str) -> None:
    report = check_message(text, CONTENT.drafts, locale)
    assert report.verdict == "send", (where, report.findings)
    if "?" in text or "？" in text:
        assert "no-question" not in {f.rule for f in report.findings}, (where, report.findings)
