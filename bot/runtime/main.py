"""Run the bot until SIGTERM/SIGINT (`python -m bot`), or only sync its commands (`sync`)."""

from __future__ import annotations

import asyncio
import logging
import signal

import aiohttp
import discord

from bot.config import Settings
from bot.core.clock import SystemClock
from bot.runtime.app import tayori

log = logging.getLogger("bot")
# What start-up raises when Discord cannot be reached.
UNREACHABLE = (aiohttp.ClientError, OSError, discord.GatewayNotFound, discord.ConnectionClosed)


async def run(settings: Settings, *, sync_only: bool = False) -> int:
    """Run the bot until SIGTERM/SIGINT (or, with `sync_only`, until the commands are synced)."""
    token = settings.token()
    async with tayori(settings, SystemClock(), sync_only=sync_only) as bot:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, lambda: asyncio.ensure_future(bot.close()))
        if sync_only:
            await bot.login(token)
            return 0
        await bot.start(token)
    log.info("Tayori stopped")
    return 0


def start(settings: Settings, *, sync_only: bool = False) -> str | int:
    """Run the bot; return its exit status, or the one line to print when Discord says no."""
    try:
        return asyncio.run(run(settings, sync_only=sync_only))
    except discord.LoginFailure:
        return "DISCORD_TOKEN was refused by Discord (check the token)"
    except UNREACHABLE as exc:
        return f"cannot reach Discord ({type(exc).__name__}: {exc})"
    except discord.HTTPException as exc:
        return f"Discord refused a start-up request ({exc.status}: {exc.text or exc})"
