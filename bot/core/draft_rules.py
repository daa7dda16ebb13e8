"""The draft rules as content: the models of section `draft` (`content/<locale>/draft.toml`).

What each rule looks for (its patterns, in the normalized form of `bot.core.textnorm`, with
`%name%` macros written out when they load), how serious it is, what to say and what to try
instead, the examples each must and must not fire on, and the weights of the model behind the
rules (`bot.core.draft_model`). The checking itself is `bot.core.draft`.
"""

from __future__ import annotations

import functools
import re
import string
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StringConstraints,
    model_validator,
)

from bot.core.draft_gate import Gate
from bot.core.draft_model import DraftModel
from bot.core.model import Ref, Strict
from bot.core.pacing import wait_days
from bot.core.textnorm import normalize, to_hiragana
from bot.core.when.words import Plural

Severity = Literal["error", "warning", "info", "good"]
Verdict = Literal["send", "revise", "dont-send"]
Check = Literal["phrases", "whole", "question", "length", "recent", "model"]
TemplateKind = Literal["caring", "invite"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info", "good")
PLACEHOLDERS = frozenset({"limit", "length", "days"})
MACRO = re.compile(r"%([a-z][a-z0-9_]*)%")
Spans = list[tuple[int, int]]


@functools.cache
def compiled(pattern: str) -> re.Pattern[str]:
    """Compile a draft pattern once per process (the loader checks it, the rules run it; with
    ~1,600 patterns, more than `re`'s own cache holds, each load would compile them twice)."""
    return re.compile(pattern, re.MULTILINE)


@functools.cache
def _valid_pattern(pattern: str) -> str:
    """Check a pattern is a regex in normalized form; return it with katakana as hiragana.

    The draft is matched with its katakana folded to hiragana, so patterns may spell words the
    usual way (ライン, スルー) and are folded the same way here (katakana is never regex syntax).
    Remembered per process for the patterns that pass (a bad one raises every time).
    """
    folded = to_hiragana(pattern)
    try:
        compiled(folded)
    except re.error as exc:
        raise ValueError(f"bad regex {pattern!r}: {exc}") from None
    if normalize(folded, casefold=False).text != folded:
        raise ValueError(
            f"pattern {pattern!r} is not in normalized form (see bot/core/textnorm.py)"
        )
    return folded


Pattern = Annotated[str, AfterValidator(_valid_pattern)]
Text = Annotated[str, StringConstraints(min_length=1)]
Id = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]*$")]


class SentExample(Strict):
    """An example draft sent `days_since_last` days after the previous message."""

    text: Text
    days_since_last: Annotated[float, Field(ge=0)]


Example = Text | SentExample


class Examples(Strict):
    """Drafts a rule must fire on, and look-alikes it must stay quiet on."""

    fire: Annotated[list[Example], Field(min_length=1)]
    quiet: Annotated[list[Example], Field(min_length=1)]


class Rule(Strict):
    """One thing the checker looks for in a draft."""

    id: Id
    check: Check
    severity: Severity
    ng: Annotated[str, Ref("ng")] | None = None
    templates: TemplateKind | None = None
    patterns: list[Pattern] = Field(default_factory=list)
    unless: list[Pattern] = Field(default_factory=list)
    message: Text
    suggestion: Text
    examples: Examples

    @model_validator(mode="after")
    def _consistent(self) -> Rule:
        needs = self.check in ("phrases", "whole", "question")
        if needs != bool(self.patterns):
            raise ValueError(f"check {self.check!r} {'needs' if needs else 'takes no'} patterns")
        for text in (self.message, self.suggestion):
            unknown = _placeholders(text) - PLACEHOLDERS
            if unknown:
                raise ValueError(
                    f"unknown placeholder(s) {sorted(unknown)}; use {sorted(PLACEHOLDERS)}"
                )
        return self


class ScoreWeights(Strict):
    """Score = start + the weight of each rule that fires (once per rule), kept within 0–100."""

    start: Annotated[int, Field(ge=0, le=100)]
    error: int
    warning: int
    info: int
    good: int


@dataclass(frozen=True, slots=True)
class _Compiled:
    """A rule's patterns and `unless` patterns, each compiled on its own.

    Kept apart rather than joined with "|": a pattern that starts with a literal (or a group of
    literals) lets the regex engine skip every position that cannot start a match, which a
    joined alternation would lose. The rule examples test that every phrase pattern can.

    Each method runs only the patterns in `on` (numbered patterns first, then `unless`), the
    ones whose key literals the draft contains (`Gate`); the others cannot match it.
    """

    patterns: tuple[re.Pattern[str], ...]
    unless: tuple[re.Pattern[str], ...]

    @classmethod
    def of(cls, rule: Rule) -> _Compiled:
        """Compile the rule's patterns."""
        return cls(tuple(map(compiled, rule.patterns)), tuple(map(compiled, rule.unless)))

    def search(self, text: str, on: Collection[int]) -> bool:
        """Say whether any pattern matches somewhere in `text`."""
        return any(self.patterns[i].search(text) for i in on if i < len(self.patterns))

    def fullmatch(self, text: str, start: int, end: int, on: Collection[int]) -> bool:
        """Say whether any pattern matches all of `text[start:end]`."""
        return any(
            self.patterns[i].fullmatch(text, start, end) for i in on if i < len(self.patterns)
        )

    def spans(self, text: str, on: Collection[int]) -> tuple[Spans, Spans]:
        """Return the spans of all matches, and (only when there are any) of `unless` matches."""
        count = len(self.patterns)
        found = _all_spans([self.patterns[i] for i in on if i < count], text)
        if not found:
            return found, []
        return found, self.guards(text, on)

    def guards(self, text: str, on: Collection[int]) -> Spans:
        """Return the spans of the `unless` (look-alike) matches, whatever the patterns found."""
        count = len(self.patterns)
        return _all_spans([self.unless[i - count] for i in on if i >= count], text)


@dataclass(frozen=True, slots=True)
class _Matchers:
    """Everything compiled from a `DraftRules`, fetched once per check."""

    rules: tuple[tuple[Rule, _Compiled], ...]
    tail: re.Pattern[str]
    sentence: re.Pattern[str]
    gate: Gate
    # each rule's severity as its place in SEVERITIES (0: "don't send"), and the rule the model
    # gives where it and the rules disagree (`check = "model"`: the second look), if any
    rank: dict[str, int]
    second_look: str | None


class DraftRules(Strict):
    """Section `draft`: limits, score weights and the rules."""

    max_length: Annotated[int, Field(ge=1)]
    input_limit: Annotated[int, Field(ge=1)]
    macros: dict[str, str] = Field(default_factory=dict)
    # Weights of the model that backs the phrase rules up (`bot.core.draft_model`); the content
    # loader reads them from draft_model.json beside draft.toml, when that file is there.
    model: DraftModel | None = None
    repeat_days: Annotated[int, Field(ge=1)]
    # how {days} is said in rule messages: "1 day" / "7 days", "7日" (never "1 days")
    days: Plural
    trailing: Pattern
    sentence_end: Pattern
    score: ScoreWeights
    rules: Annotated[list[Rule], Field(min_length=1)]
    _matchers: _Matchers = PrivateAttr()

    @model_validator(mode="before")
    @classmethod
    def _expand_macros(cls, data: object) -> object:
        """Write out each `%name%` in the rules' patterns from `macros` (macros may use macros)."""
        if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
            return data
        macros = data.get("macros") or {}
        if not isinstance(macros, dict):
            return data
        rules = []
        for rule in data["rules"]:
            if isinstance(rule, dict):
                rule = dict(rule)
                for key in ("patterns", "unless"):
                    if isinstance(rule.get(key), list):
                        rule[key] = [expand(p, macros) for p in rule[key]]
            rules.append(rule)
        return {**data, "rules": rules}

    def model_post_init(self, context: object, /) -> None:
        """Compile every pattern once."""
        self._matchers = _Matchers(
            rules=tuple((rule, _Compiled.of(rule)) for rule in self.rules),
            tail=re.compile(f"(?:{self.trailing})+\\Z", re.MULTILINE),
            sentence=re.compile(self.sentence_end, re.MULTILINE),
            gate=Gate.of([(*rule.patterns, *rule.unless) for rule in self.rules]),
            rank={rule.id: SEVERITIES.index(rule.severity) for rule in self.rules},
            second_look=next((rule.id for rule in self.rules if rule.check == "model"), None),
        )

    def rule(self, rule_id: str) -> Rule:
        """Return the rule `rule_id`, or raise KeyError."""
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)


class DraftContext(BaseModel):
    """What the checker knows besides the text: when the last message went out, and now."""

    model_config = ConfigDict(frozen=True)

    last_sent_at: AwareDatetime | None = None
    now: AwareDatetime | None = None
    repeat_days: Annotated[int, Field(ge=1)] | None = None

    @classmethod
    def after_send(
        cls, now: datetime, sent_at: datetime | None, check_in: datetime | None
    ) -> DraftContext:
        """The context of a user whose last logged message (if any) went out at `sent_at`,
        with its check-in due at `check_in`: the wait they chose is the repeat-send window."""
        if sent_at is None or check_in is None:
            return cls(now=now)
        return cls(last_sent_at=sent_at, repeat_days=wait_days(sent_at, check_in), now=now)


class Finding(BaseModel):
    """One thing the checker noticed, on `text[start:end]` of the draft as typed."""

    model_config = ConfigDict(frozen=True)

    rule: str
    severity: Severity
    start: int
    end: int
    message: str
    suggestion: str
    ng: str | None


class Report(BaseModel):
    """The checker's answer: a verdict, a 0–100 score, findings, and template kinds that fit."""

    model_config = ConfigDict(frozen=True)

    verdict: Verdict
    score: Annotated[int, Field(ge=0, le=100)]
    findings: tuple[Finding, ...]
    template_kinds: tuple[TemplateKind, ...]


def expand(pattern: object, macros: dict[str, str], depth: int = 0) -> object:
    """Return `pattern` with every `%name%` replaced by `(?:macro)`; unknown names are errors."""
    if not isinstance(pattern, str) or "%" not in pattern:
        return pattern
    if depth > 4:
        raise ValueError(f"macros nest too deep in {pattern!r}")

    def one(match: re.Match[str]) -> str:
        name = match[1]
        if name not in macros:
            raise ValueError(f"unknown macro %{name}% (known: {sorted(macros)})")
        return f"(?:{expand(macros[name], macros, depth + 1)})"

    return MACRO.sub(one, pattern)


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _all_spans(patterns: Iterable[re.Pattern[str]], text: str) -> Spans:
    """Return the sorted, distinct spans of every match of every pattern."""
    spans = []
    for pattern in patterns:
        if pattern.search(text):  # cheaper than a finditer when, as usual, nothing matches
            spans += [m.span() for m in pattern.finditer(text)]
    return sorted(set(spans))
