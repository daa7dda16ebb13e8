"""The article as data: section `article` of the content, and small look-ups over it.

The article ("好かれてた人から連絡が来なくなった…") is the source of every piece of advice
Tayori gives. `content/<locale>/article.toml` holds it whole: the six reasons the other person
may have gone quiet, what to do, the example messages, the four things never to do, how to win
them back, the habits that keep contact going, and the summary. The wording lives there; this
module only says its shape and how to find things in it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Annotated, Literal, Protocol, TypeVar

from pydantic import Field, StringConstraints, model_validator

from bot.core.model import Ref, Strict

Text = Annotated[str, StringConstraints(min_length=1)]
Id = Annotated[str, StringConstraints(min_length=1, pattern=r"^[a-z][a-z0-9-]*$")]
ActionId = Annotated[str, Ref("actions")]
TemplateId = Annotated[str, Ref("templates")]
WinbackId = Annotated[str, Ref("winback")]
TemplateKind = Literal["caring", "invite"]


class Part(Strict):
    """One part of the article: its heading, the reader's question it answers, its lead-in."""

    id: Id
    heading: Text
    question: Text | None = None
    intro: Text


class Step(Strict):
    """What the article says to do for one reason: an action, optionally narrowed to templates."""

    action: ActionId
    templates: list[TemplateId] = Field(default_factory=list)
    note: Text


class Reason(Strict):
    """One reason the other person may have stopped writing."""

    id: Id
    title: Text
    explanation: Text
    situations: Annotated[list[Text], Field(min_length=1)]
    takeaway: Text
    next_steps: Annotated[list[Step], Field(min_length=1)]
    winback: list[WinbackId] = Field(default_factory=list)


class Template(Strict):
    """An example message from the article, ready to adapt and send."""

    id: Id
    kind: TemplateKind
    text: Text


class DayRange(Strict):
    """A span of days, such as the article's one to two weeks of waiting."""

    min: Annotated[int, Field(ge=1)]
    max: Annotated[int, Field(ge=1)]

    @model_validator(mode="after")
    def _ordered(self) -> DayRange:
        if self.min > self.max:
            raise ValueError(f"min ({self.min}) is after max ({self.max})")
        return self


class Action(Strict):
    """Something the article says to do when the messages stop."""

    id: Id
    title: Text
    body: Text
    points: Annotated[list[Text], Field(min_length=1)]
    cautions: list[Text] = Field(default_factory=list)
    templates: list[TemplateId] = Field(default_factory=list)
    wait_days: DayRange | None = None


class NgItem(Strict):
    """One of the things never to do: what it looks like, why it backfires, what to do instead."""

    id: Id
    title: Text
    summary: Text
    what: Text
    examples: list[Text] = Field(default_factory=list)
    why: Text
    instead: Text


class Tip(Strict):
    """A way to win them back, or a habit that keeps contact going."""

    id: Id
    title: Text
    body: Text
    points: Annotated[list[Text], Field(min_length=1)]
    cautions: list[Text] = Field(default_factory=list)


class SummaryPoint(Strict):
    """One point of the article's summary."""

    id: Id
    text: Text


class Summary(Strict):
    """The article's summary points and its closing advice."""

    points: Annotated[list[SummaryPoint], Field(min_length=1)]
    closing: Text


class Article(Strict):
    """The whole article, in one locale."""

    title: Text
    intro: Text
    parts: Annotated[list[Part], Field(min_length=1)]
    reasons: Annotated[list[Reason], Field(min_length=1)]
    actions: Annotated[list[Action], Field(min_length=1)]
    templates: Annotated[list[Template], Field(min_length=1)]
    ng: Annotated[list[NgItem], Field(min_length=1)]
    winback: Annotated[list[Tip], Field(min_length=1)]
    habits: Annotated[list[Tip], Field(min_length=1)]
    summary: Summary


class _HasId(Protocol):
    @property
    def id(self) -> str: ...


T = TypeVar("T", bound=_HasId)


def by_id(items: Sequence[T], item_id: str) -> T:
    """Return the item with `item_id`, or raise KeyError naming the id."""
    for item in items:
        if item.id == item_id:
            return item
    raise KeyError(item_id)


def reason(article: Article, reason_id: str) -> Reason:
    """Return the reason with `reason_id`."""
    return by_id(article.reasons, reason_id)


def action(article: Article, action_id: str) -> Action:
    """Return the action with `action_id`."""
    return by_id(article.actions, action_id)


def ng_item(article: Article, ng_id: str) -> NgItem:
    """Return the NG behaviour with `ng_id`."""
    return by_id(article.ng, ng_id)


def template(article: Article, template_id: str) -> Template:
    """Return the example message with `template_id`."""
    return by_id(article.templates, template_id)


def step_templates(article: Article, step: Step) -> list[Template]:
    """Return the templates a step names, or its action's templates when it names none."""
    ids = step.templates or action(article, step.action).templates
    return [template(article, tid) for tid in ids]


def templates_for(
    article: Article, reason_ids: Iterable[str], kind: TemplateKind | None = None
) -> list[Template]:
    """Return the templates the article suggests for these reasons, in order, each once."""
    seen: dict[str, Template] = {}
    for rid in reason_ids:
        for step in reason(article, rid).next_steps:
            for tpl in step_templates(article, step):
                if kind is None or tpl.kind == kind:
                    seen.setdefault(tpl.id, tpl)
    return list(seen.values())


def fitting_templates(
    article: Article,
    kinds: Iterable[TemplateKind],
    prefer_reason: str | None = None,
    limit: int = 2,
) -> list[Template]:
    """Return up to `limit` templates of `kinds`, those for `prefer_reason` first."""
    wanted = list(kinds) or ["caring", "invite"]
    preferred = templates_for(article, [prefer_reason]) if prefer_reason else []
    ordered = [*preferred, *article.templates]
    picked: dict[str, Template] = {}
    for kind in wanted:
        for tpl in ordered:
            if tpl.kind == kind and tpl.id not in picked:
                picked[tpl.id] = tpl
                break
    for tpl in ordered:
        if len(picked) >= limit:
            break
        if tpl.kind in wanted:
            picked.setdefault(tpl.id, tpl)
    return list(picked.values())[:limit]
