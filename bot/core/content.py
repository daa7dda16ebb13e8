"""Load `content/<locale>/` into validated pydantic models.

Each locale folder holds one TOML file per section (see `SECTIONS`) and a
`messages/` folder of UI wording. Anything wrong stops start-up with a
`ContentError` naming the file, the key path and the reason.
"""

from __future__ import annotations

import json
import logging
import re
import string
import tomllib
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from bot.core.article import Article
from bot.core.diagnosis import Questionnaire
from bot.core.draft import DraftRules
from bot.core.draft_model import DraftModel
from bot.core.locales import BASE_LOCALE, DEFAULT_CONTENT_DIR, LOCALES
from bot.core.model import Ref
from bot.core.when import Plural, WhenWords

log = logging.getLogger(__name__)

DRAFT_MODEL_FILE = "draft_model.json"

SECTIONS: dict[str, type[BaseModel]] = {
    "article": Article,
    "diagnose": Questionnaire,
    "draft": DraftRules,
    "when": WhenWords,
}


class ContentError(Exception):
    """A content file is missing or wrong; says which file, which key and why."""

    def __init__(self, file: Path | str, key: str, reason: str) -> None:
        self.file, self.key, self.reason = str(file), key, reason
        super().__init__(f"{self.file}: {key or '(file)'}: {reason}")


class LocaleContent(BaseModel):
    """Everything one locale says."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    locale: str
    article: Article
    diagnose: Questionnaire
    draft: DraftRules
    when: WhenWords
    messages: dict[str, str]

    def text(self, key: str, /, **values: Any) -> str:
        """Return the message `key` with `values` filled in."""
        return self.messages[key].format(**values) if values else self.messages[key]


class Content:
    """All locales, and the choice of one by a Discord locale."""

    def __init__(self, locales: dict[str, LocaleContent], default: str = BASE_LOCALE) -> None:
        self.locales = locales
        self.default = default
        # The draft rules by language: a draft gets its own language's (bot.core.draft_language).
        self.drafts = {name: loc.draft for name, loc in locales.items()}

    def pick(self, discord_locale: object | None = None) -> LocaleContent:
        """Return English for an English Discord locale, else the default (Japanese)."""
        value = str(getattr(discord_locale, "value", discord_locale) or "")
        if value.startswith("en") and "en" in self.locales:
            return self.locales["en"]
        return self.locales.get(value, self.locales[self.default])

    def __getitem__(self, locale: str) -> LocaleContent:
        return self.locales[locale]


def load_content(root: Path | str = DEFAULT_CONTENT_DIR, default: str = BASE_LOCALE) -> Content:
    """Load and cross-check every locale under `root`."""
    root = Path(root)
    locales = {name: _load_locale(root / name, name) for name in LOCALES}
    base = locales[BASE_LOCALE]
    for name, loc in locales.items():
        if name != BASE_LOCALE:
            _same_ids(root / name, base, loc)
            _same_messages(root / name, base.messages, loc.messages)
    if default not in locales:
        raise ContentError(root, "DEFAULT_LOCALE", f"no content for locale {default!r}")
    return Content(locales, default)


def _load_locale(folder: Path, locale: str) -> LocaleContent:
    sections = {
        name: _load_section(folder / f"{name}.toml", model) for name, model in SECTIONS.items()
    }
    messages = load_messages(folder / "messages")
    loc = LocaleContent(locale=locale, messages=messages, **sections)
    for section in sections.values():  # "1 day", "2 days": every unit takes the locale's rule
        for _key, _name, _owner, value in walk(section):
            if isinstance(value, Plural):
                value.for_locale(locale)
    _check_refs(folder, sections)
    return loc


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ContentError(path, "", "file is missing") from None
    except tomllib.TOMLDecodeError as exc:
        raise ContentError(path, "", f"not valid TOML ({exc})") from None
    except UnicodeDecodeError:
        raise ContentError(path, "", "not UTF-8 text (save the file as UTF-8)") from None
    except OSError as exc:
        raise ContentError(path, "", f"cannot be read ({exc.strerror or exc})") from None


def _load_section(path: Path, model: type[BaseModel]) -> BaseModel:
    data = _read_toml(path)
    if model is DraftRules:
        data = _with_draft_model(path.with_name(DRAFT_MODEL_FILE), data)
    try:
        section = model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(p) for p in err["loc"])
        raise ContentError(path, key, err["msg"]) from None
    for key, kind, ids in _duplicate_ids(section):
        raise ContentError(path, key, f"duplicate {kind} id(s): {', '.join(sorted(ids))}")
    return section


def _with_draft_model(path: Path, data: dict[str, Any]) -> dict[str, Any]:
    """Add the draft model's weights (a JSON file beside draft.toml, optional) to the section."""
    if not path.exists():
        return data
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ContentError(path, "", f"not valid JSON ({exc})") from None
    try:
        weights = DraftModel.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise ContentError(path, ".".join(str(p) for p in err["loc"]), err["msg"]) from None
    return {**data, "model": weights}


def load_messages(folder: Path) -> dict[str, str]:
    """Read and check every message file of one locale's `messages/` folder, flattened."""
    files = sorted(folder.glob("*.toml"))
    if not files:
        raise ContentError(folder, "", "no message files")
    messages: dict[str, str] = {}
    for path in files:
        for key, value in _flatten(_read_toml(path), path.stem):
            if not isinstance(value, str) or not value.strip():
                raise ContentError(path, key, "a message must be a non-empty string")
            try:
                _fields(value)
            except ValueError as exc:
                reason = f"broken placeholder ({exc}); write {{{{ and }}}} for a literal brace"
                raise ContentError(path, key, reason) from None
            _check_command_text(path, key, value)
            messages[key] = value.strip("\n")
    return messages


# Discord's rules for application command and option names and descriptions.
_COMMAND_NAME = re.compile(r"^[-_\w]{1,32}$")
COMMAND_DESCRIPTION_MAX = 100  # bot/runtime/limits.py names it too


def _check_command_text(path: Path, key: str, value: str) -> None:
    """Refuse a command name or description Discord would reject at sync."""
    if not key.startswith("common.commands."):
        return
    if key.endswith(".name") and (not _COMMAND_NAME.match(value) or value != value.lower()):
        reason = "a command name is 1-32 lowercase letters, digits, - or _ (no spaces)"
        raise ContentError(path, key, reason)
    if key.endswith(".description") and len(value) > COMMAND_DESCRIPTION_MAX:
        reason = (
            f"a command description is at most {COMMAND_DESCRIPTION_MAX} characters ({len(value)})"
        )
        raise ContentError(path, key, reason)


def _flatten(data: dict[str, Any], prefix: str) -> Iterator[tuple[str, Any]]:
    for key, value in data.items():
        path = f"{prefix}.{key}"
        if isinstance(value, dict):
            yield from _flatten(value, path)
        else:
            yield path, value


def walk(model: BaseModel, path: str = "") -> Iterator[tuple[str, str, BaseModel | Any, Any]]:
    """Yield (key path, field name, owner model, value) for every field, depth first."""
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        key = f"{path}.{name}" if path else name
        yield key, name, model, value
        items = (
            value
            if isinstance(value, list)
            else list(value.values())
            if isinstance(value, dict)
            else [value]
        )
        keys = (
            range(len(items))
            if isinstance(value, list)
            else list(value)
            if isinstance(value, dict)
            else [None]
        )
        for k, item in zip(keys, items, strict=True):
            if isinstance(item, BaseModel):
                yield from walk(item, key if k is None else f"{key}[{k}]")
        del info


def _id_lists(section: BaseModel) -> Iterator[tuple[str, str, list[str]]]:
    """Yield (key path, kind, ids) for each list of items that carry an `id`."""
    for key, name, _owner, value in walk(section):
        if (
            isinstance(value, list)
            and value
            and all(isinstance(v, BaseModel) and hasattr(v, "id") for v in value)
        ):
            yield key, name, [v.id for v in value]


def _duplicate_ids(section: BaseModel) -> Iterator[tuple[str, str, set[str]]]:
    for key, kind, ids in _id_lists(section):
        dupes = {i for i in ids if ids.count(i) > 1}
        if dupes:
            yield key, kind, dupes


def _refs(section: BaseModel) -> Iterator[tuple[str, str, str]]:
    """Yield (key path, kind, id) for each value marked with `Ref`."""
    for key, name, owner, value in walk(section):
        info = type(owner).model_fields[name]
        for ref in _ref_marks(info.annotation, info.metadata):
            for rid in _ref_values(value):
                yield key, ref.kind, rid


def _ref_marks(annotation: Any, metadata: list[Any]) -> list[Ref]:
    marks = [m for m in metadata if isinstance(m, Ref)]
    for arg in typing.get_args(annotation):
        marks += [m for m in getattr(arg, "__metadata__", ()) if isinstance(m, Ref)]
    return marks


def _ref_values(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [str(k) for k in value]
    if isinstance(value, list | tuple | set):
        return [v for v in value if isinstance(v, str)]
    return []


def _check_refs(folder: Path, sections: dict[str, BaseModel]) -> None:
    known: dict[str, set[str]] = {}
    for section in sections.values():
        for _key, kind, ids in _id_lists(section):
            known.setdefault(kind, set()).update(ids)
    for name, section in sections.items():
        for key, kind, rid in _refs(section):
            if rid not in known.get(kind, set()):
                raise ContentError(folder / f"{name}.toml", key, f"unknown {kind} id {rid!r}")


def _id_set(loc: LocaleContent) -> dict[str, set[tuple[str, str]]]:
    out: dict[str, set[tuple[str, str]]] = {}
    for name in SECTIONS:
        ids = out.setdefault(name, set())
        for key, _kind, values in _id_lists(getattr(loc, name)):
            generic = _strip_indexes(key)
            ids.update((generic, v) for v in values)
    return out


def _strip_indexes(key: str) -> str:
    out, depth = [], 0
    for ch in key:
        depth += ch == "["
        if depth == 0:
            out.append(ch)
        depth -= ch == "]"
    return "".join(out)


def _same_ids(folder: Path, base: LocaleContent, other: LocaleContent) -> None:
    want, have = _id_set(base), _id_set(other)
    for name in SECTIONS:
        missing = want[name] - have[name]
        extra = have[name] - want[name]
        if missing or extra:
            key, rid = sorted(missing or extra)[0]
            what = "lacks" if missing else "has an id ja lacks:"
            raise ContentError(folder / f"{name}.toml", key, f"{what} id {rid!r}")


def _same_messages(folder: Path, base: dict[str, str], other: dict[str, str]) -> None:
    for key in sorted(base.keys() | other.keys()):
        if key not in other or key not in base:
            reason = "missing (ja has it)" if key not in other else "not in ja"
            raise ContentError(folder / "messages" / f"{key.split('.')[0]}.toml", key, reason)
        if _fields(base[key]) != _fields(other[key]):
            raise ContentError(
                folder / "messages" / f"{key.split('.')[0]}.toml",
                key,
                f"placeholders differ from ja: {sorted(_fields(other[key]))} "
                f"vs {sorted(_fields(base[key]))}",
            )


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}
