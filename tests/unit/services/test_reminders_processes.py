"""Several processes run the scheduler over one PostgreSQL database: two ReminderServices,
each with its own store (its own connections) and worker id, stand for two processes."""

import asyncio
from collections import Counter
from datetime import timedelta

import pytest

from bot.core.clock import FakeClock, utc
from bot.services.reminders import LEASE, SHARED_POLL, DmClosed, ReminderService
from bot.store import Store
from tests.unit.services.test_reminders_service import RecordingTransport


@pytest.fixture
async def two(pg_url):
    clock = FakeClock(utc(2026, 3, 10, 3, 0))  # 12:00 in Tokyo: outside quiet hours
    stores = [await Store.open(pg_url, clock) for _ in range(2)]
    services = [
        ReminderService(store, clock, RecordingTransport(), worker_id=name)
        for store, name in zip(stores, ("A", "B"), strict=True)
    ]
    yield clock, services
    for store in stores:
        await store.close()


async def running(service):
    task = asyncio.create_task(service.run())
    await asyncio.wait_for(service.idle.wait(), 5)
    return task


async def stop(*tasks):
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def test_two_processes_never_deliver_the_same_reminder_twice(two):
    clock, (a, b) = two
    added = [await a.store.add_reminder(u, "at", clock.now(), "ja") for u in range(1, 121)]
    await asyncio.gather(a.deliver_due(), b.deliver_due())
    sent = Counter(d.reminder.id for s in (a, b) for d in s.transport.dms)
    assert set(sent) == {r.id for r in added} and set(sent.values()) == {1}
    assert a.transport.dms and b.transport.dms, "both took a share"
    assert {r.state for r in await a.store.due_reminders(clock.now() + LEASE)} == set()


async def test_a_dead_process_s_claim_returns_after_its_lease_and_another_sends_it(two):
    clock, (a, b) = two
    r = await a.store.add_reminder(1, "at", clock.now(), "ja")
    assert (await a.store.claim_next("A", LEASE)).id == r.id  # then A dies before sending
    task = await running(b)
    try:
        assert await b.deliver_due() == 0, "A's claim holds during its lease"
        clock.advance(LEASE - timedelta(seconds=1))
        await asyncio.sleep(0.2)
        assert b.transport.dms == []
        clock.advance(timedelta(seconds=1))
        await asyncio.wait_for(b.transport.sent.wait(), 5)
        assert [d.reminder.id for d in b.transport.dms] == [r.id]
        for _ in range(50):  # sent; marked delivered a moment later
            if (await b.store.reminder(r.id)).state == "delivered":
                break
            await asyncio.sleep(0.05)
        assert (await b.store.reminder(r.id)).state == "delivered"
    finally:
        await stop(task)


async def test_a_reminder_written_through_one_process_wakes_the_other(two):
    clock, (a, b) = two
    task = await running(b)  # B sleeps: nothing is due for SHARED_POLL at least
    try:
        await a.add(1, "at", clock.now(), "ja")  # A runs no scheduler: only B can send it
        await asyncio.wait_for(b.transport.sent.wait(), 5)  # the fake clock has not moved
        assert len(b.transport.dms) == 1 and a.transport.dms == []
    finally:
        await stop(task)


async def test_a_process_sleeps_no_longer_than_the_poll_when_the_database_is_shared(two):
    clock, (a, b) = two
    task = await running(b)
    try:
        await a.store.add_reminder(1, "at", clock.now() + timedelta(hours=2), "ja")
        b.idle.clear()
        clock.advance(SHARED_POLL)  # B looks again even without a notification
        await asyncio.wait_for(b.idle.wait(), 5)
        assert b.transport.dms == []
    finally:
        await stop(task)


class SlowNotices(RecordingTransport):
    """Posting a notice takes a while, as a request to Discord does: long enough for the
    other process to look for the user's notice before this one is recorded."""

    async def send_channel_notice(self, channel_id, delivery):
        await asyncio.sleep(0.05)
        return await super().send_channel_notice(channel_id, delivery)


async def test_one_notice_per_user_and_channel_across_processes(two):
    clock, (a, b) = two
    await a.store.set_reminder_channel(77, 555)
    await a.store.set_user_settings(1, channel_notice=1)
    for service in (a, b):
        service.attach(SlowNotices())
        service.transport.dm_error = DmClosed()
    added = [await a.store.add_reminder(1, "at", clock.now(), "ja", guild_id=77) for _ in range(6)]
    await asyncio.gather(a.deliver_due(), b.deliver_due())
    notices = [n for s in (a, b) for n in s.transport.notices]
    assert len(notices) == 1, "one ping for the user, whichever process took each reminder"
    held = await a.store.held_for(1)
    assert {r.id for r in held} == {r.id for r in added}
    assert {(r.notice_channel_id, r.notice_message_id) for r in held} == {(555, 9001)}


async def test_a_process_is_woken_by_another_process_s_write_never_by_its_own(two):
    """Each write NOTIFYs every listener; a store skips its own (its service woke already).
    Notifications reach a listener in commit order, so once A has heard B's write it would
    have heard its own earlier one."""
    clock, (a, b) = two
    heard = {"A": asyncio.Event(), "B": asyncio.Event()}
    count = Counter()

    def listener(name):
        def woken():
            count[name] += 1
            heard[name].set()

        return woken

    await a.store.listen_schedule(listener("A"))
    await b.store.listen_schedule(listener("B"))
    later = clock.now() + timedelta(hours=2)
    await a.store.add_reminder(1, "at", later, "ja")
    await asyncio.wait_for(heard["B"].wait(), 5)
    await b.store.add_reminder(2, "at", later, "ja")
    await asyncio.wait_for(heard["A"].wait(), 5)
    assert count == {"A": 1, "B": 1}
