"""End to end: `python -m bot` SIGKILLed while reminders are due; after a restart each arrives once.

The subprocess runs on the real wall clock, so the reminders are written straight into its
database with due times around now: some already due, some falling due during the run.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta

from bot.core.clock import SystemClock
from bot.store import open_store

DUE_NOW = 150
DUE_SOON = 150
NOTE = re.compile(r"crash-\d{3}")


def delivered_notes(fake) -> Counter[str]:
    return Counter(m for dm in fake.dms("haruto") for m in NOTE.findall(dm.content))


async def test_sigkill_while_reminders_are_due_loses_none_and_repeats_at_most_one(fake_discord):
    db = fake_discord.tmpdir / "crash.sqlite3"
    haruto = fake_discord.user("haruto").id
    clock = SystemClock()
    async with open_store(db, clock) as store:
        # Equal start and end: no quiet window, whatever the wall clock says.
        await store.set_user_settings(haruto, quiet_start="00:00", quiet_end="00:00")
        now = clock.now()
        for i in range(DUE_NOW + DUE_SOON):
            due = now - timedelta(minutes=1) if i < DUE_NOW else now + timedelta(seconds=1 + i % 3)
            await store.add_reminder(
                haruto, "at", due, "ja", note=f"crash-{i:03d}", max_pending=10**6
            )
    expected = {f"crash-{i:03d}" for i in range(DUE_NOW + DUE_SOON)}

    first = await fake_discord.start_process(database_path=db)
    await fake_discord.wait_until(lambda: sum(delivered_notes(fake_discord).values()) >= 20, 20)
    assert await first.kill() < 0
    seen_at_kill = delivered_notes(fake_discord)
    assert len(seen_at_kill) < len(expected), "killed while reminders were still due"

    second = await fake_discord.start_process(database_path=db)
    await fake_discord.wait_until(lambda: set(delivered_notes(fake_discord)) == expected, 30)
    await fake_discord.wait_quiet(0.3)
    counts = delivered_notes(fake_discord)
    repeated = {note: n for note, n in counts.items() if n > 1}
    assert len(repeated) <= 1 and all(n == 2 for n in repeated.values()), repeated
    async with open_store(db, clock) as store:
        assert await store.pending_for(haruto) == []
        assert await store.due_reminders(clock.now() + timedelta(days=1)) == []
    assert await second.stop() == 0
