"""The /check-draft advice core: check a message before it is sent, the article's way.

Section `draft` of the content (`content/<locale>/draft.toml`) holds the rules: what each one
looks for, how serious it is, what to say and what to try instead, and the examples each must
and must not fire on. This module only knows the kinds of check a rule can ask for:

- `phrases`: each match of the rule's patterns (minus matches overlapping an `unless` pattern);
- `whole`: the whole draft, trailing decorations removed, is one of the patterns (a bare "うん");
- `question`: the last sentence matches none of the patterns (it does not end with a question);
- `length`: the draft is longer than `max_length` characters;
- `recent`: the previous message went out less than `repeat_days` days ago (needs a context).

Patterns run on the normalized draft (`bot.textnorm`, which also writes katakana as hiragana;
patterns are folded the same way when they load); spans point into the text as typed.
"""

from __future__ import annotations

import functools
import re
import string
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
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

from bot.core.model import Ref, Strict
from bot.core.pacing import wait_days
from bot.core.textnorm import Normalized, normalize, to_hiragana

Severity = Literal["error", "warning", "info", "good"]
Verdict = Literal["send", "revise", "dont-send"]
Check = Literal["phrases", "whole", "question", "length", "recent"]
TemplateKind = Literal["caring", "invite"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info", "good")
PLACEHOLDERS = frozenset({"limit", "length", "days"})
Spans = list[tuple[int, int]]
_TAIL_WINDOW = 40  # trailing decorations are looked for in windows of this many characters
_SENTENCE_WINDOW = 200  # the last sentence end is looked for in windows of this many characters


def _valid_pattern(pattern: str) -> str:
    """Check a pattern is a regex in normalized form; return it with katakana as hiragana.

    The draft is matched with its katakana folded to hiragana, so patterns may spell words the
    usual way (ライン, スルー) and are folded the same way here (katakana is never regex syntax).
    """
    folded = to_hiragana(pattern)
    try:
        re.compile(folded)
    except re.error as exc:
        raise ValueError(f"bad regex {pattern!r}: {exc}") from None
    if normalize(folded, casefold=False).text != folded:
        raise ValueError(f"pattern {pattern!r} is not in normalized form (see bot/textnorm.py)")
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
    """

    patterns: tuple[re.Pattern[str], ...]
    unless: tuple[re.Pattern[str], ...]

    @classmethod
    def of(cls, rule: Rule) -> _Compiled:
        """Compile the rule's patterns."""
        compile_ = functools.partial(re.compile, flags=re.MULTILINE)
        return cls(tuple(map(compile_, rule.patterns)), tuple(map(compile_, rule.unless)))

    def search(self, text: str) -> bool:
        """Say whether any pattern matches somewhere in `text`."""
        return any(p.search(text) for p in self.patterns)

    def fullmatch(self, text: str, start: int, end: int) -> bool:
        """Say whether any pattern matches all of `text[start:end]`."""
        return any(p.fullmatch(text, start, end) for p in self.patterns)

    def spans(self, text: str) -> tuple[Spans, Spans]:
        """Return the spans of all matches, and the spans of all `unless` matches."""
        return _all_spans(self.patterns, text), _all_spans(self.unless, text)


@dataclass(frozen=True, slots=True)
class _Matchers:
    """Everything compiled from a `DraftRules`, fetched once per check."""

    rules: tuple[tuple[Rule, _Compiled], ...]
    tail: re.Pattern[str]
    sentence: re.Pattern[str]


class DraftRules(Strict):
    """Section `draft`: limits, score weights and the rules."""

    max_length: Annotated[int, Field(ge=1)]
    input_limit: Annotated[int, Field(ge=1)]
    repeat_days: Annotated[int, Field(ge=1)]
    trailing: Pattern
    sentence_end: Pattern
    score: ScoreWeights
    rules: Annotated[list[Rule], Field(min_length=1)]
    _matchers: _Matchers = PrivateAttr()

    def model_post_init(self, context: object, /) -> None:
        """Compile every pattern once."""
        self._matchers = _Matchers(
            rules=tuple((rule, _Compiled.of(rule)) for rule in self.rules),
            tail=re.compile(f"(?:{self.trailing})+\\Z", re.MULTILINE),
            sentence=re.compile(self.sentence_end, re.MULTILINE),
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


class _Draft:
    """The normalized draft with the parts the checks look at, worked out once."""

    def __init__(self, text: str, matchers: _Matchers) -> None:
        self.norm: Normalized = normalize(text)
        body = self.norm.text
        self.core_end = _core_end(body, matchers.tail)
        self.sentence_start = _sentence_start(body, self.core_end, matchers.sentence)

    def stripped(self, start: int, end: int) -> tuple[int, int]:
        """Return `start:end` of the normalized text without surrounding whitespace."""
        piece = self.norm.text[start:end]
        lead = len(piece) - len(piece.lstrip())
        return start + lead, start + lead + len(piece.strip())


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _core_end(text: str, tail: re.Pattern[str]) -> int:
    """Return where the text ends once trailing emoji, kaomoji, ｗ and the like are cut."""
    end = len(text)
    while end > 0:
        low = max(0, end - _TAIL_WINDOW)
        match = tail.search(text, low, end)
        if match is None:
            return end
        if match.start() > low or low == 0:
            return match.start()
        end = low
    return end


def _sentence_start(text: str, end: int, ends: re.Pattern[str]) -> int:
    """Return where the last sentence before `end` starts."""
    low = end
    while low > 0:
        low = max(0, low - _SENTENCE_WINDOW)
        starts = [m.end() for m in ends.finditer(text, low, end) if m.end() < end]
        if starts:
            return starts[-1]
    return 0


def _all_spans(patterns: tuple[re.Pattern[str], ...], text: str) -> Spans:
    """Return the sorted, distinct spans of every match of every pattern."""
    spans = []
    for pattern in patterns:
        if pattern.search(text):  # cheaper than a finditer when, as usual, nothing matches
            spans += [m.span() for m in pattern.finditer(text)]
    return sorted(set(spans))


def _phrases(rule: _Compiled, draft: _Draft, rules: DraftRules, ctx: DraftContext | None) -> Spans:
    found, guards = rule.spans(draft.norm.text)
    spans: Spans = []
    for start, end in found:
        if end == start or any(s < end and start < e for s, e in guards):
            continue
        if spans and start < spans[-1][1]:  # overlaps the previous match: make one span
            before, after = spans.pop()
            start, end = before, max(after, end)
        spans.append((start, end))
    return [draft.norm.span(start, end) for start, end in spans]


def _whole(rule: _Compiled, draft: _Draft, rules: DraftRules, ctx: DraftContext | None) -> Spans:
    start, end = draft.stripped(0, draft.core_end)
    if start == end:
        start, end = draft.stripped(0, len(draft.norm.text))
    if start < end and rule.fullmatch(draft.norm.text, start, end):
        return [draft.norm.span(start, end)]
    return []


def _question(rule: _Compiled, draft: _Draft, rules: DraftRules, ctx: DraftContext | None) -> Spans:
    start, end = draft.stripped(draft.sentence_start, draft.core_end)
    if start == end:
        start, end = draft.stripped(0, len(draft.norm.text))
        return [draft.norm.span(start, end)] if start < end else []
    sentence = draft.norm.text[start:end]
    return [] if rule.search(sentence) else [draft.norm.span(start, end)]


def _length(rule: _Compiled, draft: _Draft, rules: DraftRules, ctx: DraftContext | None) -> Spans:
    if draft.norm.visible_length <= rules.max_length:
        return []
    return [(draft.norm.visible_index(rules.max_length), len(draft.norm.original))]


def _recent(rule: _Compiled, draft: _Draft, rules: DraftRules, ctx: DraftContext | None) -> Spans:
    if ctx is None or ctx.last_sent_at is None or ctx.now is None:
        return []
    days = ctx.repeat_days or rules.repeat_days
    if ctx.now - ctx.last_sent_at < timedelta(days=days):
        return [(0, len(draft.norm.original))]
    return []


CHECKS = {
    "phrases": _phrases,
    "whole": _whole,
    "question": _question,
    "length": _length,
    "recent": _recent,
}


def check_draft(text: str, rules: DraftRules, context: DraftContext | None = None) -> Report:
    """Check a draft against the rules and return the verdict, score and findings."""
    matchers = rules._matchers
    draft = _Draft(text, matchers)
    days = (context.repeat_days if context else None) or rules.repeat_days
    facts = {"limit": rules.max_length, "length": draft.norm.visible_length, "days": days}
    findings: list[Finding] = []
    for rule, compiled in matchers.rules:
        spans = CHECKS[rule.check](compiled, draft, rules, context)
        if spans:
            findings += _findings(rule, spans, facts)
    findings.sort(key=lambda f: (SEVERITIES.index(f.severity), f.start, f.end))
    return _report(findings, rules)


def _findings(rule: Rule, spans: Spans, facts: dict[str, int]) -> list[Finding]:
    message, suggestion = rule.message.format(**facts), rule.suggestion.format(**facts)
    common = {"rule": rule.id, "severity": rule.severity, "ng": rule.ng}
    return [
        Finding(start=start, end=end, message=message, suggestion=suggestion, **common)
        for start, end in spans
    ]


def _report(findings: list[Finding], rules: DraftRules) -> Report:
    fired = {f.rule: f.severity for f in findings}
    severities = set(fired.values())
    verdict: Verdict = (
        "dont-send" if "error" in severities else "revise" if "warning" in severities else "send"
    )
    return Report(
        verdict=verdict,
        score=score(fired.values(), rules.score),
        findings=tuple(findings),
        template_kinds=_template_kinds(findings, rules),
    )


def score(severities: Iterable[Severity], weights: ScoreWeights) -> int:
    """Return start + the weight of each fired rule's severity, clamped to 0–100."""
    total = weights.start + sum(getattr(weights, severity) for severity in severities)
    return max(0, min(100, total))


def _template_kinds(findings: list[Finding], rules: DraftRules) -> tuple[TemplateKind, ...]:
    kinds: list[TemplateKind] = []
    for finding in findings:
        kind = rules.rule(finding.rule).templates
        if kind and kind not in kinds:
            kinds.append(kind)
    return tuple(kinds)


def is_blank(text: str) -> bool:
    """Say whether the text has nothing to check (only spaces and invisible characters)."""
    return not normalize(text).text.strip()
