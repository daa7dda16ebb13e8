"""The fake's global limit: Discord's per-token requests per second, callbacks exempt."""

from __future__ import annotations

import json

import jsonschema
import pytest

from fakediscord.schema import find_spec
from fakediscord.server import ApiError, GlobalLimit

MESSAGES = "/channels/1/messages"


class Now:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def test_the_limit_refuses_the_request_past_it_with_the_wait_until_a_slot_frees() -> None:
    now = Now()
    limit = GlobalLimit(3, now)
    for _ in range(3):
        limit.check(MESSAGES)
        now.t += 0.1
    with pytest.raises(ApiError) as refused:
        limit.check(MESSAGES)
    error = refused.value
    assert error.status == 429 and error.is_global
    assert error.retry_after == pytest.approx(0.7)  # the first request leaves the window at 101.0
    assert error.body()["global"] is True and error.body()["retry_after"] == pytest.approx(0.7)
    assert error.headers()["X-RateLimit-Global"] == "true"
    assert error.headers()["X-RateLimit-Scope"] == "global"
    assert error.headers()["Via"], "discord.py honours a 429 only behind a proxy header"
    assert limit.refused == 1
    now.t = 101.0
    limit.check(MESSAGES)  # a slot freed


def test_the_limit_is_per_token_shared_by_every_sender_of_one() -> None:
    now = Now()
    limit = GlobalLimit(2, now)
    for _ in range(2):  # two processes of one bot, one request each, twice
        limit.check(MESSAGES, "Bot one")
    with pytest.raises(ApiError) as refused:
        limit.check(MESSAGES, "Bot one")
    assert refused.value.is_global
    limit.check(MESSAGES, "Bot two")  # another bot's token has a limit of its own
    limit.check(MESSAGES, "Bot two")
    with pytest.raises(ApiError):
        limit.check(MESSAGES, "Bot two")
    assert limit.refused == 2


def test_interaction_callbacks_and_webhooks_do_not_count() -> None:
    limit = GlobalLimit(1, Now())
    limit.check("/users/@me/channels")
    for _ in range(10):
        limit.check("/interactions/5/tok/callback")
        limit.check("/webhooks/1/tok/messages/@original")
    with pytest.raises(ApiError):
        limit.check(MESSAGES)


def test_no_limit_counts_nothing() -> None:
    limit = GlobalLimit(None, Now())
    for _ in range(1000):
        limit.check(MESSAGES)
    assert limit.refused == 0 and not limit.windows


def test_the_429_body_is_discords_ratelimited_response() -> None:
    spec = json.loads(find_spec().read_text())
    schema = {
        **spec["components"]["schemas"]["RatelimitedResponse"],
        "components": spec["components"],
    }
    body = ApiError(429, 0, "You are being rate limited.", is_global=True, retry_after=0.5).body()
    jsonschema.validate(body, schema)  # its $refs resolve in the spec's components
