"""The model's part in a draft check: where it adds a finding the rules missed, and the second look.

`bot.core.draft.detect` runs the phrase rules, then hands their findings here with the model
(`bot.core.draft_model`):

- where the model is sure of a kind no rule found, that rule fires on the sentence the model
  finds most telling (unless a look-alike guard of the rule vouches for the words behind it;
  and, for a kind whose finding means "don't send", only from the model's `firm` level: under
  it the draft gets the second look below, where the rules define one);
- where the rules and the model disagree about a kind whose finding means "don't send", the
  `second-look` rule (check `model`, a warning) takes over: the model leans towards the kind
  without reaching its threshold while no rule found it (`caution`), or a rule found it while
  the model leans the other way on the draft and on the flagged sentence (`veto`), or the model
  alone is sure of it under its firm level (above). In each case the draft is to revise, with
  the line to read again, rather than "send" or "don't send".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.core.draft_model import DraftModel
from bot.core.draft_rules import SEVERITIES, Spans, _Matchers

if TYPE_CHECKING:
    from bot.core.draft import _Draft

Found = list[tuple[str, Spans]]


def model_findings(
    model: DraftModel,
    found: Found,
    quieted: dict[str, list[tuple[int, int]]],
    matchers: _Matchers,
    slots: list[set[int]],
    draft: _Draft,
) -> Found:
    """Return the rules' findings with the model's added (or, on disagreement, replaced)."""
    if not draft.norm.text.strip():
        # nothing to read: on an empty draft the model gives only its prior, which can reach
        # a low caution level (and there is no sentence to point to)
        return found
    sure, near, shares, scores = model.judge(draft.norm.text)
    if model.veto is not None and found:
        found = _overruled(found, model, shares, matchers, draft)
    fired = {rule_id for rule_id, _ in found}
    look = matchers.second_look is not None
    unsure: list[str] = []  # sure, but alone and under the firm level: a second look
    for kind in sure:
        if kind in fired:
            continue
        # words a look-alike guard of the rule vouches for, whether or not one of its
        # patterns matched
        harmless = quieted.get(kind) or _guarded(kind, matchers, slots, draft)
        if harmless and _only_look_alike(model, kind, draft, harmless):
            continue
        grave = matchers.rank.get(kind) == 0  # its finding means "don't send"
        if grave and look and not model.firm_alone(kind, scores[model.kinds.index(kind)]):
            unsure.append(kind)
            continue
        found.append((kind, [_most_telling(model, kind, draft, matchers)]))
    near = sorted(unsure, key=lambda kind: -shares[model.kinds.index(kind)]) + near
    if near:
        found += _second_look(model, near, found, quieted, matchers, slots, draft)
    return found


def _overruled(
    found: Found,
    model: DraftModel,
    shares: list[float],
    matchers: _Matchers,
    draft: _Draft,
) -> Found:
    """The findings, with those that mean "don't send" turned into one second look on their
    spans when the model leans away from all those kinds on the draft and on every sentence
    they are in (each kind's probability under `veto` times its threshold), and the rules
    define the second look."""
    look = matchers.second_look
    grave = [kind for kind in model.kinds if matchers.rank.get(kind) == 0]  # "don't send"
    spans = sorted(span for rule_id, found_at in found if rule_id in grave for span in found_at)
    if look is None or not spans or model.veto is None:
        return found
    columns = [model.kinds.index(kind) for kind in grave]
    if any(shares[column] >= model.veto for column in columns):
        return found  # the model is not sure of the draft: the common case, decided at once
    for a, b in _sentences(draft, matchers):
        first, last = draft.norm.span(a, b)
        if any(start < last and first < end for start, end in spans):
            judged = model.shares(draft.norm.text[a:b])
            if any(judged[column] >= model.veto for column in columns):
                return found
    kept = [(rule_id, found_at) for rule_id, found_at in found if rule_id not in grave]
    return [*kept, (look, spans)]


def _second_look(
    model: DraftModel,
    near: list[str],
    found: Found,
    quieted: dict[str, list[tuple[int, int]]],
    matchers: _Matchers,
    slots: list[set[int]],
    draft: _Draft,
) -> Found:
    """The `second-look` finding, when the model leans towards a kind it is not sure of (or is
    sure of alone, under the kind's firm level).

    Given once, on the sentence most telling for the nearest such kind, and only when the rules
    define it (a rule with `check = "model"`), when nothing the draft was found to do is at least
    as serious as that kind, and when the words a look-alike guard vouches for are not all that
    brings the model there.
    """
    look, rank = matchers.second_look, matchers.rank
    if look is None or any(rule_id == look for rule_id, _ in found):
        return []
    gravest = min((rank[rule_id] for rule_id, _ in found), default=len(SEVERITIES))
    for kind in near:
        if rank[kind] >= gravest:
            return []  # the draft already gets a verdict at least this grave
        harmless = quieted.get(kind) or _guarded(kind, matchers, slots, draft)
        if harmless and _only_look_alike(model, kind, draft, harmless, caution=True):
            continue
        return [(look, [_most_telling(model, kind, draft, matchers)])]
    return []


def _guarded(kind: str, matchers: _Matchers, slots: list[set[int]], draft: _Draft) -> Spans:
    """Return where the look-alike guards (`unless`) of rule `kind` match the draft (looked up
    only when the model fires, which is rare)."""
    for (rule, compiled), on in zip(matchers.rules, slots, strict=True):
        if rule.id == kind:
            return compiled.guards(draft.norm.text, on)
    return []


def _only_look_alike(
    model: DraftModel,
    kind: str,
    draft: _Draft,
    quieted: list[tuple[int, int]],
    *,
    caution: bool = False,
) -> bool:
    """Whether the model stops finding `kind` once the words a look-alike guard of that rule
    quieted are taken out: a rule's author has said those words are harmless ("寂しい" about
    the autumn, "I cried" at a film), and the model must not bring them back."""
    text, kept, at = draft.norm.text, [], 0
    for start, end in sorted(quieted):
        kept.append(text[at:start])
        at = max(at, end)
    kept.append(text[at:])
    return not model.fires(kind, " ".join(kept), caution=caution)


def _sentences(draft: _Draft, matchers: _Matchers) -> list[tuple[int, int]]:
    """The normalized spans of the draft's sentences that hold more than spaces (the whole
    draft if none)."""
    text, bounds, start = draft.norm.text, [], 0
    for match in matchers.sentence.finditer(text):
        bounds.append((start, match.start()))
        start = match.end()
    if start < len(text):
        bounds.append((start, len(text)))
    return [(a, b) for a, b in bounds if text[a:b].strip()] or [(0, len(text))]


def _most_telling(
    model: DraftModel, kind: str, draft: _Draft, matchers: _Matchers
) -> tuple[int, int]:
    """Return the original span of the sentence the model finds most telling for `kind`."""
    bounds = _sentences(draft, matchers)
    best = model.most_telling(kind, [draft.norm.text[a:b] for a, b in bounds])
    return draft.norm.span(*draft.stripped(*bounds[best]))
