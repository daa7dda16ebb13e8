"""Discord limits that the OpenAPI schema does not (or does more loosely) express.

Each check returns a list of :class:`~fakediscord.schema.SchemaError`; an
empty list means the payload is acceptable.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .schema import SchemaError

IS_COMPONENTS_V2 = 1 << 15
MAX_CONTENT = 2000
MAX_EMBEDS = 10
MAX_EMBED_TOTAL = 6000
MAX_CUSTOM_ID = 100
MAX_ROWS = 5
MAX_ROW_ITEMS = 5
MAX_SELECT_OPTIONS = 25
MAX_MODAL_TITLE = 45
MAX_CHOICES = 25
SELECT_TYPES = frozenset({3, 5, 6, 7, 8})

Path = tuple[str | int, ...]

_EMBED_FIELDS_LIMITS = (("title", 256), ("description", 4096))


def check_message(body: dict, path: Path = (), *, creating: bool = False) -> list[SchemaError]:
    """Limits of a message payload (channel message, webhook, interaction data)."""
    errors: list[SchemaError] = []
    content = body.get("content")
    if isinstance(content, str) and len(content) > MAX_CONTENT:
        errors.append(_err(path, "content", f"Must be {MAX_CONTENT} or fewer in length."))
    embeds = body.get("embeds") or []
    if len(embeds) > MAX_EMBEDS:
        errors.append(_err(path, "embeds", f"Must be {MAX_EMBEDS} or fewer in length."))
    errors += check_embeds(embeds, (*path, "embeds"))
    components = body.get("components") or []
    v2 = bool((body.get("flags") or 0) & IS_COMPONENTS_V2)
    errors += check_components(components, (*path, "components"), v2=v2)
    if creating and _is_empty(body):
        errors.append(SchemaError(path, "Cannot send an empty message (code 50006)."))
    return errors


def _is_empty(body: dict) -> bool:
    keys = ("content", "embeds", "components", "attachments", "sticker_ids", "poll")
    return not any(body.get(k) for k in keys)


def check_embeds(embeds: list, path: Path) -> list[SchemaError]:
    """Per-embed and total-character limits."""
    errors: list[SchemaError] = []
    total = 0
    for index, embed in enumerate(embeds):
        if not isinstance(embed, dict):
            continue
        errors += _check_embed(embed, (*path, index))
        total += _embed_chars(embed)
    if total > MAX_EMBED_TOTAL:
        errors.append(SchemaError(path, f"Embed size exceeds maximum size of {MAX_EMBED_TOTAL}."))
    return errors


def _check_embed(embed: dict, path: Path) -> list[SchemaError]:
    errors = [
        _err(path, key, f"Must be {limit} or fewer in length.")
        for key, limit in _EMBED_FIELDS_LIMITS
        if len(embed.get(key) or "") > limit
    ]
    fields = embed.get("fields") or []
    if len(fields) > 25:
        errors.append(_err(path, "fields", "Must be 25 or fewer in length."))
    for index, field in enumerate(fields):
        where = (*path, "fields", index)
        if len(field.get("name") or "") > 256:
            errors.append(_err(where, "name", "Must be 256 or fewer in length."))
        if len(field.get("value") or "") > 1024:
            errors.append(_err(where, "value", "Must be 1024 or fewer in length."))
    if len((embed.get("footer") or {}).get("text") or "") > 2048:
        errors.append(_err(path, "footer", "text: Must be 2048 or fewer in length."))
    if len((embed.get("author") or {}).get("name") or "") > 256:
        errors.append(_err(path, "author", "name: Must be 256 or fewer in length."))
    return errors


def _embed_chars(embed: dict) -> int:
    parts = [embed.get("title"), embed.get("description")]
    parts.append((embed.get("footer") or {}).get("text"))
    parts.append((embed.get("author") or {}).get("name"))
    for field in embed.get("fields") or []:
        parts += [field.get("name"), field.get("value")]
    return sum(len(p) for p in parts if isinstance(p, str))


def check_components(components: list, path: Path, *, v2: bool = False) -> list[SchemaError]:
    """Row counts, row contents, select options, custom_id length and uniqueness."""
    errors: list[SchemaError] = []
    if not v2:
        if len(components) > MAX_ROWS:
            errors.append(SchemaError(path, f"Must be {MAX_ROWS} or fewer in length."))
        for index, row in enumerate(components):
            errors += _check_row(row, (*path, index))
    errors += _check_custom_ids(components, path)
    return errors


def _check_row(row: Any, path: Path) -> list[SchemaError]:
    if not isinstance(row, dict) or row.get("type") != 1:
        return [SchemaError(path, "Top-level components must be action rows.")]
    items = row.get("components") or []
    errors: list[SchemaError] = []
    if len(items) > MAX_ROW_ITEMS:
        errors.append(_err(path, "components", f"Must be {MAX_ROW_ITEMS} or fewer in length."))
    has_select = any(i.get("type") in SELECT_TYPES for i in items)
    if has_select and len(items) > 1:
        errors.append(_err(path, "components", "A select menu must be alone in its row."))
    for index, item in enumerate(items):
        options = item.get("options") or []
        if item.get("type") == 3 and len(options) > MAX_SELECT_OPTIONS:
            where = (*path, "components", index)
            errors.append(_err(where, "options", "Must be 25 or fewer in length."))
    return errors


def _check_custom_ids(components: list, path: Path) -> list[SchemaError]:
    errors: list[SchemaError] = []
    seen: set[str] = set()
    for where, custom_id in _walk_custom_ids(components, path):
        if len(custom_id) > MAX_CUSTOM_ID:
            errors.append(SchemaError(where, f"custom_id must be {MAX_CUSTOM_ID} or fewer."))
        if custom_id in seen:
            errors.append(SchemaError(where, f"Component custom id {custom_id!r} is duplicated."))
        seen.add(custom_id)
    return errors


def _walk_custom_ids(node: Any, path: Path) -> Iterator[tuple[Path, str]]:
    if isinstance(node, list):
        for index, item in enumerate(node):
            yield from _walk_custom_ids(item, (*path, index))
    elif isinstance(node, dict):
        custom_id = node.get("custom_id")
        if isinstance(custom_id, str):
            yield (*path, "custom_id"), custom_id
        for key in ("components", "component", "accessory"):
            if key in node:
                yield from _walk_custom_ids(node[key], (*path, key))


def check_modal(data: dict, path: Path = ("data",)) -> list[SchemaError]:
    """Limits of a modal (interaction callback type 9)."""
    errors: list[SchemaError] = []
    if len(data.get("title") or "") > MAX_MODAL_TITLE:
        errors.append(_err(path, "title", f"Must be {MAX_MODAL_TITLE} or fewer in length."))
    components = data.get("components") or []
    if len(components) > MAX_ROWS:
        errors.append(_err(path, "components", f"Must be {MAX_ROWS} or fewer in length."))
    errors += _check_custom_ids(components, (*path, "components"))
    custom_id = data.get("custom_id") or ""
    if len(custom_id) > MAX_CUSTOM_ID:
        errors.append(_err(path, "custom_id", f"Must be {MAX_CUSTOM_ID} or fewer in length."))
    return errors


def check_choices(data: dict, path: Path = ("data",)) -> list[SchemaError]:
    """Limits of an autocomplete result (interaction callback type 8)."""
    choices = data.get("choices") or []
    errors: list[SchemaError] = []
    if len(choices) > MAX_CHOICES:
        errors.append(_err(path, "choices", f"Must be {MAX_CHOICES} or fewer in length."))
    for index, choice in enumerate(choices):
        if len(str(choice.get("name", ""))) > 100:
            where = (*path, "choices", index)
            errors.append(_err(where, "name", "Must be 100 or fewer in length."))
    return errors


def check_callback(body: dict) -> list[SchemaError]:
    """Limits of an interaction callback body, by callback type."""
    kind = body.get("type")
    data = body.get("data") or {}
    if kind == 4:
        return check_message(data, ("data",), creating=True)
    if kind == 7:
        return check_message(data, ("data",))
    if kind == 9:
        return check_modal(data)
    if kind == 8:
        return check_choices(data)
    return []


def _err(path: Path, key: str | int, message: str) -> SchemaError:
    return SchemaError((*path, key), message)
