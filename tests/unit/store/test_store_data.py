import asyncio
from datetime import timedelta

import pytest

from bot.core.clock import FakeClock
from bot.store import DraftHistory, LimitReached, ReadCache, Store


@pytest.fixture
async def store(db_url):
    clock = FakeClock()
    s = await Store.open(db_url, clock)
    yield s
    await s.close()


async def test_reminder_lifecycle_claims_once(store):
    now = store.clock.now()
    r = await store.add_reminder(1, "at", now + timedelta(hours=1), "ja", note="n", guild_id=9)
    assert await store.due_reminders(now) == []
    assert await store.next_due() == r.due_at
    store.clock.advance(timedelta(hours=2))
    due = await store.due_reminders(store.clock.now())
    assert [d.id for d in due] == [r.id]
    assert await store.claim(r.id) is True
    assert await store.claim(r.id) is False
    await store.mark_delivered(r.id)
    got = await store.reminder(r.id)
    assert got.state == "delivered" and got.attempts == 1 and got.delivered_at is not None
    assert await store.due_reminders(store.clock.now()) == []


async def test_crash_between_claim_and_mark_is_recovered(store):
    r = await store.add_reminder(1, "at", store.clock.now(), "ja")
    assert await store.claim(r.id)
    assert await store.recover_in_flight() == 1
    assert [d.id for d in await store.due_reminders(store.clock.now())] == [r.id]


async def test_pending_limit_and_cancel_only_own(store):
    due = store.clock.now() + timedelta(days=1)
    for _ in range(3):
        await store.add_reminder(1, "at", due, "ja", max_pending=3)
    with pytest.raises(LimitReached):
        await store.add_reminder(1, "at", due, "ja", max_pending=3)
    first = (await store.pending_for(1))[0]
    assert await store.cancel_reminder(2, first.id) is False
    assert await store.cancel_reminder(1, first.id) is True
    assert len(await store.pending_for(1)) == 2
    await store.add_reminder(1, "at", due, "ja", max_pending=3)


async def test_a_deleted_reminders_id_is_never_given_again(store):
    due = store.clock.now() + timedelta(days=1)
    first = await store.add_reminder(1, "after-send", due, "ja")
    await store.delete_user(1)
    again = await store.add_reminder(1, "after-send", due, "ja")
    assert again.id > first.id, "a button on the deleted reminder must not reach the new one"
    assert await store.close_reminder(1, first.id, "replied") is False
    assert [r.id for r in await store.pending_for(1)] == [again.id]


async def test_after_send_window_closes_when_they_replied(store):
    assert await store.after_send_window(1) is None
    now = store.clock.now()
    r = await store.add_reminder(1, "after-send", now + timedelta(days=3), "ja")
    assert await store.after_send_window(1) == (now, now + timedelta(days=3))
    await store.close_reminder(1, r.id, "replied")
    assert await store.after_send_window(1) is None


async def test_draft_history_is_the_open_after_send_window_and_latest_top_reason(store):
    assert await store.draft_history(1) == DraftHistory()
    await store.add_diagnosis(1, {"q1": "a"}, ["busy", "cooled"])
    store.clock.advance(timedelta(hours=1))
    await store.add_diagnosis(1, {"q1": "b"}, ["waiting", "busy"])
    await store.add_diagnosis(2, {"q1": "b"}, ["cooled"])
    assert await store.draft_history(1) == DraftHistory(top_reason="waiting")
    now = store.clock.now()
    old = await store.add_reminder(1, "after-send", now + timedelta(days=3), "ja")
    store.clock.advance(timedelta(minutes=5))
    await store.add_reminder(1, "at", now + timedelta(days=1), "ja")
    await store.add_reminder(2, "after-send", now + timedelta(days=9), "ja")
    assert await store.draft_history(1) == DraftHistory(
        sent_at=now, check_in=now + timedelta(days=3), top_reason="waiting"
    )
    await store.close_reminder(1, old.id, "replied")
    assert await store.draft_history(1) == DraftHistory(top_reason="waiting")
    assert await store.draft_history(3) == DraftHistory()


@pytest.fixture
async def sqlite_store(tmp_path):
    s = await Store.open(tmp_path / "t.db", FakeClock())
    yield s
    await s.close()


async def test_hot_reads_are_kept_until_any_write(sqlite_store):
    store = sqlite_store
    await store.add_diagnosis(1, {"q1": "a"}, ["busy"])
    assert store.cached_draft_history(1) is None
    first = await store.draft_history(1)
    assert store.cached_draft_history(1) == first == DraftHistory(top_reason="busy")
    assert await store.held_for(1) == [] and store.cache.get("held", 1) == []
    await store.add_diagnosis(2, {"q1": "a"}, ["cooled"])  # anyone's write drops them all
    assert store.cached_draft_history(1) is None and store.cache.get("held", 1) is None
    await store.add_diagnosis(1, {"q1": "b"}, ["waiting"])
    assert (await store.draft_history(1)).top_reason == "waiting"
    await store.held_for(1)
    await store.beat()  # every 30 s: writes that cannot change the kept rows keep the cache
    await store.set_user_settings(1, timezone="Asia/Tokyo")
    await store.set_reminder_channel(5, 6)
    await store.forget_guild(5)
    assert store.cached_draft_history(1) is not None and store.cache.get("held", 1) == []


async def test_who_has_held_reminders_is_read_once_for_everyone(sqlite_store, monkeypatch):
    store = sqlite_store
    r = await store.add_reminder(1, "at", store.clock.now(), "ja")
    assert await store.claim(r.id)
    await store.hold(r.id)
    reads: list[str] = []
    real = store._all

    async def counted(sql, params=()):
        reads.append(sql)
        return await real(sql, params)

    monkeypatch.setattr(store, "_all", counted)
    assert [h.id for h in await store.held_for(1)] == [r.id]  # who has any, then user 1's
    assert await store.held_for(2) == [] and await store.held_for(3) == []
    assert len(reads) == 2, "users without a held reminder cost no read"
    other = await store.add_reminder(2, "at", store.clock.now(), "ja")
    assert await store.claim(other.id)
    await store.hold(other.id)  # a write: what was read is read again
    assert [h.id for h in await store.held_for(2)] == [other.id]


async def test_with_postgresql_nothing_is_kept_other_processes_write_too(pg_url):
    store = await Store.open(pg_url, FakeClock())
    try:
        await store.add_diagnosis(1, {"q1": "a"}, ["busy"])
        assert (await store.draft_history(1)).top_reason == "busy"
        assert await store.held_for(1) == []
        assert store.cached_draft_history(1) is None and store.cache.get("held", 1) is None
    finally:
        await store.close()


async def test_a_read_that_overlaps_a_write_is_not_kept(sqlite_store, monkeypatch):
    store = sqlite_store
    await store.add_diagnosis(1, {"q1": "a"}, ["busy"])
    started, release = asyncio.Event(), asyncio.Event()
    real = store._read_draft_history

    async def paused(user_id):
        found = await real(user_id)  # what the database said before the write
        started.set()
        await release.wait()
        return found

    monkeypatch.setattr(store, "_read_draft_history", paused)
    reading = asyncio.create_task(store.draft_history(1))
    await started.wait()
    await store.add_diagnosis(1, {"q1": "b"}, ["cooled"])
    release.set()
    assert (await reading).top_reason == "busy"
    assert store.cached_draft_history(1) is None, "the read began before the write: not kept"
    monkeypatch.undo()
    assert (await store.draft_history(1)).top_reason == "cooled"
    assert store.cached_draft_history(1) == DraftHistory(top_reason="cooled")


async def test_a_reminder_write_keeps_what_it_cannot_change_and_the_log_it_made(sqlite_store):
    store = sqlite_store
    await store.add_diagnosis(1, {"q1": "a"}, ["busy"])
    assert await store.draft_history(1) == DraftHistory(top_reason="busy")
    assert await store.held_for(2) == []
    week = timedelta(days=7)
    await store.add_reminder(1, "after-send", store.clock.now() + week, "ja")
    assert store.cache.get("held", 2) == [], "a pending reminder holds nothing"
    kept = store.cached_draft_history(1)  # the log just written, as a read would find it
    assert kept is not None and kept == await store._read_draft_history(1)
    assert kept.sent_at == store.clock.now() and kept.top_reason == "busy"
    store.clock.advance(timedelta(days=1))
    assert await store.restart_after_send(1, store.clock.now() + week)
    assert store.cached_draft_history(1) == await store._read_draft_history(1)
    assert store.cached_draft_history(1).check_in == store.clock.now() + week
    await store.add_reminder(1, "at", store.clock.now() + week, "ja")  # not a log: kept as is
    assert store.cached_draft_history(1) == await store._read_draft_history(1)
    assert await store.restart_after_send(1, store.clock.now() + week)  # the same second: read
    assert store.cached_draft_history(1) is None
    assert (await store.draft_history(1)).check_in == store.clock.now() + week


async def test_a_log_is_not_kept_when_another_write_ran_meanwhile(sqlite_store, monkeypatch):
    store = sqlite_store
    await store.add_diagnosis(1, {"q1": "a"}, ["busy"])
    await store.draft_history(1)
    real = store.driver.run

    async def with_a_diagnosis_meanwhile(steps, **kwargs):
        monkeypatch.setattr(store.driver, "run", real)
        await store.add_diagnosis(1, {"q1": "b"}, ["cooled"])
        return await real(steps, **kwargs)

    monkeypatch.setattr(store.driver, "run", with_a_diagnosis_meanwhile)
    await store.add_reminder(1, "after-send", store.clock.now() + timedelta(days=7), "ja")
    assert store.cached_draft_history(1) is None, "its top reason changed meanwhile"
    assert (await store.draft_history(1)).top_reason == "cooled"


async def test_a_refused_reminder_writes_nothing_in_its_one_transaction(store):
    for _ in range(3):
        await store.add_reminder(1, "at", store.clock.now(), "ja", max_pending=3)
    with pytest.raises(LimitReached):
        await store.add_reminder(1, "at", store.clock.now(), "ja", max_pending=3)
    assert len(await store.pending_for(1)) == 3
    await store.add_reminder(2, "at", store.clock.now(), "ja")  # the store writes on after it


def test_the_read_cache_keeps_the_latest_users_only():
    cache = ReadCache(size=2)
    for user in (1, 2):
        cache.put("draft", user, DraftHistory(), cache.generation)
    assert cache.get("draft", 1) == DraftHistory()  # 1 was used last, so 2 goes first
    cache.put("draft", 3, DraftHistory(), cache.generation)
    assert [cache.get("draft", u) for u in (1, 2, 3)] == [DraftHistory(), None, DraftHistory()]


async def test_a_held_reminder_is_purged_after_the_retention_like_a_delivered_one(store):
    r = await store.add_reminder(1, "at", store.clock.now(), "ja", note="メモ")
    assert await store.claim(r.id)
    await store.hold(r.id)
    store.clock.advance(timedelta(days=29))
    assert await store.purge(diagnosis_days=90, reminder_days=30) == 0
    store.clock.advance(timedelta(days=1, seconds=1))
    assert await store.purge(diagnosis_days=90, reminder_days=30) == 1
    assert await store.held_for(1) == []


async def test_the_purge_names_the_notices_of_the_rows_it_will_delete(store):
    r = await store.add_reminder(1, "at", store.clock.now(), "ja")
    assert await store.claim(r.id)
    await store.hold(r.id, notice=(555, 9001))
    store.clock.advance(timedelta(days=30))
    assert await store.expiring_notices(30) == []
    store.clock.advance(timedelta(seconds=1))
    assert await store.expiring_notices(30) == [(555, 9001)]
    assert await store.purge(diagnosis_days=90, reminder_days=30) == 1
    assert await store.expiring_notices(30) == [] and await store.notices_for(1) == []


async def test_held_then_snoozed(store):
    r = await store.add_reminder(1, "at", store.clock.now(), "ja")
    await store.claim(r.id)
    await store.hold(r.id)
    assert [h.id for h in await store.held_for(1)] == [r.id]
    assert await store.due_reminders(store.clock.now()) == []
    later = store.clock.now() + timedelta(hours=1)
    assert await store.snooze_reminder(1, r.id, later)
    assert (await store.reminder(r.id)).state == "pending"


async def test_one_questionnaire_finished_twice_is_kept_once(store):
    started = store.clock.now()
    first = await store.add_diagnosis(1, {"q1": "a"}, ["busy"], started)
    assert first > 0
    assert await store.add_diagnosis(1, {"q1": "a"}, ["busy"], started) == 0
    assert await store.add_diagnosis(1, {"q1": "b"}, ["cooled"], started) > 0, "other answers"
    assert await store.add_diagnosis(1, {"q1": "a"}, ["busy"]) > 0, "no start time: kept"
    assert len(await store.diagnoses_for(1)) == 3


async def test_diagnoses_round_trip_and_purge(store):
    await store.add_diagnosis(1, {"q1": "a"}, ["busy", "cooled"])
    store.clock.advance(timedelta(days=1))
    await store.add_diagnosis(1, {"q1": "b"}, ["waiting"])
    got = await store.diagnoses_for(1)
    assert [d.ranking[0] for d in got] == ["waiting", "busy"]
    store.clock.advance(timedelta(days=90))
    assert await store.purge(diagnosis_days=90, reminder_days=30) == 1
    assert [d.ranking[0] for d in await store.diagnoses_for(1)] == ["waiting"]


async def test_export_and_delete_every_row_about_a_user(store):
    uid = 424242
    await store.set_user_settings(uid, timezone="Asia/Tokyo", pace_gap_minutes=180)
    await store.add_diagnosis(uid, {"q": "a"}, ["busy"])
    await store.add_reminder(uid, "at", store.clock.now(), "ja", note="note")
    await store.add_reminder(7, "at", store.clock.now(), "ja")
    exported = await store.export_user(uid)
    assert {k: len(v) for k, v in exported.items()} == {
        "user_settings": 1,
        "diagnoses": 1,
        "reminders": 1,
        "write_limits": 0,
    }
    summary = {s.kind: s.count for s in await store.user_summary(uid)}
    assert summary == {"settings": 1, "diagnoses": 1, "reminders": 1}
    assert await store.delete_user(uid) == 3
    assert not any((await store.export_user(uid)).values())
    assert len(await store.pending_for(7)) == 1


async def test_concurrent_writers_do_not_trip_over_one_connection(store):
    import asyncio

    due = store.clock.now() + timedelta(days=1)

    async def writer(uid):
        await store.add_reminder(uid, "at", due, "ja")
        await store.set_user_settings(uid, timezone="UTC")
        await store.add_reminder(uid, "at", due, "ja")

    await asyncio.gather(*(writer(uid) for uid in range(1, 41)))
    assert all([len(await store.pending_for(uid)) == 2 for uid in range(1, 41)])
