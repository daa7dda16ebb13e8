"""The latency benchmark stays runnable (tiny sizes)."""

from __future__ import annotations

from bench.latency import floor_bot, measure, report


async def test_bench_measures_the_floor() -> None:
    result = await measure(floor_bot, "noop", n=10, concurrency=5, warmup=2)
    assert len(result.sequential.latencies) == 10 and len(result.concurrent.latencies) == 10
    assert "p99" in report("noop", result)
