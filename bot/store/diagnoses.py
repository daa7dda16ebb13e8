"""Finished diagnoses: answer ids and the ranking only."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime

from bot.store.base import StoreBase, _dt, _ts
from bot.store.models import DiagnosisRecord


class DiagnosesStore(StoreBase):
    """Diagnoses as kept."""

    async def add_diagnosis(
        self,
        user_id: int,
        answers: Mapping[str, Sequence[str]],
        ranking: list[str],
        started_at: datetime | None = None,
    ) -> int:
        """Keep a finished diagnosis (answer ids and ranking only); return its id.

        One questionnaire (`started_at`, as its buttons carry it) finished twice with the same
        answers, as a double click does, is kept once: the second call returns 0.
        """
        rows = await self._write_returning(
            "INSERT INTO diagnoses (user_id, answers, ranking, created_at, started_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id",
            (
                user_id,
                json.dumps({k: list(v) for k, v in answers.items()}, sort_keys=True),
                json.dumps(ranking),
                _ts(self.clock.now()),
                None if started_at is None else _ts(started_at),
            ),
        )
        return int(rows[0][0]) if rows else 0

    async def diagnoses_for(self, user_id: int, limit: int = 10) -> list[DiagnosisRecord]:
        """Return a user's latest diagnoses, newest first."""
        rows = await self._all(
            "SELECT * FROM diagnoses WHERE user_id = ? ORDER BY created_at DESC, id DESC LIMIT ?",
            (user_id, limit),
        )
        return [
            DiagnosisRecord(
                id=r["id"],
                user_id=r["user_id"],
                answers=json.loads(r["answers"]),
                ranking=json.loads(r["ranking"]),
                created_at=_dt(r["created_at"]),
            )
            for r in rows
        ]
