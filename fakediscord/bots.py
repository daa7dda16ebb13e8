"""Running a bot against the fake: in-process (a ``discord.Client``) or as a subprocess."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import re
import signal
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import discord

if TYPE_CHECKING:
    from .harness import FakeDiscord

REPO_ROOT = Path(__file__).resolve().parents[1]
ERROR_LINE = re.compile(r"\bERROR\b|^Traceback \(most recent call last\)")


def _sync_target(fake: FakeDiscord, expect_sync: bool | int) -> int:
    """How many command-sync requests must have been seen once the bot is up."""
    return len(fake.sync_requests()) + int(expect_sync)


@dataclass
class RunningBot:
    """An in-process bot started with :meth:`FakeDiscord.start_bot`."""

    bot: discord.Client
    task: asyncio.Task

    async def stop(self) -> None:
        """Close the client and wait for ``bot.start`` to return."""
        if not self.bot.is_closed():
            await self.bot.close()
        with contextlib.suppress(asyncio.CancelledError, discord.DiscordException):
            await asyncio.wait_for(self.task, timeout=5)


async def start_bot(
    fake: FakeDiscord, bot: discord.Client, *, expect_sync: bool | int, within: float
) -> RunningBot:
    """``bot.start(token)`` in a task; return once ready (and synced, if expected)."""
    sync_target = _sync_target(fake, expect_sync)
    identified = fake.gateway.identify_count
    task = asyncio.create_task(bot.start(fake.token), name="fakediscord-bot")
    running = RunningBot(bot, task)
    try:
        await fake.wait_until(lambda: fake.gateway.identify_count > identified, within, task)
        ready = asyncio.ensure_future(bot.wait_until_ready())
        await asyncio.wait({ready, task}, timeout=within, return_when=asyncio.FIRST_COMPLETED)
        if not ready.done():
            ready.cancel()
            raise RuntimeError("bot did not become ready")
        await fake.wait_until(lambda: len(fake.sync_requests()) >= sync_target, within, task)
    except BaseException:
        await _fail_startup(running)
        raise
    return running


async def _fail_startup(running: RunningBot) -> None:
    task = running.task
    if task.done() and not task.cancelled() and task.exception() is not None:
        await running.stop()
        raise RuntimeError("bot.start() failed") from task.exception()
    await running.stop()


class BotProcess:
    """A bot subprocess; its stdout and stderr go to :attr:`log_path`."""

    def __init__(self, proc: asyncio.subprocess.Process, log_path: Path, args: tuple) -> None:
        self.proc = proc
        self.log_path = log_path
        self.args = args
        self._waiter = asyncio.ensure_future(proc.wait())

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def running(self) -> bool:
        return not self._waiter.done()

    @property
    def exited(self) -> asyncio.Future:
        """Resolves with the exit code when the process ends."""
        return self._waiter

    async def stop(self, within: float = 10.0) -> int:
        """SIGTERM and wait; returns the exit code (negative = killed by a signal)."""
        return await self._signal(signal.SIGTERM, within)

    async def kill(self, within: float = 10.0) -> int:
        """SIGKILL (no clean-up in the bot) and wait; returns the exit code."""
        return await self._signal(signal.SIGKILL, within)

    async def _signal(self, sig: int, within: float) -> int:
        if self.running:
            self.proc.send_signal(sig)
        return await asyncio.wait_for(asyncio.shield(self._waiter), within)

    def output(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def error_lines(self) -> list[str]:
        """Lines that look like an ERROR log record or a traceback."""
        return [line for line in self.output().splitlines() if ERROR_LINE.search(line)]


@contextlib.contextmanager
def _new_log(folder: Path) -> Iterator[tuple[Path, BinaryIO]]:
    """A log file of its own for each process, even for processes started together."""
    for n in itertools.count():
        path = folder / f"bot-{n}.log"
        try:
            log = path.open("xb")
        except FileExistsError:
            continue
        with log:
            yield path, log
        return


async def start_process(
    fake: FakeDiscord,
    args: tuple[str, ...],
    *,
    env: dict[str, str],
    expect_sync: bool | int,
    within: float,
    cwd: Any = None,
) -> BotProcess:
    """Start ``python *args``; return once it has IDENTIFYed, got READY (and synced)."""
    sync_target = _sync_target(fake, expect_sync)
    identified = fake.gateway.identify_count
    full_env = {**os.environ, "PYTHONUNBUFFERED": "1", **env}
    with _new_log(fake.tmpdir) as (log_path, log):
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            *args,
            env=full_env,
            cwd=str(cwd or REPO_ROOT),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=log,
            stderr=asyncio.subprocess.STDOUT,
        )
    process = BotProcess(proc, log_path, args)

    def connected() -> bool:
        session = fake.gateway.current
        up = fake.gateway.identify_count > identified and session and session.ready_sent
        return bool(up) and len(fake.sync_requests()) >= sync_target

    try:
        await fake.wait_until(connected, within, abort=process.exited)
    except (TimeoutError, RuntimeError) as error:
        if process.running:
            await process.kill()
        raise RuntimeError(f"bot process did not connect: {error}\n{process.output()}") from None
    return process
