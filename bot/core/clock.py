"""Time as an injected dependency: the real clock in production, a settable one in tests."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Tells the time (aware UTC) and waits; everything time-dependent takes one."""

    def now(self) -> datetime:
        """Return the current time, timezone-aware, in UTC."""
        ...

    async def sleep_until(self, when: datetime, wake: asyncio.Event) -> None:
        """Return at `when`, or earlier when `wake` is set."""
        ...


class SystemClock:
    """The wall clock."""

    def now(self) -> datetime:
        """Return the current time in UTC."""
        return datetime.now(UTC)

    async def sleep_until(self, when: datetime, wake: asyncio.Event) -> None:
        """Sleep until `when` or until `wake` is set, whichever comes first."""
        delay = max(0.0, (when - self.now()).total_seconds())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), timeout=delay)


class FakeClock:
    """A clock that moves only when told to; sleepers wake when it passes their time."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 1, 5, 3, 0, tzinfo=UTC)
        self._moved = asyncio.Event()

    def now(self) -> datetime:
        """Return the fake current time."""
        return self._now

    def advance(self, delta: timedelta) -> None:
        """Move time forward by `delta` and wake sleepers."""
        self.set(self._now + delta)

    def set(self, when: datetime) -> None:
        """Jump to `when` and wake sleepers."""
        self._now = when
        self._moved.set()
        self._moved = asyncio.Event()

    async def sleep_until(self, when: datetime, wake: asyncio.Event) -> None:
        """Return once fake time reaches `when`, or when `wake` is set."""
        while self._now < when and not wake.is_set():
            waiters = {
                asyncio.ensure_future(self._moved.wait()),
                asyncio.ensure_future(wake.wait()),
            }
            try:
                await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for task in waiters:
                    task.cancel()
                await asyncio.gather(*waiters, return_exceptions=True)


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    """Build an aware UTC datetime: `utc(2026, 1, 5, 9)`."""
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
