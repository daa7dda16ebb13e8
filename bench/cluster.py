"""A cluster over one PostgreSQL: reminders/s from 1, 2 and 3 processes, and the due query at scale.

Numbers (goals from issue #17):

- reminders/s with 1, 2 and 3 `python -m bot` processes (three shards split between them)
  against the fake Discord's global limit, 50 requests/s per token: goal >= 90% of it from
  any number of processes. Each process paces only itself, so the limit is split by hand,
  `DISCORD_REQUESTS_PER_SECOND` = 48 / processes (or put a shared REST proxy in front);
  lateness p50/p99 from the due instant to the fake storing the DM; start-to-ready of each
  process (spawn to its "Tayori is ready" line). The users have had a reminder before, so
  their DM channel is known: one request each.
- the due query with 1,000,000 pending: `due_reminders(now, 1)` (each round of a scheduler asks
  whether one is due), `next_due()` and `claim_next` (what each scheduler runs), and
  `due_reminders(now, 100)`, none due and a batch due: p50/p99, goal p99 <= 2 ms;
  and the plan PostgreSQL picks for it (EXPLAIN: the `reminders_due` index).

Each run migrates a schema of its own in the PostgreSQL `--database-url` names, dropped after.
Run: `python bench/cluster.py [--burst 3000] [--pending 1000000] [--samples 2000]` (~5 min).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.core.clock import SystemClock
from bot.store import Store
from fakediscord import FakeDiscord

ROOT = Path(__file__).resolve().parents[1]
GLOBAL_LIMIT = 50  # Discord's requests per second per token
PACE = 48  # what the processes together start per second, split between them
SHARDS = 3
RANGES = {1: ("0-2",), 2: ("0-1", "2"), 3: ("0", "1", "2")}
FIRST_USER = 10**17
INSERT_COLUMNS = (
    "user_id",
    "kind",
    "due_at",
    "first_due",
    "note",
    "locale",
    "created_at",
    "updated_at",
)
DUE_SQL = (  # as `RemindersStore.due_reminders` and `claim_next` ask it
    "SELECT * FROM reminders WHERE state = 'pending' AND due_at <= $1 ORDER BY due_at LIMIT 100",
    "SELECT id FROM reminders WHERE state = 'pending' AND due_at <= $1 "
    "ORDER BY due_at, id LIMIT 1 FOR UPDATE SKIP LOCKED",
)


def percentile(values: list[float], q: float) -> float:
    """Return the q-th percentile (nearest rank) of `values`."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def with_schema(url: str, schema: str) -> str:
    """The URL with `search_path` set to `schema` (asyncpg passes it as a server setting)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "search_path"]
    return urlunsplit(parts._replace(query=urlencode([*query, ("search_path", schema)])))


@asynccontextmanager
async def fresh_schema(base: str) -> AsyncIterator[tuple[str, str]]:
    """A new, migrated schema: its URL and name; dropped afterwards."""
    schema = f"bench_{secrets.token_hex(5)}"
    admin = await asyncpg.connect(base)
    await admin.execute(f"CREATE SCHEMA {schema}")
    url = with_schema(base, schema)
    try:
        await (await Store.open(url, SystemClock())).close()  # migrate it
        yield url, schema
    finally:
        await admin.execute(f"DROP SCHEMA {schema} CASCADE")
        await admin.close()


# --- reminders/s from 1, 2 and 3 processes ------------------------------------------------


def ready_at(output: str) -> float | None:
    """The wall time of a process's "Tayori is ready" line (LOG_FORMAT=json)."""
    for line in output.splitlines():
        if line.startswith("{") and json.loads(line).get("message", "").startswith(
            "Tayori is ready"
        ):
            return datetime.fromisoformat(json.loads(line)["ts"]).timestamp()
    return None


async def schedule_burst(url: str, schema: str, users: dict[int, int]) -> float:
    """One reminder per user, due two seconds from now, announced to the processes."""
    now = int(time.time())
    due = now + 2
    con = await asyncpg.connect(url)
    try:
        async with con.transaction():
            await con.executemany(
                "INSERT INTO user_settings (user_id, quiet_start, quiet_end, dm_channel_id, "
                "updated_at) VALUES ($1, '00:00', '00:00', $2, $3)",
                [(u, dm, str(now)) for u, dm in users.items()],
            )
            await con.copy_records_to_table(
                "reminders",
                records=[(u, "at", due, due, "burst", "ja", now, now) for u in users],
                columns=INSERT_COLUMNS,
                schema_name=schema,
            )
        await con.execute("SELECT pg_notify($1, '')", f"tayori_schedule_{schema}"[:63])
    finally:
        await con.close()
    return float(due)


async def cluster_run(base: str, processes: int, burst: int) -> list[str]:
    """Deliver `burst` reminders due at one instant from `processes` processes."""
    async with fresh_schema(base) as (url, schema), FakeDiscord(global_limit=GLOBAL_LIMIT) as fake:
        fake.max_concurrency = SHARDS
        people = [fake.world.add_user(f"bench{i}") for i in range(burst)]
        users = {user.id: fake.world.dm_channel(user).id for user in people}
        stamps = fake.record_dm_times()
        env = {
            "PYTHONPATH": str(ROOT),
            "DATABASE_URL": url,
            "SHARD_COUNT": str(SHARDS),
            "DISCORD_REQUESTS_PER_SECOND": f"{PACE / processes:.3f}",
            "LOG_FORMAT": "json",
        }
        spawned = time.time()
        procs = await asyncio.gather(
            *(
                fake.start_process(env={**env, "SHARD_IDS": ids}, within=60)
                for ids in RANGES[processes]
            )
        )
        for _ in range(1200):  # a log line wakes no waiter: look every 50 ms, for a minute
            if all(ready_at(p.output()) for p in procs):
                break
            await asyncio.sleep(0.05)
        ready = [(ready_at(p.output()) or spawned) - spawned for p in procs]
        due = await schedule_burst(url, schema, users)
        await fake.wait_until(lambda: len(stamps) >= burst, within=burst / 10 + 60)
        await fake.wait_quiet(0.3)
        refused = fake.state.global_limit.refused
        per_user = Counter(m.channel_id for m in fake.store.by_id.values() if m.guild_id is None)
        for proc in procs:
            await proc.stop()
    late = [s - due for s in stamps]
    took = max(stamps) - min(stamps) or 1e-9
    rate = (len(stamps) - 1) / took if len(stamps) > 1 else 0.0
    return [
        f"  {processes} process(es), {PACE / processes:.1f} requests/s each: delivered "
        f"{len(stamps):,} DMs in {took:.1f} s = {rate:.1f} reminders/s = "
        f"{rate / GLOBAL_LIMIT:.0%} of the limit (goal >= 90%: "
        f"{'ok' if rate >= 0.9 * GLOBAL_LIMIT else 'MISSED'})",
        f"    lateness median {percentile(late, 50):.2f} s, p99 {percentile(late, 99):.2f} s; "
        f"start-to-ready {', '.join(f'{r:.2f}' for r in ready)} s; global 429s: {refused}; "
        f"sent twice: {sum(1 for n in per_user.values() if n > 1)}; "
        f"lost: {burst - len(per_user)}",
    ]


# --- the due query at 1,000,000 pending ---------------------------------------------------


async def timed(call: Callable[[], Awaitable[object]], samples: int) -> tuple[float, float]:
    """p50 and p99 of `samples` calls, in ms."""
    times = []
    for _ in range(samples):
        start = time.perf_counter()
        await call()
        times.append((time.perf_counter() - start) * 1000)
    return percentile(times, 50), percentile(times, 99)


async def due_query_numbers(base: str, pending: int, samples: int) -> list[str]:
    """Time the scheduler's queries over `pending` reminders in PostgreSQL; show their plan."""
    async with fresh_schema(base) as (url, schema):
        now = int(time.time())
        later = now + 86_400  # all of them due tomorrow or later: none due now
        started = time.perf_counter()
        con = await asyncpg.connect(url)
        rows = (
            (FIRST_USER + i % 100_000, "at", later + i % 86_400, later, "bench", "ja", now, now)
            for i in range(pending)
        )
        await con.copy_records_to_table(
            "reminders", records=rows, columns=INSERT_COLUMNS, schema_name=schema
        )
        await con.execute("ANALYZE reminders")
        lines = [f"  bulk insert of {pending:,} pending: {time.perf_counter() - started:.1f} s"]
        store = await Store.open(url, SystemClock())
        try:
            clock_now = datetime.now(UTC)
            p50, p99 = await timed(lambda: store.due_reminders(clock_now, 100), samples)
            lines.append(f"  due query, none due: p50 {p50:.3f} ms, p99 {p99:.3f} ms")
            p50, p99 = await timed(store.next_due, samples)
            lines.append(f"  next_due: p50 {p50:.3f} ms, p99 {p99:.3f} ms")
            await con.execute(  # a batch falls due: the first `samples` + 100 of them
                "UPDATE reminders SET due_at = $1 WHERE id <= $2", now - 60, samples + 100
            )
            p50, p99 = await timed(lambda: store.due_reminders(clock_now, 1), samples)
            lines.append(
                f"  due query as the scheduler asks it (is one due?), a batch due: "
                f"p50 {p50:.3f} ms, p99 {p99:.3f} ms"
            )
            p50, p99 = await timed(lambda: store.due_reminders(clock_now, 100), samples)
            lines.append(f"  due query, 100 of a batch due: p50 {p50:.3f} ms, p99 {p99:.3f} ms")
            p50, p99 = await timed(lambda: con.fetch(DUE_SQL[0], now), samples)
            lines.append(f"    the same on the raw driver: p50 {p50:.3f} ms, p99 {p99:.3f} ms")
            lease = timedelta(minutes=2)
            p50, p99 = await timed(lambda: store.claim_next("bench", lease), samples)
            lines.append(f"  claim_next (claims one, a write): p50 {p50:.3f} ms, p99 {p99:.3f} ms")
            for sql in DUE_SQL:
                plan = [r[0] for r in await con.fetch(f"EXPLAIN {sql}", now)]
                used = [p.strip() for p in plan if "Index" in p or "Seq Scan" in p]
                lines.append(f"  plan of {sql[:60]}…: {'; '.join(used)}")
        finally:
            await store.close()
            await con.close()
    return lines


async def main(base: str, burst: int, pending: int, samples: int, counts: list[int]) -> None:
    """Print every number."""
    print(f"cluster: {burst:,} reminders due at once, global limit {GLOBAL_LIMIT}/s per token")
    for processes in counts:
        for line in await cluster_run(base, processes, burst):
            print(line)
    print(f"the due query with {pending:,} pending in PostgreSQL")
    for line in await due_query_numbers(base, pending, samples):
        print(line)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--burst", type=int, default=3000)
    parser.add_argument("--pending", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=2000, help="timings per query")
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2, 3])
    args = parser.parse_args()
    asyncio.run(main(args.database_url, args.burst, args.pending, args.samples, args.processes))
