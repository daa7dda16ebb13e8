"""A consistent copy of the live database, taken while the bot runs (SQLite's online backup).

`python -m bot backup PATH` calls `backup`. The copy is written beside PATH and renamed into
place only once it is complete and passes `PRAGMA integrity_check`, so PATH is never a
half-written file; a copy opens like any database (`DATABASE_PATH=PATH`).
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from bot.store.base import StoreError

PAGES_PER_STEP = 1024  # copy in steps, so the running bot's writes are not held up for long


@dataclass(frozen=True)
class BackupDone:
    """What was written: where, how many bytes, and how many rows of each kind."""

    path: Path
    size: int
    rows: dict[str, int]


def backup(source: Path | str, target: Path | str) -> BackupDone:
    """Copy the database at `source` to `target`, consistently, while others may write to it."""
    source, target = Path(source), Path(target)
    if not source.exists():
        raise StoreError(f"no database at {source}")
    if target.resolve() == source.resolve():
        raise StoreError("the backup must go to another file than the database itself")
    partial = target.with_name(target.name + ".partial")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        partial.unlink(missing_ok=True)
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst, pages=PAGES_PER_STEP)
            dst.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
            (verdict,) = dst.execute("PRAGMA integrity_check").fetchone()
            if verdict != "ok":
                raise StoreError(f"the copy failed its integrity check: {verdict}")
            rows = {
                table: dst.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                for table in ("reminders", "diagnoses", "user_settings", "guild_settings")
            }
        finally:
            dst.close()
            src.close()
        os.replace(partial, target)
    except sqlite3.Error as exc:
        partial.unlink(missing_ok=True)
        raise StoreError(str(exc)) from exc
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise StoreError(f"cannot write {target}: {exc.strerror or exc}") from exc
    return BackupDone(target, target.stat().st_size, rows)
