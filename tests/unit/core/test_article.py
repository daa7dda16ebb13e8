"""The article content (ja + en), its model and helpers, and the shared UI wording.

Most tests read the TOML files directly and validate them with the article model; the ones that
need the whole content use the `content` fixture (`load_content()`).
"""

from __future__ import annotations

import re
import shutil
import string
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from pydantic import BaseModel, ValidationError

from bot.core.article import (
    Article,
    DayRange,
    Template,
    by_id,
    ng_item,
    reason,
    step_templates,
    templates_for,
)

if TYPE_CHECKING:
    pass

CONTENT = Path(__file__).resolve().parents[3] / "content"
LOCALES = ("ja", "en")
MESSAGE_FILES = ("ng_list", "common")
REASONS = ["busy", "unwell", "cooled", "testing", "waiting", "someone-else"]
NG_JA = [
    ("long-panic-message", "パニックになって相手に長文の連絡を送る"),
    ("blaming", "相手の行動を責めるような、感情的な連絡をする"),
    ("sns-venting", "相手の見ているSNSに愚痴るような書き込みをする"),
    ("telling-mutual-friends", "共通の知人に現状を言い触らす"),
]
# Every slash command, subcommand and option the bot has: (command, subcommand or "", options).
COMMANDS = {
    ("about", ""): set(),
    ("ng-list", ""): {"public"},
    ("diagnose", ""): set(),
    ("diagnose", "start"): set(),
    ("diagnose", "history"): set(),
    ("check-draft", ""): {"text"},
    ("remind", ""): set(),
    ("remind", "after-send"): {"days"},
    ("remind", "reply-pace"): {"hours", "quiet_start", "quiet_end"},
    ("remind", "reply"): set(),
    ("remind", "at"): {"when", "note"},
    ("remind", "list"): set(),
    ("remind", "cancel"): set(),
    ("settings", ""): set(),
    ("settings", "timezone"): {"name"},
    ("settings", "quiet-hours"): {"start", "end", "off"},
    ("settings", "channel-notice"): {"on"},
    ("remind-channel", ""): set(),
    ("remind-channel", "set"): {"channel"},
    ("remind-channel", "clear"): set(),
    ("remind-channel", "show"): set(),
    ("privacy", ""): set(),
    ("privacy", "show"): set(),
    ("privacy", "export"): set(),
    ("privacy", "delete"): set(),
}
# Discord's limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits).
TITLE, DESCRIPTION, FIELD_VALUE, EMBED_TOTAL = 256, 4096, 1024, 6000
LABEL, OPTION_DESCRIPTION, PLACEHOLDER, BUTTON_LABEL = 100, 100, 150, 80
COMMAND_NAME = re.compile(r"^[-_\w]{1,32}$")


def read(path: Path) -> dict[str, Any]:
    with path.open("rb") as fh:
        return tomllib.load(fh)


def article(locale: str) -> Article:
    return Article.model_validate(read(CONTENT / locale / "article.toml"))


def flatten(data: dict[str, Any], prefix: str) -> Iterator[tuple[str, Any]]:
    for key, value in data.items():
        if isinstance(value, dict):
            yield from flatten(value, f"{prefix}.{key}")
        else:
            yield f"{prefix}.{key}", value


def messages(locale: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for name in MESSAGE_FILES:
        out.update(flatten(read(CONTENT / locale / "messages" / f"{name}.toml"), name))
    return out


def fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from strings(getattr(value, name))
    elif isinstance(value, list | tuple):
        for item in value:
            yield from strings(item)


def ids(a: Article) -> dict[str, list[str]]:
    lists = {k: getattr(a, k) for k in ("parts", "reasons", "actions", "templates", "ng")}
    lists |= {"winback": a.winback, "habits": a.habits, "summary.points": a.summary.points}
    return {key: [item.id for item in items] for key, items in lists.items()}


def shape(a: Article) -> dict[str, Any]:
    """Everything but the wording: what must be the same in every locale."""
    return {
        "steps": {r.id: [(s.action, s.templates) for s in r.next_steps] for r in a.reasons},
        "winback": {r.id: r.winback for r in a.reasons},
        "kinds": {t.id: t.kind for t in a.templates},
        "actions": {x.id: (x.templates, x.wait_days) for x in a.actions},
        "examples": {n.id: len(n.examples) for n in a.ng},
        "questions": {p.id: p.question is None for p in a.parts},
    }


# ── The model, read straight from the files ──────────────────


@pytest.mark.parametrize("locale", LOCALES)
def test_article_validates_with_the_fixed_ids(locale):
    a = article(locale)
    assert [r.id for r in a.reasons] == REASONS
    assert [n.id for n in a.ng] == [i for i, _ in NG_JA]
    assert {t.kind for t in a.templates} == {"caring", "invite"}


def test_en_has_exactly_the_ids_ja_has():
    assert ids(article("en")) == ids(article("ja"))


def test_en_has_the_same_shape_as_ja():
    assert shape(article("en")) == shape(article("ja"))


@pytest.mark.parametrize("locale", LOCALES)
def test_every_reference_names_an_existing_item(locale):
    a = article(locale)
    known = ids(a)
    for r in a.reasons:
        assert set(r.winback) <= set(known["winback"]), r.id
        for step in r.next_steps:
            assert step.action in known["actions"], r.id
            assert set(step.templates) <= set(known["templates"]), r.id
    for x in a.actions:
        assert set(x.templates) <= set(known["templates"]), x.id


@pytest.mark.parametrize("locale", LOCALES)
def test_no_text_is_empty(locale):
    texts = list(strings(article(locale)))
    assert len(texts) > 150
    assert all(t.strip() for t in texts)


def test_model_rejects_blank_text_and_unknown_keys():
    data = read(CONTENT / "ja" / "article.toml")
    with pytest.raises(ValidationError):
        Article.model_validate({**data, "title": "   "})
    with pytest.raises(ValidationError):
        Article.model_validate({**data, "subtitle": "x"})
    with pytest.raises(ValidationError):
        Template.model_validate({"id": "x", "kind": "angry", "text": "x"})


def test_day_range_must_be_in_order():
    assert DayRange(min=7, max=14).max == 14
    with pytest.raises(ValidationError):
        DayRange(min=14, max=7)


def test_the_ja_ng_list_is_the_articles_four_in_order():
    assert [(n.id, n.title) for n in article("ja").ng] == NG_JA


@pytest.mark.parametrize("locale", LOCALES)
def test_blaming_carries_the_articles_examples(locale):
    item = ng_item(article(locale), "blaming")
    assert len(item.examples) == 2
    assert all(example in item.what for example in item.examples)


@pytest.mark.parametrize("locale", LOCALES)
def test_waiting_is_one_to_two_weeks(locale):
    wait = by_id(article(locale).actions, "wait").wait_days
    assert wait is not None
    assert (wait.min, wait.max) == (7, 14)


# ── Discord's limits ─────────────────────────────────────────


def bullet_list(items: list[str]) -> str:
    return "\n".join(f"- {item}" for item in items)


def over(limit: int, texts: list[str]) -> list[str]:
    return [t for t in texts if len(t) > limit]


@pytest.mark.parametrize("locale", LOCALES)
def test_titles_fit_an_embed_title(locale):
    a = article(locale)
    items = [*a.reasons, *a.actions, *a.ng, *a.winback, *a.habits]
    texts = [a.title, *(p.heading for p in a.parts), *(i.title for i in items)]
    assert not over(TITLE, texts)


@pytest.mark.parametrize("locale", LOCALES)
def test_texts_fit_an_embed_field(locale):
    a = article(locale)
    texts = [t.text for t in a.templates] + [p.text for p in a.summary.points]
    for r in a.reasons:
        texts += [r.explanation, r.takeaway, bullet_list(r.situations)]
        texts += [s.note for s in r.next_steps]
    for n in a.ng:
        texts += [n.what, n.why, n.instead, bullet_list(n.examples)]
    for x in [*a.actions, *a.winback, *a.habits]:
        texts += [x.body, bullet_list(x.points), bullet_list(x.cautions)]
    assert not over(FIELD_VALUE, texts)


@pytest.mark.parametrize("locale", LOCALES)
def test_long_texts_fit_an_embed_description(locale):
    a = article(locale)
    summary = bullet_list([p.text for p in a.summary.points]) + "\n\n" + a.summary.closing
    assert not over(DESCRIPTION, [a.intro, summary, *(p.intro for p in a.parts)])


@pytest.mark.parametrize("locale", LOCALES)
def test_choices_fit_a_select_menu(locale):
    a = article(locale)
    labels = [n.title for n in a.ng] + [r.title for r in a.reasons] + [t.text for t in a.templates]
    assert not over(LABEL, labels)
    assert not over(OPTION_DESCRIPTION, [n.summary for n in a.ng])


@pytest.mark.parametrize("locale", LOCALES)
def test_one_ng_or_reason_fits_in_one_embed(locale):
    a, m = article(locale), messages(locale)
    heads = len(m["ng_list.what"]) + len(m["ng_list.why"]) + len(m["ng_list.instead"])
    for n in a.ng:
        assert len(n.title) + len(n.what) + len(n.why) + len(n.instead) + heads <= EMBED_TOTAL
    for r in a.reasons:
        notes = sum(len(s.note) for s in r.next_steps)
        size = len(r.title + r.explanation + r.takeaway + bullet_list(r.situations)) + notes
        assert size <= EMBED_TOTAL, r.id


@pytest.mark.parametrize("locale", LOCALES)
def test_ng_list_wording_fits_its_components(locale):
    m, a = messages(locale), article(locale)
    assert len(m["ng_list.title"]) <= TITLE
    assert len(m["ng_list.intro"] + "\n\n" + m["ng_list.select_hint"]) <= DESCRIPTION
    assert len(m["ng_list.placeholder"]) <= PLACEHOLDER
    assert len(m["ng_list.back"]) <= BUTTON_LABEL
    for number, n in enumerate(a.ng, 1):
        assert len(m["ng_list.item_title"].format(number=number, title=n.title)) <= TITLE


@pytest.mark.parametrize("locale", LOCALES)
def test_about_fits_one_embed(locale):
    m = messages(locale)
    lines = [v.format(command=f"</{k}:{'9' * 19}>") for k, v in about_lines(m).items()]
    parts = [m["common.about.what"], m["common.about.privacy"], "\n".join(lines)]
    assert not over(FIELD_VALUE, parts[1:])
    assert len(m["common.about.title"]) <= TITLE
    assert sum(map(len, parts)) + len(m["common.about.title"]) <= EMBED_TOTAL


# ── Messages and commands ────────────────────────────────────


def test_every_ja_message_key_exists_in_en_with_the_same_placeholders():
    ja, en = messages("ja"), messages("en")
    assert set(ja) == set(en)
    for key, text in ja.items():
        assert isinstance(text, str) and text.strip(), key
        assert fields(text) == fields(en[key]), key


def test_loaded_messages_match_between_locales(content):
    ja, en = content["ja"].messages, content["en"].messages
    assert set(ja) == set(en)
    assert all(fields(ja[key]) == fields(en[key]) for key in ja)
    assert content.pick("en-US").text("ng_list.title") == messages("en")["ng_list.title"]


def test_loaded_article_has_the_same_ids_in_both_locales(content):
    assert ids(content["en"].article) == ids(content["ja"].article)
    assert content["ja"].article == article("ja")


def test_the_loader_checks_the_articles_references(content, tmp_path):
    from bot.core.content import ContentError, load_content

    shutil.copytree(CONTENT, tmp_path / "content")
    path = tmp_path / "content" / "ja" / "article.toml"
    path.write_text(path.read_text(encoding="utf-8").replace('"caring-busy-work"]', '"nope"]', 1))
    with pytest.raises(ContentError, match="unknown templates id 'nope'"):
        load_content(tmp_path / "content")


def command_table(locale: str) -> dict[str, Any]:
    return read(CONTENT / locale / "messages" / "common.toml")["commands"]


def command_paths(table: dict[str, Any]) -> dict[tuple[str, str], set[str]]:
    out = {}
    for name, command in table.items():
        out[(name, "")] = set(command.get("options", {}))
        for sub, spec in command.get("subcommands", {}).items():
            out[(name, sub)] = set(spec.get("options", {}))
    return out


def named(table: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
    """Yield (key, entry, siblings) for every command, subcommand and option entry."""
    for key, entry in table.items():
        yield key, entry, table
        for child in ("subcommands", "options"):
            yield from named(entry.get(child, {}))


@pytest.mark.parametrize("locale", LOCALES)
def test_every_command_subcommand_and_option_is_named(locale):
    assert command_paths(command_table(locale)) == COMMANDS


@pytest.mark.parametrize("locale", LOCALES)
def test_command_names_and_descriptions_are_valid_for_discord(locale):
    for key, entry, siblings in named(command_table(locale)):
        name, description = entry["name"], entry["description"]
        assert COMMAND_NAME.match(name) and name == name.lower(), f"{key}: {name!r}"
        assert 1 <= len(description) <= OPTION_DESCRIPTION, f"{key}: {len(description)} chars"
        others = [e["name"] for k, e in siblings.items() if k != key]
        assert name not in others, f"{key}: {name!r} is used twice at one level"


def test_english_command_names_are_the_command_keys():
    assert all(entry["name"] == key for key, entry, _ in named(command_table("en")))


def about_lines(m: dict[str, str]) -> dict[str, str]:
    prefix = "common.about.commands."
    return {k.removeprefix(prefix): v for k, v in m.items() if k.startswith(prefix)}


@pytest.mark.parametrize("locale", LOCALES)
def test_about_has_a_line_for_every_command(locale):
    m = messages(locale)
    lines = about_lines(m)
    assert set(lines) == set(command_table(locale))
    assert all(fields(line) == {"command"} for line in lines.values())
    assert fields(m["common.about.privacy"]) == {"command"}


def test_error_messages_the_tree_uses_exist():
    m = messages("ja")
    for key in ("generic", "not_owner", "expired", "guild_only", "forbidden", "bad_input"):
        assert f"common.error.{key}" in m
    assert fields(m["common.error.cooldown"]) == {"seconds"}


# ── Helpers ──────────────────────────────────────────────────


def test_ng_item_and_reason_find_by_id():
    a = article("ja")
    assert all(ng_item(a, n.id) is n for n in a.ng)
    assert all(reason(a, r.id) is r for r in a.reasons)
    with pytest.raises(KeyError, match="ghosting"):
        ng_item(a, "ghosting")


def test_a_step_naming_templates_gets_just_those():
    a = article("ja")
    step = reason(a, "unwell").next_steps[0]
    assert [t.id for t in step_templates(a, step)] == step.templates


def test_a_step_naming_no_templates_gets_its_actions():
    a = article("ja")
    step = reason(a, "cooled").next_steps[0]
    assert step.templates == []
    assert [t.id for t in step_templates(a, step)] == by_id(a.actions, step.action).templates


def test_templates_for_follows_the_reasons_in_order_each_once():
    a = article("ja")
    busy = [t.id for t in templates_for(a, ["busy"])]
    unwell = [t.id for t in templates_for(a, ["unwell"])]
    both = [t.id for t in templates_for(a, ["busy", "unwell", "busy"])]
    assert both == busy + [t for t in unwell if t not in busy]
    assert len(both) == len(set(both))


def test_templates_for_follows_the_article():
    a = article("ja")
    assert {t.kind for t in templates_for(a, ["unwell"])} == {"caring"}
    assert {t.kind for t in templates_for(a, ["cooled"])} == {"invite"}
    assert {t.kind for t in templates_for(a, ["waiting"])} == {"caring", "invite"}


def test_templates_for_filters_by_kind():
    a = article("en")
    invites = templates_for(a, REASONS, kind="invite")
    assert invites and all(t.kind == "invite" for t in invites)
    assert templates_for(a, []) == []
    with pytest.raises(KeyError):
        templates_for(a, ["bored"])


def test_fitting_templates_prefer_the_diagnosed_reason_and_the_wanted_kinds():
    from bot.core.article import fitting_templates, templates_for

    a = article("ja")
    busy = {t.id for t in templates_for(a, ["busy"])}
    picked = fitting_templates(a, ["caring"], prefer_reason="busy")
    assert picked and all(t.kind == "caring" for t in picked)
    assert picked[0].id in busy
    both = fitting_templates(a, ["caring", "invite"], limit=2)
    assert {t.kind for t in both} == {"caring", "invite"}
    assert len(fitting_templates(a, [], limit=1)) == 1
