import asyncio
from datetime import timedelta

import pytest

from bot.core.clock import FakeClock, utc
from bot.services.reminders import CONCURRENCY, ReminderService
from bot.services.transport import ChannelGone, Delivery, DmClosed, Transient
from bot.store import Store, StoreError


class RecordingTransport:
    """A transport that records deliveries and fails as told (a narrow test double)."""

    def __init__(self):
        self.dms: list[Delivery] = []
        self.notices: list[tuple[int, Delivery]] = []
        self.deleted_notices: list[tuple[int, int]] = []
        self.dm_error: Exception | None = None
        self.channel_error: Exception | None = None
        self.sent = asyncio.Event()
        self.looked: list[tuple[object, int]] = []  # (channel or "dm", reminder id)

    async def send_dm(self, delivery):
        if self.dm_error:
            raise self.dm_error
        self.dms.append(delivery)
        self.sent.set()
        return 7000 + delivery.reminder.user_id  # the DM channel's id

    async def send_channel_notice(self, channel_id, delivery):
        if self.channel_error:
            raise self.channel_error
        self.notices.append((channel_id, delivery))
        return 9000 + len(self.notices)  # the posted message's id

    async def find_dm(self, delivery):
        """As Discord's history would show it: the DM is there if it was sent."""
        self.looked.append(("dm", delivery.reminder.id))
        sent = any(d.reminder.id == delivery.reminder.id for d in self.dms)
        return 7000 + delivery.reminder.user_id if sent else None

    async def find_notice(self, channel_id, delivery):
        self.looked.append((channel_id, delivery.reminder.id))
        for n, (channel, posted) in enumerate(self.notices, 1):
            if channel == channel_id and posted.reminder.id == delivery.reminder.id:
                return 9000 + n
        return None

    async def delete_notices(self, notices):
        self.deleted_notices += notices


@pytest.fixture
async def setup(db_url):
    clock = FakeClock(utc(2026, 3, 10, 3, 0))  # 12:00 in Tokyo: outside quiet hours
    store = await Store.open(db_url, clock)
    transport = RecordingTransport()
    yield store, clock, transport, ReminderService(store, clock, transport)
    await store.close()


async def test_due_reminder_is_sent_once(setup):
    store, clock, transport, service = setup
    r = await store.add_reminder(1, "at", clock.now() + timedelta(minutes=5), "ja")
    assert await service.deliver_due() == 0
    clock.advance(timedelta(minutes=5))
    assert await service.deliver_due() == 1
    assert await service.deliver_due() == 0
    assert [d.reminder.id for d in transport.dms] == [r.id]
    assert transport.dms[0].late == timedelta(0) and not transport.dms[0].missed
    assert (await store.reminder(r.id)).state == "delivered"


async def test_quiet_hours_delay_delivery_until_they_end(setup):
    store, clock, transport, service = setup
    clock.set(utc(2026, 3, 10, 15, 0))  # 00:00 in Tokyo
    r = await store.add_reminder(1, "at", clock.now(), "ja")
    await service.deliver_due()
    assert transport.dms == []
    assert (await store.reminder(r.id)).due_at == utc(2026, 3, 10, 23, 0)  # 08:00 Tokyo
    clock.set(utc(2026, 3, 10, 23, 0))
    await service.deliver_due()
    assert len(transport.dms) == 1


async def test_dm_closed_without_the_users_consent_posts_nothing(setup):
    """The notice is opt-in per user: a server's reminder channel alone is not enough."""
    store, clock, transport, service = setup
    await store.set_reminder_channel(77, 555)
    r = await store.add_reminder(1, "at", clock.now(), "ja", guild_id=77)
    transport.dm_error = DmClosed()
    await service.deliver_due()
    assert transport.notices == []
    assert [h.id for h in await store.held_for(1)] == [r.id]


async def test_dm_closed_falls_back_to_the_server_channel(setup):
    store, clock, transport, service = setup
    await store.set_reminder_channel(77, 555)
    await store.set_user_settings(1, channel_notice=1)
    await store.add_reminder(1, "at", clock.now(), "ja", guild_id=77)
    transport.dm_error = DmClosed()
    await service.deliver_due()
    assert [c for c, _ in transport.notices] == [555]
    [held] = await store.held_for(1)
    assert held.state == "held", "only a notice went out: the reminder itself waits for them"
    assert (held.notice_channel_id, held.notice_message_id) == (555, 9001), "kept, to delete it"
    assert await store.notices_for(1) == [(555, 9001)] and await store.notices_for(2) == []


async def test_dm_closed_without_channel_is_held_for_next_use(setup):
    store, clock, transport, service = setup
    r = await store.add_reminder(1, "at", clock.now(), "ja", guild_id=77)
    transport.dm_error = DmClosed()
    await service.deliver_due()
    assert [h.id for h in await store.held_for(1)] == [r.id]


async def test_deleted_channel_clears_the_setting_and_holds(setup):
    store, clock, transport, service = setup
    await store.set_reminder_channel(77, 555)
    await store.set_user_settings(1, channel_notice=1)
    r = await store.add_reminder(1, "at", clock.now(), "ja", guild_id=77)
    transport.dm_error, transport.channel_error = DmClosed(), ChannelGone()
    await service.deliver_due()
    assert (await store.guild_settings(77)).reminder_channel_id is None
    assert (await store.reminder(r.id)).state == "held"


async def test_transient_failures_back_off_then_succeed(setup):
    store, clock, transport, service = setup
    r = await store.add_reminder(1, "at", clock.now(), "ja")
    transport.dm_error = Transient("503")
    await service.deliver_due()
    first_retry = (await store.reminder(r.id)).due_at
    assert first_retry == clock.now() + timedelta(seconds=30)
    transport.dm_error = None
    clock.set(first_retry)
    await service.deliver_due()
    assert (await store.reminder(r.id)).state == "delivered"


async def test_late_and_missed_are_reported(setup):
    store, clock, transport, service = setup
    await store.add_reminder(1, "at", clock.now() - timedelta(hours=3), "ja")
    await store.add_reminder(1, "at", clock.now() - timedelta(days=8), "ja")
    await service.deliver_due()
    got = sorted(transport.dms, key=lambda d: d.reminder.due_at)
    assert got[0].missed and not got[1].missed
    assert got[1].late == timedelta(hours=3)


async def test_run_sleeps_until_next_due_and_wakes_for_new_ones(setup):
    store, clock, transport, service = setup
    task = asyncio.create_task(service.run())
    try:
        await asyncio.wait_for(service.idle.wait(), 2)
        await store.add_reminder(1, "at", clock.now() + timedelta(minutes=1), "ja")
        service.wake()
        clock.advance(timedelta(minutes=1))
        await asyncio.wait_for(transport.sent.wait(), 2)
        assert len(transport.dms) == 1
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_a_reminder_due_after_the_schedulers_next_look_does_not_wake_it(setup):
    store, clock, transport, service = setup
    looked = asyncio.Event()
    real = store.next_due

    async def counted():
        looked.set()
        return await real()

    store.next_due = counted
    task = asyncio.create_task(service.run())
    try:
        # asleep until an hour from now (SQLite), or 30 s (PostgreSQL: SHARED_POLL)
        await asyncio.wait_for(service.idle.wait(), 2)
        looked.clear()
        await service.add(1, "at", clock.now() + timedelta(hours=2), "ja")
        await service.after_send(2, 7, "ja", None)
        for _ in range(20):
            await asyncio.sleep(0)
        assert not looked.is_set(), "it looks again before they are due anyway"
        await service.add(3, "at", clock.now() + timedelta(seconds=10), "ja")  # sooner: woken
        await asyncio.wait_for(looked.wait(), 2)
        clock.advance(timedelta(seconds=10))
        await asyncio.wait_for(transport.sent.wait(), 2)
        assert [d.reminder.user_id for d in transport.dms] == [3]
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_lateness_survives_a_quiet_hours_deferral(setup):
    store, clock, transport, service = setup
    clock.set(utc(2026, 3, 10, 15, 0))  # 00:00 in Tokyo, after the bot was down for 10 days
    await store.add_reminder(1, "at", clock.now() - timedelta(days=10), "ja")
    await store.add_reminder(1, "at", clock.now(), "ja")
    await service.deliver_due()
    assert transport.dms == [], "nothing during quiet hours"
    clock.set(utc(2026, 3, 10, 23, 0))  # 08:00 in Tokyo
    await service.deliver_due()
    late, on_time = sorted(transport.dms, key=lambda d: d.reminder.first_due)
    assert late.missed, "ten days late is a missed notice even after waiting for quiet hours"
    assert not on_time.missed and on_time.late == timedelta(0), "quiet hours are not lateness"


async def test_the_scheduler_survives_a_store_error_and_recovers_stale_claims(setup, monkeypatch):
    store, clock, transport, service = setup
    stuck = await store.add_reminder(1, "at", clock.now(), "ja")
    await store.claim(stuck.id)  # a send whose "delivered" write failed, long ago
    clock.advance(timedelta(minutes=11))
    real_next_due = store.next_due
    failures = iter([StoreError("disk I/O error")])
    failed = asyncio.Event()

    async def flaky_next_due():
        for failure in failures:
            failed.set()
            raise failure
        return await real_next_due()

    monkeypatch.setattr(store, "next_due", flaky_next_due)
    task = asyncio.create_task(service.run())
    try:
        await asyncio.wait_for(transport.sent.wait(), 2)  # the start-up recovery sent it
        await asyncio.wait_for(failed.wait(), 2)  # then the store failed: it backs off
        transport.sent.clear()
        again = await store.add_reminder(1, "at", clock.now(), "ja")
        await store.claim(again.id)
        clock.advance(timedelta(seconds=30))  # past the store back-off
        clock.advance(timedelta(minutes=11))  # the claim is stale now
        service.wake()
        await asyncio.wait_for(transport.sent.wait(), 2)
        assert [d.reminder.id for d in transport.dms] == [stuck.id, again.id]
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_a_stop_during_a_send_lets_the_delivery_record_its_outcome(setup):
    store, clock, transport, service = setup
    r = await store.add_reminder(1, "at", clock.now(), "ja")
    entered, release = asyncio.Event(), asyncio.Event()
    real_send = transport.send_dm

    async def slow_send(delivery):
        entered.set()
        await release.wait()  # the DM is on its way when the bot is told to stop
        await real_send(delivery)

    transport.send_dm = slow_send
    running = asyncio.create_task(service.deliver_due())
    await entered.wait()
    running.cancel()
    await asyncio.sleep(0)
    release.set()
    with pytest.raises(asyncio.CancelledError):
        await running
    assert (await store.reminder(r.id)).state == "delivered", "not sent again after a restart"
    assert len(transport.dms) == 1


async def test_a_notice_posted_while_its_user_deletes_their_data_is_deleted(setup):
    store, clock, transport, service = setup
    await store.set_reminder_channel(77, 555)
    await store.set_user_settings(1, channel_notice=1)
    await store.add_reminder(1, "at", clock.now(), "ja", guild_id=77)
    transport.dm_error = DmClosed()
    real_notice = transport.send_channel_notice

    async def notice_then_deleted(channel_id, delivery):
        posted = await real_notice(channel_id, delivery)
        await store.delete_user(1)  # /privacy delete lands while the notice is on its way
        return posted

    transport.send_channel_notice = notice_then_deleted
    await service.deliver_due()
    assert transport.deleted_notices == [(555, 9001)], "no row keeps it: deleted at once"


async def test_every_write_through_the_service_wakes_the_scheduler(setup):
    """The service owns the invariant: no caller has to remember to wake it."""
    store, clock, _, service = setup

    def woke() -> bool:
        was = service._wake.is_set()
        service._wake.clear()
        return was

    added = await service.add(1, "at", clock.now() + timedelta(hours=1), "ja")
    assert woke()
    logged = await service.after_send(1, 7, "ja", None)
    assert woke() and logged.due > clock.now() and logged.interrupted_days is None
    assert await service.cancel(1, [added.id]) == 1
    assert woke()
    delivered = await store.add_reminder(2, "at", clock.now(), "ja")
    await service.deliver_due()
    assert await service.snooze(2, delivered.id, clock.now() + timedelta(days=1))
    assert woke()
    assert await service.close(2, delivered.id)
    assert woke()


async def test_a_burst_goes_out_several_at_a_time_each_once(setup):
    store, clock, transport, service = setup
    ids = [(await store.add_reminder(u, "at", clock.now(), "ja")).id for u in range(1, 31)]
    in_flight, most, full = 0, 0, asyncio.Event()
    real_send = transport.send_dm

    async def counted(delivery):
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        if in_flight == CONCURRENCY:
            full.set()
        await asyncio.wait_for(full.wait(), 2)  # the first requests wait on the wire together
        in_flight -= 1
        return await real_send(delivery)

    transport.send_dm = counted
    assert await service.deliver_due() == 30
    assert CONCURRENCY > 1 and most == CONCURRENCY, "deliveries overlap, up to the bound"
    assert sorted(d.reminder.id for d in transport.dms) == ids, "every one, once"
    assert {(await store.reminder(i)).state for i in ids} == {"delivered"}


async def test_a_stop_mid_burst_leaves_no_claim_behind(setup):
    store, clock, transport, service = setup
    ids = [(await store.add_reminder(u, "at", clock.now(), "ja")).id for u in range(1, 31)]
    started, all_started, release = 0, asyncio.Event(), asyncio.Event()
    real_send = transport.send_dm

    async def slow(delivery):
        nonlocal started
        started += 1
        if started == CONCURRENCY:
            all_started.set()
        await release.wait()
        return await real_send(delivery)

    transport.send_dm = slow
    running = asyncio.create_task(service.deliver_due())
    await asyncio.wait_for(all_started.wait(), 2)
    running.cancel()
    await asyncio.sleep(0)
    release.set()
    with pytest.raises(asyncio.CancelledError):
        await running
    states = [(await store.reminder(i)).state for i in ids]
    assert states.count("delivered") == len(transport.dms) == CONCURRENCY
    assert set(states) == {"delivered", "pending"}, "none left claimed, so none sent twice"


async def test_the_dm_channel_is_remembered_so_the_next_reminder_is_one_request(setup):
    store, clock, transport, service = setup
    await store.add_reminder(1, "at", clock.now(), "ja")
    await service.deliver_due()
    assert transport.dms[0].dm_channel_id is None, "unknown the first time"
    assert (await store.user_settings(1)).dm_channel_id == 7001
    await store.add_reminder(1, "at", clock.now(), "ja")
    await service.deliver_due()
    assert transport.dms[1].dm_channel_id == 7001


async def test_a_dm_channel_is_not_kept_for_a_user_who_deleted_their_data_meanwhile(setup):
    store, clock, transport, service = setup
    await store.add_reminder(1, "at", clock.now(), "ja")
    real_send = transport.send_dm

    async def deleted_meanwhile(delivery):
        sent = await real_send(delivery)
        await store.delete_user(1)  # /privacy delete lands while the DM is on its way
        return sent

    transport.send_dm = deleted_meanwhile
    await service.deliver_due()
    assert not any((await store.export_user(1)).values())


async def closed_dms_with_a_channel(store, transport, user: int = 1) -> None:
    await store.set_reminder_channel(77, 555)
    await store.set_user_settings(user, channel_notice=1)
    transport.dm_error = DmClosed()


async def test_reminders_due_together_share_one_notice_per_user_and_channel(setup):
    store, clock, transport, service = setup
    await closed_dms_with_a_channel(store, transport)
    for i in range(25):
        await store.add_reminder(1, "at", clock.now(), "ja", guild_id=77, note=f"n{i}")
    await service.deliver_due()
    assert len(transport.notices) == 1, "one ping for the lot"
    held = await store.held_for(1)
    assert len(held) == 25 and {(h.notice_channel_id, h.notice_message_id) for h in held} == {
        (555, 9001)
    }
    assert await store.notices_for(1) == [(555, 9001)]
    assert transport.looked == [], "nothing was tried before: no look at the history"
    for h in held:  # the user sees them: the next one pings again
        await store.mark_delivered(h.id)
    await store.add_reminder(1, "at", clock.now(), "ja", guild_id=77)
    await service.deliver_due()
    assert len(transport.notices) == 2


async def test_a_dm_sent_before_a_crash_is_found_and_not_sent_again(setup):
    store, clock, transport, service = setup
    r = await store.add_reminder(1, "at", clock.now(), "ja")
    await store.claim(r.id)
    transport.dms.append(Delivery(r, None, False))  # it went out; then the process died
    assert await store.recover_in_flight() == 1
    await service.deliver_due()
    assert transport.looked == [("dm", r.id)]
    assert len(transport.dms) == 1 and (await store.reminder(r.id)).state == "delivered"
    assert (await store.user_settings(1)).dm_channel_id == 7001


async def test_a_notice_posted_before_a_crash_is_found_and_kept(setup):
    store, clock, transport, service = setup
    await closed_dms_with_a_channel(store, transport)
    r = await store.add_reminder(1, "at", clock.now(), "ja", guild_id=77)
    await store.claim(r.id)
    transport.notices.append((555, Delivery(r, None, False)))  # posted; the process died
    await store.recover_in_flight()
    await service.deliver_due()
    assert transport.looked == [("dm", r.id), (555, r.id)]
    assert len(transport.notices) == 1, "not posted again"
    held = await store.reminder(r.id)
    assert (held.state, held.notice_message_id) == ("held", 9001), "privacy delete finds it"
    assert await store.notices_for(1) == [(555, 9001)]


async def test_a_reminder_tried_before_and_not_found_is_sent(setup):
    store, clock, transport, service = setup
    r = await store.add_reminder(1, "at", clock.now(), "ja")
    await store.claim(r.id)
    await store.recover_in_flight()
    await service.deliver_due()
    assert transport.looked == [("dm", r.id)] and len(transport.dms) == 1
