"""End to end: /remind commands, DM delivery with buttons, snooze after a restart, quiet hours."""

from __future__ import annotations

import asyncio
import itertools
import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.config import JsonFormatter, TextFormatter
from bot.core.clock import utc
from bot.core.when import format_duration, format_local
from bot.runtime.replies import when_text
from fakediscord import UserActionError
from tests.conftest import START

TOKYO = ZoneInfo("Asia/Tokyo")


def zone_line(texts, bot) -> str:
    """The line /remind at adds while the user has no time zone of their own (Tokyo time)."""
    return texts.text(
        "remind.at.zone_assumed", tz="Asia/Tokyo", command=bot.mention("settings timezone")
    )


def service(bot):
    return bot.reminders


async def on_tokyo_time(fake, user: str) -> None:
    """Choose Asia/Tokyo for `user` first, so /remind at does not ask for a zone."""
    await fake.slash("settings timezone", {"name": "Asia/Tokyo"}, user=user)


async def choose_zone(fake, asked, zone: str, user: str):
    """Pick `zone` in the time-zone select /remind at answered with."""
    [select] = asked.message.selects
    assert zone in [o["value"] for o in select["options"]]
    return await fake.select(asked, select["custom_id"], [zone], user=user)


async def move(fake, bot, clock, delta: timedelta | None = None, *, to: datetime | None = None):
    """Move the fake clock, then wait until the scheduler has handled what fell due."""
    rest = service(bot).next_rest()
    clock.set(to) if to is not None else clock.advance(delta)
    await asyncio.wait_for(rest.wait(), 5)
    await fake.wait_quiet()


def uid(fake, name: str) -> int:
    return fake.user(name).id


def labels(message) -> list[str]:
    return [b["label"] for b in message.buttons]


def snooze_ids(rid: int) -> list[str]:
    return [f"tayori:rm:{c}:{rid}" for c in ("1h", "1d", "1w")]


def repeat_send_warning(texts) -> str:
    """What /check-draft says about sending again within a week (the `repeat-send` rule)."""
    rule = next(r for r in texts.draft.rules if r.id == "repeat-send")
    return rule.message.format(days=texts.draft.days.say(texts.draft.repeat_days))


async def only_pending(bot, fake, name: str):
    [reminder] = await bot.store.pending_for(uid(fake, name))
    return reminder


# --- /remind after-send ------------------------------------------------------------------


async def test_after_send_schedules_a_week_and_check_draft_then_reports_repeat_send(
    fake_discord, bot, content
):
    ja = content["ja"]
    r = await fake_discord.slash("remind after-send", user="haruto")
    due = START + timedelta(days=7)
    assert r.ephemeral
    assert r.content == ja.text("remind.after_send.confirm", when=when_text(due))
    reminder = await only_pending(bot, fake_discord, "haruto")
    assert (reminder.kind, reminder.due_at, reminder.guild_id) == (
        "after-send",
        due,
        fake_discord.world.guild.id,
    )
    checked = await fake_discord.slash("check-draft", {"text": "元気？"}, user="haruto")
    assert repeat_send_warning(content["ja"]) in checked.message.text


async def test_after_send_takes_days_from_one_to_fourteen_only(fake_discord, bot, content):
    r = await fake_discord.slash("remind after-send", {"days": 3}, user="alice", dm=True)
    due = START + timedelta(days=3)
    assert r.content == content["en"].text("remind.after_send.confirm", when=when_text(due))
    assert (await only_pending(bot, fake_discord, "alice")).due_at == due
    for days in (0, 15):
        with pytest.raises(UserActionError, match="outside"):
            await fake_discord.slash("remind after-send", {"days": days}, user="alice")


async def test_after_send_delivers_the_articles_next_step_with_its_buttons(
    fake_discord, bot, clock, content
):
    ja = content["ja"]
    await fake_discord.slash("remind after-send", user="haruto")
    rid = (await only_pending(bot, fake_discord, "haruto")).id
    await move(fake_discord, bot, clock, timedelta(days=7))
    await fake_discord.wait_until(lambda: fake_discord.dms("haruto"), within=5)
    [dm] = fake_discord.dms("haruto")
    assert dm.content == ja.text("remind.after_send.due", days="7日")
    assert labels(dm) == [
        ja.text("remind.buttons.replied"),
        ja.text("remind.buttons.wait_week"),
        ja.text("remind.buttons.check_draft"),
        *(ja.text(f"remind.snooze.{c}") for c in ("1h", "1d", "1w")),
    ]
    assert [b["custom_id"] for b in dm.buttons] == [
        f"tayori:rm:rep:{rid}",
        f"tayori:rm:wk:{rid}",
        "tayori:cd:open",
        *snooze_ids(rid),
    ]
    # not six grey buttons: the answers are coloured (green, blurple), snoozing is grey
    assert [b["style"] for b in dm.buttons] == [3, 1, 2, 2, 2, 2]
    assert ja.text("remind.snooze.1h") == "1時間後にもう一度お知らせ"
    assert (await bot.store.reminder(rid)).state == "delivered"

    draft = await fake_discord.click(dm, label=ja.text("remind.buttons.check_draft"), user="haruto")
    assert draft.modal is not None

    await fake_discord.click(dm, label=ja.text("remind.buttons.replied"), user="haruto")
    assert (await bot.store.reminder(rid)).state == "replied"
    assert dm.content.endswith("✓ " + ja.text("remind.after_send.replied"))
    assert dm.buttons == []
    checked = await fake_discord.slash("check-draft", {"text": "元気？"}, user="haruto")
    assert repeat_send_warning(ja) not in checked.message.text


async def test_wait_one_more_week_brings_it_back_a_week_later(fake_discord, bot, clock, content):
    ja = content["ja"]
    await fake_discord.slash("remind after-send", {"days": 7}, user="haruto")
    await move(fake_discord, bot, clock, timedelta(days=7))
    await fake_discord.wait_until(lambda: fake_discord.dms("haruto"), within=5)
    [dm] = fake_discord.dms("haruto")
    await fake_discord.click(dm, label=ja.text("remind.buttons.wait_week"), user="haruto")
    again = clock.now() + timedelta(weeks=1)
    reminder = await only_pending(bot, fake_discord, "haruto")
    assert reminder.due_at == again
    assert dm.content.endswith("✓ " + ja.text("remind.after_send.wait_more", when=when_text(again)))
    await move(fake_discord, bot, clock, timedelta(weeks=1))
    await fake_discord.wait_until(lambda: len(fake_discord.dms("haruto")) == 2, within=5)
    assert fake_discord.dms("haruto")[1].content == ja.text("remind.after_send.due", days="14日")


# --- /remind reply-pace and /remind reply ---------------------------------------------------


async def test_reply_needs_a_pace_first(fake_discord, bot, content):
    r = await fake_discord.slash("remind reply", user="haruto")
    assert r.ephemeral
    assert r.text == content["ja"].text(
        "remind.reply.no_pace", command=bot.mention("remind reply-pace")
    )
    assert await bot.store.pending_for(uid(fake_discord, "haruto")) == []


async def test_reply_pace_keeps_numbers_and_reply_avoids_their_never_write_hours(
    fake_discord, bot, clock, content
):
    ja = content["ja"]
    saved = await fake_discord.slash(
        "remind reply-pace",
        {"hours": 3, "quiet_start": "9:00", "quiet_end": "１８：００"},
        user="haruto",
    )
    gap = format_duration(timedelta(hours=3), ja.when)
    assert saved.content == "\n".join(
        [
            ja.text("remind.reply.saved", gap=gap, command=bot.mention("remind reply")),
            ja.text("remind.reply.quiet_note", start="09:00", end="18:00"),
        ]
    )
    settings = await bot.store.user_settings(uid(fake_discord, "haruto"))
    assert (settings.pace_gap_minutes, settings.pace_quiet_start, settings.pace_quiet_end) == (
        180,
        "09:00",
        "18:00",
    )
    r = await fake_discord.slash("remind reply", user="haruto")
    due = datetime(2026, 3, 10, 18, 0, tzinfo=TOKYO)  # 12:00 + 3 h = 15:00, inside 9–18
    confirm = ja.text("remind.at.confirm", when=when_text(due))
    assert r.content == f"{confirm}\n{zone_line(ja, bot)}"
    reminder = await only_pending(bot, fake_discord, "haruto")
    assert (reminder.kind, reminder.due_at) == ("reply", due)
    await move(fake_discord, bot, clock, to=due)
    await fake_discord.wait_until(lambda: fake_discord.dms("haruto"), within=5)
    assert fake_discord.dms("haruto")[0].content == ja.text("remind.reply.due")


async def test_reply_pace_without_never_write_hours_replies_after_the_gap(
    fake_discord, bot, content
):
    await fake_discord.slash("remind reply-pace", {"hours": 1.5}, user="alice")
    await fake_discord.slash("remind reply", user="alice")
    reminder = await only_pending(bot, fake_discord, "alice")
    assert reminder.due_at == START + timedelta(hours=1, minutes=30)


async def test_reply_pace_refuses_half_a_window_and_out_of_range_gaps(fake_discord, bot, content):
    half = await fake_discord.slash(
        "remind reply-pace", {"hours": 3, "quiet_start": "9"}, user="alice"
    )
    assert half.text == content["en"].text("remind.quiet.invalid")
    assert (await bot.store.user_settings(uid(fake_discord, "alice"))).pace_gap_minutes is None
    with pytest.raises(UserActionError, match="outside"):
        await fake_discord.slash("remind reply-pace", {"hours": 169}, user="alice")


# --- /remind at --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "when", "local"),
    [
        ("haruto", "明日の20時", datetime(2026, 3, 11, 20, 0, tzinfo=TOKYO)),
        ("haruto", "3時間後", datetime(2026, 3, 10, 15, 0, tzinfo=TOKYO)),
        ("haruto", "来週の金曜", datetime(2026, 3, 20, 9, 0, tzinfo=TOKYO)),
        ("haruto", "12/24 19:00", datetime(2026, 12, 24, 19, 0, tzinfo=TOKYO)),
        ("alice", "tomorrow 8pm", datetime(2026, 3, 11, 20, 0, tzinfo=TOKYO)),
        ("alice", "in 2 weeks", datetime(2026, 3, 24, 12, 0, tzinfo=TOKYO)),
        ("alice", "21:00", datetime(2026, 3, 10, 21, 0, tzinfo=TOKYO)),
    ],
)
async def test_at_reads_japanese_and_english(fake_discord, bot, content, user, when, local):
    texts = content["en" if user == "alice" else "ja"]
    preview = await fake_discord.autocomplete("remind at", {"when": when}, "when", user=user)
    shown = format_local(local, texts.when, START)
    expected = (
        texts.text("remind.preview.when_no_zone", when=when)  # asked next, not guessed
        if user == "alice"
        else texts.text("remind.preview.when", when=shown, tz="Asia/Tokyo")
    )
    assert preview.choices == [{"name": expected, "value": when}]
    r = await fake_discord.slash("remind at", {"when": when, "note": "電話"}, user=user)
    assert r.ephemeral
    confirm = texts.text("remind.at.confirm", when=when_text(local))
    if user == "alice":  # not Japanese and no zone yet: asked once, the reminder waits
        assert await bot.store.pending_for(uid(fake_discord, user)) == []
        r = await choose_zone(fake_discord, r, "Asia/Tokyo", user)
        said = texts.text("remind.timezone.set", tz="Asia/Tokyo")
        assert r.content == f"{said}\n{confirm}" and r.message.components == []
    else:
        assert r.content == f"{confirm}\n{zone_line(texts, bot)}", "Tokyo time is said"
    reminder = await only_pending(bot, fake_discord, user)
    assert (reminder.kind, reminder.due_at, reminder.note) == ("at", local, "電話")


@pytest.mark.parametrize(
    ("when", "reason"),
    [
        ("3/9 10:00", "past"),
        ("そのうち", "unreadable"),
        ("1〜2週間後", "range"),
        ("400日後", "too-far"),
        ("in 400 days", "too-far"),
    ],
)
async def test_at_warns_in_the_preview_and_refuses_clearly(
    fake_discord, bot, content, when, reason
):
    ja = content["ja"]
    hint = ja.text(f"remind.when.{reason}")
    preview = await fake_discord.autocomplete("remind at", {"when": when}, "when", user="haruto")
    assert preview.choices == [
        {"name": ja.text("remind.preview.refused", hint=hint)[:100], "value": when}
    ]
    r = await fake_discord.slash("remind at", {"when": when}, user="haruto")
    assert r.ephemeral and r.text == hint
    assert await bot.store.pending_for(uid(fake_discord, "haruto")) == []


async def test_at_preview_with_nothing_typed_shows_examples(fake_discord, bot, content):
    await on_tokyo_time(fake_discord, "alice")
    r = await fake_discord.autocomplete("remind at", {}, "when", user="alice")
    example = content["en"].text("remind.preview.example")
    value = content["en"].text("remind.preview.example_value")
    assert r.choices == [{"name": example, "value": value}]
    picked = await fake_discord.slash("remind at", {"when": value}, user="alice")
    assert len(await bot.store.pending_for(uid(fake_discord, "alice"))) == 1, picked.text


async def test_at_preview_and_due_follow_the_users_timezone(fake_discord, bot, content):
    await fake_discord.slash("settings timezone", {"name": "America/New_York"}, user="alice")
    local = datetime(
        2026, 3, 10, 21, 0, tzinfo=ZoneInfo("America/New_York")
    )  # now 23:00 on the 9th
    preview = await fake_discord.autocomplete("remind at", {"when": "21:00"}, "when", user="alice")
    shown = format_local(local, content["en"].when, START)
    assert preview.choices[0]["name"] == content["en"].text(
        "remind.preview.when", when=shown, tz="America/New_York"
    ), "the preview names the zone it was read in"
    await fake_discord.slash("remind at", {"when": "21:00"}, user="alice")
    assert (await only_pending(bot, fake_discord, "alice")).due_at == utc(2026, 3, 11, 1, 0)


async def test_at_limits_note_length_and_pending_count(fake_discord, bot, content):
    await on_tokyo_time(fake_discord, "alice")
    en = content["en"]
    long = await fake_discord.slash(
        "remind at", {"when": "in 3 days", "note": "x" * 201}, user="alice"
    )
    assert long.text == en.text("remind.limit.note", max=200)
    ok = await fake_discord.slash(
        "remind at", {"when": "in 3 days", "note": "x" * 200}, user="alice"
    )
    confirm = en.text("remind.at.confirm", when=when_text(START + timedelta(days=3)))
    assert ok.content == confirm, "the zone was chosen: nothing more to say"
    assert len(await bot.store.pending_for(uid(fake_discord, "alice"))) == 1
    for _ in range(24):
        await bot.store.add_reminder(
            uid(fake_discord, "alice"), "at", START + timedelta(days=2), "en"
        )
    full = await fake_discord.slash("remind at", {"when": "in 3 days"}, user="alice")
    assert full.text == en.text("remind.limit.pending", max=25)
    full = await fake_discord.slash("remind after-send", user="alice")
    assert full.text == en.text("remind.limit.pending", max=25)
    assert len(await bot.store.pending_for(uid(fake_discord, "alice"))) == 25


async def test_at_delivers_the_note_by_dm_with_snooze_buttons(fake_discord, bot_on, clock, content):
    bot = bot_on  # on SQLite and on PostgreSQL
    ja = content["ja"]
    await fake_discord.slash(
        "remind at", {"when": "3時間後", "note": "**薬**を飲む"}, user="haruto"
    )
    rid = (await only_pending(bot, fake_discord, "haruto")).id
    await move(fake_discord, bot, clock, timedelta(hours=3))
    await fake_discord.wait_until(lambda: fake_discord.dms("haruto"), within=5)
    [dm] = fake_discord.dms("haruto")
    assert dm.content == ja.text("remind.at.due", note=r"\*\*薬\*\*を飲む")
    assert [b["custom_id"] for b in dm.buttons] == snooze_ids(rid)
    assert labels(dm) == [ja.text(f"remind.snooze.{c}") for c in ("1h", "1d", "1w")]
    reminder = await bot.store.reminder(rid)
    assert (reminder.state, reminder.delivered_at) == ("delivered", clock.now())


# --- /remind list and /remind cancel -------------------------------------------------------


async def test_list_shows_pending_reminders_with_relative_times(fake_discord, bot, content):
    en = content["en"]
    await on_tokyo_time(fake_discord, "alice")
    empty = await fake_discord.slash("remind list", user="alice")
    assert empty.ephemeral and empty.embeds[0]["description"] == en.text("remind.list.empty")
    await fake_discord.slash("remind at", {"when": "in 2 weeks", "note": "dentist"}, user="alice")
    await fake_discord.slash("remind after-send", {"days": 3}, user="alice")
    r = await fake_discord.slash("remind list", user="alice")
    first, second = START + timedelta(days=3), START + timedelta(weeks=2)
    assert r.ephemeral
    assert r.embeds[0]["title"] == en.text("remind.list.title")
    assert r.embeds[0]["description"] == "\n".join(
        [
            en.text(
                "remind.list.line",
                index=1,
                when=when_text(first),
                kind=en.text("remind.list.kind.after_send"),
            ),
            en.text(
                "remind.list.line_note",
                index=2,
                when=when_text(second),
                kind=en.text("remind.list.kind.at"),
                note="dentist",
            ),
        ]
    )
    assert f"<t:{int(first.timestamp())}:R>" in r.embeds[0]["description"]


async def test_list_shows_every_reminder_when_long_notes_overflow_one_embed(
    fake_discord, bot, clock
):
    haruto = uid(fake_discord, "haruto")
    notes = [f"メモ{i:02d}" + "*" * 196 for i in range(25)]  # escaped, ~10,000 characters
    for i, note in enumerate(notes):
        await bot.store.add_reminder(
            haruto, "at", clock.now() + timedelta(days=i + 1), "ja", note=note
        )
    r = await fake_discord.slash("remind list", user="haruto")
    pages = [m.embeds[0]["description"] for m in [r.message, *r.followups] if m and m.embeds]
    assert len(pages) >= 3 and all(len(page) <= 4096 for page in pages)
    assert r.ephemeral and all(m.ephemeral for m in r.followups)
    lines = [line for page in pages for line in page.splitlines()]
    escaped = [note.replace("*", "\\*") for note in notes]
    assert [n for n in escaped if any(line.endswith(n) for line in lines)] == escaped
    assert [line.split(".")[0] for line in lines] == [str(i) for i in range(1, 26)]


async def test_cancel_offers_a_select_of_pending_reminders(fake_discord, bot, content):
    ja = content["ja"]
    none = await fake_discord.slash("remind cancel", user="haruto")
    assert none.text == ja.text("remind.cancel.none")
    await fake_discord.slash("remind at", {"when": "明日の20時", "note": "電話"}, user="haruto")
    await fake_discord.slash("remind after-send", user="haruto")
    at, after = await bot.store.pending_for(uid(fake_discord, "haruto"))
    r = await fake_discord.slash("remind cancel", user="haruto")
    assert r.ephemeral
    [select] = r.message.selects
    assert select["custom_id"] == f"tayori:rm:cx:{uid(fake_discord, 'haruto')}"
    assert [o["value"] for o in select["options"]] == [str(at.id), str(after.id)]
    assert select["options"][0]["label"] == ja.text(
        "remind.list.line_note",
        index=1,
        when=format_local(at.due_at.astimezone(TOKYO), ja.when, START),
        kind=ja.text("remind.list.kind.at"),
        note="電話",
    )
    await fake_discord.select(r, select["custom_id"], [str(at.id)], user="haruto")
    assert r.content == ja.text("remind.cancel.done", count=1)
    assert r.message.selects == []
    assert (await bot.store.reminder(at.id)).state == "cancelled"
    assert [p.id for p in await bot.store.pending_for(uid(fake_discord, "haruto"))] == [after.id]


# --- delivery: snooze after restart, quiet hours, late and missed ----------------------------


async def test_snooze_on_an_old_dm_works_after_a_restart(
    fake_discord, start_tayori, clock, content
):
    ja = content["ja"]
    bot = await start_tayori()
    await fake_discord.slash("remind at", {"when": "3時間後", "note": "散歩"}, user="haruto")
    await move(fake_discord, bot, clock, timedelta(hours=3))
    await fake_discord.wait_until(lambda: fake_discord.dms("haruto"), within=5)
    [dm] = fake_discord.dms("haruto")
    await bot.close()

    bot = await start_tayori()
    await fake_discord.click(dm, label=ja.text("remind.snooze.1d"), user="haruto")
    again = clock.now() + timedelta(days=1)
    reminder = await only_pending(bot, fake_discord, "haruto")
    assert reminder.due_at == again
    assert dm.content.endswith("✓ " + ja.text("remind.snooze.done", when=when_text(again)))
    assert dm.buttons == []
    await move(fake_discord, bot, clock, timedelta(days=1))
    await fake_discord.wait_until(lambda: len(fake_discord.dms("haruto")) == 2, within=5)
    assert fake_discord.dms("haruto")[1].content == ja.text("remind.at.due", note="散歩")


async def test_quiet_hours_hold_a_midnight_reminder_until_eight(fake_discord, bot, clock, content):
    ja = content["ja"]
    confirmed = await fake_discord.slash("remind at", {"when": "0:00"}, user="haruto")
    rid = (await only_pending(bot, fake_discord, "haruto")).id
    midnight = datetime(2026, 3, 11, 0, 0, tzinfo=TOKYO)
    eight = datetime(2026, 3, 11, 8, 0, tzinfo=TOKYO)
    said_at_once = ja.text(
        "remind.at.quiet",
        start="23:00",
        end="08:00",
        when=when_text(eight),
        command=bot.mention("settings quiet-hours"),
    )
    assert confirmed.text == "\n".join(
        [ja.text("remind.at.confirm", when=when_text(midnight)), said_at_once, zone_line(ja, bot)]
    )
    evening = await fake_discord.slash("remind at", {"when": "20:00"}, user="haruto")
    tonight = datetime(2026, 3, 10, 20, 0, tzinfo=TOKYO)
    # nothing added: no quiet hours to wait out, and a Japanese user is told about Tokyo time once
    assert evening.text == ja.text("remind.at.confirm", when=when_text(tonight))
    await move(fake_discord, bot, clock, to=midnight)
    assert fake_discord.dms("haruto") == []
    reminder = await bot.store.reminder(rid)
    assert (reminder.state, reminder.due_at) == ("pending", eight)
    await move(fake_discord, bot, clock, to=eight)
    # both arrive at eight, in either order: the evening one, held since midnight, says how late
    # it is; the one set for midnight was only held, and arrives as set
    await fake_discord.wait_until(lambda: len(fake_discord.dms("haruto")) == 2, within=5)
    plain = content["ja"].text("remind.at.due_plain")
    contents = sorted(m.content for m in fake_discord.dms("haruto"))
    assert contents[0] == plain and contents[1].startswith(plain + "\n")


async def test_reminders_due_while_down_arrive_late_or_as_a_missed_notice(
    fake_discord, start_tayori, clock, content
):
    ja = content["ja"]
    bot = await start_tayori()
    await on_tokyo_time(fake_discord, "alice")
    await fake_discord.slash(
        "remind at", {"when": "1時間後", "note": "ちょっと遅れる"}, user="haruto"
    )
    await fake_discord.slash(
        "remind at", {"when": "明日の20時", "note": "ずっと遅れる"}, user="alice"
    )
    late = await only_pending(bot, fake_discord, "haruto")
    missed = await only_pending(bot, fake_discord, "alice")
    await bot.close()

    clock.advance(timedelta(hours=3))  # 15:00 in Tokyo: 2 hours late for haruto
    bot = await start_tayori()
    await fake_discord.wait_until(lambda: fake_discord.dms("haruto"), within=5)
    [dm] = fake_discord.dms("haruto")
    duration = format_duration(timedelta(hours=2), ja.when)
    body = ja.text("remind.at.due", note="ちょっと遅れる")
    assert dm.content == body + "\n" + ja.text("remind.delivery.late", duration=duration)
    assert [b["custom_id"] for b in dm.buttons] == snooze_ids(late.id)
    await bot.close()

    clock.set(missed.due_at + timedelta(days=8))
    await start_tayori()
    await fake_discord.wait_until(lambda: fake_discord.dms("alice"), within=5)
    [notice] = fake_discord.dms("alice")
    en = content["en"]
    when = when_text(missed.due_at)
    assert notice.content == en.text(
        "remind.delivery.missed", when=when, duration=format_duration(timedelta(days=8), en.when)
    )
    assert "ずっと遅れる" not in notice.content
    assert [b["custom_id"] for b in notice.buttons] == snooze_ids(missed.id), "set it again"


async def test_notes_and_answers_stay_out_of_the_debug_log(fake_discord, bot, content, caplog):
    caplog.set_level(logging.DEBUG)
    note = {"when": "明日の20時", "note": "ZQXWの誕生日"}
    await fake_discord.slash("remind at", note, user="haruto")
    await fake_discord.slash("remind at", {"when": "ZQXW 24"}, user="haruto")  # unreadable
    assert await bot.store.pending_for(uid(fake_discord, "haruto")), "the note was stored"
    assert any(r.name.startswith("discord") and r.levelno == logging.DEBUG for r in caplog.records)
    for record, formatter in itertools.product(caplog.records, (TextFormatter(), JsonFormatter())):
        logged = formatter.format(record) + (record.exc_text or "")  # LOG_FORMAT text and json
        assert "ZQXW" not in logged, f"{record.name} logged what the user typed"


async def test_timezone_autocomplete_puts_the_city_typed_first(fake_discord, bot):
    r = await fake_discord.autocomplete("settings timezone", {"name": "tok"}, "name", user="alice")
    assert [c["value"] for c in r.choices][:2] == ["Asia/Tokyo", "Antarctica/Vostok"]


async def test_an_abbreviation_is_never_silently_a_fixed_offset(fake_discord, bot, content):
    en = content["en"]
    r = await fake_discord.slash("settings timezone", {"name": "EST"}, user="alice")
    assert r.content == en.text("remind.timezone.mapped", abbr="EST", tz="America/New_York")
    settings = await bot.store.user_settings(fake_discord.user("alice").id)
    assert settings.timezone == "America/New_York"
    refused = await fake_discord.slash("settings timezone", {"name": "IST"}, user="alice")
    assert refused.content == en.text("remind.timezone.ambiguous", tz="IST")


async def test_a_user_not_on_tokyo_time_is_asked_once_and_the_reminder_waits(
    fake_discord, start_tayori, content
):
    fake, en = fake_discord, content["en"]
    bot = await start_tayori()
    asked = await fake.slash(
        "remind at", {"when": "tomorrow 8pm", "note": "call mum"}, user="alice", locale="en-US"
    )
    assert asked.ephemeral and asked.content == en.text(
        "remind.timezone.ask", command=bot.mention("settings timezone")
    )
    [select] = asked.message.selects
    first = select["options"][0]
    assert first["value"] == "America/New_York"
    assert first["label"] == en.text("remind.timezone.option", city="New York", time="23:00")
    assert await bot.store.pending_for(uid(fake, "alice")) == [], "nothing set in Tokyo time"
    with pytest.raises(UserActionError):  # only the person who asked can choose
        await fake.select(asked, select["custom_id"], ["America/New_York"], user="haruto")

    chosen = await choose_zone(fake, asked, "America/New_York", "alice")
    due = datetime(2026, 3, 10, 20, 0, tzinfo=ZoneInfo("America/New_York"))
    assert chosen.content == "\n".join(
        [
            en.text("remind.timezone.set", tz="America/New_York"),
            en.text("remind.at.confirm", when=when_text(due)),
        ]
    )
    reminder = await only_pending(bot, fake, "alice")
    assert (reminder.due_at, reminder.note) == (due, "call mum")
    again = await fake.slash("remind at", {"when": "in 3 days"}, user="alice", locale="en-US")
    assert again.message.selects == [] and len(await bot.store.pending_for(uid(fake, "alice"))) == 2

    # a restart between the question and the answer: the zone is saved, the user is told
    fake.world.add_user("bob", locale="en-GB")
    asked = await fake.slash("remind at", {"when": "21:00"}, user="bob", locale="en-GB")
    assert asked.message.selects[0]["options"][0]["value"] == "Europe/London"
    await bot.close()
    bot = await start_tayori()
    lost = await choose_zone(fake, asked, "Europe/London", "bob")
    assert lost.content == en.text(
        "remind.timezone.lost", tz="Europe/London", command=bot.mention("remind at")
    )
    assert (await bot.store.user_settings(uid(fake, "bob"))).timezone == "Europe/London"


async def test_after_send_sets_the_check_in_and_asks_for_the_zone_alongside(
    fake_discord, bot, content
):
    fake, en = fake_discord, content["en"]
    r = await fake.slash("remind after-send", {"days": 7}, user="alice", locale="en-US")
    [checkin] = await bot.store.pending_for(uid(fake, "alice"))
    assert checkin.kind == "after-send", "the check-in does not wait for the answer"
    assert r.embeds[0]["description"] == en.text(
        "remind.timezone.ask_after", command=bot.mention("settings timezone")
    )
    said = r.content
    chosen = await choose_zone(fake, r, "America/Chicago", "alice")
    assert chosen.content == f"{said}\n{en.text('remind.timezone.set', tz='America/Chicago')}"
    assert chosen.message.embeds == [] and chosen.message.components == []
    assert (await bot.store.user_settings(uid(fake, "alice"))).timezone == "America/Chicago"
    again = await fake.slash("remind after-send", {"days": 7}, user="alice", locale="en-US")
    assert again.embeds == [], "asked once"


async def test_the_preview_of_a_user_without_a_zone_names_no_tokyo_time(fake_discord, bot, content):
    en = content["en"]
    typed = await fake_discord.autocomplete(
        "remind at", {"when": "tomorrow 8pm"}, "when", user="alice"
    )
    assert typed.choices[0]["name"] == en.text("remind.preview.when_no_zone", when="tomorrow 8pm")
    relative = await fake_discord.autocomplete(
        "remind at", {"when": "in 2 hours"}, "when", user="alice"
    )
    assert relative.choices[0]["name"] == en.text("remind.preview.when_no_zone", when="in 2 hours")
    assert "Tokyo" not in typed.choices[0]["name"] + relative.choices[0]["name"]


async def test_a_user_whose_discord_is_neither_japanese_nor_english_is_asked_too(
    fake_discord, bot, content
):
    """Their replies are in Japanese (the default), but they need not live in Tokyo."""
    fake, ja = fake_discord, content["ja"]
    fake.world.add_user("claire", locale="fr")
    asked = await fake.slash("remind at", {"when": "明日の20時"}, user="claire", locale="fr")
    assert asked.content == ja.text("remind.timezone.ask", command=bot.mention("settings timezone"))
    assert [o["value"] for o in asked.message.selects[0]["options"]][:2] == [
        "Europe/London",
        "Europe/Berlin",
    ]
    await choose_zone(fake, asked, "Europe/Berlin", "claire")
    [reminder] = await bot.store.pending_for(uid(fake, "claire"))
    assert reminder.due_at == datetime(2026, 3, 11, 20, 0, tzinfo=ZoneInfo("Europe/Berlin"))


async def test_a_note_is_cleaned_where_it_enters_and_echoed_safely(
    fake_discord, bot, clock, content
):
    """A lone surrogate used to fail at the store (a generic error); controls and bidi
    overrides were echoed as typed. Now they are dropped without a word to the user."""
    ja = content["ja"]
    typed = "薬\ud800を\x1b\x00飲む\u202e逆\u202c\u2066順\u2069\r\nね"
    r = await fake_discord.slash("remind at", {"when": "3時間後", "note": typed}, user="haruto")
    assert r.ephemeral and ja.text("common.error.generic") not in r.text
    stored = await only_pending(bot, fake_discord, "haruto")
    assert stored.note == "薬を飲む逆順 ね"
    await move(fake_discord, bot, clock, timedelta(hours=3))
    await fake_discord.wait_until(lambda: fake_discord.dms("haruto"), within=5)
    [dm] = fake_discord.dms("haruto")
    assert dm.content == ja.text("remind.at.due", note="薬を飲む逆順 ね")
