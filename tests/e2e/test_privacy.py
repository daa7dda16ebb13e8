"""End to end: /privacy show | export | delete, and /about, through the fake Discord."""

import dataclasses
import json
import sqlite3
from contextlib import closing
from datetime import timedelta

import pytest

from bot import __version__

from .diagnosing import answer_all

DELETE_PREFIX = "tayori:privacy:del:"
DRAFT = "最近忙しそうだけど、体調は大丈夫？無理しないでね"


def export_request(fake, since: int):
    """The follow-up the bot sent with the export file (a multipart request)."""
    found = [
        r
        for r in fake.requests[since:]
        if r.method == "POST" and r.path.startswith("/webhooks/") and r.files
    ]
    assert len(found) == 1
    return found[0]


def mentions_of(path, user_id: int) -> set[tuple[str, str]]:
    """(table, column) of every value in the SQLite file that is or contains the user's id."""
    found = set()
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            cursor = db.execute(f'SELECT * FROM "{table}"')
            columns = [d[0] for d in cursor.description]
            for row in cursor:
                for column, value in zip(columns, row, strict=True):
                    if value == user_id or str(user_id) in str(value):
                        found.add((table, column))
    return found


def text_in_database(path, needle: str) -> bool:
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return any(
            needle in str(value)
            for table in tables
            for row in db.execute(f'SELECT * FROM "{table}"')
            for value in row
        )


async def rows_of(store) -> list[tuple[str, str, object]]:
    """(table, column, value) of every value in the database, on either backend."""
    out = []
    for table in await store.tables():
        for row in await store._all(f'SELECT * FROM "{table}"'):
            out += [(table, column, row[column]) for column in row.keys()]  # noqa: SIM118
    return out


async def mentions_in(store, user_id: int) -> set[tuple[str, str]]:
    """(table, column) of every value that is or contains the user's id, on either backend."""
    return {
        (table, column)
        for table, column, value in await rows_of(store)
        if value == user_id or str(user_id) in str(value)
    }


def on_disk(path, user_id: int, note: str) -> set[str]:
    """Which traces of the user are anywhere in the database files, as raw bytes."""
    raw = b"".join(p.read_bytes() for p in path.parent.glob(f"{path.name}*") if p.is_file())
    traces = {
        "id as integer": user_id.to_bytes(8, "big"),
        "id as text": str(user_id).encode(),
        "note": note.encode(),
    }
    return {name for name, needle in traces.items() if needle in raw}


async def run_diagnosis(fake, user: str, texts):
    """Answer every question with its first option; return the finished result."""
    shown = await fake.slash("diagnose start", user=user)
    firsts = {q.id: (q.options[0].id,) for q in texts.diagnose.questions}
    return await answer_all(fake, shown, texts, firsts, user)


async def ask_to_delete(fake, content, user: str, locale: str, dm: bool = False):
    asked = await fake.slash("privacy delete", user=user, dm=dm)
    assert asked.ephemeral
    assert asked.content == content[locale].text("privacy.delete_confirm")
    [button] = asked.message.buttons
    assert button["label"] == content[locale].text("privacy.delete_button")
    assert button["custom_id"] == f"{DELETE_PREFIX}{fake.user(user).id}"
    return asked, button["custom_id"]


# --- show ---------------------------------------------------------------------------


async def test_show_lists_each_kind_with_count_oldest_and_retention(
    fake_discord, bot, content, clock
):
    uid = fake_discord.user("haruto").id
    first = clock.now()
    await fake_discord.slash("settings timezone", {"name": "Asia/Tokyo"}, user="haruto")
    clock.advance(timedelta(hours=1))
    await bot.store.add_diagnosis(uid, {"silence": "days"}, ["busy", "unwell"])
    clock.advance(timedelta(hours=1))
    second = clock.now()
    await fake_discord.slash("remind at", {"when": "明日の20時", "note": "電話"}, user="haruto")
    clock.advance(timedelta(hours=1))
    await fake_discord.slash("remind after-send", user="haruto")

    shown = await fake_discord.slash("privacy show", user="haruto")
    ja = content["ja"]
    assert shown.ephemeral
    [embed] = shown.embeds
    assert embed["title"] == ja.text("privacy.title")
    at = lambda when: f"<t:{int(when.timestamp())}:R>"  # noqa: E731
    expected = [
        ja.text("privacy.intro"),
        *(
            ja.text(
                "privacy.line",
                kind=ja.text(f"privacy.kinds.{kind}"),
                count=count,
                oldest=oldest,
                retention=ja.text(f"privacy.retention.{kind}", days=days),
            )
            for kind, count, oldest, days in [
                ("settings", 1, at(first), 0),
                ("diagnoses", 1, at(first + timedelta(hours=1)), 90),
                ("reminders", 2, at(second), 30),
            ]
        ),
        ja.text("privacy.policy", url=bot.settings.privacy_url),
    ]
    assert embed["description"].split("\n") == expected


async def test_show_for_someone_with_nothing_stored(fake_discord, bot, content):
    await fake_discord.slash("settings timezone", {"name": "Asia/Tokyo"}, user="haruto")
    shown = await fake_discord.slash("privacy show", user="alice", dm=True)
    en = content["en"]
    assert shown.ephemeral
    lines = shown.embeds[0]["description"].split("\n")
    assert lines[1:4] == [
        en.text(
            "privacy.line",
            kind=en.text(f"privacy.kinds.{kind}"),
            count=0,
            oldest=en.text("privacy.none"),
            retention=en.text(f"privacy.retention.{kind}", days=days),
        )
        for kind, days in [("settings", 0), ("diagnoses", 90), ("reminders", 30)]
    ]
    assert lines[-1] == en.text("privacy.policy", url=bot.settings.privacy_url)


# --- export -------------------------------------------------------------------------


async def test_export_sends_a_private_json_file_of_the_users_rows_only(fake_discord, bot, content):
    haruto, alice = fake_discord.user("haruto").id, fake_discord.user("alice").id
    await fake_discord.slash("settings timezone", {"name": "Asia/Tokyo"}, user="haruto")
    await fake_discord.slash("remind at", {"when": "明日の20時", "note": "電話"}, user="haruto")
    await fake_discord.slash("settings timezone", {"name": "Europe/London"}, user="alice")
    await fake_discord.slash("settings timezone", {"name": "Asia/Tokyo"}, user="alice")
    await fake_discord.slash("remind at", {"when": "tomorrow 9am", "note": "call"}, user="alice")
    await bot.store.add_diagnosis(haruto, {"silence": "days"}, ["busy", "unwell"])

    since = len(fake_discord.requests)
    exported = await fake_discord.slash("privacy export", user="haruto")
    assert exported.ephemeral
    assert exported.content == content["ja"].text("privacy.export_done")
    assert [a["filename"] for a in exported.message.attachments] == ["tayori-export.json"]
    request = export_request(fake_discord, since)
    assert request.json["flags"] & 64, "the follow-up carrying the file is ephemeral"
    [upload] = request.files
    assert upload.filename == "tayori-export.json"
    data = json.loads(upload.data.decode())

    assert data["user_id"] == str(haruto)
    assert [(r["user_id"], r["timezone"]) for r in data["user_settings"]] == [
        (str(haruto), "Asia/Tokyo")
    ]
    assert [(r["user_id"], r["kind"], r["note"]) for r in data["reminders"]] == [
        (str(haruto), "at", "電話")
    ]
    [diagnosis] = data["diagnoses"]
    assert diagnosis["user_id"] == str(haruto), "ids are strings, as Discord writes them"
    assert json.loads(diagnosis["ranking"]) == ["busy", "unwell"]
    assert str(alice) not in upload.data.decode()
    assert "call" not in upload.data.decode()


# --- delete -------------------------------------------------------------------------


async def test_delete_asks_first_then_removes_all_and_cancels_reminders(
    fake_discord, bot, content, clock
):
    uid = fake_discord.user("haruto").id
    await fake_discord.slash(
        "settings quiet-hours", {"start": "23:00", "end": "08:00"}, user="haruto"
    )
    await fake_discord.slash("remind at", {"when": "1時間後", "note": "電話"}, user="haruto")
    await fake_discord.slash("settings timezone", {"name": "Asia/Tokyo"}, user="alice")
    await fake_discord.slash("remind at", {"when": "in 2 hours", "note": "call"}, user="alice")
    stored = sum(k.count for k in await bot.store.user_summary(uid))
    assert stored == 2

    asked, custom_id = await ask_to_delete(fake_discord, content, "haruto", "ja")
    assert sum(k.count for k in await bot.store.user_summary(uid)) == stored, "nothing yet"

    done = await fake_discord.click(asked, custom_id, user="haruto")
    assert done.ephemeral and done.message is asked.message
    assert asked.content == content["ja"].text("privacy.deleted", count=stored)
    assert asked.message.buttons == []
    assert await bot.store.pending_for(uid) == []
    assert (await bot.store.user_settings(uid)).quiet_start is None

    clock.advance(timedelta(hours=3))
    await fake_discord.wait_until(lambda: fake_discord.dms("alice"), within=5)
    await fake_discord.wait_quiet()
    assert fake_discord.dms("haruto") == [], "haruto's reminder (due first) was cancelled"
    assert len(fake_discord.dms("alice")) == 1


async def test_only_the_user_who_asked_can_confirm(fake_discord, bot, content):
    uid = fake_discord.user("haruto").id
    await fake_discord.slash("settings timezone", {"name": "Asia/Tokyo"}, user="haruto")
    asked, custom_id = await ask_to_delete(fake_discord, content, "haruto", "ja")
    # Discord's client shows an ephemeral message to its owner only; a forged click on a
    # visible copy stands for any other way someone else might send that custom_id.
    visible_copy = dataclasses.replace(asked.message, flags=0)
    refused = await fake_discord.click(visible_copy, custom_id, user="alice")
    assert refused.ephemeral
    assert refused.content == content["en"].text("common.error.not_owner")
    assert (await bot.store.user_settings(uid)).timezone == "Asia/Tokyo"
    assert asked.content == content["ja"].text("privacy.delete_confirm"), "left as it was"


async def test_confirm_button_works_after_a_restart(fake_discord, start_tayori, content):
    bot = await start_tayori()
    uid = fake_discord.user("alice").id
    await fake_discord.slash("settings timezone", {"name": "Europe/London"}, user="alice")
    asked, custom_id = await ask_to_delete(fake_discord, content, "alice", "en", dm=True)
    await bot.close()
    bot = await start_tayori()
    await fake_discord.click(asked, custom_id, user="alice")
    assert asked.content == content["en"].text("privacy.deleted", count=1)
    assert (await bot.store.user_settings(uid)).timezone is None


async def test_nothing_about_the_user_remains_after_using_every_feature(
    fake_discord, bot_on, content, clock
):
    bot = bot_on  # on SQLite (whose files are scanned byte by byte too) and on PostgreSQL
    uid = fake_discord.user("haruto").id
    sqlite = bot.store.backend == "sqlite"
    path = bot.settings.sqlite_path()
    slash = fake_discord.slash
    await slash("settings timezone", {"name": "Asia/Tokyo"}, user="haruto")
    await slash("settings quiet-hours", {"start": "23:00", "end": "07:30"}, user="haruto")
    await slash(
        "remind reply-pace",
        {"hours": 3, "quiet_start": "9:00", "quiet_end": "18:00"},
        user="haruto",
    )
    await slash("remind reply", user="haruto")
    await slash("remind at", {"when": "明日の20時", "note": "電話する"}, user="haruto")
    clock.advance(timedelta(seconds=10))  # past the 5-writes-in-10-seconds limit
    # checked before any send is logged, so the report is "send" and offers "I sent it"
    checked = await slash("check-draft", {"text": DRAFT}, user="haruto")
    await fake_discord.click(
        checked, label=content["ja"].text("check_draft.button.sent"), user="haruto"
    )
    await slash("remind after-send", {"days": 10}, user="haruto", dm=True)
    result = await run_diagnosis(fake_discord, "haruto", content["ja"])
    await fake_discord.click(
        result, label=content["ja"].text("diagnose.buttons.remind-week"), user="haruto"
    )
    await slash("settings timezone", {"name": "Asia/Tokyo"}, user="alice")
    await slash("remind at", {"when": "tomorrow 9am", "note": "call"}, user="alice")

    settings = await bot.store.user_settings(uid)
    assert (settings.timezone, settings.quiet_start, settings.pace_gap_minutes) == (
        "Asia/Tokyo",
        "23:00",
        180,
    )
    assert len(await bot.store.diagnoses_for(uid)) == 1
    kinds = sorted(r.kind for r in await bot.store.pending_for(uid))
    assert kinds == ["after-send", "at", "reply"]  # one check-in per wait
    assert {table for table, _ in await mentions_in(bot.store, uid)} == {
        "user_settings",
        "diagnoses",
        "reminders",
        "write_limits",
    }
    assert not any(DRAFT in str(v) for *_, v in await rows_of(bot.store)), "drafts never stored"
    if sqlite:
        assert mentions_of(path, uid) == await mentions_in(bot.store, uid)
        assert not text_in_database(path, DRAFT), "draft text is never stored"
        assert on_disk(path, uid, "電話する") == {"id as integer", "note"}

    asked, custom_id = await ask_to_delete(fake_discord, content, "haruto", "ja")
    await fake_discord.click(asked, custom_id, user="haruto")
    assert asked.content == content["ja"].text("privacy.deleted", count=5)  # 1 check-in, not 3
    assert await mentions_in(bot.store, uid) == set()
    assert not any("電話する" in str(v) for *_, v in await rows_of(bot.store))
    if sqlite:
        assert mentions_of(path, uid) == set()
        assert not on_disk(path, uid, "電話する"), "not even in free pages or the WAL"
    alice = fake_discord.user("alice").id
    assert await mentions_in(bot.store, alice) == {
        ("reminders", "user_id"),
        ("user_settings", "user_id"),
        ("write_limits", "user_id"),
    }, "someone else's data is untouched"


# --- about --------------------------------------------------------------------------


@pytest.mark.parametrize(("user", "locale", "dm"), [("haruto", "ja", False), ("alice", "en", True)])
async def test_about_shows_version_purpose_privacy_and_commands(
    fake_discord, bot, content, user, locale, dm
):
    texts = content[locale]
    about = await fake_discord.slash("about", user=user, dm=dm)
    assert about.ephemeral
    [embed] = about.embeds
    assert embed["title"] == texts.text("common.about.title")
    assert embed["description"] == texts.text("common.about.what")
    assert embed["footer"]["text"] == f"Tayori {__version__}"
    privacy, *listed = embed["fields"]
    commands = {"name": listed[0]["name"], "value": "\n".join(f["value"] for f in listed)}
    assert all(len(f["value"]) <= 1024 for f in listed)
    assert privacy["name"] == texts.text("common.about.privacy_heading")
    show = f"</privacy show:{bot.command_ids['privacy']}>"
    assert privacy["value"].split("\n") == [
        texts.text("common.about.privacy", command=show),
        texts.text("privacy.policy", url=bot.settings.privacy_url),
    ]
    assert commands["name"] == texts.text("common.about.commands_heading")
    synced = sorted(c["name"] for c in fake_discord.commands)
    subcommands = {
        c["name"]: [o["name"] for o in c["options"] if o["type"] == 1]
        for c in fake_discord.commands
        if c.get("options") and c["options"][0]["type"] in (1, 2)
    }

    def clickable(name: str) -> str:
        """A group is listed as its subcommands, each a mention Discord makes clickable."""
        ids = bot.command_ids[name]
        if name in subcommands:
            return " ".join(f"</{name} {sub}:{ids}>" for sub in subcommands[name])
        return f"</{name}:{ids}>"

    assert "</diagnose start:" in commands["value"] and "/diagnose:" not in commands["value"]
    assert commands["value"].split("\n") == [
        texts.text(f"common.about.commands.{name}", command=clickable(name)) for name in synced
    ]


async def test_without_a_published_policy_no_link_is_shown(fake_discord, start_tayori, content):
    bot = await start_tayori(privacy_url=None)
    en = content["en"]
    about = await fake_discord.slash("about", user="alice")
    privacy = about.embeds[0]["fields"][0]["value"]
    assert privacy == en.text("common.about.privacy", command=bot.mention("privacy show"))
    shown = await fake_discord.slash("privacy show", user="alice")
    assert "PRIVACY.md" not in shown.text and not shown.text.endswith(":")
