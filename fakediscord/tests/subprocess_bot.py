"""A tiny bot the fake's tests run as a subprocess, with the product's env contract.

Reads ``DISCORD_TOKEN``, ``DISCORD_API_BASE``, ``DISCORD_GATEWAY_URL`` and
``DATABASE_PATH`` (here a JSON file holding a counter). ``/counter`` posts a message with
a persistent ``+1`` button that keeps working after the process is restarted. SIGTERM
closes the client and exits 0.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
from pathlib import Path

import discord
import yarl
from discord import app_commands


def load(db: Path) -> int:
    return json.loads(db.read_text())["count"] if db.exists() else 0


def save(db: Path, count: int) -> None:
    db.write_text(json.dumps({"count": count}))


class Counter(discord.ui.View):
    """Persistent view: survives restarts because its custom_id is fixed."""

    def __init__(self, db: Path) -> None:
        super().__init__(timeout=None)
        self.db = db

    @discord.ui.button(label="+1", custom_id="counter:inc")
    async def inc(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        count = load(self.db) + 1
        save(self.db, count)
        await interaction.response.send_message(f"count {count} pid {os.getpid()}")


class CounterBot(discord.Client):
    """A client with one command and a persistent view."""

    def __init__(self, db: Path) -> None:
        super().__init__(intents=discord.Intents.default(), guild_ready_timeout=0.05)
        self.db = db
        self.tree = app_commands.CommandTree(self)

        @self.tree.command(description="Shows a counter")
        async def counter(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("counter", view=Counter(self.db))

    async def setup_hook(self) -> None:
        self.add_view(Counter(self.db))
        await self.tree.sync()


async def main() -> None:
    discord.http.Route.BASE = os.environ["DISCORD_API_BASE"]
    gateway = yarl.URL(os.environ["DISCORD_GATEWAY_URL"])
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = gateway
    bot = CounterBot(Path(os.environ["DATABASE_PATH"]))
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, lambda: asyncio.ensure_future(bot.close()))
    async with bot:
        await bot.start(os.environ["DISCORD_TOKEN"])
    print("closed cleanly", flush=True)


if __name__ == "__main__":
    asyncio.run(main())
