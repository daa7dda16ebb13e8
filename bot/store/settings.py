"""A user's and a server's settings."""

from __future__ import annotations

from bot.store.base import StoreBase, _iso
from bot.store.models import GuildSettings, UserSettings


class SettingsStore(StoreBase):
    """User and server settings."""

    async def user_settings(self, user_id: int) -> UserSettings:
        """Return a user's settings (defaults when none stored)."""
        row = await self._one("SELECT * FROM user_settings WHERE user_id = ?", (user_id,))
        if row is None:
            return UserSettings(user_id=user_id)
        return UserSettings(**{k: row[k] for k in row.keys() if k != "updated_at"})  # noqa: SIM118

    async def set_user_settings(self, user_id: int, **values: str | int | None) -> UserSettings:
        """Update some of a user's settings, leaving the others as they are.

        Only the given columns are written, so two commands changing different settings at
        once both keep their change.
        """
        cols = [c for c in values if c != "user_id"]
        unknown = set(cols) - set(UserSettings.model_fields)
        if unknown:
            raise ValueError(f"unknown settings: {sorted(unknown)}")
        await self._write(
            f"INSERT INTO user_settings (user_id, {''.join(c + ', ' for c in cols)}updated_at) "
            f"VALUES (:user_id, {''.join(':' + c + ', ' for c in cols)}:now) "
            f"ON CONFLICT (user_id) DO UPDATE SET "
            f"{''.join(f'{c} = excluded.{c}, ' for c in cols)}updated_at = excluded.updated_at",
            {**values, "user_id": user_id, "now": _iso(self.clock.now())},
            cached_rows=False,
        )
        return await self.user_settings(user_id)

    async def remember_dm_channel(self, reminder_id: int, user_id: int, channel_id: int) -> None:
        """Keep the DM channel a reminder went out through, while the reminder is still stored.

        A user who deleted their data while the reminder was on its way gets no row back.
        """
        await self._write(
            "INSERT INTO user_settings (user_id, dm_channel_id, updated_at) "
            "SELECT CAST(:user_id AS BIGINT), CAST(:channel_id AS BIGINT), CAST(:now AS TEXT) "
            "WHERE EXISTS "
            "(SELECT 1 FROM reminders WHERE id = :reminder_id AND user_id = :user_id) "
            "ON CONFLICT (user_id) DO UPDATE SET dm_channel_id = excluded.dm_channel_id, "
            "updated_at = excluded.updated_at",
            {
                "user_id": user_id,
                "channel_id": channel_id,
                "reminder_id": reminder_id,
                "now": _iso(self.clock.now()),
            },
            cached_rows=False,
        )

    async def guild_settings(self, guild_id: int) -> GuildSettings:
        """Return a server's settings."""
        row = await self._one("SELECT * FROM guild_settings WHERE guild_id = ?", (guild_id,))
        if row is None:
            return GuildSettings(guild_id=guild_id)
        return GuildSettings(guild_id=guild_id, reminder_channel_id=row["reminder_channel_id"])

    async def set_reminder_channel(self, guild_id: int, channel_id: int | None) -> None:
        """Choose (or clear, with None) the server's reminder channel."""
        await self._write(
            "INSERT INTO guild_settings (guild_id, reminder_channel_id, updated_at) "
            "VALUES (?, ?, ?) ON CONFLICT (guild_id) DO UPDATE SET "
            "reminder_channel_id = excluded.reminder_channel_id, updated_at = excluded.updated_at",
            (guild_id, channel_id, _iso(self.clock.now())),
            cached_rows=False,
        )

    async def forget_guild(self, guild_id: int) -> None:
        """Remove a server's settings (the bot left it)."""
        await self._write(
            "DELETE FROM guild_settings WHERE guild_id = ?", (guild_id,), cached_rows=False
        )
