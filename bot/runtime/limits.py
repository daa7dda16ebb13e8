"""Discord's limits, named once (https://discord.com/developers/docs/resources/message)."""

from __future__ import annotations

from bot.core.content import COMMAND_DESCRIPTION_MAX  # checked on the content at start

__all__ = [
    "CHOICES_MAX",
    "CHOICE_NAME_MAX",
    "COMMAND_DESCRIPTION_MAX",
    "CUSTOM_ID_MAX",
    "EMBEDS_TOTAL_MAX",
    "EMBED_DESCRIPTION_MAX",
    "EMBED_FIELD_NAME_MAX",
    "EMBED_FIELD_VALUE_MAX",
    "EMBED_TITLE_MAX",
    "MESSAGE_MAX",
    "NONCE_MAX",
    "SELECT_LABEL_MAX",
    "SELECT_OPTIONS_MAX",
    "TEXT_INPUT_MAX",
]

MESSAGE_MAX = 2000  # characters in a message's content
EMBED_TITLE_MAX = 256
EMBED_DESCRIPTION_MAX = 4096
EMBED_FIELD_NAME_MAX = 256
EMBED_FIELD_VALUE_MAX = 1024
EMBEDS_TOTAL_MAX = 6000  # characters over all of a message's embeds
TEXT_INPUT_MAX = 4000  # a modal's text input
SELECT_OPTIONS_MAX = 25  # options in a select menu
SELECT_LABEL_MAX = 100  # a select option's label, value and description
CHOICES_MAX = 25  # autocomplete choices
CHOICE_NAME_MAX = 100  # an autocomplete choice's name and value
NONCE_MAX = 25  # a message nonce
CUSTOM_ID_MAX = 100
