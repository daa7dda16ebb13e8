"""/check-draft's repeat-send warning lasts exactly the wait chosen with /remind after-send."""

from datetime import timedelta

import pytest

from bot.runtime.replies import when_text

DRAFT = "元気にしてる？無理しないでね"


def rules(result) -> set[str]:
    return {f["name"] for f in result.embeds[0]["fields"]}


@pytest.mark.parametrize(("days", "still_on", "off"), [(3, 2, 3), (14, 13, 14)])
async def test_repeat_send_lasts_the_chosen_wait(
    fake_discord, bot, clock, content, days, still_on, off
):
    heading = content["ja"].text("check_draft.rule.repeat-send")
    await fake_discord.slash("remind after-send", {"days": days}, user="haruto")
    clock.advance(timedelta(days=still_on, hours=23))
    during = await fake_discord.slash("check-draft", {"text": DRAFT}, user="haruto")
    assert any(heading in name for name in rules(during))
    clock.advance(timedelta(days=off - still_on))
    after = await fake_discord.slash("check-draft", {"text": DRAFT}, user="haruto")
    assert not any(heading in name for name in rules(after))


async def test_a_second_message_inside_the_wait_gets_a_gentle_word(
    fake_discord, bot, clock, content
):
    ja = content["ja"]
    first = await fake_discord.slash("remind after-send", {"days": 7}, user="haruto")
    assert ja.text("remind.after_send.repeat_warning", days="7日") not in first.text
    clock.advance(timedelta(days=2))
    second = await fake_discord.slash("remind after-send", {"days": 7}, user="haruto")
    assert second.text.startswith(ja.text("remind.after_send.repeat_warning", days="7日"))


async def test_a_second_message_inside_the_wait_moves_the_one_check_in(
    fake_discord, bot, clock, content
):
    """One answer (no "well done" after the scolding), one reminder (the check-in moves)."""
    en = content["en"]
    await fake_discord.slash("remind after-send", {"days": 7}, user="alice")
    clock.advance(timedelta(minutes=3))
    second = await fake_discord.slash("remind after-send", {"days": 7}, user="alice")
    due = clock.now() + timedelta(days=7)
    assert second.text == "\n\n".join(
        [
            en.text("remind.after_send.repeat_warning", days="7 days"),
            en.text("remind.after_send.moved", when=when_text(due)),
        ]
    )
    assert "well done" not in second.text
    (pending,) = await bot.store.pending_for(fake_discord.user("alice").id)
    assert (pending.kind, pending.due_at, pending.created_at) == ("after-send", due, clock.now())


async def test_one_day_is_one_day_not_1_days(fake_discord, bot, clock, content):
    """Plural words come from the locale's duration words ("1 day", "2 days"; "1日")."""
    await fake_discord.slash("remind after-send", {"days": 1}, user="alice")
    clock.advance(timedelta(hours=2))
    again = await fake_discord.slash("remind after-send", {"days": 1}, user="alice")
    assert again.text.startswith("It hasn't been 1 day since your last message yet.")
    assert "1 days" not in again.text
    report = await fake_discord.slash("check-draft", {"text": "How are you doing?"}, user="alice")
    assert "less than 1 day ago" in str(report.embeds[0]["fields"])
