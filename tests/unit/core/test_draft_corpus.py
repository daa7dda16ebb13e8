"""The labelled corpus in data/drafts.toml: the rules each draft must and must not trigger."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from bot.core.draft import check_draft
from tests.unit.core.test_draft_rules import RULE_IDS, fired, load_rules

CORPUS = Path(__file__).resolve().parent / "data" / "drafts.toml"


def load_corpus() -> list[dict]:
    with CORPUS.open("rb") as fh:
        return tomllib.load(fh)["drafts"]


DRAFTS = load_corpus()


def test_corpus_is_big_and_varied_enough() -> None:
    locales = [d["locale"] for d in DRAFTS]
    assert len(DRAFTS) >= 60 and locales.count("en") >= 20
    texts = [d["text"] for d in DRAFTS]
    assert len(set(texts)) == len(texts), "duplicate drafts"
    named = {rule for d in DRAFTS for rule in (*d.get("fires", ()), *d.get("quiet", ()))}
    assert named <= set(RULE_IDS)
    for locale in ("ja", "en"):
        fires = {r for d in DRAFTS if d["locale"] == locale for r in d.get("fires", ())}
        # repeat-send needs a context, and second-look the model (its examples run with it)
        assert fires == set(RULE_IDS) - {"repeat-send", "second-look"}, locale
    assert {d["verdict"] for d in DRAFTS if "verdict" in d} == {"send", "revise", "dont-send"}


def test_no_draft_is_a_rule_example() -> None:
    examples = set()
    for locale in ("ja", "en"):
        for rule in load_rules(locale).rules:
            examples |= {
                e for e in (*rule.examples.fire, *rule.examples.quiet) if isinstance(e, str)
            }
    assert not examples & {d["text"] for d in DRAFTS}


@pytest.mark.parametrize(
    "draft", DRAFTS, ids=[f"{d['locale']}-{n}-{d['text'][:16]}" for n, d in enumerate(DRAFTS)]
)
def test_draft(draft: dict) -> None:
    report = check_draft(draft["text"], load_rules(draft["locale"]))
    got = fired(report)
    assert set(draft.get("fires", ())) <= got, report.findings
    assert not set(draft.get("quiet", ())) & got, report.findings
    if "verdict" in draft:
        assert report.verdict == draft["verdict"], report.findings
