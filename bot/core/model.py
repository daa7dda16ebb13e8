"""Shared bits for content models: a strict base class and id references."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict


@dataclass(frozen=True)
class Ref:
    """Marks a str field (in `Annotated`) as a reference to ids of one kind.

    The kind is the name of the list field that holds the items: a field typed
    `Annotated[str, Ref("reasons")]` must name an item of some `reasons` list
    in the same locale. The content loader checks every such reference.
    """

    kind: str


class Strict(BaseModel):
    """Base for content models: unknown keys are errors, strings are stripped."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)
