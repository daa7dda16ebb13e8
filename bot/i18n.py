"""Command names and descriptions from content, and the user's language for replies.

Slash commands are declared with `T("common.commands.…")` placeholders; at start
`localize_tree` sets each base description to the default locale's text and the
`ContentTranslator` gives Discord the other locales.
"""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord import app_commands

from bot.content import Content

log = logging.getLogger(__name__)

ENGLISH = (discord.Locale.american_english, discord.Locale.british_english)


def T(key: str) -> app_commands.locale_str:
    """Mark a command or option text by its message key."""
    return app_commands.locale_str(key, key=key)


def command_key(path: str) -> str:
    """Return the message key prefix of a command path like "remind.at"."""
    first, *subs = path.split(".")
    return ".".join([f"common.commands.{first}", *(f"subcommands.{s}" for s in subs)])


def names(path: str) -> dict[str, app_commands.locale_str]:
    """Return `name=` and `description=` for a command or group, read from content."""
    key, name = command_key(path), path.rsplit(".", 1)[-1]
    return {
        "name": app_commands.locale_str(name, key=f"{key}.name"),
        "description": T(f"{key}.description"),
    }


def group_names(path: str) -> dict[str, app_commands.locale_str]:
    """Return `group_name=` and `group_description=` for a GroupCog."""
    found = names(path)
    return {"group_name": found["name"], "group_description": found["description"]}


def options(path: str, *params: str) -> Any:
    """Name and describe a command's options from content (rename + describe)."""
    key = command_key(path)
    renames = {p: app_commands.locale_str(p, key=f"{key}.options.{p}.name") for p in params}
    descriptions = {p: T(f"{key}.options.{p}.description") for p in params}

    def apply(func: Any) -> Any:
        return app_commands.rename(**renames)(app_commands.describe(**descriptions)(func))

    return apply


class ContentTranslator(app_commands.Translator):
    """Give Discord the Japanese and English command texts from content."""

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
        else:
            return None
        text = loc.messages.get(key)
        if text is None or (key.endswith(".name") and text == string.message):
            return None
        return text


def base_text(content: Content, key: str) -> str:
    """Return the default locale's text for a command key (or the key's last part)."""
    return content[content.default].messages.get(key, key.rsplit(".", 1)[-1])


def localize_tree(tree: app_commands.CommandTree, content: Content) -> None:
    """Set every command's and option's base description from the default locale."""
    for command in tree.walk_commands():
        _localize(command, content)
        if isinstance(command, app_commands.Command):
            for param in command._params.values():
                if isinstance(param.description, app_commands.locale_str):
                    key = param.description.extras.get("key", "")
                    param.description = app_commands.locale_str(base_text(content, key), key=key)


def _localize(command: app_commands.Command | app_commands.Group, content: Content) -> None:
    desc = command._locale_description
    if desc is not None and "key" in desc.extras:
        text = base_text(content, desc.extras["key"])
        command.description = text
        command._locale_description = app_commands.locale_str(text, key=desc.extras["key"])
