"""`python -m bot [run | sync | check-content | healthcheck | backup PATH]`: start Tayori,
check on it, or copy its database."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.config import Settings, SettingsError, configure_logging, load_settings

# Only what a subcommand needs is imported, when it runs: `healthcheck` runs every 30 s in
# the container and reads one row, so it must not load discord.py, dateparser or the content.


def fail(message: str) -> int:
    """Print one clear line to stderr and return exit status 2."""
    print(f"tayori: {message}", file=sys.stderr)
    return 2


def unhealthy(message: str) -> int:
    """Print why the bot is not healthy and return 1 (Docker reserves 2)."""
    fail(message)
    return 1


def healthcheck(settings: Settings) -> int:
    """Exit 0 when the database opens and the bot recorded recently that it is connected."""
    from bot.store.base import StoreError
    from bot.store.meta import read_heartbeat

    if not Path(settings.database_path).exists():
        return unhealthy(
            f"no database at {settings.database_path} yet: the bot has not run with this setting"
        )
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


def backup(settings: Settings, path: str | None) -> int:
    """Copy the database to `path` while the bot may be running."""
    from bot.store.backup import backup as copy
    from bot.store.base import StoreError

    if not path:
        return fail("backup needs a file to write to: python -m bot backup PATH")
    try:
        done = copy(settings.database_path, path)
    except StoreError as exc:
        return fail(f"backup failed: {exc}")
    counts = ", ".join(f"{table}: {n}" for table, n in done.rows.items())
    print(
        f"backup of {settings.database_path} written to {done.path} ({done.size:,} bytes: {counts})"
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
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
        configure_logging(settings.log_level, settings.log_format)
        if args.command == "healthcheck":
            return healthcheck(settings)
        if args.command == "backup":
            return backup(settings, args.path)
        if args.command in ("run", "sync"):
            settings.token()
        return _heavy(args.command, settings)
    except SettingsError as exc:
        return fail(str(exc))
    except KeyboardInterrupt:
        return 0


def _heavy(command: str, settings: Settings) -> int:
    """Run a subcommand that loads the content (and, to run or sync, discord.py)."""
    from bot.core.content import ContentError
    from bot.store import StoreError

    try:
        if command == "check-content":
            return check_content(settings)
        from bot.runtime.main import start

        status = start(settings, sync_only=command == "sync")
        return fail(status) if isinstance(status, str) else status
    except ContentError as exc:
        return fail(str(exc))
    except StoreError as exc:
        return fail(f"database: {exc}")


if __name__ == "__main__":
    sys.exit(main())
