"""The test API: :class:`FakeDiscord`, a fake Discord on 127.0.0.1 for the real discord.py.

Usage::

    async with FakeDiscord() as fake, point_discord_py_at(fake):
        await fake.start_bot(bot, expect_sync=True)
        result = await fake.slash("remind at", {"when": "21:00"}, user="alice")
        assert result.ephemeral and "21:00" in result.content

Interaction helpers dispatch an INTERACTION_CREATE and then wait on events: until the
bot acknowledged (or the response deadline passed), a deferred "thinking" response was
resolved, and the REST traffic went quiet (no request in flight and none for
:attr:`FakeDiscord.quiet` seconds). They never sleep for a fixed time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import shutil
import socket
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import discord
import yarl
from aiohttp import web

from .bots import BotProcess, RunningBot, start_bot, start_process
from .callbacks import InteractionRoutes
from .gateway import Gateway
from .interactions import (
    InteractionRecord,
    InteractionResult,
    Place,
    UserActionError,
    autocomplete_data,
    base_payload,
    build_command_data,
    button_data,
    command_visible,
    modal_data,
    place_for,
    select_data,
)
from .messages import FakeMessage, MessageStore
from .rest import BotRoutes
from .schema import spec_index
from .server import (
    API_PREFIX,
    FakeState,
    Fault,
    GlobalLimit,
    RecordedRequest,
    Recorder,
    Validator,
    Violation,
    json_response,
    make_middleware,
)
from .world import Channel, Guild, User, World

DEFERRED_TIMEOUT = 10.0
# how often a wait looks again at a condition no event of the fake announces (the bot's own
# state, changed by its handlers just after the event that woke the wait)
RECHECK = 0.05
GUILD_MESSAGES, DIRECT_MESSAGES = 1 << 9, 1 << 12


class Pulse:
    """Wakes every waiter whenever something happened on the fake."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def fire(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    def next(self) -> asyncio.Event:
        """The event the next :meth:`fire` sets (take it before awaiting anything)."""
        return self._event


@contextlib.contextmanager
def point_discord_py_at(fake: FakeDiscord) -> Iterator[None]:
    """Point discord.py's REST base and default gateway at ``fake``; restore after."""
    old_base = discord.http.Route.BASE
    old_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = fake.api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)
    try:
        yield
    finally:
        discord.http.Route.BASE = old_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway


class FakeDiscord:
    """A fake Discord (REST + gateway) with a :class:`World`, driven from tests."""

    def __init__(
        self,
        world: World | None = None,
        *,
        token: str = "fake-bot-token",
        response_deadline: float = 3.0,
        quiet: float = 0.05,
        validate: bool = True,
        global_limit: int | None = 50,
        recommended_shards: int = 1,
        max_concurrency: int = 1,
    ) -> None:
        self.world = world or World.default()
        self.token = token
        self.quiet = quiet
        # how long a result waits for the answer a deferral promised (a test of a bot that never
        # sends it shortens this)
        self.deferred_timeout = DEFERRED_TIMEOUT
        self._pulse = Pulse()
        self.store = MessageStore()
        self.recorder = Recorder(self._changed)
        validator = Validator(self.recorder, validate)
        self.state = FakeState(
            self.world, self.store, self.recorder, validator, token, response_deadline
        )
        self.state.on_message = self._message_created
        # Discord's global limit per token (requests/s; None lifts it; callbacks are exempt)
        self.state.global_limit = GlobalLimit(global_limit)
        self.gateway = Gateway(self.world, token, self._changed)
        self.recommended_shards = recommended_shards  # GET /gateway/bot's "shards"
        self.max_concurrency = max_concurrency  # its session_start_limit.max_concurrency
        self.bots: list[RunningBot] = []
        self.processes: list[BotProcess] = []
        self.logged_errors: list[logging.LogRecord] = []
        self._tmpdir: Path | None = None
        self.port = 0
        self._runner: web.AppRunner | None = None

    # --- lifecycle ----------------------------------------------------------------

    async def start(self) -> FakeDiscord:
        spec_index()  # compile the schema once per process, before the first request
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        self.gateway.resume_url = f"ws://127.0.0.1:{self.port}/resume"
        self.gateway.url = self.gateway_url
        self._runner = web.AppRunner(self._build_app(), access_log=None)
        await self._runner.setup()
        await web.SockSite(self._runner, sock).start()
        return self

    def _build_app(self) -> web.Application:
        app = web.Application(middlewares=[make_middleware(self.state)])
        BotRoutes(self.state, self.gateway).register(app.router)
        InteractionRoutes(self.state).register(app.router)
        app.router.add_get("/gateway", self.gateway.handle)
        app.router.add_get("/resume", self.gateway.handle)
        app.router.add_route("*", "/{tail:.*}", self._unknown_route)
        return app

    async def _unknown_route(self, request: web.Request) -> web.Response:
        path = request.path.removeprefix(API_PREFIX)
        self.recorder.unknown_routes.append((request.method, path))
        return json_response({"message": "404: Not Found", "code": 0}, 404)

    async def stop(self) -> None:
        """Stop bots and processes started through the fake, then the server."""
        await self.stop_bots()
        await self.gateway.close_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._tmpdir is not None:
            shutil.rmtree(self._tmpdir, ignore_errors=True)

    async def stop_bots(self) -> None:
        for bot in self.bots:
            await bot.stop()
        for proc in self.processes:
            if proc.running:
                await proc.kill()

    async def __aenter__(self) -> FakeDiscord:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # --- addresses and records ----------------------------------------------------

    @property
    def tmpdir(self) -> Path:
        """A scratch directory (databases, process logs), removed by :meth:`stop`."""
        if self._tmpdir is None:
            self._tmpdir = Path(tempfile.mkdtemp(prefix="fakediscord-"))
        return self._tmpdir

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base(self) -> str:
        return self.base_url + API_PREFIX

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    def env(self, **extra: str) -> dict[str, str]:
        """The product's environment contract for talking to this fake."""
        base = {
            "DISCORD_TOKEN": self.token,
            "DISCORD_API_BASE": self.api_base,
            "DISCORD_GATEWAY_URL": self.gateway_url,
        }
        return {**base, **extra}

    @property
    def recommended_shards(self) -> int:
        """The shard count ``GET /gateway/bot`` recommends (what ``SHARD_COUNT=auto`` reads)."""
        return self.gateway.recommended_shards

    @recommended_shards.setter
    def recommended_shards(self, count: int) -> None:
        self.gateway.recommended_shards = count

    @property
    def max_concurrency(self) -> int:
        """How many shards may IDENTIFY at once (``session_start_limit.max_concurrency``)."""
        return self.gateway.max_concurrency

    @max_concurrency.setter
    def max_concurrency(self, count: int) -> None:
        self.gateway.max_concurrency = count

    @property
    def requests(self) -> list[RecordedRequest]:
        return self.recorder.requests

    @property
    def violations(self) -> list[Violation]:
        return self.recorder.violations

    @property
    def unknown_routes(self) -> list[tuple[str, str]]:
        return self.recorder.unknown_routes

    @property
    def commands(self) -> list[dict]:
        """Global commands as last synced."""
        return self.state.commands

    @property
    def guild_commands(self) -> dict[int, list[dict]]:
        return self.state.guild_commands

    @property
    def response_deadline(self) -> float:
        return self.state.response_deadline

    @response_deadline.setter
    def response_deadline(self, seconds: float) -> None:
        self.state.response_deadline = seconds

    @property
    def interactions(self) -> list[InteractionRecord]:
        return list(self.state.interactions.values())

    @property
    def dm_channels(self) -> dict[int, Channel]:
        """DM channels the bot opened (``POST /users/@me/channels``), by user id."""
        return self.state.dm_channels

    def take_violations(self) -> list[Violation]:
        """Return and clear the recorded violations (for tests that provoke them)."""
        found = list(self.recorder.violations)
        self.recorder.violations.clear()
        return found

    def sync_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == "PUT" and r.path.endswith("/commands")]

    # --- waiting ------------------------------------------------------------------

    def _changed(self) -> None:
        self._pulse.fire()

    def notify(self) -> None:
        """Wake waiters after a change the fake cannot see (e.g. in the bot's database)."""
        self._pulse.fire()

    async def wait_until(
        self,
        predicate: Callable[[], bool],
        within: float = 10.0,
        abort: asyncio.Future | None = None,
    ) -> None:
        """Wait until ``predicate()`` holds: woken by the fake's events, and at least every
        ``RECHECK`` seconds for state the fake cannot see change (the bot's own handlers run
        after the event that woke the wait: a RESUMED sets the bot's flag a moment later)."""
        deadline = time.monotonic() + within
        while not predicate():
            if abort is not None and abort.done():
                raise RuntimeError(f"gave up waiting: {abort!r} finished")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"condition not met within {within}s")
            await self._wait_pulse(min(remaining, RECHECK), abort)

    async def _wait_pulse(self, within: float, abort: asyncio.Future | None = None) -> None:
        waiter = asyncio.ensure_future(self._pulse.next().wait())
        pending = {waiter} if abort is None else {waiter, abort}
        await asyncio.wait(pending, timeout=within, return_when=asyncio.FIRST_COMPLETED)
        waiter.cancel()

    async def wait_quiet(self, quiet: float | None = None, within: float = 10.0) -> None:
        """Wait until no request is in flight and none finished for ``quiet`` seconds."""
        quiet = self.quiet if quiet is None else quiet
        deadline = time.monotonic() + within
        while True:
            now = time.monotonic()
            if now >= deadline:
                raise TimeoutError("REST traffic did not go quiet")
            idle = now - self.recorder.last_activity
            if self.recorder.inflight == 0 and idle >= quiet:
                return
            wait = quiet - idle if self.recorder.inflight == 0 else deadline - now
            await self._wait_pulse(min(wait, deadline - now))

    async def wait_for_request(
        self, predicate: Callable[[RecordedRequest], bool], *, after: int = 0, within: float = 10
    ) -> RecordedRequest:
        """The first recorded request (index >= ``after``) matching ``predicate``."""
        found: list[RecordedRequest] = []

        def check() -> bool:
            found[:] = [r for r in self.requests[after:] if predicate(r)]
            return bool(found)

        await self.wait_until(check, within)
        return found[0]

    # --- bots ---------------------------------------------------------------------

    async def start_bot(
        self, bot: discord.Client, *, expect_sync: bool | int = False, within: float = 10.0
    ) -> RunningBot:
        """Start ``bot`` in this event loop (needs :func:`point_discord_py_at`)."""
        running = await start_bot(self, bot, expect_sync=expect_sync, within=within)
        self.bots.append(running)
        return running

    async def start_process(
        self,
        args: tuple[str, ...] = ("-m", "bot"),
        *,
        env: dict[str, str] | None = None,
        database_path: str | Path | None = None,
        expect_sync: bool | int = False,
        within: float = 20.0,
        cwd: str | Path | None = None,
    ) -> BotProcess:
        """Run the bot as a subprocess (default ``python -m bot``) against this fake."""
        db = Path(database_path) if database_path else self.tmpdir / "bot.sqlite3"
        full_env = self.env(DATABASE_PATH=str(db), **(env or {}))
        proc = await start_process(
            self, args, env=full_env, expect_sync=expect_sync, within=within, cwd=cwd
        )
        self.processes.append(proc)
        return proc

    # --- gateway faults -----------------------------------------------------------

    async def reconnect(self, within: float = 10.0, *, shard: int | None = None) -> None:
        """Send op 7 RECONNECT (to ``shard``'s session, default the latest) and wait until the
        bot has RESUMED."""
        before = self.gateway.resume_count
        await self.gateway.send_reconnect(shard)
        await self.wait_until(lambda: self.gateway.resume_count > before, within)

    async def drop_connection(self, within: float = 10.0, *, shard: int | None = None) -> None:
        """Drop the websocket (of ``shard``, default the latest) and wait until RESUMED."""
        before = self.gateway.resume_count
        await self.gateway.drop(shard=shard)
        await self.wait_until(lambda: self.gateway.resume_count > before, within)

    async def go_offline(self) -> None:
        """Discord out of reach: refuse new connections, then drop the gateway session
        (resumably, so a bot retries with discord.py's back-off). Bots and processes run on."""
        if self._runner is not None:
            for site in list(self._runner.sites):
                await site.stop()
        for shard, session in list(self.gateway.by_shard.items()):
            if session.connected:
                await self.gateway.drop(shard=shard)

    # --- REST faults --------------------------------------------------------------

    def fail_next(
        self, method: str, path: str, status: int = 503, *, code: int = 0, times: int = 1
    ) -> None:
        """Answer the next ``times`` requests ``method`` + ``path`` (a regex) with ``status``.

        ``status`` 0 (``server.DROP``) closes the connection without handling the request, and
        -1 (``server.LOSE_ANSWER``) handles it, then closes without answering: network faults.
        """
        self.state.faults.append(Fault(method, re.compile(path), status, code, times))

    def pass_nonce_window(self) -> None:
        """Let Discord's nonce window pass for every message so far (a restart minutes later).

        Discord remembers a message's nonce for a few minutes only; after this, a message sent
        again with the same nonce and ``enforce_nonce`` is posted a second time.
        """
        self.state.nonces_forgotten_before = max(self.store.by_id, default=0)

    async def dispatch(self, event: str, data: dict) -> int:
        """Send any gateway DISPATCH event to the bot."""
        return await self.gateway.dispatch(event, data)

    async def _message_created(self, message: FakeMessage) -> None:
        try:
            session = self.gateway.session_for(message.guild_id)
        except RuntimeError:
            return
        if not session.connected:
            return
        wanted = DIRECT_MESSAGES if message.guild_id is None else GUILD_MESSAGES
        if session.intents & wanted:
            await self.gateway.dispatch_to(session, "MESSAGE_CREATE", message.payload())

    # --- what users see -----------------------------------------------------------

    def user(self, user: str | User) -> User:
        return self.world.user(user)

    def channel(self, channel: str | Channel) -> Channel:
        return self.world.channel(channel)

    def dms(self, user: str | User) -> list[FakeMessage]:
        """Messages in the bot's DM channel with ``user`` (oldest first)."""
        channel = self.world.existing_dm(self.user(user))
        return [] if channel is None else self.store.in_channel(channel.id)

    def sent_messages(self, channel: str | Channel) -> list[FakeMessage]:
        """Messages in a guild channel (oldest first), including interaction responses."""
        return self.store.in_channel(self.channel(channel).id)

    def record_dm_times(self) -> list[float]:
        """Return a list that fills with the wall time at which each DM is stored (for benches)."""
        stamps: list[float] = []
        forward = self.state.on_message

        async def on_message(message: FakeMessage) -> None:
            if message.guild_id is None:
                stamps.append(time.time())
            if forward is not None:
                await forward(message)

        self.state.on_message = on_message
        return stamps

    # --- user actions -------------------------------------------------------------

    def _place(
        self, user: User, dm: bool, channel: str | Channel | None, guild: Guild | None = None
    ) -> Place:
        if dm:
            return place_for(self.world, self.world.dm_channel(user), user)
        if isinstance(channel, Channel):
            target = channel
        elif guild is not None:
            target = guild.channel(channel or "general")
        else:
            target = self.channel(channel or "general")
        return place_for(self.world, target, user)

    def find_command(self, name: str, place: Place) -> dict:
        """The synced top-level command called ``name`` usable at ``place``."""
        pools = [self.state.guild_commands.get(place.guild_id or 0, []), self.state.commands]
        for pool in pools:
            for command in pool:
                if command["name"] == name and command.get("type", 1) == 1:
                    return command
        raise UserActionError(f"/{name} was not synced (globally or to this guild)")

    async def slash(
        self,
        name: str,
        options: dict[str, Any] | None = None,
        *,
        user: str | User = "alice",
        guild: Guild | None = None,
        dm: bool = False,
        channel: str | Channel | None = None,
        locale: str | None = None,
    ) -> InteractionResult:
        """Run ``/name`` (``"remind at"`` for subcommands) as ``user``; wait for the outcome.

        Where: ``dm=True`` (the user's DM with the bot), or a guild ``channel`` (name or
        :class:`Channel`; default ``"general"`` of ``guild`` or of the first guild). A
        group DM / user DM channel, or a channel of a guild the bot is not in, makes it a
        user-installed app's interaction (context 2 or 0, owners ``{"1": user id}``).
        """
        record = await self.dispatch_slash(
            name, options, user=user, guild=guild, dm=dm, channel=channel, locale=locale
        )
        return await self.outcome(record)

    async def dispatch_slash(
        self,
        name: str,
        options: dict[str, Any] | None = None,
        *,
        user: str | User = "alice",
        guild: Guild | None = None,
        dm: bool = False,
        channel: str | Channel | None = None,
        locale: str | None = None,
    ) -> InteractionRecord:
        """Like :meth:`slash` but return right after dispatching (for load tests)."""
        who, place, command, path = self._visible_command(name, user, dm, channel, guild)
        data = build_command_data(self.world, command, path, options or {}, place.guild_id)
        return await self._dispatch(2, who, place, data, locale=locale)

    def _visible_command(
        self,
        name: str,
        user: str | User,
        dm: bool,
        channel: str | Channel | None,
        guild: Guild | None,
    ) -> tuple[User, Place, dict, list[str]]:
        """Find ``/name`` where ``user`` is, raising if they could not see or use it there."""
        who = self.user(user)
        place = self._place(who, dm, channel, guild)
        top, *path = name.split()
        command = self.find_command(top, place)
        command_visible(self.world, command, who, place)
        return who, place, command, path

    async def autocomplete(
        self,
        name: str,
        options: dict[str, Any],
        focused: str,
        *,
        user: str | User = "alice",
        guild: Guild | None = None,
        dm: bool = False,
        channel: str | Channel | None = None,
        locale: str | None = None,
    ) -> InteractionResult:
        """Type into option ``focused`` of ``/name``; the result has ``choices``."""
        who, place, command, path = self._visible_command(name, user, dm, channel, guild)
        data = autocomplete_data(self.world, command, path, options, focused, place.guild_id)
        record = await self._dispatch(4, who, place, data, locale=locale)
        return await self.outcome(record)

    async def click(
        self,
        message: FakeMessage | InteractionResult,
        custom_id: str | None = None,
        *,
        label: str | None = None,
        user: str | User = "alice",
    ) -> InteractionResult:
        """Click a button (by ``custom_id`` or ``label``) on ``message``."""
        target = self._target(message)
        who = self.user(user)
        place = self._message_place(target, who)
        data = button_data(target, custom_id, label)
        record = await self._dispatch(3, who, place, data, message=target)
        return await self.outcome(record)

    async def select(
        self,
        message: FakeMessage | InteractionResult,
        custom_id: str,
        values: list[Any],
        *,
        user: str | User = "alice",
    ) -> InteractionResult:
        """Choose ``values`` in the select menu ``custom_id`` on ``message``."""
        target = self._target(message)
        who = self.user(user)
        place = self._message_place(target, who)
        data = select_data(self.world, target, custom_id, values, place.guild_id)
        record = await self._dispatch(3, who, place, data, message=target)
        return await self.outcome(record)

    async def submit_modal(
        self,
        opened: InteractionResult,
        values: dict[str, Any],
        *,
        user: str | User | None = None,
    ) -> InteractionResult:
        """Submit the modal that ``opened`` (a result with ``.modal``) showed."""
        if opened.modal is None:
            raise UserActionError("that interaction did not open a modal")
        record = opened.record
        who = self.user(user) if user is not None else record.user
        if who.id != record.user.id:
            raise UserActionError("only the user who opened a modal can submit it")
        place = Place(
            record.channel, record.guild_id, record.payload["authorizing_integration_owners"]
        )
        data = modal_data(opened.modal, values)
        new = await self._dispatch(5, who, place, data, message=record.message)
        return await self.outcome(new)

    def _target(self, message: FakeMessage | InteractionResult) -> FakeMessage:
        target = message.message if isinstance(message, InteractionResult) else message
        if target is None or target.deleted:
            raise UserActionError("that message does not exist (any more)")
        return target

    def _message_place(self, message: FakeMessage, user: User) -> Place:
        channel = self.world.channels[message.channel_id]
        if channel.is_dm and channel.recipient is not None and channel.recipient.id != user.id:
            raise UserActionError(f"{user.name} cannot see {channel.recipient.name}'s DMs")
        owner = (message.interaction_metadata or {}).get("user", {}).get("id")
        if message.ephemeral and owner != str(user.id):
            raise UserActionError(f"{user.name} cannot see someone else's ephemeral message")
        owners = (message.interaction_metadata or {}).get("authorizing_integration_owners")
        return place_for(self.world, channel, user, owners)

    async def _dispatch(
        self,
        kind: int,
        user: User,
        place: Place,
        data: dict,
        *,
        message: FakeMessage | None = None,
        locale: str | None = None,
    ) -> InteractionRecord:
        payload = base_payload(self.world, kind, user, place, data)
        if locale is not None:
            payload["locale"] = locale
        if message is not None:
            payload["message"] = message.payload()
        record = InteractionRecord(
            id=int(payload["id"]),
            token=payload["token"],
            type=kind,
            user=user,
            channel=place.channel,
            guild_id=place.guild_id,
            data=data,
            payload=payload,
            message=message,
        )
        self.state.interactions[record.id] = record
        self.state.by_token[record.token] = record
        record.dispatched_at = time.monotonic()
        await self.gateway.dispatch("INTERACTION_CREATE", payload)
        return record

    async def wait_settled(self, record: InteractionRecord, within: float = 10.0) -> None:
        """Wait until the bot answered ``record`` (or its answer was rejected)."""
        await self.wait_until(lambda: record.settled, within)

    async def outcome(self, record: InteractionRecord) -> InteractionResult:
        """Wait for the bot to finish with ``record`` (see module docstring)."""
        deadline = record.dispatched_at + self.state.response_deadline
        with contextlib.suppress(TimeoutError):
            within = max(deadline - time.monotonic(), 0) + self.quiet
            await self.wait_until(lambda: record.settled, within)
        original = record.original
        if record.response_type == 5 and original is not None:
            with contextlib.suppress(TimeoutError):
                await self.wait_until(lambda: not original.loading, self.deferred_timeout)
        elif record.response_type == 6:
            # A deferred update promises an edit; on a busy machine it may come after the REST
            # traffic has gone quiet for a moment (a slow write between the two requests).
            with contextlib.suppress(TimeoutError):
                await self.wait_until(lambda: record.followed_up, self.deferred_timeout)
        await self.wait_quiet()
        return InteractionResult(record)
