"""The fake gateway: a websocket speaking Discord's gateway protocol (JSON text frames).

Supported: HELLO, IDENTIFY -> READY + GUILD_CREATE, heartbeat -> ACK, RESUME -> replay
of missed events + RESUMED, REQUEST_GUILD_MEMBERS -> GUILD_MEMBERS_CHUNK, and for fault
tests sending op 7 RECONNECT, op 9 INVALID_SESSION, or dropping the socket.

Sharding as Discord does it: IDENTIFY may carry ``shard: [id, count]``; a session gets the
guilds with ``(guild_id >> 22) % count == id`` (READY, GUILD_CREATE and every event of those
guilds), and DMs go to shard 0. Sessions with different counts may live side by side, as on
Discord (a "zero-downtime" handover to more shards): an event goes to the newest live session
whose ``[id, count]`` covers it. An IDENTIFY with ``id >= count`` (or a count that is not a
multiple of ``shard_multiple``, Discord's rule for very large bots) is closed with 4010
(Invalid shard); a session that would hold more than ``max_guilds_per_session`` guilds with
4011 (Sharding required). A session closed by the client with 1000/1001 cannot be resumed.
Faults take a ``shard`` to pick the session (default: the one that identified or resumed
last).
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

if TYPE_CHECKING:
    from .world import World

HEARTBEAT_INTERVAL_MS = 41_250
OP_DISPATCH, OP_HEARTBEAT, OP_IDENTIFY, OP_RESUME = 0, 1, 2, 6
OP_RECONNECT, OP_REQUEST_MEMBERS, OP_INVALID_SESSION, OP_HELLO, OP_ACK = 7, 8, 9, 10, 11
CLOSE_AUTH_FAILED, CLOSE_INVALID_SHARD, CLOSE_SHARDING_REQUIRED = 4004, 4010, 4011
MAX_GUILDS_PER_SESSION = 2500  # Discord refuses an unsharded (or too coarse) session beyond it
# Events whose payload is the guild itself (its id is "id", not "guild_id").
GUILD_BY_ID = frozenset({"GUILD_CREATE", "GUILD_UPDATE", "GUILD_DELETE"})


def shard_of(guild_id: int | None, count: int) -> int:
    """The shard Discord sends a guild's events to; DMs (no guild) go to shard 0."""
    return 0 if guild_id is None else (guild_id >> 22) % count


def guild_of_event(event: str, data: dict) -> int | None:
    """The guild a DISPATCH belongs to, or None (a DM, or not a guild's event)."""
    raw = data.get("id") if event in GUILD_BY_ID else data.get("guild_id")
    return int(raw) if raw else None


INTENT_GUILD_MEMBERS = 1 << 1


@dataclass
class GatewayLogEntry:
    """One frame, in either direction, for assertions on the protocol."""

    direction: str  # "in" (from the bot) or "out"
    op: int
    event: str | None
    time: float
    session_id: str | None


@dataclass
class Session:
    """A gateway session: survives a dropped socket until it is invalidated."""

    id: str
    identify: dict
    seq: int = 0
    events: list[tuple[int, str]] = field(default_factory=list)
    ws: web.WebSocketResponse | None = None
    ready_sent: bool = False
    invalid: bool = False

    @property
    def connected(self) -> bool:
        return self.ws is not None and not self.ws.closed

    @property
    def intents(self) -> int:
        return int(self.identify.get("intents") or 0)

    @property
    def shard(self) -> tuple[int, int]:
        """``(id, count)`` as identified; ``(0, 1)`` for an unsharded session."""
        shard = self.identify.get("shard") or (0, 1)
        return int(shard[0]), int(shard[1])


class Gateway:
    """Websocket endpoint; ``on_change`` is called after anything notable happens."""

    def __init__(self, world: World, token: str, on_change: Callable[[], None]) -> None:
        self.world = world
        self.token = token
        self._on_change = on_change
        self.sessions: dict[str, Session] = {}
        self.current: Session | None = None
        self.log: list[GatewayLogEntry] = []
        self.identify_count = 0
        self.resume_count = 0
        self.resume_url = ""
        self.url = ""  # what GET /gateway and /gateway/bot answer
        self.recommended_shards = 1  # GET /gateway/bot's "shards"
        self.max_concurrency = 1  # its session_start_limit.max_concurrency
        self.max_guilds_per_session = MAX_GUILDS_PER_SESSION
        self.shard_multiple: int | None = None  # a very large bot's count must be a multiple
        self.shard_count = 1  # the count the latest session identified with
        self.by_shard: dict[int, Session] = {}  # the latest session of each shard id
        self._newest: list[Session] = []  # sessions, the latest identified or resumed first
        self._dropped: set[web.WebSocketResponse] = set()  # sockets the fake closed itself

    # --- websocket handler --------------------------------------------------------

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True, max_msg_size=0)
        await ws.prepare(request)
        await self._send(ws, {"op": OP_HELLO, "d": {"heartbeat_interval": HEARTBEAT_INTERVAL_MS}})
        session: Session | None = None
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                session = await self._on_frame(ws, session, json.loads(msg.data))
        finally:
            if session is not None and session.ws is ws:
                session.ws = None
                if ws.close_code in (1000, 1001) and ws not in self._dropped:
                    session.invalid = True  # the client closed it for good: not resumable
            self._dropped.discard(ws)
            self._on_change()
        return ws

    async def _on_frame(self, ws: web.WebSocketResponse, session: Session | None, frame: dict):
        op, data = frame.get("op"), frame.get("d")
        self._record("in", op, None, session)
        if op == OP_HEARTBEAT:
            await self._send(ws, {"op": OP_ACK}, session)
        elif op == OP_IDENTIFY:
            session = await self._identify(ws, data)
        elif op == OP_RESUME:
            session = await self._resume(ws, data)
        elif op == OP_REQUEST_MEMBERS and session is not None:
            await self._members_chunk(session, data)
        return session

    async def _identify(self, ws: web.WebSocketResponse, data: dict) -> Session | None:
        if data.get("token") != self.token:
            await ws.close(code=CLOSE_AUTH_FAILED, message=b"Authentication failed.")
            return None
        session = Session(id=secrets.token_hex(16), identify=data, ws=ws)
        refusal = self._refusal(session)
        if refusal is not None:
            await ws.close(code=refusal[0], message=refusal[1].encode())
            return None
        self.sessions[session.id] = session
        self._take_shard(session)
        self.identify_count += 1
        await self.dispatch_to(session, "READY", self._ready_payload(session))
        for guild in self.guilds_of(session):
            payload = self._guild_payload(guild, session.intents & INTENT_GUILD_MEMBERS)
            await self.dispatch_to(session, "GUILD_CREATE", payload)
        session.ready_sent = True
        self._on_change()
        return session

    def _refusal(self, session: Session) -> tuple[int, str] | None:
        """Discord's close code and reason for an IDENTIFY it would refuse, or None."""
        try:
            shard_id, count = session.shard
        except (TypeError, ValueError, IndexError):
            return CLOSE_INVALID_SHARD, "Invalid shard."
        if not 0 <= shard_id < count:
            return CLOSE_INVALID_SHARD, "Invalid shard."
        if self.shard_multiple and count % self.shard_multiple:
            return CLOSE_INVALID_SHARD, "Invalid shard."
        if len(self.guilds_of(session)) > self.max_guilds_per_session:
            return CLOSE_SHARDING_REQUIRED, "Sharding required."
        return None

    def _take_shard(self, session: Session) -> None:
        """Make ``session`` the current one, and its shard's."""
        shard_id, self.shard_count = session.shard
        self.by_shard[shard_id] = session
        self._newest = [session, *(s for s in self._newest if s is not session)]
        self.current = session

    def guilds_of(self, session: Session) -> list:
        """The bot's guilds whose events go to ``session``'s shard."""
        shard_id, count = session.shard
        return [g for g in self.world.bot_guilds() if shard_of(g.id, count) == shard_id]

    def session_for(self, guild_id: int | None) -> Session:
        """The session a guild's events (or, for None, a DM's) are sent to: the newest live
        one whose shard covers it."""
        for session in self._newest:
            shard_id, count = session.shard
            if not session.invalid and shard_of(guild_id, count) == shard_id:
                return session
        where = f"guild {guild_id}" if guild_id else "DMs"
        raise RuntimeError(f"no bot session on the fake gateway for {where}")

    async def _resume(self, ws: web.WebSocketResponse, data: dict) -> Session | None:
        session = self.sessions.get(data.get("session_id", ""))
        if session is None or session.invalid or data.get("token") != self.token:
            await self._send(ws, {"op": OP_INVALID_SESSION, "d": False})
            return None
        session.ws = ws
        self._take_shard(session)
        self.resume_count += 1
        for seq, frame in session.events:
            if seq > (data.get("seq") or 0):
                await ws.send_str(frame)
        await self.dispatch_to(session, "RESUMED", {})
        self._on_change()
        return session

    async def _members_chunk(self, session: Session, data: dict) -> None:
        guild = self.world.guilds.get(int(data.get("guild_id", 0)))
        if guild is None or not self.world.bot_in(guild):
            return
        chunk = {
            "guild_id": str(guild.id),
            "members": [m.payload() for m in guild.members.values()],
            "chunk_index": 0,
            "chunk_count": 1,
            "nonce": data.get("nonce"),
        }
        await self.dispatch_to(session, "GUILD_MEMBERS_CHUNK", chunk)

    # --- payloads -----------------------------------------------------------------

    def _ready_payload(self, session: Session) -> dict:
        payload = {
            "v": 10,
            "user": {**self.world.bot.payload(), "verified": True, "mfa_enabled": False},
            "guilds": [{"id": str(g.id), "unavailable": True} for g in self.guilds_of(session)],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": self.resume_url,
            "application": {"id": str(self.world.application_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "auth": {},
        }
        if session.identify.get("shard"):
            payload["shard"] = session.identify["shard"]
        return payload

    def _guild_payload(self, guild: Any, all_members: int) -> dict:
        """GUILD_CREATE; without the GUILD_MEMBERS intent only the bot's own member."""
        members = [
            m.payload()
            for m in guild.members.values()
            if all_members or m.user.id == self.world.bot.id
        ]
        return {
            "id": str(guild.id),
            "name": guild.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(guild.owner_id),
            "preferred_locale": guild.preferred_locale,
            "roles": [r.payload() for r in guild.roles.values()],
            "channels": [c.payload() for c in guild.channels.values() if not c.deleted],
            "members": members,
            "member_count": len(guild.members),
            "large": False,
            "unavailable": False,
            "joined_at": "2024-04-01T00:00:00.000000+00:00",
            "features": [],
            "emojis": [],
            "stickers": [],
            "threads": [],
            "presences": [],
            "voice_states": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "afk_channel_id": None,
            "afk_timeout": 300,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "premium_progress_bar_enabled": False,
            "max_members": 500000,
            "vanity_url_code": None,
            "application_id": None,
        }

    # --- sending ------------------------------------------------------------------

    async def dispatch(self, event: str, data: dict) -> int:
        """Send a DISPATCH to the session of its guild's shard (DMs: shard 0); buffered if
        that session's socket is down."""
        return await self.dispatch_to(self.session_for(guild_of_event(event, data)), event, data)

    async def dispatch_to(self, session: Session, event: str, data: dict) -> int:
        session.seq += 1
        frame = json.dumps({"op": OP_DISPATCH, "t": event, "s": session.seq, "d": data})
        session.events.append((session.seq, frame))
        self._record("out", OP_DISPATCH, event, session)
        if session.connected:
            assert session.ws is not None
            try:
                await session.ws.send_str(frame)
            except ConnectionResetError:
                session.ws = None
        return session.seq

    async def _send(self, ws: web.WebSocketResponse, frame: dict, session: Session | None = None):
        self._record("out", frame["op"], None, session)
        await ws.send_str(json.dumps(frame))

    def _record(self, direction: str, op: Any, event: str | None, session: Session | None):
        sid = session.id if session else None
        self.log.append(GatewayLogEntry(direction, op, event, time.monotonic(), sid))

    # --- fault injection ----------------------------------------------------------

    async def send_reconnect(self, shard: int | None = None) -> None:
        """Send op 7 RECONNECT to a shard's session: the client should close and RESUME."""
        session, ws = self._connected(shard)
        await self._send(ws, {"op": OP_RECONNECT, "d": None}, session)

    async def drop(self, code: int = 4000, shard: int | None = None) -> None:
        """Close a shard's socket abruptly (a resumable close code by default)."""
        _, ws = self._connected(shard)
        self._dropped.add(ws)
        await ws.close(code=code, message=b"dropped by test")

    async def invalidate(self, resumable: bool = False, shard: int | None = None) -> None:
        """Send op 9 INVALID_SESSION; with ``resumable=False`` the session is gone."""
        session, ws = self._connected(shard)
        if not resumable:
            session.invalid = True
        await self._send(ws, {"op": OP_INVALID_SESSION, "d": resumable}, session)

    def _connected(self, shard: int | None) -> tuple[Session, web.WebSocketResponse]:
        """The session of ``shard`` (default: the latest one) and its open socket."""
        session = self.current if shard is None else self.by_shard.get(shard)
        if session is None or not session.connected or session.ws is None:
            raise RuntimeError(f"no connected bot session (shard {shard})")
        return session, session.ws

    async def close_all(self) -> None:
        for session in self.sessions.values():
            if session.connected and session.ws is not None:
                await session.ws.close(code=1001, message=b"fake stopping")
