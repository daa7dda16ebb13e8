"""The write transactions of `RemindersStore` that run as `Steps`: one trip each to SQLite."""

from __future__ import annotations

from bot.store.base import LimitReached, Row, Steps, Stmt, StoreError


def add_steps(
    user_id: int,
    guild_id: int | None,
    kind: str,
    due: int,
    note: str | None,
    locale: str,
    now: int,
    max_pending: int,
) -> Steps[Row]:
    """`add_reminder`'s transaction: the new row."""
    count = yield Stmt(
        "SELECT count(*) FROM reminders WHERE user_id = ? AND state IN ('pending', 'held')",
        (user_id,),
    )
    if count[0][0] >= max_pending:
        raise LimitReached(max_pending)
    rows = yield Stmt(
        "INSERT INTO reminders (user_id, guild_id, kind, due_at, first_due, note, locale, "
        "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *",
        (user_id, guild_id, kind, due, due, note, locale, now, now),
    )
    if not rows:
        raise StoreError("the new reminder was not returned")
    row: Row = rows[0]
    return row


def restart_steps(user_id: int, now: int, due: int) -> Steps[int]:
    """`restart_after_send`'s transaction: how many it moved (0 or 1)."""
    changed: int = yield Stmt(
        "UPDATE reminders SET created_at = :now, due_at = :due, first_due = :due, "
        "updated_at = :now WHERE id = (SELECT id FROM reminders WHERE user_id = :user "
        "AND kind = 'after-send' AND state = 'pending' ORDER BY created_at DESC, id DESC "
        "LIMIT 1)",
        {"now": now, "due": due, "user": user_id},
        changed=True,
    )
    return changed
