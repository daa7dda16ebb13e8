"""`python -m bot [run | sync | check-content | healthcheck]`: start Tayori or check on it."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from datetime import UTC, datetime, timedelta

import aiohttp
import discord

from bot.config import Settings, SettingsError, configure_logging, load_settings
from bot.core.clock import SystemClock
from bot.core.content import ContentError, load_content
from bot.runtime.app import tayori
from bot.store import StoreError, read_heartbeat

log = logging.getLogger("bot")
# What start-up raises when Discord cannot be reached.
UNREACHABLE = (aiohttp.ClientError, OSError, discord.GatewayNotFound, discord.ConnectionClosed)


def fail(message: str) -> int:
    """Print one clear line to stderr and return exit status 2."""
    print(f"tayori: {message}", file=sys.stderr)
    return 2


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


def unhealthy(message: str) -> int:
    """Print why the bot is not healthy and return 1 (Docker reserves 2)."""
    fail(message)
    return 1


def healthcheck(settings: Settings) -> int:
    """Exit 0 when the database opens and the bot recorded recently that it is connected."""
    try:
        beat = read_heartbeat(settings.database_path)
    except StoreError as exc:
        return unhealthy(f"database {settings.database_path} cannot be read: {exc}")
    if beat is None:
        return unhealthy("no heartbeat yet: the bot has not connected with this database")
    age = datetime.now(UTC) - beat
    if age > timedelta(seconds=3 * settings.heartbeat_seconds):
        return unhealthy(f"heartbeat is stale ({int(age.total_seconds())} s old): not connected")
    print(f"ok: heartbeat {int(age.total_seconds())} s old")
    return 0


def check_content(settings: Settings) -> int:
    """Validate the content and print a summary."""
    content = load_content(settings.content_dir, settings.default_locale)
    for name, loc in content.locales.items():
        a = loc.article
        print(
            f"{name}: {len(a.reasons)} reasons, {len(a.ng)} NG items, "
            f"{len(a.templates)} templates, "
            f"{len(loc.diagnose.questions)} questions, {len(loc.draft.rules)} draft rules, "
            f"{len(loc.messages)} messages"
        )
    print("content OK")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and do what it asks; errors become one line and status 2."""
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    parser.add_argument(
        "command", nargs="?", default="run", choices=["run", "sync", "check-content", "healthcheck"]
    )
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
        configure_logging(settings.log_level)
        if args.command == "healthcheck":
            return healthcheck(settings)
        if args.command == "check-content":
            return check_content(settings)
        settings.token()
        return asyncio.run(run(settings, sync_only=args.command == "sync"))
    except (SettingsError, ContentError) as exc:
        return fail(str(exc))
    except StoreError as exc:
        return fail(f"database: {exc}")
    except discord.LoginFailure:
        return fail("DISCORD_TOKEN was refused by Discord (check the token)")
    except UNREACHABLE as exc:
        return fail(f"cannot reach Discord ({type(exc).__name__}: {exc})")
    except discord.HTTPException as exc:
        return fail(f"Discord refused a start-up request ({exc.status}: {exc.text or exc})")
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
