"""The /check-draft advice core: check a message before it is sent, the article's way.

Section `draft` of the content (`content/<locale>/draft.toml`, models in
`bot.core.draft_rules`) holds the rules: what each one looks for, how serious it is, what to say
and what to try instead, and the examples each must and must not fire on. This module only knows
the kinds of check a rule can ask for:

- `phrases`: each match of the rule's patterns (minus matches overlapping an `unless` pattern);
- `whole`: the whole draft, trailing decorations removed, is one of the patterns (a bare "うん");
- `question`: the last sentence matches none of the patterns (it does not end with a question);
- `length`: the draft is longer than `max_length` characters;
- `recent`: the previous message went out less than `repeat_days` days ago (needs a context).

Patterns run on the normalized draft (`bot.core.textnorm`, which also writes katakana as hiragana;
patterns are folded the same way when they load); spans point into the text as typed. A pattern
may name a shared piece of regex from the section's `macros` as `%name%` (a negation in every
dialect, "you" in texting style); it is written out when the rules load.

`check_draft` runs one language's rules. Which language a draft is in is decided from its text,
not from the user's Discord (`bot.core.draft_language.check_message`).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import timedelta

from bot.core.draft_rules import (
    SEVERITIES,
    DraftContext,
    DraftRules,
    Examples,
    Finding,
    Report,
    Rule,
    ScoreWeights,
    SentExample,
    Severity,
    Spans,
    TemplateKind,
    Verdict,
    _Compiled,
    _Matchers,
)
from bot.core.draft_second_look import model_findings
from bot.core.textnorm import Normalized, as_normalized

# The content models live in bot.core.draft_rules; they are named here too, so that callers
# import the draft checker from one place.
__all__ = [
    "SEVERITIES",
    "Detected",
    "DraftContext",
    "DraftRules",
    "Examples",
    "Finding",
    "Report",
    "Rule",
    "ScoreWeights",
    "SentExample",
    "Severity",
    "TemplateKind",
    "Verdict",
    "check_draft",
    "detect",
    "is_blank",
    "report_of",
    "score",
]

Slots = Collection[int]  # the patterns of a rule that may match the draft (`Gate.on`)
Context = DraftContext | None

_TAIL_WINDOW = 40  # trailing decorations are looked for in windows of this many characters
_SENTENCE_WINDOW = 200  # the last sentence end is looked for in windows of this many characters


class _Draft:
    """The normalized draft with the parts the checks look at, worked out once."""

    def __init__(self, norm: Normalized, matchers: _Matchers) -> None:
        self.norm = norm
        body = self.norm.text
        self.core_end = _core_end(body, matchers.tail)
        self.sentence_start = _sentence_start(body, self.core_end, matchers.sentence)
        self._sentence_end = matchers.sentence
        # where a rule's `unless` quieted one of its matches (normalized offsets), per check
        self.quieted: list[tuple[int, int]] = []

    def previous_sentence(self) -> tuple[int, int] | None:
        """Return the sentence before the last one (its end mark kept), if there is one."""
        if self.sentence_start == 0:
            return None
        start = _sentence_start(self.norm.text, self.sentence_start, self._sentence_end)
        end = self.sentence_start
        while end > start and self.norm.text[end - 1] in "。.!\n \t":
            end -= 1
        return self.stripped(start, end) if end > start else None

    def stripped(self, start: int, end: int) -> tuple[int, int]:
        """Return `start:end` of the normalized text without surrounding whitespace."""
        piece = self.norm.text[start:end]
        lead = len(piece) - len(piece.lstrip())
        return start + lead, start + lead + len(piece.strip())


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


def _phrases(rule: _Compiled, draft: _Draft, on: Slots, rules: DraftRules, ctx: Context) -> Spans:
    found, guards = rule.spans(draft.norm.text, on)
    spans: Spans = []
    for start, end in found:
        if end == start:
            continue
        quiet = [(s, e) for s, e in guards if s < end and start < e]
        if quiet:
            draft.quieted += quiet
            continue
        if spans and start < spans[-1][1]:  # overlaps the previous match: make one span
            before, after = spans.pop()
            start, end = before, max(after, end)
        spans.append((start, end))
    return [draft.norm.span(start, end) for start, end in spans]


def _whole(rule: _Compiled, draft: _Draft, on: Slots, rules: DraftRules, ctx: Context) -> Spans:
    start, end = draft.stripped(0, draft.core_end)
    if start == end:
        start, end = draft.stripped(0, len(draft.norm.text))
    if start < end and rule.fullmatch(draft.norm.text, start, end, on):
        return [draft.norm.span(start, end)]
    return []


def _question(rule: _Compiled, draft: _Draft, on: Slots, rules: DraftRules, ctx: Context) -> Spans:
    start, end = draft.stripped(draft.sentence_start, draft.core_end)
    if start == end:
        start, end = draft.stripped(0, len(draft.norm.text))
        return [draft.norm.span(start, end)] if start < end else []
    if rule.search(draft.norm.text[start:end], on):
        return []
    # A question followed by one closing line ("元気にしてる？無理しないでね。") still asks.
    previous = draft.previous_sentence()
    if previous and rule.search(draft.norm.text[previous[0] : previous[1]], on):
        return []
    return [draft.norm.span(start, end)]


def _length(rule: _Compiled, draft: _Draft, on: Slots, rules: DraftRules, ctx: Context) -> Spans:
    if draft.norm.visible_length <= rules.max_length:
        return []
    return [(draft.norm.visible_index(rules.max_length), len(draft.norm.original))]


def _recent(rule: _Compiled, draft: _Draft, on: Slots, rules: DraftRules, ctx: Context) -> Spans:
    if ctx is None or ctx.last_sent_at is None or ctx.now is None:
        return []
    days = ctx.repeat_days or rules.repeat_days
    if ctx.now - ctx.last_sent_at < timedelta(days=days):
        return [(0, len(draft.norm.original))]
    return []


def _model(rule: _Compiled, draft: _Draft, on: Slots, rules: DraftRules, ctx: Context) -> Spans:
    return []  # found by the model behind the rules, never by a pattern (`_second_look`)


CHECKS = {
    "phrases": _phrases,
    "whole": _whole,
    "question": _question,
    "length": _length,
    "recent": _recent,
    "model": _model,
}


def check_draft(text: str, rules: DraftRules, context: DraftContext | None = None) -> Report:
    """Check a draft against one language's rules and return the verdict, score and findings."""
    found = detect(text, rules, context)
    return report_of(found, rules, rules.max_length, context)


@dataclass(slots=True)
class Detected:
    """What one language's rules found: `(rule id, spans)` per rule that fired, and the length
    of the draft as its reader sees it (invisible characters left out)."""

    found: list[tuple[str, Spans]]
    length: int


def detect(
    text: str | Normalized,
    rules: DraftRules,
    context: DraftContext | None = None,
    *,
    phrases_only: bool = False,
) -> Detected:
    """Run the rules and their model (only the phrase rules if asked) and say what fired where.

    `text` is the draft, or the draft already normalized (`bot.core.textnorm.normalize`).
    """
    matchers = rules._matchers
    draft = _Draft(as_normalized(text), matchers)
    found: list[tuple[str, Spans]] = []
    quieted: dict[str, list[tuple[int, int]]] = {}
    slots = matchers.gate.on(draft.norm.text)
    for (rule, compiled), on in zip(matchers.rules, slots, strict=True):
        if phrases_only and rule.check != "phrases":
            continue
        draft.quieted = []
        spans = CHECKS[rule.check](compiled, draft, on, rules, context)
        if spans:
            found.append((rule.id, spans))
        elif draft.quieted:
            quieted[rule.id] = draft.quieted
    if rules.model is not None and not phrases_only:
        found = model_findings(rules.model, found, quieted, matchers, slots, draft)
    return Detected(found, draft.norm.visible_length)


def report_of(
    detected: Detected, speak: DraftRules, limit: int, context: DraftContext | None
) -> Report:
    """Turn detections into a report worded by `speak` (the rules of the user's language)."""
    days = (context.repeat_days if context else None) or speak.repeat_days
    facts: dict[str, int | str] = {
        "limit": limit,
        "length": detected.length,
        "days": speak.days.say(days),
    }
    findings: list[Finding] = []
    for rule_id, spans in detected.found:
        findings += _findings(speak.rule(rule_id), spans, facts)
    findings.sort(key=lambda f: (SEVERITIES.index(f.severity), f.start, f.end))
    return _report(findings, speak)


def _findings(rule: Rule, spans: Spans, facts: dict[str, int | str]) -> list[Finding]:
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
    total: int = weights.start + sum(getattr(weights, severity) for severity in severities)
    return max(0, min(100, total))


def _template_kinds(findings: list[Finding], rules: DraftRules) -> tuple[TemplateKind, ...]:
    kinds: list[TemplateKind] = []
    for finding in findings:
        kind = rules.rule(finding.rule).templates
        if kind and kind not in kinds:
            kinds.append(kind)
    return tuple(kinds)


def is_blank(text: str | Normalized) -> bool:
    """Say whether the text (or the text normalized) has nothing to check: only spaces and
    invisible characters."""
    return not as_normalized(text).text.strip()
