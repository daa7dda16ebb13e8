"""Benchmark the /check-draft round trip through the fake Discord against the do-nothing floor.

Two numbers, both taken on the fake's side with ``time.monotonic()`` from the moment it
dispatches INTERACTION_CREATE:

- ack: until the bot's initial interaction response (what ``bench/latency.py``'s ``measure``
  reports; a deferral counts as the ack);
- answer: until the report is in the user's channel (the initial response when it carries
  the report, else the follow-up or edit that does). This is what the user waits for.

Paths: ``/check-draft text:…`` and the form (``/check-draft`` opens it, untimed; the timed
part is the submission; opening it reads the user's history ahead). The store keeps that
history until the next write, so a third path empties its cache before each check, for the
cost of a user's first check (one read on the database thread). The floor is
``bench/latency.py``'s ``noop`` bot, whose ack is its answer. Goal (issue 6): answer p99 <=
1.3 x the floor's p99, sequential and concurrent.

To tell the cog's own work from the cost of sending a real report, a second floor bot
answers ``/noop-report`` at once with the same payload /check-draft sends (the rendered
report embed and its two buttons), doing no store reads and no checking.

The real Tayori bot is built with ``bot.runtime.app.tayori`` on a temporary database with a fake
clock; every request is validated against Discord's schema and a violation fails the run.

Run: ``python bench/check_draft_roundtrip.py [--n 300] [--rounds 3] [--concurrency 50]
[--strict] [--no-validate] [--no-gc]`` (``--strict`` exits 1 when a goal is missed). Rounds
interleave the bots, so load that drifts during the run weighs on all of them alike. Each
path is warmed with one concurrent batch too, so no mode pays for opening connections.
The fake keeps every interaction it saw, so the heap grows and full collections (tens to
hundreds of ms) would land on a few unlucky interactions of whichever bot runs then. So
before each mode the bench collects and freezes what exists (``gc.freeze``): the collector
still runs, over what each bot allocates while it is timed. ``--no-gc`` turns it off
while timing, to show the work alone. Under each mode a line counts the collections that ran
while it was timed (per answer, and the mean pause of each): bot and fake share one heap, so
a generation-1 collection walks what the fake has kept since the last one (~1 ms each, about
every 75 answers here) and lands on whichever interaction is in flight: one at a time, that
is most of the p99.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import discord
from discord import app_commands

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.latency import Run, floor_bot, measure, report
from bot.config import Settings
from bot.core.clock import FakeClock, utc
from bot.core.content import Content, load_content
from bot.core.draft import check_draft
from bot.runtime.app import TayoriBot, tayori
from cogs.check_draft._cog import render
from fakediscord import FakeDiscord, point_discord_py_at
from fakediscord.interactions import InteractionRecord, Place, modal_data

GOAL = 1.3
FLOOR = "floor: /noop"
PAYLOAD_FLOOR = "floor: /noop-report (same payload, no work)"
COLD = "check-draft text:… (history read each time)"
WARMUP = 20
USER = "haruto"
FORM = "tayori:cd:text"
START = utc(2026, 3, 10, 3, 0)
DRAFT = "最近どう？どうして連絡してくれないの？既読無視しないで！！もしよかったら食事でも行かない？"

Action = Callable[[FakeDiscord], Awaitable[InteractionRecord]]


@dataclass
class Pauses:
    """The collector's pauses while a mode was timed: count and seconds per generation."""

    count: list[int] = field(default_factory=lambda: [0, 0, 0])
    seconds: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])
    _started: float = 0.0

    def __enter__(self) -> Pauses:
        gc.callbacks.append(self._on)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self._on)

    def _on(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started = time.perf_counter()
            return
        generation = info["generation"]
        self.count[generation] += 1
        self.seconds[generation] += time.perf_counter() - self._started

    def __add__(self, other: Pauses) -> Pauses:
        return Pauses(
            [a + b for a, b in zip(self.count, other.count, strict=True)],
            [a + b for a, b in zip(self.seconds, other.seconds, strict=True)],
        )

    def line(self, n: int) -> str:
        parts = [
            f"gen{g} {c / n:5.3f}/answer ~{1000 * s / max(c, 1):5.2f} ms each"
            for g, (c, s) in enumerate(zip(self.count, self.seconds, strict=True))
        ]
        return "collections: " + ", ".join(parts)


@dataclass
class Timed:
    """Ack and answer latencies of one path in one mode, and the collections meanwhile."""

    ack: Run
    answer: Run
    pauses: Pauses = field(default_factory=Pauses)


class Mentions:
    """What rendering needs from the bot: a command mention."""

    def mention(self, name: str) -> str:
        return f"</{name}:1>"


def payload_floor_bot(content: Content) -> discord.Client:
    """A bot answering ``/noop-report`` at once with a canned /check-draft report payload."""
    texts = content["ja"]
    embed = render(texts, DRAFT, check_draft(DRAFT, texts.draft), None, Mentions())  # type: ignore[arg-type]
    client = discord.Client(intents=discord.Intents.default(), guild_ready_timeout=0.05)
    tree = app_commands.CommandTree(client)

    @tree.command(name="noop-report", description="Sends a canned report")
    async def noop_report(interaction: discord.Interaction) -> None:
        view = discord.ui.View(timeout=None)
        for custom_id in ("tayori:cd:edit:0123456789ab", "tayori:rm:as:1:7"):
            view.add_item(discord.ui.Button(label=custom_id, custom_id=custom_id))
        view.stop()  # sent like Tayori's (bot.runtime.replies.buttons): nothing kept per reply
        await interaction.response.send_message(embed=embed, view=view, ephemeral=True)

    client.tree = tree  # type: ignore[attr-defined]
    return client


Results = dict[str, tuple[Timed, Timed]]  # path -> (sequential, concurrent)


@asynccontextmanager
async def real_tayori(content: Content) -> AsyncIterator[TayoriBot]:
    """The real bot on a fresh temporary database, not yet started."""
    with tempfile.TemporaryDirectory(prefix="tayori-bench-") as tmp:
        settings = Settings(
            _env_file=None, discord_token="fake-bot-token", database_path=Path(tmp) / "bench.db"
        )
        clock = FakeClock(START)
        async with tayori(settings, clock, content=content, guild_ready_timeout=0.05) as bot:
            yield bot


def _answered(record: InteractionRecord) -> bool:
    """Say whether the user sees a finished answer (not just "thinking…")."""
    shown = [m for m in [record.original, *record.followups] if m is not None]
    return any(not m.loading and (m.content or m.embeds) for m in shown)


async def _timed(fake: FakeDiscord, action: Action) -> tuple[float, float]:
    record = await action(fake)
    await fake.wait_until(lambda: _answered(record))
    answer = time.monotonic() - record.dispatched_at
    return record.ack_latency or answer, answer


async def _mode(fake: FakeDiscord, action: Action, n: int, width: int) -> Timed:
    """Time ``n`` actions, ``width`` at a time."""
    gc.collect()
    gc.freeze()  # what the fake has kept so far is never walked again (see the module notes)
    timings: list[tuple[float, float]] = []
    start = time.perf_counter()
    with Pauses() as pauses:
        for offset in range(0, n, width):
            batch = [_timed(fake, action) for _ in range(min(width, n - offset))]
            timings += await asyncio.gather(*batch)
    wall = time.perf_counter() - start
    ack, answer = Run([a for a, _ in timings], wall), Run([b for _, b in timings], wall)
    return Timed(ack, answer, pauses)


def slash(name: str, options: dict | None = None) -> Action:
    """Dispatch ``/name`` with ``options``."""

    async def act(fake: FakeDiscord) -> InteractionRecord:
        return await fake.dispatch_slash(name, options, user=USER)

    return act


async def form(fake: FakeDiscord) -> InteractionRecord:
    """Open the form (untimed), then dispatch its submission (timed)."""
    opened = await fake.dispatch_slash("check-draft", user=USER)
    await fake.wait_until(lambda: opened.modal is not None or opened.settled)
    if opened.modal is None:
        raise RuntimeError("/check-draft without text did not open a form")
    data = modal_data(opened.modal, {FORM: DRAFT})
    place = Place(opened.channel, opened.guild_id)
    return await fake._dispatch(5, opened.user, place, data)  # the harness's own dispatch


async def run_paths(
    client: discord.Client, paths: dict[str, Action], args: argparse.Namespace
) -> Results:
    """Start ``client`` on a fresh fake; time each path sequentially, then concurrently."""
    n, width, out = args.n, args.concurrency, {}
    async with FakeDiscord(validate=args.validate) as fake:
        with point_discord_py_at(fake):
            await fake.start_bot(client)
            if not fake.commands:
                await client.tree.sync()  # type: ignore[attr-defined]
            for name, action in paths.items():
                await _mode(fake, action, WARMUP, 1)
                await _mode(fake, action, width, width)  # open the connections a batch needs
                out[name] = (await _mode(fake, action, n, 1), await _mode(fake, action, n, width))
            await fake.wait_quiet()
        if fake.violations:
            raise RuntimeError(f"the bot made invalid requests: {fake.violations[:3]}")
    return out


def _line(label: str, run: Run, floor: Run | None) -> str:
    ms = [run.percentile(q) * 1000 for q in (50, 95, 99)]
    ratio = f"  p99 {run.percentile(99) / floor.percentile(99):4.2f}x floor" if floor else ""
    return (
        f"    {label:<24} p50 {ms[0]:6.2f} ms  p95 {ms[1]:6.2f} ms  p99 {ms[2]:6.2f} ms"
        f"  mean {statistics.fmean(run.latencies) * 1000:6.2f} ms{ratio}"
    )


def summary(results: Results, width: int) -> tuple[str, bool]:
    """Lines per path and mode, with p99 against the floor's answer p99; whether goals held."""
    floor = results[FLOOR]
    lines, met, labels = [], True, ("sequential", f"concurrent {width}")
    for name, modes in results.items():
        lines.append(name)
        for label, timed, base in zip(labels, modes, floor, strict=True):
            against = None if name == FLOOR else base.answer
            lines.append(_line(f"{label} ack", timed.ack, against))
            lines.append(_line(f"{label} answer", timed.answer, against))
            lines.append(f"    {'':<24} {timed.pauses.line(len(timed.answer.latencies))}")
            if not name.startswith("floor"):
                met &= timed.answer.percentile(99) <= GOAL * base.answer.percentile(99)
    return "\n".join(lines), met


async def one_round(content: Content, args: argparse.Namespace) -> Results:
    """Time the floors and both /check-draft paths once, each on a fresh fake."""
    results = await run_paths(floor_bot(), {FLOOR: slash("noop")}, args)
    results |= await run_paths(
        payload_floor_bot(content), {PAYLOAD_FLOOR: slash("noop-report")}, args
    )
    async with real_tayori(content) as bot:
        paths = {
            "check-draft text:…": slash("check-draft", {"text": DRAFT}),
            "check-draft form": form,
            COLD: uncached(bot, slash("check-draft", {"text": DRAFT})),
        }
        results |= await run_paths(bot, paths, args)
    return results


def uncached(bot: TayoriBot, action: Action) -> Action:
    """``action`` with the store's read cache emptied first (untimed), so the check reads."""

    async def act(fake: FakeDiscord) -> InteractionRecord:
        bot.store.cache.drop()
        return await action(fake)

    return act


def _merge(a: Timed, b: Timed) -> Timed:
    def run(x: Run, y: Run) -> Run:
        return Run(x.latencies + y.latencies, x.wall + y.wall)

    return Timed(run(a.ack, b.ack), run(a.answer, b.answer), a.pauses + b.pauses)


async def main_async(args: argparse.Namespace) -> int:
    content = load_content()
    if args.no_gc:
        gc.disable()
    common = {"n": args.n, "concurrency": args.concurrency, "validate": args.validate}
    print("bench/latency.py measure() (dispatch -> initial response):")
    print(report("noop (floor)", await measure(floor_bot, "noop", **common)))
    async with real_tayori(content) as bot:
        options = {"text": DRAFT}
        result = await measure(lambda: bot, "check-draft", options=options, user=USER, **common)
        print(report("check-draft text:…", result))
    results: Results = {}
    for _ in range(args.rounds):  # rounds interleave the bots, so drifting load hits all alike
        for name, (seq, con) in (await one_round(content, args)).items():
            old = results.get(name)
            results[name] = (_merge(old[0], seq), _merge(old[1], con)) if old else (seq, con)
    text, met = summary(results, args.concurrency)
    total = args.n * args.rounds
    print(f"\nack and answer (n={total} per mode; goal: answer p99 <= {GOAL} x floor p99):")
    print(text)
    print("goal met" if met else "goal MISSED")
    return 1 if args.strict and not met else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300, help="interactions per mode and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--strict", action="store_true")
    parser.add_argument(
        "--no-gc",
        action="store_true",
        help="collect garbage between modes only (separates collection pauses from the work)",
    )
    parser.add_argument(
        "--no-validate", dest="validate", action="store_false", help="skip the fake's schema checks"
    )
    raise SystemExit(asyncio.run(main_async(parser.parse_args())))


if __name__ == "__main__":
    main()
