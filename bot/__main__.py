"""`python -m bot [run | sync | check-content | healthcheck | backup PATH] [--init]`: start
Tayori, check on it, or copy its database (`--init`: begin with an empty database where one
was lost)."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.config import Settings

# Only what a subcommand needs is imported, when it runs: `healthcheck` runs every minute in
# the container and reads one row, so it loads neither pydantic nor discord.py nor the content.


def fail(message: str) -> int:
    """Print one clear line to stderr and return exit status 2."""
    print(f"tayori: {message}", file=sys.stderr)
    return 2


def backup(settings: Settings, path: str | None) -> int:
    """Copy the database to `path` while the bot may be running."""
    from bot.store.backup import backup as copy
    from bot.store.base import StoreError

    if settings.on_postgresql():
        return fail(
            "DATABASE_URL is PostgreSQL: back it up with pg_dump (e.g. pg_dump --format=custom "
            '--file=tayori.dump "$DATABASE_URL") and restore with pg_restore'
        )
    if not path:
        return fail("backup needs a file to write to: python -m bot backup PATH")
    try:
        done = copy(settings.sqlite_path(), path)
    except StoreError as exc:
        return fail(f"backup failed: {exc}")
    counts = ", ".join(f"{table}: {n}" for table, n in done.rows.items())
    print(
        f"backup of {settings.sqlite_path()} written to {done.path} ({done.size:,} bytes: {counts})"
    )
    return 0


def check_content(settings: Settings) -> int:
    """Validate the content and print a summary."""
    from bot.core.content import load_content

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
        "command",
        nargs="?",
        default="run",
        choices=["run", "sync", "check-content", "healthcheck", "backup"],
    )
    parser.add_argument("path", nargs="?", help="backup: the file to write the copy to")
    parser.add_argument(
        "--init",
        action="store_true",
        help="create an empty database even where one existed and is now missing",
    )
    args = parser.parse_args(argv)
    if args.command == "healthcheck":
        from bot.healthcheck import healthcheck

        return healthcheck()
    from bot.config import SettingsError, configure_logging, load_settings

    try:
        settings = load_settings()
        configure_logging(settings.log_level, settings.log_format)
        if args.command == "backup":
            return backup(settings, args.path)
        if args.command in ("run", "sync"):
            settings.token()
        return _heavy(args.command, settings, init=args.init)
    except SettingsError as exc:
        return fail(str(exc))
    except KeyboardInterrupt:
        return 0


def _heavy(command: str, settings: Settings, *, init: bool = False) -> int:
    """Run a subcommand that loads the content (and, to run or sync, discord.py)."""
    from bot.core.content import ContentError
    from bot.store import StoreError

    try:
        if command == "check-content":
            return check_content(settings)
        from bot.runtime.main import start

        status = start(settings, sync_only=command == "sync", init=init)
        return fail(status) if isinstance(status, str) else status
    except ContentError as exc:
        return fail(str(exc))
    except StoreError as exc:
        return fail(f"database: {exc}")


if __name__ == "__main__":
    sys.exit(main())
