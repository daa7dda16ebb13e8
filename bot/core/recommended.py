"""Every message the bot itself recommends sending, in one list per locale.

The article's templates (offered by /check-draft), /diagnose's example messages and the wording
its next steps quote, and the examples quoted in /check-draft suggestions and /ng-list's "what
instead". The bot's own advice must pass its own checker (`tests/unit/core/
test_draft_own_advice.py`), and the second look's levels are chosen so that it does
(`tools/choose_second_look.py`).
"""

from __future__ import annotations

import re

from bot.core.content import LocaleContent

# Quoted examples: 「…」 in Japanese wording, "…" in English wording.
QUOTES = {"ja": re.compile(r"「([^「」]+)」"), "en": re.compile(r'"([^"]+)"')}


def recommended(loc: LocaleContent, locale: str) -> list[tuple[str, str]]:
    """(where, text) for every message the bot suggests sending in `locale`."""
    found = [(f"template {t.id}", t.text) for t in loc.article.templates]
    found += [(f"diagnose example {e.id}", e.text) for e in loc.diagnose.examples]
    quoted = [(f"draft rule {r.id}", r.suggestion) for r in loc.draft.rules]
    quoted += [(f"diagnose advice {a.id}", a.note) for a in loc.diagnose.advice]
    quoted += [(f"diagnose advice {a.id} then", a.then) for a in loc.diagnose.advice if a.then]
    quoted += [(f"ng {item.id} instead", item.instead) for item in loc.article.ng]
    for where, text in quoted:
        found += [(where, q) for q in QUOTES[locale].findall(text)]
    return found
