"""The keyword gate: a pattern is skipped only when the draft lacks a literal it must contain."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.draft import DraftRules, Report, check_draft
from bot.core.draft_gate import Gate, key_literals
from tests.unit.core.test_draft_rules import LOCALES, load_rules

CORPUS = Path(__file__).parent / "data" / "corpus"


@pytest.mark.parametrize(
    ("pattern", "keys"),
    [
        ("(left|leaving) me on (read|seen)", [{" me on "}, {"read", "seen"}, {"le"}]),
        ("(日|週間)(?<!生日)も(経|たっ)", [{"週間", "日"}, {"たっ", "経"}, {"も"}]),
        (r"why\b not", [{"why not"}]),
        ("ab?c", [{"a"}, {"c"}]),
        ("(a|)bc", [{"bc"}]),
        ("(never )?mind", [{"mind"}]),
        ("[😭😢]+", []),
        ("(?:x|[ab])y", [{"y"}]),
    ],
)
def test_key_literals(pattern: str, keys: list[set[str]]) -> None:
    assert sorted(map(sorted, key_literals(pattern))) == sorted(map(sorted, keys))


def ungated(rules: DraftRules, text: str, monkeypatch: pytest.MonkeyPatch) -> Report:
    """Check `text` with every pattern run, as before the gate."""
    sizes = [len(rule.patterns) + len(rule.unless) for rule in rules.rules]
    with monkeypatch.context() as patch:
        patch.setattr(Gate, "on", lambda self, text: [set(range(n)) for n in sizes])
        return check_draft(text, rules)


def tuning_drafts(locale: str) -> list[str]:
    texts = []
    for path in sorted(CORPUS.glob("tune-*.toml")):
        if locale in path.stem.split("-"):
            with path.open("rb") as fh:
                texts += [d["text"] for d in tomllib.load(fh)["drafts"]]
    for rule in load_rules(locale).rules:
        for example in (*rule.examples.fire, *rule.examples.quiet):
            texts.append(example if isinstance(example, str) else example.text)
    return texts


@pytest.mark.parametrize("locale", LOCALES)
def test_the_gate_changes_no_finding_on_the_tuning_drafts(
    locale: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules = load_rules(locale)
    differ = [
        text
        for text in tuning_drafts(locale)
        if check_draft(text, rules) != ungated(rules, text, monkeypatch)
    ]
    assert differ == []


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    locale=st.sampled_from(LOCALES),
    pieces=st.lists(
        st.sampled_from(tuning_drafts("ja")[:400] + tuning_drafts("en")[:400]), max_size=3
    ),
    noise=st.text(alphabet=st.sampled_from("\u200b ー!?。、ｗ笑 lol…"), max_size=4),
)
def test_the_gate_changes_no_finding_on_drafts_run_together(
    locale: str, pieces: list[str], noise: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules = load_rules(locale)
    text = noise.join(pieces)
    assert check_draft(text, rules) == ungated(rules, text, monkeypatch)


def test_a_gate_with_no_key_literal_runs_every_pattern() -> None:
    """Rules whose patterns have no literal (an emoji class) leave the automaton empty: every
    pattern runs, on any text (an unbuilt automaton must not be asked)."""
    gate = Gate.of([["[😭😢]{3,}"], []])
    assert gate.on("😭😭😭") == [{0}, set()]
    assert gate.on("") == [{0}, set()]
