"""What one interaction costs the bot process, against a floor bot that sends the same reply.

First Tayori runs once as a real subprocess (`python -m bot`, SQLite in a temporary folder)
against the fake Discord in this process, and what it synced and sent for each command is
recorded (the callback body, then its follow-ups and edits). Then each command is measured in
fresh processes, each against a fresh fake: Tayori, and the floor bot
(`bench/support/floor_bot.py`) built from the recording. In each process, after `--warmup`
interactions by other users:

- CPU per interaction: the bot process's user + system time (`/proc/PID/stat`) over `--n`
  interactions one after another (by 100 users, each new to the process), divided by `--n`;
- throughput: `--n` interactions with `--concurrency` in flight, interactions per second until
  the last one was answered (as the fake saw it).

`--floor interaction` (the default) is issue #18's floor: a discord.py bot with the same slash
commands in an `app_commands.CommandTree`, answering each through discord.py's interaction path
as Tayori did (`send_message`, `defer` + `followup.send`) with the reply built once at start
(same embeds, components, flags and allowed mentions). `--floor replay` is the floor before:
Tayori's recorded requests replayed through discord.py's generic `http.request`.
`--floor interaction,replay` measures both. The bench checks that the floor sent exactly what
Tayori sent. Goals (issue #18): CPU per interaction <= 1.3x the floor's, throughput >= 0.8x
the floor's at 50 concurrent.

`--breakdown` also runs, for each command in BREAKDOWN, one more Tayori process whose own
answer steps are timed on the thread CPU clock (`bench/support/timed_bot.py`; for /check-draft
the check, the report and the buttons), and prints them per interaction, with what is left of
Tayori's CPU once they are taken out, against the floor: what the bot spends besides the
answer's own work.

`--free check_message,render` (with `--breakdown`) runs one more such process per run in which
those steps answer from memory (the bench sends one and the same draft): what /check-draft
would cost if they cost nothing, against the same floor (issue #18: is 1.3x within reach of
any checker?).

Every process measures one command, so no command's numbers depend on what ran before it;
`--runs` repeats everything (the order of the processes rotating from run to run) and prints
the spread. Run: `python bench/interaction_cpu.py [--n 300] [--runs 3] [--commands about,…]`
(~20 s per process: ~20 minutes for `--runs 3 --floor interaction,replay`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fakediscord import FakeDiscord  # noqa: E402

DRAFT = "元気にしてる？最近寒いから体に気をつけてね。落ち着いたらまたご飯行こう"
CASES: list[tuple[str, dict[str, Any]]] = [
    ("about", {}),
    ("ng-list", {}),
    ("check-draft", {"text": DRAFT}),
    ("diagnose start", {}),
    ("remind list", {}),
    ("privacy show", {}),
    ("remind after-send", {"days": 7}),
]
FLOORS = ("interaction", "replay")
# per command, the functions that do the answer's own work (the floor sends the answer prebuilt)
BREAKDOWN = {"check-draft": "cogs.check_draft._cog:check_message,render,_view"}
USERS = 100
TICK = os.sysconf("SC_CLK_TCK")
CPU_GOAL, THROUGHPUT_GOAL = 1.3, 0.8
Sent = list[list[Any]]  # [method, path with {id}/{token}/{app} holes, body] per request


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def add_users(fake: FakeDiscord) -> tuple[list[str], list[str]]:
    """The users measured, and others who warm the bot up."""
    world = fake.world
    users = [world.add_user(f"cpu{i}", locale="ja").name for i in range(USERS)]
    return users, [world.add_user(f"warm{i}", locale="ja").name for i in range(USERS)]


async def sent_for(fake: FakeDiscord, name: str, options: dict[str, Any], user: str) -> Sent:
    """Run a command once; return what the bot sent for it, with id and token as holes."""
    before = len(fake.requests)
    result = await fake.slash(name, options, user=user)
    await fake.wait_quiet()
    record = result.record
    return [
        [
            r.method,
            r.path.replace(str(record.id), "{id}")
            .replace(record.token, "{token}")
            .replace(str(fake.world.application_id), "{app}")
            + ("?" + urlencode(r.query) if r.query else ""),  # with_response=1: same answer
            r.json,
        ]
        for r in fake.requests[before:]
        if record.token in r.path
    ]


async def record_plan(tmp: Path) -> dict[str, Any]:
    """Run every command once on Tayori; return what it synced and what it sent."""
    async with FakeDiscord(global_limit=None) as fake:
        users, _ = add_users(fake)
        tayori = await fake.start_process(
            database_path=tmp / "record.db", expect_sync=True, env=bot_env()
        )
        replies = {name: await sent_for(fake, name, options, users[0]) for name, options in CASES}
        await tayori.stop()
        synced = fake.sync_requests()[-1].json  # exactly what Tayori sent
    return {"commands": synced, "replies": replies}


def bot_env() -> dict[str, str]:
    return {"PYTHONPATH": str(ROOT), "LOG_LEVEL": "WARNING"}


async def warm_up(fake: FakeDiscord, name: str, users: list[str]) -> None:
    """One interaction by each of `users`, not timed."""
    for user in users:
        await fake.slash(name, dict(CASES)[name], user=user)
    await fake.wait_quiet()


async def cpu_per_interaction(
    fake: FakeDiscord, pid: int, name: str, users: list[str], n: int
) -> float:
    """Time `n` interactions one after another: the process's CPU ms per interaction."""
    options = dict(CASES)[name]
    start = cpu_seconds(pid)
    for i in range(n):
        await fake.slash(name, options, user=users[i % len(users)])
    await fake.wait_quiet()
    return (cpu_seconds(pid) - start) * 1000 / n


async def measure(
    kind: str, name: str, plan: dict[str, Any], tmp: Path, args: argparse.Namespace
) -> tuple[float, float, bool, int]:
    """One fresh process of `kind` ("tayori" or a floor) against a fresh fake, one command:
    (CPU ms per interaction, interactions per second, same payload as Tayori's, violations)."""
    options = dict(CASES)[name]
    async with FakeDiscord(global_limit=None) as fake:
        users, warm = add_users(fake)
        if kind == "tayori":
            bot = await fake.start_process(
                database_path=tmp / f"t-{time.monotonic_ns()}.db", expect_sync=True, env=bot_env()
            )
        else:
            bot = await fake.start_process(
                ("bench/support/floor_bot.py",),
                expect_sync=True,
                env={**bot_env(), "FLOOR_PLAN": str(tmp / "plan.json"), "FLOOR_KIND": kind},
                cwd=ROOT,
            )
        try:
            same = await sent_for(fake, name, options, warm[0]) == plan["replies"][name]
            await warm_up(fake, name, warm[1 : args.warmup])
            cpu_ms = await cpu_per_interaction(fake, bot.pid, name, users, args.n)
            gate = asyncio.Semaphore(args.concurrency)

            async def one(i: int) -> None:
                async with gate:
                    record = await fake.dispatch_slash(name, options, user=users[i % len(users)])
                    await fake.outcome(record)

            began = time.perf_counter()
            await asyncio.gather(*(one(i) for i in range(args.n)))
            await fake.wait_quiet()
            rate = args.n / (time.perf_counter() - began)
        finally:
            await bot.stop()
        return cpu_ms, rate, same, len(fake.violations)


async def breakdown(
    name: str, tmp: Path, args: argparse.Namespace, free: str = ""
) -> tuple[float, dict[str, float]]:
    """One Tayori process with the answer's own steps timed (and the `free` ones answering from
    memory): (CPU ms per interaction, the steps' thread CPU in ms per interaction)."""
    out = tmp / f"timed-{time.monotonic_ns()}.json"
    env = {**bot_env(), "TIMED": BREAKDOWN[name], "TIMED_OUT": str(out)}
    if free:
        env["FREE"] = f"{BREAKDOWN[name].partition(':')[0]}:{free}"
    async with FakeDiscord(global_limit=None) as fake:
        users, warm = add_users(fake)
        bot = await fake.start_process(
            ("bench/support/timed_bot.py",),
            database_path=tmp / f"b-{time.monotonic_ns()}.db",
            expect_sync=True,
            env=env,
            cwd=ROOT,
        )
        try:
            await warm_up(fake, name, warm[: args.warmup])
            os.kill(bot.pid, signal.SIGUSR1)  # the sums start here
            await asyncio.sleep(0.3)  # a benchmark, not a test: let the handler run
            cpu_ms = await cpu_per_interaction(fake, bot.pid, name, users, args.n)
            os.kill(bot.pid, signal.SIGUSR2)
            for _ in range(50):
                await asyncio.sleep(0.1)
                if out.exists():
                    break
        finally:
            await bot.stop()
    sums = json.loads(out.read_text())
    return cpu_ms, {key.split(":")[1]: ns / 1e6 / args.n for key, (ns, _calls) in sums.items()}


def spread(values: list[float], fmt: str) -> str:
    low, high = format(min(values), fmt), format(max(values), fmt)
    return low if low == high else f"{low}–{high}"


async def main(args: argparse.Namespace, names: list[str], floors: list[str]) -> int:
    """Measure Tayori and the floor(s) per command and run; print each run and the spread."""
    kinds = ["tayori", *floors]
    results: dict[tuple[str, str], list[tuple[float, float]]] = {}
    differs: set[tuple[str, str]] = set()
    violations = 0
    steps: dict[str, list[tuple[float, dict[str, float], float]]] = {}
    freed: dict[str, list[tuple[float, float]]] = {}  # with --free: (CPU ms, that run's floor)
    with tempfile.TemporaryDirectory(prefix="tayori-cpu-") as folder:
        tmp = Path(folder)
        plan = await record_plan(tmp)
        (tmp / "plan.json").write_text(json.dumps(plan))
        for run in range(args.runs):
            for name in names:
                order = kinds[run % len(kinds) :] + kinds[: run % len(kinds)]
                line = []
                for kind in order:
                    cpu, rate, same, bad = await measure(kind, name, plan, tmp, args)
                    results.setdefault((name, kind), []).append((cpu, rate))
                    violations += bad
                    if kind != "tayori" and not same:
                        differs.add((name, kind))
                    line.append(f"{kind} {cpu:.2f} ms {rate:.0f}/s")
                if args.breakdown and name in BREAKDOWN:  # in the same run as its floor
                    cpu, parts = await breakdown(name, tmp, args)
                    floor_cpu = results[name, floors[0]][-1][0]
                    steps.setdefault(name, []).append((cpu, parts, floor_cpu))
                    line.append(f"timed {cpu:.2f} ms")
                    if args.free:
                        cpu, _ = await breakdown(name, tmp, args, args.free)
                        freed.setdefault(name, []).append((cpu, floor_cpu))
                        line.append(f"{args.free} free {cpu:.2f} ms")
                print(f"run {run + 1} /{name}: " + ", ".join(line), flush=True)
    print(
        f"CPU per interaction and throughput: n={args.n} per command, {args.concurrency} "
        f"concurrent, {args.runs} run(s), each in fresh processes (min–max over the runs)"
    )
    missed = 0
    for floor in floors:
        print(f"against the {floor} floor:")
        print(
            f"  {'command':<19} {'Tayori CPU':>11} {'floor CPU':>11} {'ratio':>11}   "
            f"{'Tayori/s':>9} {'floor/s':>9} {'ratio':>11}"
        )
        for name in names:
            mine, base = results[name, "tayori"], results[name, floor]
            # below one clock tick (tiny runs) a ratio means nothing: nan rather than divide by 0
            cpu_ratios = [
                m[0] / b[0] if b[0] else float("nan") for m, b in zip(mine, base, strict=True)
            ]
            rate_ratios = [
                m[1] / b[1] if b[1] else float("nan") for m, b in zip(mine, base, strict=True)
            ]
            ok = max(cpu_ratios) <= CPU_GOAL and min(rate_ratios) >= THROUGHPUT_GOAL
            missed += not ok
            note = "" if (name, floor) not in differs else "  (floor sent another payload!)"
            cpus, floor_cpus = [m[0] for m in mine], [b[0] for b in base]
            print(
                f"  /{name:<18} {spread(cpus, '.2f'):>8} ms {spread(floor_cpus, '.2f'):>8} ms "
                f"{spread(cpu_ratios, '.2f'):>10}x   {spread([m[1] for m in mine], '.0f'):>9} "
                f"{spread([b[1] for b in base], '.0f'):>9} {spread(rate_ratios, '.2f'):>10}x  "
                f"{'ok' if ok else 'MISSED'}{note}"
            )
    print(
        f"goals: CPU <= {CPU_GOAL}x floor, throughput >= {THROUGHPUT_GOAL}x floor in every run; "
        f"missed on {missed} of {len(names) * len(floors)}; floor payloads differing from "
        f"Tayori's: {len(differs)}; schema violations: {violations}"
    )
    for name, runs in steps.items():
        owns = [sum(parts.values()) for _, parts, _ in runs]
        listed = ", ".join(
            f"{step} {spread([parts[step] * 1000 for _, parts, _ in runs], '.0f')} µs"
            for step in runs[0][1]
        )
        rests = [cpu - own for (cpu, _, _), own in zip(runs, owns, strict=True)]
        # as in the table above: below one clock tick a ratio means nothing (nan, not a crash)
        ratios = [
            rest / floor if floor else float("nan")
            for rest, (_, _, floor) in zip(rests, runs, strict=True)
        ]
        print(
            f"/{name}, the answer's own work timed in one more Tayori process per run: "
            f"{spread([cpu for cpu, _, _ in runs], '.2f')} ms per interaction, of which {listed} "
            f"({spread(owns, '.2f')} ms); the rest {spread(rests, '.2f')} ms, "
            f"{spread(ratios, '.2f')}x that run's {floors[0]} floor"
        )
    for name, runs in freed.items():
        ratios = [cpu / floor if floor else float("nan") for cpu, floor in runs]
        print(
            f"/{name} with {args.free} answered from memory (the same draft every time): "
            f"{spread([cpu for cpu, _ in runs], '.2f')} ms per interaction, "
            f"{spread(ratios, '.2f')}x that run's {floors[0]} floor"
        )
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300, help="interactions per command and mode")
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=20, help="interactions before measuring")
    parser.add_argument("--runs", type=int, default=1, help="measure everything this many times")
    parser.add_argument(
        "--floor",
        default="interaction",
        help="interaction (issue #18's floor), replay (the floor before) or both, comma-separated",
    )
    parser.add_argument(
        "--breakdown",
        action="store_true",
        help=f"also time the answer's own steps ({', '.join(BREAKDOWN)})",
    )
    parser.add_argument(
        "--free",
        default="",
        help="with --breakdown: also measure with these steps answering from memory, "
        "e.g. check_message,render",
    )
    parser.add_argument(
        "--commands",
        default=",".join(name for name, _ in CASES),
        help="comma-separated commands to measure, e.g. about,check-draft (default: all)",
    )
    args = parser.parse_args()
    names = [name for name, _ in CASES if name in args.commands.split(",")]
    if not names:
        parser.error(f"--commands: none of {[name for name, _ in CASES]}")
    steps_known = {step for spec in BREAKDOWN.values() for step in spec.split(":")[1].split(",")}
    if args.free and (not args.breakdown or set(args.free.split(",")) - steps_known):
        parser.error(f"--free needs --breakdown and names among {sorted(steps_known)}")
    floors = [kind for kind in FLOORS if kind in args.floor.split(",")]
    if not floors or set(args.floor.split(",")) - set(FLOORS):
        parser.error(f"--floor: one or more of {list(FLOORS)}")
    sys.exit(asyncio.run(main(args, names, floors)))
