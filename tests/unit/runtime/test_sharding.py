"""Pacing IDENTIFYs as Discord asks: `max_concurrency` buckets, one IDENTIFY per bucket per 5 s."""

from bot.runtime.sharding import IdentifyGate


class Stopwatch:
    """Time that moves only when the gate sleeps (nothing waits for real)."""

    def __init__(self) -> None:
        self.t = 100.0
        self.slept: list[float] = []

    def now(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.t += seconds


async def test_one_bucket_identifies_every_five_seconds():
    clock = Stopwatch()
    gate = IdentifyGate(1, now=clock.now, sleep=clock.sleep)
    for shard in range(3):
        await gate.wait(shard)
    assert clock.slept == [5.0, 5.0]


async def test_shards_in_different_buckets_identify_together():
    clock = Stopwatch()
    gate = IdentifyGate(4, now=clock.now, sleep=clock.sleep)
    for shard in range(4):
        await gate.wait(shard)
    assert clock.slept == []
    clock.t += 2.0
    await gate.wait(4)  # bucket 0 again, 2 s after shard 0
    assert clock.slept == [3.0]


async def test_a_bucket_idle_for_long_identifies_at_once():
    clock = Stopwatch()
    gate = IdentifyGate(1, now=clock.now, sleep=clock.sleep)
    await gate.wait(0)
    clock.t += 60
    await gate.wait(0)  # a re-identify much later
    assert clock.slept == []
