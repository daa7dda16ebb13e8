"""The /remind at requests that wait for a time zone: taken once, by their user, while fresh."""

from datetime import timedelta

from bot.core.clock import utc
from cogs.remind._waiting import KEEP, MAX_WAITING, Waiting, WaitingReminders

NOW = utc(2026, 3, 10, 3, 0)


def asked(user: int = 1, at=NOW) -> Waiting:
    return Waiting(user, None, "tomorrow 8pm", "call mum", at)


def test_a_request_is_taken_once_by_its_own_user():
    waiting = WaitingReminders()
    nonce = waiting.keep(asked())
    assert waiting.take(nonce, 2, NOW) is None, "someone else cannot take it"
    assert waiting.take(nonce, 1, NOW) == asked()
    assert waiting.take(nonce, 1, NOW) is None, "once"


def test_a_request_left_too_long_is_gone():
    waiting = WaitingReminders()
    nonce = waiting.keep(asked())
    assert waiting.take(nonce, 1, NOW + KEEP + timedelta(seconds=1)) is None


def test_old_requests_are_forgotten_and_memory_stays_bounded():
    waiting = WaitingReminders()
    old = waiting.keep(asked())
    later = NOW + KEEP + timedelta(minutes=1)
    for user in range(MAX_WAITING + 5):
        waiting.keep(asked(user, later))
    assert len(waiting._by_nonce) == MAX_WAITING
    assert waiting.take(old, 1, later) is None
