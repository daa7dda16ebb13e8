"""Run the bot until SIGTERM/SIGINT (`python -m bot`), or only sync its commands (`sync`)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from typing import Any

import aiohttp
import discord

from bot.config import Settings
from bot.core.clock import SystemClock
from bot.runtime.app import TayoriBot, tayori

log = logging.getLogger("bot")
# What start-up raises when Discord cannot be reached.
UNREACHABLE = (aiohttp.ClientError, OSError, discord.GatewayNotFound, discord.ConnectionClosed)
# A stop takes at most this long to close the bot (deliveries in flight get most of it), so the
# process exits within 5 s of SIGTERM in every state: Docker's grace is 10 s, and discord.py's
# reconnect back-off alone can sleep 16 s or more while Discord is out of reach.
CLOSE_WITHIN = 4.0


async def run(settings: Settings, *, sync_only: bool = False, init: bool = False) -> int:
    """Run the bot until SIGTERM/SIGINT (or, with `sync_only`, until the commands are synced)."""
    token = settings.token()
    freeze = not sync_only  # what start-up built lives as long as the process
    async with tayori(
        settings, SystemClock(), sync_only=sync_only, init=init, freeze_heap=freeze
    ) as bot:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        work = bot.login(token) if sync_only else bot.start(token)
        if await _until_stopped(asyncio.ensure_future(work), stop, bot):
            log.info("stop asked; Tayori is stopping")
    log.info("Tayori stopped")
    return bot.exit_status


async def _until_stopped(runner: asyncio.Future[None], stop: asyncio.Event, bot: TayoriBot) -> bool:
    """Await `runner` until it ends or `stop` is set; then close the bot and end it. Return
    whether a stop was asked."""
    stopping = asyncio.ensure_future(stop.wait())
    either: set[asyncio.Future[Any]] = {runner, stopping}
    await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
    if runner.done():
        stopping.cancel()
        runner.result()  # what start-up raised, if it did
        return False
    with contextlib.suppress(Exception, asyncio.TimeoutError):
        await asyncio.wait_for(bot.close(), CLOSE_WITHIN)
    runner.cancel()  # e.g. asleep in discord.py's reconnect back-off
    with contextlib.suppress(Exception, asyncio.CancelledError):
        await runner
    return True


# What Discord's gateway closes with when the shard settings do not fit (close codes).
SHARD_REFUSALS = {
    4010: "Discord refused the shard settings (4010 Invalid shard): check SHARD_COUNT and "
    "SHARD_IDS (every id below the count; a very large bot's count a multiple of its number)",
    4011: "Discord requires sharding for this many servers (4011): set SHARD_COUNT=auto, or a "
    "number (README: Sharding)",
}


def start(settings: Settings, *, sync_only: bool = False, init: bool = False) -> str | int:
    """Run the bot; return its exit status, or the one line to print when Discord says no."""
    try:
        return asyncio.run(run(settings, sync_only=sync_only, init=init))
    except discord.LoginFailure:
        return "DISCORD_TOKEN was refused by Discord (check the token)"
    except discord.ConnectionClosed as exc:
        if exc.code in SHARD_REFUSALS:
            return SHARD_REFUSALS[exc.code]
        return f"cannot reach Discord ({type(exc).__name__}: {exc})"
    except UNREACHABLE as exc:
        return f"cannot reach Discord ({type(exc).__name__}: {exc})"
    except discord.HTTPException as exc:
        return f"Discord refused a start-up request ({exc.status}: {exc.text or exc})"
