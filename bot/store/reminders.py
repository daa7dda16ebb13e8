"""Reminders: adding, the scheduler's claims and outcomes, and what a draft check reads."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from bot.store.base import LimitReached, Row, StoreBase, _dt, _ts
from bot.store.models import DraftHistory, Reminder
from bot.store.reminder_steps import add_steps, restart_steps

MAX_PENDING = 25  # reminders waiting per user
CLAIM_LEASE = timedelta(minutes=10)  # how long a claim holds when its owner says nothing else


class RemindersStore(StoreBase):
    """Reminders and the after-send history a draft check needs."""

    async def add_reminder(
        self,
        user_id: int,
        kind: str,
        due: datetime,
        locale: str,
        *,
        guild_id: int | None = None,
        note: str | None = None,
        max_pending: int = MAX_PENDING,
    ) -> Reminder:
        """Store a pending reminder, refusing past `max_pending` for the user.

        One transaction in one trip; the only kept read it changes is the user's draft history
        (an after-send log), which it keeps up to date rather than reading it again.
        """
        now = _ts(self.clock.now())
        prior = self.cached_draft_history(user_id)
        after_send = kind == "after-send"

        def history(row: Row) -> tuple[str, int, object] | None:
            # the newest open after-send log (latest created_at, then the highest id) is this one
            if prior is None or (prior.sent_at is not None and prior.sent_at > _at(now)):
                return None
            logged = _at(row["created_at"]), _at(row["first_due"])
            return (
                "draft",
                user_id,
                DraftHistory(sent_at=logged[0], check_in=logged[1], top_reason=prior.top_reason),
            )

        row = await self._run(
            add_steps(user_id, guild_id, kind, _ts(due), note, locale, now, max_pending),
            changes=[("draft", user_id)] if after_send else [],
            keep=history if after_send else None,
            lock_user=user_id,  # two processes adding for one user count in turn
            notify=True,
        )
        return _reminder(row)

    async def reminder(self, reminder_id: int) -> Reminder | None:
        """Return one reminder by id."""
        row = await self._one("SELECT * FROM reminders WHERE id = ?", (reminder_id,))
        return _reminder(row) if row else None

    async def pending_for(self, user_id: int) -> list[Reminder]:
        """Return a user's pending (and held) reminders, soonest first."""
        rows = await self._all(
            "SELECT * FROM reminders WHERE user_id = ? AND state IN ('pending', 'held') "
            "ORDER BY due_at, id",
            (user_id,),
        )
        return [_reminder(r) for r in rows]

    async def held_for(self, user_id: int) -> list[Reminder]:
        """Return reminders that could not be delivered and wait for the user's next visit.

        Asked after every command, so the (usually empty) answer is kept until the next write;
        and with SQLite, who has any held reminder at all is read once for everyone, so a user
        without one costs no read even the first time.
        """
        cached = self.cache.get("held", user_id)
        if isinstance(cached, list):
            return list(cached)
        generation = self.cache.generation
        held: list[Reminder] = []
        if not self.cache.size or user_id in await self._held_users():
            rows = await self._all(
                "SELECT * FROM reminders WHERE user_id = ? AND state = 'held' ORDER BY due_at, id",
                (user_id,),
            )
            held = [_reminder(r) for r in rows]
        self.cache.put("held", user_id, held, generation)
        return list(held)

    async def _held_users(self) -> frozenset[int]:
        """The users with a held reminder (one read, kept until the next write)."""
        cached = self.cache.get("held-users", 0)
        if isinstance(cached, frozenset):
            return cached
        generation = self.cache.generation
        rows = await self._all("SELECT DISTINCT user_id FROM reminders WHERE state = 'held'")
        users = frozenset(int(row[0]) for row in rows)
        self.cache.put("held-users", 0, users, generation)
        return users

    async def _set_state(
        self, reminder_id: int, state: str, where: str, user: int | None = None, **sets: int | None
    ) -> bool:
        """Move one reminder to `state` where `where` holds (`:user` is the owner's id)."""
        assigns = ", ".join(
            [f"{k} = :{k}" for k in sets]
            + ["state = :state", "updated_at = :now", "claimed_by = NULL", "claimed_until = NULL"]
        )  # a new state ends any claim
        changed = await self._write(
            f"UPDATE reminders SET {assigns} WHERE id = :id AND {where}",
            {"id": reminder_id, "state": state, "now": _ts(self.clock.now()), "user": user, **sets},
        )
        return changed == 1

    async def cancel_reminder(self, user_id: int, reminder_id: int) -> bool:
        """Cancel one of the user's pending reminders; False if it is not theirs or not pending."""
        return await self._set_state(
            reminder_id, "cancelled", "user_id = :user AND state IN ('pending', 'held')", user_id
        )

    async def close_reminder(self, user_id: int, reminder_id: int, state: str = "replied") -> bool:
        """Close one of the user's open reminders (e.g. they replied)."""
        return await self._set_state(
            reminder_id,
            state,
            "user_id = :user AND state IN ('pending', 'delivered', 'held')",
            user_id,
        )

    async def snooze_reminder(
        self, user_id: int, reminder_id: int, due: datetime, max_pending: int = MAX_PENDING
    ) -> bool:
        """Make one of the user's delivered (or held) reminders pending again at `due`."""
        async with self.transaction():
            await self.driver.lock_user(user_id)
            row = await self._aggregate(
                "SELECT count(*) FROM reminders WHERE user_id = ? AND state IN ('pending', 'held') "
                "AND id != ?",
                (user_id, reminder_id),
            )
            if row[0] >= max_pending:
                raise LimitReached(max_pending)
            await self.driver.notify_schedule()
            return await self._set_state(
                reminder_id,
                "pending",
                "user_id = :user AND state IN ('delivered', 'held')",
                user_id,
                due_at=_ts(due),
                first_due=_ts(due),
                delivered_at=None,
                attempts=0,
            )

    async def restart_after_send(self, user_id: int, due: datetime) -> bool:
        """Count the user's pending after-send check-in from now (another message went out):
        it is due at `due`. False if they have none pending."""
        now = _ts(self.clock.now())
        prior = self.cached_draft_history(user_id)

        def history(changed: int) -> tuple[str, int, object] | None:
            # now the newest open after-send log, alone at `now` (nothing else logged this second)
            if changed != 1 or prior is None or not prior.sent_at or prior.sent_at >= _at(now):
                return None
            top = prior.top_reason
            return (
                "draft",
                user_id,
                DraftHistory(sent_at=_at(now), check_in=_at(_ts(due)), top_reason=top),
            )

        changed = await self._run(
            restart_steps(user_id, now, _ts(due)),
            changes=[("draft", user_id)],
            keep=history,
            notify=True,
        )
        return changed == 1

    async def due_reminders(self, now: datetime, limit: int = 100) -> list[Reminder]:
        """Return pending reminders due at `now`, oldest first."""
        rows = await self._all(
            "SELECT * FROM reminders WHERE state = 'pending' AND due_at <= ? "
            "ORDER BY due_at LIMIT ?",
            (_ts(now), limit),
        )
        return [_reminder(r) for r in rows]

    async def next_due(self) -> datetime | None:
        """Return when the scheduler must look next: the soonest pending reminder is due, or
        the soonest claim's lease ends (its process may have died: the reminder returns)."""
        row = await self._one(
            "SELECT min(t) FROM (SELECT min(due_at) AS t FROM reminders WHERE state = 'pending' "
            "UNION ALL SELECT min(claimed_until) FROM reminders WHERE state = 'sending') AS w"
        )
        return _dt(row[0]) if row else None

    async def reminder_counts(self) -> dict[str, int]:
        """Return how many reminders are stored in each state (for the operator's metrics)."""
        rows = await self._all("SELECT state, count(*) FROM reminders GROUP BY state")
        return {row[0]: row[1] for row in rows}

    async def claim(self, reminder_id: int, by: str = "", lease: timedelta = CLAIM_LEASE) -> bool:
        """Claim a due reminder for sending, until `lease` from now; False if another has it."""
        now = self.clock.now()
        changed = await self._write(
            "UPDATE reminders SET state = 'sending', attempts = attempts + 1, updated_at = ?, "
            "claimed_by = ?, claimed_until = ? WHERE id = ? AND state = 'pending'",
            (_ts(now), by, _ts(now + lease), reminder_id),
        )
        return changed == 1

    async def claim_next(self, by: str, lease: timedelta = CLAIM_LEASE) -> Reminder | None:
        """Claim the soonest reminder due now for sending, until `lease` from now.

        With PostgreSQL, rows another process is claiming at this moment are skipped (FOR
        UPDATE SKIP LOCKED): processes never wait for each other nor claim the same one.
        """
        now = self.clock.now()
        rows = await self._write_returning(
            "UPDATE reminders SET state = 'sending', attempts = attempts + 1, updated_at = :now, "
            "claimed_by = :by, claimed_until = :until WHERE id = (SELECT id FROM reminders "
            "WHERE state = 'pending' AND due_at <= :now ORDER BY due_at, id LIMIT 1"
            f"{self.driver.for_update}) AND state = 'pending' RETURNING *",
            {"now": _ts(now), "by": by, "until": _ts(now + lease)},
        )
        return _reminder(rows[0]) if rows else None

    async def mark_delivered(self, reminder_id: int) -> None:
        """Record that a claimed reminder was sent."""
        now = _ts(self.clock.now())
        await self._set_state(
            reminder_id, "delivered", "state IN ('sending', 'held')", delivered_at=now
        )

    async def retry_later(self, reminder_id: int, when: datetime) -> None:
        """Give a claimed reminder back, due again at `when` (after a transient failure)."""
        await self._set_state(reminder_id, "pending", "state = 'sending'", due_at=_ts(when))

    async def hold(self, reminder_id: int, notice: tuple[int, int] | None = None) -> bool:
        """Keep a reminder that could not be delivered until the user's next visit.

        `notice` is (channel id, message id) of the channel notice posted for it. False when
        the reminder is gone (its user deleted their data while it was being sent).
        """
        sets = {}
        if notice is not None:
            sets = {"notice_channel_id": notice[0], "notice_message_id": notice[1]}
        return await self._set_state(reminder_id, "held", "state = 'sending'", **sets)

    async def notices_for(self, user_id: int) -> list[tuple[int, int]]:
        """Return (channel id, message id) of every channel notice posted for the user (once
        each: reminders due together share one)."""
        rows = await self._all(
            "SELECT notice_channel_id, notice_message_id FROM reminders "
            "WHERE user_id = ? AND notice_message_id IS NOT NULL ORDER BY id",
            (user_id,),
        )
        return list(dict.fromkeys((r[0], r[1]) for r in rows))

    async def open_notice(self, user_id: int, channel_id: int) -> tuple[int, int] | None:
        """Return the notice up in a channel for the user's held reminders, if one is."""
        row = await self._one(
            "SELECT notice_channel_id, notice_message_id FROM reminders WHERE user_id = ? "
            "AND state = 'held' AND notice_channel_id = ? AND notice_message_id IS NOT NULL "
            "ORDER BY id DESC LIMIT 1",
            (user_id, channel_id),
        )
        return (row[0], row[1]) if row else None

    async def recover_in_flight(self, *, expired_only: bool = False) -> int:
        """Return claimed reminders to pending: all (one process, at its start), or only those
        whose claim's lease has passed (its process died or lost a write)."""
        now = _ts(self.clock.now())
        expired = " AND (claimed_until IS NULL OR claimed_until <= :now)" if expired_only else ""
        return await self._write(
            "UPDATE reminders SET state = 'pending', updated_at = :now, claimed_by = NULL, "
            f"claimed_until = NULL WHERE state = 'sending'{expired}",
            {"now": now},
        )

    async def claim_held(
        self, user_id: int, by: str, lease: timedelta = CLAIM_LEASE
    ) -> list[Reminder]:
        """Claim the user's held reminders to show them, until `lease` from now.

        Two commands of theirs answered at once, by one process or two, get them once: the
        second finds them claimed. Shown ones are then marked delivered; the others are
        released (`release_held`) or come back when the lease passes.
        """
        if not await self.held_for(user_id):
            return []
        now = self.clock.now()
        rows = await self._write_returning(
            "UPDATE reminders SET claimed_by = :by, claimed_until = :until WHERE user_id = :user "
            "AND state = 'held' AND (claimed_until IS NULL OR claimed_until <= :now) RETURNING *",
            {"by": by, "until": _ts(now + lease), "user": user_id, "now": _ts(now)},
        )
        return sorted((_reminder(r) for r in rows), key=lambda r: (r.due_at, r.id))

    async def release_held(self, reminder_ids: list[int]) -> None:
        """Give back held reminders claimed to show but not shown."""
        for reminder_id in reminder_ids:
            await self._write(
                "UPDATE reminders SET claimed_by = NULL, claimed_until = NULL "
                "WHERE id = ? AND state = 'held'",
                (reminder_id,),
            )

    async def after_send_window(self, user_id: int) -> tuple[datetime, datetime] | None:
        """Return (sent at, check-in due) of the user's latest open after-send reminder."""
        history = await self.draft_history(user_id)
        if history.sent_at is None or history.check_in is None:
            return None
        return history.sent_at, history.check_in

    def cached_draft_history(self, user_id: int) -> DraftHistory | None:
        """Return the user's draft history if it is known without a read, else None."""
        cached = self.cache.get("draft", user_id)
        return cached if isinstance(cached, DraftHistory) else None

    async def draft_history(self, user_id: int) -> DraftHistory:
        """Return the after-send window and latest diagnosis's top reason, in one query.

        The answer is kept until the next write, so "Edit and check again" needs no read.
        """
        if cached := self.cached_draft_history(user_id):
            return cached
        generation = self.cache.generation
        history = await self._read_draft_history(user_id)
        self.cache.put("draft", user_id, history, generation)
        return history

    async def _read_draft_history(self, user_id: int) -> DraftHistory:
        row = await self._one(
            "SELECT a.created_at, a.first_due, (SELECT ranking FROM diagnoses WHERE user_id = :u "
            "ORDER BY created_at DESC, id DESC LIMIT 1) FROM (SELECT 1) AS one LEFT JOIN ("
            "SELECT created_at, first_due FROM reminders WHERE user_id = :u "
            "AND kind = 'after-send' AND state NOT IN ('cancelled', 'replied') "
            "ORDER BY created_at DESC, id DESC LIMIT 1"
            ") AS a ON true",
            {"u": user_id},
        )
        sent_at, check_in, ranking = row if row else (None, None, None)
        top = (json.loads(ranking) or [None])[0] if ranking else None
        if sent_at is None:
            return DraftHistory(top_reason=top)
        return DraftHistory(sent_at=_dt(sent_at), check_in=_dt(check_in), top_reason=top)


def _at(value: int) -> datetime:
    """A stored time as `_dt` reads it back."""
    return datetime.fromtimestamp(value, UTC)


def _reminder(row: Row) -> Reminder:
    data = dict(zip(row.keys(), row, strict=True))
    for key in ("due_at", "first_due", "created_at", "delivered_at"):
        data[key] = _dt(data[key])
    for key in ("updated_at", "claimed_by", "claimed_until"):
        data.pop(key, None)
    return Reminder(**data)
