"""Keep what users type out of the logs, even at DEBUG.

discord.py logs whole gateway events and REST bodies at DEBUG; those carry drafts,
notes and answers. These filters replace them with a one-line summary. aiosqlite logs
SQL parameters at DEBUG, so its DEBUG records are dropped.
"""

from __future__ import annotations

import logging
from typing import Any, TypeGuard

CARRY_TEXT = {"INTERACTION_CREATE", "MESSAGE_CREATE", "MESSAGE_UPDATE"}
HTTP_BODIES = ("%s %s with %s has returned %s", "%s %s has received %s")


class HideGatewayPayloads(logging.Filter):
    """Summarize gateway events that carry user text."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the payloads; keep every record."""
        if isinstance(record.args, tuple) and any(map(_carries_text, record.args)):
            record.args = tuple(_summary(a) if _carries_text(a) else a for a in record.args)
        return True


class HideHttpBodies(logging.Filter):
    """Drop request and response bodies from discord.py's HTTP debug lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the body argument; keep every record."""
        if record.msg in HTTP_BODIES and isinstance(record.args, tuple):
            index = 2
            record.args = tuple(
                "(body hidden)" if i == index else a for i, a in enumerate(record.args)
            )
        return True


def _carries_text(value: object) -> TypeGuard[dict[str, Any]]:
    return isinstance(value, dict) and value.get("t") in CARRY_TEXT


def _summary(event: dict[str, Any]) -> str:
    payload: dict[str, Any] = event.get("d") or {}
    found = payload.get("data")
    data: dict[str, Any] = found if isinstance(found, dict) else {}
    what = data.get("name") or data.get("custom_id") or "?"
    return f"{event.get('t')} #{event.get('s')} type {payload.get('type')} {what} (content hidden)"


class DropDebug(logging.Filter):
    """Drop DEBUG records (aiosqlite's carry SQL parameters); the logger's level is untouched."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep INFO and above."""
        return record.levelno > logging.DEBUG


_GATEWAY, _HTTP, _NO_DEBUG = HideGatewayPayloads(), HideHttpBodies(), DropDebug()


def install() -> None:
    """Attach the filters to discord.py's and aiosqlite's loggers (idempotent).

    aiosqlite logs every call with its arguments at DEBUG: the SQL parameters, which carry
    reminder notes and diagnosis answers.
    """
    logging.getLogger("discord.gateway").addFilter(_GATEWAY)
    logging.getLogger("discord.http").addFilter(_HTTP)
    logging.getLogger("aiosqlite").addFilter(_NO_DEBUG)
