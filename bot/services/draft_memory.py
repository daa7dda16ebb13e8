"""Drafts kept in memory for minutes, so "Edit and check again" can pre-fill the form.

Never written anywhere: a restart forgets them, and the button then opens an empty form.
Each draft is keyed by a random nonce (carried in the button's custom id) and only its
author gets it back. Time comes from the injected clock.
"""

from __future__ import annotations

import secrets
from collections import OrderedDict
from datetime import datetime, timedelta

from bot.core.clock import Clock

KEEP = timedelta(minutes=15)  # PRIVACY.md promises this
KEEP_MAX = 2000  # drafts held at most; the oldest goes first


class DraftMemory:
    """Recently checked drafts by nonce, each for `keep` after it was checked."""

    def __init__(self, clock: Clock, keep: timedelta = KEEP, most: int = KEEP_MAX) -> None:
        self.clock, self.ttl, self.most = clock, keep, most
        self._items: OrderedDict[str, tuple[int, str, datetime]] = OrderedDict()
        self._forgotten: dict[int, datetime] = {}  # user -> when they deleted their data

    def __len__(self) -> int:
        return len(self._items)

    def keep(self, user_id: int, text: str, checked_at: datetime | None = None) -> str:
        """Remember `text` for its author; return the nonce.

        A check that started (`checked_at`) before its author deleted their data keeps
        nothing: the nonce then finds no draft.
        """
        now = self.clock.now()
        while self._items and (
            len(self._items) >= self.most or next(iter(self._items.values()))[2] <= now
        ):
            self._items.popitem(last=False)
        self._forgotten = {u: t for u, t in self._forgotten.items() if t + self.ttl > now}
        nonce = secrets.token_urlsafe(9)
        deleted = self._forgotten.get(user_id)
        if deleted is None or (checked_at is not None and checked_at > deleted):
            self._items[nonce] = (user_id, text, now + self.ttl)
        return nonce

    def forget(self, user_id: int) -> None:
        """Drop every draft of one user (they deleted their data), and any still being checked."""
        self._forgotten[user_id] = self.clock.now()
        for nonce in [n for n, (owner, _, _) in self._items.items() if owner == user_id]:
            del self._items[nonce]

    def recall(self, nonce: str, user_id: int) -> str:
        """Return the author's draft, or "" when it expired or is someone else's."""
        found = self._items.get(nonce)
        if found is None:
            return ""
        owner, text, until = found
        return text if owner == user_id and until > self.clock.now() else ""
