"""The same-payload floor for `bench/interaction_cpu.py`: a bot that does no work at all.

It syncs the commands Tayori synced, and answers each interaction by replaying, request for
request, what Tayori sent for that command (the same callback body, then the same follow-ups
and edits, with this interaction's id and token): the same bytes to build, send and have
validated, and nothing else. Run by the bench as a subprocess, with the fake's environment
(`DISCORD_TOKEN`, `DISCORD_API_BASE`, `DISCORD_GATEWAY_URL`) and `FLOOR_PLAN`, a JSON file of
{"commands": [...], "replies": {"name": [[method, path, body], ...]}}; the paths hold `{id}`,
`{token}` and `{app}`.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

import discord
import yarl
from discord.http import Route


def command_name(data: dict[str, Any]) -> str:
    """`remind list` for a subcommand, `about` for a command."""
    name, options = data["name"], data.get("options") or []
    while options and options[0].get("type") in (1, 2):  # subcommand (group)
        name += " " + options[0]["name"]
        options = options[0].get("options") or []
    return name


class Floor(discord.Client):
    """Replays Tayori's requests for each interaction; nothing more."""

    def __init__(self, plan: dict[str, Any]) -> None:
        super().__init__(intents=discord.Intents.default())
        self.plan = plan

    async def setup_hook(self) -> None:
        """Sync Tayori's commands, so the fake offers the same ones."""
        await self.http.bulk_upsert_global_commands(self.application_id, self.plan["commands"])

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Send what Tayori sent for this command, with this interaction's id and token."""
        data: dict[str, Any] = interaction.data or {}  # type: ignore[assignment]
        for method, path, body in self.plan["replies"].get(command_name(data), []):
            real = path.format(id=interaction.id, token=interaction.token, app=self.application_id)
            await self.http.request(Route(method, real), json=body)  # no parameters: no formatting


async def main(plan: dict[str, Any]) -> None:
    base = os.environ["DISCORD_API_BASE"].rstrip("/")
    discord.http.Route.BASE = base if "/api/v" in base else f"{base}/api/v10"
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(os.environ["DISCORD_GATEWAY_URL"])
    client = Floor(plan)
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, lambda: asyncio.ensure_future(client.close()))
    async with client:
        await client.start(os.environ["DISCORD_TOKEN"])


if __name__ == "__main__":
    sys.exit(asyncio.run(main(json.loads(Path(os.environ["FLOOR_PLAN"]).read_text()))))
