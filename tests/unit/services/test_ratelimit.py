import asyncio
import itertools
from datetime import timedelta

import pytest

from bot.core.clock import FakeClock, utc
from bot.services.ratelimit import Pacer, RateLimiter
from bot.store import Store


@pytest.fixture
async def store(db_url):
    s = await Store.open(db_url, FakeClock(utc(2026, 1, 1)))
    yield s
    await s.close()


async def test_five_writes_per_ten_seconds_then_the_wait_is_told(store):
    limiter = RateLimiter(store)
    now = utc(2026, 1, 1)
    assert [await limiter.hit(1, now + timedelta(seconds=i)) for i in range(5)] == [0.0] * 5
    assert await limiter.hit(1, now + timedelta(seconds=5)) == 5.0
    assert await limiter.hit(2, now + timedelta(seconds=5)) == 0.0, "per user"
    assert await limiter.hit(1, now + timedelta(seconds=10)) == 0.0, "the oldest left the window"


async def test_the_limit_holds_across_processes(db_url):
    """Two stores over one database stand for two processes (a server's shard and the DMs')."""
    clock = FakeClock(utc(2026, 1, 1))
    stores = [await Store.open(db_url, clock) for _ in range(2)]
    try:
        limiters = [RateLimiter(s) for s in stores]
        now = clock.now()
        waits = await asyncio.gather(*(limiters[i % 2].hit(1, now) for i in range(8)))
        assert sorted(waits) == [0.0] * 5 + [10.0] * 3, "five in all, whichever answers"
    finally:
        for s in stores:
            await s.close()


async def test_write_times_are_purged_after_a_day(store):
    limiter = RateLimiter(store)
    await limiter.hit(1, store.clock.now())
    assert (await store.export_user(1))["write_limits"] != []
    store.clock.advance(timedelta(days=1, seconds=1))
    await store.purge(diagnosis_days=90, reminder_days=30)
    assert (await store.export_user(1))["write_limits"] == []


class FakeTime:
    """A monotonic clock that moves only when the pacer sleeps."""

    def __init__(self) -> None:
        self.t = 50.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.t += seconds


async def test_the_pacer_spaces_a_burst_evenly_at_its_rate():
    time = FakeTime()
    pacer = Pacer(40, time.monotonic, time.sleep)
    turns = []
    for _ in range(100):
        await pacer.wait()
        turns.append(time.t)
    assert turns[0] == 50.0, "the first request goes at once"
    gaps = {round(b - a, 9) for a, b in itertools.pairwise(turns)}
    assert gaps == {0.025}
    assert sum(1 for t in turns if round(t, 9) < 51.0) == 40, "no second holds more than the rate"


async def test_the_pacer_does_not_wait_when_requests_are_already_slower():
    time = FakeTime()
    pacer = Pacer(45, time.monotonic, time.sleep)
    for _ in range(5):
        await pacer.wait()
        time.t += 1.0  # one request a second
    assert time.slept == []


async def requests_at_once(count: int, *, stall: float = 0.0) -> list[float]:
    """`count` requests queued together at a pacer of 10/s; return when each went out.

    With `stall`, the event loop is busy that many seconds right after they queued.
    """
    time = Sleepers()
    pacer = Pacer(10, time.monotonic, time.sleep)
    went: list[float] = []

    async def request() -> None:
        await pacer.wait()
        went.append(time.t)

    queued = [asyncio.ensure_future(request()) for _ in range(count)]
    await asyncio.sleep(0)
    time.t += stall
    await asyncio.gather(*queued)
    return went


async def test_waiters_arriving_together_get_distinct_turns():
    went = await requests_at_once(5)
    assert [round(t - 50.0, 9) for t in sorted(went)] == [0.0, 0.1, 0.2, 0.3, 0.4]


async def test_after_a_stall_no_second_holds_more_than_the_rate():
    went = await requests_at_once(40, stall=2.0)  # twenty turns were missed meanwhile
    assert len(went) == 40
    for start in went:
        assert sum(1 for t in went if start <= t < start + 1.0 - 1e-9) <= 10


class Sleepers:
    """A monotonic clock for concurrent waiters: it moves to the earliest wake-up asked for."""

    def __init__(self) -> None:
        self.t = 50.0
        self.wakes: list[tuple[float, asyncio.Future[None]]] = []

    def monotonic(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        wake = asyncio.get_running_loop().create_future()
        self.wakes.append((self.t + seconds, wake))
        asyncio.get_running_loop().call_soon(self._advance)
        await wake

    def _advance(self) -> None:
        if not self.wakes:
            return
        self.wakes.sort(key=lambda w: w[0])
        when, wake = self.wakes.pop(0)
        self.t = max(self.t, when)
        wake.set_result(None)
