"""The fake's world: the bot, one guild with roles and channels, users and DM channels.

The default world (:meth:`World.default`) has

* users ``owner`` (guild owner), ``admin`` (ja, role *Moderator* with Manage Server),
  ``alice`` (en-US), ``haruto`` (ja) and ``closed`` (ja, DMs closed: posting to their DM
  channel answers 403 / 50007);
* text channels ``general``, ``no-send`` (the bot lacks Send Messages there: 403 / 50013)
  and ``scratch`` (meant to be deleted with :meth:`World.delete_channel`: 404 / 10003).

For a user-installed app, tests add a guild the bot is not in
(``add_guild(name, bot_member=False)``) or a group DM / DM between users
(:meth:`World.add_group_dm`, :meth:`World.add_user_dm`); the bot cannot read or post there
(403 / 50001) and only answers interactions through their callback and webhook.

Tests may add users and channels before or after the bot connects.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

DISCORD_EPOCH_MS = 1_420_070_400_000


class Perm:
    """Permission bits used by the fake."""

    ADD_REACTIONS = 1 << 6
    ADMINISTRATOR = 1 << 3
    MANAGE_CHANNELS = 1 << 4
    MANAGE_GUILD = 1 << 5
    VIEW_CHANNEL = 1 << 10
    SEND_MESSAGES = 1 << 11
    MANAGE_MESSAGES = 1 << 13
    EMBED_LINKS = 1 << 14
    ATTACH_FILES = 1 << 15
    READ_MESSAGE_HISTORY = 1 << 16
    USE_APPLICATION_COMMANDS = 1 << 31
    SEND_MESSAGES_IN_THREADS = 1 << 38
    USE_EXTERNAL_APPS = 1 << 50
    ALL = (1 << 53) - 1
    EVERYONE = (
        VIEW_CHANNEL
        | SEND_MESSAGES
        | EMBED_LINKS
        | ATTACH_FILES
        | READ_MESSAGE_HISTORY
        | ADD_REACTIONS
        | USE_APPLICATION_COMMANDS
        | SEND_MESSAGES_IN_THREADS
        | USE_EXTERNAL_APPS
    )


class Snowflakes:
    """Monotonic, time-based snowflake ids (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last = 0

    def next(self) -> int:
        with self._lock:
            now = (int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22
            self._last = max(now, self._last + 1)
            return self._last

    def next_on_shard(self, shard_id: int, count: int) -> int:
        """The next id whose guild Discord would put on shard ``shard_id`` of ``count``."""
        with self._lock:
            now = (int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22
            stamp = (max(now, self._last + 1) >> 22) + 1  # a fresh millisecond, then the shard's
            stamp += (shard_id - stamp) % count
            self._last = stamp << 22
            return self._last


@dataclass
class User:
    """A Discord user (the bot is one too)."""

    id: int
    name: str
    locale: str = "en-US"
    dms_open: bool = True
    bot: bool = False
    app_installed: bool = True  # authorized the app to their account (user install)

    def payload(self) -> dict:
        return {
            "id": str(self.id),
            "username": self.name,
            "global_name": None if self.bot else self.name.title(),
            "discriminator": "0",
            "avatar": None,
            "bot": self.bot,
            "public_flags": 0,
            "flags": 0,
        }


@dataclass
class Role:
    """A guild role."""

    id: int
    name: str
    permissions: int
    position: int = 0
    managed: bool = False

    def payload(self) -> dict:
        return {
            "id": str(self.id),
            "name": self.name,
            "permissions": str(self.permissions),
            "position": self.position,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "managed": self.managed,
            "mentionable": False,
            "icon": None,
            "unicode_emoji": None,
            "flags": 0,
        }


@dataclass
class Overwrite:
    """A channel permission overwrite (``kind`` 0 = role, 1 = member)."""

    id: int
    kind: int
    allow: int = 0
    deny: int = 0

    def payload(self) -> dict:
        return {
            "id": str(self.id),
            "type": self.kind,
            "allow": str(self.allow),
            "deny": str(self.deny),
        }


@dataclass
class Channel:
    """A guild text channel (type 0), the bot's DM with a user (type 1, ``recipient``), or a
    DM (type 1) / group DM (type 3) between ``members`` that the bot is not in."""

    id: int
    name: str
    type: int = 0
    guild_id: int | None = None
    recipient: User | None = None
    overwrites: list[Overwrite] = field(default_factory=list)
    position: int = 0
    deleted: bool = False
    members: list[User] = field(default_factory=list)

    @property
    def is_dm(self) -> bool:
        """The bot's own DM channel with ``recipient``."""
        return self.type == 1 and self.recipient is not None

    @property
    def is_private(self) -> bool:
        """A DM or group DM between users that the bot is not a recipient of."""
        return bool(self.members)

    def payload(self) -> dict:
        if self.is_dm:
            return self._dm_payload()
        if self.is_private:
            return self._private_payload()
        return {
            "id": str(self.id),
            "type": self.type,
            "guild_id": str(self.guild_id),
            "name": self.name,
            "position": self.position,
            "permission_overwrites": [o.payload() for o in self.overwrites],
            "parent_id": None,
            "topic": None,
            "nsfw": False,
            "rate_limit_per_user": 0,
            "last_message_id": None,
            "flags": 0,
        }

    def _dm_payload(self) -> dict:
        assert self.recipient is not None
        return {
            "id": str(self.id),
            "type": 1,
            "last_message_id": None,
            "flags": 0,
            "recipients": [self.recipient.payload()],
        }

    def _private_payload(self) -> dict:
        data = {
            "id": str(self.id),
            "type": self.type,
            "last_message_id": None,
            "flags": 0,
            "recipients": [u.payload() for u in self.members],
        }
        if self.type == 3:
            data |= {"name": self.name, "icon": None, "owner_id": str(self.members[0].id)}
        return data


@dataclass
class Member:
    """A user's membership of the guild."""

    user: User
    role_ids: list[int] = field(default_factory=list)
    joined_at: str = "2024-04-01T00:00:00.000000+00:00"

    def payload(self, permissions: int | None = None) -> dict:
        data = {
            "user": self.user.payload(),
            "roles": [str(r) for r in self.role_ids],
            "joined_at": self.joined_at,
            "nick": None,
            "avatar": None,
            "banner": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "premium_since": None,
            "communication_disabled_until": None,
        }
        if permissions is not None:
            data["permissions"] = str(permissions)
        return data


@dataclass
class Guild:
    """The one guild of the default world (more may be added)."""

    id: int
    name: str
    owner_id: int
    preferred_locale: str = "ja"
    roles: dict[int, Role] = field(default_factory=dict)
    channels: dict[int, Channel] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)

    @property
    def everyone(self) -> Role:
        return self.roles[self.id]

    def channel(self, name: str) -> Channel:
        for channel in self.channels.values():
            if channel.name == name and not channel.deleted:
                return channel
        raise KeyError(f"no channel named {name!r}")

    def role(self, name: str) -> Role:
        for role in self.roles.values():
            if role.name == name:
                return role
        raise KeyError(f"no role named {name!r}")


class World:
    """Everything the fake knows about: the bot, guilds, users, channels."""

    def __init__(self, *, bot_name: str = "Tayori") -> None:
        self.ids = Snowflakes()
        self.bot = User(self.ids.next(), bot_name, bot=True)
        self.application_id = self.bot.id
        self.owner = User(self.ids.next(), "owner")
        self.users: dict[str, User] = {"owner": self.owner}
        self.guilds: dict[int, Guild] = {}
        self.channels: dict[int, Channel] = {}
        self._dm_by_user: dict[int, Channel] = {}

    # --- construction -------------------------------------------------------------

    @classmethod
    def default(cls) -> World:
        """The standard test world described in the module docstring."""
        world = cls()
        guild = world.add_guild("Tayori Test Server")
        moderator = world.add_role(guild, "Moderator", Perm.MANAGE_GUILD | Perm.EVERYONE)
        world.add_user("admin", locale="ja", roles=[moderator])
        world.add_user("alice", locale="en-US")
        world.add_user("haruto", locale="ja")
        world.add_user("closed", locale="ja", dms_open=False)
        world.add_channel(guild, "general")
        no_send = world.add_channel(guild, "no-send")
        no_send.overwrites.append(Overwrite(world.bot.id, 1, deny=Perm.SEND_MESSAGES))
        world.add_channel(guild, "scratch")
        return world

    def add_guild(
        self, name: str, *, bot_member: bool = True, shard: tuple[int, int] | None = None
    ) -> Guild:
        """Add a guild; ``bot_member=False`` for one the bot was never added to; ``shard``
        ``(id, count)`` gives it an id whose events go to that shard."""
        guild_id = self.ids.next() if shard is None else self.ids.next_on_shard(*shard)
        guild = Guild(guild_id, name, owner_id=self.owner.id)
        guild.roles[guild.id] = Role(guild.id, "@everyone", Perm.EVERYONE)
        if bot_member:
            bot_role = Role(self.ids.next(), self.bot.name, Perm.EVERYONE, position=1, managed=True)
            guild.roles[bot_role.id] = bot_role
            guild.members[self.bot.id] = Member(self.bot, [bot_role.id])
        guild.members[self.owner.id] = Member(self.owner)
        self.guilds[guild.id] = guild
        return guild

    def add_role(self, guild: Guild, name: str, permissions: int) -> Role:
        role = Role(self.ids.next(), name, permissions, position=len(guild.roles))
        guild.roles[role.id] = role
        return role

    def add_user(
        self,
        name: str,
        *,
        locale: str = "en-US",
        dms_open: bool = True,
        roles: list[Role] | None = None,
        guild: Guild | None = None,
        member: bool = True,
    ) -> User:
        """Create a user; by default a member of the (first) guild."""
        user = User(self.ids.next(), name, locale=locale, dms_open=dms_open)
        self.users[name] = user
        if member:
            target = guild or self.guild
            target.members[user.id] = Member(user, [r.id for r in roles or []])
        return user

    def join(self, user: User, guild: Guild, roles: list[Role] | None = None) -> Member:
        """Make an existing user a member of ``guild``."""
        member = Member(user, [r.id for r in roles or []])
        guild.members[user.id] = member
        return member

    def add_channel(self, guild: Guild, name: str) -> Channel:
        channel = Channel(self.ids.next(), name, guild_id=guild.id, position=len(guild.channels))
        guild.channels[channel.id] = channel
        self.channels[channel.id] = channel
        return channel

    def add_group_dm(self, name: str, users: list[User]) -> Channel:
        """A group DM between ``users`` (the first is its owner); the bot is not in it."""
        channel = Channel(self.ids.next(), name, type=3, members=list(users))
        self.channels[channel.id] = channel
        return channel

    def add_user_dm(self, a: User, b: User) -> Channel:
        """A DM between two users (not the bot)."""
        channel = Channel(self.ids.next(), f"dm-{a.name}-{b.name}", type=1, members=[a, b])
        self.channels[channel.id] = channel
        return channel

    def delete_channel(self, channel: Channel) -> None:
        """Delete a channel: later requests to it answer 404 / 10003."""
        channel.deleted = True

    # --- look-ups -----------------------------------------------------------------

    @property
    def guild(self) -> Guild:
        """The first guild."""
        return next(iter(self.guilds.values()))

    def bot_in(self, guild: Guild) -> bool:
        """Whether the bot is a member of ``guild``."""
        return self.bot.id in guild.members

    def bot_guilds(self) -> list[Guild]:
        """Guilds the bot is a member of (the gateway's READY / GUILD_CREATE)."""
        return [g for g in self.guilds.values() if self.bot_in(g)]

    def user(self, name_or_user: str | User) -> User:
        if isinstance(name_or_user, User):
            return name_or_user
        return self.users[name_or_user]

    def channel(self, name_or_channel: str | Channel) -> Channel:
        if isinstance(name_or_channel, Channel):
            return name_or_channel
        for guild in self.guilds.values():
            try:
                return guild.channel(name_or_channel)
            except KeyError:
                continue
        for channel in self.channels.values():
            if channel.is_private and channel.name == name_or_channel and not channel.deleted:
                return channel
        raise KeyError(f"no channel named {name_or_channel!r}")

    def user_by_id(self, user_id: int) -> User | None:
        if user_id == self.bot.id:
            return self.bot
        return next((u for u in self.users.values() if u.id == user_id), None)

    def dm_channel(self, user: User) -> Channel:
        """The bot's DM channel with ``user`` (created on first use)."""
        channel = self._dm_by_user.get(user.id)
        if channel is None:
            channel = Channel(self.ids.next(), f"dm-{user.name}", type=1, recipient=user)
            self._dm_by_user[user.id] = channel
            self.channels[channel.id] = channel
        return channel

    def existing_dm(self, user: User) -> Channel | None:
        return self._dm_by_user.get(user.id)

    def guild_of(self, channel: Channel) -> Guild | None:
        return self.guilds.get(channel.guild_id) if channel.guild_id else None

    # --- permissions --------------------------------------------------------------

    def base_permissions(self, guild: Guild, user: User) -> int:
        """Guild-level permissions of ``user`` (roles; owner and Administrator get all)."""
        if user.id == guild.owner_id:
            return Perm.ALL
        member = guild.members.get(user.id)
        if member is None:
            return 0
        perms = guild.everyone.permissions
        for role_id in member.role_ids:
            perms |= guild.roles[role_id].permissions
        return Perm.ALL if perms & Perm.ADMINISTRATOR else perms

    def channel_permissions(self, channel: Channel, user: User) -> int:
        """Permissions of ``user`` in ``channel`` after overwrites."""
        guild = self.guild_of(channel)
        if guild is None:
            return Perm.EVERYONE
        perms = self.base_permissions(guild, user)
        if perms == Perm.ALL:
            return perms
        return _apply_overwrites(perms, channel, guild.members.get(user.id), guild.id)


def _apply_overwrites(perms: int, channel: Channel, member: Member | None, everyone: int) -> int:
    role_ids = set(member.role_ids) if member else set()
    by_kind = [
        [o for o in channel.overwrites if o.kind == 0 and o.id == everyone],
        [o for o in channel.overwrites if o.kind == 0 and o.id in role_ids],
        [o for o in channel.overwrites if o.kind == 1 and member and o.id == member.user.id],
    ]
    for group in by_kind:
        deny = allow = 0
        for overwrite in group:
            deny |= overwrite.deny
            allow |= overwrite.allow
        perms = (perms & ~deny) | allow
    return perms
