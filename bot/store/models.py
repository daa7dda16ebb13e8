"""What the store returns: pydantic models of its rows."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class UserSettings(BaseModel):
    """A user's own settings."""

    user_id: int
    timezone: str | None = None
    quiet_start: str | None = None
    quiet_end: str | None = None
    pace_gap_minutes: int | None = None
    pace_quiet_start: str | None = None
    pace_quiet_end: str | None = None
    channel_notice: bool = False  # a notice in the server's reminder channel when DMs are closed
    dm_channel_id: int | None = None  # their DM channel with the bot, once a reminder opened it


class GuildSettings(BaseModel):
    """A server's settings, chosen by its admins."""

    guild_id: int
    reminder_channel_id: int | None = None


class Reminder(BaseModel):
    """One reminder as stored."""

    id: int
    user_id: int
    guild_id: int | None
    kind: str
    due_at: datetime
    first_due: datetime
    note: str | None
    locale: str
    state: str
    attempts: int
    created_at: datetime
    delivered_at: datetime | None = None
    notice_channel_id: int | None = None  # the channel notice posted for it, if any
    notice_message_id: int | None = None


class DiagnosisRecord(BaseModel):
    """A finished diagnosis: answer ids, the ranking, when."""

    id: int
    user_id: int
    answers: dict[str, list[str] | str]  # option ids per question (one string before v3)
    ranking: list[str]
    created_at: datetime


class DraftHistory(BaseModel):
    """What a draft check needs to know of the user: their open after-send log, latest reason."""

    sent_at: datetime | None = None  # when they last logged a sent message still waiting
    check_in: datetime | None = None  # when that log's check-in is due
    top_reason: str | None = None  # the top reason of their latest diagnosis


class KindSummary(BaseModel):
    """How much of one kind of data is stored about a user."""

    kind: str
    count: int
    oldest: datetime | None
