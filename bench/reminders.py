"""Reminders at scale: 1,000,000 pending in SQLite, then 10,000 due at once via the fake Discord.

Numbers (goals from issue 7):

- due query — what the scheduler runs each round (`due_reminders(now, 100)` and `next_due()`),
  with none due and with a full batch due: p50/p99, goal p99 <= 2 ms;
- creating one reminder — `Store.add_reminder` with its per-user limit check: p99 <= 2 ms;
- process RSS (current and peak), goal <= 200 MB; the peak includes the in-process fake Discord
  and its 10,000 stored messages, which a real deployment does not carry;
- 10,000 reminders for 10,000 users all due at the same instant, delivered by the real bot
  (in-process, real clock) through the fake Discord with schema validation and Discord's global
  limit (50 requests/s per token, 429 `global: true` past it): throughput against that limit
  and lateness (median, p99) from the due instant to the fake storing the DM. Goals (issue
  #18): at least 90% of the limit, lateness p99 <= burst / 45 s + 5 s, none lost or repeated.
  The users have had a reminder before, so their DM channel is known: one request each.

The pending rows are bulk-inserted with `executemany` in one transaction (not one by one).
Run: `python bench/reminders.py [--pending 1000000] [--burst 10000] [--samples 2000]` (about a
minute).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.config import Settings
from bot.core.clock import SystemClock
from bot.core.content import load_content
from bot.runtime.app import TayoriBot, tayori
from bot.store import Store
from fakediscord import FakeDiscord, point_discord_py_at

USERS = 100_000
FIRST_USER = 10**17
INSERT = (
    "INSERT INTO reminders (user_id, guild_id, kind, due_at, first_due, note, locale, "
    "created_at, updated_at) VALUES (?, NULL, ?, ?, ?, ?, ?, ?, ?)"
)
NO_QUIET = (
    "INSERT INTO user_settings (user_id, quiet_start, quiet_end, dm_channel_id, updated_at) "
    "VALUES (?, '00:00', '00:00', ?, ?)"
)
GLOBAL_LIMIT = 50  # Discord's requests per second per token


def percentile(values: list[float], q: float) -> float:
    """Return the q-th percentile (nearest rank) of `values`."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def line(label: str, seconds: list[float], goal_ms: float | None = None) -> str:
    """Format p50/p99 (ms) of `seconds`, with the goal when there is one."""
    p50, p99 = (percentile(seconds, q) * 1000 for q in (50, 99))
    verdict = (
        ""
        if goal_ms is None
        else f"  (goal p99 <= {goal_ms} ms: {'ok' if p99 <= goal_ms else 'MISSED'})"
    )
    return f"  {label:<34} n={len(seconds):<6} p50 {p50:6.3f} ms  p99 {p99:6.3f} ms{verdict}"


def rss_mb() -> tuple[float, float]:
    """Return (current, peak) resident memory of this process in MB."""
    fields = dict(
        row.split(":", 1)
        for row in Path("/proc/self/status").read_text().splitlines()
        if ":" in row
    )
    return tuple(int(fields[k].split()[0]) / 1024 for k in ("VmRSS", "VmHWM"))  # type: ignore[return-value]


# --- 1,000,000 pending -------------------------------------------------------------------


def pending_rows(n: int, now: int) -> Iterator[tuple]:
    """Yield `n` pending reminders spread over the next year, ten per user."""
    rng = random.Random(7)
    year = 365 * 86400
    for i in range(n):
        kind = ("at", "after-send", "reply")[i % 3]
        note = "note" if kind == "at" else None
        due = now + 60 + rng.randrange(year)
        yield (FIRST_USER + i % USERS, kind, due, due, note, "ja", now, now)


def bulk_insert(path: Path, n: int, now: int) -> float:
    """Insert `n` pending reminders in one transaction; return the seconds it took."""
    start = time.perf_counter()
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("BEGIN")
    db.executemany(INSERT, pending_rows(n, now))
    db.execute("COMMIT")
    db.execute("ANALYZE")
    db.close()
    return time.perf_counter() - start


async def timed(n: int, call: Callable[[int], Awaitable[object]]) -> list[float]:
    """Run `call(i)` `n` times; return each duration in seconds."""
    out = []
    for i in range(n):
        start = time.perf_counter()
        await call(i)
        out.append(time.perf_counter() - start)
    return out


async def store_numbers(path: Path, pending: int, samples: int) -> list[str]:
    """Load `pending` reminders, then time the due query and creating a reminder."""
    clock = SystemClock()
    store = await Store.open(path, clock)  # runs the migrations
    now = clock.now()
    loaded = bulk_insert(path, pending, int(now.timestamp()))
    later = now + timedelta(hours=2)
    try:
        rows = [f"  bulk insert of {pending:,} pending reminders: {loaded:.1f} s"]
        await timed(samples // 10, lambda _: _due_round(store, now))  # warm the page cache
        idle = await timed(samples, lambda _: _due_round(store, now))
        busy = await timed(samples, lambda _: _due_round(store, later))
        due_now = len(await store.due_reminders(later, 100))
        rows.append(line("due query, none due", idle, 2))
        rows.append(line(f"due query, {due_now} due (one batch)", busy, 2))
        create = await timed(samples, lambda i: _create(store, now, i))
        rows.append(line("create one reminder", create, 2))
    finally:
        await store.close()
    return rows


async def _due_round(store: Store, now: datetime) -> None:
    await store.due_reminders(now, 100)
    await store.next_due()


async def _create(store: Store, now: datetime, i: int) -> None:
    due = now + timedelta(days=3, seconds=i)
    await store.add_reminder(FIRST_USER + (i * 7919) % USERS, "at", due, "ja", note="bench")


# --- 10,000 due at once ------------------------------------------------------------------


def add_burst(path: Path, users: dict[int, int], due: int, now: int) -> None:
    """Make one reminder per user due at `due` (no quiet hours, whatever the wall clock says).

    `users` maps each user to their DM channel, known from an earlier reminder.
    """
    db = sqlite3.connect(path, isolation_level=None, timeout=30)
    db.execute("BEGIN IMMEDIATE")
    db.executemany(NO_QUIET, [(u, dm, str(now)) for u, dm in users.items()])
    db.executemany(INSERT, [(u, "at", due, due, "burst", "ja", now, now) for u in users])
    db.execute("COMMIT")
    db.close()


async def burst_numbers(path: Path, burst: int) -> list[str]:
    """Deliver `burst` reminders due at the same instant through the fake Discord."""
    async with FakeDiscord(global_limit=GLOBAL_LIMIT) as fake:
        people = [fake.world.add_user(f"bench{i}") for i in range(burst)]
        users = {user.id: fake.world.dm_channel(user).id for user in people}
        stamps = fake.record_dm_times()
        with point_discord_py_at(fake):
            async with tayori(
                _settings(fake, path), SystemClock(), guild_ready_timeout=0.05
            ) as bot:
                await fake.start_bot(bot)
                await bot.synced.wait()
                due = await _schedule_burst(bot, path, users)
                await fake.wait_until(lambda: len(stamps) >= burst, within=600)
                await fake.stop_bots()
        problems = fake.violations
        refused = fake.state.global_limit.refused
        sends = [r for r in fake.requests if r.method == "POST" and r.status == 200]
        opened = sum(1 for r in sends if r.path == "/users/@me/channels")
        per_user = Counter(m.channel_id for m in fake.store.by_id.values() if m.guild_id is None)
    late = [s - due for s in stamps]
    took = max(stamps) - min(stamps) or 1e-9
    rate = (len(stamps) - 1) / took if len(stamps) > 1 else 0.0
    p99 = percentile(late, 99)
    goal = burst / 45 + 5
    return [
        f"  delivered {len(stamps):,} DMs in {took:.1f} s: {rate:,.1f} reminders/s "
        f"= {rate / GLOBAL_LIMIT:.0%} of the global limit ({GLOBAL_LIMIT}/s; goal >= 90%: "
        f"{'ok' if rate >= 0.9 * GLOBAL_LIMIT else 'MISSED'})",
        f"  lateness from the due instant: median {percentile(late, 50):.2f} s, "
        f"p99 {p99:.2f} s, max {max(late):.2f} s (goal p99 <= {goal:.0f} s: "
        f"{'ok' if p99 <= goal else 'MISSED'})",
        f"  DMs opened: {opened}; sent twice: {sum(1 for n in per_user.values() if n > 1)}; "
        f"lost: {burst - len(per_user)}; global 429s: {refused}",
        f"  schema violations: {len(problems)}",
    ]


async def _schedule_burst(bot: TayoriBot, path: Path, users: dict[int, int]) -> float:
    """Write the burst due this very second, wake the scheduler; return the due instant (epoch s).

    The rows are committed in one transaction before the wake, so the scheduler sees all of
    them at once; lateness includes the insert (a few tenths of a second for 10,000).
    """
    now = int(time.time())
    due = now
    await asyncio.to_thread(add_burst, path, users, due, now)
    bot.reminders.wake()
    return float(due)


def _settings(fake: FakeDiscord, path: Path) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        discord_token=fake.token,
        database_path=path,
        discord_api_base=fake.api_base,
        discord_gateway_url=fake.gateway_url,
        log_level="WARNING",
    )


async def main(pending: int, burst: int, samples: int) -> None:
    """Print every number."""
    load_content()  # fail early on bad content
    with tempfile.TemporaryDirectory(prefix="tayori-bench-") as tmp:
        path = Path(tmp) / "reminders.db"
        print(f"reminders: {pending:,} pending in {path}")
        for row in await store_numbers(path, pending, samples):
            print(row)
        current, peak = rss_mb()
        print(f"  process RSS after the store work: {current:.0f} MB (goal <= 200 MB)")
        print(f"{burst:,} reminders due at once, real bot -> fake Discord (same database)")
        for row in await burst_numbers(path, burst):
            print(row)
        current, peak = rss_mb()
        print(f"  process RSS now {current:.0f} MB, peak {peak:.0f} MB (bot + fake Discord)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pending", type=int, default=1_000_000)
    parser.add_argument("--burst", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=2000, help="timings per store number")
    args = parser.parse_args()
    asyncio.run(main(args.pending, args.burst, args.samples))
