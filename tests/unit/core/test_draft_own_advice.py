"""The bot's own advice passes its own checker.

Every message the bot recommends sending — the article's templates (offered by /check-draft),
/diagnose's example messages and the wording its next steps quote, and the examples quoted
in /check-draft suggestions and /ng-list's "what instead" — is checked as a draft in the
locale it is written for: the verdict is "send", and a template that asks a question is not
told it does not end in one.
"""

from __future__ import annotations

import pytest

from bot.core.content import load_content
from bot.core.draft_language import check_message
from bot.core.recommended import recommended

CONTENT = load_content()
RECOMMENDED = [
    (locale, where, text)
    for locale, loc in CONTENT.locales.items()
    for where, text in recommended(loc, locale)
]


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
