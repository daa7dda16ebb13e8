"""Interaction latency against the fake Discord: sequential and concurrent slash commands.

Latency is measured from dispatching INTERACTION_CREATE on the fake gateway to the fake
receiving the bot's initial interaction response (schema validation included), so it is
the floor a feature adds to. Reuse it for a feature with a bot factory::

    from bench.latency import measure, report
    result = asyncio.run(measure(make_my_bot, "remind at", options={"when": "21:00"}))
    print(report("remind at", result))

Run ``python bench/latency.py [--n 500] [--concurrency 50]`` for the do-nothing floor.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import discord
from discord import app_commands

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fakediscord import FakeDiscord, point_discord_py_at
from fakediscord.interactions import InteractionRecord

BotFactory = Callable[[], discord.Client]


@dataclass
class Run:
    """Latencies (seconds) of one mode and its wall time."""

    latencies: list[float]
    wall: float

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.wall


@dataclass
class BenchResult:
    """Sequential and concurrent runs of one command."""

    sequential: Run
    concurrent: Run
    concurrency: int
    validated: bool = True


def floor_bot() -> discord.Client:
    """A bot whose only command answers at once: the harness + discord.py floor."""
    client = discord.Client(intents=discord.Intents.default(), guild_ready_timeout=0.05)
    tree = app_commands.CommandTree(client)

    @tree.command(description="Does nothing")
    async def noop(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("ok", ephemeral=True)

    client.tree = tree  # type: ignore[attr-defined]
    return client


async def _one(fake: FakeDiscord, command: str, options: dict | None, user: str) -> float:
    record: InteractionRecord = await fake.dispatch_slash(command, options, user=user)
    await asyncio.wait_for(record.responded.wait(), timeout=10)
    assert record.ack_latency is not None
    return record.ack_latency


async def _sequential(fake: FakeDiscord, command: str, options: Any, user: str, n: int) -> Run:
    start = time.perf_counter()
    latencies = [await _one(fake, command, options, user) for _ in range(n)]
    return Run(latencies, time.perf_counter() - start)


async def _concurrent(
    fake: FakeDiscord, command: str, options: Any, user: str, n: int, width: int
) -> Run:
    latencies: list[float] = []
    start = time.perf_counter()
    for offset in range(0, n, width):
        batch = [_one(fake, command, options, user) for _ in range(min(width, n - offset))]
        latencies += await asyncio.gather(*batch)
    return Run(latencies, time.perf_counter() - start)


async def _ensure_synced(fake: FakeDiscord, client: discord.Client, command: str) -> None:
    """Sync ``client.tree`` if the bot did not sync ``command`` by itself."""
    name = command.split()[0]
    tree = getattr(client, "tree", None)
    if tree is not None and not any(c["name"] == name for c in fake.commands):
        await tree.sync()


async def measure(
    factory: BotFactory,
    command: str,
    *,
    options: dict | None = None,
    user: str = "alice",
    n: int = 300,
    concurrency: int = 50,
    warmup: int = 20,
    validate: bool = True,
) -> BenchResult:
    """Start ``factory()`` against a fresh fake and time ``/command`` ``n`` times twice."""
    async with FakeDiscord(validate=validate) as fake:
        with point_discord_py_at(fake):
            client = factory()
            await fake.start_bot(client)
            await _ensure_synced(fake, client, command)
            for _ in range(warmup):
                await _one(fake, command, options, user)
            sequential = await _sequential(fake, command, options, user, n)
            concurrent = await _concurrent(fake, command, options, user, n, concurrency)
        if fake.violations:
            raise RuntimeError(f"the bot made invalid requests: {fake.violations[:3]}")
    return BenchResult(sequential, concurrent, concurrency, validate)


def _line(label: str, run: Run) -> str:
    ms = [run.percentile(q) * 1000 for q in (50, 95, 99)]
    return (
        f"  {label:<14} n={len(run.latencies):<5} p50 {ms[0]:7.2f} ms  p95 {ms[1]:7.2f} ms  "
        f"p99 {ms[2]:7.2f} ms  mean {statistics.fmean(run.latencies) * 1000:7.2f} ms  "
        f"throughput {run.throughput:8.1f}/s"
    )


def report(name: str, result: BenchResult) -> str:
    """Human-readable summary of a :class:`BenchResult`."""
    return "\n".join(
        [
            f"/{name}: dispatch -> initial response"
            f" ({'schema-validated' if result.validated else 'no validation'})",
            _line("sequential", result.sequential),
            _line(f"concurrent {result.concurrency}", result.concurrent),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--no-validate", action="store_true")
    args = parser.parse_args()
    result = asyncio.run(
        measure(
            floor_bot,
            "noop",
            n=args.n,
            concurrency=args.concurrency,
            validate=not args.no_validate,
        )
    )
    print(report("noop (floor)", result))


if __name__ == "__main__":
    main()
