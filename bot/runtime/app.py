"""The Tayori bot: builds the client from settings, store, content and clock.

`tayori(...)` opens everything in the order start-up needs (content, store, bot)
and closes it in reverse; `python -m bot` and the end-to-end tests both use it.
"""

from __future__ import annotations

import asyncio
import gc
import hashlib
import json
import logging
import pkgutil
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import discord
import yarl
from aiohttp import web
from discord import app_commands
from discord.ext import commands

from bot.config import Settings
from bot.core.clock import Clock, SystemClock
from bot.core.content import Content, LocaleContent, load_content
from bot.runtime import logsafety, metrics, sharding
from bot.runtime.hooks import HookedBot
from bot.runtime.i18n import ContentTranslator
from bot.runtime.tree import TayoriTree
from bot.services.heartbeat import Heartbeat
from bot.services.metrics import Metrics
from bot.services.ratelimit import Pacer, RateLimiter
from bot.services.reminders import ReminderService
from bot.services.retention import Retention
from bot.store import Store, open_store

log = logging.getLogger(__name__)

SYNC_HASH_KEY = "command_hash"
SYNC_LOCK = "command-sync"  # PostgreSQL: the processes sharing the database sync one at a time
COGS_DIR = Path(__file__).resolve().parents[2] / "cogs"  # found by path: the app imports no cog
# Every command works in servers, DMs and group DMs, installed to a server or to a user,
# unless it says otherwise (/remind-channel is for servers only).
EVERYWHERE = app_commands.AppCommandContext(guild=True, dm_channel=True, private_channel=True)
ANY_INSTALL = app_commands.AppInstallationType(guild=True, user=True)


def point_discord_at(api_base: str | None, gateway_url: str | None) -> None:
    """Send discord.py's REST and gateway traffic to a proxy (or a test server)."""
    if api_base:
        base = api_base.rstrip("/")
        discord.http.Route.BASE = base if "/api/v" in base else f"{base}/api/v10"
    if gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


class TayoriBot(HookedBot):
    """A slash-command bot over one store, one content set and one clock."""

    def __init__(
        self,
        *,
        settings: Settings,
        store: Store,
        content: Content,
        clock: Clock,
        sync_only: bool = False,
        freeze_heap: bool = False,
        **options: Any,
    ) -> None:
        # Tayori has no voice: discord.py's start-up warnings about voice libraries
        # (PyNaCl, davey) would only alarm an operator.
        discord.VoiceClient.warn_nacl = False
        discord.VoiceClient.warn_dave = False
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=discord.Intents.default(),
            allowed_mentions=discord.AllowedMentions.none(),
            tree_cls=TayoriTree,
            allowed_contexts=EVERYWHERE,
            allowed_installs=ANY_INSTALL,
            **options,
        )
        self.settings, self.store, self.content, self.clock = settings, store, content, clock
        self.sync_only = sync_only
        self.freeze_heap = freeze_heap
        self.exit_status = 0  # 1 once the bot stops because its database file was lost
        self._stopping: asyncio.Task[None] | None = None
        store.on_lost.append(self._database_lost)
        self.synced = asyncio.Event()
        self._services: list[tuple[Callable[[], Coroutine[Any, Any, None]], bool]] = []
        self._tasks: list[asyncio.Task[None]] = []
        self.command_ids: dict[str, int] = {}
        self.limiter = RateLimiter(store)
        self.metrics = Metrics()
        self.metrics_port: int | None = None  # the port /metrics is served on, once it is
        self._metrics_runner: web.AppRunner | None = None
        self._rate_limits = metrics.DiscordRateLimits(self.metrics)
        logging.getLogger("discord.http").addHandler(self._rate_limits)
        self.pacer = Pacer(settings.discord_requests_per_second)  # requests we start ourselves
        # the reminders cog attaches Discord as their transport
        lease = timedelta(seconds=settings.reminder_lease_seconds)
        self.reminders = ReminderService(store, clock, metrics=self.metrics, lease=lease)
        self.heartbeat = Heartbeat(store, clock, timedelta(seconds=settings.heartbeat_seconds))
        self.retention = Retention(
            store,
            clock,
            diagnosis_days=settings.diagnosis_retention_days,
            reminder_days=settings.reminder_retention_days,
            on_expiring=lambda notices: self.dispatch("tayori_notices_expired", notices),
        )
        logsafety.install()

    @property
    def gateway_up(self) -> bool:
        """Connected or resumed, and no disconnect since."""
        return self.heartbeat.connected

    @property
    def syncs_commands(self) -> bool:
        """Whether this process may sync the commands (see `apply_sync_policy`)."""
        return True

    def mention(self, qualified_name: str) -> str:
        """Return a clickable mention of a command, or `/name` before its id is known."""
        command_id = self.command_ids.get(qualified_name.split()[0])
        command = self.tree.get_command(qualified_name.split()[0])
        is_group = isinstance(command, discord.app_commands.Group) and " " not in qualified_name
        if command_id is None or is_group:  # Discord makes only leaf commands clickable
            return f"/{qualified_name}"
        return f"</{qualified_name}:{command_id}>"

    def mentions(self, name: str) -> str:
        """Mention a top-level command so it can be clicked: a group as its subcommands."""
        command = self.tree.get_command(name)
        if isinstance(command, discord.app_commands.Group):
            return " ".join(self.mention(sub.qualified_name) for sub in command.commands)
        return self.mention(name)

    def texts(self, interaction: discord.Interaction) -> LocaleContent:
        """Return the content in the interaction user's language."""
        return self.content.pick(interaction.locale)

    def add_service(
        self, run: Callable[[], Coroutine[Any, Any, None]], *, in_maintenance: bool = False
    ) -> None:
        """Register a background loop started after login and cancelled on close.

        Under MAINTENANCE=1 only the loops registered `in_maintenance` run (the heartbeat):
        no reminder is delivered and nothing is purged until the switch is lifted.
        """
        self._services.append((run, in_maintenance))

    async def setup_hook(self) -> None:
        """Load every cog, translate the commands, start services, apply the sync policy."""
        for name in sorted(m.name for m in pkgutil.iter_modules([str(COGS_DIR)])):
            await self.load_extension(f"cogs.{name}")
        await self.tree.set_translator(ContentTranslator(self.content))
        self.add_service(self.heartbeat.run, in_maintenance=True)
        self.add_service(self.retention.run)
        maintenance = self.settings.maintenance
        if maintenance:
            log.warning("MAINTENANCE=1: commands answer 'back soon'; no reminder is delivered")
        if not self.sync_only:  # `python -m bot sync` must not deliver or recover reminders
            for run, in_maintenance in self._services:
                if maintenance and not in_maintenance:
                    continue
                task = asyncio.create_task(run(), name=f"tayori-{run.__qualname__}")
                task.add_done_callback(_report_death)
                self._tasks.append(task)
        if self.settings.metrics_port is not None and not self.sync_only:
            self._metrics_runner = await metrics.serve(
                self, self.settings.metrics_host, self.settings.metrics_port
            )
            self.metrics_port = _bound_port(self._metrics_runner)
            log.info(
                "metrics on http://%s:%s/metrics", self.settings.metrics_host, self.metrics_port
            )
        await self.apply_sync_policy()
        self.synced.set()
        if self.freeze_heap:
            # ~160,000 objects (content, checker, cogs) live as long as the process: frozen, a
            # full collection no longer walks them (~70 ms every few hundred interactions). Only
            # in `python -m bot`'s own process: frozen objects are never freed.
            gc.collect()
            gc.freeze()

    async def apply_sync_policy(self) -> None:
        """Sync to the dev guild at start; globally only when the commands changed or forced.

        With PostgreSQL every process applies it, one at a time under an advisory lock, and
        the hash of what was synced lives in the shared database: of processes started
        together the first syncs, the others find its hash. SQLite: the process running
        shard 0 (the only one, unsharded).
        """
        async with self.store.shared_lock(SYNC_LOCK):
            await self._sync(await self.command_digest())

    async def _sync(self, digest: str) -> None:
        dev_guild = self.settings.dev_guild_id
        where = discord.Object(dev_guild) if dev_guild and not self.sync_only else None
        if not self.sync_only and not self.syncs_commands:
            log.info("commands are synced by the process that runs shard 0; not syncing here")
            self._remember(await self.tree.fetch_commands(guild=where))
            return
        key = SYNC_HASH_KEY if where is None else f"{SYNC_HASH_KEY}:{dev_guild}"
        unchanged = not self.sync_only and await self.store.get_meta(key) == digest
        if unchanged and (where is None or self.store.shared):  # a dev guild: at every start
            log.info("commands unchanged since the last sync; not syncing")
            self._remember(await self.tree.fetch_commands(guild=where))
            return
        if where is not None:
            self.tree.copy_global_to(guild=where)
        self._remember(await self.tree.sync(guild=where))
        await self.store.set_meta(key, digest)
        log.info("commands synced %s", f"to dev guild {dev_guild}" if where else "globally")

    def _remember(self, synced: list[discord.app_commands.AppCommand]) -> None:
        self.command_ids = {c.name: c.id for c in synced}

    async def command_digest(self) -> str:
        """Return a hash of the exact payload a global sync would send."""
        translator = self.tree.translator
        payload = [
            await c.get_translated_payload(self.tree, translator)
            if translator
            else c.to_dict(self.tree)
            for c in self.tree.get_commands()
        ]
        text = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(text.encode()).hexdigest()

    async def beat(self) -> bool:
        """Record that the bot is alive and connected; say whether it did.

        Not while discord.py is retrying a lost connection: `python -m bot healthcheck`
        should then find the heartbeat going stale.
        """
        return await self.heartbeat.beat()

    async def on_app_command_completion(
        self, interaction: discord.Interaction[TayoriBot], command: object
    ) -> None:
        """Count a command that finished without an error, then run `after_commands`."""
        metrics.handled(interaction, "ok")
        await self.run_after_commands(interaction)

    async def on_ready(self) -> None:
        """Say that the bot is ready."""
        log.info("Tayori is ready as %s in %d server(s)", self.user, len(self.guilds))

    async def on_connect(self) -> None:
        """The gateway session is up (before READY's guilds have all arrived)."""
        await self._connected()

    async def on_resumed(self) -> None:
        """A lost connection is back."""
        await self._connected()

    async def _connected(self) -> None:
        await self.heartbeat.up()

    async def on_disconnect(self) -> None:
        """The gateway connection is lost (discord.py retries on its own)."""
        self.heartbeat.down()

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        """Forget a server's settings when the bot leaves it."""
        await self.store.forget_guild(guild.id)
        log.info("left server %s; its settings were removed", guild.id)

    def _database_lost(self) -> None:
        """The database file is gone (the store said so, in one line): stop, status 1."""
        self.exit_status = 1
        if self._stopping is None:
            self._stopping = asyncio.get_running_loop().create_task(self.close())

    async def close(self) -> None:
        """Stop background tasks, then close the gateway."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        logging.getLogger("discord.http").removeHandler(self._rate_limits)
        if self._metrics_runner is not None:
            await self._metrics_runner.cleanup()
            self._metrics_runner = None
        await super().close()


class ShardedTayoriBot(TayoriBot, commands.AutoShardedBot):
    """Tayori on SHARD_COUNT shards, running SHARD_IDS (all of them unless set) in this process."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.identify_gate = sharding.IdentifyGate()
        self.shards_down: set[int] = set()  # the heartbeat beats only while this is empty

    @property
    def syncs_commands(self) -> bool:
        """With SQLite only the process running shard 0 syncs, so that exactly one does;
        with PostgreSQL each may, under the lock and the shared hash."""
        return self.store.shared or not self.shard_ids or 0 in self.shard_ids

    async def setup_hook(self) -> None:
        """Resolve the shards (SHARD_COUNT=auto asks Discord) before anything else starts."""
        if not self.sync_only:
            settings = self.settings
            assert settings.shard_count is not None  # the settings refuse SHARD_IDS alone
            plan = await sharding.plan(self.http, settings.shard_count, settings.shard_ids)
            self.shard_count, self.shard_ids = plan.count, list(plan.ids)
            self.identify_gate.max_concurrency = plan.max_concurrency
            self.shards_down = set(plan.ids)  # none is connected yet
            log.info("running shards %s of %d", _ranges(plan.ids), plan.count)
        await super().setup_hook()

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """Identify at Discord's pace: `max_concurrency` shards at once, each bucket every 5 s."""
        await self.identify_gate.wait(shard_id or 0)

    async def on_shard_connect(self, shard_id: int) -> None:
        """A shard's session is up: the bot is healthy once every shard's is."""
        self.shards_down.discard(shard_id)
        await self._connected()

    async def on_shard_resumed(self, shard_id: int) -> None:
        """A shard's lost connection is back."""
        await self.on_shard_connect(shard_id)

    async def on_shard_disconnect(self, shard_id: int) -> None:
        """A shard lost its connection: the heartbeat stops until it is back."""
        self.shards_down.add(shard_id)
        self.heartbeat.down()

    async def _connected(self) -> None:
        if not self.shards_down:
            await super()._connected()


def _ranges(ids: tuple[int, ...]) -> str:
    """`0-3,7` for (0, 1, 2, 3, 7)."""
    parts: list[str] = []
    for i in ids:
        if parts and i - 1 == int(parts[-1].rpartition("-")[2]):
            parts[-1] = f"{parts[-1].partition('-')[0]}-{i}"
        else:
            parts.append(str(i))
    return ",".join(parts)


def _bound_port(runner: web.AppRunner) -> int:
    """The port a runner's first site listens on (the one chosen, when 0 was asked)."""
    server = runner.addresses[0]
    return int(server[1])


def _report_death(task: asyncio.Task[None]) -> None:
    """Log a background service that stopped on its own (they are meant to run forever)."""
    if not task.cancelled() and task.exception() is not None:
        log.error("background service %s stopped", task.get_name(), exc_info=task.exception())


@asynccontextmanager
async def tayori(
    settings: Settings,
    clock: Clock | None = None,
    *,
    content: Content | None = None,
    sync_only: bool = False,
    init: bool = False,
    **options: Any,
) -> AsyncIterator[TayoriBot]:
    """Load content, open the store and build the bot; close all of it afterwards.

    The store is guarded: a SQLite database that existed is never silently created anew
    (`init` says to; see `bot.store.sqlite.guard_missing`). PostgreSQL has no file to guard.
    """
    clock = clock or SystemClock()
    content = content or load_content(settings.content_dir, settings.default_locale)
    point_discord_at(settings.discord_api_base, settings.discord_gateway_url)
    kind = ShardedTayoriBot if settings.sharded else TayoriBot
    async with open_store(settings.store_url(), clock, guarded=True, init=init) as store:
        bot = kind(
            settings=settings,
            store=store,
            content=content,
            clock=clock,
            sync_only=sync_only,
            **options,
        )
        try:
            yield bot
        finally:
            if not bot.is_closed():
                await bot.close()
