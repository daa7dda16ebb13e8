"""Validation of request bodies against Discord's official OpenAPI description.

The spec vendored in ``fakediscord/spec/openapi.json`` (override with the
``DISCORD_API_SPEC`` environment variable) is loaded once per process. Unions whose
branches are all ``$ref`` to objects tagged by a ``type`` property are rewritten into
an ``x-discriminator`` keyword that validates only the branch named by the instance's
``type`` (instead of trying every branch), which keeps a request at ~0.2 ms.

Most bodies are valid, so each is first checked by jsonschema-rs against the spec as
written (median ~1.5 µs for a short reply, ~11 µs for a full report; the Python
validator takes ~90 µs and ~380 µs: ``bench/schema_check.py``). A body that passes
it passes the rewritten schema too (a ``oneOf`` that holds picks exactly the branch of
the instance's ``type``, and the other rewrites are equivalent), so only a body it
rejects goes through the Python validator, whose errors (or none) are the verdict.

discord.py sends a few snowflakes as JSON integers where the spec says string; those
known places (and only those) are coerced to strings before validation, see
:data:`INT_SNOWFLAKE_KEYS`.
"""

from __future__ import annotations

import copy
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator, ValidationError, validators
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

VENDORED_SPEC = Path(__file__).resolve().parent / "spec" / "openapi.json"


def find_spec() -> Path:
    """Find the spec: $DISCORD_API_SPEC, else the copy vendored beside this module."""
    env = os.environ.get("DISCORD_API_SPEC")
    return Path(env) if env else VENDORED_SPEC


SPEC_PATH = find_spec()
SPEC_URI = "urn:discord-api-spec"
_REF_PREFIX = "#/components/schemas/"

# (parent key, key) pairs where discord.py serialises a snowflake as an int.
# parent "" means the top level of the body; key "*" means every list item.
INT_SNOWFLAKE_KEYS: frozenset[tuple[str, str]] = frozenset(
    {
        ("", "recipient_id"),
        ("message_reference", "message_id"),
        ("message_reference", "channel_id"),
        ("message_reference", "guild_id"),
        ("attachments", "id"),
        ("allowed_mentions.users", "*"),
        ("allowed_mentions.roles", "*"),
        ("emoji", "id"),
        ("default_values", "id"),
    }
)


@dataclass(frozen=True)
class SchemaError:
    """One schema violation: where in the body, and what is wrong."""

    path: tuple[str | int, ...]
    message: str

    def __str__(self) -> str:
        where = ".".join(str(p) for p in self.path) or "<body>"
        return f"{where}: {self.message}"


def _discriminator(validator: Any, spec: dict, instance: Any, schema: dict) -> Iterator:
    """Validate ``instance`` against the union branch selected by its ``type``."""
    if not validator.is_type(instance, "object"):
        yield ValidationError(f"{instance!r} is not of type 'object'")
        return
    tag = instance.get("type")
    if isinstance(tag, float) and tag.is_integer():
        tag = int(tag)  # JSON Schema compares numbers by value: 4.0 is the const 4
    refs = spec["mapping"].get(tag) if isinstance(tag, int) and not isinstance(tag, bool) else None
    if not refs:
        yield ValidationError(f"type {tag!r} is not one of {sorted(spec['mapping'])}")
        return
    if len(refs) == 1:
        yield from validator.descend(instance, {"$ref": refs[0]})
        return
    errors = [list(validator.descend(instance, {"$ref": ref})) for ref in refs]
    if all(errors):
        yield ValidationError(f"{instance!r} matches no branch for type {tag}")


def _nullable(validator: Any, target: dict, instance: Any, schema: dict) -> Iterator:
    """``null``, or valid against ``target``."""
    if instance is not None:
        yield from validator.descend(instance, target)


_Validator = validators.extend(
    Draft202012Validator, {"x-discriminator": _discriminator, "x-nullable": _nullable}
)


def _type_values(target: dict) -> list[int] | None:
    prop = target.get("properties", {}).get("type")
    if not isinstance(prop, dict):
        return None
    if "const" in prop:
        return [prop["const"]]
    values = prop.get("enum")
    if values and all(isinstance(v, int) for v in values):
        return list(values)
    return None


def _mapping_for(branches: list, schemas: dict) -> dict[int, list[str]] | None:
    if len(branches) < 2 or not all(set(b) == {"$ref"} for b in branches):
        return None
    mapping: dict[int, list[str]] = {}
    for branch in branches:
        ref = branch["$ref"]
        if not ref.startswith(_REF_PREFIX):
            return None
        values = _type_values(schemas.get(ref[len(_REF_PREFIX) :], {}))
        if values is None:
            return None
        for value in values:
            mapping.setdefault(value, []).append(ref)
    return mapping


def _nullable_target(branches: list) -> dict | None:
    """The other branch of ``oneOf: [{type: null}, X]``, the spec's nullable idiom."""
    if len(branches) != 2 or {"type": "null"} not in branches:
        return None
    other = branches[0] if branches[1] == {"type": "null"} else branches[1]
    return other if other != {"type": "null"} else None


def _const_values(branches: list) -> list | None:
    """Values of a union of distinct ``const`` branches (an enum in disguise)."""
    if not branches or not all(isinstance(b, dict) and "const" in b for b in branches):
        return None
    if not all(set(b) <= {"const", "title", "description"} for b in branches):
        return None
    values = [b["const"] for b in branches]
    distinct = {json.dumps(v, sort_keys=True) for v in values}
    return values if len(distinct) == len(values) else None


def _rewrite_unions(node: Any, schemas: dict) -> None:
    """In place: turn type-tagged ``oneOf``/``anyOf`` unions into ``x-discriminator``."""
    if isinstance(node, list):
        for item in node:
            _rewrite_unions(item, schemas)
        return
    if not isinstance(node, dict):
        return
    for key in ("oneOf", "anyOf"):
        branches = node.get(key) or []
        consts = _const_values(branches)
        if consts is not None:
            del node[key]
            node["enum"] = consts
            continue
        nullable = _nullable_target(branches)
        if nullable is not None:
            del node[key]
            node["x-nullable"] = nullable
            continue
        mapping = _mapping_for(branches, schemas)
        if mapping is not None:
            del node[key]
            node["x-discriminator"] = {"mapping": mapping}
    for value in node.values():
        _rewrite_unions(value, schemas)


@dataclass
class _Operation:
    method: str
    template: str
    regex: re.Pattern[str]
    literal_segments: int
    schema: dict | None
    raw_schema: dict | None  # as the spec writes it, for the fast check


class SpecIndex:
    """Path templates, request schemas and compiled validators of the spec."""

    def __init__(self, spec: dict) -> None:
        self._raw_components = {"schemas": spec["components"]["schemas"]}
        schemas = copy.deepcopy(spec["components"]["schemas"])
        _rewrite_unions(schemas, schemas)
        document = {"components": {"schemas": schemas}}
        self._schemas = schemas
        self._registry = Registry().with_resource(
            SPEC_URI, Resource(contents=document, specification=DRAFT202012)
        )
        self._operations = self._index_operations(spec["paths"], schemas)
        self._validators: dict[tuple[str, str], Any] = {}
        self._fast: dict[tuple[str, str], Any] = {}

    @staticmethod
    def _index_operations(paths: dict, schemas: dict) -> list[_Operation]:
        ops = []
        for template, item in paths.items():
            pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
            regex = re.compile(f"^{pattern}$")
            literal = sum(1 for seg in template.split("/") if seg and "{" not in seg)
            for method, op in item.items():
                if method == "parameters":
                    continue
                raw = _json_body_schema(op)
                schema = None
                if raw is not None:
                    schema = copy.deepcopy(raw)
                    _rewrite_unions(schema, schemas)
                ops.append(_Operation(method.upper(), template, regex, literal, schema, raw))
        ops.sort(key=lambda o: -o.literal_segments)
        return ops

    def match(self, method: str, path: str) -> _Operation | None:
        """The spec operation for a concrete path (without ``/api/v10``), if any."""
        for op in self._operations:
            if op.method == method and op.regex.match(path):
                return op
        return None

    def validator_for(self, op: _Operation) -> Any:
        key = (op.method, op.template)
        found = self._validators.get(key)
        if found is None:
            schema = _absolutise(op.schema)
            found = _Validator(schema, registry=self._registry)
            self._validators[key] = found
        return found

    def fast_validator_for(self, op: _Operation) -> Any:
        """jsonschema-rs over the operation's schema as written, the spec's schemas beside it."""
        key = (op.method, op.template)
        found = self._fast.get(key)
        if found is None:
            root = {**(op.raw_schema or {}), "components": self._raw_components}
            found = jsonschema_rs.Draft202012Validator(root)
            self._fast[key] = found
        return found

    def validate(self, method: str, path: str, body: Any) -> list[SchemaError]:
        """Errors of ``body`` for ``method path``; unknown operations give none."""
        op = self.match(method, path)
        if op is None or op.schema is None:
            return []
        body = coerce_int_snowflakes(body)
        if self.fast_validator_for(op).is_valid(body):
            return []
        return self.slow_errors(op, body)

    def slow_errors(self, op: _Operation, body: Any) -> list[SchemaError]:
        """Errors of an already coerced ``body`` by the Python validator alone."""
        return [_to_error(e) for e in self.validator_for(op).iter_errors(body)]

    def warm(self) -> None:
        """Build every validator now (about 0.1 s) instead of on first use."""
        for op in self._operations:
            if op.schema is not None:
                self.validator_for(op)


def _json_body_schema(op: dict) -> dict | None:
    content = (op.get("requestBody") or {}).get("content") or {}
    media = content.get("application/json")
    return media.get("schema") if media else None


def _absolutise(node: Any) -> Any:
    """Point local ``#/components`` refs of an operation schema at the spec URI."""
    if isinstance(node, list):
        return [_absolutise(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: _absolutise(v) for k, v in node.items()}
    ref = out.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        out["$ref"] = SPEC_URI + ref
    disc = out.get("x-discriminator")
    if disc:
        out["x-discriminator"] = {
            "mapping": {k: [SPEC_URI + r for r in v] for k, v in disc["mapping"].items()}
        }
    return out


def _to_error(error: ValidationError) -> SchemaError:
    best = error
    if error.context:
        best = max(error.context, key=lambda e: len(e.absolute_path))
    return SchemaError(tuple(best.absolute_path), _describe(best))


def _describe(error: ValidationError) -> str:
    limit = error.validator_value
    if error.validator == "maxLength":
        return f"Must be {limit} or fewer in length (got {len(error.instance)})."
    if error.validator == "minLength":
        return f"Must be {limit} or more in length."
    if error.validator == "maxItems":
        return f"Must be {limit} or fewer in length (got {len(error.instance)} items)."
    return error.message[:300]


def coerce_int_snowflakes(body: Any, parent: str = "") -> Any:
    """Copy of ``body`` with ints at :data:`INT_SNOWFLAKE_KEYS` turned into strings."""
    if isinstance(body, dict):
        return {k: _coerce_value(parent, k, v) for k, v in body.items()}
    if isinstance(body, list):
        return [_coerce_item(parent, v) for v in body]
    return body


def _coerce_value(parent: str, key: str, value: Any) -> Any:
    if _is_int(value) and (parent, key) in INT_SNOWFLAKE_KEYS:
        return str(value)
    child = f"{parent}.{key}" if parent == "allowed_mentions" else key
    return coerce_int_snowflakes(value, child)


def _coerce_item(parent: str, value: Any) -> Any:
    if _is_int(value) and (parent, "*") in INT_SNOWFLAKE_KEYS:
        return str(value)
    return coerce_int_snowflakes(value, parent)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@cache
def spec_index() -> SpecIndex:
    """The process-wide :class:`SpecIndex` (loaded and compiled once)."""
    with SPEC_PATH.open(encoding="utf-8") as fh:
        return SpecIndex(json.load(fh))
