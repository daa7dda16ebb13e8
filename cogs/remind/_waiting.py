"""`/remind at` requests waiting, in memory, while their user chooses a time zone.

Only until the choice (at most `KEEP`): a restart forgets them, and the user is told to set the
reminder again. The note stays in this process's memory only; it is never logged.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

KEEP = timedelta(minutes=15)  # Discord's interaction tokens last as long
MAX_WAITING = 10_000


@dataclass(frozen=True)
class Waiting:
    """What the user asked for, before their time zone was known."""

    user_id: int
    guild_id: int | None
    when: str
    note: str | None
    asked_at: datetime


class WaitingReminders:
    """Waiting requests by nonce; taken once, by their own user, within `KEEP`."""

    def __init__(self) -> None:
        self._by_nonce: dict[str, Waiting] = {}

    def keep(self, waiting: Waiting) -> str:
        """Keep a request; return the nonce the zone select carries."""
        self._forget_old(waiting.asked_at)
        nonce = secrets.token_urlsafe(9)
        self._by_nonce[nonce] = waiting
        return nonce

    def take(self, nonce: str, user_id: int, now: datetime) -> Waiting | None:
        """Return and forget the request, if it is this user's and still fresh."""
        waiting = self._by_nonce.get(nonce)
        if waiting is None or waiting.user_id != user_id:
            return None
        del self._by_nonce[nonce]
        return waiting if now - waiting.asked_at <= KEEP else None

    def _forget_old(self, now: datetime) -> None:
        stale = [n for n, w in self._by_nonce.items() if now - w.asked_at > KEEP]
        for nonce in stale:
            del self._by_nonce[nonce]
        while len(self._by_nonce) >= MAX_WAITING:  # oldest first (dicts keep insertion order)
            del self._by_nonce[next(iter(self._by_nonce))]
