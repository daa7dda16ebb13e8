"""What runs around interactions without a listener task of its own for each one.

discord.py starts a task per listener for every event, so a cog's `on_interaction` listener is
woken for every interaction only to find the rare form it answers, and each
`on_app_command_completion` listener is one more task after every command. Instead, a cog
registers the form it answers by custom id (`add_form`), and what must follow every command
(`after_commands`), which the bot runs in its one completion handler.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

import discord
from discord.ext import commands

Answer = Callable[[discord.Interaction[Any]], Coroutine[Any, Any, None]]


class HookedBot(commands.Bot):
    """A bot that routes submitted forms by custom id and runs hooks after each command."""

    def __init__(self, *args: Any, **options: Any) -> None:
        super().__init__(*args, **options)
        self._forms: dict[str, Answer] = {}
        self.after_commands: list[Answer] = []

    def add_form(self, custom_id: str, answer: Answer) -> None:
        """Answer every submitted form with this custom id (no live `Modal` waits for it)."""
        self._forms[custom_id] = answer

    def remove_form(self, custom_id: str) -> None:
        """Stop answering a form (its cog was unloaded)."""
        self._forms.pop(custom_id, None)

    def dispatch(self, event_name: str, /, *args: Any, **kwargs: Any) -> None:
        """Dispatch an event; a submitted form also goes to the one that answers its custom id."""
        super().dispatch(event_name, *args, **kwargs)
        if event_name == "interaction" and args[0].type is discord.InteractionType.modal_submit:
            data: dict[str, Any] = args[0].data or {}
            answer = self._forms.get(data.get("custom_id", ""))
            if answer is not None:
                self._schedule_event(answer, "on_form", args[0])

    async def run_after_commands(self, interaction: discord.Interaction[Any]) -> None:
        """Run what follows every command that finished, in the order it was registered."""
        for after in self.after_commands:
            await after(interaction)
