"""Drafts kept in memory for "Edit and check again": their author only, 15 minutes, bounded."""

from __future__ import annotations

from datetime import timedelta

from bot.core.clock import FakeClock
from bot.services.draft_memory import KEEP, DraftMemory


def test_only_the_author_gets_a_draft_back_until_it_expires() -> None:
    clock = FakeClock()
    memory = DraftMemory(clock)
    nonce = memory.keep(1, "元気にしてる？")
    assert memory.recall(nonce, 2) == "", "someone else's draft"
    assert memory.recall("unknown", 1) == ""
    clock.advance(KEEP - timedelta(seconds=1))
    assert memory.recall(nonce, 1) == "元気にしてる？"
    clock.advance(timedelta(seconds=1))
    assert memory.recall(nonce, 1) == ""
    assert timedelta(minutes=15) == KEEP


def test_expired_and_oldest_drafts_make_room() -> None:
    clock = FakeClock()
    memory = DraftMemory(clock, most=3)
    old = memory.keep(1, "a")
    clock.advance(KEEP)
    memory.keep(1, "b")
    assert len(memory) == 1, "the expired one was dropped"
    kept = [memory.keep(1, t) for t in "cde"]
    assert len(memory) == 3 and memory.recall(old, 1) == ""
    assert [memory.recall(n, 1) for n in kept] == ["c", "d", "e"]


def test_forget_drops_one_users_drafts() -> None:
    memory = DraftMemory(FakeClock())
    mine, theirs = memory.keep(1, "a"), memory.keep(2, "b")
    memory.forget(1)
    assert (memory.recall(mine, 1), memory.recall(theirs, 2)) == ("", "b")


def test_a_check_that_began_before_its_author_deleted_their_data_keeps_nothing() -> None:
    clock = FakeClock()
    memory = DraftMemory(clock)
    began = clock.now()
    clock.advance(timedelta(seconds=1))
    memory.forget(1)  # /privacy delete while the check was on its way
    clock.advance(timedelta(seconds=1))
    late = memory.keep(1, "秘密", checked_at=began)
    assert memory.recall(late, 1) == ""
    fresh = memory.keep(1, "新しい下書き", checked_at=clock.now())
    assert memory.recall(fresh, 1) == "新しい下書き", "a check after the deletion is kept as usual"
    assert memory.recall(memory.keep(2, "b", checked_at=began), 2) == "b", "others are untouched"
