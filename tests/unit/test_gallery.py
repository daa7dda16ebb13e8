"""docs/gallery.md is what the bot answers today: generated again, it must not change."""

from __future__ import annotations

import difflib
from datetime import timedelta

from tools.gallery import DEFAULT_OUT, PEOPLE, START, readable, write_gallery


def test_the_committed_gallery_is_what_the_bot_answers(tmp_path):
    fresh = write_gallery(tmp_path / "gallery.md").read_text(encoding="utf-8")
    committed = DEFAULT_OUT.read_text(encoding="utf-8")
    if fresh != committed:
        diff = difflib.unified_diff(
            committed.splitlines(), fresh.splitlines(), "docs/gallery.md", "generated", lineterm=""
        )
        raise AssertionError(
            "docs/gallery.md is out of date: run `.venv/bin/python -m tools.gallery`\n"
            + "\n".join(diff)
        )


def test_the_gallery_reads_as_text_not_discord_markup():
    committed = DEFAULT_OUT.read_text(encoding="utf-8")
    for markup in ("</", "<t:", "<@", "<#", "custom_id", "tayori:"):
        assert markup not in committed, markup
    # per person: three /check-draft replies (send, not to send, a second look) among eight
    for user, private in (("haruto", "only haruto sees"), ("alice", "only alice sees")):
        assert committed.count(private) == 8, user


def test_discord_markup_becomes_words_a_reader_can_follow():
    haruto, alice = PEOPLE
    names = {"@42": "@alice", "#7": "#general"}
    due = int((START + timedelta(days=7)).timestamp())
    text = f"</remind at:123> <@42> <#7> <:wave:99> <t:{due}:F> (<t:{due}:R>)"
    assert readable(text, alice, START, names) == (
        "`/remind at` @alice #general :wave: Tuesday, March 17, 2026 3:00 AM UTC (in 7 days)"
    )
    assert readable(f"<t:{due}:F>（<t:{due}:R>）", haruto, START, names) == (
        "2026年3月17日火曜日 12:00 JST（7日後）"
    )
    assert readable(f"<t:{due - 7 * 86400 - 3600}:R>", alice, START, names) == "1 hour ago"
