"""What `/diagnose` advises: next steps and example messages chosen by the person's situation.

The ranking says *why* they may have gone quiet; what fits depends just as much on what the
user told us happened. `content/<locale>/diagnose.toml` names **facts** (answers that matter
for advice, e.g. "a death in their family", "the user owes a reply"), **advice** (a next step,
for some top reasons and some facts, never for others) and **examples** (messages to adapt,
each with the facts it fits and the facts it must never be shown in). `select` applies them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from bot.core.model import Ref, Strict

ADVICE_SHOWN = 5  # next steps shown at most, in content order
EXAMPLES_SHOWN = 3  # example messages shown at most
EXAMPLES_PER_STEP = 2

_Id = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,29}$")]
_Ref = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]*=[a-z][a-z0-9-]*$")]
FactId = Annotated[str, Ref("facts")]
ExampleId = Annotated[str, Ref("examples")]
ReasonRef = Annotated[str, Ref("reasons")]


class Fact(Strict):
    """Something the user told us that changes what to advise: holds if any answer in `when`."""

    id: _Id
    when: list[_Ref] = Field(min_length=1)


class Example(Strict):
    """A message to adapt: shown where one of `fits` holds (always, if empty), never in `never`."""

    id: _Id
    text: str = Field(min_length=1, max_length=200)
    invites: bool = False
    fits: list[FactId] = Field(default_factory=list)
    never: list[FactId] = Field(default_factory=list)

    def shown(self, facts: frozenset[str]) -> bool:
        """Return whether this example may be shown when `facts` hold."""
        if facts & set(self.never):
            return False
        return not self.fits or bool(facts & set(self.fits))


class Advice(Strict):
    """One next step, for the top reasons in `reasons` (any, if empty) and never when one of
    `not_for` leads (either of a near tie), when one of `when` holds (always, if empty) and none
    of `never` does."""

    id: _Id
    reasons: list[ReasonRef] = Field(default_factory=list)
    not_for: list[ReasonRef] = Field(default_factory=list)
    when: list[FactId] = Field(default_factory=list)
    never: list[FactId] = Field(default_factory=list)
    note: str = Field(min_length=1, max_length=400)
    examples: list[ExampleId] = Field(default_factory=list)
    # The step says what to send first. Only the first such step shown does; a later one is
    # shown with `then` (what to do once they have answered), its inviting examples only, or
    # left out when it has no `then`: one message at a time.
    opens: bool = False
    then: str | None = Field(default=None, min_length=1, max_length=400)
    # The step says itself when an invitation comes (once a busy time is over, after a few
    # weeks): no later step that invites adds "once they've answered, invite them".
    defers: bool = False
    # Its words when an earlier step shows an invitation (what to do if it is turned down or
    # ignored); without an invitation on the page, `note` alone.
    invited: str | None = Field(default=None, min_length=1, max_length=400)
    # Its words when no step shows an example message (no "the messages suggested here").
    alone: str | None = Field(default=None, min_length=1, max_length=400)

    @model_validator(mode="after")
    def _then_needs_opens(self) -> Advice:
        if self.then is not None and not self.opens:
            raise ValueError("`then` is only shown for a step that `opens`")
        return self

    def applies(self, tops: Iterable[str], facts: frozenset[str]) -> bool:
        """Return whether this step is advised for the leading reasons `tops` when `facts` hold."""
        if self.reasons and not set(tops) & set(self.reasons):
            return False
        if set(tops) & set(self.not_for):
            return False
        if self.when and not facts & set(self.when):
            return False
        return not facts & set(self.never)


@dataclass(frozen=True)
class Step:
    """A next step to show, with the examples that fit the situation, and its words (the
    advice's `note`, or its `then` when an earlier step already says what to send first)."""

    advice: Advice
    examples: tuple[Example, ...]
    note: str
    later: bool = False  # shown with `then`: what comes once they have answered


def facts_from(facts: Iterable[Fact], answers: Mapping[str, tuple[str, ...]]) -> frozenset[str]:
    """Return the ids of the facts the answers establish."""
    out = set()
    for fact in facts:
        for ref in fact.when:
            question_id, _, option_id = ref.partition("=")
            if option_id in answers.get(question_id, ()):
                out.add(fact.id)
    return frozenset(out)


def select(
    advice: Iterable[Advice],
    examples: Iterable[Example],
    tops: Iterable[str],
    facts: frozenset[str],
) -> list[Step]:
    """Return the next steps for the leading reasons `tops` and `facts`, with fitting examples.

    `tops` is the first reason, or the first two when they are a near tie.
    Steps keep content order (the file lists the most pressing first); an example is shown
    once, under the first step that names it, and at most `EXAMPLES_SHOWN` in all. Invitations
    come from one step only, the first whose invitation fits: the article's way is one light
    invitation, then wait, so a later step adds no second one to send. Likewise only the
    first step that `opens` says what to send first; a later one speaks of what comes once
    they have answered (its `then`, inviting examples only) or is left out, as a step that
    invites is after a step that `defers` (says itself when to invite) or one that already
    showed an invitation. A step with `invited` words says them instead of its note when an
    earlier step shows an invitation; one with `alone` words says them when no step shows an
    example message.
    """
    by_id = {e.id: e for e in examples}
    tops = tuple(tops)
    steps: list[Step] = []
    shown = 0
    seen: set[str] = set()
    invited = False  # an earlier step already shows an invitation
    opened = False  # an earlier step already says what to send first
    deferred = False  # an earlier step already says when to invite
    for item in advice:
        if len(steps) == ADVICE_SHOWN:
            break
        if not item.applies(tops, facts):
            continue
        later = item.opens and opened
        inviting = any(by_id[e].invites for e in item.examples)
        # left out: no words for after; or its "once they've answered, invite them" would
        # contradict an earlier step that says when to invite, or be a second invitation
        if later and (item.then is None or (inviting and (deferred or invited))):
            continue
        fitting: list[Example] = []
        for example_id in item.examples:
            example = by_id[example_id]
            full = shown == EXAMPLES_SHOWN or len(fitting) == EXAMPLES_PER_STEP
            if full or example_id in seen or not example.shown(facts):
                continue
            if (example.invites and invited) or (later and not example.invites):
                continue
            fitting.append(example)
            seen.add(example_id)
            shown += 1
        note = item.then if later and item.then is not None else item.note
        if invited and item.invited is not None and not later:
            note = item.invited
        invited = invited or any(e.invites for e in fitting)
        opened = opened or item.opens
        deferred = deferred or item.defers
        steps.append(Step(item, tuple(fitting), note, later))
    if not shown:
        steps = [replace(s, note=s.advice.alone) if s.advice.alone else s for s in steps]
    return steps
