import asyncio
import functools
import sqlite3

import pytest

from bot.core.clock import FakeClock
from bot.store import Store, StoreBusy, StoreError, migrations


async def test_fresh_database_gets_every_migration(tmp_path):
    store = await Store.open(tmp_path / "sub" / "t.db", FakeClock())
    try:
        assert await store.schema_version() == len(migrations())
        row = await store._one("PRAGMA journal_mode")
        assert row[0] == "wal"
        assert (await store._one("PRAGMA foreign_keys"))[0] == 1
    finally:
        await store.close()


def test_both_backends_have_the_same_migrations():
    names = [name for _, name, _ in migrations("sqlite")]
    assert names == [name for _, name, _ in migrations("postgresql")]


async def test_a_fresh_postgresql_schema_gets_every_migration_and_a_restart_none(pg_url):
    store = await Store.open(pg_url, FakeClock())
    try:
        assert store.backend == "postgresql"
        assert await store.schema_version() == len(migrations("postgresql"))
        await store.set_meta("kept", "yes")
    finally:
        await store.close()
    again = await Store.open(pg_url, FakeClock())
    try:
        assert await again.get_meta("kept") == "yes"
    finally:
        await again.close()


async def test_processes_starting_together_migrate_once(pg_url):
    stores = await asyncio.gather(*(Store.open(pg_url, FakeClock()) for _ in range(3)))
    try:
        assert {await s.schema_version() for s in stores} == {len(migrations("postgresql"))}
    finally:
        await asyncio.gather(*(s.close() for s in stores))


async def test_upgrade_applies_only_missing_migrations(tmp_path):
    path = tmp_path / "t.db"
    db = sqlite3.connect(path)
    number, _name, sql = migrations()[0]
    db.executescript(f"BEGIN;{sql};PRAGMA user_version = {number};COMMIT;")
    db.execute("INSERT INTO meta (key, value) VALUES ('kept', 'yes')")
    db.commit()
    db.close()
    store = await Store.open(path, FakeClock())
    try:
        assert await store.schema_version() == len(migrations())
        assert await store.get_meta("kept") == "yes"
    finally:
        await store.close()


async def test_reminders_keep_their_rows_and_ids_through_the_rebuild(tmp_path):
    path = tmp_path / "t.db"
    db = sqlite3.connect(path)
    for number, _name, sql in migrations()[:4]:
        db.executescript(f"BEGIN;{sql};PRAGMA user_version = {number};COMMIT;")
    db.execute(
        "INSERT INTO reminders (id, user_id, kind, due_at, note, locale, state, created_at,"
        " updated_at, first_due) VALUES (7, 1, 'at', 100, 'メモ', 'ja', 'held', 1, 2, 90)"
    )
    db.commit()
    db.close()
    store = await Store.open(path, FakeClock())
    try:
        kept = await store.reminder(7)
        assert (kept.user_id, kept.note, kept.state) == (1, "メモ", "held")
        assert kept.first_due.timestamp() == 90
        await store.delete_user(1)
        fresh = await store.add_reminder(1, "at", store.clock.now(), "ja")
        assert fresh.id == 8
    finally:
        await store.close()


async def test_a_newer_postgresql_schema_is_refused_clearly(pg_url):
    store = await Store.open(pg_url, FakeClock())
    await store.set_meta("schema_version", str(len(migrations("postgresql")) + 5))
    await store.close()
    with pytest.raises(StoreError, match="newer than this code"):
        await Store.open(pg_url, FakeClock())


async def test_a_failed_postgresql_migration_leaves_no_partial_schema(pg_url, monkeypatch):
    good = migrations("postgresql")
    monkeypatch.setattr(
        "bot.store.base.migrations",
        lambda *_: [*good, (len(good) + 1, "9999_bad", "CREATE TABLE x (a INT); nonsense;")],
    )
    with pytest.raises(StoreError, match="9999_bad failed"):
        await Store.open(pg_url, FakeClock())
    monkeypatch.undo()
    store = await Store.open(pg_url, FakeClock())
    try:
        assert await store.schema_version() == len(good)
        assert "x" not in await store.tables()
    finally:
        await store.close()


async def test_an_unreachable_postgresql_is_one_clear_error():
    with pytest.raises(StoreError, match="DATABASE_URL cannot be opened"):
        await Store.open("postgresql://nobody@127.0.0.1:1/none", FakeClock())


async def test_newer_database_is_refused_clearly(tmp_path):
    path = tmp_path / "t.db"
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {len(migrations()) + 5}")
    db.close()
    with pytest.raises(StoreError, match="newer than this code"):
        await Store.open(path, FakeClock())


async def test_failed_migration_leaves_no_partial_schema(tmp_path, monkeypatch):
    good = migrations()
    monkeypatch.setattr(
        "bot.store.base.migrations",
        lambda *_: [*good, (len(good) + 1, "9999_bad", "CREATE TABLE x (a); nonsense;")],
    )
    with pytest.raises(StoreError, match="9999_bad failed"):
        await Store.open(tmp_path / "t.db", FakeClock())
    db = sqlite3.connect(tmp_path / "t.db")
    assert db.execute("PRAGMA user_version").fetchone()[0] == len(good)
    assert db.execute("SELECT name FROM sqlite_master WHERE name = 'x'").fetchone() is None
    db.close()


async def test_settings_round_trip(db_url):
    store = await Store.open(db_url, FakeClock())
    try:
        assert (await store.user_settings(1)).timezone is None
        await store.set_user_settings(1, timezone="Asia/Tokyo")
        await store.set_user_settings(1, quiet_start="22:00")
        got = await store.user_settings(1)
        assert (got.timezone, got.quiet_start) == ("Asia/Tokyo", "22:00")
        await store.set_reminder_channel(5, 99)
        assert (await store.guild_settings(5)).reminder_channel_id == 99
        await store.forget_guild(5)
        assert (await store.guild_settings(5)).reminder_channel_id is None
    finally:
        await store.close()


async def test_two_settings_changed_at_once_both_stay(db_url):
    store = await Store.open(db_url, FakeClock())
    try:
        await asyncio.gather(
            store.set_user_settings(1, timezone="Europe/Paris"),
            store.set_user_settings(1, quiet_start="22:00", quiet_end="07:00"),
            store.set_user_settings(1, pace_gap_minutes=180),
        )
        got = await store.user_settings(1)
        assert (got.timezone, got.quiet_start, got.quiet_end, got.pace_gap_minutes) == (
            "Europe/Paris",
            "22:00",
            "07:00",
            180,
        )
        with pytest.raises(ValueError, match="colour"):
            await store.set_user_settings(1, colour="red")
    finally:
        await store.close()


async def test_a_database_url_names_the_backend(tmp_path):
    store = await Store.open(f"sqlite:///{tmp_path / 'u.db'}", FakeClock())
    try:
        assert store.backend == "sqlite" and (tmp_path / "u.db").exists()
    finally:
        await store.close()
    with pytest.raises(StoreError, match="DATABASE_URL must be"):
        await Store.open("mysql://x/y", FakeClock())


async def test_locked_database_becomes_store_busy(tmp_path, monkeypatch):
    monkeypatch.setattr("bot.store.base.BUSY_TIMEOUT_MS", 50)
    store = await Store.open(tmp_path / "t.db", FakeClock())
    other = sqlite3.connect(tmp_path / "t.db", timeout=0)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(StoreBusy):
            await store.set_meta("k", "v")
    finally:
        other.rollback()
        other.close()
        await store.close()
    store = await Store.open(tmp_path / "t.db", FakeClock())
    await store.set_meta("k", "v")
    assert await store.get_meta("k") == "v"
    await store.close()


def test_every_public_name_of_the_store_resolves_from_its_module():
    import bot.store as store

    assert sorted(store.__all__) == sorted(store._WHERE)
    for name in store.__all__:
        assert getattr(store, name) is not None
    with pytest.raises(AttributeError):
        store.no_such_name  # noqa: B018


async def test_a_database_file_deleted_or_replaced_while_open_stops_every_write(tmp_path):
    from bot.store import StoreLost

    for replace in (False, True):
        path = tmp_path / f"gone-{replace}.db"
        store = await Store.open(path, FakeClock(), guarded=True)
        told: list[str] = []
        store.on_lost.append(functools.partial(told.append, "lost"))
        await store.set_meta("k", "v")
        path.unlink()
        if replace:
            path.write_bytes(b"")  # another file now at the path
        with pytest.raises(StoreLost, match="deleted or replaced"):
            await store.set_meta("k", "w")
        with pytest.raises(StoreLost):
            await store.add_reminder(1, "at", store.clock.now(), "ja")
        assert told == ["lost"], "told once"
        await store.close()


async def test_a_guarded_store_is_never_created_anew_where_one_was(tmp_path):
    from bot.store import StoreMissing

    path = tmp_path / "data" / "tayori.db"
    store = await Store.open(path, FakeClock(), guarded=True)  # the first start: created
    await store.close()
    assert (tmp_path / "data" / "tayori.db-created").exists()
    path.unlink()
    with pytest.raises(StoreMissing, match="--init"):
        await Store.open(path, FakeClock(), guarded=True)
    assert not path.exists(), "no empty database left behind"
    store = await Store.open(path, FakeClock(), guarded=True, init=True)
    await store.close()
    assert path.exists()


async def test_the_file_guard_is_sqlites_alone_postgresql_opens_guarded_as_ever(pg_url):
    """No file of ours to lose: a guarded start on an empty schema migrates it, and the
    deleted-file check never stops a write."""
    store = await Store.open(pg_url, FakeClock(), guarded=True)
    try:
        assert store.backend == "postgresql" and store.lost is None
        store.check_file()
        await store.set_meta("k", "v")
        assert await store.get_meta("k") == "v"
    finally:
        await store.close()
    store = await Store.open(pg_url, FakeClock(), guarded=True, init=True)
    assert await store.get_meta("k") == "v", "--init empties nothing on PostgreSQL"
    await store.close()


async def test_a_commit_cancelled_while_it_ran_stays_a_cancel(tmp_path, monkeypatch):
    """At shutdown a write can be cancelled while SQLite's thread is committing it: the
    connection still said "in a transaction" when the cancel arrived, but by the time the
    ROLLBACK runs the COMMIT has finished. The cancel goes on; no "cannot rollback" error."""
    store = await Store.open(tmp_path / "t.db", FakeClock())
    driver = store.driver
    real = driver._execute

    async def commit_then_cancelled(sql, params=()):
        result = await real(sql, params)
        if sql == "COMMIT":
            raise asyncio.CancelledError  # the await was cancelled; the thread finished it
        return result

    monkeypatch.setattr(driver, "_execute", commit_then_cancelled)
    # what the loop saw before the thread finished the COMMIT
    monkeypatch.setattr(type(driver.db), "in_transaction", property(lambda _db: True))
    with pytest.raises(asyncio.CancelledError):
        async with store.transaction():
            await store.driver.execute("DELETE FROM write_limits")
    monkeypatch.undo()
    await store.close()
