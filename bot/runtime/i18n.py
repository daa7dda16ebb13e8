"""Command names and descriptions from content, and the user's language for replies.

Slash commands are declared with `T("common.commands.…")`: the text Discord shows by default
is the shipped content's, read when the cogs are imported, and `ContentTranslator` gives
Discord the Japanese and English texts of the content the bot runs with (`CONTENT_DIR`).
Only public discord.py API is used: `locale_str` carries the base text and its key.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import cache
from typing import TypedDict, TypeVar

import discord
from discord import app_commands

from bot.core.content import Content, load_messages
from bot.core.locales import BASE_LOCALE, DEFAULT_CONTENT_DIR

log = logging.getLogger(__name__)

ENGLISH = (discord.Locale.american_english, discord.Locale.british_english)
F = TypeVar("F")


class Names(TypedDict):
    """`name=` and `description=` of a command."""

    name: app_commands.locale_str
    description: app_commands.locale_str


class GroupNames(TypedDict):
    """`group_name=` and `group_description=` of a GroupCog."""

    group_name: app_commands.locale_str
    group_description: app_commands.locale_str


@cache
def _shipped() -> dict[str, str]:
    return load_messages(DEFAULT_CONTENT_DIR / BASE_LOCALE / "messages")


def T(key: str) -> app_commands.locale_str:
    """A command or option text: the shipped default text, and its message key."""
    return app_commands.locale_str(_shipped().get(key, key.rsplit(".", 1)[-1]), key=key)


def command_key(path: str) -> str:
    """Return the message key prefix of a command path like "remind.at"."""
    first, *subs = path.split(".")
    return ".".join([f"common.commands.{first}", *(f"subcommands.{s}" for s in subs)])


def names(path: str) -> Names:
    """Return `name=` and `description=` for a command or group, read from content."""
    key, name = command_key(path), path.rsplit(".", 1)[-1]
    return {
        "name": app_commands.locale_str(name, key=f"{key}.name"),
        "description": T(f"{key}.description"),
    }


def group_names(path: str) -> GroupNames:
    """Return `group_name=` and `group_description=` for a GroupCog."""
    found = names(path)
    return {"group_name": found["name"], "group_description": found["description"]}


def options(path: str, *params: str) -> Callable[[F], F]:
    """Name and describe a command's options from content (rename + describe)."""
    key = command_key(path)
    renames = {p: app_commands.locale_str(p, key=f"{key}.options.{p}.name") for p in params}
    descriptions = {p: T(f"{key}.options.{p}.description") for p in params}

    def apply(func: F) -> F:
        return app_commands.rename(**renames)(app_commands.describe(**descriptions)(func))

    return apply


class ContentTranslator(app_commands.Translator):
    """Give Discord the command texts from content: Japanese, English, and for every other
    locale the default locale's (when `DEFAULT_LOCALE` is not the shipped base, Japanese)."""

    def __init__(self, content: Content) -> None:
        self.content = content

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        """Return the text for `locale`, or None to keep the base text."""
        key = string.extras.get("key")
        if key is None:
            return None
        if locale in ENGLISH:
            loc = self.content["en"]
        elif locale is discord.Locale.japanese:
            loc = self.content["ja"]
        elif self.content.default != BASE_LOCALE:
            loc = self.content[self.content.default]
        else:
            return None  # the base text is the shipped Japanese
        text = loc.messages.get(key)
        if text is None or (key.endswith(".name") and text == string.message):
            return None
        return text
