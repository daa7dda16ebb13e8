from datetime import timedelta

from bot.core.clock import utc
from bot.services.ratelimit import RateLimiter


def test_five_writes_per_ten_seconds_then_the_wait_is_told():
    limiter = RateLimiter()
    now = utc(2026, 1, 1)
    assert [limiter.hit(1, now + timedelta(seconds=i)) for i in range(5)] == [0.0] * 5
    assert limiter.hit(1, now + timedelta(seconds=5)) == 5.0
    assert limiter.hit(2, now + timedelta(seconds=5)) == 0.0, "per user"
    assert limiter.hit(1, now + timedelta(seconds=10)) == 0.0, "the oldest left the window"


def test_idle_users_are_forgotten(monkeypatch):
    monkeypatch.setattr("bot.services.ratelimit.PRUNE_AT", 3)
    limiter = RateLimiter()
    now = utc(2026, 1, 1)
    for uid in range(3):
        limiter.hit(uid, now)
    limiter.hit(99, now + timedelta(seconds=30))
    assert set(limiter._seen) == {99}
